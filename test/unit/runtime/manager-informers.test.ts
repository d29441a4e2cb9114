// Manager.informer shares one informer per resource, namespace and selectors: callers of one key must agree on what is
// cached (transform) and get every index any of them asked for.
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { registerControllers } from "../../../src/controllers/register.ts";
import { Informer } from "../../../src/runtime/informer.ts";
import { createLogger } from "../../../src/runtime/logger.ts";
import { Manager } from "../../../src/runtime/manager.ts";
import { Pods, type KubeObject } from "../../../src/runtime/resources.ts";

function aManager(): Manager {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:1" }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return new Manager({ kubeConfig: kc, identity: "unit", logger: createLogger({ level: "error" }) });
}

const byNode = (p: KubeObject): string[] => [(p as { spec?: { nodeName?: string } }).spec?.nodeName ?? ""];
const byPhase = (p: KubeObject): string[] => [(p as { status?: { phase?: string } }).status?.phase ?? ""];
const slim = (p: KubeObject): KubeObject => ({ ...p, metadata: { ...p.metadata, annotations: {} } });
const lean = (p: KubeObject): KubeObject => ({ ...p });

describe("Manager.informer: one informer per resource, namespace and selectors", () => {
  it("the same key twice gives the same informer", () => {
    const mgr = aManager();
    expect(mgr.informer(Pods, { namespace: "a", labelSelector: "x" })).toBe(mgr.informer(Pods, { namespace: "a", labelSelector: "x" }));
  });

  it("another namespace or selector is another informer, whatever its transform", () => {
    const mgr = aManager();
    const a = mgr.informer(Pods, { labelSelector: "x", transform: slim });
    expect(mgr.informer(Pods, { labelSelector: "y", transform: lean })).not.toBe(a);
    expect(mgr.informer(Pods, { labelSelector: "x", namespace: "n" })).not.toBe(a);
  });

  it("a second caller's indexers are added to the shared informer", () => {
    const mgr = aManager();
    const first = mgr.informer(Pods, { indexers: { node: byNode } });
    const second = mgr.informer(Pods, { indexers: { phase: byPhase } });
    expect(second).toBe(first);
    expect(first.indexNames().sort()).toEqual(["node", "phase"]);
    expect(first.byIndex("phase", "Running")).toEqual([]);
  });

  it("the same index again with the same function is fine", () => {
    const mgr = aManager();
    mgr.informer(Pods, { indexers: { node: byNode } });
    expect(mgr.informer(Pods, { indexers: { node: byNode } }).indexNames()).toEqual(["node"]);
  });

  it("one index name with two functions throws, naming both", () => {
    const mgr = aManager();
    mgr.informer(Pods, { indexers: { node: byNode } });
    expect(() => mgr.informer(Pods, { indexers: { node: byPhase } })).toThrow("informer pods: index node is already defined by byNode; a second caller passes byPhase under the same name");
  });

  it("a second caller with another transform throws, naming both transforms and the key", () => {
    const mgr = aManager();
    mgr.informer(Pods, { namespace: "n", labelSelector: "ecs.operator.dev/service", transform: slim });
    expect(() => mgr.informer(Pods, { namespace: "n", labelSelector: "ecs.operator.dev/service", transform: lean })).toThrow(
      "Manager.informer: the informer of pods in namespace n with labelSelector ecs.operator.dev/service caches objects transformed by slim, and a second caller asks for transform lean",
    );
  });

  it("no transform after a transform (or the reverse) is another transform: it throws", () => {
    const mgr = aManager();
    mgr.informer(Pods, { transform: slim });
    expect(() => mgr.informer(Pods)).toThrow("caches objects transformed by slim, and a second caller asks for transform none");
    const other = aManager();
    other.informer(Pods);
    expect(() => other.informer(Pods, { transform: slim })).toThrow("caches objects transformed by none, and a second caller asks for transform slim");
  });

  it("every controller of registerControllers registers its informers without a conflict (all namespaces and one)", () => {
    expect(() => {
      registerControllers(aManager());
    }).not.toThrow();
    expect(() => {
      registerControllers(aManager(), { namespace: "team-a" });
    }).not.toThrow();
  });

  const EVEN = "ecs.operator.dev/shard-bucket in (0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62)";
  const ODD = "ecs.operator.dev/shard-bucket in (1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63)";
  // Shard 0 of several: the Service controller's share, and every pod and Service for the roll-ups (a cache apart).
  it.each([
    [{ index: 0, count: 1 }, ["taskdefinition", "capacityprovider", "cluster", "task", "service", "scheduledtask"], [], ["ecs.operator.dev/capacity-provider"], [""]],
    [{ index: 0, count: 2 }, ["taskdefinition", "capacityprovider", "cluster", "task", "service", "scheduledtask", "servicebucket"], [], ["ecs.operator.dev/capacity-provider", `ecs.operator.dev/capacity-provider,${EVEN}`], ["", EVEN]],
    [{ index: 1, count: 2 }, ["taskdefinition", "service"], ["taskdefinition"], [`ecs.operator.dev/capacity-provider,${ODD}`], [ODD]],
  ])("shard %j registers %j (idle: %j), caches the task pods of %j and the Services of %j", (shard, registered, idle, pods, services) => {
    const mgr = aManager();
    registerControllers(mgr, { shard });
    const controllers = (mgr as unknown as { controllers: { name: string; idle: boolean }[] }).controllers;
    expect(controllers.map((c) => c.name)).toEqual(registered);
    expect(controllers.filter((c) => c.idle).map((c) => c.name)).toEqual(idle);
    const keys = [...(mgr as unknown as { informers: Map<string, unknown> }).informers.keys()];
    expect(keys.filter((k) => k.startsWith("v1/pods|") && k.includes("capacity-provider")).sort()).toEqual(pods.map((s) => `v1/pods||${s}|`).sort());
    expect(keys.filter((k) => k.startsWith("ecs.operator.dev/v1alpha1/services|")).sort()).toEqual(services.map((s) => `ecs.operator.dev/v1alpha1/services||${s}|`).sort());
  });

});

describe("Informer.addIndexers", () => {
  it("an index added after objects are cached is built from the cache", () => {
    const mgr = aManager();
    const inf = new Informer<KubeObject>({ client: mgr.client, resource: Pods });
    // What a list/watch would do: cache two pods.
    const upsert = (inf as unknown as { upsert(key: string, obj: KubeObject, resync: boolean): void }).upsert.bind(inf);
    upsert("ns/a", { metadata: { name: "a", namespace: "ns" }, spec: { nodeName: "n1" } } as KubeObject, false);
    upsert("ns/b", { metadata: { name: "b", namespace: "ns" }, spec: { nodeName: "n2" } } as KubeObject, false);
    inf.addIndexers({ node: byNode });
    expect(inf.byIndex("node", "n1").map((p) => p.metadata?.name)).toEqual(["a"]);
    upsert("ns/c", { metadata: { name: "c", namespace: "ns" }, spec: { nodeName: "n1" } } as KubeObject, false);
    expect(inf.byIndex("node", "n1").map((p) => p.metadata?.name).sort()).toEqual(["a", "c"]);
  });
});
