// Nodes as ECS container instances (docs/capacity-providers.md, "Container instances"): quantities, pod
// requests, which nodes a provider admits, the attribute view and the per-provider capacity.
import type { V1Container, V1Node, V1Pod, V1Taint } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { BUILTIN_PROVIDERS, schedulingFor, type Scheduling } from "../../../src/builders/capacity/provider.ts";
import {
  capacitySummary,
  containerInstanceView,
  cpuMillis,
  memoryBytes,
  nodeAttributes,
  nodesOfProvider,
  parseQuantity,
  podRequests,
  QuantityError,
} from "../../../src/builders/capacity/container-instances.ts";
import { compileMemberOf } from "../../../src/builders/placement/query-language.ts";

const aNode = (name: string, o: { labels?: Record<string, string>; taints?: V1Taint[]; ready?: boolean; cpu?: string; memory?: string; unschedulable?: boolean } = {}): V1Node => ({
  metadata: { name, labels: o.labels ?? {} },
  spec: { taints: o.taints ?? [], ...(o.unschedulable === undefined ? {} : { unschedulable: o.unschedulable }) },
  status: {
    allocatable: { cpu: o.cpu ?? "4", memory: o.memory ?? "16Gi" },
    conditions: [{ type: "Ready", status: (o.ready ?? true) ? "True" : "False" }],
  },
});
const container = (cpu?: string, memory?: string, extra: Partial<V1Container> = {}): V1Container => ({
  name: "c",
  resources: { requests: { ...(cpu === undefined ? {} : { cpu }), ...(memory === undefined ? {} : { memory }) } },
  ...extra,
});
const aPod = (nodeName: string | undefined, containers: V1Container[], o: { phase?: string; initContainers?: V1Container[]; overhead?: Record<string, string> } = {}): V1Pod => ({
  spec: { containers, ...(nodeName === undefined ? {} : { nodeName }), ...(o.initContainers ? { initContainers: o.initContainers } : {}), ...(o.overhead ? { overhead: o.overhead } : {}) },
  status: { phase: o.phase ?? "Running" },
});
const sel = (nodeSelector: Record<string, string>, tolerations: Scheduling["tolerations"] = [], affinity?: Record<string, unknown>) => ({ nodeSelector, tolerations, ...(affinity ? { affinity } : {}) });

describe("parseQuantity", () => {
  it.each<[string, string, number]>([
    ["plain integer", "4", 4],
    ["decimal", "1.5", 1.5],
    ["leading dot", ".5", 0.5],
    ["milli", "3800m", 3.8],
    ["micro", "250u", 0.00025],
    ["nano", "100n", 1e-7],
    ["decimal k", "2k", 2000],
    ["decimal M", "128M", 128e6],
    ["decimal G", "1G", 1e9],
    ["binary Ki", "1Ki", 1024],
    ["binary Mi", "512Mi", 512 * 2 ** 20],
    ["binary Gi", "16Gi", 16 * 2 ** 30],
    ["fractional binary", "1.5Gi", 1.5 * 2 ** 30],
    ["binary Ti", "1Ti", 2 ** 40],
    ["exponent", "1e3", 1000],
    ["capital exponent with sign", "5E-1", 0.5],
    ["explicit plus", "+2", 2],
  ])("%s: %s → %d", (_n, text, want) => {
    expect(parseQuantity(text)).toBeCloseTo(want, 12);
  });
  it.each([["1.5 Gi"], ["Gi"], ["1gi"], ["1KiB"], ["abc"], [""], ["1e"]])("%s is refused", (text) => {
    expect(() => parseQuantity(text)).toThrow(QuantityError);
  });
  it.each<[string, string, number]>([
    ["cpu in millicores: 3800m", "3800m", 3800],
    ["cpu in millicores: 1.5", "1.5", 1500],
    ["cpu in millicores: 0.1 without float error", "0.1", 100],
    ["cpu rounds a sub-millicore up", "100u", 1],
  ])("%s", (_n, text, want) => {
    expect(cpuMillis(text)).toBe(want);
  });
  it("memory in whole bytes: 1.5Ki → 1536", () => {
    expect(memoryBytes("1.5Ki")).toBe(1536);
  });
});

describe("podRequests: what the scheduler reserves", () => {
  const MiB = 2 ** 20;
  it.each<[string, V1Pod, { cpu: number; memory: number }]>([
    ["containers add up", aPod("n", [container("250m", "512Mi"), container("500m", "256Mi")]), { cpu: 750, memory: 768 * MiB }],
    ["a limit without a request counts as the request", aPod("n", [{ name: "c", resources: { limits: { cpu: "1", memory: "1Gi" } } }]), { cpu: 1000, memory: 1024 * MiB }],
    ["a larger init container sets the peak", aPod("n", [container("250m", "256Mi")], { initContainers: [container("2", "128Mi")] }), { cpu: 2000, memory: 256 * MiB }],
    ["sidecars add to the containers", aPod("n", [container("250m", "256Mi")], { initContainers: [container("100m", "64Mi", { restartPolicy: "Always" })] }), { cpu: 350, memory: 320 * MiB }],
    [
      "an init container after a sidecar runs beside it",
      aPod("n", [container("100m", "64Mi")], { initContainers: [container("500m", "64Mi", { restartPolicy: "Always" }), container("1", "64Mi")] }),
      { cpu: 1500, memory: 128 * MiB },
    ],
    ["overhead is added", aPod("n", [container("250m", "256Mi")], { overhead: { cpu: "250m", memory: "120Mi" } }), { cpu: 500, memory: 376 * MiB }],
    ["no requests → zero", aPod("n", [{ name: "c" }]), { cpu: 0, memory: 0 }],
  ])("%s", (_n, pod, want) => {
    expect(podRequests(pod)).toEqual(want);
  });
  it("pod-level resources replace the containers' sum", () => {
    const pod = aPod("n", [container("250m", "256Mi")]);
    if (pod.spec) pod.spec.resources = { requests: { cpu: "2", memory: "1Gi" } };
    expect(podRequests(pod)).toEqual({ cpu: 2000, memory: 1024 * MiB });
  });
});

describe("nodesOfProvider: Ready nodes the selector, tolerations and required affinity admit", () => {
  const fargateTaint: V1Taint = { key: "eks.amazonaws.com/compute-type", value: "fargate", effect: "NoSchedule" };
  const names = (nodes: V1Node[], s: ReturnType<typeof sel>) => nodesOfProvider(nodes, s).map((n) => n.metadata?.name).join(",");
  it.each<[string, V1Node[], ReturnType<typeof sel>, string]>([
    ["no selector admits untainted nodes", [aNode("a"), aNode("b", { labels: { x: "1" } })], sel({}), "a,b"],
    ["the selector must match every label", [aNode("a", { labels: { x: "1", y: "2" } }), aNode("b", { labels: { x: "1" } })], sel({ x: "1", y: "2" }), "a"],
    ["NotReady nodes are left out", [aNode("a", { ready: false }), aNode("b")], sel({}), "b"],
    ["a NoSchedule taint keeps pods off unless tolerated", [aNode("f", { taints: [fargateTaint] })], sel({}), ""],
    ["an Equal toleration with the taint's value admits", [aNode("f", { taints: [fargateTaint] })], sel({}, [{ key: "eks.amazonaws.com/compute-type", operator: "Equal", value: "fargate" }]), "f"],
    ["an Equal toleration with another value does not", [aNode("f", { taints: [fargateTaint] })], sel({}, [{ key: "eks.amazonaws.com/compute-type", value: "ec2" }]), ""],
    ["an Exists toleration admits any value", [aNode("f", { taints: [fargateTaint] })], sel({}, [{ key: "eks.amazonaws.com/compute-type", operator: "Exists" }]), "f"],
    ["an Exists toleration without key admits every taint", [aNode("f", { taints: [fargateTaint] })], sel({}, [{ operator: "Exists" }]), "f"],
    ["a toleration of another effect does not admit", [aNode("f", { taints: [fargateTaint] })], sel({}, [{ key: "eks.amazonaws.com/compute-type", operator: "Exists", effect: "NoExecute" }]), ""],
    ["a NoExecute taint also keeps pods off", [aNode("x", { taints: [{ key: "k", effect: "NoExecute" }] })], sel({}), ""],
    ["a PreferNoSchedule taint does not exclude", [aNode("p", { taints: [{ key: "k", effect: "PreferNoSchedule" }] })], sel({}), "p"],
    ["cordoned nodes still count", [aNode("c", { unschedulable: true })], sel({}), "c"],
    [
      "required node affinity In",
      [aNode("a", { labels: { zone: "a" } }), aNode("b", { labels: { zone: "b" } })],
      sel({}, [], { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] }] } } }),
      "b",
    ],
    [
      "terms are ORed, expressions ANDed; NotIn admits nodes without the label",
      [aNode("a", { labels: { zone: "a" } }), aNode("b", { labels: { zone: "b", gpu: "1" } }), aNode("c")],
      sel({}, [], {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }, { key: "gpu", operator: "DoesNotExist" }] }, { matchExpressions: [{ key: "gpu", operator: "Exists" }] }],
          },
        },
      }),
      "b,c",
    ],
    [
      "Gt compares integers",
      [aNode("a", { labels: { gen: "5" } }), aNode("b", { labels: { gen: "7" } }), aNode("c", { labels: { gen: "x" } })],
      sel({}, [], { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gen", operator: "Gt", values: ["6"] }] }] } } }),
      "b",
    ],
    [
      "matchFields on metadata.name",
      [aNode("a"), aNode("b")],
      sel({}, [], { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }] }] } } }),
      "a",
    ],
  ])("%s", (_n, nodes, s, want) => {
    expect(names(nodes, s)).toBe(want);
  });
  it("the built-in FARGATE admits only EKS Fargate nodes", () => {
    const nodes = [aNode("ec2"), aNode("fargate", { labels: { "eks.amazonaws.com/compute-type": "fargate" }, taints: [fargateTaint] })];
    const fargate = BUILTIN_PROVIDERS.find((p) => p.name === "FARGATE");
    if (!fargate) throw new Error("no FARGATE");
    expect(names(nodes, schedulingFor(fargate))).toBe("fargate");
  });
});

describe("containerInstanceView", () => {
  const node = aNode("ip-10-0-1-5", {
    cpu: "3800m",
    memory: "15Gi",
    labels: {
      "topology.kubernetes.io/zone": "us-east-1a",
      "node.kubernetes.io/instance-type": "m5.xlarge",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": "ip-10-0-1-5",
      "node-role.kubernetes.io/worker": "",
      "k8s.io/cloud-provider-aws": "x",
      "eks.amazonaws.com/nodegroup": "general",
      "karpenter.sh/capacity-type": "on-demand",
      team: "payments",
    },
  });
  const attrs = (n: V1Node, prefix?: string) => Object.fromEntries(nodeAttributes(n, prefix).map((a) => [a.name, a.value]));
  it.each<[string, string, string | undefined]>([
    ["ecs.availability-zone ← topology.kubernetes.io/zone", "ecs.availability-zone", "us-east-1a"],
    ["ecs.instance-type ← node.kubernetes.io/instance-type", "ecs.instance-type", "m5.xlarge"],
    ["ecs.os-type ← kubernetes.io/os", "ecs.os-type", "linux"],
    ["ecs.cpu-architecture ← kubernetes.io/arch, amd64 → x86_64", "ecs.cpu-architecture", "x86_64"],
    ["a custom attribute from a label in another namespace", "eks.amazonaws.com/nodegroup", "general"],
    ["a custom attribute from an unprefixed label", "team", "payments"],
    ["kubernetes.io labels are not custom attributes", "kubernetes.io/hostname", undefined],
    ["*.kubernetes.io labels are not custom attributes", "node-role.kubernetes.io/worker", undefined],
    ["k8s.io labels are not custom attributes", "k8s.io/cloud-provider-aws", undefined],
    ["the well-known label itself is not repeated as a custom attribute", "topology.kubernetes.io/zone", undefined],
  ])("%s", (_n, name, want) => {
    expect(attrs(node)[name]).toBe(want);
  });
  it("every attribute of the view selects the node through a memberOf expression (placement sees what the view shows)", () => {
    const other = aNode("other", { labels: { "kubernetes.io/os": "windows", "kubernetes.io/arch": "arm64" } });
    for (const { name, value } of nodeAttributes(node)) {
      const compiled = compileMemberOf(`attribute:${name} == ${JSON.stringify(value)}`);
      const admitted = nodesOfProvider([node, other], sel({}, [], { nodeAffinity: compiled.nodeAffinity })).map((n) => n.metadata?.name);
      expect(admitted, name).toEqual(["ip-10-0-1-5"]);
    }
  });
  it("arm64 stays arm64", () => {
    expect(attrs(aNode("a", { labels: { "kubernetes.io/arch": "arm64" } }))["ecs.cpu-architecture"]).toBe("arm64");
  });
  it("with customAttributePrefix only labels under it, prefix removed", () => {
    const n = aNode("a", { labels: { "attributes.example.com/stack": "prod", team: "x", "kubernetes.io/os": "linux" } });
    expect(nodeAttributes(n, "attributes.example.com/")).toEqual([{ name: "ecs.os-type", value: "linux" }, { name: "stack", value: "prod" }]);
  });
  it("attributes are sorted by name", () => {
    const names = nodeAttributes(node).map((a) => a.name);
    expect(names).toEqual([...names].sort());
  });
  it("registered CPU units and MiB from allocatable; remaining after the requests of running pods on the node", () => {
    const pods = [
      aPod("ip-10-0-1-5", [container("1", "2Gi")]),
      aPod("ip-10-0-1-5", [container("500m", "1Gi")], { phase: "Pending" }),
      aPod("ip-10-0-1-5", [container("1", "1Gi")], { phase: "Succeeded" }),
      aPod("ip-10-0-1-5", [container("1", "1Gi")], { phase: "Failed" }),
      aPod("other", [container("1", "1Gi")]),
      aPod(undefined, [container("1", "1Gi")], { phase: "Pending" }),
    ];
    const v = containerInstanceView(node, { pods, capacityProviderName: "od" });
    expect(v).toMatchObject({ ec2InstanceId: "ip-10-0-1-5", capacityProviderName: "od", status: "ACTIVE", agentConnected: true, runningTasksCount: 2 });
    expect(v.registeredResources).toEqual([
      { name: "CPU", type: "INTEGER", integerValue: 3891 },
      { name: "MEMORY", type: "INTEGER", integerValue: 15360 },
    ]);
    expect(v.remainingResources).toEqual([
      { name: "CPU", type: "INTEGER", integerValue: 2355 },
      { name: "MEMORY", type: "INTEGER", integerValue: 12288 },
    ]);
  });
  it("remaining never goes below 0", () => {
    const v = containerInstanceView(aNode("n", { cpu: "1", memory: "1Gi" }), { pods: [aPod("n", [container("2", "2Gi")])] });
    expect(v.remainingResources.map((r) => r.integerValue)).toEqual([0, 0]);
  });
  it.each<[string, V1Node, object]>([
    ["a cordoned node is DRAINING", aNode("n", { unschedulable: true }), { status: "DRAINING" }],
    ["a NotReady node has agentConnected false", aNode("n", { ready: false }), { agentConnected: false }],
  ])("%s", (_n, n, want) => {
    expect(containerInstanceView(n)).toMatchObject(want);
  });
});

describe("capacitySummary", () => {
  const spotTaint: V1Taint = { key: "karpenter.sh/capacity-type", value: "spot", effect: "NoSchedule" };
  const nodes = [
    aNode("od-1", { labels: { "karpenter.sh/capacity-type": "on-demand" }, cpu: "4", memory: "16Gi" }),
    aNode("od-2", { labels: { "karpenter.sh/capacity-type": "on-demand" }, cpu: "3800m", memory: "15Gi" }),
    aNode("od-down", { labels: { "karpenter.sh/capacity-type": "on-demand" }, ready: false }),
    aNode("spot-1", { labels: { "karpenter.sh/capacity-type": "spot" }, taints: [spotTaint], cpu: "2", memory: "8Gi" }),
  ];
  const pods = [aPod("od-1", [container("1", "1Gi")]), aPod("od-2", [container("250m", "512Mi")]), aPod("spot-1", [container("500m", "1Gi")]), aPod("od-down", [container("1", "1Gi")])];
  const summary = capacitySummary(nodes, pods, [
    { name: "on-demand", scheduling: sel({ "karpenter.sh/capacity-type": "on-demand" }) },
    { name: "spot", scheduling: sel({ "karpenter.sh/capacity-type": "spot" }, [{ key: "karpenter.sh/capacity-type", operator: "Exists" }]) },
    { name: "spot-untolerated", scheduling: sel({ "karpenter.sh/capacity-type": "spot" }) },
    { name: "anything-untainted", scheduling: sel({}) },
  ]);
  const of = (name: string) => summary.find((s) => s.capacityProvider === name);
  it.each<[string, string, object]>([
    ["Ready nodes only; allocatable summed before converting (4 + 3.8 CPU = 7987 units)", "on-demand", { readyNodes: 2, allocatable: { cpu: 7987, memory: 31 * 1024 }, requested: { cpu: 1280, memory: 1536 } }],
    ["a spot pool with its toleration", "spot", { readyNodes: 1, allocatable: { cpu: 2048, memory: 8192 }, requested: { cpu: 512, memory: 1024 } }],
    ["a spot pool without the toleration has no nodes", "spot-untolerated", { readyNodes: 0, allocatable: { cpu: 0, memory: 0 }, requested: { cpu: 0, memory: 0 } }],
    ["a node two providers admit counts for both", "anything-untainted", { readyNodes: 2 }],
  ])("%s", (_n, name, want) => {
    expect(of(name)).toMatchObject(want);
  });
  it("providers are reported in the given order", () => {
    expect(summary.map((s) => s.capacityProvider)).toEqual(["on-demand", "spot", "spot-untolerated", "anything-untainted"]);
  });
});
