// What the cache keeps of the operator's own kinds: no managedFields, and of the annotations only ecs.operator.dev/
// ones (the only ones a controller reads); spec, status, labels and the rest of metadata as they are.
import { describe, expect, it } from "vitest";
import { leanEcsObject } from "../../../src/runtime/informer.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";

const service = (annotations: Record<string, string> | undefined): KubeObject =>
  ({
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind: "Service",
    metadata: { name: "web", namespace: "shop", uid: "u1", generation: 3, labels: { team: "a" }, finalizers: ["ecs.operator.dev/drain"], managedFields: [{ manager: "kubectl" }], ...(annotations ? { annotations } : {}) },
    spec: { desiredCount: 2 },
    status: { runningCount: 2 },
  }) as KubeObject;

describe("leanEcsObject", () => {
  it.each<{ name: string; annotations: Record<string, string> | undefined; want: Record<string, string> | undefined }>([
    { name: "kubectl's last-applied copy and a big user annotation are dropped, ours kept", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}", "example.com/notes": "x".repeat(200_000), "ecs.operator.dev/force-new-deployment": "t1" }, want: { "ecs.operator.dev/force-new-deployment": "t1" } },
    { name: "only ours: kept as they are", annotations: { "ecs.operator.dev/stop-reason": "by user" }, want: { "ecs.operator.dev/stop-reason": "by user" } },
    { name: "only others': an empty map", annotations: { "argocd.argoproj.io/tracking-id": "app:ecs/Service:shop/web" }, want: {} },
    { name: "none: none", annotations: undefined, want: undefined },
  ])("$name", ({ annotations, want }) => {
    const lean = leanEcsObject(service(annotations));
    expect(lean.metadata?.annotations).toEqual(want);
    expect(lean.metadata?.managedFields).toBeUndefined();
    expect(lean.metadata).toMatchObject({ name: "web", namespace: "shop", uid: "u1", generation: 3, labels: { team: "a" }, finalizers: ["ecs.operator.dev/drain"] });
    expect(lean).toMatchObject({ spec: { desiredCount: 2 }, status: { runningCount: 2 } });
  });

  it("leaves the input object unchanged", () => {
    const input = service({ "example.com/a": "1" });
    const before = JSON.stringify(input);
    leanEcsObject(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});
