// The operator under measurement, as a child process of its own (so that its CPU and memory are its own), wired as
// `ecs-operator run` wires it (registerControllers on one Manager) but with the resync period as a parameter, so that
// the idle phase can watch a few resyncs in a short time. Also its /readyz and /metrics, its CPU from /proc, and a
// graceful stop.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpuSeconds } from "./proc.ts";
import { parsePrometheus, type Sample } from "./prometheus.ts";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * The child's program, given to `node -e`: from dist/ (what ships: plain JavaScript, no type stripping in the
 * process, which alone adds ~25 MiB of RSS) or from src/ (no build needed; the smoke test's choice).
 */
function entry(code: "dist" | "src"): string {
  const mod = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, code, code === "dist" ? path.replace(/\.ts$/, ".js") : path)).href);
  return `
import { loadClusterAccess } from ${mod("runtime/cluster-access.ts")};
import { registerControllers } from ${mod("controllers/register.ts")};
import { createLogger } from ${mod("runtime/logger.ts")};
import { Manager } from ${mod("runtime/manager.ts")};
const [kubeconfig, namespace, port, resyncSeconds, workers, flags] = process.argv.slice(1);
const { events, podDisruptionBudgets, shard } = JSON.parse(flags);
const kc = await loadClusterAccess(kubeconfig);
if (kc === undefined) throw new Error("bench: no cluster in " + kubeconfig);
const mgr = new Manager({ kubeConfig: kc, identity: "bench-" + process.pid, logger: createLogger({ level: "info" }), http: { host: "127.0.0.1", port: Number(port) }, resyncMs: Number(resyncSeconds) * 1000, ...(events === undefined ? {} : { events }) });
registerControllers(mgr, { namespace, workers: JSON.parse(workers), ...(podDisruptionBudgets === undefined ? {} : { podDisruptionBudgets }), ...(shard === undefined ? {} : { shard }) });
mgr.handleSignals();
await mgr.start();
`;
}

export interface OperatorOptions {
  kubeconfig: string;
  namespace: string;
  resyncSeconds: number;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory when the process exits. */
  cpuProfileDir?: string | undefined;
  /** Run the compiled dist/ (build first) or src/ directly. */
  code: "dist" | "src";
  /** Workers per controller (`--workers`); the defaults for the ones not named. */
  workers?: Readonly<Record<string, number>> | undefined;
  /** V8 heap limit in MiB (the chart's controller.maxHeapMiB, NODE_OPTIONS=--max-old-space-size); none: Node's default. */
  maxHeapMiB?: number | undefined;
  /** `ecs-operator run --events` and `--pod-disruption-budgets`; absent: the operator's defaults. */
  flags?: OperatorFlags | undefined;
  /** Write a V8 heap snapshot into this directory on heapSnapshot() (node --heapsnapshot-signal). */
  heapSnapshotDir?: string | undefined;
}

export interface OperatorFlags {
  readonly events?: "all" | "warnings";
  readonly podDisruptionBudgets?: boolean;
  /** `ecs-operator run --shard --shards`: the shard of the Service controller this process runs. */
  readonly shard?: { readonly index: number; readonly count: number };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const addr = srv.address();
  srv.close();
  await once(srv, "close");
  if (addr === null || typeof addr === "string") throw new Error("bench: could not allocate a loopback port");
  return addr.port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The node flags of the container image's ENTRYPOINT (Dockerfile): the operator under measurement runs as the image
 * runs it. test/integration/packaging-entrypoint.test.ts checks the two agree.
 */
export const IMAGE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8"];

export class OperatorProcess {
  readonly startedAt: number;
  private readonly startedAtWall = Date.now();
  private readonly child: ChildProcess;
  private readonly port: number;
  private output = "";
  private exited = false;
  private syncedAtWall: number | undefined;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
    this.startedAt = performance.now();
    const keep = (d: Buffer): void => {
      const text = d.toString();
      this.output = (this.output + text).slice(-4000);
      // The Manager logs this line the moment every informer has synced; /readyz can answer later, when the
      // first pass keeps the event loop busy.
      if (this.syncedAtWall === undefined) {
        const line = text.split("\n").find((l) => l.includes('"msg":"informer caches synced"'));
        try {
          if (line !== undefined) this.syncedAtWall = Date.parse((JSON.parse(line) as { time: string }).time);
        } catch {
          // the line was split across chunks: /readyz stands in
        }
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", () => { this.exited = true; });
  }

  static async start(opts: OperatorOptions): Promise<OperatorProcess> {
    const port = await freePort();
    const node = [
      ...IMAGE_NODE_FLAGS,
      ...(opts.cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfileDir}`]),
      ...(opts.maxHeapMiB === undefined ? [] : [`--max-old-space-size=${opts.maxHeapMiB}`]),
      ...(opts.heapSnapshotDir === undefined ? [] : ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${opts.heapSnapshotDir}`]),
    ];
    const args = [opts.kubeconfig, opts.namespace, String(port), String(opts.resyncSeconds), JSON.stringify(opts.workers ?? {}), JSON.stringify(opts.flags ?? {})];
    // cwd: the checkout, where `node -e` resolves the operator's dependencies.
    const child = spawn(process.execPath, [...node, "--input-type=module", "-e", entry(opts.code), ...args], { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT });
    return new OperatorProcess(child, port);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** CPU seconds the process has used so far. */
  cpu(): number | undefined {
    return this.pid === undefined ? undefined : cpuSeconds(this.pid);
  }

  private failure(what: string): Error {
    return new Error(`bench: the operator ${what} (exit ${this.child.exitCode ?? "none"}); its last output:\n${this.output}`);
  }

  /** Seconds from start until /readyz answers 200 (every informer synced). */
  async waitReady(timeoutMs = 120_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exited) throw this.failure("exited before it was ready");
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/readyz`);
        await res.text();
        if (res.ok) return (performance.now() - this.startedAt) / 1000;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw this.failure(`was not ready within ${timeoutMs / 1000}s`);
  }

  /** Seconds from start until the Manager logged that its informers synced, once it has. */
  cachesSyncedSeconds(): number | undefined {
    return this.syncedAtWall === undefined ? undefined : (this.syncedAtWall - this.startedAtWall) / 1000;
  }

  async metrics(): Promise<Sample[]> {
    if (this.exited) throw this.failure("exited");
    const res = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    return parsePrometheus(await res.text());
  }

  /**
   * Asks the process for a heap snapshot (it must run with heapSnapshotDir) and waits until a new *.heapsnapshot file
   * in `dir` stops growing. Returns its path.
   */
  async heapSnapshot(dir: string, timeoutMs = 600_000): Promise<string> {
    const before = new Set(await readdir(dir).catch(() => []));
    this.child.kill("SIGUSR2");
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    for (;;) {
      if (Date.now() > deadline) throw new Error("bench: the operator wrote no heap snapshot in time");
      await new Promise((r) => setTimeout(r, 1000));
      const name = (await readdir(dir)).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
      if (name === undefined) continue;
      const size = (await stat(join(dir, name))).size;
      if (size > 0 && size === last) return join(dir, name);
      last = size;
    }
  }

  /** SIGTERM (the operator drains and exits 0), SIGKILL after 40 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, "exit");
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 40_000);
    await exit;
    clearTimeout(timer);
  }
}

/**
 * The operator as `shards` processes, one per shard of the Service controller (`ecs-operator run --shards K --shard
 * I`), as a StatefulSet of K replicas runs it. CPU and the metrics' counters are the sums of the replicas; memory is
 * per replica (the harness reads each). One shard is one process, as before.
 */
export class OperatorFleet {
  private readonly procs: OperatorProcess[];
  private readonly opts: OperatorOptions;
  private readonly shards: number;

  private constructor(procs: OperatorProcess[], opts: OperatorOptions, shards: number) {
    this.procs = procs;
    this.opts = opts;
    this.shards = shards;
  }

  get replicas(): readonly OperatorProcess[] {
    return this.procs;
  }

  private static options(opts: OperatorOptions, shards: number, index: number): OperatorOptions {
    return shards === 1 ? opts : { ...opts, flags: { ...opts.flags, shard: { index, count: shards } } };
  }

  static async start(opts: OperatorOptions, shards: number): Promise<OperatorFleet> {
    const procs: OperatorProcess[] = [];
    for (let index = 0; index < shards; index++) procs.push(await OperatorProcess.start(OperatorFleet.options(opts, shards, index)));
    return new OperatorFleet(procs, opts, shards);
  }

  /** Stops replica `index` and starts a new process of the same shard in its place (the others keep running). */
  async restartReplica(index: number): Promise<OperatorProcess> {
    const old = this.procs[index];
    if (old === undefined) throw new Error(`bench: no replica ${index}`);
    await old.stop();
    const fresh = await OperatorProcess.start(OperatorFleet.options(this.opts, this.shards, index));
    this.procs[index] = fresh;
    return fresh;
  }

  /** When the first replica started. */
  get startedAt(): number {
    return Math.min(...this.replicas.map((r) => r.startedAt));
  }

  /** CPU seconds of all replicas so far. */
  cpu(): number | undefined {
    const each = this.replicas.map((r) => r.cpu());
    return each.some((c) => c === undefined) ? undefined : each.reduce<number>((a, c) => a + (c ?? 0), 0);
  }

  /** Seconds from the first start until every replica answers /readyz. */
  async waitReady(timeoutMs = 120_000): Promise<number> {
    await Promise.all(this.replicas.map((r) => r.waitReady(timeoutMs)));
    return (performance.now() - this.startedAt) / 1000;
  }

  /** The slowest replica's start → informers synced. */
  cachesSyncedSeconds(): number | undefined {
    const each = this.replicas.map((r) => r.cachesSyncedSeconds());
    return each.some((s) => s === undefined) ? undefined : Math.max(...each.map((s) => s ?? 0));
  }

  /** Every replica's samples, one after the other (total() and sumBy() add them up). */
  async metrics(): Promise<Sample[]> {
    return (await Promise.all(this.replicas.map((r) => r.metrics()))).flat();
  }

  /** A heap snapshot of the only replica (a sharded run has one per replica: not taken). */
  heapSnapshot(dir: string): Promise<string> {
    const [only, ...more] = this.replicas;
    if (only === undefined || more.length > 0) throw new Error("bench: --heap-snapshot takes one operator process; run without --shards");
    return only.heapSnapshot(dir);
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
  }
}
