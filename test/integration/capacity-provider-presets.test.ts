// The presets of docs/capacity-providers.md against the real API server: each CapacityProvider is accepted, the
// pod of a sample task placed with it is accepted, and where the kwok pools can host it (EKS Fargate → the
// serverless pool, FARGATE_SPOT pointed at spot → the spot pool) the pod lands there, sized exactly.
import { describe, expect, it } from "vitest";
import { CapacityProviders } from "../../src/controllers/ecs-resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { Nodes, Pods, resourcePath } from "../../src/runtime/resources.ts";
import { docPresets, samplePod } from "../unit/docs/capacity-provider-presets.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const presets = docPresets();
const preset = (name: string) => {
  const cp = presets.get(name);
  if (!cp) throw new Error(`docs/capacity-providers.md has no CapacityProvider named ${name}`);
  return cp;
};

interface PodObject {
  spec?: { nodeName?: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
}

describe("docs/capacity-providers.md presets on the real API server", () => {
  it.each([...presets.keys()])("%s: the CapacityProvider and the sample task's pod are accepted (server-side dry run)", async (name) => {
    const ns = await testNamespace(kc, "cp-preset");
    const cp = preset(name);
    await apiRequest(kc, { method: "POST", path: resourcePath(CapacityProviders), query: { dryRun: "All", fieldValidation: "Strict" }, body: cp });
    const pod = samplePod(cp, ns);
    await apiRequest(kc, { method: "POST", path: resourcePath(Pods, ns), query: { dryRun: "All", fieldValidation: "Strict" }, body: { apiVersion: "v1", kind: "Pod", metadata: { name: "sample", labels: pod.labels }, spec: pod.spec } });
  });

  it.each<[string, string, string]>([
    ["a FARGATE task's pod (EKS Fargate preset) lands on the serverless pool, requests = limits", "eks-fargate", "serverless"],
    ["a FARGATE_SPOT task's pod (fargate-spot pointed at spot) lands on the spot pool, requests = limits", "fargate-spot", "spot"],
  ])("%s", async (_n, name, pool) => {
    const ns = await testNamespace(kc, "cp-place");
    const pod = samplePod(preset(name), ns);
    await apiRequest(kc, { method: "POST", path: resourcePath(Pods, ns), body: { apiVersion: "v1", kind: "Pod", metadata: { name: "task", labels: pod.labels }, spec: pod.spec } });
    const placed = await eventually(`the ${name} pod scheduled`, async () => {
      const p = await apiRequest<PodObject>(kc, { method: "GET", path: resourcePath(Pods, ns, "task") });
      return p.spec?.nodeName ? p : undefined;
    });
    const node = await apiRequest<{ metadata: { labels: Record<string, string> } }>(kc, { method: "GET", path: resourcePath(Nodes, undefined, placed.spec?.nodeName) });
    expect(node.metadata.labels["testenv.ecs-operator.dev/pool"]).toBe(pool);
    // The task size is the pod's resources (pod-level requests = limits).
    const resources = placed.spec?.resources;
    expect(resources?.requests).toEqual(resources?.limits);
    expect(resources?.limits).toEqual({ cpu: "500m", memory: "1Gi" });
  });
});
