// The operator under measurement: bench/operator-process.ts started as a child process, its /readyz and /metrics,
// its CPU from /proc, and a graceful stop. A child of its own so that its CPU is not mixed with the bench's.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { cpuSeconds } from "./proc.ts";
import { parsePrometheus, type Sample } from "./prometheus.ts";

const SCRIPT = fileURLToPath(new URL("./operator-process.ts", import.meta.url));

export interface OperatorOptions {
  kubeconfig: string;
  namespace: string;
  resyncSeconds: number;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory when the process exits. */
  cpuProfileDir?: string | undefined;
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

export class OperatorProcess {
  readonly startedAt: number;
  private readonly child: ChildProcess;
  private readonly port: number;
  private output = "";
  private exited = false;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
    this.startedAt = performance.now();
    const keep = (d: Buffer): void => { this.output = (this.output + d.toString()).slice(-4000); };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", () => { this.exited = true; });
  }

  static async start(opts: OperatorOptions): Promise<OperatorProcess> {
    const port = await freePort();
    const node = opts.cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfileDir}`];
    const child = spawn(process.execPath, [...node, SCRIPT, `--kubeconfig=${opts.kubeconfig}`, `--namespace=${opts.namespace}`, `--metrics-port=${port}`, `--resync-seconds=${opts.resyncSeconds}`], { stdio: ["ignore", "pipe", "pipe"] });
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

  async metrics(): Promise<Sample[]> {
    if (this.exited) throw this.failure("exited");
    const res = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    return parsePrometheus(await res.text());
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
