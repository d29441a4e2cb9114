// planTask, knative TableTest style: each row is a world (the Task, its task definition, its pods, the nodes, the
// status this process wrote) at a time, and what the plan must do: the pods it creates and deletes, the status
// (a subset), the events, or the SpecError. Pods in a row are the ones planTask itself creates, moved on by kubelet.
import type { V1ContainerStatus, V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { SpecError } from "../../../src/api/spec-error.ts";
import type { TaskStatus } from "../../../src/api/task.ts";
import { buildControllerRevision, normalizeRevisionSpec } from "../../../src/builders/task-definition/revision.ts";
import { CAPACITY_PROVIDER_LABEL, MANAGED_BY, MANAGED_BY_LABEL, STOP_REASON_ANNOTATION } from "../../../src/api/keys.ts";
import { resolveCapacity } from "../../../src/builders/capacity/resolution.ts";
import type { TaskObject } from "../../../src/controllers/ecs-resources.ts";
import { taskPodChanged } from "../../../src/controllers/task/controller.ts";
import { planTask, renderTask, type ObservedTask, type TaskPlan } from "../../../src/controllers/task/plan.ts";
import type { PodObject } from "../../../src/controllers/task/resources.ts";
import { lookupOf, resolveTaskDefinitionRef } from "../../../src/controllers/task-definition/resolver.ts";
import type { TaskDefinitionObject } from "../../../src/controllers/task-definition/resources.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";

// ---------------------------------------------------------------- fixtures that read like sentences

const T0 = new Date("2026-03-01T10:00:00Z");
const seconds = (n: number): Date => new Date(T0.getTime() + n * 1000);
const NODES: V1Node[] = TEST_NODES.map(buildNode);
const OPTIONS = { ttlSecondsAfterStopped: 3600, recheckMs: 30_000 };

type Fields = Record<string, unknown>;
const container = (name: string, fields: Fields = {}): Fields => ({ name, image: `registry.example.com/${name}:1`, memory: 256, ...fields });

/** TaskDefinition `batch` with revision 1 registered, as the TaskDefinition controller leaves it. */
function aTaskDefinition(containers: Fields[] = [container("app")], fields: Fields = {}): { td: TaskDefinitionObject; revision: KubeObject } {
  const spec = { family: "batch", containerDefinitions: containers, ...fields } as unknown as TaskDefinitionObject["spec"];
  const td: TaskDefinitionObject = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "batch", namespace: "jobs", uid: "td-uid" }, spec };
  const revision = buildControllerRevision({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", name: "batch", namespace: "jobs", uid: "td-uid" }, "batch", 1, normalizeRevisionSpec(spec, "batch"));
  return { td, revision: revision };
}

/** Task `migrate` in namespace jobs running task definition `batch`. */
function aTask(spec: Fields = {}, more: { annotations?: Record<string, string>; status?: TaskStatus; deleting?: boolean } = {}): TaskObject {
  return {
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind: "Task",
    metadata: {
      name: "migrate",
      namespace: "jobs",
      uid: "task-uid",
      generation: 1,
      ...(more.annotations === undefined ? {} : { annotations: more.annotations }),
      ...(more.deleting === true ? { deletionTimestamp: T0.toISOString() } : {}),
    },
    spec: { taskDefinition: "batch", ...spec },
    ...(more.status === undefined ? {} : { status: more.status }),
  };
}

interface World {
  task: TaskObject;
  taskDefinition?: { td: TaskDefinitionObject; revision: KubeObject } | undefined;
  pods?: PodObject[];
  nodes?: V1Node[];
  written?: TaskStatus;
  serviceAccount?: KubeObject;
}

function observe(w: World): ObservedTask {
  const tds = w.taskDefinition === undefined ? [] : [w.taskDefinition.td];
  const revs = w.taskDefinition === undefined ? [] : [w.taskDefinition.revision];
  const previous = w.written ?? w.task.status;
  return {
    task: w.task,
    written: w.written,
    taskDefinition: resolveTaskDefinitionRef(previous?.taskDefinition ?? w.task.spec.taskDefinition, "jobs", lookupOf(tds, revs)),
    capacity: resolveCapacity("jobs", w.task.spec, undefined, []),
    pods: w.pods ?? [],
    nodes: w.nodes ?? NODES,
    taskRoleServiceAccount: w.serviceAccount,
  };
}

const plan = (w: World, now: Date = T0): TaskPlan => planTask(observe(w), now, OPTIONS);

/** The one element of a list a fixture expects (a failed expectation, not a crash, when it is missing). */
function only<T>(xs: readonly T[], i = 0): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`fixture: no element ${i}`);
  return x;
}

/** The pods the plan creates for `task`, as the API server stores them (with a uid). */
function createdPods(task: TaskObject, td = aTaskDefinition()): PodObject[] {
  return plan({ task, taskDefinition: td }).creates.map((c, i) => {
    const pod = structuredClone(c.pod) as PodObject;
    if (pod.metadata !== undefined) pod.metadata.uid = `pod-uid-${i}`;
    return pod;
  });
}

const runningState = (name: string): V1ContainerStatus => ({ name, image: `registry.example.com/${name}:1`, imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: seconds(5) } } });

/** The pod bound to `node`, every container running. */
function running(pod: PodObject, node = "od-a-1"): PodObject {
  const p = structuredClone(pod);
  const names = (p.spec?.containers ?? []).map((c) => c.name);
  if (p.spec !== undefined) p.spec.nodeName = node;
  p.status = {
    phase: "Running",
    startTime: seconds(1),
    conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "True" }],
    containerStatuses: names.map(runningState),
  };
  return p;
}

/** Moves container `name` of the pod to `state` (and not ready). */
function withContainer(pod: PodObject, name: string, state: V1ContainerStatus["state"], phase?: string): PodObject {
  const p = structuredClone(pod);
  for (const s of p.status?.containerStatuses ?? []) {
    if (s.name !== name) continue;
    s.ready = false;
    s.started = false;
    s.state = state;
  }
  if (phase !== undefined && p.status !== undefined) p.status.phase = phase;
  return p;
}

/** Container `name` of the pod exited with `code`. */
const exited = (pod: PodObject, name: string, code: number): PodObject =>
  withContainer(pod, name, { terminated: { exitCode: code, reason: code === 0 ? "Completed" : "Error", startedAt: seconds(5), finishedAt: seconds(60) } });

/** Kubelet cannot pull container `name`'s image. */
const pullFailing = (pod: PodObject, name: string): PodObject => withContainer(pod, name, { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "registry.example.com/${name}:1"` } }, "Pending");

/** Every container ran to the end (exit 0): the pod Succeeded. */
function succeeded(pod: PodObject): PodObject {
  let p = pod;
  for (const c of pod.spec?.containers ?? []) p = exited(p, c.name, 0);
  return withContainer(p, "", undefined, "Succeeded");
}

/** The nodes, with `name` tainted by the interruption handler before the reclaim. */
function reclaimed(name: string): V1Node[] {
  return NODES.map((n) => {
    if (n.metadata?.name !== name) return n;
    const node = structuredClone(n);
    node.spec = { taints: [...(n.spec?.taints ?? []), { key: "karpenter.sh/disrupted", effect: "NoSchedule" }] };
    return node;
  });
}

/** A pod of `owner` (another controller) under the Task's pod name. */
function ownedBy(pod: PodObject, owner: { kind: string; name: string }): PodObject {
  const p = structuredClone(pod);
  if (p.metadata !== undefined) p.metadata.ownerReferences = [{ apiVersion: "batch/v1", kind: owner.kind, name: owner.name, uid: "other-uid", controller: true }];
  return p;
}

/** The status the plan writes for a world, as a later pass reads it back. */
const statusAfter = (w: World, now: Date = T0): TaskStatus => statusOf(plan(w, now));
function statusOf(p: TaskPlan): TaskStatus {
  if (p.status === undefined) throw new Error("fixture: no status planned");
  return p.status;
}

const TD = aTaskDefinition([container("app", { stopTimeout: 120 }), container("log-router", { essential: false })]);
const FARGATE_TD = aTaskDefinition([container("app")], { cpu: "256", memory: "512", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc" });
const byProvider = (strategy: Fields[]): TaskObject => aTask({ count: 4, capacityProviderStrategy: strategy });
const running0 = running(only(createdPods(aTask(), TD)));
const firstStatus = statusAfter({ task: aTask(), taskDefinition: TD });
const runningStatus = statusAfter({ task: aTask(), taskDefinition: TD, written: firstStatus, pods: [running0] });
/** The status once the task stopped (its essential container exited at T0). */
const stoppedStatus: TaskStatus = {
  ...runningStatus,
  tasks: [{ ...only(runningStatus.tasks ?? []), lastStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", stoppedAt: "2026-03-01T10:00:00Z" }],
};
const SPOT = { capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] };

// ---------------------------------------------------------------- the table

interface Row {
  name: string;
  world: World;
  now?: Date;
  wantCreates?: [pod: string, capacityProvider: string][];
  wantDeletes?: { podName: string; gracePeriodSeconds: number; why: "stop" | "retention" }[];
  wantStatus?: Fields;
  wantEvents?: string[];
  wantRequeueMs?: number | undefined;
}

const rows: Row[] = [
  {
    name: "a new Task: one pod, status PROVISIONING written first, a TaskStarted event",
    world: { task: aTask(), taskDefinition: TD },
    wantCreates: [["migrate-0", "EC2"]],
    wantStatus: { lastStatus: "PROVISIONING", taskDefinition: "batch:1", pendingCount: 1, tasks: [{ podName: "migrate-0", lastStatus: "PROVISIONING" }] },
    wantEvents: ["Normal TaskStarted RunTask"],
    wantRequeueMs: 30_000,
  },
  {
    name: "count 3 → 3 pods, one per task, named <task>-<index>",
    world: { task: aTask({ count: 3 }), taskDefinition: TD },
    wantCreates: [["migrate-0", "EC2"], ["migrate-1", "EC2"], ["migrate-2", "EC2"]],
    wantStatus: { pendingCount: 3 },
    wantEvents: ["Normal TaskStarted RunTask", "Normal TaskStarted RunTask", "Normal TaskStarted RunTask"],
  },
  {
    name: "FARGATE weight 1 and FARGATE_SPOT weight 3 split count 4 as ECS does: 1 and 3",
    world: { task: byProvider([{ capacityProvider: "FARGATE", weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 3 }]), taskDefinition: FARGATE_TD },
    wantCreates: [["migrate-0", "FARGATE"], ["migrate-1", "FARGATE_SPOT"], ["migrate-2", "FARGATE_SPOT"], ["migrate-3", "FARGATE_SPOT"]],
    wantStatus: { launchType: "FARGATE", cpu: "256", memory: "512" },
    wantEvents: Array<string>(4).fill("Normal TaskStarted RunTask"),
  },
  {
    name: "every container running → RUNNING, nothing written to pods, no requeue",
    world: { task: aTask(), taskDefinition: TD, written: firstStatus, pods: [running0] },
    wantStatus: { lastStatus: "RUNNING", runningCount: 1, tasks: [{ lastStatus: "RUNNING", availabilityZone: "us-east-1a" }] },
    wantRequeueMs: undefined,
  },
  {
    name: "the essential container exits → EssentialContainerExited, the others stopped with the stop timeout (120 s)",
    world: { task: aTask(), taskDefinition: TD, written: runningStatus, pods: [exited(running0, "app", 1)] },
    wantDeletes: [{ podName: "migrate-0", gracePeriodSeconds: 120, why: "stop" }],
    wantStatus: { tasks: [{ lastStatus: "DEACTIVATING", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }] },
    wantEvents: ["Warning EssentialContainerExited StopTask"],
  },
  {
    name: "a non-essential container exits → the task stays RUNNING, no pod touched",
    world: { task: aTask(), taskDefinition: TD, written: runningStatus, pods: [exited(running0, "log-router", 1)] },
    wantStatus: { lastStatus: "RUNNING", tasks: [{ lastStatus: "RUNNING", desiredStatus: "RUNNING" }] },
  },
  {
    name: "an image that cannot be pulled → TaskFailedToStart with CannotPullContainerError",
    world: { task: aTask(), taskDefinition: TD, written: firstStatus, pods: [pullFailing(running0, "app")] },
    wantDeletes: [{ podName: "migrate-0", gracePeriodSeconds: 120, why: "stop" }],
    wantStatus: { tasks: [{ stopCode: "TaskFailedToStart", stoppedReason: expect.stringMatching(/^CannotPullContainerError: /) as unknown }] },
    wantEvents: ["Warning TaskFailedToStart StopTask"],
  },
  {
    name: "desiredStatus STOPPED (StopTask) → UserInitiated with the reason annotation, a Normal event",
    world: { task: aTask({ desiredStatus: "STOPPED" }, { annotations: { [STOP_REASON_ANNOTATION]: "maintenance window" } }), taskDefinition: TD, written: runningStatus, pods: [running0] },
    wantDeletes: [{ podName: "migrate-0", gracePeriodSeconds: 120, why: "stop" }],
    wantStatus: { desiredStatus: "STOPPED", tasks: [{ stopCode: "UserInitiated", stoppedReason: "maintenance window" }] },
    wantEvents: ["Normal UserInitiated StopTask"],
  },
  {
    name: "a Task stopped before it started creates nothing and needs no task definition",
    world: { task: aTask({ desiredStatus: "STOPPED" }) },
    wantStatus: { desiredStatus: "STOPPED" },
  },
  {
    name: "its spot node is reclaimed (interruption taint) → SpotInterruption, the pod stopped",
    world: { task: aTask(SPOT), taskDefinition: FARGATE_TD, pods: [running(only(createdPods(aTask(SPOT), FARGATE_TD)), "fargate-a-1")], nodes: reclaimed("fargate-a-1") },
    wantDeletes: [{ podName: "migrate-0", gracePeriodSeconds: 30, why: "stop" }],
    wantStatus: { tasks: [{ stopCode: "SpotInterruption", stoppedReason: expect.stringContaining("fargate-a-1") as unknown }] },
    wantEvents: ["Warning SpotInterruption StopTask"],
  },
  {
    name: "a stopped task's pod is kept during its retention, and the plan wakes when it ends",
    world: { task: aTask(), taskDefinition: TD, written: stoppedStatus, pods: [succeeded(running0)] },
    now: seconds(600),
    wantStatus: { lastStatus: "STOPPED", stopCode: "EssentialContainerExited" },
    wantRequeueMs: 3000_000,
  },
  {
    name: "after ttlSecondsAfterStopped the stopped task's pod is removed (grace 0); the Task keeps its final status",
    world: { task: aTask(), taskDefinition: TD, written: stoppedStatus, pods: [succeeded(running0)] },
    now: seconds(3601),
    wantDeletes: [{ podName: "migrate-0", gracePeriodSeconds: 0, why: "retention" }],
    wantStatus: { lastStatus: "STOPPED", stopCode: "EssentialContainerExited" },
  },
  {
    name: "after a restart (no memory) with the pod cached: no second pod",
    world: { task: aTask({}, { status: firstStatus }), taskDefinition: TD, pods: [running0] },
    wantStatus: { lastStatus: "RUNNING" },
  },
  {
    name: "after a restart with the stop recorded and the pod gone: the stop is kept, nothing is created",
    world: { task: aTask({}, { status: stoppedStatus }), taskDefinition: TD },
    now: seconds(4000),
    wantStatus: { lastStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" },
  },
  {
    name: "a Task being deleted: nothing to do, its memory forgotten (owner references take the pods)",
    world: { task: aTask({}, { deleting: true }), taskDefinition: TD, written: runningStatus, pods: [running0] },
  },
];

describe("planTask", () => {
  it.each(rows)("$name", ({ world, now, wantCreates = [], wantDeletes = [], wantStatus, wantEvents = [], ...row }) => {
    const p = plan(world, now);
    expect(p.creates.map((c) => [c.pod.metadata.name, c.pod.metadata.labels[CAPACITY_PROVIDER_LABEL]])).toEqual(wantCreates);
    expect(p.deletes.map(({ podName, gracePeriodSeconds, why }) => ({ podName, gracePeriodSeconds, why }))).toEqual(wantDeletes);
    if (wantStatus === undefined) expect(p.status).toBeUndefined();
    else expect(p.status).toMatchObject(wantStatus);
    expect(p.events.map((e) => `${e.type} ${e.reason} ${e.action}`)).toEqual(wantEvents);
    if ("wantRequeueMs" in row) expect(p.next.requeueAfterMs).toBe(row.wantRequeueMs);
  });

  it("the status it computes is remembered as written, and a resync of the same world writes nothing", () => {
    const first = plan({ task: aTask(), taskDefinition: TD });
    expect(first.writeStatus).toBe(true);
    expect(first.written).toEqual(first.status);
    const pods = createdPods(aTask(), TD);
    const seen = plan({ task: aTask({}, { status: statusOf(first) }), taskDefinition: TD, written: statusOf(first), pods }, seconds(1));
    expect(seen.writeStatus).toBe(true);
    const resync = plan({ task: aTask({}, { status: statusOf(seen) }), taskDefinition: TD, written: statusOf(seen), pods }, seconds(2));
    expect(resync.writeStatus).toBe(false);
    expect([resync.creates, resync.deletes, resync.events, resync.serviceAccounts]).toEqual([[], [], [], []]);
  });

  it("the cache still holds an older status than the one this process wrote: the same world writes nothing again", () => {
    const first = plan({ task: aTask(), taskDefinition: TD });
    const pods = createdPods(aTask(), TD);
    const seen = plan({ task: aTask({}, { status: statusOf(first) }), taskDefinition: TD, written: statusOf(first), pods }, seconds(1));
    // The cache lags: it still shows the first status, while this process has written `seen`'s.
    const lagging = plan({ task: aTask({}, { status: statusOf(first) }), taskDefinition: TD, written: statusOf(seen), pods }, seconds(2));
    expect(lagging.writeStatus).toBe(false);
  });

  it("a pod created but not yet in the cache is planned again under the same name, so the API server refuses a second", () => {
    const first = plan({ task: aTask(), taskDefinition: TD });
    const replay = plan({ task: aTask({}, { status: statusOf(first) }), taskDefinition: TD }, seconds(1));
    expect(replay.creates.map((c) => c.pod.metadata.name)).toEqual(first.creates.map((c) => c.pod.metadata.name));
  });

  it("the revision is pinned: once status names batch:1, a newer registration does not move the Task", () => {
    const p = plan({ task: aTask({ taskDefinition: "batch:7" }, { status: firstStatus }), taskDefinition: TD, pods: [running0] });
    expect(p.status?.taskDefinition).toBe("batch:1");
  });

  it.each<[string, World, string, RegExp]>([
    ["no TaskDefinition registers the family → TaskDefinitionNotFound naming spec.taskDefinition", { task: aTask() }, "TaskDefinitionNotFound", /^spec\.taskDefinition "batch": no TaskDefinition in namespace jobs registers the family "batch"/],
    ["a revision that is not registered → TaskDefinitionNotFound listing the registered ones", { task: aTask({ taskDefinition: "batch:9" }), taskDefinition: TD }, "TaskDefinitionNotFound", /has no revision 9 \(registered: 1\)/],
    ["a pod of that name another controller owns → NotOwned (never adopted)", { task: aTask(), taskDefinition: TD, pods: [ownedBy(running0, { kind: "Job", name: "migrate" })] }, "NotOwned", /pod migrate-0 exists and is not this Task's \(its controller is Job migrate\)/],
    ["a Cluster named in spec.cluster that does not exist → CapacityUnavailable", { task: aTask({ cluster: "prod" }), taskDefinition: TD }, "CapacityUnavailable", /spec\.cluster: Cluster "prod" not found in namespace jobs/],
  ])("%s", (_name, world, reason, message) => {
    let err: unknown;
    try {
      plan(world);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).conditionReason).toBe(reason);
    expect((err as SpecError).message).toMatch(message);
  });

  describe("the task role's ServiceAccount", () => {
    const ROLE_TD = aTaskDefinition([container("app")], { taskRoleArn: "arn:aws:iam::123456789012:role/migrator" });
    it("is planned before the pods, owned by the TaskDefinition (so it goes with it)", () => {
      const p = plan({ task: aTask({ count: 2 }), taskDefinition: ROLE_TD });
      expect(p.serviceAccounts).toHaveLength(1);
      expect(p.serviceAccounts[0]).toMatchObject({
        metadata: { name: "migrator", namespace: "jobs", labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, ownerReferences: [{ apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", name: "batch", uid: "td-uid" }] },
      });
      expect(p.creates[0]?.pod.spec?.serviceAccountName).toBe("migrator");
    });
    it("a Task's taskRoleArn override decides the ServiceAccount", () => {
      const p = plan({ task: aTask({ overrides: { taskRoleArn: "arn:aws:iam::123456789012:role/auditor" } }), taskDefinition: ROLE_TD });
      expect(p.serviceAccounts.map((sa) => sa.metadata.name)).toEqual(["auditor"]);
      expect(p.creates[0]?.pod.spec?.serviceAccountName).toBe("auditor");
    });
    it("a user's own ServiceAccount of that name is left alone", () => {
      const p = plan({ task: aTask(), taskDefinition: ROLE_TD, serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "migrator", namespace: "jobs" } } });
      expect(p.serviceAccounts).toEqual([]);
      expect(p.creates).toHaveLength(1);
    });
  });
});

describe("renderTask", () => {
  it("the pods planTask would create against an empty cluster, and the ServiceAccount", () => {
    const ROLE_TD = aTaskDefinition([container("app")], { taskRoleArn: "arn:aws:iam::123456789012:role/migrator" });
    const out = renderTask(aTask({ count: 2 }), { taskDefinitions: [ROLE_TD.td] });
    expect(out.objects.map((o) => `${o.kind}/${o.metadata?.name ?? ""}`)).toEqual(["ServiceAccount/migrator", "Pod/migrate-0", "Pod/migrate-1"]);
    expect(out.objects[1]?.metadata?.labels?.[CAPACITY_PROVIDER_LABEL]).toBe("EC2");
  });
  it("the FARGATE split is rendered as the controller places it", () => {
    const out = renderTask(byProvider([{ capacityProvider: "FARGATE", weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 3 }]), { taskDefinitions: [FARGATE_TD.td] });
    expect(out.objects.map((o) => o.metadata?.labels?.[CAPACITY_PROVIDER_LABEL])).toEqual(["FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT"]);
  });
  it("a task definition the manifests do not hold is the same SpecError the controller shows", () => {
    expect(() => renderTask(aTask(), { taskDefinitions: [] })).toThrow(/spec\.taskDefinition "batch": no TaskDefinition in namespace jobs/);
  });
});

describe("what wakes a Task (taskPodChanged)", () => {
  const heartbeat = (pod: PodObject): PodObject => {
    const p = structuredClone(pod);
    if (p.metadata !== undefined) p.metadata.resourceVersion = "999";
    for (const c of p.status?.conditions ?? []) c.lastProbeTime = seconds(30);
    return p;
  };
  const notStarted = (pod: PodObject): PodObject => {
    const p = structuredClone(pod);
    for (const c of p.status?.containerStatuses ?? []) c.started = false;
    return p;
  };
  it.each<[string, PodObject, PodObject, boolean]>([
    ["a kubelet heartbeat (probe time, resourceVersion): no", running0, heartbeat(running0), false],
    ["the essential container exits: yes", running0, exited(running0, "app", 1), true],
    ["an image pull fails: yes", running0, pullFailing(running0, "app"), true],
    ["a container passes its startup probe (started): yes", notStarted(running0), running0, true],
  ])("%s", (_name, before, after, want) => {
    expect(taskPodChanged(before, after)).toBe(want);
  });
});
