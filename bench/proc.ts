// CPU seconds and resident memory of a process from /proc/<pid>/stat (Linux), so that the operator, the API server,
// etcd and kube-controller-manager are each measured on their own, whatever else the machine runs.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ProcStat {
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** Resident set size, in pages. */
  rssPages: number;
}

/** Fields 14 (utime), 15 (stime) and 24 (rss) of a stat line; the command name (field 2) may hold spaces and parentheses. */
export function parseProcStat(line: string): ProcStat {
  const close = line.lastIndexOf(")");
  if (close < 0) throw new Error(`/proc stat line without a command name: ${line.slice(0, 80)}`);
  // After ") " come the fields from 3 (state) on: index i holds field i + 3.
  const fields = line.slice(close + 2).trim().split(/\s+/);
  const field = (n: number): number => {
    const v = Number(fields[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc stat line has no number in field ${n}: ${line.slice(0, 80)}`);
    return v;
  };
  return { cpuTicks: field(14) + field(15), rssPages: field(24) };
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // the value on every Linux kernel in use
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) a live process has used, or undefined when it is gone or not on Linux. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8")).cpuTicks / clockTicks();
  } catch {
    return undefined;
  }
}

/** Resident anonymous and file-backed memory from a /proc/<pid>/status text (RssAnon, RssFile; kB). */
export function parseProcStatus(text: string): { rssAnonBytes: number; rssFileBytes: number } {
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text);
    if (!m) throw new Error(`/proc status without ${key}`);
    return Number(m[1]) * 1024;
  };
  return { rssAnonBytes: kb("RssAnon"), rssFileBytes: kb("RssFile") };
}

/** parseProcStatus of a live process; zeros when it is gone (between processes) or not on Linux. */
export function procStatus(pid: number | undefined): { rssAnonBytes: number; rssFileBytes: number } {
  try {
    if (pid === undefined) throw new Error("no process");
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return { rssAnonBytes: 0, rssFileBytes: 0 };
  }
}
