// The Task controller (RunTask / StopTask / DescribeTasks): `count` pods with deterministic names from the resolved
// task definition revision, the ECS lifecycle in status, essential containers (an essential exit stops the pod with
// the task's stop timeout), StopTask through spec.desiredStatus, and stopped pods removed after a retention while
// the Task keeps its final status. Thin: the decisions are in builders/task-pod.ts and builders/task-status.ts.
// Order of writes: the status is written first, then pods are created or deleted, so a crash at any point loses
// no stop information and never creates a second pod for a task. See docs/tasks.md.
import type { V1Pod } from "@kubernetes/client-node";
import { TASK_DEFAULTS } from "../../api/task.ts";
import { normalizedTaskSize } from "../../api/task-definition.ts";
import { splitDesiredCount } from "../../builders/capacity-split.ts";
import { CAPACITY_PROVIDER_LABEL, SCHEDULED_TASK_LABEL, TASK_LABEL } from "../../builders/task-labels.ts";
import { applyTaskOverrides } from "../../builders/task-overrides.ts";
import { buildTaskPod, taskGroup, taskPodName, type TaskPod } from "../../builders/task-pod.ts";
import { interruptionTaint } from "../../builders/spot-interruption.ts";
import { computeTaskInstance, computeTaskStatus, podWaitingReason, taskPodAction, type TaskInstanceStatus } from "../../builders/task-status.ts";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../../builders/task-definition-revision.ts";
import { SpecError } from "../../api/spec-error.ts";
import { Action, type Controller } from "../../runtime/controller.ts";
import type { Informer } from "../../runtime/informer.ts";
import { ApiRequestError } from "../../runtime/api-request.ts";
import type { Manager } from "../../runtime/manager.ts";
import { controllerOf, objectKey, Pods, ServiceAccounts, type KubeObject } from "../../runtime/resources.ts";
import { CapacityContext, type ProviderPlacement } from "../capacity-context.ts";
import { EcsTasks, type TaskObject } from "../ecs-resources.ts";
import type { ResolvedTaskDefinition, TaskDefinitionResolver } from "../task-definition/resolver.ts";
import { taskDefinitionInformers, type PodObject } from "./resources.ts";

export const CONTROLLER_NAME = "task";
/** StopTask's `reason`: set this annotation, then spec.desiredStatus STOPPED; it becomes the stoppedReason. */
export const STOP_REASON_ANNOTATION = "ecs.operator.dev/stop-reason";
const NODE_INDEX = "node";

export const TaskConditionReason = {
  TaskDefinitionNotFound: "TaskDefinitionNotFound",
  InvalidReference: "InvalidReference",
  TaskDefinitionInactive: "TaskDefinitionInactive",
  CapacityUnavailable: "CapacityUnavailable",
  InvalidOverrides: "InvalidOverrides",
  InvalidPlacement: "InvalidPlacement",
  NotOwned: "NotOwned",
} as const;

export interface TaskControllerOptions {
  /** Restricts the controller to one namespace. */
  namespace?: string;
  /** From registerTaskDefinitionController. */
  resolver: TaskDefinitionResolver;
  /** Shared with the Service controller when both run; created when absent. */
  capacity?: CapacityContext;
  /** How long a stopped task's pods are kept when the Task does not say (spec.kubernetes.ttlSecondsAfterStopped). */
  ttlSecondsAfterStopped?: number;
  /** The binpack scheduler profile (placement.ts); null when the cluster has none. */
  binpackSchedulerName?: string | null;
  /** How often tasks that are starting or stopping are looked at again, as a safety net for missed events. */
  recheckMs?: number;
  workers?: number;
}

export interface TaskController {
  controller: Controller<TaskObject>;
  tasks: Informer<TaskObject>;
  pods: Informer<PodObject>;
  /** For registerTaskDefinitionController's inUse: a revision a live Task runs is never pruned. */
  revisionInUse: (namespace: string, family: string, revision: number) => boolean;
}

const podNode = (pod: PodObject): string[] => (pod.spec?.nodeName === undefined || pod.spec.nodeName === "" ? [] : [pod.spec.nodeName]);

/** Registers the Task controller (and its informers) with a Manager. */
export function registerTaskController(mgr: Manager, opts: TaskControllerOptions): TaskController {
  const tasks = mgr.informer<TaskObject>(EcsTasks, opts.namespace === undefined ? {} : { namespace: opts.namespace });
  const pods = mgr.informer<PodObject>(Pods, { ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }), labelSelector: TASK_LABEL, indexers: { [NODE_INDEX]: podNode } });
  const capacity = opts.capacity ?? new CapacityContext(mgr, opts.namespace);
  const revisions = taskDefinitionInformers(mgr, opts.namespace);
  const recheckMs = opts.recheckMs ?? 30_000;
  const defaultTtl = opts.ttlSecondsAfterStopped ?? TASK_DEFAULTS.ttlSecondsAfterStopped;
  // The status this process last wrote, by Task uid: only this controller writes Task status, so it is never older
  // than the cache's copy, which can lag behind the pods' (a stop recorded, then the pod gone, must not read as a
  // pod that vanished unexplained).
  // Keyed by namespace/name, with the uid, so a deleted Task's entry goes with it and a new Task of that name starts afresh.
  const written = new Map<string, { uid: string; status: TaskObject["status"] }>();

  /** Tasks that have not started any pod (waiting for a task definition, a Cluster or a provider). */
  const unstarted = (namespace?: string): string[] =>
    tasks
      .list()
      .filter((t) => (namespace === undefined || t.metadata.namespace === namespace) && (t.status?.tasks ?? []).length === 0)
      .map(objectKey);
  const tasksOnNode = (nodeName: string): string[] => {
    return pods.byIndex(NODE_INDEX, nodeName).flatMap((p) => {
      const ref = controllerOf(p);
      return ref?.kind === "Task" ? [`${p.metadata?.namespace ?? ""}/${ref.name}`] : [];
    });
  };

  const controller = mgr
    .controller<TaskObject>(CONTROLLER_NAME, { workers: opts.workers })
    .for(tasks)
    .owns(pods)
    // Only what can interrupt a task: a node deleted (gone from the cache), being deleted, or tainted for reclaim.
    // Heartbeats and other node updates change nothing for a task.
    .watches(capacity.nodes, (node) => {
      const name = node.metadata?.name ?? "";
      const current = capacity.node(name);
      const interrupted = current === undefined || current.metadata?.deletionTimestamp !== undefined || interruptionTaint(current) !== undefined;
      return interrupted ? tasksOnNode(name) : [];
    })
    .watches(revisions.taskDefinitions, (td) => unstarted(td.metadata?.namespace))
    .watches(revisions.revisions, (cr) => unstarted(cr.metadata?.namespace))
    .watches(capacity.clusters, (c) => unstarted(c.metadata.namespace))
    .watches(capacity.capacityProviders, () => unstarted())
    .reconcile(async (key, ctx) => {
      const task = tasks.get(key);
      if (!task) {
        written.delete(key);
        return Action.done();
      }
      const uid = task.metadata.uid ?? "";
      if (task.metadata.deletionTimestamp !== undefined) {
        // Owner references garbage-collect the pods (the API server stops their containers).
        written.delete(key);
        return Action.done();
      }
      const namespace = task.metadata.namespace ?? "";
      const name = task.metadata.name ?? "";
      const who = `Task ${key}`;
      const spec = task.spec;
      const count = spec.count ?? TASK_DEFAULTS.count;
      const desiredStatus = spec.desiredStatus ?? "RUNNING";
      const stopReason = task.metadata.annotations?.[STOP_REASON_ANNOTATION];
      const ttl = spec.kubernetes?.ttlSecondsAfterStopped ?? defaultTtl;
      const remembered = written.get(key);
      const previous = remembered?.uid === uid ? remembered.status : task.status;
      const now = mgr.now();
      const started = (previous?.tasks ?? []).length > 0;
      // Only a Task that still has to start pods needs its task definition and capacity; one stopped before it
      // started, or already running, reports what it has.
      const mustStart = !started && desiredStatus === "RUNNING";

      // The revision: pinned in status once resolved, so every task of the Task runs the same one.
      const resolution = opts.resolver.resolveTaskDefinition(previous?.taskDefinition ?? spec.taskDefinition, namespace);
      let resolved: ResolvedTaskDefinition | undefined;
      if (resolution.ok) {
        resolved = resolution.value;
        if (resolved.status !== "ACTIVE" && mustStart) {
          throw new SpecError("spec.taskDefinition", `"${spec.taskDefinition}": revision ${resolved.reference} is ${resolved.status}; RunTask needs an ACTIVE revision`, TaskConditionReason.TaskDefinitionInactive);
        }
      } else if (mustStart) {
        throw new SpecError("", `spec.${resolution.message}`, resolution.reason === "NotFound" ? TaskConditionReason.TaskDefinitionNotFound : TaskConditionReason.InvalidReference);
      }

      // Where each task runs: the strategy's split of `count`, as a Service's desiredCount is split.
      const capacityResult = capacity.resolve(namespace, spec);
      const providerOf = new Map<string, ProviderPlacement>();
      const assignment: string[] = [];
      if (capacityResult.ok) {
        for (const p of capacityResult.providers) providerOf.set(p.provider.name, p);
        try {
          for (const share of splitDesiredCount(count, capacityResult.strategy.strategy, "spec.capacityProviderStrategy")) for (let i = 0; i < share.count; i++) assignment.push(share.capacityProvider);
        } catch (err) {
          if (!(err instanceof SpecError)) throw err;
          if (mustStart) throw err.with({ conditionReason: TaskConditionReason.CapacityUnavailable });
        }
      } else if (mustStart) {
        throw new SpecError("", capacityResult.message, TaskConditionReason.CapacityUnavailable);
      }

      // ---------------------------------------------------------------- observe
      const instances: TaskInstanceStatus[] = [];
      const observed: { pod: PodObject | undefined; built: TaskPod | undefined }[] = [];
      for (let index = 0; index < count; index++) {
        const podName = taskPodName(name, index);
        const pod = pods.get(`${namespace}/${podName}`);
        if (pod !== undefined && controllerOf(pod)?.uid !== uid) {
          throw new SpecError("", `pod ${podName} exists and is not this Task's (its controller is ${controllerOf(pod)?.kind ?? "none"} ${controllerOf(pod)?.name ?? ""}); delete it or rename the Task`, TaskConditionReason.NotOwned);
        }
        const prev = previous?.tasks?.find((t) => t.podName === podName);
        const providerName = prev?.capacityProviderName ?? pod?.metadata?.labels?.[CAPACITY_PROVIDER_LABEL] ?? assignment[index] ?? "";
        const placement = providerOf.get(providerName);
        const nodeName = pod?.spec?.nodeName;
        const node = nodeName === undefined || nodeName === "" ? undefined : capacity.node(nodeName);
        // The pod is built only while it may still be created; its container mappings also name the containers.
        let built: TaskPod | undefined;
        if (pod === undefined && prev?.stopCode === undefined && prev?.lastStatus !== "STOPPED" && desiredStatus === "RUNNING" && resolved !== undefined) {
          if (placement === undefined) {
            if (!capacityResult.ok) throw new SpecError("", capacityResult.message, TaskConditionReason.CapacityUnavailable);
            throw new SpecError("spec.capacityProviderStrategy", `task ${index} was placed with capacity provider "${providerName}", which the strategy no longer names`, TaskConditionReason.CapacityUnavailable);
          }
          built = buildPod(who, {
            owner: { apiVersion: EcsTasks.apiVersion, kind: EcsTasks.kind, name, uid },
            namespace,
            spec,
            index,
            podName,
            taskDefinition: { family: resolved.family, revision: resolved.revision, spec: resolved.spec },
            clusterName: capacityResult.ok ? capacityResult.clusterName : "default",
            provider: placement.provider,
            scheduling: placement.scheduling,
            nodes: capacity.nodeList(),
            ...(resolved.taskDefinition.spec.tags === undefined ? {} : { taskDefinitionTags: resolved.taskDefinition.spec.tags }),
            ...(task.metadata.labels?.[SCHEDULED_TASK_LABEL] === undefined ? {} : { scheduledTask: task.metadata.labels[SCHEDULED_TASK_LABEL] }),
            ...(opts.binpackSchedulerName === undefined ? {} : { placement: { binpackSchedulerName: opts.binpackSchedulerName } }),
          });
        }
        instances.push(
          computeTaskInstance({
            podName,
            pod: pod as V1Pod | undefined,
            node,
            spot: placement?.provider.spot ?? false,
            capacityProviderName: providerName,
            ...(built === undefined ? {} : { containers: built.containers }),
            previous: prev,
            desiredStatus,
            ...(stopReason === undefined || stopReason === "" ? {} : { stopReason }),
            now,
          }),
        );
        observed.push({ pod, built });
      }

      // ---------------------------------------------------------------- status first
      const size = resolved === undefined ? {} : taskSize(resolved, spec.overrides);
      const firstProvider = providerOf.get(instances[0]?.capacityProviderName ?? "");
      const status = computeTaskStatus({
        generation: task.metadata.generation,
        previous,
        tasks: instances,
        taskDefinition: resolved?.reference ?? previous?.taskDefinition ?? spec.taskDefinition,
        cluster: capacityResult.ok ? capacityResult.clusterName : (previous?.cluster ?? spec.cluster ?? "default"),
        group: taskGroup(spec, resolved?.family ?? previous?.group?.replace(/^family:/, "") ?? ""),
        startedBy: spec.startedBy,
        launchType: firstProvider?.provider.type ?? previous?.launchType,
        cpu: size.cpu,
        memory: size.memory,
        desiredStatus,
        waiting: Object.fromEntries(
          observed.flatMap(({ pod }, i) => {
            const why = podWaitingReason(pod as V1Pod | undefined);
            return why === undefined ? [] : [[instances[i]?.podName ?? "", why]];
          }),
        ),
        now,
      });
      if (!isSameStatus(task.status, status)) {
        await mgr.client.apply(EcsTasks, { metadata: { name, namespace }, status } as KubeObject, { subresource: "status" });
      }
      written.set(key, { uid, status });

      // ---------------------------------------------------------------- then the pods
      let requeueMs: number | undefined;
      for (const [index, instance] of instances.entries()) {
        const { pod, built } = observed[index] ?? { pod: undefined, built: undefined };
        const action = taskPodAction(instance, pod as V1Pod | undefined, now, ttl);
        switch (action.type) {
          case "create": {
            if (built === undefined) break;
            if (built.serviceAccount !== undefined) await ensureServiceAccount(mgr, built.serviceAccount);
            try {
              await mgr.client.create(Pods, built.pod as KubeObject);
              ctx.log.info("started task", { pod: instance.podName, capacityProvider: instance.capacityProviderName });
              void mgr.events.record(task, "Normal", "TaskStarted", `Started task ${instance.podName} of ${status.taskDefinition ?? ""} on capacity provider ${instance.capacityProviderName ?? ""}`, "RunTask");
              for (const note of built.notes) ctx.log.debug("pod note", { pod: instance.podName, note });
            } catch (err) {
              // The cache has not shown the pod created by an earlier pass yet: it is ours (same name), nothing to do.
              if (!(err instanceof ApiRequestError && err.code === 409)) throw err;
            }
            break;
          }
          case "stop":
            await mgr.client.delete(Pods, instance.podName, namespace, { gracePeriodSeconds: action.gracePeriodSeconds, preconditionUid: pod?.metadata?.uid });
            ctx.log.info("stopping task", { pod: instance.podName, stopCode: instance.stopCode, reason: instance.stoppedReason });
            void mgr.events.record(task, instance.stopCode === "UserInitiated" ? "Normal" : "Warning", instance.stopCode ?? "TaskStopped", `Task ${instance.podName} stopping: ${instance.stoppedReason ?? ""}`, "StopTask");
            break;
          case "remove":
            await mgr.client.delete(Pods, instance.podName, namespace, { gracePeriodSeconds: 0, preconditionUid: pod?.metadata?.uid });
            ctx.log.info("removed the pod of a stopped task after its retention", { pod: instance.podName, ttlSecondsAfterStopped: ttl });
            break;
          case "none":
            if (action.requeueAfterMs !== undefined) requeueMs = Math.min(requeueMs ?? Infinity, action.requeueAfterMs);
            break;
        }
      }
      const moving = instances.some((t) => t.lastStatus !== "RUNNING" && t.lastStatus !== "STOPPED");
      if (moving) requeueMs = Math.min(requeueMs ?? Infinity, recheckMs);
      return requeueMs === undefined ? Action.done() : Action.requeueAfter(Math.max(requeueMs, 1000));
    });

  const revisionInUse = (namespace: string, family: string, revision: number): boolean =>
    tasks.list().some((t) => t.metadata.namespace === namespace && t.status?.taskDefinition === `${family}:${revision}` && t.status.lastStatus !== "STOPPED");

  return { controller, tasks, pods, revisionInUse };
}

/** Builds the pod; what cannot run becomes Stalled with the builder's message. */
function buildPod(who: string, input: Parameters<typeof buildTaskPod>[0]): TaskPod {
  try {
    return buildTaskPod(input);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    // Placement fields are below the Task's spec; overrides name their field; the rest is the task definition's.
    if (err.conditionReason === TaskConditionReason.InvalidPlacement) throw err.with({ prefix: "spec." });
    if (err.conditionReason === TaskConditionReason.InvalidOverrides) throw err;
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

function isSameStatus(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

/** The task role's ServiceAccount: created when missing (shared by every task and service of the role), never changed. */
async function ensureServiceAccount(mgr: Manager, sa: NonNullable<TaskPod["serviceAccount"]>): Promise<void> {
  if (await mgr.client.get(ServiceAccounts, sa.name, sa.namespace)) return;
  try {
    await mgr.client.create(ServiceAccounts, {
      metadata: { name: sa.name, namespace: sa.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, annotations: sa.annotations },
      automountServiceAccountToken: sa.automountServiceAccountToken,
    } as KubeObject);
  } catch (err) {
    if (!(err instanceof ApiRequestError && err.code === 409)) throw err;
  }
}
