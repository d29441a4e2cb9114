// maximumPercent / minimumHealthyPercent for the whole service, across the Deployments of all its capacity providers:
// how many replicas each Deployment runs this pass, which Deployments may roll (and with how much surge and
// unavailability) and which wait (paused), and how tasks leave cordoned or draining nodes. Pure: the plan passes what
// it observed; docs/services.md ("Deployment limits across providers", "Node drains").
//
// ECS facts (API reference, DeploymentConfiguration): maximumPercent is "the upper limit on the number of your
// service's tasks that are allowed in the RUNNING or PENDING state during a deployment, as a percentage of the
// desiredCount (rounded down to the nearest integer)"; minimumHealthyPercent is "the lower limit on the number of
// your service's tasks that must remain in the RUNNING state during a deployment, as a percentage of the desiredCount
// (rounded up to the nearest integer)". Both are the service's, not each provider's share's.
//
// Draining (Developer Guide, "Draining Amazon ECS container instances"): "Service tasks on the container instance
// that are in the RUNNING state are stopped and replaced according to the service's deployment configuration
// parameters, minimumHealthyPercent and maximumPercent"; "If the minimum is 100%, the service scheduler can't remove
// existing tasks until the replacement tasks are considered healthy"; "Any tasks that are part of a service that are
// in a PENDING state are stopped immediately."
import type { V1Node } from "@kubernetes/client-node";
import type { Wire } from "../../runtime/resources.ts";
import { effectivePercents, maximumTasks, minimumHealthyTasks, type DeploymentPercents } from "./deployment-config.ts";
import type { TaskState } from "./rollout.ts";

/**
 * ReplicaSets delete the pods with the lowest cost first when they scale down: a task on a cordoned node gets this
 * cost, so that the scale-down after its replacement is running stops it and not a task elsewhere.
 */
export const POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";
export const DRAINING_TASK_DELETION_COST = "-1000";

/** Taints that mark a node being drained or consolidated (besides spec.unschedulable, what `kubectl cordon` sets). */
const DRAINING_TAINTS: readonly string[] = ["node.kubernetes.io/unschedulable", "karpenter.sh/disrupted", "karpenter.sh/disruption", "ToBeDeletedByClusterAutoscaler"];

/** Whether no new task may be placed on the node: cordoned (kubectl cordon/drain) or tainted by a node lifecycle tool. */
export function nodeDraining(node: Wire<V1Node> | undefined): boolean {
  if (node === undefined) return false;
  return node.spec?.unschedulable === true || (node.spec?.taints ?? []).some((t) => DRAINING_TAINTS.includes(t.key) && t.effect !== "PreferNoSchedule");
}

/** One provider's Deployment as the budget sees it. */
export interface BudgetWorkload {
  readonly name: string;
  /** The provider's share of desiredCount (capacity-split.ts). */
  readonly share: number;
  /** The Deployment as cached; undefined: it does not exist yet. */
  readonly cached?: {
    readonly replicas: number;
    readonly deploymentId: string | undefined;
    readonly paused: boolean;
    readonly generation?: number | undefined;
    readonly observedGeneration?: number | undefined;
    readonly updatedReplicas?: number | undefined;
  } | undefined;
}

/** One of the service's pods (interrupted ones excluded: they are stopped anyway). */
export interface BudgetTask {
  readonly uid: string;
  readonly name: string;
  /** The name of the Deployment (BudgetWorkload.name or an obsolete one) whose pod it is. */
  readonly workload: string;
  readonly deploymentId: string | undefined;
  readonly state: TaskState;
  readonly onDrainingNode: boolean;
  /** Whether it carries DRAINING_TASK_DELETION_COST already. */
  readonly markedForRemoval: boolean;
}

export interface BudgetInput {
  readonly desiredCount: number;
  readonly deploymentConfiguration?: DeploymentPercents | undefined;
  /** The ECS deployment id the Deployments must run. */
  readonly targetId: string;
  /** The wanted Deployments, in strategy order (earlier ones roll first). */
  readonly workloads: readonly BudgetWorkload[];
  /** Deployments of providers that left the strategy: scaled to 0 within the budget, then deleted. */
  readonly obsolete: readonly { readonly name: string; readonly replicas: number }[];
  readonly tasks: readonly BudgetTask[];
}

export interface WorkloadBudget {
  readonly name: string;
  readonly replicas: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  /** The Deployment waits for its turn to roll (spec.paused): rolling it now would break the service's limits. */
  readonly paused: boolean;
}

export interface BudgetResult {
  readonly workloads: WorkloadBudget[];
  /** Obsolete Deployments: the replicas to scale them to (only those that change). */
  readonly obsoleteReplicas: { name: string; replicas: number }[];
  /** Obsolete Deployments with no replica and no task left: delete them. */
  readonly obsoleteGone: string[];
  /** Tasks on draining nodes to mark with the deletion cost (uids). */
  readonly mark: string[];
  /** Tasks marked earlier whose node is schedulable again: remove the mark (uids). */
  readonly unmark: string[];
  /** Tasks on draining nodes to stop now (uids): PENDING ones, and RUNNING ones when no replacement can start first. */
  readonly stop: string[];
  /** The most tasks (RUNNING + PENDING) and the fewest RUNNING ones the service keeps. */
  readonly maximumTasks: number;
  readonly minimumHealthyTasks: number;
  /**
   * maximumPercent and minimumHealthyPercent leave no room at all (e.g. 100/100): ECS could not replace a task; here
   * one task above maximumPercent is allowed so that rollouts and drains proceed (docs/services.md).
   */
  readonly surgeForced: boolean;
}

/**
 * The budget of one pass. Rules:
 * - at most floor(d × maximumPercent / 100) tasks exist (RUNNING or PENDING) and at least ceil(d × minimumHealthyPercent /
 *   100) run, summed over every provider's Deployment: a Deployment grows only into the room under the maximum, shrinks
 *   only by its tasks that do not run plus the room above the minimum;
 * - Deployments that must roll to the target get the service's surge and unavailability in strategy order; one that
 *   would get neither waits paused (Kubernetes refuses a rolling update with both 0, and rolling it would break them);
 * - a task on a draining node gets a replacement first (one more replica) when maximumPercent leaves room; once the
 *   provider's tasks elsewhere run its share, the replica goes again and the ReplicaSet stops the marked task. With no
 *   room above desiredCount the task is stopped first, within minimumHealthyPercent; PENDING ones are stopped at once.
 */
export function planServiceBudget(input: BudgetInput): BudgetResult {
  const d = input.desiredCount;
  const { maximumPercent, minimumHealthyPercent } = effectivePercents(input.deploymentConfiguration);
  const minHealthy = minimumHealthyTasks(d, minimumHealthyPercent);
  const maxTasks = maximumTasks(d, maximumPercent);
  let surge = Math.max(0, maxTasks - d);
  const unavailable = Math.max(0, d - minHealthy);
  const surgeForced = surge === 0 && unavailable === 0 && d > 0;
  if (surgeForced) surge = 1;
  const ceiling = d + surge;

  const live = input.tasks.filter((t) => t.state !== "stopping");
  const runningCount = live.filter((t) => t.state === "running").length;
  const of = (name: string): BudgetTask[] => live.filter((t) => t.workload === name);
  const currentOf = (w: BudgetWorkload): number => w.cached?.replicas ?? 0;

  // Drains: replacements first while maximumPercent has room, the marked tasks go when their provider runs its share elsewhere.
  const mark: string[] = [];
  const unmark: string[] = [];
  const stop: string[] = [];
  let drainRoom = surge;
  // Running tasks that stay: a workload's tasks above its replicas are already being stopped (its scale-down may be in
  // the cache before its pods' deletion is), so they are not room to stop more.
  const replicasOf = new Map<string, number>([...input.workloads.map((w) => [w.name, currentOf(w)] as const), ...input.obsolete.map((o) => [o.name, o.replicas] as const)]);
  const staying = [...replicasOf].reduce((n, [name, r]) => n + Math.min(r, live.filter((t) => t.workload === name && t.state === "running").length), 0);
  let healthyRoom = Math.max(0, Math.min(runningCount, staying) - minHealthy);
  const extra = new Map<string, number>();
  for (const w of input.workloads) {
    const tasks = of(w.name);
    const draining = tasks.filter((t) => t.onDrainingNode);
    for (const t of tasks) if (t.markedForRemoval && !t.onDrainingNode) unmark.push(t.uid);
    if (draining.length === 0) continue;
    for (const t of draining) if (t.state !== "running") stop.push(t.uid);
    const drainingRunning = draining.filter((t) => t.state === "running");
    if (drainingRunning.length === 0) continue;
    for (const t of drainingRunning) if (!t.markedForRemoval) mark.push(t.uid);
    const runningElsewhere = tasks.filter((t) => !t.onDrainingNode && t.state === "running").length;
    const held = Math.max(0, currentOf(w) - w.share);
    if (runningElsewhere >= w.share && drainingRunning.every((t) => t.markedForRemoval)) continue; // replaced: scale back, the marked go
    if (drainRoom > 0) {
      const want = Math.max(held, Math.min(drainingRunning.length, drainRoom));
      extra.set(w.name, want);
      drainRoom -= want;
    } else {
      // No replacement can start first: stop within minimumHealthyPercent; the Deployment starts one elsewhere.
      const n = Math.min(drainingRunning.length, healthyRoom);
      for (const t of drainingRunning.slice(0, n)) stop.push(t.uid);
      healthyRoom -= n;
    }
  }

  // Replicas: grow into the room under the maximum, shrink within the minimum (tasks that do not run go first).
  const specTotal = input.workloads.reduce((n, w) => n + currentOf(w), 0) + input.obsolete.reduce((n, o) => n + o.replicas, 0);
  let room = Math.max(0, ceiling - Math.max(live.length, specTotal));
  let availableRoom = healthyRoom;
  const shrink = (name: string, current: number, target: number): number => {
    if (target >= current) return current;
    const notRunning = of(name).filter((t) => t.state !== "running").length;
    const drop = Math.min(current - target, notRunning + availableRoom);
    availableRoom -= Math.max(0, drop - notRunning);
    return current - drop;
  };
  const obsoleteReplicas: { name: string; replicas: number }[] = [];
  const obsoleteGone: string[] = [];
  for (const o of input.obsolete) {
    const next = shrink(o.name, o.replicas, 0);
    if (next !== o.replicas) obsoleteReplicas.push({ name: o.name, replicas: next });
    if (o.replicas === 0 && of(o.name).length === 0 && input.tasks.every((t) => t.workload !== o.name)) obsoleteGone.push(o.name);
  }
  const replicas = new Map<string, number>();
  for (const w of input.workloads) {
    const target = w.share + (extra.get(w.name) ?? 0);
    const current = w.cached === undefined ? 0 : currentOf(w);
    if (target > current) {
      const grow = Math.min(target - current, room);
      room -= grow;
      replicas.set(w.name, current + grow);
    } else {
      replicas.set(w.name, shrink(w.name, current, target));
    }
  }

  // Rollouts: the service's surge and unavailability, given in strategy order to the Deployments that must roll.
  const drainSurge = [...extra.values()].reduce((a, b) => a + b, 0);
  let surgeLeft = Math.max(0, surge - drainSurge);
  const unavailableElsewhere = input.workloads
    .filter((w) => !mustRoll(w, of(w.name), input.targetId))
    .reduce((n, w) => n + Math.max(0, (replicas.get(w.name) ?? 0) - of(w.name).filter((t) => t.state === "running").length), 0)
    + input.obsolete.reduce((n, o) => n + of(o.name).filter((t) => t.state !== "running").length, 0);
  let unavailableLeft = Math.max(0, unavailable - unavailableElsewhere);
  const workloads = input.workloads.map((w): WorkloadBudget => {
    const r = replicas.get(w.name) ?? 0;
    if (!mustRoll(w, of(w.name), input.targetId) || (r === 0 && of(w.name).length === 0)) {
      // Not rolling: the limits it would roll with alone (they matter only once it rolls; stable, so no rewrite).
      const ms = Math.min(surge, Math.max(r, 1));
      const mu = Math.min(unavailable, r);
      return { name: w.name, replicas: r, maxSurge: ms + mu === 0 ? 1 : ms, maxUnavailable: mu, paused: false };
    }
    const ms = Math.min(surgeLeft, Math.max(r, 1));
    const mu = Math.min(unavailableLeft, r);
    if (ms + mu === 0) return { name: w.name, replicas: r, maxSurge: 0, maxUnavailable: 1, paused: true };
    surgeLeft -= ms;
    unavailableLeft -= mu;
    return { name: w.name, replicas: r, maxSurge: ms, maxUnavailable: mu, paused: false };
  });
  return { workloads, obsoleteReplicas, obsoleteGone, mark, unmark, stop, maximumTasks: maxTasks, minimumHealthyTasks: minHealthy, surgeForced };
}

/**
 * Whether a Deployment has rolling left to do for the target: its template is another deployment's, it waits paused,
 * its controller has not caught up, not every replica is updated, or a task of another deployment or one not running
 * is left (it holds its share of the budget until then).
 */
function mustRoll(w: BudgetWorkload, tasks: readonly BudgetTask[], targetId: string): boolean {
  const c = w.cached;
  if (c === undefined) return false;
  if (c.deploymentId !== targetId || c.paused) return true;
  if ((c.observedGeneration ?? 0) < (c.generation ?? 0)) return true;
  if ((c.updatedReplicas ?? 0) < c.replicas) return true;
  return tasks.some((t) => t.deploymentId !== targetId || t.state !== "running");
}
