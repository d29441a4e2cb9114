// The Service controller in two shards (docs/operations.md "Sharding"), as two replicas run it (`ecs-operator run
// --shards 2 --shard 0|1`, two Managers here) on the real control plane: shard 0 labels every Service with its
// bucket, each replica reconciles only the Services of its buckets, lists and watches only them, their pods and
// children (the label selector the API server applies), and every Service still converges; the replica of shard 0
// runs the Cluster roll-up over every Service's tasks. A stopped shard's Services wait for it, and nobody else acts
// on them.
import { afterAll, describe, expect, it } from "vitest";
import { SHARD_BUCKET_LABEL } from "../../src/api/keys.ts";
import { serviceShardBucket } from "../../src/builders/service/shard.ts";
import { Clusters, EcsServices, TaskDefinitions, type ClusterObject } from "../../src/controllers/ecs-resources.ts";
import { registerControllers } from "../../src/controllers/register.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Deployments, Pods, resourcePath, type KubeObject, type ResourceType } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";
import { post, scale, steady } from "./support/services.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

const list = async (rt: ResourceType, ns: string, labelSelector: string): Promise<KubeObject[]> =>
  (await apiRequest<{ items: KubeObject[] }>(kc, { method: "GET", path: resourcePath(rt, ns), query: { labelSelector } })).items;


/** A replica of one shard of two, counting the Service keys it reconciles. */
async function replica(ns: string, index: number, reconciled: Set<string>): Promise<Manager> {
  const mgr = new Manager({ kubeConfig: kc, identity: `shard-${index}`, logger: createLogger({ level: "error" }) });
  managers.push(mgr);
  registerControllers(mgr, { namespace: ns, shard: { index, count: 2 }, onServiceReconcile: (key) => reconciled.add(key) });
  await mgr.start();
  return mgr;
}

describe("sharding the Service controller", () => {
  it("two shards: each reconciles and caches only its Services, all converge, shard 0 rolls up every task", async () => {
    const ns = await testNamespace(kc, "shards");
    const names = ["a", "b", "c", "d", "e", "f"];
    const shardOf = (name: string): number => serviceShardBucket(ns, name) % 2;
    // The namespace is random: make sure both shards have Services (a fixed list could land all on one side).
    const byShard = [names.filter((n) => shardOf(n) === 0), names.filter((n) => shardOf(n) === 1)] as const;
    const extra = Array.from({ length: 64 }, (_, i) => `s${i}`);
    for (const side of [0, 1] as const) while (byShard[side].length < 2) byShard[side].push(extra.find((n) => shardOf(n) === side && !byShard[side].includes(n)) ?? "");
    const all = [...byShard[0], ...byShard[1]];

    const reconciled = [new Set<string>(), new Set<string>()] as const;
    await replica(ns, 0, reconciled[0]);
    const one = await replica(ns, 1, reconciled[1]);
    await post(kc, Clusters, ns, "Cluster", "default", { defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] });
    await post(kc, TaskDefinitions, ns, "TaskDefinition", "web", { family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "registry.example.com/web:1.0" }] });
    for (const name of all) await post(kc, EcsServices, ns, "Service", name, { taskDefinition: "web", desiredCount: 2 });
    for (const name of all) await steady(kc, ns, name, 2);

    for (const side of [0, 1] as const) {
      expect([...reconciled[side]].sort(), `shard ${side} reconciled`).toEqual(byShard[side].map((n) => `${ns}/${n}`).sort());
    }
    // Every Service, Deployment and task pod carries its Service's bucket (what the other shard's selector leaves out).
    for (const rt of [EcsServices, Deployments, Pods]) {
      const objects = await list(rt, ns, rt === EcsServices ? SHARD_BUCKET_LABEL : "ecs.operator.dev/service");
      expect(objects.length).toBe(rt === Pods ? 2 * all.length : all.length);
      for (const o of objects) {
        const service = rt === EcsServices ? o.metadata?.name ?? "" : o.metadata?.labels?.["ecs.operator.dev/service"] ?? "";
        expect(o.metadata?.labels?.[SHARD_BUCKET_LABEL], `${rt.kind} ${o.metadata?.name ?? ""}`).toBe(String(serviceShardBucket(ns, service)));
      }
    }
    // The Cluster's roll-up (shard 0's) counts the tasks of both shards' Services.
    await eventually("the Cluster counts every running task", async () => {
      const c = await apiRequest<ClusterObject>(kc, { method: "GET", path: resourcePath(Clusters, ns, "default") });
      return c.status?.runningTasksCount === 2 * all.length && c.status.activeServicesCount === all.length;
    }, 60_000, 500);

    // Shard 1 stops: its Services wait for it (shard 0 does not act on them), then a new replica of shard 1 takes over.
    await one.stop();
    const waiting = byShard[1][0] ?? "";
    await scale(kc, ns, waiting, 3);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await list(Pods, ns, `ecs.operator.dev/service=${waiting}`)).length, "pods of a Service whose shard is down").toBe(2);
    expect(reconciled[0].has(`${ns}/${waiting}`)).toBe(false);
    await replica(ns, 1, new Set());
    await steady(kc, ns, waiting, 3);
  }, 600_000);
});
