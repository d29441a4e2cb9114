// The operator's HTTP endpoints: /healthz (the process is alive), /readyz (every informer cache has
// synced), /metrics (Prometheus text).
import type { Server } from "node:http";
import { once } from "node:events";
import express from "express";
import type { Registry } from "prom-client";

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  ready: () => boolean;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => { res.type("text/plain").send("ok"); });
  app.get("/readyz", (_req, res) => {
    if (opts.ready()) res.type("text/plain").send("ok");
    else res.status(503).type("text/plain").send("informer caches not synced");
  });
  app.get("/metrics", (_req, res, next) => {
    opts.registry.metrics().then((text) => { res.type(opts.registry.contentType).send(text); }, next);
  });
  const server = app.listen(opts.port, opts.host);
  await once(server, "listening");
  const addr = server.address();
  const port = addr !== null && typeof addr === "object" ? addr.port : opts.port;
  return {
    server,
    port,
    close: () => new Promise((resolve) => {
      server.close(() => { resolve(); });
      server.closeAllConnections();
    }),
  };
}
