// The Cluster status (src/builders/cluster/status.ts): providers with built-ins, counts, and deletion that waits.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { Wire } from "../../../src/runtime/resources.ts";
import { describe, expect, it } from "vitest";
import type { CapacityProviderSpec } from "../../../src/api/capacity-provider.ts";
import type { ClusterSpec } from "../../../src/api/cluster.ts";
import type { CapacityProvider, EcsCluster } from "../../../src/api/objects.ts";
import { clusterContents, clusterProviders, computeClusterStatus, deletionBlocked, type ServiceRef } from "../../../src/builders/cluster/status.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";

const NOW = new Date("2026-11-22T01:00:00Z");
const aCluster = (name: string, spec: ClusterSpec = {}, o: { deleting?: boolean } = {}): EcsCluster => ({
  apiVersion: "ecs.operator.dev/v1alpha1",
  kind: "Cluster",
  metadata: { name, namespace: "apps", generation: 2, ...(o.deleting === true ? { deletionTimestamp: "2026-11-22T00:00:00Z" } : {}) },
  spec,
});
const aProvider = (name: string, spec: CapacityProviderSpec = {}): CapacityProvider => ({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "CapacityProvider", metadata: { name }, spec });
const nodes: Wire<V1Node>[] = TEST_NODES.map((n) => {
  const node = buildNode(n);
  node.status ??= {};
  node.status.conditions = [{ type: "Ready", status: "True" }];
  return node;
});
const aPod = (name: string, o: { cluster?: string; provider?: string; node?: string; phase?: string; namespace?: string; deleting?: boolean } = {}): Wire<V1Pod> => ({
  metadata: {
    name,
    namespace: o.namespace ?? "apps",
    labels: { "ecs.operator.dev/cluster": o.cluster ?? "prod", "ecs.operator.dev/capacity-provider": o.provider ?? "FARGATE" },
    ...(o.deleting === true ? { deletionTimestamp: "2026-11-22T00:00:00Z" } : {}),
  },
  spec: { containers: [{ name: "app", resources: { requests: { cpu: "1", memory: "2Gi" } } }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
  status: { phase: o.phase ?? (o.node === undefined ? "Pending" : "Running") },
});
const svc = (name: string, cluster?: string, deleting = false): ServiceRef => ({ name, cluster, deleting });
const compute = (cluster: EcsCluster, o: { providers?: CapacityProvider[]; pods?: Wire<V1Pod>[]; services?: ServiceRef[] } = {}) =>
  computeClusterStatus(cluster, { providers: o.providers ?? [], nodes, pods: o.pods ?? [], services: o.services ?? [], now: NOW });
const cond = (s: { conditions?: { type: string; status: string }[] }, type: string) => s.conditions?.find((c) => c.type === type);

describe("clusterProviders", () => {
  const names = (spec: ClusterSpec, objects: CapacityProvider[] = []) => clusterProviders({ spec, metadata: { name: "prod" } }, objects).providers.map((p) => [p.provider.name, p.source]);
  it.each<[string, ClusterSpec, CapacityProvider[], string[][]]>([
    ["no objects: the built-ins and the implicit EC2", {}, [], [["FARGATE", "BuiltIn"], ["FARGATE_SPOT", "BuiltIn"], ["EC2", "Implicit"]]],
    ["an EC2 object replaces the implicit EC2", {}, [aProvider("od")], [["od", "Object"], ["FARGATE", "BuiltIn"], ["FARGATE_SPOT", "BuiltIn"]]],
    ["an object named fargate-spot overrides the built-in", {}, [aProvider("fargate-spot")], [["FARGATE_SPOT", "Object"], ["FARGATE", "BuiltIn"], ["EC2", "Implicit"]]],
    ["a provider dedicated to another cluster (spec.cluster) is left out", {}, [aProvider("od"), aProvider("dev-only", { cluster: "dev" }), aProvider("prod-only", { cluster: "arn:aws:ecs:us-east-1:111122223333:cluster/prod" })], [["od", "Object"], ["prod-only", "Object"], ["FARGATE", "BuiltIn"], ["FARGATE_SPOT", "BuiltIn"]]],
    ["spec.capacityProviders limits the list (matched case-insensitively)", { capacityProviders: ["fargate"] }, [aProvider("od")], [["FARGATE", "BuiltIn"], ["EC2", "Implicit"]]],
  ])("%s", (_n, spec, objects, want) => {
    expect(names(spec, objects)).toEqual(want);
  });
  it("a name that does not resolve is a problem naming the field", () => {
    expect(clusterProviders({ spec: { capacityProviders: ["FARGATE", "nope"] }, metadata: { name: "prod" } }, []).problems).toEqual(['spec.capacityProviders[1]: "nope" is not a CapacityProvider; known: FARGATE, FARGATE_SPOT']);
  });
});

describe("computeClusterStatus", () => {
  it("an empty default-ish cluster: ACTIVE, Ready, the built-ins with their kwok nodes", () => {
    const { status } = compute(aCluster("prod"));
    expect(status).toMatchObject({ clusterName: "prod", status: "ACTIVE", observedGeneration: 2, runningTasksCount: 0, pendingTasksCount: 0, activeServicesCount: 0, containerInsights: "disabled" });
    expect(status.capacityProviders).toEqual(["FARGATE", "FARGATE_SPOT", "EC2"]);
    // FARGATE: the two serverless nodes; FARGATE_SPOT: none (no node is both); EC2: the five untainted on-demand nodes.
    expect(status.capacityProviderDetails?.map((d) => [d.capacityProvider, d.registeredContainerInstancesCount])).toEqual([["FARGATE", 2], ["FARGATE_SPOT", 0], ["EC2", 5]]);
    expect(status.registeredContainerInstancesCount).toBe(7);
    expect(cond(status, "Ready")).toMatchObject({ status: "True", reason: "ClusterActive" });
  });
  it("a node two providers select counts once", () => {
    const { status } = compute(aCluster("prod"), { providers: [aProvider("od"), aProvider("od-a", { kubernetes: { nodeSelector: { "topology.kubernetes.io/zone": "us-east-1a" } } })] });
    expect(status.capacityProviderDetails?.map((d) => d.registeredContainerInstancesCount)).toEqual([5, 2, 2, 0]);
    expect(status.registeredContainerInstancesCount).toBe(7);
  });
  it("counts the cluster's running and pending tasks in its namespace; not finished, terminating or other clusters' ones", () => {
    const pods = [
      aPod("r1", { node: "fargate-a-1" }),
      aPod("r2", { node: "od-a-1", provider: "EC2" }),
      aPod("p1"),
      aPod("done", { node: "fargate-a-1", phase: "Succeeded" }),
      aPod("bye", { node: "fargate-a-1", deleting: true }),
      aPod("other-cluster", { cluster: "dev", node: "fargate-a-1" }),
      aPod("other-namespace", { namespace: "elsewhere", node: "fargate-a-1" }),
    ];
    const { status } = compute(aCluster("prod"), { pods });
    expect(status).toMatchObject({ runningTasksCount: 2, pendingTasksCount: 1 });
    const fargate = status.capacityProviderDetails?.find((d) => d.capacityProvider === "FARGATE");
    expect(fargate).toMatchObject({ runningTasksCount: 1, pendingTasksCount: 1, source: "BuiltIn", type: "FARGATE", spot: false });
    // Requested capacity is the pool's: every task bound to its nodes, of any cluster or namespace.
    expect(fargate?.requested).toEqual({ cpu: 4 * 1024, memory: 4 * 2048 });
  });
  it("active services: spec.cluster names it (default, name or ARN) and not being deleted", () => {
    const services = [svc("a", "prod"), svc("b", "arn:aws:ecs:eu-west-1:111122223333:cluster/prod"), svc("c"), svc("d", "prod", true)];
    expect(compute(aCluster("prod"), { services }).status.activeServicesCount).toBe(2);
    expect(compute(aCluster("default"), { services }).status.activeServicesCount).toBe(1);
  });
  it("containerInsights and serviceConnectDefaults are shown", () => {
    const { status } = compute(aCluster("prod", { settings: [{ name: "containerInsights", value: "enhanced" }], serviceConnectDefaults: { namespace: "internal" } }));
    expect(status).toMatchObject({ containerInsights: "enhanced", serviceConnectDefaults: { namespace: "internal" } });
  });
  it("a provider in spec.capacityProviders that does not resolve: Stalled CapacityProviderNotFound", () => {
    const { status } = compute(aCluster("prod", { capacityProviders: ["nope"] }));
    expect(cond(status, "Stalled")).toMatchObject({ status: "True", reason: "CapacityProviderNotFound" });
    expect(cond(status, "Ready")).toMatchObject({ status: "False", message: expect.stringContaining('spec.capacityProviders[0]: "nope" is not a CapacityProvider') as unknown });
  });
  it("being deleted with services: DEPROVISIONING, ClusterContainsServices naming and counting them", () => {
    const { status, contents } = compute(aCluster("prod", {}, { deleting: true }), { services: [svc("web", "prod"), svc("api", "prod")], pods: [aPod("web-1", { node: "fargate-a-1" })] });
    expect(status.status).toBe("DEPROVISIONING");
    expect(contents).toEqual({ services: ["api", "web"], running: 1, pending: 0, tasks: ["web-1"] });
    expect(cond(status, "Ready")).toMatchObject({
      status: "False",
      reason: "ClusterContainsServices",
      message:
        "Cluster prod is being deleted and waits, as ECS refuses to delete a cluster that contains services or tasks: it still contains 2 active services (api, web) and 1 task, 1 running and 0 pending (web-1); delete them (or scale the services to 0 and stop the tasks) and the Cluster goes",
    });
    expect(cond(status, "Reconciling")?.status).toBe("True");
  });
  it("being deleted with tasks only: ClusterContainsTasks", () => {
    const { status } = compute(aCluster("prod", {}, { deleting: true }), { pods: [aPod("t1")] });
    expect(cond(status, "Ready")).toMatchObject({ reason: "ClusterContainsTasks", message: expect.stringContaining("1 task, 0 running and 1 pending (t1)") as unknown });
  });
  it("a resync computes the same status again", () => {
    const c = aCluster("prod");
    const first = compute(c, { pods: [aPod("r1", { node: "fargate-a-1" })] }).status;
    const again = computeClusterStatus({ ...c, status: first }, { providers: [], nodes, pods: [aPod("r1", { node: "fargate-a-1" })], services: [], now: new Date(NOW.getTime() + 3_600_000) }).status;
    expect(again).toEqual(first);
  });
});

describe("deletionBlocked", () => {
  it("an empty cluster is not blocked", () => {
    expect(deletionBlocked("prod", clusterContents(aCluster("prod"), [], []))).toBeUndefined();
  });
  it("lists at most ten names and counts the rest", () => {
    const services = Array.from({ length: 12 }, (_, i) => svc(`s${String(i).padStart(2, "0")}`, "prod"));
    expect(deletionBlocked("prod", clusterContents(aCluster("prod"), [], services))?.message).toContain("12 active services (s00, s01, s02, s03, s04, s05, s06, s07, s08, s09 and 2 more)");
  });
});

describe("status size bounds", () => {
  it("more than 100 CapacityProvider objects: the status lists the first 100 (the CRD's bound)", () => {
    const providers = Array.from({ length: 120 }, (_, i) => aProvider(`p${String(i).padStart(3, "0")}`));
    const { status } = compute(aCluster("prod"), { providers });
    expect(status.capacityProviders).toHaveLength(100);
    expect(status.capacityProviderDetails).toHaveLength(100);
  });
});

// Issue 13: nothing accepted is silently ignored.
describe("Cluster Supported condition", () => {
  it.each<[string, ClusterSpec, string[]]>([
    ["a plain cluster: every field mapped", { clusterName: "prod", settings: [{ name: "containerInsights", value: "enabled" }] }, []],
    ["ECS Exec configuration", { configuration: { executeCommandConfiguration: { logging: "DEFAULT" } } }, ["spec.configuration.executeCommandConfiguration"]],
    ["managed storage encryption", { configuration: { managedStorageConfiguration: { kmsKeyId: "k" } } }, ["spec.configuration.managedStorageConfiguration"]],
    ["a field a newer CreateCluster API added", { ...({ futureKnob: "x" } as Record<string, unknown>) }, ["spec.futureKnob"]],
  ])("%s", (_n, spec, fields) => {
    const supported = cond(compute(aCluster("prod", spec)).status, "Supported") as { status: string; reason?: string; message?: string } | undefined;
    expect(supported?.status).toBe(fields.length === 0 ? "True" : "False");
    for (const f of fields) expect(supported?.message).toContain(`${f} (`);
  });
});
