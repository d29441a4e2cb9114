// Watch predicates, row by row: which updates wake a watcher and which (heartbeats, resourceVersion-only writes,
// status timestamps) do not.
import { describe, expect, it } from "vitest";
import { SpecError } from "../../../src/api/spec-error.ts";
import {
  anyOf,
  deletionChanged,
  generationChanged,
  labelsChanged,
  nodeSchedulingChanged,
  podLifecycleChanged,
  specChanged,
  type UpdatePredicate,
} from "../../../src/runtime/predicates.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const aPod = (over: { phase?: string; ready?: string; node?: string; rv?: string; heartbeat?: string; container?: Record<string, unknown>; restarts?: number; labels?: Record<string, string>; deleting?: boolean } = {}): Obj => ({
  metadata: {
    name: "web-1",
    namespace: "ns",
    resourceVersion: over.rv ?? "1",
    labels: over.labels ?? { app: "web" },
    ...(over.deleting === true ? { deletionTimestamp: "2026-12-05T10:00:00Z" } : {}),
  },
  spec: { containers: [], ...(over.node === undefined ? {} : { nodeName: over.node }) },
  status: {
    phase: over.phase ?? "Running",
    conditions: [
      { type: "Ready", status: over.ready ?? "True", lastProbeTime: over.heartbeat ?? null },
      { type: "PodScheduled", status: "True" },
    ],
    containerStatuses: [{ name: "app", ready: over.ready !== "False", restartCount: over.restarts ?? 0, state: over.container ?? { running: { startedAt: "2026-12-05T09:00:00Z" } } }],
  },
});

const aNode = (over: { labels?: Record<string, string>; taints?: unknown[]; unschedulable?: boolean; ready?: string; heartbeat?: string; allocatable?: Record<string, string> } = {}): Obj => ({
  metadata: { name: "n1", labels: over.labels ?? { zone: "a" }, resourceVersion: over.heartbeat ?? "1" },
  spec: { ...(over.taints === undefined ? {} : { taints: over.taints }), ...(over.unschedulable === undefined ? {} : { unschedulable: over.unschedulable }) },
  status: {
    conditions: [{ type: "Ready", status: over.ready ?? "True", lastHeartbeatTime: over.heartbeat ?? "2026-12-05T09:00:00Z" }],
    allocatable: over.allocatable ?? { cpu: "4", memory: "16Gi" },
  },
});

const rows: { name: string; pred: UpdatePredicate; before: Obj; after: Obj; want: boolean }[] = [
  { name: "pod: only resourceVersion moved → no", pred: podLifecycleChanged, before: aPod(), after: aPod({ rv: "2" }), want: false },
  { name: "pod: a probe timestamp moved → no", pred: podLifecycleChanged, before: aPod(), after: aPod({ heartbeat: "2026-12-05T09:01:00Z" }), want: false },
  { name: "pod: phase Pending → Running → yes", pred: podLifecycleChanged, before: aPod({ phase: "Pending" }), after: aPod(), want: true },
  { name: "pod: became unready → yes", pred: podLifecycleChanged, before: aPod(), after: aPod({ ready: "False" }), want: true },
  { name: "pod: scheduled to a node → yes", pred: podLifecycleChanged, before: aPod(), after: aPod({ node: "n1" }), want: true },
  { name: "pod: a container terminated with exit code 1 → yes", pred: podLifecycleChanged, before: aPod(), after: aPod({ container: { terminated: { exitCode: 1, reason: "Error" } } }), want: true },
  { name: "pod: a container restarted → yes", pred: podLifecycleChanged, before: aPod(), after: aPod({ restarts: 1 }), want: true },
  { name: "pod: waiting reason changed (ErrImagePull → ImagePullBackOff) → yes", pred: podLifecycleChanged, before: aPod({ container: { waiting: { reason: "ErrImagePull" } } }), after: aPod({ container: { waiting: { reason: "ImagePullBackOff" } } }), want: true },
  { name: "pod: deletion started → yes", pred: podLifecycleChanged, before: aPod(), after: aPod({ deleting: true }), want: true },
  { name: "pod: labels changed → yes", pred: podLifecycleChanged, before: aPod(), after: aPod({ labels: { app: "web", extra: "1" } }), want: true },
  { name: "node: heartbeat only → no", pred: nodeSchedulingChanged, before: aNode(), after: aNode({ heartbeat: "2026-12-05T09:00:40Z" }), want: false },
  { name: "node: label changed → yes", pred: nodeSchedulingChanged, before: aNode(), after: aNode({ labels: { zone: "b" } }), want: true },
  { name: "node: tainted → yes", pred: nodeSchedulingChanged, before: aNode(), after: aNode({ taints: [{ key: "spot", effect: "NoSchedule" }] }), want: true },
  { name: "node: cordoned → yes", pred: nodeSchedulingChanged, before: aNode(), after: aNode({ unschedulable: true }), want: true },
  { name: "node: NotReady → yes", pred: nodeSchedulingChanged, before: aNode(), after: aNode({ ready: "False" }), want: true },
  { name: "node: allocatable changed → yes", pred: nodeSchedulingChanged, before: aNode(), after: aNode({ allocatable: { cpu: "8", memory: "16Gi" } }), want: true },
  { name: "generation same, status rewritten → no", pred: generationChanged, before: { metadata: { generation: 3 }, status: { a: 1 } }, after: { metadata: { generation: 3 }, status: { a: 2 } }, want: false },
  { name: "generation moved → yes", pred: generationChanged, before: { metadata: { generation: 3 } }, after: { metadata: { generation: 4 } }, want: true },
  { name: "specChanged: a kind with generation and only its status moved → no", pred: specChanged, before: { metadata: { generation: 1 }, spec: { a: 1 }, status: { x: 1 } }, after: { metadata: { generation: 1 }, spec: { a: 1 }, status: { x: 2 } }, want: false },
  { name: "specChanged: a kind without generation whose spec moved → yes", pred: specChanged, before: { metadata: {}, spec: { a: 1 } }, after: { metadata: {}, spec: { a: 2 } }, want: true },
  { name: "labelsChanged: same labels in another order → no", pred: labelsChanged, before: { metadata: { labels: { a: "1", b: "2" } } }, after: { metadata: { labels: { b: "2", a: "1" } } }, want: false },
  { name: "labelsChanged: a value changed → yes", pred: labelsChanged, before: { metadata: { labels: { a: "1" } } }, after: { metadata: { labels: { a: "2" } } }, want: true },
  { name: "deletionChanged: a finalizer removed → yes", pred: deletionChanged, before: { metadata: { finalizers: ["x"] } }, after: { metadata: { finalizers: [] } }, want: true },
  { name: "anyOf: passes when one passes", pred: anyOf(generationChanged, labelsChanged), before: { metadata: { generation: 1 } }, after: { metadata: { generation: 1, labels: { a: "b" } } }, want: true },
  { name: "anyOf: fails when none passes", pred: anyOf(generationChanged, labelsChanged), before: { metadata: { generation: 1 } }, after: { metadata: { generation: 1 } }, want: false },
];

describe("watch predicates", () => {
  it.each(rows)("$name", ({ pred, before, after, want }) => {
    expect(pred(before, after)).toBe(want);
  });
});

describe("SpecError", () => {
  it("says field: reason and carries the condition reason and column", () => {
    const e = new SpecError("spec.placementConstraints[0].expression", 'unexpected "&&" at column 3', "InvalidPlacement", 3);
    expect(e.message).toBe('spec.placementConstraints[0].expression: unexpected "&&" at column 3');
    expect([e.field, e.conditionReason, e.column]).toEqual(["spec.placementConstraints[0].expression", "InvalidPlacement", 3]);
  });
  it("a spec problem of no single field is the reason alone", () => {
    expect(new SpecError("", "capacity provider FARGATE is not available").message).toBe("capacity provider FARGATE is not available");
  });
  it("with() re-roots the field below spec and can change the condition reason", () => {
    const e = new SpecError("placementConstraints[1].type", "bad", "InvalidPlacement").with({ prefix: "spec.", conditionReason: "Other" });
    expect([e.message, e.conditionReason]).toEqual(["spec.placementConstraints[1].type: bad", "Other"]);
    expect(new SpecError("", "why").with({ prefix: "spec." }).field).toBe("spec");
  });
});
