// The test environment's fake nodes must look like a cloud provider's, or placement tests prove nothing.
import { describe, expect, it } from "vitest";
import { CAPACITY_TYPE_LABEL, POOL_LABEL, RESOURCE_METRICS_PATH_ANNOTATION, SERVERLESS_LABEL, SERVERLESS_TAINT, SPOT_TAINT, TEST_NODES, buildNode } from "../controlplane/nodes.ts";

const nodeFor = (pool: string) => {
  const spec = TEST_NODES.find((n) => n.pool === pool);
  if (!spec) throw new Error(`no ${pool} node`);
  return buildNode(spec);
};

describe("buildNode", () => {
  it("on-demand node: capacity-type on-demand, no taints", () => {
    const n = nodeFor("on-demand");
    expect(n.metadata?.labels?.[CAPACITY_TYPE_LABEL]).toBe("on-demand");
    expect(n.spec?.taints).toEqual([]);
  });
  it("spot node: capacity-type spot and the spot NoSchedule taint", () => {
    const n = nodeFor("spot");
    expect(n.metadata?.labels?.[CAPACITY_TYPE_LABEL]).toBe("spot");
    expect(n.spec?.taints).toEqual([SPOT_TAINT]);
  });
  it("serverless node: EKS Fargate's compute-type label and taint, no capacity-type", () => {
    const n = nodeFor("serverless");
    expect(n.metadata?.labels?.[SERVERLESS_LABEL]).toBe("fargate");
    expect(n.metadata?.labels?.[CAPACITY_TYPE_LABEL]).toBeUndefined();
    expect(n.spec?.taints).toEqual([SERVERLESS_TAINT]);
  });
  it("every node has zone, region, instance type, os, arch, pool and a unique InternalIP", () => {
    const ips = new Set<string>();
    for (const spec of TEST_NODES) {
      const n = buildNode(spec);
      const l = n.metadata?.labels ?? {};
      expect(l["topology.kubernetes.io/zone"]).toBe(spec.zone);
      expect(l["topology.kubernetes.io/region"]).toBe("us-east-1");
      expect(l["node.kubernetes.io/instance-type"]).toBe(spec.instanceType);
      expect(l["kubernetes.io/os"]).toBe("linux");
      expect(l["kubernetes.io/arch"]).toBe(spec.arch);
      expect(l[POOL_LABEL]).toBe(spec.pool);
      expect(n.status?.allocatable).toEqual(n.status?.capacity);
      const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      expect(ip).toMatch(/^10\.240\.0\.\d+$/);
      ips.add(ip ?? "");
    }
    expect(ips.size).toBe(TEST_NODES.length);
  });
  it("metrics-server reaches each node's kubelet metrics on kwok: InternalDNS localhost and the node's own kwok path", () => {
    for (const spec of TEST_NODES) {
      const n = buildNode(spec);
      expect(n.status?.addresses?.filter((a) => a.type === "InternalDNS")).toEqual([{ type: "InternalDNS", address: "localhost" }]);
      expect(n.metadata?.annotations?.[RESOURCE_METRICS_PATH_ANNOTATION]).toBe(`/metrics/nodes/${spec.name}/metrics/resource`);
    }
  });
  it("the pools span at least two zones each for on-demand and spot", () => {
    for (const pool of ["on-demand", "spot", "serverless"] as const) {
      expect(new Set(TEST_NODES.filter((n) => n.pool === pool).map((n) => n.zone)).size).toBeGreaterThanOrEqual(2);
    }
  });
});
