// A raw JSON request to the Kubernetes API with the credentials of a ClusterAccess (cluster-access.ts). The generated clients of
// @kubernetes/client-node re-serialise bodies through their typed models, which drops keys they do not
// model in the same spelling (for example `x-kubernetes-validations` in a CRD read from YAML) and turns
// dates into Date objects; server-side apply and CRD installation need the object sent as written.
// Requests reuse TLS connections (keep-alive): the client library's agent opens a new one per request,
// which doubles the latency of a call and makes TLS setup a visible share of the operator's CPU.
import { Agent, request } from "node:https";
import { StringDecoder } from "node:string_decoder";
import type { ClusterAccess } from "./cluster-access.ts";

/**
 * One keep-alive agent for every API request. Node pools sockets by host, port and TLS options (CA, client
 * certificate and key, servername ...), so two kubeconfigs never share a connection. Idle sockets close after
 * 30 s, before the API server's own idle timeout (90 s), so a request rarely meets a socket the server just
 * closed; when it does, the request is sent again on a new connection (see `send`).
 */
export const keepAliveAgent = new Agent({ keepAlive: true, timeout: 30_000, scheduling: "lifo" });

export class ApiRequestError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(code: number, reason: string, message: string, body: unknown) {
    super(message);
    this.name = "ApiRequestError";
    this.code = code;
    this.reason = reason;
    this.body = body;
  }
}

export interface ApiRequestOptions {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below the server URL, e.g. /apis/apps/v1/namespaces/default/deployments/web. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export async function apiRequest<T = unknown>(kc: ClusterAccess, opts: ApiRequestOptions): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(cluster.server.replace(/\/$/, "") + opts.path);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const httpsOpts: import("node:https").RequestOptions = {
    method: opts.method,
    headers: {
      accept: "application/json",
      ...(payload === undefined ? {} : { "content-type": opts.contentType ?? "application/json", "content-length": Buffer.byteLength(payload) }),
    },
    timeout: opts.timeoutMs ?? 30_000,
  };
  await kc.applyToHTTPSOptions(httpsOpts);
  // The library's agent is kept only when it is a proxy's: ours would bypass the proxy.
  if (cluster.proxyUrl === undefined) httpsOpts.agent = keepAliveAgent;
  try {
    return await send<T>(url, httpsOpts, opts, payload);
  } catch (err) {
    // A pooled connection that the server closed while it sat idle fails before the server read the request, so
    // sending it again cannot apply it twice.
    if (err instanceof StaleConnectionError) return send<T>(url, httpsOpts, opts, payload);
    throw err;
  }
}

class StaleConnectionError extends Error {}

function send<T>(url: URL, httpsOpts: import("node:https").RequestOptions, opts: ApiRequestOptions, payload: string | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let answered = false;
    const req = request(url, httpsOpts, (res) => {
      answered = true;
      // Decoded as it arrives: a list page of several MB is never also held as one native buffer, which the C
      // allocator would keep after it is freed (docs/performance.md, memory).
      const decoder = new StringDecoder("utf8");
      let text = "";
      res.on("error", reject);
      res.on("data", (d: Buffer) => (text += decoder.write(d)));
      res.on("end", () => {
        text += decoder.end();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(parsed as T);
          return;
        }
        const st = parsed as { message?: string; reason?: string } | undefined;
        reject(new ApiRequestError(status, st?.reason ?? "", `${opts.method} ${opts.path}: HTTP ${status}: ${st?.message ?? text.slice(0, 500)}`, parsed));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${opts.method} ${opts.path}: timed out`)));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && (err.code === "ECONNRESET" || err.code === "EPIPE");
      reject(stale ? new StaleConnectionError(`${opts.method} ${opts.path}: ${err.message}`, { cause: err }) : err);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
