// When a task's node goes away under it (src/builders/capacity/spot-interruption.ts): spot reclaims are SpotInterruption,
// other terminations TerminationNotice; only real termination signals count.
import type { V1Node, V1Pod, V1Taint } from "@kubernetes/client-node";
import type { Wire } from "../../../src/runtime/resources.ts";
import { describe, expect, it } from "vitest";
import { INTERRUPTION_TAINTS, interruptionOf, interruptionTaint, isSpotNode } from "../../../src/builders/capacity/spot-interruption.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";

const aNode = (o: { labels?: Record<string, string>; taints?: V1Taint[]; deleting?: boolean } = {}): Wire<V1Node> => ({
  metadata: { name: "n1", labels: o.labels ?? {}, ...(o.deleting === true ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { taints: o.taints ?? [] },
});
const aPod = (o: { nodeName?: string; phase?: string } = {}): Wire<V1Pod> => ({
  spec: { containers: [{ name: "app" }], ...(o.nodeName === undefined ? { nodeName: "n1" } : o.nodeName === "" ? {} : { nodeName: o.nodeName }) },
  status: { phase: o.phase ?? "Running" },
});
const taint = (key: string, effect = "NoSchedule", value?: string): V1Taint => ({ key, effect, ...(value === undefined ? {} : { value }) });
const SPOT = { "karpenter.sh/capacity-type": "spot" };
const testNode = (name: string): Wire<V1Node> => {
  const spec = TEST_NODES.find((n) => n.name === name);
  if (!spec) throw new Error(`no test node ${name}`);
  return buildNode(spec);
};

describe("isSpotNode: the labels that mark spot or preemptible capacity", () => {
  it.each<[string, Record<string, string>, boolean]>([
    ["Karpenter capacity-type spot", SPOT, true],
    ["Karpenter capacity-type on-demand", { "karpenter.sh/capacity-type": "on-demand" }, false],
    ["EKS managed node group capacityType SPOT", { "eks.amazonaws.com/capacityType": "SPOT" }, true],
    ["EKS managed node group capacityType ON_DEMAND", { "eks.amazonaws.com/capacityType": "ON_DEMAND" }, false],
    ["AKS scalesetpriority spot", { "kubernetes.azure.com/scalesetpriority": "spot" }, true],
    ["GKE spot", { "cloud.google.com/gke-spot": "true" }, true],
    ["GKE preemptible", { "cloud.google.com/gke-preemptible": "true" }, true],
    ["EKS Fargate", { "eks.amazonaws.com/compute-type": "fargate" }, false],
    ["no labels", {}, false],
  ])("%s → %s", (_n, labels, want) => {
    expect(isSpotNode(aNode({ labels }))).toBe(want);
  });
  it("the kwok spot pool is spot, the on-demand and serverless pools are not", () => {
    expect(TEST_NODES.filter((n) => isSpotNode(buildNode(n))).map((n) => n.pool)).toEqual(["spot", "spot"]);
    expect(isSpotNode(testNode("od-a-1"))).toBe(false);
  });
});

describe("interruptionTaint: only NoSchedule/NoExecute taints of termination handlers", () => {
  it.each<[string, V1Taint[], string | undefined]>([
    ["AWS NTH spot interruption notice", [taint("aws-node-termination-handler/spot-itn", "NoSchedule", "1699999999")], "aws-node-termination-handler/spot-itn"],
    ["AWS NTH ASG lifecycle termination", [taint("aws-node-termination-handler/asg-lifecycle-termination", "NoExecute")], "aws-node-termination-handler/asg-lifecycle-termination"],
    ["AWS NTH scheduled maintenance", [taint("aws-node-termination-handler/scheduled-maintenance")], "aws-node-termination-handler/scheduled-maintenance"],
    ["Karpenter v1 disrupted", [taint("karpenter.sh/disrupted")], "karpenter.sh/disrupted"],
    ["Karpenter v0.3x disruption=disrupting", [taint("karpenter.sh/disruption", "NoSchedule", "disrupting")], "karpenter.sh/disruption"],
    ["GKE impending node termination", [taint("cloud.google.com/impending-node-termination")], "cloud.google.com/impending-node-termination"],
    ["cluster autoscaler scale-down", [taint("ToBeDeletedByClusterAutoscaler", "NoSchedule", "1699999999")], "ToBeDeletedByClusterAutoscaler"],
    ["the first interruption taint among others", [taint("karpenter.sh/capacity-type", "NoSchedule", "spot"), taint("karpenter.sh/disrupted")], "karpenter.sh/disrupted"],
    ["NTH rebalance recommendation is only a risk, not a notice", [taint("aws-node-termination-handler/rebalance-recommendation", "PreferNoSchedule")], undefined],
    ["cluster autoscaler deletion candidate is a soft mark", [taint("DeletionCandidateOfClusterAutoscaler", "PreferNoSchedule")], undefined],
    ["a known key with effect PreferNoSchedule does not count", [taint("karpenter.sh/disrupted", "PreferNoSchedule")], undefined],
    ["a cordon is not an interruption", [taint("node.kubernetes.io/unschedulable")], undefined],
    ["the spot taint itself is not an interruption", [taint("karpenter.sh/capacity-type", "NoSchedule", "spot")], undefined],
    ["no taints", [], undefined],
  ])("%s", (_n, taints, want) => {
    expect(interruptionTaint(aNode({ taints }))).toBe(want);
  });
  it("every listed taint is recognised with effect NoSchedule", () => {
    for (const key of INTERRUPTION_TAINTS) expect(interruptionTaint(aNode({ taints: [taint(key)] })), key).toBe(key);
  });
});

describe("interruptionOf", () => {
  it.each<[string, Wire<V1Pod>, Wire<V1Node> | undefined, boolean, object | undefined]>([
    ["spot node deleted → SpotInterruption", aPod(), undefined, true, { stopCode: "SpotInterruption", reason: "Your Spot Task was interrupted: node n1 was reclaimed" }],
    ["non-spot node deleted → TerminationNotice", aPod(), undefined, false, { stopCode: "TerminationNotice", reason: "Task stopped: node n1 was removed" }],
    [
      "spot node tainted by NTH → SpotInterruption naming the taint",
      aPod(),
      aNode({ labels: SPOT, taints: [taint("aws-node-termination-handler/spot-itn")] }),
      false,
      { stopCode: "SpotInterruption", reason: "Your Spot Task was interrupted: node n1 is being reclaimed (taint aws-node-termination-handler/spot-itn)" },
    ],
    [
      "on-demand node consolidated by Karpenter → TerminationNotice",
      aPod(),
      aNode({ labels: { "karpenter.sh/capacity-type": "on-demand" }, taints: [taint("karpenter.sh/disrupted")] }),
      false,
      { stopCode: "TerminationNotice", reason: "Task stopped: node n1 is being terminated (taint karpenter.sh/disrupted)" },
    ],
    [
      "spot node being deleted (deletionTimestamp, a finalizer drains it) → SpotInterruption",
      aPod(),
      aNode({ labels: SPOT, deleting: true }),
      false,
      { stopCode: "SpotInterruption", reason: "Your Spot Task was interrupted: node n1 is being reclaimed (node deleted)" },
    ],
    ["non-spot node being deleted → TerminationNotice", aPod(), aNode({ deleting: true }), false, { stopCode: "TerminationNotice", reason: "Task stopped: node n1 is being deleted" }],
    ["a spot provider decides when the node is unlabelled", aPod(), aNode({ taints: [taint("karpenter.sh/disrupted")] }), true, { stopCode: "SpotInterruption" }],
    ["a healthy spot node → no interruption", aPod(), aNode({ labels: SPOT, taints: [taint("karpenter.sh/capacity-type", "NoSchedule", "spot")] }), true, undefined],
    ["a spot node with a rebalance recommendation → no interruption", aPod(), aNode({ labels: SPOT, taints: [taint("aws-node-termination-handler/rebalance-recommendation", "PreferNoSchedule")] }), true, undefined],
    ["a cordoned node → no interruption", aPod(), aNode({ labels: SPOT, taints: [taint("node.kubernetes.io/unschedulable")] }), true, undefined],
    ["a pod not bound to a node is never interrupted", aPod({ nodeName: "" }), undefined, true, undefined],
    ["a pod that Succeeded is never interrupted", aPod({ phase: "Succeeded" }), undefined, true, undefined],
    ["a pod that Failed is never interrupted", aPod({ phase: "Failed" }), aNode({ labels: SPOT, taints: [taint("karpenter.sh/disrupted")] }), true, undefined],
    ["a bound Pending pod whose node is deleted is interrupted", aPod({ phase: "Pending" }), undefined, true, { stopCode: "SpotInterruption" }],
  ])("%s", (_n, pod, node, spot, want) => {
    const got = interruptionOf(pod, node, spot);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatchObject(want);
  });
  it("a pod on a kwok spot node that is deleted reports SpotInterruption even without the spot flag", () => {
    const node = testNode("spot-a-1");
    if (node.metadata) node.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    expect(interruptionOf(aPod({ nodeName: "spot-a-1" }), node, false)).toMatchObject({ stopCode: "SpotInterruption" });
  });
});
