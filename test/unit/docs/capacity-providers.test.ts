// docs/capacity-providers.md cannot rot: every CapacityProvider preset in it passes admission, and the pod of a
// sample task placed with it has the node selector, tolerations and sizing pinned here.
import { describe, expect, it } from "vitest";
import { admit } from "../../../src/api/admission.ts";
import { docPresets, presetProvider, samplePod } from "./capacity-provider-presets.ts";

const presets = docPresets();
const preset = (name: string) => {
  const cp = presets.get(name);
  if (!cp) throw new Error(`docs/capacity-providers.md has no CapacityProvider named ${name}`);
  return cp;
};

const FARGATE_TOLERATION = { key: "eks.amazonaws.com/compute-type", operator: "Equal", value: "fargate", effect: "NoSchedule" };
const SPOT_TOLERATIONS = [
  { key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" },
  { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" },
  { key: "cloud.google.com/gke-spot", operator: "Equal", value: "true", effect: "NoSchedule" },
];
const EXACT = { requests: { cpu: "500m", memory: "1024Mi" }, limits: { cpu: "500m", memory: "1024Mi" } };

describe("docs/capacity-providers.md presets", () => {
  it("the doc holds a preset for each common pool (EKS, Fargate, Karpenter, AKS, GKE) and the FARGATE_SPOT override example", () => {
    expect([...presets.keys()]).toEqual(["fargate-spot", "eks-nodegroup-on-demand", "eks-fargate", "karpenter-on-demand", "karpenter-spot", "aks-virtual-nodes", "gke-autopilot", "gke-spot"]);
  });

  it.each([...presets.keys()])("%s passes admission (schema and CEL rules of the CRD)", (name) => {
    expect(admit(preset(name) as unknown as Record<string, unknown>)).toEqual([]);
  });

  it.each<[string, string, { provider: string; type: string; spot: boolean; nodeSelector: Record<string, string>; tolerations: unknown[]; exact: boolean; labels?: Record<string, string> }]>([
    [
      "FARGATE_SPOT pointed at the spot pool: the spot selector, the Fargate and spot tolerations, sized exactly",
      "fargate-spot",
      { provider: "FARGATE_SPOT", type: "FARGATE", spot: true, nodeSelector: { "karpenter.sh/capacity-type": "spot" }, tolerations: [FARGATE_TOLERATION, ...SPOT_TOLERATIONS], exact: true },
    ],
    [
      "EKS managed node group: the nodegroup and capacityType labels, no tolerations, EC2 sizing",
      "eks-nodegroup-on-demand",
      { provider: "eks-nodegroup-on-demand", type: "EC2", spot: false, nodeSelector: { "eks.amazonaws.com/nodegroup": "general", "eks.amazonaws.com/capacityType": "ON_DEMAND" }, tolerations: [], exact: false },
    ],
    [
      "EKS Fargate profile: the Fargate selector and toleration, the profile label on the pod, sized exactly",
      "eks-fargate",
      { provider: "FARGATE", type: "FARGATE", spot: false, nodeSelector: { "eks.amazonaws.com/compute-type": "fargate" }, tolerations: [FARGATE_TOLERATION], exact: true, labels: { "ecs.operator.dev/fargate-profile": "tasks" } },
    ],
    [
      "Karpenter on-demand NodePool: nodepool and capacity-type selector",
      "karpenter-on-demand",
      { provider: "karpenter-on-demand", type: "EC2", spot: false, nodeSelector: { "karpenter.sh/nodepool": "default", "karpenter.sh/capacity-type": "on-demand" }, tolerations: [], exact: false },
    ],
    [
      "Karpenter spot NodePool as FARGATE_SPOT: nodepool and spot selector, the spot tolerations only, sized exactly",
      "karpenter-spot",
      { provider: "FARGATE_SPOT", type: "FARGATE", spot: true, nodeSelector: { "karpenter.sh/nodepool": "spot", "karpenter.sh/capacity-type": "spot" }, tolerations: SPOT_TOLERATIONS, exact: true },
    ],
    [
      "AKS virtual nodes: virtual-kubelet selector and tolerations, sized exactly",
      "aks-virtual-nodes",
      {
        provider: "aks-virtual-nodes",
        type: "FARGATE",
        spot: false,
        nodeSelector: { type: "virtual-kubelet", "kubernetes.io/os": "linux" },
        tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists" }, { key: "azure.com/aci", effect: "NoSchedule" }],
        exact: true,
      },
    ],
    ["GKE Autopilot: no selector, no tolerations, sized exactly", "gke-autopilot", { provider: "gke-autopilot", type: "FARGATE", spot: false, nodeSelector: {}, tolerations: [], exact: true }],
    ["GKE spot: the gke-spot selector and the spot tolerations", "gke-spot", { provider: "gke-spot", type: "EC2", spot: true, nodeSelector: { "cloud.google.com/gke-spot": "true" }, tolerations: SPOT_TOLERATIONS, exact: false }],
  ])("%s", (_n, name, want) => {
    const cp = preset(name);
    expect(presetProvider(cp)).toMatchObject({ name: want.provider, type: want.type, spot: want.spot });
    const pod = samplePod(cp);
    // The sample task is Linux on any architecture: only the preset's selector lands in the pod.
    expect(pod.spec.nodeSelector).toEqual(want.nodeSelector);
    expect(pod.spec.tolerations).toEqual(want.tolerations);
    if (want.labels) expect(pod.labels).toMatchObject(want.labels);
    const resources = pod.spec.containers[0]?.resources;
    if (want.exact) expect(resources).toEqual(EXACT);
    else expect(resources?.requests).toEqual(EXACT.requests);
  });
});
