// One watch request: streams events until the server closes the connection, the caller aborts, or the
// connection goes quiet for longer than the server's own timeout plus a margin (a dead peer).
import { request } from "node:https";
import { createInterface } from "node:readline";
import type { ClusterAccess } from "./cluster-access.ts";
import { ApiRequestError } from "./api-request.ts";

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

export interface WatchHandle {
  /** Resolves when the stream ends normally; rejects on a transport or HTTP error. */
  done: Promise<void>;
  abort(): void;
}

export async function watch<T>(kc: ClusterAccess, path: string, query: Record<string, string | number | boolean | undefined>, onEvent: (ev: WatchEvent<T>) => void): Promise<WatchHandle> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(cluster.server.replace(/\/$/, "") + path);
  url.searchParams.set("watch", "true");
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const serverTimeout = typeof query.timeoutSeconds === "number" ? query.timeoutSeconds : 300;
  const opts: import("node:https").RequestOptions = { method: "GET", headers: { accept: "application/json" }, timeout: (serverTimeout + 30) * 1000 };
  await kc.applyToHTTPSOptions(opts);
  let abort: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(`watch ${path} failed`));
    };
    const req = request(url, opts, (res) => {
      if (res.statusCode !== 200) {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => {
          let reason = "";
          let message = body.slice(0, 300);
          try {
            const st = JSON.parse(body) as { reason?: string; message?: string };
            reason = st.reason ?? "";
            message = st.message ?? message;
          } catch {
            // not a Status
          }
          finish(new ApiRequestError(res.statusCode ?? 0, reason, `watch ${path}: HTTP ${res.statusCode}: ${message}`, body));
        });
        return;
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      // readline re-emits its input's errors (a connection reset mid-stream); unhandled they would crash.
      lines.on("error", finish);
      lines.on("line", (line) => {
        if (!line.trim()) return;
        let ev: WatchEvent<T>;
        try {
          ev = JSON.parse(line) as WatchEvent<T>;
        } catch (err) {
          req.destroy(new Error(`watch ${path}: undecodable event: ${err instanceof Error ? err.message : "bad JSON"}`));
          return;
        }
        try {
          onEvent(ev);
        } catch (err) {
          req.destroy(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.on("end", () => { finish(); });
      res.on("error", finish);
      res.on("close", () => { finish(res.complete ? undefined : new Error(`watch ${path}: connection closed mid-stream`)); });
    });
    req.on("timeout", () => req.destroy(new Error(`watch ${path}: no data for ${serverTimeout + 30}s`)));
    req.on("error", finish);
    req.end();
    abort = () => {
      finished = true;
      resolve();
      req.destroy();
    };
  });
  return { done, abort: () => { abort(); } };
}
