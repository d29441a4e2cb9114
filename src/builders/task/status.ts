// A task's ECS status (DescribeTasks) as a pure function of its pod, the pod's node, the status written before
// and the time: the lifecycle PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING →
// DEPROVISIONING → STOPPED, the containers, the health roll-up, and the stop code and reason in ECS wording. What
// must outlive the pod (why and when it stopped) is carried over from the previous status, so the controller
// writes it before it deletes the pod. Also what the controller does with the pod next (taskPodAction), and the
// Task's summary over its `count` tasks (computeTaskStatus). See docs/tasks.md.
import type { V1ContainerStatus, V1Node, V1Pod } from "@kubernetes/client-node";
import { type StopCode, type TaskLastStatus, TaskReason, type TaskStatus } from "../../api/task.ts";
import { setCondition, type Condition } from "../../runtime/conditions.ts";
import { type ContainerMapping } from "../pod/template.ts";
import { interruptionOf } from "../capacity/spot-interruption.ts";
import { CONTAINERS_ANNOTATION, ZONE_LABEL } from "../../api/keys.ts";
import { kubeTime } from "../../api/time.ts";
import type { Wire } from "../../runtime/resources.ts";
export type TaskInstanceStatus = NonNullable<TaskStatus["tasks"]>[number];
export type TaskContainerStatus = NonNullable<TaskInstanceStatus["containers"]>[number];

const ESSENTIAL_CONTAINER_EXITED = "Essential container in task exited";
const DEFAULT_USER_STOP_REASON = "Task stopped by user";

const ORDER: readonly TaskLastStatus[] = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"];

/** Waiting reasons after which kubelet will not get the image without a change: ECS's CannotPullContainerError. */
const PULL_FAILURES = new Set(["ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable", "SignatureValidationFailed"]);
/** Waiting reasons that mean the container cannot be created as specified (a missing Secret or ConfigMap ...). */
const START_FAILURES: Readonly<Record<string, string>> = {
  CreateContainerConfigError: "ResourceInitializationError",
  CreateContainerError: "CannotCreateContainerError",
  RunContainerError: "CannotStartContainerError",
  PreCreateHookError: "CannotCreateContainerError",
  PreStartHookError: "CannotStartContainerError",
};

export interface TaskInstanceInput {
  readonly podName: string;
  /** The pod as cached; undefined when it does not exist (not created yet, or gone). */
  readonly pod: Wire<V1Pod> | undefined;
  /** The pod's node as cached; undefined when the pod is unscheduled or the node does not exist. */
  readonly node: Wire<V1Node> | undefined;
  /** Whether the task was placed with a spot provider (decides SpotInterruption once the node is gone). */
  readonly spot: boolean;
  readonly capacityProviderName: string;
  /** How the task definition's containers became the pod's (the pod's containers annotation when absent). */
  readonly containers?: readonly ContainerMapping[];
  readonly previous: TaskInstanceStatus | undefined;
  /** spec.desiredStatus of the Task. */
  readonly desiredStatus: "RUNNING" | "STOPPED";
  /** The StopTask reason (UserInitiated), when the user gave one. */
  readonly stopReason?: string;
  readonly now: Date;
}

/** The container mappings of a pod, from the annotation buildPodTemplate writes. */
function podContainerMappings(pod: Wire<V1Pod> | undefined): ContainerMapping[] | undefined {
  const text = pod?.metadata?.annotations?.[CONTAINERS_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as ContainerMapping[];
  } catch {
    return undefined;
  }
}

interface Stop {
  readonly stopCode: StopCode;
  readonly reason: string;
  readonly executionStoppedAt?: string;
}

interface ContainerView {
  readonly mapping: ContainerMapping;
  readonly status: Wire<V1ContainerStatus> | undefined;
  /** The exit that ended the container for good (not one kubelet restarts it after). */
  readonly exit: { exitCode: number; reason?: string; message?: string; finishedAt?: string } | undefined;
  readonly running: boolean;
}

function asTime(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return kubeTime(v);
  return typeof v === "string" ? v : undefined;
}

/** The exit of a container that will not be restarted: ECS restart policies restart unless the exit code is ignored. */
function finalExit(m: ContainerMapping, st: Wire<V1ContainerStatus> | undefined): ContainerView["exit"] {
  if (st === undefined) return undefined;
  const restarts = m.restartPolicy?.enabled === true && m.role === "container";
  const t = st.state?.terminated ?? (restarts ? undefined : st.lastState?.terminated);
  if (t === undefined) return undefined;
  const ignored: readonly number[] = m.restartPolicy?.ignoredExitCodes ?? [];
  if (restarts && !ignored.includes(t.exitCode)) return undefined;
  return { exitCode: t.exitCode, ...(t.reason === undefined ? {} : { reason: t.reason }), ...(t.message === undefined ? {} : { message: t.message }), ...(t.finishedAt === undefined ? {} : { finishedAt: asTime(t.finishedAt) ?? "" }) };
}

function containerViews(pod: Wire<V1Pod>, mappings: readonly ContainerMapping[]): ContainerView[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return mappings.map((mapping) => {
    const status = statuses.find((s) => s.name === mapping.container);
    const exit = finalExit(mapping, status);
    return { mapping, status, exit, running: exit === undefined && status?.state?.running !== undefined };
  });
}

function exitReason(exit: NonNullable<ContainerView["exit"]>): string | undefined {
  if (exit.reason === "OOMKilled") return "OutOfMemoryError: Container killed due to memory usage";
  if (exit.reason === "ContainerCannotRun" || exit.reason === "StartError") return `CannotStartContainerError: ${exit.message ?? exit.reason}`;
  return undefined;
}

function containerStatus(v: ContainerView, pod: Wire<V1Pod> | undefined): TaskContainerStatus {
  const st = v.status;
  const out: TaskContainerStatus = { name: v.mapping.name };
  const image = st?.image ?? [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].find((c) => c.name === v.mapping.container)?.image;
  if (image !== undefined) out.image = image;
  if (st?.imageID !== undefined && st.imageID !== "") out.imageDigest = st.imageID.includes("@") ? st.imageID.slice(st.imageID.indexOf("@") + 1) : st.imageID;
  if (st?.containerID !== undefined && st.containerID !== "") out.runtimeId = st.containerID.replace(/^[a-z]+:\/\//, "");
  if (v.exit !== undefined) {
    out.lastStatus = "STOPPED";
    out.exitCode = v.exit.exitCode;
    const reason = exitReason(v.exit);
    if (reason !== undefined) out.reason = reason;
  } else {
    out.lastStatus = v.running ? "RUNNING" : "PENDING";
    const waiting = st?.state?.waiting;
    const failure = waiting?.reason === undefined ? undefined : startFailure(waiting.reason, waiting.message);
    if (failure !== undefined) out.reason = failure;
  }
  const spec = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].find((c) => c.name === v.mapping.container);
  // ECS (HealthCheck): a container is UNKNOWN while "the container health check is being evaluated, there's no
  // container health check defined, or Amazon ECS doesn't have the health status of the container".
  out.healthStatus = spec?.readinessProbe === undefined ? "UNKNOWN" : st?.ready === true && v.running ? "HEALTHY" : v.running && st?.started === true ? "UNHEALTHY" : "UNKNOWN";
  return out;
}

/** ECS's words for a container that cannot start, or undefined when the waiting reason is not a failure (yet). */
function startFailure(reason: string, message: string | undefined): string | undefined {
  if (PULL_FAILURES.has(reason)) return `CannotPullContainerError: ${message ?? reason}`;
  const prefix = START_FAILURES[reason];
  return prefix === undefined ? undefined : `${prefix}: ${message ?? reason}`;
}

/** Why the task stops now, judged from its pod, in ECS's order of precedence; undefined while it should run. */
function stopOf(input: TaskInstanceInput, views: readonly ContainerView[]): Stop | undefined {
  const { pod, now } = input;
  if (pod !== undefined) {
    const interruption = interruptionOf(pod, input.node, input.spot);
    if (interruption !== undefined) return { stopCode: interruption.stopCode, reason: interruption.reason };
    for (const v of views) {
      const waiting = v.status?.state?.waiting;
      const failure = waiting?.reason === undefined ? undefined : startFailure(waiting.reason, waiting.message);
      if (failure !== undefined) return { stopCode: "TaskFailedToStart", reason: failure };
    }
    // A COMPLETE/SUCCESS dependency is an init container: a failed one ends the pod before the others start.
    const failedInit = views.find((v) => v.mapping.role === "init" && v.exit !== undefined && v.exit.exitCode !== 0);
    if (failedInit?.exit !== undefined) {
      return {
        stopCode: "TaskFailedToStart",
        reason: `CannotStartContainerError: container ${failedInit.mapping.name} exited with code ${failedInit.exit.exitCode}, so the containers that depend on it (dependsOn ${dependencyConditions(failedInit.mapping, views)}) did not start`,
        ...(failedInit.exit.finishedAt === undefined ? {} : { executionStoppedAt: failedInit.exit.finishedAt }),
      };
    }
    const essential = views.find((v) => v.mapping.essential && v.exit !== undefined);
    if (essential?.exit !== undefined) {
      return { stopCode: "EssentialContainerExited", reason: ESSENTIAL_CONTAINER_EXITED, ...(essential.exit.finishedAt === undefined ? {} : { executionStoppedAt: essential.exit.finishedAt }) };
    }
  }
  if (input.desiredStatus === "STOPPED") return { stopCode: "UserInitiated", reason: input.stopReason ?? DEFAULT_USER_STOP_REASON };
  if (pod === undefined) {
    // The pod existed (the previous status saw it past PROVISIONING) and is gone, though nothing stopped it.
    if (input.previous !== undefined && input.previous.lastStatus !== "PROVISIONING") {
      return input.spot
        ? { stopCode: "SpotInterruption", reason: `Your Spot Task was interrupted: pod ${input.podName} was removed` }
        : { stopCode: "UserInitiated", reason: `Task stopped: pod ${input.podName} was deleted outside the operator` };
    }
    return undefined;
  }
  if (pod.metadata?.deletionTimestamp !== undefined) {
    return { stopCode: "UserInitiated", reason: `Task stopped: pod ${input.podName} was deleted outside the operator` };
  }
  if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") {
    const why = pod.status.reason === undefined ? "" : `: ${pod.status.reason}${pod.status.message === undefined ? "" : ` (${pod.status.message})`}`;
    return pod.status.reason === undefined
      ? { stopCode: "EssentialContainerExited", reason: ESSENTIAL_CONTAINER_EXITED, executionStoppedAt: kubeTime(now) }
      : { stopCode: "TerminationNotice", reason: `Task stopped: pod ${input.podName} ended${why}` };
  }
  return undefined;
}

function dependencyConditions(target: ContainerMapping, views: readonly ContainerView[]): string {
  const conditions = new Set(views.flatMap((v) => (v.mapping.dependsOn ?? []).filter((d) => d.container === target.container).map((d) => d.condition)));
  return conditions.size === 0 ? "COMPLETE" : [...conditions].sort().join("/");
}

/** The ECS status of one task (one pod). */
export function computeTaskInstance(input: TaskInstanceInput): TaskInstanceStatus {
  const { pod, previous, now } = input;
  const nowText = kubeTime(now);
  const mappings = podContainerMappings(pod) ?? input.containers ?? [];
  const views = pod === undefined ? [] : containerViews(pod, mappings);

  const stop: Stop | undefined =
    previous?.stopCode !== undefined ? { stopCode: previous.stopCode, reason: previous.stoppedReason ?? "", ...(previous.executionStoppedAt === undefined ? {} : { executionStoppedAt: previous.executionStoppedAt }) } : stopOf(input, views);

  // ---------------------------------------------------------------- lifecycle
  let lastStatus: TaskLastStatus;
  const phase = pod?.status?.phase;
  const terminal = phase === "Succeeded" || phase === "Failed";
  const anyRunning = views.some((v) => v.running);
  if (previous?.lastStatus === "STOPPED") lastStatus = "STOPPED";
  else if (stop !== undefined) {
    // A pod whose node is gone has no containers left, whatever the API server still shows.
    const nodeGone = pod !== undefined && (pod.spec?.nodeName ?? "") !== "" && input.node === undefined;
    if (pod === undefined || terminal || nodeGone) lastStatus = "STOPPED";
    else if (pod.metadata?.deletionTimestamp !== undefined) lastStatus = anyRunning ? "STOPPING" : "DEPROVISIONING";
    else lastStatus = "DEACTIVATING";
  } else if (pod === undefined || (pod.spec?.nodeName ?? "") === "") lastStatus = "PROVISIONING";
  else if (phase === "Pending" || phase === undefined) lastStatus = "PENDING";
  else {
    const essentials = views.filter((v) => v.mapping.essential && v.mapping.role === "container");
    lastStatus = essentials.length > 0 && essentials.every((v) => v.running && v.status?.started !== false) ? "RUNNING" : "ACTIVATING";
  }
  // The lifecycle only moves forward (a cache that lags must not send a task back to PENDING).
  if (previous?.lastStatus !== undefined && ORDER.indexOf(previous.lastStatus) > ORDER.indexOf(lastStatus)) lastStatus = previous.lastStatus;

  // ---------------------------------------------------------------- containers
  let containers: TaskContainerStatus[];
  if (pod !== undefined && mappings.length > 0) containers = views.map((v) => containerStatus(v, pod));
  else containers = (previous?.containers ?? mappings.map((m) => ({ name: m.name, lastStatus: "PENDING" }))).map((c) => ({ ...c }));
  if (lastStatus === "STOPPED") {
    // Gone with the pod: a container the pod's deletion stopped has no exit code we could see.
    containers = containers.map((c) => {
      const { healthStatus: _h, ...rest } = c;
      return { ...rest, lastStatus: "STOPPED" };
    });
  }
  // ECS (Task.healthStatus): "It's determined by the health of the essential containers in the task. If all essential
  // containers in the task are reporting as HEALTHY, the task status also reports as HEALTHY. If any essential
  // containers in the task are reporting as UNHEALTHY or UNKNOWN, the task status also reports as UNHEALTHY or
  // UNKNOWN." Non-essential containers do not count.
  const essentialNames = new Set(mappings.filter((m) => m.essential).map((m) => m.name));
  const essentialHealth = containers.filter((c) => essentialNames.has(c.name)).map((c) => c.healthStatus ?? "UNKNOWN");
  const healthStatus =
    lastStatus === "STOPPED" || essentialHealth.length === 0 ? "UNKNOWN" : essentialHealth.includes("UNHEALTHY") ? "UNHEALTHY" : essentialHealth.every((h) => h === "HEALTHY") ? "HEALTHY" : "UNKNOWN";

  // ---------------------------------------------------------------- timestamps (first observation wins)
  const started = views.flatMap((v) => [asTime(v.status?.state?.running?.startedAt), asTime(v.status?.state?.terminated?.startedAt)]).filter((t): t is string => t !== undefined).sort();
  const createdAt = previous?.createdAt ?? asTime(pod?.metadata?.creationTimestamp) ?? nowText;
  const pullStartedAt = previous?.pullStartedAt ?? asTime(pod?.status?.startTime);
  const pullStoppedAt = previous?.pullStoppedAt ?? started[0];
  // A task whose essential container exited before it was seen RUNNING still ran: from its containers' start.
  const ranBeforeStop = stop?.stopCode === "EssentialContainerExited" && started.length > 0;
  const startedAt = previous?.startedAt ?? (lastStatus === "RUNNING" || ranBeforeStop ? (started.at(-1) ?? nowText) : undefined);
  const stoppingAt = previous?.stoppingAt ?? (stop === undefined ? undefined : nowText);
  const executionStoppedAt = previous?.executionStoppedAt ?? stop?.executionStoppedAt ?? (lastStatus === "STOPPED" ? nowText : undefined);
  const stoppedAt = previous?.stoppedAt ?? (lastStatus === "STOPPED" ? nowText : undefined);
  const zone = previous?.availabilityZone ?? input.node?.metadata?.labels?.[ZONE_LABEL];

  const out: TaskInstanceStatus = {
    podName: input.podName,
    lastStatus,
    desiredStatus: stop !== undefined || input.desiredStatus === "STOPPED" ? "STOPPED" : "RUNNING",
    healthStatus,
    capacityProviderName: previous?.capacityProviderName ?? input.capacityProviderName,
    createdAt,
  };
  if (zone !== undefined) out.availabilityZone = zone;
  if (stop !== undefined) {
    out.stopCode = stop.stopCode;
    out.stoppedReason = stop.reason;
  }
  if (pullStartedAt !== undefined) out.pullStartedAt = pullStartedAt;
  if (pullStoppedAt !== undefined) out.pullStoppedAt = pullStoppedAt;
  if (startedAt !== undefined) out.startedAt = startedAt;
  if (stoppingAt !== undefined) out.stoppingAt = stoppingAt;
  if (executionStoppedAt !== undefined) out.executionStoppedAt = executionStoppedAt;
  if (stoppedAt !== undefined) out.stoppedAt = stoppedAt;
  if (containers.length > 0) out.containers = containers;
  return out;
}

export type TaskPodAction =
  | { readonly type: "none"; readonly requeueAfterMs?: number }
  /** Create the pod (the task is PROVISIONING and nothing stopped it). */
  | { readonly type: "create" }
  /** Stop the task: delete the pod with the task's stop timeout, so every container gets SIGTERM, then SIGKILL. */
  | { readonly type: "stop"; readonly gracePeriodSeconds: number }
  /** The stopped task's retention is over: remove its pod. */
  | { readonly type: "remove" };

/**
 * What to do with a task's pod once its status (computed by computeTaskInstance) is written. `ttlSeconds`: how
 * long a stopped task's pod is kept (ECS shows stopped tasks for about an hour).
 */
export function taskPodAction(instance: TaskInstanceStatus, pod: Wire<V1Pod> | undefined, now: Date, ttlSeconds: number): TaskPodAction {
  if (pod === undefined) return instance.lastStatus === "PROVISIONING" && instance.stopCode === undefined ? { type: "create" } : { type: "none" };
  if (pod.metadata?.deletionTimestamp !== undefined) return { type: "none" };
  const phase = pod.status?.phase;
  const terminal = phase === "Succeeded" || phase === "Failed";
  if (instance.stopCode !== undefined && !terminal && instance.lastStatus !== "STOPPED") return { type: "stop", gracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30 };
  // STOPPED with a pod that never finished: its node is gone, and no kubelet will ever confirm a graceful deletion.
  if (instance.lastStatus === "STOPPED" && !terminal) return { type: "stop", gracePeriodSeconds: 0 };
  if (instance.lastStatus === "STOPPED") {
    const stoppedMs = Date.parse(instance.stoppedAt ?? "");
    const dueMs = (Number.isNaN(stoppedMs) ? now.getTime() : stoppedMs) + ttlSeconds * 1000;
    return dueMs <= now.getTime() ? { type: "remove" } : { type: "none", requeueAfterMs: dueMs - now.getTime() };
  }
  return { type: "none" };
}

// ---------------------------------------------------------------- the Task's summary

export interface TaskStatusInput {
  readonly generation: number | undefined;
  readonly previous: TaskStatus | undefined;
  readonly tasks: readonly TaskInstanceStatus[];
  readonly taskDefinition: string;
  readonly cluster: string;
  readonly group: string;
  readonly startedBy?: string | undefined;
  readonly launchType?: string | undefined;
  readonly cpu?: string | undefined;
  readonly memory?: string | undefined;
  readonly desiredStatus: "RUNNING" | "STOPPED";
  /** Why a task waits, by pod name (podWaitingReason), shown in the Reconciling message. */
  readonly waiting?: Readonly<Record<string, string>>;
  readonly now: Date;
}

/** Why a pod that has not started waits, from the scheduler's condition (Unschedulable: 0/9 nodes are available ...). */
export function podWaitingReason(pod: Wire<V1Pod> | undefined): string | undefined {
  const scheduled = pod?.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status !== "False") return undefined;
  return `${scheduled.reason ?? "NotScheduled"}: ${scheduled.message ?? "the scheduler has not placed the pod"}`;
}

/**
 * The Task's status: each task's entry, and a summary as DescribeTasks would show a single task: lastStatus is
 * the least advanced task that has not stopped (STOPPED when all have), stopCode and stoppedReason are the first
 * task's to stop once all have. Ready is True while every task that has not stopped runs; Reconciling while
 * tasks start or stop; a stopped Task is Ready=False with reason TaskStopped (it is finished, not failing).
 */
export function computeTaskStatus(input: TaskStatusInput): TaskStatus {
  const tasks = input.tasks.map((t) => ({ ...t }));
  const live = tasks.filter((t) => t.lastStatus !== "STOPPED");
  const allStopped = tasks.length > 0 && live.length === 0;
  const lastStatus: TaskLastStatus = allStopped ? "STOPPED" : (live.map((t) => t.lastStatus ?? "PROVISIONING").sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0] ?? "PROVISIONING");
  const firstStopped = [...tasks].filter((t) => t.stopCode !== undefined).sort((a, b) => (a.stoppingAt ?? "").localeCompare(b.stoppingAt ?? ""))[0];
  const running = tasks.filter((t) => t.lastStatus === "RUNNING").length;
  const pending = tasks.filter((t) => t.lastStatus === "PROVISIONING" || t.lastStatus === "PENDING" || t.lastStatus === "ACTIVATING").length;
  const earliest = (f: (t: TaskInstanceStatus) => string | undefined): string | undefined => tasks.map(f).filter((v): v is string => v !== undefined).sort()[0];
  const latest = (f: (t: TaskInstanceStatus) => string | undefined): string | undefined => tasks.map(f).filter((v): v is string => v !== undefined).sort().at(-1);
  const health = live.some((t) => t.healthStatus === "UNHEALTHY") ? "UNHEALTHY" : live.length > 0 && live.every((t) => t.healthStatus === "HEALTHY") ? "HEALTHY" : "UNKNOWN";

  const status: TaskStatus = {
    observedGeneration: input.generation,
    taskDefinition: input.taskDefinition,
    cluster: input.cluster,
    group: input.group,
    lastStatus,
    desiredStatus: input.desiredStatus === "STOPPED" || allStopped ? "STOPPED" : "RUNNING",
    healthStatus: health,
    runningCount: running,
    pendingCount: pending,
    tasks,
  };
  if (input.startedBy !== undefined) status.startedBy = input.startedBy;
  if (input.launchType !== undefined) status.launchType = input.launchType;
  if (input.cpu !== undefined) status.cpu = input.cpu;
  if (input.memory !== undefined) status.memory = input.memory;
  const first = tasks[0];
  if (first?.capacityProviderName !== undefined) status.capacityProviderName = first.capacityProviderName;
  if (first?.availabilityZone !== undefined) status.availabilityZone = first.availabilityZone;
  const createdAt = earliest((t) => t.createdAt);
  if (createdAt !== undefined) status.createdAt = createdAt;
  const startedAt = earliest((t) => t.startedAt);
  if (startedAt !== undefined) status.startedAt = startedAt;
  const pullStartedAt = earliest((t) => t.pullStartedAt);
  if (pullStartedAt !== undefined) status.pullStartedAt = pullStartedAt;
  const pullStoppedAt = latest((t) => t.pullStoppedAt);
  if (pullStoppedAt !== undefined) status.pullStoppedAt = pullStoppedAt;
  if (allStopped) {
    if (firstStopped?.stopCode !== undefined) status.stopCode = firstStopped.stopCode;
    if (firstStopped?.stoppedReason !== undefined) status.stoppedReason = firstStopped.stoppedReason;
    const stoppingAt = earliest((t) => t.stoppingAt);
    if (stoppingAt !== undefined) status.stoppingAt = stoppingAt;
    const executionStoppedAt = latest((t) => t.executionStoppedAt);
    if (executionStoppedAt !== undefined) status.executionStoppedAt = executionStoppedAt;
    const stoppedAt = latest((t) => t.stoppedAt);
    if (stoppedAt !== undefined) status.stoppedAt = stoppedAt;
  }

  let conditions: Condition[] = input.previous?.conditions ?? [];
  const gen = input.generation === undefined ? {} : { observedGeneration: input.generation };
  const set = (type: string, value: "True" | "False", reason: string, message: string): void => {
    conditions = setCondition(conditions, { type, status: value, reason, message, ...gen }, input.now);
  };
  if (allStopped) {
    const message = `${firstStopped?.stopCode ?? "Stopped"}: ${firstStopped?.stoppedReason ?? ""}`;
    set("Ready", "False", TaskReason.TaskStopped, message);
    set("Reconciling", "False", TaskReason.TaskStopped, "");
    set("Stalled", "False", TaskReason.TaskStopped, "");
  } else {
    const moving = live.filter((t) => t.lastStatus !== "RUNNING");
    const stopping = moving.some((t) => ORDER.indexOf(t.lastStatus ?? "PROVISIONING") > ORDER.indexOf("RUNNING"));
    if (moving.length > 0) {
      const reason = stopping ? TaskReason.TasksStopping : TaskReason.TasksStarting;
      const why = (t: TaskInstanceStatus): string => {
        const w = input.waiting?.[t.podName];
        return w === undefined ? "" : ` (${w})`;
      };
      const message = `${running} of ${tasks.length} tasks RUNNING; ${moving.map((t) => `${t.podName} ${t.lastStatus ?? "PROVISIONING"}${why(t)}`).join(", ")}`;
      set("Ready", "False", reason, message);
      set("Reconciling", "True", reason, message);
    } else {
      const message = `${running} of ${tasks.length} tasks RUNNING`;
      set("Ready", "True", TaskReason.TasksRunning, message);
      set("Reconciling", "False", TaskReason.TasksRunning, "");
    }
    set("Stalled", "False", moving.length > 0 ? (stopping ? TaskReason.TasksStopping : TaskReason.TasksStarting) : TaskReason.TasksRunning, "");
  }
  status.conditions = conditions;
  return status;
}
