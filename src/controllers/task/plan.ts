// Every decision of the Task controller, as one pure function: planTask(observed, now, options) → the status to
// write, the pods to create and delete (with their grace), the task-role ServiceAccount, the events and when to look
// again. The reconcile (controller.ts) only gathers `observed` from the caches and applies the plan: the status
// first, then the pods, so a crash at any point loses no stop information and never creates a second pod.
// renderTask is the same plan against an empty cluster, for `ecs-operator render`. See docs/tasks.md.
import { parseTaskDefinitionRef } from "../../builders/task-definition/ref.ts";
import { CAPACITY_PROVIDER_LABEL, SCHEDULED_TASK_LABEL, STOP_REASON_ANNOTATION } from "../../api/keys.ts";
import type { V1Node } from "@kubernetes/client-node";
import { TASK_DEFAULTS, TaskReason, type TaskStatus } from "../../api/task.ts";
import { normalizedTaskSize, resolveFamily } from "../../api/task-definition.ts";
import type { CapacityProvider } from "../../api/objects.ts";
import { SpecError } from "../../api/spec-error.ts";
import { kubeTime } from "../../api/time.ts";
import { splitDesiredCount } from "../../builders/capacity/split.ts";
import { applyTaskOverrides } from "../../builders/task/overrides.ts";
import { resolveCapacity, type CapacityResolution, type ClusterLike, type ProviderPlacement } from "../../builders/capacity/resolution.ts";
import { buildControllerRevision, normalizeRevisionSpec } from "../../builders/task-definition/revision.ts";
import { buildTaskPod, taskGroup, taskPodName, type TaskPod } from "../../builders/task/pod.ts";
import { buildTaskRoleServiceAccount, mayWriteTaskRoleServiceAccount, taskDefinitionOwner, type TaskRoleServiceAccount } from "../../builders/task/role-service-account.ts";
import { computeTaskInstance, computeTaskStatus, podWaitingReason, taskPodAction, type TaskInstanceStatus } from "../../builders/task/status.ts";
import { stableStringify } from "../../runtime/apply.ts";
import { Action } from "../../runtime/controller.ts";
import { controllerOf, type KubeObject, type Wire } from "../../runtime/resources.ts";
import { EcsTasks, TaskDefinitions, type TaskObject } from "../ecs-resources.ts";
import { lookupOf, resolveTaskDefinitionRef, type ResolvedTaskDefinition, type ResolveResult } from "../task-definition/resolver.ts";
import type { TaskDefinitionObject } from "../task-definition/resources.ts";
import type { PodObject } from "./resources.ts";

/** What the reconcile read for one Task. */
export interface ObservedTask {
  readonly task: TaskObject;
  /**
   * The status this process last wrote for this Task (same uid), if any. Only this controller writes Task status,
   * so it is never older than the cache's copy, which can lag behind the pods' (a stop recorded, then the pod gone,
   * must not read as a pod that vanished unexplained).
   */
  readonly written: TaskStatus | undefined;
  /** The revision the Task runs: status.taskDefinition once pinned, else spec.taskDefinition, resolved. */
  readonly taskDefinition: ResolveResult;
  readonly capacity: CapacityResolution;
  /** The cached pods named after the Task's tasks (taskPodName(name, i), i < count); others are ignored. */
  readonly pods: readonly PodObject[];
  /** The nodes (a pod's node, and memberOf's label values). */
  readonly nodes: readonly Wire<V1Node>[];
  /** The cached ServiceAccount named after the task role, when there is one. */
  readonly taskRoleServiceAccount?: KubeObject | undefined;
  /**
   * Pods the API server refused to create (Pod Security, a webhook, an invalid field), by pod name: why, in its words.
   * Each such task stops with TaskFailedToStart, as ECS reports a ResourceInitializationError.
   */
  readonly refused?: Readonly<Record<string, string>> | undefined;
}

export interface TaskPlanOptions {
  /** How long a stopped task's pods are kept when the Task does not say (spec.kubernetes.ttlSecondsAfterStopped). */
  readonly ttlSecondsAfterStopped: number;
  /** The binpack scheduler profile (placement.ts); null when the cluster has none. */
  readonly binpackSchedulerName?: string | null | undefined;
  /** How often tasks that are starting or stopping are looked at again, as a safety net for missed events. */
  readonly recheckMs: number;
  /** false: task size split into per-container limits, for clusters without PodLevelResources (default true). */
  readonly podLevelResources?: boolean | undefined;
  /** The storage class for each EBS volume type of volumeConfigurations. */
  readonly ebsStorageClasses?: Readonly<Record<string, string>> | undefined;
}

export interface PlannedCreate {
  readonly pod: TaskPod["pod"];
  readonly capacityProviderName: string;
  /** What the pod could not map (logged). */
  readonly notes: readonly string[];
}

export interface PlannedDelete {
  readonly podName: string;
  /** Precondition: only this pod, not a successor of the same name. */
  readonly uid: string | undefined;
  readonly gracePeriodSeconds: number;
  /** stop: the task stops (its containers get the stop timeout); retention: a stopped task's pod is removed. */
  readonly why: "stop" | "retention";
}

export interface PlannedEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  readonly action: string;
  /** The pod the event is about: it is recorded only once that pod's write went through. */
  readonly pod: string;
}

export interface TaskPlan {
  /** The status, written when `writeStatus`; undefined when the Task is going away. */
  readonly status: TaskStatus | undefined;
  readonly writeStatus: boolean;
  /** What to remember as written for this Task; undefined: forget it. */
  readonly written: TaskStatus | undefined;
  /** The task-role ServiceAccount to apply before the pods are created (none when a user's own has that name). */
  readonly serviceAccounts: readonly TaskRoleServiceAccount[];
  readonly creates: readonly PlannedCreate[];
  readonly deletes: readonly PlannedDelete[];
  readonly events: readonly PlannedEvent[];
  readonly next: Action;
}

const NOTHING: TaskPlan = { status: undefined, writeStatus: false, written: undefined, serviceAccounts: [], creates: [], deletes: [], events: [], next: Action.done() };

/** The plan for one Task. Throws SpecError for what the Task cannot run (the runtime shows it as Stalled). */
export function planTask(observed: ObservedTask, now: Date, options: TaskPlanOptions): TaskPlan {
  const { task } = observed;
  // Owner references garbage-collect the pods (the API server stops their containers).
  if (task.metadata.deletionTimestamp !== undefined) return NOTHING;
  const spec = task.spec;
  const count = spec.count ?? TASK_DEFAULTS.count;
  const desiredStatus = spec.desiredStatus ?? "RUNNING";
  const ttl = spec.kubernetes?.ttlSecondsAfterStopped ?? options.ttlSecondsAfterStopped;
  const previous = observed.written ?? task.status;
  const started = (previous?.tasks ?? []).length > 0;
  // Only a Task that still has to start pods needs its task definition and capacity; one stopped before it
  // started, or already running, reports what it has.
  const mustStart = !started && desiredStatus === "RUNNING";

  const resolved = revisionToRun(observed.taskDefinition, spec.taskDefinition, mustStart);
  const { providerOf, assignment } = capacityAssignment(observed.capacity, count, mustStart);
  const capacity = observed.capacity;
  const podsByName = new Map(observed.pods.map((p) => [p.metadata?.name ?? "", p]));
  const nodesByName = new Map(observed.nodes.map((n) => [n.metadata?.name ?? "", n]));

  // ---------------------------------------------------------------- each task: its pod, its status
  const context: InstanceContext = { observed, previous, resolved, providerOf, assignment, podsByName, nodesByName, options, now };
  const planned = Array.from({ length: count }, (_, index) => planInstance(context, index));
  const instances = planned.map((p) => p.instance);
  const tasks = planned.map(({ pod, built }) => ({ pod, built }));

  // ---------------------------------------------------------------- the Task's status (written first)
  const size = resolved === undefined ? {} : taskSize(resolved, spec.overrides);
  const firstProvider = providerOf.get(instances[0]?.capacityProviderName ?? "");
  const status = computeTaskStatus({
    generation: task.metadata.generation,
    previous,
    tasks: instances,
    taskDefinition: resolved?.reference ?? previous?.taskDefinition ?? spec.taskDefinition,
    cluster: capacity.ok ? capacity.clusterName : (previous?.cluster ?? spec.cluster ?? "default"),
    group: taskGroup(spec, resolved?.family ?? previous?.group?.replace(/^family:/, "") ?? ""),
    startedBy: spec.startedBy,
    launchType: firstProvider?.provider.type ?? previous?.launchType,
    cpu: size.cpu,
    memory: size.memory,
    desiredStatus,
    waiting: Object.fromEntries(
      tasks.flatMap(({ pod }, i) => {
        const why = podWaitingReason(pod);
        return why === undefined ? [] : [[instances[i]?.podName ?? "", why]];
      }),
    ),
    now,
  });

  // ---------------------------------------------------------------- then the pods
  const { creates, deletes, events, serviceAccounts, requeueMs } = podWrites(observed, instances, tasks, status, resolved, now, ttl, options.recheckMs);
  return {
    status,
    // Against the freshest status known (the one this process wrote, while the cache lags behind it).
    writeStatus: !isSameStatus(previous, status),
    written: status,
    serviceAccounts,
    creates,
    deletes,
    events,
    next: requeueMs === undefined ? Action.done() : Action.requeueAfter(Math.max(requeueMs, 1000)),
  };
}

/** What planning one task of a Task reads: the Task, its resolutions and placements, and the observed pods and nodes. */
interface InstanceContext {
  readonly observed: ObservedTask;
  readonly previous: TaskStatus | undefined;
  readonly resolved: ResolvedTaskDefinition | undefined;
  readonly providerOf: ReadonlyMap<string, ProviderPlacement>;
  readonly assignment: readonly string[];
  readonly podsByName: ReadonlyMap<string, PodObject>;
  readonly nodesByName: ReadonlyMap<string, Wire<V1Node>>;
  readonly options: TaskPlanOptions;
  readonly now: Date;
}

/**
 * Task `index` of a Task: its pod (observed, and built while it may still be created) and its status. A task keeps
 * the provider it was placed with; a refused pod was never created, and is not tried again.
 */
function planInstance(c: InstanceContext, index: number): { instance: TaskInstanceStatus; pod: PodObject | undefined; built: TaskPod | undefined } {
  const { observed, resolved, now } = c;
  const { task, capacity } = observed;
  const uid = task.metadata.uid ?? "";
  const name = task.metadata.name ?? "";
  const desiredStatus = task.spec.desiredStatus ?? "RUNNING";
  const stopReason = task.metadata.annotations?.[STOP_REASON_ANNOTATION];
  const podName = taskPodName(name, index);
  const pod = c.podsByName.get(podName);
  if (pod !== undefined && controllerOf(pod)?.uid !== uid) {
    throw new SpecError("", `pod ${podName} exists and is not this Task's (its controller is ${controllerOf(pod)?.kind ?? "none"} ${controllerOf(pod)?.name ?? ""}); delete it or rename the Task`, TaskReason.NotOwned);
  }
  const recorded = c.previous?.tasks?.find((t) => t.podName === podName);
  const refusal = pod === undefined && recorded?.stopCode === undefined ? observed.refused?.[podName] : undefined;
  const prev: TaskInstanceStatus | undefined = refusal === undefined ? recorded : refusedTask(recorded, podName, refusal, now);
  const providerName = prev?.capacityProviderName ?? pod?.metadata?.labels?.[CAPACITY_PROVIDER_LABEL] ?? c.assignment[index] ?? "";
  const placement = c.providerOf.get(providerName);
  const nodeName = pod?.spec?.nodeName;
  const node = nodeName === undefined || nodeName === "" ? undefined : c.nodesByName.get(nodeName);
  // The pod is built only while it may still be created; its container mappings also name the containers.
  let built: TaskPod | undefined;
  if (pod === undefined && prev?.stopCode === undefined && prev?.lastStatus !== "STOPPED" && desiredStatus === "RUNNING" && resolved !== undefined) {
    if (placement === undefined) {
      if (!capacity.ok) throw new SpecError("", capacity.message, TaskReason.CapacityUnavailable);
      throw new SpecError("spec.capacityProviderStrategy", `task ${index} was placed with capacity provider "${providerName}", which the strategy no longer names`, TaskReason.CapacityUnavailable);
    }
    const { options } = c;
    built = buildPod({
      owner: { apiVersion: EcsTasks.apiVersion, kind: EcsTasks.kind, name, uid },
      namespace: task.metadata.namespace ?? "",
      spec: task.spec,
      index,
      podName,
      taskDefinition: { family: resolved.family, revision: resolved.revision, spec: resolved.spec },
      clusterName: capacity.ok ? capacity.clusterName : "default",
      provider: placement.provider,
      scheduling: placement.scheduling,
      nodes: observed.nodes,
      ...(resolved.taskDefinition.spec.tags === undefined ? {} : { taskDefinitionTags: resolved.taskDefinition.spec.tags }),
      ...(task.metadata.labels?.[SCHEDULED_TASK_LABEL] === undefined ? {} : { scheduledTask: task.metadata.labels[SCHEDULED_TASK_LABEL] }),
      ...(options.binpackSchedulerName === undefined ? {} : { placement: { binpackSchedulerName: options.binpackSchedulerName } }),
      ...(options.podLevelResources === undefined ? {} : { podLevelResources: options.podLevelResources }),
      ...(options.ebsStorageClasses === undefined ? {} : { ebsStorageClasses: options.ebsStorageClasses }),
    });
  }
  const instance = computeTaskInstance({
    podName,
    pod,
    node,
    spot: placement?.provider.spot ?? false,
    capacityProviderName: providerName,
    ...(built === undefined ? {} : { containers: built.containers }),
    previous: prev,
    desiredStatus,
    ...(stopReason === undefined || stopReason === "" ? {} : { stopReason }),
    now,
  });
  return { instance, pod, built };
}

/** What each task's pod needs now (create, stop with its grace, remove after retention), with its events, and when to look again. */
function podWrites(
  observed: ObservedTask,
  instances: readonly TaskInstanceStatus[],
  tasks: readonly { pod: PodObject | undefined; built: TaskPod | undefined }[],
  status: TaskStatus,
  resolved: ResolvedTaskDefinition | undefined,
  now: Date,
  ttl: number,
  recheckMs: number,
): { creates: PlannedCreate[]; deletes: PlannedDelete[]; events: PlannedEvent[]; serviceAccounts: TaskRoleServiceAccount[]; requeueMs: number | undefined } {
  const creates: PlannedCreate[] = [];
  const deletes: PlannedDelete[] = [];
  const events: PlannedEvent[] = [];
  const serviceAccounts: TaskRoleServiceAccount[] = [];
  let requeueMs: number | undefined;
  for (const [index, instance] of instances.entries()) {
    const { pod, built } = tasks[index] ?? { pod: undefined, built: undefined };
    const action = taskPodAction(instance, pod, now, ttl);
    switch (action.type) {
      case "create":
        if (built === undefined) break;
        if (built.serviceAccount !== undefined && resolved !== undefined && serviceAccounts.length === 0 && mayWriteTaskRoleServiceAccount(observed.taskRoleServiceAccount)) {
          serviceAccounts.push(buildTaskRoleServiceAccount(built.serviceAccount, taskDefinitionOwner(resolved.taskDefinition)));
        }
        creates.push({ pod: built.pod, capacityProviderName: instance.capacityProviderName ?? "", notes: built.notes });
        events.push({ type: "Normal", reason: "TaskStarted", message: `Started task ${instance.podName} of ${status.taskDefinition ?? ""} on capacity provider ${instance.capacityProviderName ?? ""}`, action: "RunTask", pod: instance.podName });
        break;
      case "stop":
        deletes.push({ podName: instance.podName, uid: pod?.metadata?.uid, gracePeriodSeconds: action.gracePeriodSeconds, why: "stop" });
        events.push({
          type: instance.stopCode === "UserInitiated" ? "Normal" : "Warning",
          reason: instance.stopCode ?? "TaskStopped",
          message: `Task ${instance.podName} stopping: ${instance.stoppedReason ?? ""}`,
          action: "StopTask",
          pod: instance.podName,
        });
        break;
      case "remove":
        deletes.push({ podName: instance.podName, uid: pod?.metadata?.uid, gracePeriodSeconds: 0, why: "retention" });
        break;
      case "none":
        if (action.requeueAfterMs !== undefined) requeueMs = Math.min(requeueMs ?? Infinity, action.requeueAfterMs);
        break;
    }
  }
  const moving = instances.some((t) => t.lastStatus !== "RUNNING" && t.lastStatus !== "STOPPED");
  if (moving) requeueMs = Math.min(requeueMs ?? Infinity, recheckMs);
  return { creates, deletes, events, serviceAccounts, requeueMs };
}

export interface RenderTaskContext {
  /** The TaskDefinition manifests; each registers the revision the Task names (else `revision`, else 1). */
  readonly taskDefinitions: readonly TaskDefinitionObject[];
  /** The revision the manifests are registered as when the Task names none (render --revision). */
  readonly revision?: number;
  readonly capacityProviders?: readonly CapacityProvider[];
  /** The Task's Cluster (spec.cluster, else `default`), when the manifests hold it. */
  readonly cluster?: ClusterLike;
  /** Nodes for memberOf expressions that match label values (none offline). */
  readonly nodes?: readonly Wire<V1Node>[];
  readonly binpackSchedulerName?: string | null;
}

export interface RenderedTask {
  /** The task role's ServiceAccount (when the task definition has a taskRoleArn), then the pods, in index order. */
  readonly objects: KubeObject[];
  /** What the pods could not map. */
  readonly notes: string[];
}

/**
 * For `ecs-operator render`: the objects planTask would create for `task` against an empty cluster (no pods yet,
 * its task definition registered). Throws the SpecError the controller would show as Stalled.
 */
export function renderTask(task: TaskObject, ctx: RenderTaskContext): RenderedTask {
  const namespace = task.metadata.namespace ?? "default";
  const t = { ...task, metadata: { ...task.metadata, namespace } } as TaskObject;
  const parsed = parseTaskDefinitionRef(t.spec.taskDefinition);
  const revision = (parsed.ok ? parsed.ref.revision : undefined) ?? ctx.revision ?? 1;
  const taskDefinitions = ctx.taskDefinitions.map((td) => ({ ...td, metadata: { ...td.metadata, namespace: td.metadata?.namespace ?? namespace } }));
  const revisions = taskDefinitions.map((td) => {
    const name = td.metadata.name ?? "";
    const family = resolveFamily(td.spec, name);
    const owner = { apiVersion: TaskDefinitions.apiVersion, kind: TaskDefinitions.kind, name, namespace, uid: td.metadata.uid ?? "" };
    return buildControllerRevision(owner, family, revision, normalizeRevisionSpec(td.spec, family));
  });
  const plan = planTask(
    {
      task: t,
      written: undefined,
      taskDefinition: resolveTaskDefinitionRef(t.spec.taskDefinition, namespace, lookupOf(taskDefinitions, revisions)),
      capacity: resolveCapacity(namespace, t.spec, ctx.cluster, ctx.capacityProviders ?? []),
      pods: [],
      nodes: ctx.nodes ?? [],
    },
    new Date(0),
    { ttlSecondsAfterStopped: TASK_DEFAULTS.ttlSecondsAfterStopped, recheckMs: 0, ...(ctx.binpackSchedulerName === undefined ? {} : { binpackSchedulerName: ctx.binpackSchedulerName }) },
  );
  // A manifest has no uid: its pods are shown without the owner reference the controller adds once the Task exists.
  const pods = plan.creates.map((c) => {
    const pod = structuredClone(c.pod) as KubeObject & { metadata: { ownerReferences?: unknown } };
    if (task.metadata.uid === undefined || task.metadata.uid === "") delete pod.metadata.ownerReferences;
    return pod;
  });
  return { objects: [...(plan.serviceAccounts as KubeObject[]), ...pods], notes: plan.creates.flatMap((c) => c.notes.map((n) => `${c.pod.metadata.name}: ${n}`)) };
}

/** What a task whose pod the API server refused has become: STOPPED before it started, the refusal quoted. */
function refusedTask(recorded: TaskInstanceStatus | undefined, podName: string, refusal: string, now: Date): TaskInstanceStatus {
  const base: TaskInstanceStatus = recorded ?? { podName, lastStatus: "PROVISIONING", desiredStatus: "RUNNING", createdAt: kubeTime(now) };
  return { ...base, stopCode: "TaskFailedToStart", stoppedReason: `ResourceInitializationError: ${refusal}` };
}

/** The revision to run (pinned in status once resolved, so every task of the Task runs the same one). */
function revisionToRun(resolution: ResolveResult, specRef: string, mustStart: boolean): ResolvedTaskDefinition | undefined {
  if (resolution.ok) {
    const resolved = resolution.value;
    if (resolved.status !== "ACTIVE" && mustStart) {
      throw new SpecError("spec.taskDefinition", `"${specRef}": revision ${resolved.reference} is ${resolved.status}; RunTask needs an ACTIVE revision`, TaskReason.TaskDefinitionInactive);
    }
    return resolved;
  }
  if (mustStart) throw new SpecError("", `spec.${resolution.message}`, resolution.reason === "NotFound" ? TaskReason.TaskDefinitionNotFound : TaskReason.InvalidReference);
  return undefined;
}

/** Where each task runs: the strategy's split of `count`, as a Service's desiredCount is split. */
function capacityAssignment(capacity: CapacityResolution, count: number, mustStart: boolean): { providerOf: Map<string, ProviderPlacement>; assignment: string[] } {
  const providerOf = new Map<string, ProviderPlacement>();
  const assignment: string[] = [];
  if (!capacity.ok) {
    if (mustStart) throw new SpecError("", capacity.message, TaskReason.CapacityUnavailable);
    return { providerOf, assignment };
  }
  for (const p of capacity.providers) providerOf.set(p.provider.name, p);
  try {
    for (const share of splitDesiredCount(count, capacity.strategy.strategy, "spec.capacityProviderStrategy")) for (let i = 0; i < share.count; i++) assignment.push(share.capacityProvider);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    if (mustStart) throw err.with({ conditionReason: TaskReason.CapacityUnavailable });
  }
  return { providerOf, assignment };
}

/** Builds the pod; what cannot run becomes Stalled with the builder's message. */
function buildPod(input: Parameters<typeof buildTaskPod>[0]): TaskPod {
  try {
    return buildTaskPod(input);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    // Placement fields are below the Task's spec; overrides name their field; the rest is the task definition's.
    if (err.conditionReason === TaskReason.InvalidPlacement) throw err.with({ prefix: "spec." });
    if (err.conditionReason === TaskReason.InvalidOverrides) throw err;
    throw new SpecError(`task definition ${input.taskDefinition.family}:${input.taskDefinition.revision} on capacity provider ${input.provider.name}: ${err.field}`, err.reason, err.conditionReason);
  }
}

/** The task size after overrides, as DescribeTasks shows it (cpu units and MiB, as strings). */
function taskSize(resolved: ResolvedTaskDefinition, overrides: TaskObject["spec"]["overrides"]): { cpu?: string; memory?: string } {
  try {
    const size = normalizedTaskSize(applyTaskOverrides(resolved.spec, overrides));
    return { ...(size.cpu === undefined ? {} : { cpu: String(size.cpu) }), ...(size.memory === undefined ? {} : { memory: String(size.memory) }) };
  } catch {
    return {};
  }
}

/** Equal as the API server would store them (undefined fields dropped, key order ignored). */
function isSameStatus(a: unknown, b: unknown): boolean {
  return stableStringify(a ?? null) === stableStringify(b ?? null);
}
