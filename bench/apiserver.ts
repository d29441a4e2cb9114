// What kube-apiserver says of itself while a phase side runs: the requests it served and the watch events it sent
// (its /metrics, every run), and CPU profiles (--apiserver-profile): where the API server's extra work in the ECS run
// goes. Go's /debug/pprof/profile samples for a fixed time, so a side is covered by back-to-back profiles
// of PROFILE_SECONDS each, written as <label>-<k>.pb.gz; `go tool pprof -top <label>-*.pb.gz` merges them
// (docs/performance.md). The control plane's bench profile runs kube-apiserver with --profiling=true.
import { writeFile } from "node:fs/promises";
import { request, type RequestOptions } from "node:https";
import { join } from "node:path";
import type { ClusterAccess } from "../src/runtime/cluster-access.ts";
import { parsePrometheus, type Sample } from "./prometheus.ts";

/** Seconds of one profile: the last one of a side runs past its end by at most this much. */
export const PROFILE_SECONDS = 5;

/** The body of GET `path` on the API server, as bytes; an error names the status and the start of the body. */
async function getBytes(access: ClusterAccess, path: string, timeoutMs: number): Promise<Buffer> {
  const cluster = access.getCurrentCluster();
  if (cluster === null) throw new Error("bench: the kubeconfig names no cluster");
  const url = new URL(path, cluster.server);
  const opts: RequestOptions = { method: "GET", hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, timeout: timeoutMs };
  await access.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`bench: GET ${url.pathname}: HTTP ${res.statusCode ?? 0}: ${body.toString("utf8", 0, 200)}`));
        else resolve(body);
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`bench: GET ${url.pathname}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** kube-apiserver's /metrics; undefined when it cannot be read (a cluster that does not let this user). */
export async function apiserverMetrics(access: ClusterAccess): Promise<Sample[] | undefined> {
  try {
    return parsePrometheus((await getBytes(access, "/metrics", 30_000)).toString("utf8"));
  } catch {
    return undefined;
  }
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);

/** Mutating requests by "VERB resource[/subresource]" (apiserver_request_total), from whoever sent them. */
export function apiserverWrites(samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== "apiserver_request_total" || !MUTATING.has(s.labels.verb ?? "")) continue;
    const key = `${s.labels.verb ?? ""} ${s.labels.resource ?? ""}${s.labels.subresource ? `/${s.labels.subresource}` : ""}`;
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** Watch events sent to every watcher, by resource (apiserver_watch_events_total; by kind where the API server labels it so): one write seen by W watchers is W. */
export function apiserverWatchEvents(samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== "apiserver_watch_events_total") continue;
    const key = s.labels.resource ?? s.labels.kind ?? "";
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** Profiles kube-apiserver from start() until stop(), back to back. */
export class ApiServerProfiler {
  private running: Promise<string[]> | undefined;
  private stopping = false;

  private readonly access: ClusterAccess;
  private readonly dir: string;

  constructor(access: ClusterAccess, dir: string) {
    this.access = access;
    this.dir = dir;
  }

  start(label: string): void {
    if (this.running !== undefined) throw new Error("bench: an API server profile is already running");
    this.stopping = false;
    this.running = (async () => {
      const files: string[] = [];
      for (let k = 0; !this.stopping; k++) {
        const body = await getBytes(this.access, `/debug/pprof/profile?seconds=${PROFILE_SECONDS}`, (PROFILE_SECONDS + 30) * 1000);
        const file = join(this.dir, `${label}-${String(k).padStart(3, "0")}.pb.gz`);
        await writeFile(file, body);
        files.push(file);
      }
      return files;
    })();
  }

  /** Waits for the profile under way to end; returns every file of this label. */
  async stop(): Promise<string[]> {
    const running = this.running;
    if (running === undefined) return [];
    this.stopping = true;
    this.running = undefined;
    return running;
  }
}
