// The operator's HTTP endpoints: /healthz (the process is alive), /readyz (every informer cache has
// synced), /metrics (Prometheus text). Three GET routes on node:http: a web framework would cost more memory
// (about 20 MiB loaded) than these lines.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";
import type { Registry } from "prom-client";

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  ready: () => boolean;
}

const TEXT = "text/plain; charset=utf-8";

function send(req: IncomingMessage, res: ServerResponse, code: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { "content-type": type, "content-length": Buffer.byteLength(body), ...headers });
  res.end(req.method === "HEAD" ? undefined : body);
}

function handle(opts: HttpServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(req, res, 405, TEXT, "method not allowed\n", { allow: "GET, HEAD" });
    return;
  }
  switch (path) {
    case "/healthz":
      send(req, res, 200, TEXT, "ok");
      return;
    case "/readyz":
      if (opts.ready()) send(req, res, 200, TEXT, "ok");
      else send(req, res, 503, TEXT, "informer caches not synced");
      return;
    case "/metrics":
      opts.registry.metrics().then(
        (text) => { send(req, res, 200, opts.registry.contentType, text); },
        () => { send(req, res, 500, TEXT, "metrics could not be collected\n"); },
      );
      return;
    default:
      send(req, res, 404, TEXT, "not found\n");
  }
}

export async function startHttpServer(opts: HttpServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => { handle(opts, req, res); });
  server.listen(opts.port, opts.host);
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
