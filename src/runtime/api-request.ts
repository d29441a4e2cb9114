// A raw JSON request to the Kubernetes API with the credentials of a KubeConfig. The generated clients of
// @kubernetes/client-node re-serialise bodies through their typed models, which drops keys they do not
// model in the same spelling (for example `x-kubernetes-validations` in a CRD read from YAML) and turns
// dates into Date objects; server-side apply and CRD installation need the object sent as written.
import { request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

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

export async function apiRequest<T = unknown>(kc: KubeConfig, opts: ApiRequestOptions): Promise<T> {
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
  return new Promise<T>((resolve, reject) => {
    const req = request(url, httpsOpts, (res) => {
      const chunks: Buffer[] = [];
      res.on("error", reject);
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
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
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
