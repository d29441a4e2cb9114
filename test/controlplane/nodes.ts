// The fake nodes of the test control plane: pools that look like a real cloud cluster (zones, instance
// types, on-demand and spot capacity, a serverless pool), managed by kwok. Pure data, used by the
// launcher and by tests that need to know what the pools are called.
import type { V1Node, V1Taint } from "@kubernetes/client-node";

/** Label that says which test pool a node belongs to (on-demand, spot, serverless). */
export const POOL_LABEL = "testenv.ecs-operator.dev/pool";
/** Karpenter's capacity-type label, as on real spot and on-demand nodes. */
export const CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type";
/** Taint carried by every spot node: only pods that tolerate spot land there. */
export const SPOT_TAINT: V1Taint = { key: "karpenter.sh/capacity-type", value: "spot", effect: "NoSchedule" };
/** EKS Fargate's node label and taint, which the serverless pool copies. */
export const SERVERLESS_LABEL = "eks.amazonaws.com/compute-type";
export const SERVERLESS_TAINT: V1Taint = { key: "eks.amazonaws.com/compute-type", value: "fargate", effect: "NoSchedule" };
/** Annotation kwok uses to pick the nodes it manages. */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
/** metrics-server's node annotation: the path of the node's kubelet resource metrics, instead of /metrics/resource. */
export const RESOURCE_METRICS_PATH_ANNOTATION = "metrics.k8s.io/resource-metrics-path";

export type Pool = "on-demand" | "spot" | "serverless";

export interface NodeSpec {
  name: string;
  pool: Pool;
  zone: string;
  instanceType: string;
  arch: "amd64" | "arm64";
  cpu: string;
  memory: string;
  pods: number;
}

export const REGION = "us-east-1";

export const TEST_NODES: readonly NodeSpec[] = [
  { name: "od-a-1", pool: "on-demand", zone: "us-east-1a", instanceType: "m5.xlarge", arch: "amd64", cpu: "4", memory: "16Gi", pods: 110 },
  { name: "od-a-2", pool: "on-demand", zone: "us-east-1a", instanceType: "m5.xlarge", arch: "amd64", cpu: "4", memory: "16Gi", pods: 110 },
  { name: "od-b-1", pool: "on-demand", zone: "us-east-1b", instanceType: "m5.xlarge", arch: "amd64", cpu: "4", memory: "16Gi", pods: 110 },
  { name: "od-b-2", pool: "on-demand", zone: "us-east-1b", instanceType: "c5.2xlarge", arch: "amd64", cpu: "8", memory: "16Gi", pods: 110 },
  { name: "od-c-arm-1", pool: "on-demand", zone: "us-east-1c", instanceType: "m7g.xlarge", arch: "arm64", cpu: "4", memory: "16Gi", pods: 110 },
  { name: "spot-a-1", pool: "spot", zone: "us-east-1a", instanceType: "m5.large", arch: "amd64", cpu: "2", memory: "8Gi", pods: 110 },
  { name: "spot-b-1", pool: "spot", zone: "us-east-1b", instanceType: "m5.large", arch: "amd64", cpu: "2", memory: "8Gi", pods: 110 },
  { name: "fargate-a-1", pool: "serverless", zone: "us-east-1a", instanceType: "fargate", arch: "amd64", cpu: "64", memory: "256Gi", pods: 500 },
  { name: "fargate-b-1", pool: "serverless", zone: "us-east-1b", instanceType: "fargate", arch: "amd64", cpu: "64", memory: "256Gi", pods: 500 },
];

/** The Node object for one spec: labels as a cloud provider sets them, spot and serverless taints. */
export function buildNode(spec: NodeSpec): V1Node {
  const ip = `10.240.0.${TEST_NODES.indexOf(spec) + 10}`;
  const labels: Record<string, string> = {
    "kubernetes.io/hostname": spec.name,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": spec.arch,
    "node.kubernetes.io/instance-type": spec.instanceType,
    "topology.kubernetes.io/region": REGION,
    "topology.kubernetes.io/zone": spec.zone,
    [POOL_LABEL]: spec.pool,
    type: "kwok",
  };
  const taints: V1Taint[] = [];
  if (spec.pool === "serverless") {
    labels[SERVERLESS_LABEL] = "fargate";
    taints.push(SERVERLESS_TAINT);
  } else {
    labels[CAPACITY_TYPE_LABEL] = spec.pool;
    if (spec.pool === "spot") taints.push(SPOT_TAINT);
  }
  const resources = { cpu: spec.cpu, memory: spec.memory, pods: String(spec.pods), "ephemeral-storage": "100Gi" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: spec.name,
      labels,
      annotations: {
        [KWOK_NODE_ANNOTATION]: "fake",
        "node.alpha.kubernetes.io/ttl": "0",
        // metrics-server reads this node's kubelet resource metrics from kwok's per-node path (kwok/metrics.yaml).
        [RESOURCE_METRICS_PATH_ANNOTATION]: `/metrics/nodes/${spec.name}/metrics/resource`,
      },
    },
    spec: { taints, providerID: `kwok://${REGION}/${spec.zone}/${spec.name}` },
    status: {
      // The kubelet endpoint of every fake node is kwok's server on loopback: metrics-server dials the InternalDNS
      // address (--kubelet-preferred-address-types=InternalDNS); pods and everything else see the InternalIP.
      addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: spec.name }, { type: "InternalDNS", address: "localhost" }],
      capacity: resources,
      allocatable: resources,
      nodeInfo: {
        architecture: spec.arch,
        operatingSystem: "linux",
        osImage: "kwok",
        kernelVersion: "kwok",
        kubeletVersion: "kwok",
        kubeProxyVersion: "kwok",
        containerRuntimeVersion: "kwok",
        machineID: spec.name,
        systemUUID: spec.name,
        bootID: spec.name,
      },
    },
  };
}
