// The CLI on untrusted input: a corpus of hostile files generated here (alias bombs, cycles, deep nesting, huge
// strings and values, a byte-order mark, List items without metadata), each run through `render` and `convert` in a
// child process under /usr/bin/time. Each must end with output or one `error: FILE: …` line per problem, exit 0 or
// 1, no stack trace, no echo of the huge values, and a peak RSS under 256 MB. The timeout is only a hang guard.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { INPUT_LIMITS } from "../../../src/cli/input.ts";

const main = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ecs-operator-untrusted-"));
const MAX_RSS_KB = 256 * 1024;
/** Generous: a hang guard only, never a measurement (the runs take well under a second each). */
const HANG_GUARD_MS = 60_000;
// A child process starts in a few seconds on a loaded machine: the test's own timeout is the hang guard's, not 5 s.
vi.setConfig({ testTimeout: 2 * HANG_GUARD_MS });

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const billionLaughs = [
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`),
].join("\n");

const td = (extra: string): string => `apiVersion: ecs.operator.dev/v1alpha1\nkind: TaskDefinition\nmetadata:\n  name: web\nspec:\n  family: web\n  containerDefinitions:\n    - name: app\n      image: nginx\n      memory: 128\n${extra}`;

interface Case {
  name: string;
  content: () => string | Buffer;
  /** What the output must show: an error line that contains this, or (ok) the rendered objects. */
  expect: { error: string } | { ok: string };
}

const CASES: Case[] = [
  { name: "alias-bomb.yaml", content: () => billionLaughs, expect: { error: "values once aliases are expanded" } },
  { name: "alias-bomb-545-bytes.yaml", content: () => `${billionLaughs}\nspec: *i\n`, expect: { error: "error:" } },
  { name: "self-alias.yaml", content: () => "a: &a [*a]\n", expect: { error: "error:" } },
  { name: "self-alias-map.yaml", content: () => "&a\nkey: *a\n", expect: { error: "error:" } },
  { name: "deep-5000-flow.yaml", content: () => `${"[".repeat(5000)}${"]".repeat(5000)}\n`, expect: { error: "error:" } },
  { name: "deep-5000-block.yaml", content: () => Array.from({ length: 5000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n"), expect: { error: "error:" } },
  { name: "deep-5000.json", content: () => `${"[".repeat(5000)}${"]".repeat(5000)}`, expect: { error: "nested more than" } },
  { name: "string-3mb.yaml", content: () => td(`      command: ["${"x".repeat(3 * 1024 * 1024)}"]\n`), expect: { error: "error:" } },
  { name: "value-50mb.yaml", content: () => td(`      image2: ${"y".repeat(50 * 1024 * 1024)}\n`), expect: { error: `more than the ${INPUT_LIMITS.maxBytes}` } },
  { name: "bom.yaml", content: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(td(""))]), expect: { ok: "kind: PodTemplate" } },
  { name: "bom.json", content: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ family: "web", containerDefinitions: [{ name: "app", image: "nginx", memory: 128 }] }))]), expect: { ok: "kind: PodTemplate" } },
  { name: "list-without-metadata.yaml", content: () => "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: ecs.operator.dev/v1alpha1\n    kind: TaskDefinition\n    spec: {}\n", expect: { error: "items[0]: metadata.name: Required value" } },
  { name: "list-without-items.yaml", content: () => "apiVersion: v1\nkind: List\n", expect: { error: "items: a List needs a list of items" } },
  { name: "list-of-scalars.yaml", content: () => "apiVersion: v1\nkind: List\nitems: [1, null, x]\n", expect: { error: "items[0]" } },
  { name: "metadata-name-number.yaml", content: () => "apiVersion: ecs.operator.dev/v1alpha1\nkind: TaskDefinition\nmetadata: {name: 7}\nspec: {}\n", expect: { error: "metadata.name: Required value" } },
  { name: "huge-key.yaml", content: () => `${"k".repeat(1024 * 1024)}: 1\n`, expect: { error: "error:" } },
  { name: "huge-kind.yaml", content: () => `apiVersion: v1\nkind: ${"K".repeat(2 * 1024 * 1024)}\n`, expect: { error: "kind: a string of 2097152 characters" } },
  { name: "not-yaml.yaml", content: () => `key: [unclosed\n${"x: y\n".repeat(100_000)}`, expect: { error: "not valid YAML" } },
  { name: "binary.yaml", content: () => Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256)), expect: { error: "error:" } },
  { name: "many-documents.yaml", content: () => "---\n{}\n".repeat(200_000), expect: { error: "error:" } },
];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  maxRssKb: number;
}

/** The CLI in a child process under /usr/bin/time -v, which reports the peak RSS after the command's own output. */
function run(args: string[]): Run {
  const res = spawnSync("/usr/bin/time", ["-v", process.execPath, main, ...args], { encoding: "utf8", timeout: HANG_GUARD_MS, maxBuffer: 256 * 1024 * 1024 });
  const stderr = res.stderr;
  // time's own lines: "Command exited with non-zero status N", then the report.
  const timeAt = stderr.search(/^(Command exited with non-zero status \d+\n)?\tCommand being timed:/m);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr.slice(timeAt));
  const exit = /Exit status: (\d+)/.exec(stderr.slice(timeAt));
  return { status: exit === null ? null : Number(exit[1]), stdout: res.stdout, stderr: timeAt === -1 ? stderr : stderr.slice(0, timeAt), maxRssKb: rss === null ? Infinity : Number(rss[1]) };
}

describe.each(["render", "convert"])("ecs-operator %s on a hostile file", (command) => {
  it.each(CASES.filter((c) => command === "render" || c.name.endsWith(".json") || !("ok" in c.expect)).map((c) => [c.name, c] as const))("%s", (_, c) => {
    const path = file(c.name, c.content());
    const r = run([command, "-f", path]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/node:internal|Error: .*\n\s+at/);
    expect(r.maxRssKb).toBeLessThan(MAX_RSS_KB);
    const expectation = c.expect;
    if ("ok" in expectation && command === "render") {
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(expectation.ok);
      return;
    }
    if ("ok" in expectation) {
      // convert takes ECS JSON: a BOM in front of it is no reason to refuse it.
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("kind: TaskDefinition");
      return;
    }
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines.filter((l) => l.startsWith("error:"))) expect(line.startsWith(`error: ${path}`) || line.startsWith(`error: ${command}`)).toBe(true);
    if (command === "render") expect(r.stderr).toContain(expectation.error);
    // Values are quoted, never echoed whole.
    expect(r.stderr.length).toBeLessThan(20_000);
  });
});

describe("errors are one line per problem", () => {
  it("an alias bomb is refused by the walk, naming the file, in one line", () => {
    const path = file("bomb-one-line.yaml", billionLaughs);
    const r = run(["render", "-f", path]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([`error: ${path}: more than ${INPUT_LIMITS.maxValues} values once aliases are expanded (an alias bomb?)`]);
  });

  it("a message quotes a long value clipped, saying how much was left out", () => {
    const path = file("long-kind.yaml", `apiVersion: v1\nkind: ${"K".repeat(10_000)}\n`);
    const r = run(["render", "-f", path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/K… \(9940 more characters\)/);
  });
});

describe("ecs-operator run that cannot start says why in one line and exits 1", () => {
  const kubeconfig = file("kubeconfig.yaml", [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
    "users: [{name: u, user: {token: t}}]",
    "contexts: [{name: x, context: {cluster: c, user: u}}]",
    "current-context: x",
  ].join("\n"));
  const runLines = (r: Run): string[] => r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("{"));

  it("a taken metrics port", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = run(["run", "--kubeconfig", kubeconfig, "--metrics-bind-address", `127.0.0.1:${port}`, "--log-level", "error"]);
      expect(r.status).toBe(1);
      expect(runLines(r)).toEqual([`error: --metrics-bind-address 127.0.0.1:${port}: the port is taken by another process; choose another port, or 0 to turn the server off`]);
    } finally {
      server.close();
    }
  });

  it.each([
    ["a kubeconfig that does not exist", join(dir, "no-such-kubeconfig")],
    ["a kubeconfig that is a directory", dir],
    ["a kubeconfig that is not YAML", file("bad-kubeconfig.yaml", "clusters: [unclosed\n  - {\n")],
  ])("%s", (_, path) => {
    const r = run(["run", "--kubeconfig", path, "--metrics-bind-address", "0", "--log-level", "error"]);
    expect(r.status).toBe(1);
    const lines = runLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: --kubeconfig ${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: cannot load: `));
  });
});
