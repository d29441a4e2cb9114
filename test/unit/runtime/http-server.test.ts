// The three endpoints, row by row, on a real socket: what each answers, and what any other path or method gets.
import { Registry, Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer } from "../../../src/runtime/http-server.ts";

const registry = new Registry();
new Counter({ name: "unit_total", help: "a counter", registers: [registry] }).inc(3);
const state = { ready: false };
let server: Awaited<ReturnType<typeof startHttpServer>>;
beforeAll(async () => {
  server = await startHttpServer({ host: "127.0.0.1", port: 0, registry, ready: () => state.ready });
});
afterAll(() => server.close());

const get = async (path: string, method = "GET") => {
  const r = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
};

describe("operator HTTP endpoints", () => {
  it.each([
    { name: "/healthz: ok", path: "/healthz", ready: false, want: { status: 200, body: "ok" } },
    { name: "/readyz before the caches synced: 503 saying so", path: "/readyz", ready: false, want: { status: 503, body: "informer caches not synced" } },
    { name: "/readyz after: ok", path: "/readyz", ready: true, want: { status: 200, body: "ok" } },
    { name: "a query string is ignored", path: "/healthz?verbose=1", ready: true, want: { status: 200, body: "ok" } },
    { name: "another path: 404", path: "/debug", ready: true, want: { status: 404, body: "not found\n" } },
  ])("$name", async ({ path, ready, want }) => {
    state.ready = ready;
    expect(await get(path)).toMatchObject(want);
  });

  it("/metrics: the registry's text, with its content type", async () => {
    const r = await get("/metrics");
    expect(r.status).toBe(200);
    expect(r.type).toBe(registry.contentType);
    expect(r.body).toContain("unit_total 3");
  });

  it("HEAD answers the status without a body; POST is 405", async () => {
    expect(await get("/healthz", "HEAD")).toMatchObject({ status: 200, body: "" });
    expect(await get("/metrics", "POST")).toMatchObject({ status: 405 });
  });
});
