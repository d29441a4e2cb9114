// ECS deployments of a Service (status.deployments[]: PRIMARY / ACTIVE / INACTIVE with rolloutState) and the
// deployment circuit breaker, as a pure function of the previous status, the pods observed and the clock. The
// controller realises the `target` it returns (which revision the Kubernetes Deployments run). docs/services.md.
import { CONTAINERS_ANNOTATION, DEPLOYMENT_ID_ANNOTATION } from "../../api/keys.ts";
import type { V1DaemonSetStatus, V1DeploymentStatus, V1Pod } from "@kubernetes/client-node";
import { ServiceMessages, type ServiceEvent } from "./events.ts";
import { kubeTime } from "../../api/time.ts";
import { timeMs, type Wire } from "../../runtime/resources.ts";

export type DeploymentStatusName = "PRIMARY" | "ACTIVE" | "INACTIVE";
export type RolloutState = "IN_PROGRESS" | "COMPLETED" | "FAILED";

/** One entry of status.deployments[] (the API's ServiceDeployment). */
export interface ServiceDeploymentEntry {
  id: string;
  status: DeploymentStatusName;
  taskDefinition?: string;
  desiredCount?: number;
  pendingCount?: number;
  runningCount?: number;
  failedTasks?: number;
  createdAt?: string;
  updatedAt?: string;
  launchType?: string;
  capacityProviderStrategy?: Record<string, unknown>[];
  rolloutState?: RolloutState;
  rolloutStateReason?: string;
}

export type TaskState = "running" | "pending" | "failed" | "stopping";

/** A pod of the service as the bookkeeping sees it. */
export interface ObservedTask {
  readonly uid: string;
  readonly name: string;
  /** The ECS deployment id the pod was created for (its deployment-id annotation). */
  readonly deploymentId: string | undefined;
  readonly state: TaskState;
  /** How long a running task has been Ready without a break (undefined: not known, taken as long enough). */
  readonly readyForSeconds?: number;
  /** Why a failed task failed, ECS-worded. */
  readonly failure?: string;
}

/** Container waiting reasons that mean the task cannot start (ECS: "tasks failed to start"). */
const FAILED_WAITING_REASONS: readonly string[] = [
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "PreStartHookError",
  "PostStartHookError",
];

export interface ObserveOptions {
  /** healthCheckGracePeriodSeconds: an unready task counts as failing only after this long. */
  readonly healthCheckGracePeriodSeconds?: number;
  /** How long past the grace period a started task may stay unready before it counts as failed (default 60 s). */
  readonly unhealthyAfterSeconds?: number;
}

const DEFAULT_UNHEALTHY_AFTER_SECONDS = 60;

/**
 * How long every task of a deployment must have been Ready without a break before the deployment is COMPLETED. A
 * container that crashes a moment after it starts is Ready for that moment: without this window the deployment
 * would complete, and the circuit breaker (which watches only deployments IN_PROGRESS) would never see the crashes.
 */
export const DEFAULT_TASK_STABLE_SECONDS = 5;

const secondsSince = (time: Date | string | undefined, now: Date): number => {
  const ms = timeMs(time);
  return ms === undefined ? 0 : (now.getTime() - ms) / 1000;
};

/**
 * The essential containers of a pod, by Kubernetes container name, from the ContainerMapping annotation the pod
 * template carries (pod-template.ts); undefined when the pod has none (every container then counts as essential).
 */
function essentialContainers(pod: Pick<Wire<V1Pod>, "metadata">): Set<string> | undefined {
  const raw = pod.metadata?.annotations?.[CONTAINERS_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const mappings = JSON.parse(raw) as { container?: string; essential?: boolean; role?: string }[];
    return new Set(mappings.filter((m) => m.essential !== false && m.role !== "init").map((m) => m.container ?? ""));
  } catch {
    return undefined;
  }
}

/**
 * The state of one pod. failed: it cannot start (image pull, config errors), one of its essential containers exited
 * or restarted (ECS stops the task), the pod failed, or it stayed unready past the health check grace period.
 * running: Running and every essential container ready (ECS RUNNING and healthy). pending: the rest, until it is
 * deleted (stopping).
 *
 * ECS (API reference, ContainerDefinition.essential): "If the essential parameter of a container is marked as false,
 * then its failure does not affect the rest of the containers in a task." So a non-essential
 * container's exit, restart or crash loop neither fails the task nor keeps it from RUNNING; only the image pull and
 * configuration errors that keep the whole task from starting count for every container.
 */
export function observeTask(pod: Pick<Wire<V1Pod>, "metadata" | "status">, now: Date, opts: ObserveOptions = {}, deploymentIdAnnotation = DEPLOYMENT_ID_ANNOTATION): ObservedTask {
  const base = { uid: pod.metadata?.uid ?? "", name: pod.metadata?.name ?? "", deploymentId: pod.metadata?.annotations?.[deploymentIdAnnotation] };
  if (pod.metadata?.deletionTimestamp !== undefined) return { ...base, state: "stopping" };
  const status = pod.status ?? {};
  if (status.phase === "Failed") return { ...base, state: "failed", failure: `Task failed: ${status.reason ?? "the pod failed"}${status.message === undefined ? "" : ` (${status.message})`}` };
  if (status.phase === "Succeeded") return { ...base, state: "failed", failure: "Essential container in task exited" };
  const essentials = essentialContainers(pod);
  const essential = (name: string): boolean => essentials === undefined || essentials.has(name);
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting?.reason;
    if (waiting === undefined || !FAILED_WAITING_REASONS.includes(waiting)) continue;
    const pull = waiting.includes("Image");
    // A crash loop is an exit; a non-essential container's exits are its own business.
    if (!pull && NON_ESSENTIAL_TOLERATED_REASONS.includes(waiting) && !essential(c.name)) continue;
    return { ...base, state: "failed", failure: pull ? `CannotPullContainerError: container ${c.name}: ${waiting}` : `Essential container in task exited: container ${c.name}: ${waiting}` };
  }
  // Native sidecars (restartable init containers) are task containers too; plain init containers run to completion.
  const taskContainers = [...(status.initContainerStatuses ?? []).filter((c) => essentials?.has(c.name) === true), ...(status.containerStatuses ?? [])];
  for (const c of taskContainers) {
    if (!essential(c.name)) continue;
    const exited = c.state?.terminated ?? c.lastState?.terminated;
    if (exited !== undefined || c.restartCount > 0) {
      return { ...base, state: "failed", failure: `Essential container in task exited: container ${c.name} exit code ${exited?.exitCode ?? "unknown"}` };
    }
  }
  const readyCondition = status.conditions?.find((c) => c.type === "Ready");
  const podReady = readyCondition?.status === "True";
  // A non-essential container that is not ready (crash looping, failing its check) makes the pod unready, but not the task.
  const essentialsReady = essentials !== undefined && taskContainers.some((c) => essentials.has(c.name)) && taskContainers.filter((c) => essentials.has(c.name)).every((c) => c.ready);
  if (status.phase === "Running" && (podReady || essentialsReady)) {
    const since = podReady
      ? readyCondition.lastTransitionTime
      : latest(taskContainers.filter((c) => essential(c.name)).map((c) => c.state?.running?.startedAt));
    return since === undefined ? { ...base, state: "running" } : { ...base, state: "running", readyForSeconds: Math.max(0, secondsSince(since, now)) };
  }
  if (status.phase === "Running") {
    const startedAt = (status.containerStatuses ?? []).map((c) => c.state?.running?.startedAt).find((t) => t !== undefined);
    const since = secondsSince(startedAt ?? status.startTime, now);
    const allowed = (opts.healthCheckGracePeriodSeconds ?? 0) + (opts.unhealthyAfterSeconds ?? DEFAULT_UNHEALTHY_AFTER_SECONDS);
    if (since > allowed) return { ...base, state: "failed", failure: `Task failed container health checks: not ready ${Math.floor(since)}s after it started` };
  }
  return { ...base, state: "pending" };
}

/** Waiting reasons that are a container's exits (not a task that cannot start): ignored for non-essential containers. */
const NON_ESSENTIAL_TOLERATED_REASONS: readonly string[] = ["CrashLoopBackOff", "RunContainerError", "PostStartHookError", "PreStartHookError"];

const latest = (times: readonly (Date | string | undefined)[]): Date | undefined => {
  const known = times.map(timeMs).filter((t): t is number => t !== undefined);
  return known.length === 0 ? undefined : new Date(Math.max(...known));
};

/**
 * Whether a task has reached a healthy state for resetOnHealthyTask: RUNNING and healthy for the stable window
 * (a container that crashes a moment after it starts was never healthy; without the window every crash loop would
 * reset the count it adds to).
 */
export function healthyTask(t: ObservedTask, stableSeconds = DEFAULT_TASK_STABLE_SECONDS): boolean {
  return t.state === "running" && (t.readyForSeconds === undefined || t.readyForSeconds >= stableSeconds);
}

export interface DesiredDeployment {
  readonly id: string;
  /** family:revision. */
  readonly taskDefinition: string;
  readonly desiredCount: number;
  readonly launchType?: string;
  readonly capacityProviderStrategy?: readonly Record<string, unknown>[];
}

export interface RolloutInput {
  readonly serviceName: string;
  readonly previous: readonly ServiceDeploymentEntry[] | undefined;
  /** What the spec asks for now. */
  readonly desired: DesiredDeployment;
  /** The service's pods, without interrupted (spot) ones, which are nobody's failure. */
  readonly tasks: readonly ObservedTask[];
  /** Failed tasks not counted in the previous status, by deployment id. */
  readonly newFailures: Readonly<Record<string, number>>;
  /** Tasks that reached a healthy state since the last step (healthyTask), by deployment id. */
  readonly newlyHealthy?: Readonly<Record<string, number>>;
  readonly circuitBreaker?: { readonly enable: boolean; readonly rollback: boolean; readonly resetOnHealthyTask?: boolean | undefined } | undefined;
  /** circuitBreakerThreshold(desiredCount, ...). */
  readonly threshold: number;
  /** The Kubernetes objects run the current target: every Deployment rolled out, no obsolete one left. */
  readonly settled: boolean;
  /**
   * Why the IN_PROGRESS PRIMARY must stop now and return to the last completed deployment (a person's rollback
   * request, a lifecycle hook that FAILED): as a circuit breaker trip with rollback, whatever the breaker's settings.
   */
  readonly abort?: string | undefined;
  /** DEFAULT_TASK_STABLE_SECONDS unless set. */
  readonly stableSeconds?: number;
  readonly now: Date;
}

export interface RolloutResult {
  deployments: ServiceDeploymentEntry[];
  /** The deployment the Kubernetes Deployments must run (the PRIMARY). */
  target: { id: string; taskDefinition: string };
  /** ECS service events that happened in this step, oldest first. */
  messages: string[];
  /** The same, with the Kubernetes Event type and reason each one is recorded with. */
  events: ServiceEvent[];
  /** PRIMARY COMPLETED, running == desired, nothing else running, objects settled. */
  steady: boolean;
  /** When only the stable window keeps the PRIMARY from COMPLETED: how soon to look again. */
  stableInMs?: number;
}

const MAX_DEPLOYMENTS = 10;
const TASKS_FAILED = "tasks failed to start.";

function sameEntry(a: ServiceDeploymentEntry | undefined, b: ServiceDeploymentEntry): boolean {
  if (a === undefined) return false;
  const strip = ({ updatedAt: _u, ...rest }: ServiceDeploymentEntry): string => JSON.stringify(Object.entries(rest).sort(([x], [y]) => x.localeCompare(y)));
  return strip(a) === strip(b);
}

/**
 * The next status.deployments[] and the deployment to run. Rules (ECS's, docs/services.md):
 * - a desired deployment id other than the PRIMARY's starts a new PRIMARY deployment (IN_PROGRESS); the old PRIMARY
 *   becomes ACTIVE; a desired id that already FAILED is not retried until the spec asks for something else;
 * - failed tasks of the IN_PROGRESS PRIMARY add up in failedTasks; with the circuit breaker on, reaching the
 *   threshold makes it FAILED, and with rollback the latest COMPLETED ACTIVE deployment becomes PRIMARY again;
 * - the PRIMARY is COMPLETED when it runs desiredCount healthy tasks, no other deployment runs any, and the
 *   Kubernetes objects are settled; ACTIVE deployments are kept until then (they are the rollback targets), and a
 *   FAILED one is kept as INACTIVE so that it is not retried.
 */
export function computeDeployments(input: RolloutInput): RolloutResult {
  const { serviceName: svc, desired, now } = input;
  const time = kubeTime(now);
  const messages: string[] = [];
  const events: ServiceEvent[] = [];
  const say = (type: ServiceEvent["type"], reason: string, message: string): void => {
    messages.push(message);
    events.push({ type, reason, message });
  };
  const previous = (input.previous ?? []).map((d) => ({ ...d }));
  let deps: ServiceDeploymentEntry[] = previous.map((d) => ({ ...d }));
  let primary = deps.find((d) => d.status === "PRIMARY");
  const failedBefore = deps.some((d) => d.id === desired.id && d.rolloutState === "FAILED");

  const describe = {
    ...(desired.launchType === undefined ? {} : { launchType: desired.launchType }),
    ...(desired.capacityProviderStrategy === undefined ? {} : { capacityProviderStrategy: desired.capacityProviderStrategy.map((i) => ({ ...i })) }),
  };
  // The Kubernetes objects were settled for the previous target: a step that changes the PRIMARY cannot complete it.
  let switched = false;
  if (primary?.id !== desired.id && !failedBefore) {
    switched = true;
    if (primary !== undefined) primary.status = "ACTIVE";
    const existing = deps.find((d) => d.id === desired.id);
    deps = deps.filter((d) => d.id !== desired.id);
    primary = {
      id: desired.id,
      status: "PRIMARY",
      taskDefinition: desired.taskDefinition,
      desiredCount: desired.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: existing?.createdAt ?? time,
      updatedAt: time,
      ...describe,
      rolloutState: "IN_PROGRESS",
      rolloutStateReason: `ECS deployment ${desired.id} in progress.`,
    };
    deps.unshift(primary);
  }
  if (primary === undefined) throw new Error("computeDeployments: no PRIMARY deployment (unreachable)");
  primary.desiredCount = desired.desiredCount;
  if (primary.id === desired.id) Object.assign(primary, describe);

  // Counts from the pods.
  for (const d of deps) {
    const mine = input.tasks.filter((t) => t.deploymentId === d.id);
    d.runningCount = mine.filter((t) => t.state === "running").length;
    d.pendingCount = mine.filter((t) => t.state === "pending").length;
    if (d.status !== "PRIMARY") d.desiredCount = d.status === "INACTIVE" ? 0 : d.runningCount + d.pendingCount;
  }
  if (primary.rolloutState === "IN_PROGRESS") {
    // resetOnHealthyTask (default true): "a task that reaches a healthy state resets the failure count to 0". A
    // healthy task and a failure seen in the same step: the reset first, so that the failure still counts.
    const reset = input.circuitBreaker?.resetOnHealthyTask !== false && (input.newlyHealthy?.[primary.id] ?? 0) > 0;
    primary.failedTasks = (reset ? 0 : (primary.failedTasks ?? 0)) + (input.newFailures[primary.id] ?? 0);
  }

  // Circuit breaker (or a stop asked for: abort).
  const cb = input.circuitBreaker;
  const tripped = cb?.enable === true && (primary.failedTasks ?? 0) >= input.threshold;
  const abort = tripped ? undefined : input.abort;
  if (primary.rolloutState === "IN_PROGRESS" && (tripped || abort !== undefined)) {
    const why = abort === undefined ? TASKS_FAILED : `${abort}.`;
    primary.rolloutState = "FAILED";
    primary.rolloutStateReason = abort === undefined ? `ECS deployment circuit breaker: ${TASKS_FAILED}` : `ECS deployment stopped: ${why}`;
    say("Warning", "DeploymentFailed", ServiceMessages.deploymentFailed(svc, primary.id, why));
    const back = abort !== undefined || cb?.rollback === true ? deps.filter((d) => d.status === "ACTIVE" && d.rolloutState === "COMPLETED").sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))[0] : undefined;
    if (back !== undefined) {
      primary.status = "ACTIVE";
      back.status = "PRIMARY";
      back.rolloutState = "IN_PROGRESS";
      back.rolloutStateReason = `${abort === undefined ? "ECS deployment circuit breaker" : "ECS deployment stopped"}: rolling back to deployment ${back.id}.`;
      back.failedTasks = 0;
      back.desiredCount = desired.desiredCount;
      say("Warning", "RollingBack", ServiceMessages.rollingBack(svc, back.id));
      primary = back;
      switched = true;
    }
  }

  const othersRunning = deps.some((d) => d !== primary && ((d.runningCount ?? 0) > 0 || (d.pendingCount ?? 0) > 0));
  const stableSeconds = input.stableSeconds ?? DEFAULT_TASK_STABLE_SECONDS;
  const primaryId = primary.id;
  const unstable = input.tasks.filter((t) => t.deploymentId === primaryId && t.state === "running" && t.readyForSeconds !== undefined && t.readyForSeconds < stableSeconds);
  const completable = primary.rolloutState === "IN_PROGRESS" && !switched && !othersRunning && input.settled && primary.runningCount === primary.desiredCount && primary.pendingCount === 0;
  const stableInMs = completable && unstable.length > 0 ? Math.ceil(Math.max(...unstable.map((t) => stableSeconds - (t.readyForSeconds ?? 0))) * 1000) : undefined;
  if (completable && stableInMs === undefined) {
    primary.rolloutState = "COMPLETED";
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    say("Normal", "DeploymentCompleted", ServiceMessages.deploymentCompleted(svc, primary.id));
  }

  // What stays listed: ACTIVE deployments while the PRIMARY is not COMPLETED (rollback targets) or while they run
  // tasks; the newest FAILED one as INACTIVE once drained (so it is not retried).
  const completed = primary.rolloutState === "COMPLETED";
  const kept: ServiceDeploymentEntry[] = [];
  let failedKept = false;
  const ordered = [primary, ...deps.filter((d) => d !== primary).sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))];
  for (const d of ordered) {
    if (d === primary) {
      kept.push(d);
      continue;
    }
    const drained = (d.runningCount ?? 0) === 0 && (d.pendingCount ?? 0) === 0;
    if (!drained || (!completed && d.status === "ACTIVE")) {
      kept.push(d);
      continue;
    }
    if (d.rolloutState === "FAILED" && !failedKept && d.id !== primary.id) {
      failedKept = true;
      kept.push({ ...d, status: "INACTIVE", desiredCount: 0 });
    }
  }
  const next = kept.slice(0, MAX_DEPLOYMENTS);
  for (const d of next) {
    const before = previous.find((p) => p.id === d.id);
    if (!sameEntry(before, d)) d.updatedAt = time;
    else d.updatedAt = before?.updatedAt ?? time;
  }
  const steady = completed && !switched && !othersRunning && input.settled && primary.runningCount === desired.desiredCount;
  return { deployments: next, target: { id: primary.id, taskDefinition: primary.taskDefinition ?? desired.taskDefinition }, messages, events, steady, ...(stableInMs === undefined ? {} : { stableInMs }) };
}

/** A Deployment or DaemonSet of the service as cached, reduced to what settling needs. */
export interface ObservedChild {
  readonly kind: "Deployment" | "DaemonSet";
  readonly name: string;
  readonly generation?: number | undefined;
  /** The ECS deployment id its pod template runs (annotation). */
  readonly deploymentId?: string | undefined;
  readonly status?: Pick<V1DeploymentStatus, "observedGeneration" | "replicas" | "updatedReplicas" | "availableReplicas"> &
    Pick<Partial<V1DaemonSetStatus>, "observedGeneration" | "desiredNumberScheduled" | "updatedNumberScheduled" | "numberAvailable">;
}

/**
 * Whether the Kubernetes objects run `deploymentId` as desired: every wanted child exists with that id, its controller
 * has observed its generation and every replica is updated (available is the tasks' view, see below); no other child is left. The deployments
 * bookkeeping completes a deployment only then.
 */
export function childrenSettled(children: readonly ObservedChild[], wanted: readonly { readonly kind: ObservedChild["kind"]; readonly name: string; readonly replicas: number }[], deploymentId: string): boolean {
  if (children.some((c) => !wanted.some((w) => w.kind === c.kind && w.name === c.name))) return false;
  return wanted.every((w) => {
    const c = children.find((x) => x.kind === w.kind && x.name === w.name);
    if (c?.deploymentId !== deploymentId) return false;
    const s = c.status ?? {};
    if ((s.observedGeneration ?? 0) < (c.generation ?? 0)) return false;
    if (c.kind === "DaemonSet") return s.updatedNumberScheduled === s.desiredNumberScheduled && s.numberAvailable === s.desiredNumberScheduled;
    // Availability is not the Deployment's availableReplicas (pod Ready, which a non-essential container that is
    // not ready takes away) but the tasks' (observeTask: essential containers ready), which computeDeployments checks.
    return (s.replicas ?? 0) === w.replicas && (s.updatedReplicas ?? 0) === w.replicas;
  });
}

/** The scheduler's message when it could not place the pod (PodScheduled False, Unschedulable). */
export function unschedulableReason(pod: Pick<Wire<V1Pod>, "metadata" | "spec" | "status">): string | undefined {
  if (pod.metadata?.deletionTimestamp !== undefined || pod.spec?.nodeName !== undefined) return undefined;
  const c = pod.status?.conditions?.find((x) => x.type === "PodScheduled");
  return c?.status === "False" && c.reason === "Unschedulable" ? (c.message ?? "no node fits") : undefined;
}
