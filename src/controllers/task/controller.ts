// The Task controller (RunTask / StopTask / DescribeTasks): `count` pods with deterministic names from the resolved
// task definition revision, the ECS lifecycle in status, essential containers (an essential exit stops the pod with
// the task's stop timeout), StopTask through spec.desiredStatus, and stopped pods removed after a retention while
// the Task keeps its final status. Thin: observe (the caches) → planTask (plan.ts, pure, every decision) → apply.
// Order of writes: the status is written first, then pods are created or deleted, so a crash at any point loses
// no stop information and never creates a second pod for a task. See docs/tasks.md.
import { WrittenStatuses } from "../../runtime/status.ts";
import { TASK_LABEL } from "../../api/keys.ts";
import { TASK_DEFAULTS, type TaskStatus } from "../../api/task.ts";
import { serviceAccountName } from "../../builders/pod/template.ts";
import { taskPodName } from "../../builders/task/pod.ts";
import { interruptionTaint } from "../../builders/capacity/spot-interruption.ts";
import { applyIfChanged, writeChild } from "../../runtime/apply.ts";
import { Action, type Controller, type ReconcileContext } from "../../runtime/controller.ts";
import { SpecError } from "../../api/spec-error.ts";
import type { Informer } from "../../runtime/informer.ts";
import { ApiRequestError } from "../../runtime/api-request.ts";
import type { Manager } from "../../runtime/manager.ts";
import { anyOf, deletionChanged, labelsChanged, nodeSchedulingChanged, podLifecycleChanged, specChanged, type UpdatePredicate } from "../../runtime/predicates.ts";
import { controllerOf, objectKey, Pods, ServiceAccounts, type KubeObject } from "../../runtime/resources.ts";
import { CapacityContext } from "../capacity-context.ts";
import { EcsTasks, type TaskObject } from "../ecs-resources.ts";
import type { TaskDefinitionResolver } from "../task-definition/resolver.ts";
import { planTask, type ObservedTask, type TaskPlan, type TaskPlanOptions } from "./plan.ts";
import { taskDefinitionInformers, type PodObject } from "./resources.ts";


export const CONTROLLER_NAME = "task";
const NODE_INDEX = "node";

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
  /** false: task size split into per-container limits, for clusters without PodLevelResources (default true). */
  podLevelResources?: boolean | undefined;
  /** The storage class for each EBS volume type of volumeConfigurations (gp3 → "ebs-gp3" ...). */
  ebsStorageClasses?: Readonly<Record<string, string>> | undefined;
  workers?: number;
}

export interface TaskController {
  controller: Controller<TaskObject>;
  tasks: Informer<TaskObject>;
  pods: Informer<PodObject>;
  /** For registerTaskDefinitionController's inUse: a revision a live Task runs is never pruned. */
  revisionInUse: (namespace: string, family: string, revision: number) => boolean;
}

/** The caches a Task's plan reads. */
interface TaskCaches {
  tasks: Informer<TaskObject>;
  pods: Informer<PodObject>;
  serviceAccounts: Informer<KubeObject>;
  capacity: CapacityContext;
  resolver: TaskDefinitionResolver;
}


/** Whether each container has passed its startup probe: a task is RUNNING only once its essentials have. */
const startedFlags = (p: PodObject): string => JSON.stringify((p.status?.containerStatuses ?? []).map((c) => c.started ?? null));
/** What a task's status reads of its pod: its lifecycle (the stock predicate) and the containers' started flags. */
export const taskPodChanged: UpdatePredicate<PodObject> = anyOf<PodObject>(podLifecycleChanged, (o, n) => startedFlags(o) !== startedFlags(n));

const podNode = (pod: PodObject): string[] => (pod.spec?.nodeName === undefined || pod.spec.nodeName === "" ? [] : [pod.spec.nodeName]);

/** Registers the Task controller (and its informers) with a Manager. */
export function registerTaskController(mgr: Manager, opts: TaskControllerOptions): TaskController {
  const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  const tasks = mgr.informer<TaskObject>(EcsTasks, ns);
  const pods = mgr.informer<PodObject>(Pods, { ...ns, labelSelector: TASK_LABEL, indexers: { [NODE_INDEX]: podNode } });
  // The task roles' ServiceAccounts (the Service controller's cache too): a user's own of that name is left alone.
  const serviceAccounts = mgr.informer<KubeObject>(ServiceAccounts, ns);
  const capacity = opts.capacity ?? new CapacityContext(mgr, opts.namespace);
  const revisions = taskDefinitionInformers(mgr, opts.namespace);
  const caches: TaskCaches = { tasks, pods, serviceAccounts, capacity, resolver: opts.resolver };
  const planOptions: TaskPlanOptions = {
    ttlSecondsAfterStopped: opts.ttlSecondsAfterStopped ?? TASK_DEFAULTS.ttlSecondsAfterStopped,
    recheckMs: opts.recheckMs ?? 30_000,
    ...(opts.binpackSchedulerName === undefined ? {} : { binpackSchedulerName: opts.binpackSchedulerName }),
    ...(opts.podLevelResources === undefined ? {} : { podLevelResources: opts.podLevelResources }),
    ...(opts.ebsStorageClasses === undefined ? {} : { ebsStorageClasses: opts.ebsStorageClasses }),
  };
  const written = new WrittenStatuses<TaskStatus>();

  /** Tasks that have not started any pod (waiting for a task definition, a Cluster or a provider). */
  const unstarted = (namespace?: string): string[] =>
    tasks
      .list()
      .filter((t) => (namespace === undefined || t.metadata.namespace === namespace) && (t.status?.tasks ?? []).length === 0)
      .map(objectKey);
  const tasksOnNode = (nodeName: string): string[] =>
    pods.byIndex(NODE_INDEX, nodeName).flatMap((p) => {
      const ref = controllerOf(p);
      return ref?.kind === "Task" ? [`${p.metadata?.namespace ?? ""}/${ref.name}`] : [];
    });
  // What a waiting Task reads of these: their spec, labels and existence; never their status.
  const specOrLife = { when: anyOf(specChanged, labelsChanged, deletionChanged) };

  const controller = mgr
    .controller<TaskObject>(CONTROLLER_NAME, { workers: opts.workers })
    .for(tasks)
    // Only lifecycle transitions of a pod move a task (not kubelet heartbeats, condition timestamps or resourceVersions).
    .owns(pods, { when: taskPodChanged })
    // Only what can interrupt a task: a node deleted (gone from the cache), being deleted, or tainted for reclaim.
    .watches(
      capacity.nodes,
      (node) => {
        const name = node.metadata?.name ?? "";
        const current = capacity.node(name);
        const interrupted = current === undefined || current.metadata?.deletionTimestamp !== undefined || interruptionTaint(current) !== undefined;
        return interrupted ? tasksOnNode(name) : [];
      },
      { when: nodeSchedulingChanged },
    )
    .watches(revisions.taskDefinitions, (td) => unstarted(td.metadata?.namespace), specOrLife)
    .watches(revisions.revisions, (cr) => unstarted(cr.metadata?.namespace), { when: anyOf(labelsChanged, deletionChanged) })
    .watches(capacity.clusters, (c) => unstarted(c.metadata.namespace), specOrLife)
    .watches(capacity.capacityProviders, () => unstarted(), specOrLife)
    .reconcile(async (key, ctx) => {
      const pass = async (refused: Record<string, string> | undefined): Promise<{ next: Action; refused: Record<string, string> }> => {
        const observed = observeTask(key, caches, written);
        if (observed === undefined) {
          written.forget(key);
          return { next: Action.done(), refused: {} };
        }
        const plan = planTask({ ...observed, refused }, mgr.now(), planOptions);
        await applyTaskStatus(mgr, observed.task, plan);
        written.remember(observed.task, plan.written);
        return { next: plan.next, refused: await applyTaskPods(mgr, observed.task, plan, caches, ctx) };
      };
      const first = await pass(undefined);
      if (Object.keys(first.refused).length === 0) return first.next;
      // Pods the API server refused: a second pass at once writes those tasks STOPPED (TaskFailedToStart). The
      // refusal needs no memory beyond it: once written, the stop code keeps the pod from being tried again.
      return (await pass(first.refused)).next;
    });

  const revisionInUse = (namespace: string, family: string, revision: number): boolean =>
    tasks.list().some((t) => t.metadata.namespace === namespace && t.status?.taskDefinition === `${family}:${revision}` && t.status.lastStatus !== "STOPPED");

  return { controller, tasks, pods, revisionInUse };
}

/** Everything planTask reads for the Task `key`, from the caches; undefined when the Task is gone. */
export function observeTask(key: string, caches: TaskCaches, written: WrittenStatuses<TaskStatus>): ObservedTask | undefined {
  const task = caches.tasks.get(key);
  if (!task) return undefined;
  const namespace = task.metadata.namespace ?? "";
  const name = task.metadata.name ?? "";
  const mine = written.of(task);
  const previous = mine ?? task.status;
  const taskDefinition = caches.resolver.resolveTaskDefinition(previous?.taskDefinition ?? task.spec.taskDefinition, namespace);
  const count = task.spec.count ?? TASK_DEFAULTS.count;
  const pods = Array.from({ length: count }, (_, i) => caches.pods.get(`${namespace}/${taskPodName(name, i)}`)).filter((p): p is PodObject => p !== undefined);
  // The role the pods run as: the Task's override, else the task definition's (as applyTaskOverrides decides).
  const roleArn = task.spec.overrides?.taskRoleArn ?? (taskDefinition.ok ? taskDefinition.value.spec.taskRoleArn : undefined);
  const roleSa = roleArn === undefined || roleArn === "" ? undefined : caches.serviceAccounts.get(`${namespace}/${serviceAccountName(roleArn)}`);
  return {
    task,
    written: mine,
    taskDefinition,
    capacity: caches.capacity.resolve(namespace, task.spec),
    pods,
    nodes: caches.capacity.nodeList(),
    ...(roleSa === undefined ? {} : { taskRoleServiceAccount: roleSa }),
  };
}

/** The status first: what a stop was is on the Task before its pod goes. */
async function applyTaskStatus(mgr: Manager, task: TaskObject, plan: TaskPlan): Promise<void> {
  if (!plan.writeStatus || plan.status === undefined) return;
  await mgr.client.apply(EcsTasks, { metadata: { name: task.metadata.name, namespace: task.metadata.namespace }, status: plan.status } as KubeObject, { subresource: "status" });
}

/**
 * Then the ServiceAccount and the pods; each event once its pod's write went through. Returns the pods the API server
 * refused for good (by name: its reason); a used-up quota is thrown (the Task waits, Ready=False, retried).
 */
async function applyTaskPods(mgr: Manager, task: TaskObject, plan: TaskPlan, caches: TaskCaches, ctx: ReconcileContext): Promise<Record<string, string>> {
  const namespace = task.metadata.namespace ?? "";
  const done = new Set<string>();
  const refused: Record<string, string> = {};
  for (const sa of plan.serviceAccounts) await applyIfChanged(mgr.client, ServiceAccounts, sa, caches.serviceAccounts.get(`${sa.metadata.namespace}/${sa.metadata.name}`));
  for (const create of plan.creates) {
    const podName = create.pod.metadata.name;
    try {
      await writeChild(Pods.kind, podName, () => mgr.client.create(Pods, create.pod as KubeObject));
      done.add(podName);
      ctx.log.info("started task", { pod: podName, capacityProvider: create.capacityProviderName });
      for (const note of create.notes) ctx.log.debug("pod note", { pod: podName, note });
    } catch (err) {
      // The cache has not shown the pod created by an earlier pass yet: it is ours (same name), nothing to do.
      if (err instanceof ApiRequestError && err.code === 409) continue;
      if (!(err instanceof SpecError)) throw err;
      refused[podName] = err.reason;
      ctx.log.warn("the API server refused a task's pod: the task failed to start", { pod: podName, error: err.reason });
      void mgr.events.record(task, "Warning", "TaskFailedToStart", `Task ${podName} failed to start: ResourceInitializationError: ${err.reason}`, "RunTask");
    }
  }
  for (const del of plan.deletes) {
    await mgr.client.delete(Pods, del.podName, namespace, { gracePeriodSeconds: del.gracePeriodSeconds, preconditionUid: del.uid });
    done.add(del.podName);
    ctx.log.info(del.why === "stop" ? "stopping task" : "removed the pod of a stopped task after its retention", { pod: del.podName, gracePeriodSeconds: del.gracePeriodSeconds });
  }
  for (const e of plan.events) if (done.has(e.pod)) void mgr.events.record(task, e.type, e.reason, e.message, e.action);
  return refused;
}
