// Fencing and leader election through API outages, against the real control plane: a leader writes only while
// its lease is valid by its own monotonic clock (a frozen leader is simulated by moving that clock), keeps
// leadership through an API outage longer than the lease when nobody else can take it, and stops for good once
// another replica holds the lease. Outages are made by a TCP proxy between one manager and the API server.
import { createServer, connect, type Server, type Socket } from "node:net";
import { CoordinationV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { microTime } from "../../src/api/time.ts";
import { FencedError } from "../../src/runtime/kube-client.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { ConfigMaps, Leases, resourcePath, type KubeObject } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const quietLogger = createLogger({ level: "error" });
const managers: Manager[] = [];
const proxies: Server[] = [];

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  for (const p of proxies) p.close();
});

/** A TCP proxy to the API server that can be cut (every connection dropped, new ones refused) and restored. */
async function outageProxy(): Promise<{ kubeConfig: KubeConfig; cut: () => void; restore: () => void }> {
  const target = new URL(kc.getCurrentCluster()?.server ?? "");
  let down = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (down) { client.destroy(); return; }
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const close = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxies.push(server);
  const port = (server.address() as { port: number }).port;
  const proxied = new KubeConfig();
  proxied.loadFromString(kc.exportConfig());
  const cluster = proxied.getCurrentCluster();
  if (!cluster) throw new Error("no current cluster");
  proxied.clusters = proxied.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${port}` } : c));
  return {
    kubeConfig: proxied,
    cut: () => { down = true; for (const s of sockets) s.destroy(); sockets.clear(); },
    restore: () => { down = false; },
  };
}

interface Replica {
  mgr: Manager;
  lost: () => number;
  /** Moves the replica's monotonic clock forward, as a process frozen for that long would see it. */
  freeze: (ms: number) => void;
}

async function replica(namespace: string, identity: string, kubeConfigOf = kc): Promise<Replica> {
  let offset = 0;
  let lost = 0;
  const mgr = new Manager({
    kubeConfig: kubeConfigOf,
    identity,
    logger: quietLogger,
    leaderElection: { namespace, name: "fence", leaseDurationMs: 4_000, renewDeadlineMs: 2_500, retryPeriodMs: 500, monotonicNow: () => performance.now() + offset },
    onLostLeadership: () => { lost++; },
  });
  managers.push(mgr);
  await mgr.start();
  return { mgr, lost: () => lost, freeze: (ms) => { offset += ms; } };
}

const configMap = (namespace: string, name: string): KubeObject => ({ metadata: { name, namespace }, data: { by: "leader" } } as KubeObject);
const exists = async (namespace: string, name: string): Promise<boolean> =>
  core.readNamespacedConfigMap({ name, namespace }).then(() => true, () => false);
const holder = async (namespace: string): Promise<string | undefined> =>
  (await leases.readNamespacedLease({ name: "fence", namespace }).catch(() => undefined))?.spec?.holderIdentity ?? undefined;

describe("fencing: a leader writes only while its lease is valid by its own clock", () => {
  it("a leader frozen past its renew deadline has its writes refused, and resumes once it renews", async () => {
    const ns = await testNamespace(kc, "fence-freeze");
    const a = await replica(ns, "a");
    await eventually("a leads and may write", () => Promise.resolve(a.mgr.canWrite));
    await a.mgr.client.create(ConfigMaps, configMap(ns, "before"));

    a.freeze(30_000);
    const refused = await a.mgr.client.create(ConfigMaps, configMap(ns, "during")).then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(FencedError);
    expect((refused as Error).message).toContain(`leader lease ${ns}/fence was not renewed`);
    expect(await exists(ns, "during")).toBe(false);

    // Nobody else holds the lease: the next renewal makes writing safe again, and the process never gave up.
    await eventually("a renews and may write again", () => Promise.resolve(a.mgr.canWrite), 10_000);
    await a.mgr.client.create(ConfigMaps, configMap(ns, "after"));
    expect(await exists(ns, "after")).toBe(true);
    expect(a.lost()).toBe(0);
  });

  it("a leader whose lease another replica took stops at once: writes refused, lost-leadership called once", async () => {
    const ns = await testNamespace(kc, "fence-taken");
    const a = await replica(ns, "a");
    await eventually("a leads", async () => (await holder(ns)) === "a" && a.mgr.canWrite);
    // As a standby does after a's lease expired on its clock while a was frozen.
    const now = microTime(new Date());
    await apiRequest(kc, { method: "PATCH", path: resourcePath(Leases, ns, "fence"), contentType: "application/merge-patch+json", body: { spec: { holderIdentity: "intruder", acquireTime: now, renewTime: now, leaseTransitions: 1 } } });
    a.freeze(30_000);
    await expect(a.mgr.client.create(ConfigMaps, configMap(ns, "late"))).rejects.toBeInstanceOf(FencedError);
    await eventually("a notices the new holder", () => Promise.resolve(a.lost() === 1), 10_000);
    expect(a.mgr.canWrite).toBe(false);
    await expect(a.mgr.client.create(ConfigMaps, configMap(ns, "later"))).rejects.toBeInstanceOf(FencedError);
    expect(await exists(ns, "late")).toBe(false);
    expect(await exists(ns, "later")).toBe(false);
    expect(await holder(ns)).toBe("intruder");
    expect(a.lost()).toBe(1);
  });
});

describe("leader election through API outages", () => {
  it("an outage longer than the lease pauses the leader's writes but does not end its leadership", async () => {
    const ns = await testNamespace(kc, "fence-outage");
    const proxy = await outageProxy();
    const a = await replica(ns, "a", proxy.kubeConfig);
    await eventually("a leads", () => Promise.resolve(a.mgr.canWrite));
    proxy.cut();
    await eventually("writes paused once the renew deadline passed", () => Promise.resolve(!a.mgr.canWrite), 10_000);
    await expect(a.mgr.client.create(ConfigMaps, configMap(ns, "during"))).rejects.toBeInstanceOf(FencedError);
    // Outlast the whole lease duration (4 s) from the moment writes paused.
    const pausedAt = performance.now();
    await eventually("the outage outlasts the lease", () => Promise.resolve(performance.now() - pausedAt > 5_000), 10_000);
    expect(a.mgr.canWrite).toBe(false);
    proxy.restore();
    await eventually("a renews after the outage and may write", () => Promise.resolve(a.mgr.canWrite), 30_000);
    await a.mgr.client.create(ConfigMaps, configMap(ns, "after"));
    expect(await exists(ns, "after")).toBe(true);
    expect(await holder(ns)).toBe("a");
    expect(a.lost()).toBe(0);
  });

  it("an outage longer than the lease for both replicas (an API server restart) leaves the leader in place", async () => {
    const ns = await testNamespace(kc, "fence-restart");
    const proxy = await outageProxy();
    const a = await replica(ns, "a", proxy.kubeConfig);
    await eventually("a leads", async () => (await holder(ns)) === "a" && a.mgr.canWrite);
    const b = await replica(ns, "b", proxy.kubeConfig);
    // b's first attempts read a's lease (its retry period is 0.5 s).
    const bStarted = performance.now();
    await eventually("b has read the lease", () => Promise.resolve(performance.now() - bStarted > 1_500), 10_000);
    expect(b.mgr.isLeader).toBe(false);
    proxy.cut();
    const cutAt = performance.now();
    await eventually("the outage outlasts the lease", () => Promise.resolve(performance.now() - cutAt > 6_000), 10_000);
    proxy.restore();
    await eventually("a renews after the outage and may write", () => Promise.resolve(a.mgr.canWrite), 30_000);
    // b retries every 0.5 s: a takeover would show within a lease duration (4 s) of the outage's end.
    const restoredAt = performance.now();
    await eventually("a lease duration after the outage", () => Promise.resolve(performance.now() - restoredAt > 5_000), 10_000);
    expect(await holder(ns)).toBe("a");
    expect(b.mgr.canWrite).toBe(false);
    expect(a.lost()).toBe(0);
    expect(b.lost()).toBe(0);
  });

  it("a leader cut off while a standby takes the lease loses it when it is back, and never writes after", async () => {
    const ns = await testNamespace(kc, "fence-partition");
    const proxy = await outageProxy();
    const a = await replica(ns, "a", proxy.kubeConfig);
    await eventually("a leads", async () => (await holder(ns)) === "a");
    const b = await replica(ns, "b");
    proxy.cut();
    await eventually("b takes the lease", async () => (await holder(ns)) === "b" && b.mgr.canWrite, 30_000);
    expect(a.mgr.canWrite).toBe(false);
    proxy.restore();
    await eventually("a sees b's lease and stops", () => Promise.resolve(a.lost() === 1), 30_000);
    await expect(a.mgr.client.create(ConfigMaps, configMap(ns, "stale"))).rejects.toBeInstanceOf(FencedError);
    expect(await exists(ns, "stale")).toBe(false);
    await b.mgr.client.create(ConfigMaps, configMap(ns, "by-b"));
    expect(await exists(ns, "by-b")).toBe(true);
    expect(b.lost()).toBe(0);
  });
});
