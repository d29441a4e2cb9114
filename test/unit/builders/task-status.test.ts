// A task's ECS status from its pod: lifecycle, stop codes and reasons in ECS wording, containers, health, what
// survives the pod, the pod action, and the Task summary. One row per rule.
import type { V1ContainerStatus, V1Node, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { ContainerMapping } from "../../../src/builders/pod/template.ts";
import {
  computeTaskInstance,
  computeTaskStatus,
  podWaitingReason,
  taskPodAction,
  type TaskInstanceInput,
  type TaskInstanceStatus,
} from "../../../src/builders/task/status.ts";

const NOW = new Date("2026-11-22T10:00:00.000Z");
const T0 = "2026-11-22T09:59:00Z";
const essential = (name: string, fields: Partial<ContainerMapping> = {}): ContainerMapping => ({ name, container: name.replaceAll("_", "-"), essential: true, role: "container", ...fields });
const nonEssential = (name: string, fields: Partial<ContainerMapping> = {}): ContainerMapping => essential(name, { essential: false, ...fields });
const MAPPINGS = [essential("app"), nonEssential("log_router")];

type State = "running" | "unready" | "starting" | `exit:${number}` | `waiting:${string}` | "crashloop:1";
function containerState(name: string, state: State): V1ContainerStatus {
  const base = { name, image: `registry.example.com/${name}:1`, imageID: `registry.example.com/${name}@sha256:abc`, containerID: `containerd://${name}-id`, restartCount: 0 };
  if (state === "running" || state === "unready" || state === "starting") {
    return { ...base, ready: state === "running", started: state !== "starting", state: { running: { startedAt: new Date(T0) } } };
  }
  if (state.startsWith("exit:")) {
    const code = Number(state.slice(5));
    return { ...base, ready: false, started: false, state: { terminated: { exitCode: code, reason: code === 0 ? "Completed" : "Error", finishedAt: new Date("2026-11-22T09:59:30Z") } } };
  }
  if (state === "crashloop:1") {
    return { ...base, ready: false, started: false, restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1, reason: "Error" } } };
  }
  const reason = state.slice(8);
  return { ...base, ready: false, started: false, state: { waiting: { reason, message: `${reason} for registry.example.com/${name}:1` } } };
}

interface PodShape {
  phase?: string;
  node?: string | null;
  containers?: Record<string, State>;
  init?: Record<string, State>;
  deleting?: boolean;
  mappings?: ContainerMapping[];
  probes?: string[];
  reason?: string;
}
function aPod(shape: PodShape = {}): V1Pod {
  const mappings = shape.mappings ?? MAPPINGS;
  const containers = Object.entries(shape.containers ?? { app: "running", "log-router": "running" });
  const init = Object.entries(shape.init ?? {});
  return {
    metadata: {
      name: "nightly-0",
      creationTimestamp: new Date("2026-11-22T09:58:00Z"),
      annotations: { "ecs.operator.dev/containers": JSON.stringify(mappings) },
      ...(shape.deleting === true ? { deletionTimestamp: new Date(NOW) } : {}),
    },
    spec: {
      ...(shape.node === null ? {} : { nodeName: shape.node ?? "od-a-1" }),
      terminationGracePeriodSeconds: 45,
      containers: containers.map(([name]) => ({ name, image: `registry.example.com/${name}:1`, ...((shape.probes ?? []).includes(name) ? { readinessProbe: { exec: { command: ["true"] } } } : {}) })),
      ...(init.length > 0 ? { initContainers: init.map(([name]) => ({ name, image: `registry.example.com/${name}:1` })) } : {}),
    },
    status: {
      phase: shape.phase ?? "Running",
      startTime: new Date("2026-11-22T09:58:30Z"),
      ...(shape.reason === undefined ? {} : { reason: shape.reason }),
      ...(shape.node === null || shape.phase === "Pending" && shape.containers === undefined ? {} : { containerStatuses: containers.map(([n, s]) => containerState(n, s as State)) }),
      ...(init.length > 0 ? { initContainerStatuses: init.map(([n, s]) => containerState(n, s)) } : {}),
    },
  };
}
const aNode = (name = "od-a-1", fields: Partial<V1Node> = {}): V1Node => ({ metadata: { name, labels: { "topology.kubernetes.io/zone": "us-east-1a" } }, ...fields });

function instance(input: Partial<TaskInstanceInput> = {}): TaskInstanceStatus {
  return computeTaskInstance({ podName: "nightly-0", pod: aPod(), node: aNode(), spot: false, capacityProviderName: "EC2", previous: undefined, desiredStatus: "RUNNING", now: NOW, ...input });
}

describe("computeTaskInstance: lifecycle as the pod moves", () => {
  it.each<[string, Partial<TaskInstanceInput>, string]>([
    ["no pod yet → PROVISIONING", { pod: undefined, node: undefined }, "PROVISIONING"],
    ["a pod not scheduled yet → PROVISIONING", { pod: aPod({ node: null, phase: "Pending" }), node: undefined }, "PROVISIONING"],
    ["scheduled, containers not started → PENDING", { pod: aPod({ phase: "Pending" }) }, "PENDING"],
    ["an image pull still being tried (ErrImagePull) → PENDING", { pod: aPod({ phase: "Pending", containers: { app: "waiting:ErrImagePull", "log-router": "waiting:ContainerCreating" } }) }, "PENDING"],
    ["running, an essential container not yet past its startup probe → ACTIVATING", { pod: aPod({ containers: { app: "starting", "log-router": "running" } }) }, "ACTIVATING"],
    ["every essential container running → RUNNING", {}, "RUNNING"],
    ["an essential container running but unready (failing health check) → still RUNNING", { pod: aPod({ containers: { app: "unready", "log-router": "running" } }) }, "RUNNING"],
    ["a non-essential container exited → still RUNNING", { pod: aPod({ containers: { app: "running", "log-router": "exit:1" } }) }, "RUNNING"],
    ["an essential container exited, others still running → DEACTIVATING (the controller stops the pod next)", { pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) }, "DEACTIVATING"],
    ["stop recorded and the pod is being deleted with containers running → STOPPING", { pod: aPod({ deleting: true, containers: { app: "exit:1", "log-router": "running" } }) }, "STOPPING"],
    ["stop recorded, the pod deleting and every container stopped → DEPROVISIONING", { pod: aPod({ deleting: true, containers: { app: "exit:1", "log-router": "exit:143" } }) }, "DEPROVISIONING"],
    ["every container exited (pod Failed) → STOPPED", { pod: aPod({ phase: "Failed", containers: { app: "exit:1", "log-router": "exit:0" } }) }, "STOPPED"],
    ["the pod gone after the stop was recorded → STOPPED", { pod: undefined, previous: instance({ pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) }) }, "STOPPED"],
  ])("%s", (_n, input, want) => {
    expect(instance(input).lastStatus).toBe(want);
  });

  it("the lifecycle never goes back (a lagging cache shows the pod Pending after RUNNING was written)", () => {
    const running = instance();
    expect(instance({ pod: aPod({ phase: "Pending" }), previous: running }).lastStatus).toBe("RUNNING");
  });
});

describe("computeTaskInstance: stop codes and reasons in ECS wording", () => {
  // ECS (developer guide, task definition parameters, essential): "If the essential parameter of a container is
  // marked as false, then its failure does not affect the rest of the containers in a task."
  it.each<[string, Partial<TaskInstanceInput>]>([
    ["a non-essential container exits 1 → no stop code, the task stays RUNNING", { pod: aPod({ containers: { app: "running", "log-router": "exit:1" } }) }],
    ["a non-essential container exits 0 → no stop code", { pod: aPod({ containers: { app: "running", "log-router": "exit:0" } }) }],
    [
      "a crash-looping non-essential native sidecar → no stop code (only essential containers fail a task)",
      { pod: aPod({ containers: { app: "running" }, init: { envoy: "crashloop:1" }, mappings: [essential("app"), nonEssential("envoy", { role: "sidecar" })] }) },
    ],
    ["a non-essential container fails its health check → no stop code", { pod: aPod({ probes: ["log-router"], containers: { app: "running", "log-router": "unready" } }) }],
  ])("%s", (_n, input) => {
    const t = instance(input);
    expect(t.stopCode).toBeUndefined();
    expect(t).toMatchObject({ lastStatus: "RUNNING", desiredStatus: "RUNNING" });
  });

  it.each<[string, Partial<TaskInstanceInput>, Partial<TaskInstanceStatus>]>([
    ["an essential container exits 1 → EssentialContainerExited", { pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) }, { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", desiredStatus: "STOPPED", executionStoppedAt: "2026-11-22T09:59:30Z" }],
    ["an essential container exits 0 → EssentialContainerExited too (ECS stops the task whatever the code)", { pod: aPod({ containers: { app: "exit:0", "log-router": "running" } }) }, { stopCode: "EssentialContainerExited" }],
    [
      "an image that cannot be pulled (ImagePullBackOff) → TaskFailedToStart, CannotPullContainerError with kubelet's message",
      { pod: aPod({ phase: "Pending", containers: { app: "waiting:ImagePullBackOff", "log-router": "running" } }) },
      { stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: ImagePullBackOff for registry.example.com/app:1" },
    ],
    ["an invalid image name → TaskFailedToStart", { pod: aPod({ phase: "Pending", containers: { app: "waiting:InvalidImageName", "log-router": "running" } }) }, { stopCode: "TaskFailedToStart" }],
    [
      "a missing Secret or ConfigMap (CreateContainerConfigError) → TaskFailedToStart, ResourceInitializationError",
      { pod: aPod({ phase: "Pending", containers: { app: "waiting:CreateContainerConfigError", "log-router": "running" } }) },
      { stopCode: "TaskFailedToStart", stoppedReason: "ResourceInitializationError: CreateContainerConfigError for registry.example.com/app:1" },
    ],
    [
      "a SUCCESS dependency exits 1 → TaskFailedToStart naming the container and the dependency",
      {
        pod: aPod({ phase: "Failed", init: { migrate: "exit:1" }, containers: { app: "waiting:PodInitializing" }, mappings: [essential("app", { dependsOn: [{ container: "migrate", condition: "SUCCESS" }] }), nonEssential("migrate", { role: "init" })] }),
      },
      { stopCode: "TaskFailedToStart", stoppedReason: "CannotStartContainerError: container migrate exited with code 1, so the containers that depend on it (dependsOn SUCCESS) did not start" },
    ],
    ["spec.desiredStatus STOPPED → UserInitiated, 'Task stopped by user'", { desiredStatus: "STOPPED" }, { stopCode: "UserInitiated", stoppedReason: "Task stopped by user", desiredStatus: "STOPPED", lastStatus: "DEACTIVATING" }],
    ["StopTask with a reason → UserInitiated with that reason", { desiredStatus: "STOPPED", stopReason: "migration aborted" }, { stopCode: "UserInitiated", stoppedReason: "migration aborted" }],
    ["stopped before its pod was created → STOPPED at once, UserInitiated", { desiredStatus: "STOPPED", pod: undefined, node: undefined }, { stopCode: "UserInitiated", lastStatus: "STOPPED" }],
    ["its spot node deleted → SpotInterruption", { spot: true, node: undefined }, { stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted: node od-a-1 was reclaimed" }],
    [
      "its spot node tainted by the termination handler → SpotInterruption",
      { node: aNode("od-a-1", { metadata: { name: "od-a-1", labels: { "karpenter.sh/capacity-type": "spot" } }, spec: { taints: [{ key: "aws-node-termination-handler/spot-itn", effect: "NoSchedule" }] } }) },
      { stopCode: "SpotInterruption" },
    ],
    ["its on-demand node deleted → TerminationNotice, and STOPPED at once (the containers went with the node)", { node: undefined }, { stopCode: "TerminationNotice", stoppedReason: "Task stopped: node od-a-1 was removed", lastStatus: "STOPPED" }],
    ["the pod deleted by someone else → UserInitiated, saying so", { pod: aPod({ deleting: true }) }, { stopCode: "UserInitiated", stoppedReason: "Task stopped: pod nightly-0 was deleted outside the operator" }],
    [
      "the pod gone without a recorded stop on a spot provider → SpotInterruption",
      { pod: undefined, node: undefined, spot: true, previous: instance() },
      { stopCode: "SpotInterruption", lastStatus: "STOPPED" },
    ],
    ["a crash-looping essential native sidecar counts as exited (kubelet would restart it; ECS stops the task)", { pod: aPod({ containers: { app: "running" }, init: { envoy: "crashloop:1" }, mappings: [essential("app"), essential("envoy", { role: "sidecar" })] }) }, { stopCode: "EssentialContainerExited" }],
    [
      "an essential container with an ECS restartPolicy that exits → restarted in place, the task keeps RUNNING",
      { pod: aPod({ containers: { app: "crashloop:1" }, mappings: [essential("app", { restartPolicy: { enabled: true } })] }) },
      { lastStatus: "ACTIVATING" },
    ],
    [
      "an essential container with an ECS restartPolicy exiting with an ignored code → EssentialContainerExited",
      { pod: aPod({ containers: { app: "exit:0" }, mappings: [essential("app", { restartPolicy: { enabled: true, ignoredExitCodes: [0] } })] }) },
      { stopCode: "EssentialContainerExited" },
    ],
  ])("%s", (_n, input, want) => {
    expect(instance(input)).toMatchObject(want);
  });

  it("a restarting container's instance has no stop code", () => {
    expect(instance({ pod: aPod({ containers: { app: "crashloop:1" }, mappings: [essential("app", { restartPolicy: { enabled: true } })] }) }).stopCode).toBeUndefined();
  });

  it("the first recorded stop wins: a later user stop does not rewrite EssentialContainerExited", () => {
    const exited = instance({ pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) });
    const later = instance({ pod: undefined, previous: exited, desiredStatus: "STOPPED", now: new Date("2026-11-22T10:05:00Z") });
    expect(later).toMatchObject({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", lastStatus: "STOPPED", stoppingAt: "2026-11-22T10:00:00Z", stoppedAt: "2026-11-22T10:05:00Z" });
  });
});

describe("computeTaskInstance: containers, health and timestamps", () => {
  it("containers by ECS name with lastStatus, exitCode, image digest and runtime id", () => {
    const t = instance({ pod: aPod({ containers: { app: "running", "log-router": "exit:2" } }) });
    expect(t.containers).toEqual([
      { name: "app", image: "registry.example.com/app:1", imageDigest: "sha256:abc", runtimeId: "app-id", lastStatus: "RUNNING", healthStatus: "UNKNOWN" },
      { name: "log_router", image: "registry.example.com/log-router:1", imageDigest: "sha256:abc", runtimeId: "log-router-id", lastStatus: "STOPPED", exitCode: 2, healthStatus: "UNKNOWN" },
    ]);
  });

  it("once the pod is gone every container is STOPPED; the exit codes seen before are kept", () => {
    const exited = instance({ pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) });
    const gone = instance({ pod: undefined, previous: exited });
    expect(gone.containers?.map((c) => [c.name, c.lastStatus, c.exitCode])).toEqual([["app", "STOPPED", 1], ["log_router", "STOPPED", undefined]]);
  });

  it.each<[string, PodShape, string]>([
    ["no essential container has a health check → UNKNOWN", {}, "UNKNOWN"],
    ["the essential container's health check passes → HEALTHY", { probes: ["app"] }, "HEALTHY"],
    ["the essential container's health check fails → UNHEALTHY", { probes: ["app"], containers: { app: "unready", "log-router": "running" } }, "UNHEALTHY"],
    ["only a non-essential container is unhealthy → not counted (UNKNOWN)", { probes: ["log-router"], containers: { app: "running", "log-router": "unready" } }, "UNKNOWN"],
    ["an essential container not yet started → UNKNOWN", { probes: ["app"], containers: { app: "starting", "log-router": "running" } }, "UNKNOWN"],
    // ECS (Task.healthStatus): "If any essential containers in the task are reporting as UNHEALTHY or UNKNOWN, the task
    // status also reports as UNHEALTHY or UNKNOWN." An essential container without a check is UNKNOWN.
    [
      "one essential container HEALTHY, another essential one without a check (UNKNOWN) → UNKNOWN",
      { probes: ["app"], containers: { app: "running", "log-router": "running" }, mappings: [essential("app"), essential("log_router")] },
      "UNKNOWN",
    ],
    [
      "both essential containers checked and HEALTHY → HEALTHY",
      { probes: ["app", "log-router"], containers: { app: "running", "log-router": "running" }, mappings: [essential("app"), essential("log_router")] },
      "HEALTHY",
    ],
    ["UNHEALTHY wins over UNKNOWN", { probes: ["app"], containers: { app: "unready", "log-router": "running" }, mappings: [essential("app"), essential("log_router")] }, "UNHEALTHY"],
  ])("healthStatus: %s", (_n, shape, want) => {
    expect(instance({ pod: aPod(shape) }).healthStatus).toBe(want);
  });

  it('per container: HEALTHY / UNHEALTHY from its check, UNKNOWN without one (ECS: "there\'s no container health check defined")', () => {
    const t = instance({ pod: aPod({ probes: ["app"], containers: { app: "unready", "log-router": "running" } }) });
    expect(t.containers?.map((c) => [c.name, c.healthStatus])).toEqual([["app", "UNHEALTHY"], ["log_router", "UNKNOWN"]]);
  });

  it("timestamps: createdAt from the pod, pull start/stop from kubelet, startedAt when RUNNING, zone from the node", () => {
    expect(instance()).toMatchObject({
      createdAt: "2026-11-22T09:58:00Z",
      pullStartedAt: "2026-11-22T09:58:30Z",
      pullStoppedAt: "2026-11-22T09:59:00Z",
      startedAt: "2026-11-22T09:59:00Z",
      availabilityZone: "us-east-1a",
      capacityProviderName: "EC2",
    });
  });

  it("timestamps are kept from the previous status (first observation wins)", () => {
    const first = instance();
    const later = instance({ previous: first, now: new Date("2026-11-22T11:00:00Z"), pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) });
    expect(later).toMatchObject({ createdAt: first.createdAt, startedAt: first.startedAt, stoppingAt: "2026-11-22T11:00:00Z" });
  });

  it("with no pod yet and no previous status, the containers come from the mappings given", () => {
    expect(instance({ pod: undefined, node: undefined, containers: MAPPINGS }).containers).toEqual([{ name: "app", lastStatus: "PENDING" }, { name: "log_router", lastStatus: "PENDING" }]);
  });
});

describe("computeTaskInstance: idempotent", () => {
  // A resync that observes the same pod again must compute the status it wrote, so nothing is written.
  it.each<[string, Partial<TaskInstanceInput>]>([
    ["RUNNING", {}],
    ["PENDING", { pod: aPod({ phase: "Pending" }) }],
    ["DEACTIVATING after an essential exit", { pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) }],
    ["STOPPED (pod Failed)", { pod: aPod({ phase: "Failed", containers: { app: "exit:1", "log-router": "exit:0" } }) }],
    ["PROVISIONING", { pod: undefined, node: undefined, containers: MAPPINGS }],
    ["TaskFailedToStart", { pod: aPod({ phase: "Pending", containers: { app: "waiting:ImagePullBackOff", "log-router": "running" } }) }],
  ])("%s: computing again from its own result (later) gives the same status", (_n, input) => {
    const first = instance(input);
    expect(instance({ ...input, previous: first, now: new Date("2026-11-22T10:00:30Z") })).toEqual(first);
  });
});

describe("taskPodAction", () => {
  const TTL = 3600;
  it.each<[string, Partial<TaskInstanceInput>, V1Pod | undefined, unknown]>([
    ["PROVISIONING without a pod → create it", { pod: undefined, node: undefined }, undefined, { type: "create" }],
    ["RUNNING → nothing", {}, aPod(), { type: "none" }],
    ["an essential container exited → stop: delete with the task's stop timeout", { pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) }, aPod({ containers: { app: "exit:1", "log-router": "running" } }), { type: "stop", gracePeriodSeconds: 45 }],
    ["user stop → stop with the stop timeout", { desiredStatus: "STOPPED" }, aPod(), { type: "stop", gracePeriodSeconds: 45 }],
    ["the node gone (task STOPPED, pod never finished) → delete the pod at once (no kubelet will confirm a graceful stop)", { node: undefined }, aPod(), { type: "stop", gracePeriodSeconds: 0 }],
    ["a pod already being deleted → nothing", { pod: aPod({ deleting: true }) }, aPod({ deleting: true }), { type: "none" }],
    ["a pod whose task is gone and STOPPED → nothing to create", { pod: undefined, previous: instance({ pod: aPod({ containers: { app: "exit:1", "log-router": "running" } }) }) }, undefined, { type: "none" }],
  ])("%s", (_n, input, pod, want) => {
    expect(taskPodAction(instance(input), pod, NOW, TTL)).toEqual(want);
  });

  it("a STOPPED task's pod is kept for the retention, then removed", () => {
    const failed = aPod({ phase: "Failed", containers: { app: "exit:1", "log-router": "exit:0" } });
    const stopped = instance({ pod: failed });
    expect(stopped.stoppedAt).toBe("2026-11-22T10:00:00Z");
    expect(taskPodAction(stopped, failed, NOW, TTL)).toEqual({ type: "none", requeueAfterMs: 3_600_000 });
    expect(taskPodAction(stopped, failed, new Date("2026-11-22T11:00:00Z"), TTL)).toEqual({ type: "remove" });
  });
});

describe("computeTaskStatus", () => {
  const base = { generation: 1, previous: undefined, taskDefinition: "batch:4", cluster: "default", group: "family:batch", desiredStatus: "RUNNING" as const, now: NOW };
  const running = instance();
  const exited = instance({ podName: "nightly-1", pod: aPod({ phase: "Failed", containers: { app: "exit:1", "log-router": "exit:0" } }) });
  const pending = instance({ podName: "nightly-2", pod: aPod({ phase: "Pending" }) });

  it("one entry per task, counts, and the least advanced live task as lastStatus", () => {
    const s = computeTaskStatus({ ...base, tasks: [running, exited, pending] });
    expect(s).toMatchObject({ lastStatus: "PENDING", desiredStatus: "RUNNING", runningCount: 1, pendingCount: 1, taskDefinition: "batch:4", observedGeneration: 1 });
    expect(s.tasks).toHaveLength(3);
    expect(s.stopCode).toBeUndefined();
    expect(s.conditions?.find((c) => c.type === "Reconciling")).toMatchObject({ status: "True", reason: "TasksStarting" });
  });

  it("a task the scheduler cannot place says why in the Reconciling message", () => {
    const unplaced = instance({ pod: aPod({ node: null, phase: "Pending" }), node: undefined });
    const pod = aPod({ node: null, phase: "Pending" });
    pod.status = Object.assign({}, pod.status, { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/9 nodes are available: 9 Insufficient memory." }] });
    const why = podWaitingReason(pod);
    expect(why).toBe("Unschedulable: 0/9 nodes are available: 9 Insufficient memory.");
    const s = computeTaskStatus({ ...base, tasks: [unplaced], waiting: { "nightly-0": why ?? "" } });
    expect(s.conditions?.find((c) => c.type === "Reconciling")?.message).toBe("0 of 1 tasks RUNNING; nightly-0 PROVISIONING (Unschedulable: 0/9 nodes are available: 9 Insufficient memory.)");
  });

  it("all RUNNING → Ready True", () => {
    const s = computeTaskStatus({ ...base, tasks: [running] });
    expect(s.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "TasksRunning", message: "1 of 1 tasks RUNNING" });
  });

  it("all STOPPED → STOPPED with the first stop's code and reason; Ready False, reason TaskStopped; not Reconciling", () => {
    const s = computeTaskStatus({ ...base, tasks: [exited] });
    expect(s).toMatchObject({ lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", stoppedAt: "2026-11-22T10:00:00Z" });
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([["Ready", "False", "TaskStopped"], ["Reconciling", "False", "TaskStopped"], ["Stalled", "False", "TaskStopped"]]);
  });
});
