import { describe, expect, it } from "vitest";
import { BENCH_NODE_LABEL, BENCH_NODE_PODS, IMAGES, benchNode, ecsService, newImagePatch, nodesNeeded, plainDeployment, renderedPodSpec, serviceName, taskDefinition } from "../../../bench/workload.ts";

describe("bench: the workload", () => {
  it("the plain Deployment runs the pod spec the operator renders from the same TaskDefinition", () => {
    const spec = renderedPodSpec("ns", "app", IMAGES[0]);
    const containers = spec.containers as { name: string; image: string; resources?: { requests?: Record<string, string> } }[];
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ name: "app", image: IMAGES[0], resources: { requests: { memory: "64Mi" } } });
    const d = plainDeployment("ns", "svc-00001", 3, spec) as unknown as { spec: { replicas: number; strategy: unknown; template: { spec: unknown } } };
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec).toBe(spec);
  });

  it("the plain rollout surges by the whole count and keeps every task, as ECS's default 200 % / 100 % does", () => {
    const d = plainDeployment("ns", "svc-00001", 3, renderedPodSpec("ns", "app", IMAGES[0])) as unknown as { spec: { strategy: unknown } };
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } });
  });

  it("the new-image patch changes only the image of every container", () => {
    const spec = renderedPodSpec("ns", "app", IMAGES[0]);
    const patch = newImagePatch(spec, IMAGES[1]) as { spec: { template: { spec: { containers: { image: string }[] } } } };
    const before = (spec.containers as Record<string, unknown>[])[0];
    expect(patch.spec.template.spec.containers[0]).toEqual({ ...before, image: IMAGES[1] });
  });

  it("an ECS Service per TaskDefinition family, named in order", () => {
    expect(serviceName(7)).toBe("svc-00007");
    expect(ecsService("ns", "svc-00007", 3).spec).toEqual({ taskDefinition: "svc-00007", desiredCount: 3 });
    expect(taskDefinition("ns", "svc-00007", IMAGES[0]).spec).toMatchObject({ family: "svc-00007" });
  });

  it.each([
    { services: 20, tasks: 3, free: 500, want: 0 },
    { services: 100, tasks: 3, free: 500, want: 1 },
    { services: 1000, tasks: 3, free: 500, want: 9 },
    { services: 5000, tasks: 3, free: 0, want: 45 },
  ])("N=$services × $tasks with room for $free pods: $want nodes of 1000 pods (peak: both sides plus one side's surge)", ({ services, tasks, free, want }) => {
    expect(nodesNeeded(services, tasks, free)).toBe(want);
  });

  it("a bench node is a kwok node that takes 1000 pods, untainted, labelled for removal, with an address of its own", () => {
    const node = benchNode(3) as unknown as { metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> }; spec: { taints: unknown[] }; status: { allocatable: Record<string, string>; addresses: { address: string }[] } };
    expect(node.metadata.name).toBe("bench-3");
    expect(node.metadata.labels[BENCH_NODE_LABEL]).toBe("true");
    expect(node.metadata.annotations["kwok.x-k8s.io/node"]).toBe("fake");
    expect(node.spec.taints).toEqual([]);
    expect(node.status.allocatable.pods).toBe(String(BENCH_NODE_PODS));
    const other = benchNode(4) as unknown as { status: { addresses: { address: string }[] } };
    expect(node.status.addresses[0]?.address).toBe("10.241.0.4");
    expect(other.status.addresses[0]?.address).toBe("10.241.0.5");
  });
});
