import { describe, expect, it } from "vitest";
import { cpuSeconds, parseProcStat, parseProcStatus, procStatus } from "../../../bench/proc.ts";

describe("bench: CPU and memory from /proc/<pid>/stat", () => {
  it("utime + stime (fields 14, 15) and rss (field 24), with a command name holding spaces and parentheses", () => {
    const line = "4242 (node (bench) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 750 250 0 0 20 0 11 0 123 456789 3000 18446744073709551615 1 1 0 0 0 0 0 0 0";
    expect(parseProcStat(line)).toEqual({ cpuTicks: 1000, rssPages: 3000 });
  });

  it("a line without a command name is refused", () => {
    expect(() => parseProcStat("garbage")).toThrow("/proc stat line without a command name");
  });

  it("this process has used some CPU; a process that does not exist has no figure", () => {
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += i;
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(cpuSeconds(2 ** 22 + 1)).toBeUndefined();
  });

  it("RssAnon and RssFile from /proc/<pid>/status, in bytes; a text without them is refused; a gone process reads zeros", () => {
    const text = "Name:\tnode\nVmRSS:\t  300000 kB\nRssAnon:\t  250000 kB\nRssFile:\t   49000 kB\nRssShmem:\t    1000 kB\n";
    expect(parseProcStatus(text)).toEqual({ rssAnonBytes: 250000 * 1024, rssFileBytes: 49000 * 1024 });
    expect(() => parseProcStatus("Name:\tnode\n")).toThrow("/proc status without RssAnon");
    expect(procStatus(2 ** 22 + 1)).toEqual({ rssAnonBytes: 0, rssFileBytes: 0 });
    if (process.platform === "linux") expect(procStatus(process.pid).rssAnonBytes).toBeGreaterThan(0);
  });
});
