// The CapacityProvider status (src/builders/capacity/provider-status.ts): nodes, capacity, tasks and conditions.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { Wire } from "../../../src/runtime/resources.ts";
import { describe, expect, it } from "vitest";
import type { CapacityProviderSpec } from "../../../src/api/capacity-provider.ts";
import type { CapacityProvider } from "../../../src/api/objects.ts";
import { computeCapacityProviderStatus, countTasks, describeScheduling, taskPodState } from "../../../src/builders/capacity/provider-status.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";

const NOW = new Date("2026-11-22T01:00:00Z");
const aProvider = (name: string, spec: CapacityProviderSpec = {}, o: { deleting?: boolean; generation?: number } = {}): CapacityProvider => ({
  apiVersion: "ecs.operator.dev/v1alpha1",
  kind: "CapacityProvider",
  metadata: { name, generation: o.generation ?? 1, ...(o.deleting === true ? { deletionTimestamp: "2026-11-22T00:00:00Z" } : {}) },
  spec,
});
const withReady = (n: Wire<V1Node>, ready: boolean): Wire<V1Node> => {
  const copy = structuredClone(n);
  copy.status ??= {};
  copy.status.conditions = [{ type: "Ready", status: ready ? "True" : "False" }];
  return copy;
};
const nodes: Wire<V1Node>[] = TEST_NODES.map(buildNode).map((n) => withReady(n, true));
const aPod = (name: string, provider: string, o: { node?: string; phase?: string; cpu?: string; memory?: string; deleting?: boolean } = {}): Wire<V1Pod> => ({
  metadata: { name, namespace: "apps", labels: { "ecs.operator.dev/capacity-provider": provider }, ...(o.deleting === true ? { deletionTimestamp: "2026-11-22T00:00:00Z" } : {}) },
  spec: { containers: [{ name: "app", resources: { requests: { cpu: o.cpu ?? "1", memory: o.memory ?? "2Gi" }, limits: { cpu: o.cpu ?? "1", memory: o.memory ?? "2Gi" } } }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
  status: { phase: o.phase ?? (o.node === undefined ? "Pending" : "Running") },
});
const status = (cp: CapacityProvider, pods: Wire<V1Pod>[] = [], others: CapacityProvider[] = [], ns: Wire<V1Node>[] = nodes, maxInstances?: number) =>
  computeCapacityProviderStatus(cp, { providers: [cp, ...others], nodes: ns, pods, now: NOW, ...(maxInstances === undefined ? {} : { maxInstances }) });
const ready = (s: ReturnType<typeof status>) => s.conditions?.find((c) => c.type === "Ready");

describe("taskPodState: what counts as a running or pending task", () => {
  it.each<[string, Wire<V1Pod>, string | undefined]>([
    ["phase Running → running", aPod("p", "X", { node: "n" }), "running"],
    ["phase Pending → pending", aPod("p", "X"), "pending"],
    ["no phase yet → pending", { metadata: {}, status: {} }, "pending"],
    ["Succeeded → not a task any more", aPod("p", "X", { node: "n", phase: "Succeeded" }), undefined],
    ["Failed → not a task any more", aPod("p", "X", { node: "n", phase: "Failed" }), undefined],
    ["terminating → not counted", aPod("p", "X", { node: "n", deleting: true }), undefined],
  ])("%s", (_n, pod, want) => {
    expect(taskPodState(pod)).toBe(want);
  });
  it("countTasks counts only pods with the label value", () => {
    expect(countTasks([aPod("a", "X", { node: "n" }), aPod("b", "X"), aPod("c", "Y", { node: "n" })], "ecs.operator.dev/capacity-provider", "X")).toEqual({ running: 1, pending: 1 });
  });
});

describe("computeCapacityProviderStatus", () => {
  it("an EC2 spot pool selects the two spot nodes, lists them as container instances and is Ready", () => {
    const s = status(aProvider("spot-pool", { spot: true }));
    expect(s).toMatchObject({ name: "spot-pool", type: "EC2", spot: true, status: "ACTIVE", nodeCount: 2, observedGeneration: 1, allocatable: { cpu: 4096, memory: 16384 }, requested: { cpu: 0, memory: 0 } });
    expect(s.containerInstances?.map((c) => c.ec2InstanceId)).toEqual(["spot-a-1", "spot-b-1"]);
    expect(s.containerInstances?.[0]?.attributes).toEqual(expect.arrayContaining([
      { name: "ecs.availability-zone", value: "us-east-1a" },
      { name: "ecs.instance-type", value: "m5.large" },
      { name: "ecs.os-type", value: "linux" },
      { name: "ecs.cpu-architecture", value: "x86_64" },
      { name: "karpenter.sh/capacity-type", value: "spot" },
    ]));
    expect(ready(s)).toMatchObject({ status: "True", reason: "NodesReady", message: "2 Ready nodes match" });
  });
  it("running and pending tasks are the pods labelled with the provider name; requested counts the bound ones", () => {
    const pods = [aPod("a", "spot-pool", { node: "spot-a-1", cpu: "500m", memory: "1Gi" }), aPod("b", "spot-pool"), aPod("c", "other", { node: "spot-b-1", cpu: "1", memory: "1Gi" }), aPod("d", "spot-pool", { node: "spot-a-1", phase: "Succeeded" })];
    const s = status(aProvider("spot-pool", { spot: true }), pods);
    expect(s).toMatchObject({ runningTasksCount: 1, pendingTasksCount: 1, requested: { cpu: 512 + 1024, memory: 2048 } });
    expect(s.containerInstances?.[0]).toMatchObject({ ec2InstanceId: "spot-a-1", runningTasksCount: 1, remainingResources: [{ name: "CPU", integerValue: 2048 - 512 }, { name: "MEMORY", integerValue: 8192 - 1024 }] });
  });
  it("an object named fargate overrides FARGATE: type FARGATE, the serverless pool, tasks labelled FARGATE", () => {
    const s = status(aProvider("fargate", {}), [aPod("a", "FARGATE", { node: "fargate-a-1" })]);
    expect(s).toMatchObject({ name: "FARGATE", type: "FARGATE", spot: false, overrides: "FARGATE", nodeCount: 2, runningTasksCount: 1 });
  });
  it("no Ready node matches: Ready=False NoReadyNodes, Reconciling, and the message says what was looked for", () => {
    const s = status(aProvider("gpu", { kubernetes: { nodeSelector: { "nvidia.com/gpu.present": "true" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] } }));
    expect(s.nodeCount).toBe(0);
    expect(s.containerInstances).toEqual([]);
    expect(ready(s)).toMatchObject({ status: "False", reason: "NoReadyNodes" });
    expect(ready(s)?.message).toBe("no Ready node matches nodeSelector {nvidia.com/gpu.present=true}, tolerations [nvidia.com/gpu Exists:NoSchedule]; tasks placed with gpu stay PENDING until one does (a pool that scales from zero, such as Karpenter or GKE Autopilot, adds nodes when tasks arrive)");
    expect(s.conditions?.find((c) => c.type === "Reconciling")?.status).toBe("True");
  });
  it("nodes that are not Ready are not container instances", () => {
    const notReady = nodes.map((n) => (n.metadata?.name === "spot-a-1" ? withReady(n, false) : n));
    expect(status(aProvider("spot-pool", { spot: true }), [], [], notReady).nodeCount).toBe(1);
  });
  it("two objects with the same name (case-insensitively) are Stalled DuplicateName, naming the other", () => {
    const s = status(aProvider("pool-a", { name: "pool" }), [], [aProvider("pool-b", { name: "POOL" })]);
    expect(s.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "True", reason: "DuplicateName" });
    expect(ready(s)?.message).toContain("is also the name of CapacityProvider pool-b");
  });
  it("the container instance list is bounded; nodeCount counts all", () => {
    const s = status(aProvider("any", { kubernetes: { tolerations: [{ operator: "Exists" }] } }), [], [], nodes, 3);
    expect(s.nodeCount).toBe(9);
    expect(s.containerInstances?.map((c) => c.ec2InstanceId)).toEqual(["fargate-a-1", "fargate-b-1", "od-a-1"]);
  });
  it("a provider being deleted is INACTIVE", () => {
    expect(status(aProvider("spot-pool", { spot: true }, { deleting: true }))).toMatchObject({ status: "INACTIVE" });
  });
  it("a resync computes the same status again (nothing to write)", () => {
    const cp = aProvider("spot-pool", { spot: true });
    const first = status(cp, [aPod("a", "spot-pool", { node: "spot-a-1" })]);
    const again = computeCapacityProviderStatus({ ...cp, status: first }, { providers: [cp], nodes, pods: [aPod("a", "spot-pool", { node: "spot-a-1" })], now: new Date(NOW.getTime() + 3_600_000) });
    expect(again).toEqual(first);
  });
  it("observedGeneration follows metadata.generation", () => {
    expect(status(aProvider("p", {}, { generation: 7 })).observedGeneration).toBe(7);
  });
});

describe("describeScheduling", () => {
  it("names selector, tolerations and affinity", () => {
    expect(describeScheduling({ nodeSelector: { a: "b" }, tolerations: [{ key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }], affinity: {} })).toBe(
      "nodeSelector {a=b}, tolerations [k=v:NoSchedule] and the required node affinity of spec.kubernetes.affinity",
    );
  });
});

describe("status size bounds", () => {
  it("a node with more labels than the CRD allows keeps the ecs.* attributes and the first others by name", () => {
    const many = structuredClone(nodes.find((n) => n.metadata?.name === "spot-a-1"));
    if (!many?.metadata) throw new Error("no spot-a-1");
    for (let i = 0; i < 200; i++) many.metadata.labels = { ...many.metadata.labels, [`a.example.com/l${String(i).padStart(3, "0")}`]: "x" };
    const s = status(aProvider("spot-pool", { spot: true }), [], [], [many]);
    const attrs = s.containerInstances?.[0]?.attributes ?? [];
    expect(attrs).toHaveLength(128);
    expect(attrs.slice(0, 4).map((a) => a.name)).toEqual(["ecs.availability-zone", "ecs.cpu-architecture", "ecs.instance-type", "ecs.os-type"]);
    expect(attrs[4]?.name).toBe("a.example.com/l000");
  });
});

// Issue 13: nothing accepted is silently ignored.
describe("CapacityProvider Supported condition", () => {
  it.each<[string, CapacityProviderSpec, string | undefined]>([
    ["a plain EC2 pool: every field mapped", { type: "EC2", kubernetes: { nodeSelector: { pool: "general" } } }, undefined],
    ["autoScalingGroupProvider: the cluster's autoscaler scales nodes", { autoScalingGroupProvider: { autoScalingGroupArn: "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:x", managedScaling: { status: "ENABLED", targetCapacity: 90 } } }, "spec.autoScalingGroupProvider (the Auto Scaling group and its managed scaling are not used"],
    ["managedInstancesProvider (ECS Managed Instances)", { managedInstancesProvider: { infrastructureRoleArn: "arn:aws:iam::111122223333:role/x" } }, "spec.managedInstancesProvider (ECS Managed Instances settings are not used"],
    ["a field a newer CreateCapacityProvider API added", { ...({ futureKnob: 1 } as Record<string, unknown>) }, "spec.futureKnob (not a CreateCapacityProvider field"],
  ])("%s", (_n, spec, message) => {
    const supported = status(aProvider("pool", spec)).conditions?.find((c) => c.type === "Supported");
    if (message === undefined) expect(supported).toMatchObject({ status: "True", reason: "AllFieldsSupported", observedGeneration: 1 });
    else {
      expect(supported).toMatchObject({ status: "False", reason: "UnsupportedFields" });
      expect(supported?.message).toContain(message);
    }
  });
});
