// Every decision of the Service controller, as one pure function of what was observed and the clock: which children to
// apply and delete, which pods to stop (with what grace), the scale-subresource patch, the finalizer, the status and
// the events, and when to look again. No client, no caches, no Date.now(): the table tests in
// test/unit/controllers/service-plan.test.ts and `ecs-operator render` run it as the controller does.
import { serviceShardLabel } from "../../builders/service/shard.ts";
import { ServiceReason } from "../../api/service.ts";
import { CAPACITY_PROVIDER_LABEL, CLUSTER_LABEL, COLOR_LABEL, DEPLOYMENT_ID_ANNOTATION, FORCE_NEW_DEPLOYMENT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, SCHEDULED_ACTIONS_SEEN_ANNOTATION, SERVICE_FINALIZER, SERVICE_LABEL } from "../../api/keys.ts";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { CapacityProvider } from "../../api/objects.ts";
import type { ServiceSpec, ServiceStatus } from "../../api/service.ts";
import { SpecError } from "../../api/spec-error.ts";
import { resolveCapacity, type CapacityResolution, type ClusterLike, type ProviderPlacement } from "../../builders/capacity/resolution.ts";
import { splitDesiredCount } from "../../builders/capacity/split.ts";
import { circuitBreakerThreshold, effectivePercents, minimumHealthyTasks } from "../../builders/service/deployment-config.ts";
import { nodeLabelValues, type Placement } from "../../builders/placement/placement.ts";
import type { PodTemplate } from "../../builders/pod/template.ts";
import { scheduledCapacity, scheduledRequeueAfterMs } from "../../builders/service/scheduled-scaling.ts";
import { AUTO_SCALING_CONDITION, autoScalingCondition, AutoScalingReason, buildServiceAutoscaling, type AutoScalingCondition } from "../../builders/service/autoscaling.ts";
import { buildServiceDaemonSet } from "../../builders/service/daemonset.ts";
import { buildServiceDeployment, deploymentId, serviceDeploymentName, servicePodSelector, serviceSelectorString, type RevisionRef, type ServiceRef } from "../../builders/service/deployment.ts";
import { serviceEventMessage, ServiceMessages, taskGroups, type ServiceEvent } from "../../builders/service/events.ts";
import { buildServiceNetworking, serviceObjectName, type ServiceChildContext } from "../../builders/service/networking.ts";
import { buildServicePdb } from "../../builders/service/pdb.ts";
import { childrenSettled, computeDeployments, DEFAULT_TASK_STABLE_SECONDS, healthyTask, observeTask, unschedulableReason, type ObservedChild, type ObservedTask, type RolloutResult, type ServiceDeploymentEntry } from "../../builders/service/rollout.ts";
import { computeServiceStatus, newEventMessages, serviceUnsupportedFields } from "../../builders/service/status.ts";
import { serviceAcceptedUnusedFields } from "../../builders/service/accepted-fields.ts";
import { interruptionOf } from "../../builders/capacity/spot-interruption.ts";
import { buildTaskRoleServiceAccount, mayWriteTaskRoleServiceAccount, taskDefinitionOwner } from "../../builders/task/role-service-account.ts";
import { nameLabelValue } from "../../builders/pod/labels.ts";
import { truncateText } from "../../runtime/apply.ts";
import { DRAINING_TASK_DELETION_COST, nodeDraining, planServiceBudget, POD_DELETION_COST_ANNOTATION, type BudgetResult, type BudgetTask } from "../../builders/service/budget.ts";
import { toLabelValue } from "../../builders/names.ts";
import { shiftConfig } from "../../builders/service/traffic-shift.ts";
import { HookGateRun, NO_HOOK_MEMORY, resolveLifecycleHooks } from "../../builders/service/lifecycle-hooks.ts";
import { pauseActionOf } from "./hooks.ts";
import { abortReason, planShift, rememberedShift, rollbackRequest, type ShiftPlan } from "./shift.ts";
import { Action } from "../../runtime/controller.ts";
import { hasFinalizer } from "../../runtime/finalizers.ts";
import { controllerOf, controllerReference, DaemonSets, Deployments, HorizontalPodAutoscalers, HTTPRoutes, Ingresses, PodDisruptionBudgets, Pods, ServiceAccounts, Services, type KubeObject, timeMs, type ResourceType, type Wire } from "../../runtime/resources.ts";
import type { ServiceObject } from "../ecs-resources.ts";
import type { ResolveResult } from "../task-definition/resolver.ts";
import type { DaemonSetObject, DeploymentObject, PodObject } from "./resources.ts";
import type { PlannedHooks } from "./hooks.ts";

/** How long a counted failed pod is remembered (it is deleted at once; this only bridges the cache catching up). */
export const COUNTED_TTL_MS = 10 * 60_000;
const DRAIN_RECHECK_MS = 2_000;

/**
 * What the controller remembers of a service between passes, handed in and handed back (never kept by the plan):
 * the failed pods already counted in failedTasks (uid → when, ms), the node label keys memberOf was compiled
 * against with their values then (the node watch requeues the service when they change), and the service's task
 * set of the last pass (bounded by its pods).
 */
export interface ServiceMemory {
  readonly counted: Readonly<Record<string, number>>;
  /**
   * The tasks already seen healthy (uids): a task not in here that is healthy now has "reached a healthy state" and
   * resets the circuit breaker's count (resetOnHealthyTask). Lost on a restart: every healthy task then looks new,
   * which resets a count only where a healthy task of the deployment exists.
   */
  readonly healthy?: readonly string[] | undefined;
  readonly labelDeps?: { readonly keys: readonly string[]; readonly fingerprint: string } | undefined;
  /**
   * The tasks of the last pass by pod uid: the "has started"/"has stopped" events are the difference to this pass.
   * Undefined (a controller that just started, render): this pass only takes the set, it reports no difference.
   */
  readonly tasks?: Readonly<Record<string, TaskMemo>> | undefined;
  /**
   * An HTTPRoute of a service that shifted traffic behind a Gateway is not cached: once it is no longer wanted it is
   * looked up (and deleted) until a lookup finds none, then this is set and it is not looked up again.
   */
  readonly noRoute?: true | undefined;
}

export interface TaskMemo {
  /** The task id in the events (the pod's name). */
  readonly name: string;
  /** When this controller first saw the task Ready (ms, its clock): the ready time when the pod's is in its future. */
  readonly readySeenAt?: number | undefined;
}
export const NO_MEMORY: ServiceMemory = { counted: {} };

/** Everything a pass reads, gathered from the caches by observeService (or from files by render). */
export interface ObservedService {
  readonly service: ServiceObject;
  /** The Cluster spec.cluster names (or `default`), when it exists. */
  readonly cluster: ClusterLike | undefined;
  readonly capacityProviders: readonly CapacityProvider[];
  /** Resolutions of spec.taskDefinition and of every status.deployments[].taskDefinition (rollback targets), by reference. */
  readonly taskDefinitions: Readonly<Record<string, ResolveResult>>;
  /** Deployments, DaemonSets, Services, Ingresses, HPAs and PDBs this service controls. */
  readonly children: readonly KubeObject[];
  /** The service's pods (of its ReplicaSets and DaemonSets). */
  readonly pods: readonly PodObject[];
  readonly nodes: readonly Wire<V1Node>[];
  /** The namespace's ServiceAccounts (a task role's may be the user's own). */
  readonly serviceAccounts: readonly KubeObject[];
  /**
   * Objects of the names the plan wants that the service does not control, by `Kind/name` (null: none). "none":
   * the observer knows nothing else exists (render, a fresh namespace). A name not in here comes back in
   * `lookups` and the pass is planned again once it is looked up.
   */
  readonly others: "none" | Readonly<Record<string, KubeObject | null>>;
  readonly memory: ServiceMemory;
  /** Whether the cluster serves HTTPRoute (Gateway API CRDs); asked only for services with spec.kubernetes.gateway. Default true. */
  readonly gatewayApi?: boolean | undefined;
}

export interface ServicePlanOptions {
  /** The scheduler profile binpack uses; null: a preferred affinity (docs/placement.md). */
  readonly binpackSchedulerName?: string | null | undefined;
  readonly taskStableSeconds?: number | undefined;
  readonly unhealthyAfterSeconds?: number | undefined;
  /** How soon to look again while a deployment is in progress (default 10 s). */
  readonly progressRecheckMs?: number | undefined;
  /** Safety-net resync of a steady service (default 5 min). */
  readonly steadyRecheckMs?: number | undefined;
  readonly requestCountMetric?: Parameters<typeof buildServiceAutoscaling>[0]["requestCountMetric"];
  readonly clusterDomain?: string | undefined;
  /**
   * How long a minute of bakeTimeInMinutes, stepBakeTimeInMinutes and canaryBakeTimeInMinutes lasts, in ms (default
   * 60 000). The operator's --deployment-minute-seconds sets it; tests make bake and step times short with it.
   */
  readonly minuteMs?: number | undefined;
  /** Whether the Gateway API's HTTPRoute kind exists in the cluster (spec.kubernetes.gateway needs it). */
  readonly gatewayApi?: boolean | undefined;
  /** false: the task size split into per-container limits (clusters without PodLevelResources). Default true. */
  readonly podLevelResources?: boolean | undefined;
  /** The storage class of each EBS volume type of spec.volumeConfigurations. */
  readonly ebsStorageClasses?: Readonly<Record<string, string>> | undefined;
  /** The wait of a task without an essential health check (NO_HEALTH_CHECK_WAIT_SECONDS, ECS's 40 s, unless set). */
  readonly noHealthCheckWaitSeconds?: number | undefined;
  /**
   * false: no PodDisruptionBudget for any service (--pod-disruption-budgets=false), and the ones made before are
   * deleted; evictions (kubectl drain) then do not keep minimumHealthyPercent. Default true.
   */
  readonly podDisruptionBudgets?: boolean | undefined;
}

export interface ChildApply {
  readonly resource: ResourceType;
  readonly object: KubeObject;
  /** The object as cached (undefined: it does not exist yet). */
  readonly cached: KubeObject | undefined;
}

export interface ChildDelete {
  readonly resource: ResourceType;
  readonly namespace: string;
  readonly name: string;
  /** Pods: delete only this incarnation. */
  readonly uid?: string | undefined;
  readonly gracePeriodSeconds?: number | undefined;
  readonly why: string;
}

export interface ChildPatch {
  readonly resource: ResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly patch: Record<string, unknown>;
  readonly why: string;
}

export interface ServicePlan {
  /** Names the plan needs to see before it can decide (NotOwned): observe them into `others` and plan again. */
  readonly lookups: readonly { readonly resource: ResourceType; readonly namespace: string; readonly name: string }[];
  readonly finalizer?: "add" | "remove" | undefined;
  /** Server-side applied in this order (only what changed). */
  readonly applies: readonly ChildApply[];
  readonly patches: readonly ChildPatch[];
  /** Children first, then (after the status that accounts for them) pods. */
  readonly deletes: readonly ChildDelete[];
  /** spec.desiredCount to set through the scale subresource (scheduled capacity limits). */
  readonly scale?: number | undefined;
  readonly status?: ServiceStatus | undefined;
  /** The Kubernetes Events of the status events this pass adds, oldest first. */
  readonly events: readonly ServiceEvent[];
  /** A spec the service cannot run: shown as Stalled after the finalizer is ensured. */
  readonly stalled?: SpecError | undefined;
  readonly next: Action;
  readonly memory: ServiceMemory;
  /** Lifecycle hook calls to make after the status is written, and the memory they start from (hooks.ts). */
  readonly hooks?: PlannedHooks | undefined;
}

const nothing = (memory: ServiceMemory): ServicePlan => ({ lookups: [], applies: [], patches: [], deletes: [], events: [], next: Action.done(), memory });

/** The plan of one pass. Spec errors come back as `stalled` (with the finalizer still ensured), never thrown. */
export function planService(observed: ObservedService, now: Date, options: ServicePlanOptions = {}): ServicePlan {
  const svc = observed.service;
  if (svc.metadata.deletionTimestamp !== undefined) return planDrain(observed, now);
  const finalizer = hasFinalizer(svc, SERVICE_FINALIZER) ? undefined : "add";
  try {
    return { ...planRunning(observed, now, options), finalizer };
  } catch (err) {
    if (err instanceof SpecError) return { ...nothing(observed.memory), finalizer, stalled: err };
    throw err;
  }
}

/** What the spec resolves to: the providers, the task definition, DAEMON or not. Spec problems throw SpecError. */
interface Resolved {
  readonly cap: Extract<CapacityResolution, { ok: true }>;
  readonly providers: readonly ProviderPlacement[];
  readonly revision: Extract<ResolveResult, { ok: true }>["value"];
  readonly daemon: boolean;
}

function resolveSpec(observed: ObservedService): Resolved {
  const svc = observed.service;
  const spec = svc.spec;
  const namespace = svc.metadata.namespace ?? "";
  const controllerType = spec.deploymentController?.type ?? "ECS";
  if (controllerType !== "ECS") {
    throw new SpecError("spec.deploymentController.type", `${controllerType} is not supported; only ECS deployments run on Kubernetes (remove the field or set ECS)`, "UnsupportedDeploymentController");
  }
  const cap = resolveCapacity(namespace, { cluster: spec.cluster, capacityProviderStrategy: spec.capacityProviderStrategy, launchType: spec.launchType }, observed.cluster, observed.capacityProviders);
  if (!cap.ok) throw new SpecError("", cap.message, ServiceReason.InvalidCapacity);
  const resolved = resolutionOf(observed, spec.taskDefinition ?? "");
  if (!resolved.ok) {
    throw new SpecError(
      "",
      `spec.${resolved.message}; create the TaskDefinition or correct spec.taskDefinition (the service starts once it resolves)`,
      resolved.reason === "NotFound" ? ServiceReason.TaskDefinitionNotFound : ServiceReason.InvalidTaskDefinition,
    );
  }
  const daemon = spec.schedulingStrategy === "DAEMON";
  let providers: readonly ProviderPlacement[] = cap.providers;
  if (daemon) {
    const fargate = providers.find((p) => p.provider.type === "FARGATE");
    if (fargate !== undefined) {
      const field = cap.strategy.source === "launchType" ? "spec.launchType" : cap.strategy.source === "strategy" ? "spec.capacityProviderStrategy" : `Cluster ${cap.clusterName} spec.defaultCapacityProviderStrategy`;
      throw new SpecError("spec.schedulingStrategy", `DAEMON cannot run on ${fargate.provider.name}, a FARGATE-type capacity provider (${field}); use EC2-type providers`, ServiceReason.UnsupportedSchedulingStrategy);
    }
    providers = providers.filter((p) => p.provider.type === "EC2");
  }
  return { cap, providers, revision: resolved.value, daemon };
}

const resolutionOf = (observed: ObservedService, ref: string): ResolveResult =>
  observed.taskDefinitions[ref] ?? { ok: false, reason: "NotFound", message: `taskDefinition "${ref}": no TaskDefinition in namespace ${observed.service.metadata.namespace ?? ""} registers it` };

/** The service's tasks: interrupted ones (spot reclaim, node gone, interruption taint) are nobody's failure. */
interface Tasks {
  readonly tasks: ObservedTask[];
  readonly interrupted: { pod: PodObject; reason: string; stopCode: string }[];
  readonly newlyFailed: ObservedTask[];
  readonly counted: Record<string, number>;
  readonly newlyHealthy: ObservedTask[];
  /** Every task healthy now (the memory of the next pass). */
  readonly healthy: string[];
}

function observeTasks(observed: ObservedService, r: Resolved, now: Date, options: ServicePlanOptions): Tasks {
  const spotProviders = new Set(r.cap.providers.filter((p) => p.provider.spot).map((p) => p.provider.name));
  const nodes = new Map(observed.nodes.map((n) => [n.metadata?.name ?? "", n]));
  const grace = observed.service.spec.healthCheckGracePeriodSeconds ?? 0;
  const interrupted: Tasks["interrupted"] = [];
  const tasks: ObservedTask[] = [];
  for (const p of observed.pods) {
    const node = p.spec?.nodeName === undefined ? undefined : nodes.get(p.spec.nodeName);
    const spot = spotProviders.has(p.metadata?.labels?.[CAPACITY_PROVIDER_LABEL] ?? "");
    const intr = p.metadata?.deletionTimestamp === undefined ? interruptionOf(p, node, spot) : undefined;
    if (intr !== undefined) {
      interrupted.push({ pod: p, reason: intr.reason, stopCode: intr.stopCode });
      continue;
    }
    tasks.push(observeTask(p, now, { healthCheckGracePeriodSeconds: grace, ...(options.unhealthyAfterSeconds === undefined ? {} : { unhealthyAfterSeconds: options.unhealthyAfterSeconds }) }, DEPLOYMENT_ID_ANNOTATION));
  }
  const nowMs = now.getTime();
  // A Ready time in the future of `now` (an injected clock behind the kubelet's, or clock skew between machines) would
  // keep readyForSeconds at 0 and the deployment from ever completing: measure from when this controller first saw
  // the task Ready instead, by its own clock.
  for (const [i, task] of tasks.entries()) {
    if (task.state !== "running") continue;
    const pod = observed.pods.find((p) => p.metadata?.uid === task.uid);
    const since = timeMs(pod?.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime);
    if (since === undefined || since <= nowMs) continue;
    const seen = observed.memory.tasks?.[task.uid]?.readySeenAt ?? nowMs;
    tasks[i] = { ...task, readyForSeconds: Math.max(0, (nowMs - seen) / 1000) };
  }
  const counted = Object.fromEntries(Object.entries(observed.memory.counted).filter(([, at]) => nowMs - at <= COUNTED_TTL_MS));
  const newlyFailed = [...tasks, ...refusedLaunches(observed, now, options)].filter((t) => t.state === "failed" && counted[t.uid] === undefined);
  const seen = new Set(observed.memory.healthy ?? []);
  const healthy = tasks.filter((t) => healthyTask(t, options.taskStableSeconds));
  return { tasks, interrupted, newlyFailed, counted, newlyHealthy: healthy.filter((t) => !seen.has(t.uid)), healthy: healthy.map((t) => t.uid).sort() };
}

/** The prefix of the made-up uids of refused launches (no pod was ever created for them). */
const REFUSED_LAUNCH = "refused-launch/";

/**
 * Launches the API server refuses (a ReplicaSet's FailedCreate: Pod Security, a webhook, an invalid field), read from
 * the Deployment's ReplicaFailure condition: every missing task counts as a failed launch once per progress recheck
 * while the condition holds, as ECS counts each launch that fails, so the circuit breaker trips instead of the
 * deployment staying IN_PROGRESS for ever. Each gets a uid made of the condition and the round, counted once.
 */
function refusedLaunches(observed: ObservedService, now: Date, options: ServicePlanOptions): ObservedTask[] {
  const intervalMs = options.progressRecheckMs ?? 10_000;
  const out: ObservedTask[] = [];
  for (const child of observed.children) {
    if (child.kind !== "Deployment") continue;
    const d = child as DeploymentObject;
    const failure = d.status?.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
    if (failure === undefined) continue;
    const since = Date.parse(String(failure.lastTransitionTime ?? failure.lastUpdateTime ?? ""));
    const missing = Math.max(0, (d.spec?.replicas ?? 0) - (d.status?.replicas ?? 0));
    if (Number.isNaN(since) || missing === 0) continue;
    const round = Math.floor(Math.max(0, now.getTime() - since) / intervalMs);
    const why = truncateText(`${failure.reason ?? "FailedCreate"}: ${failure.message ?? ""}`);
    for (let i = 0; i < missing; i++) {
      out.push({ uid: `${REFUSED_LAUNCH}${d.metadata?.uid ?? ""}/${since}/${round}/${i}`, name: d.metadata?.name ?? "", deploymentId: d.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION], state: "failed", failure: `ResourceInitializationError: ${why}` });
    }
  }
  return out;
}

/** A service that runs: each phase decides one part of the pass, from what the phases before it decided. */
function planRunning(observed: ObservedService, now: Date, options: ServicePlanOptions): ServicePlan {
  const svc = observed.service;
  const r = resolveSpec(observed);
  const t = observeTasks(observed, r, now, options);
  const step = stepDeployments(observed, r, t, now, options);
  const claims = new Claims(observed);
  const serviceRef: ServiceRef = { apiVersion: svc.apiVersion, kind: svc.kind, name: step.name, namespace: svc.metadata.namespace ?? "", uid: svc.metadata.uid ?? "", spec: svc.spec };
  const workloads = buildWorkloads(observed, r, serviceRef, step, options, claims);
  const taskRole = taskRoleServiceAccount(workloads.podTemplate, r.revision.taskDefinition, observed.serviceAccounts);
  const extra = serviceChildren(observed, serviceRef, r, step, workloads.podTemplate, now, options, claims);
  const stops = taskStops(observed, t, step.rollout, now);
  const obsolete = obsoleteWorkloads(observed, r, t, step);
  const drains = drainMoves(observed, step);
  const taskSet = taskSetChanges(observed, t, step.serviceName, stops.deletes, now);
  const scaling = autoScalingOf(observed, extra.applies);

  const unplaceable = observed.pods.map((p) => unschedulableReason(p as V1Pod)).find((x) => x !== undefined);
  const status = computeServiceStatus({
    previous: svc.status,
    generation: svc.metadata.generation,
    serviceName: step.serviceName,
    clusterName: r.cap.clusterName,
    desiredCount: r.daemon ? step.primary?.desiredCount ?? 0 : step.desiredCount,
    rollout: step.rollout,
    selector: serviceSelectorString(step.name),
    ...(step.launchType === undefined ? {} : { launchType: step.launchType }),
    extraMessages: [...(step.shift?.step.events ?? []), ...taskSet.events, ...stops.events].map((e) => e.message),
    ...(step.shift === undefined ? {} : { shift: step.shift.step.state, serviceDeployments: step.shift.serviceDeployments }),
    // A pass without a gate carries the remembered hook executions forward (the answers are patched in apart).
    lifecycleHooks: step.hooks?.memory ?? svc.status?.lifecycleHooks,
    lastRollbackRequest: step.shift?.lastRollbackRequest ?? rollbackRequest(svc).value ?? svc.status?.lastRollbackRequest,
    unsupported: [...serviceUnsupportedFields(svc.spec), ...serviceAcceptedUnusedFields(svc.spec), ...workloads.unsupported, ...extra.unsupported],
    unplaceable,
    autoScaling: scaling,
    now,
  });
  const keys = [...workloads.dependsOnLabels].sort();
  const recheck = Math.min(step.rollout.steady ? (options.steadyRecheckMs ?? 5 * 60_000) : (options.progressRecheckMs ?? 10_000), step.rollout.stableInMs ?? Infinity);
  return {
    lookups: claims.lookups,
    applies: [...workloads.applies, ...(taskRole === undefined ? [] : [taskRole]), ...extra.applies],
    patches: [...obsolete.patches, ...drains.patches],
    deletes: [...extra.deletes, ...obsolete.deletes, ...stops.deletes, ...drains.deletes.filter((d) => !stops.deletes.some((x) => x.uid === d.uid))],
    ...(extra.scale === undefined ? {} : { scale: extra.scale }),
    status,
    events: [...eventsOf(svc.status, status, step.serviceName, [...step.rollout.events, ...(step.shift?.step.events ?? []), ...taskSet.events, ...stops.events], unplaceable), ...autoScalingEvents(svc, scaling), ...(step.hooks?.events ?? [])],
    // A pass that calls hooks looks again at once, to plan from their answers.
    next: Action.requeueAfter((step.hooks?.calls.length ?? 0) > 0 ? 0 : Math.min(recheck, extra.scheduledMs ?? Infinity, step.shift?.step.requeueAfterMs ?? Infinity)),
    ...(step.hooks === undefined ? {} : { hooks: { calls: step.hooks.calls, memory: step.hooks.memory } }),
    memory: { counted: stops.counted, ...(t.healthy.length === 0 ? {} : { healthy: t.healthy }), ...(keys.length === 0 ? {} : { labelDeps: { keys, fingerprint: labelFingerprint(keys, observed.nodes) } }), tasks: taskSet.tasks, ...(extra.noRoute ? { noRoute: true as const } : {}) },
  };
}

/** The ECS deployments step, and what the Kubernetes objects must run after it. */
interface Step {
  readonly name: string;
  readonly serviceName: string;
  readonly desiredCount: number;
  readonly launchType: string | undefined;
  /** Per provider (in strategy order): the workload's kind, name and replicas (and color: traffic-shifting strategies). */
  readonly wanted: readonly { readonly kind: "Deployment" | "DaemonSet"; readonly name: string; readonly replicas: number; readonly provider: string; readonly color?: string | undefined }[];
  readonly owned: readonly (DeploymentObject | DaemonSetObject)[];
  readonly rollout: RolloutResult;
  readonly primary: ServiceDeploymentEntry | undefined;
  /** The revision the workloads run: the spec's, or the one the circuit breaker rolled back to. */
  readonly revision: RevisionRef;
  /** REPLICA: the service's limits over all its Deployments (replicas, rolling update, paused), drains. */
  readonly budget: BudgetResult | undefined;
  /** BLUE_GREEN, LINEAR, CANARY: the deployment's stage, weights, the Deployments kept (blue), status (shift.ts). */
  readonly shift?: ShiftPlan | undefined;
  /** The lifecycle hooks' gate of this pass: the calls it asks for, their memory, its events. */
  readonly hooks?: HookGateRun | undefined;
}

/**
 * Under a traffic-shifting strategy the Deployments of deployment `id` carry its color in their names (or none, when
 * a ROLLING deployment made them): what "settled" compares the cached Deployments with.
 */
function coloredWanted(wanted: Step["wanted"], owned: Step["owned"], id: string, name: string, providers: readonly ProviderPlacement[]): Step["wanted"] {
  const mine = owned.find((o) => o.kind === "Deployment" && o.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION] === id);
  const color = mine?.metadata?.labels?.[COLOR_LABEL];
  if (color === undefined) return wanted;
  return wanted.map((w, i) => ({ ...w, name: serviceDeploymentName(name, providers[i]?.provider.name ?? w.provider, color), color }));
}

function stepDeployments(observed: ObservedService, r: Resolved, t: Tasks, now: Date, options: ServicePlanOptions): Step {
  const svc = observed.service;
  const spec = svc.spec;
  const name = svc.metadata.name ?? "";
  const serviceName = spec.serviceName ?? name;
  const desiredCount = spec.desiredCount ?? 1;
  const { cap, providers, daemon } = r;
  const owned = observed.children.filter((o): o is DeploymentObject | DaemonSetObject => o.kind === "Deployment" || o.kind === "DaemonSet");
  const shares = daemon ? providers.map(() => 0) : splitDesiredCount(desiredCount, providers.map((p) => p.item), "spec.capacityProviderStrategy").map((s) => s.count);
  const kind = daemon ? "DaemonSet" : "Deployment";
  const wanted = providers.map((p, i) => ({ kind, name: serviceDeploymentName(name, p.provider.name), replicas: shares[i] ?? 0, provider: toLabelValue(p.provider.name) }) as const);
  // Settled: whether the objects ran the PRIMARY as desired before this step (a deployment completes only then).
  const previousPrimary = svc.status?.deployments?.find((d) => d.status === "PRIMARY");
  const settledWanted = daemon || shiftConfig(spec.deploymentConfiguration) === undefined || previousPrimary === undefined ? wanted : coloredWanted(wanted, owned, previousPrimary.id, name, providers);
  const settled = previousPrimary !== undefined && childrenSettled(owned.map(observedChild), settledWanted, previousPrimary.id);
  // DAEMON: one task per node the DaemonSets select, as their controller counts them.
  const daemonDesired = owned.filter((o) => o.kind === "DaemonSet").reduce((n, o) => n + ((o as DaemonSetObject).status?.desiredNumberScheduled ?? 0), 0);
  const launchType = providers.every((p) => p.provider.type === "FARGATE") ? "FARGATE" : providers.every((p) => p.provider.type === "EC2") ? "EC2" : undefined;
  const newFailures: Record<string, number> = {};
  for (const f of t.newlyFailed) if (f.deploymentId !== undefined) newFailures[f.deploymentId] = (newFailures[f.deploymentId] ?? 0) + 1;
  const newlyHealthy: Record<string, number> = {};
  for (const h of t.newlyHealthy) if (h.deploymentId !== undefined) newlyHealthy[h.deploymentId] = (newlyHealthy[h.deploymentId] ?? 0) + 1;
  const cb = spec.deploymentConfiguration?.deploymentCircuitBreaker;
  // BLUE_GREEN, LINEAR, CANARY (shift.ts): the circuit breaker always returns to blue, which still runs.
  const shift = daemon ? undefined : shiftConfig(spec.deploymentConfiguration, options.minuteMs);
  const abort = abortReason(svc, previousPrimary, shift === undefined ? undefined : rememberedShift(svc));
  const rollout = computeDeployments({
    serviceName,
    previous: svc.status?.deployments,
    desired: {
      id: deploymentId(svc.metadata.uid ?? "", r.revision.reference, svc.metadata.annotations?.[FORCE_NEW_DEPLOYMENT_ANNOTATION] ?? ""),
      taskDefinition: r.revision.reference,
      desiredCount: daemon ? daemonDesired : desiredCount,
      ...(launchType === undefined ? {} : { launchType }),
      // Only the fields ECS reports, bounded by the schema: an unknown field of an item (any size) never reaches status.
      ...(cap.strategy.source === "strategy" ? { capacityProviderStrategy: cap.strategy.strategy.map(({ capacityProvider, weight, base }) => ({ capacityProvider, ...(weight === undefined ? {} : { weight }), ...(base === undefined ? {} : { base }) })) } : {}),
    },
    tasks: t.tasks,
    newFailures,
    newlyHealthy,
    circuitBreaker: cb === undefined ? undefined : { enable: cb.enable, rollback: cb.rollback || shift !== undefined, resetOnHealthyTask: cb.resetOnHealthyTask },
    ...(abort === undefined ? {} : { abort }),
    threshold: circuitBreakerThreshold(daemon ? daemonDesired : desiredCount, cb),
    settled,
    ...(options.taskStableSeconds === undefined ? {} : { stableSeconds: options.taskStableSeconds }),
    now,
  });
  let revision: RevisionRef = { family: r.revision.family, revision: r.revision.revision, spec: r.revision.spec };
  if (rollout.target.taskDefinition !== r.revision.reference) {
    const back = resolutionOf(observed, rollout.target.taskDefinition);
    if (!back.ok) throw new SpecError("", `cannot roll back to ${rollout.target.taskDefinition}: ${back.message}`, ServiceReason.TaskDefinitionNotFound);
    revision = { family: back.value.family, revision: back.value.revision, spec: back.value.spec };
  }
  const primary = rollout.deployments.find((d) => d.status === "PRIMARY");
  if (shift !== undefined) {
    // Lifecycle hooks answer at each stage boundary (lifecycle-hooks.ts); their memory is status.lifecycleHooks.
    // SCALE_UP counts a green task once it is healthy as minimumHealthyPercent does (the 40-second rule included).
    const hooks = resolveLifecycleHooks(spec);
    const run = hooks.length === 0 ? undefined : new HookGateRun({ hooks, ref: { namespace: svc.metadata.namespace ?? "", cluster: cap.clusterName, serviceName }, memory: svc.status?.lifecycleHooks ?? NO_HOOK_MEMORY, pauseAction: pauseActionOf(svc), now });
    const planned = planShift({ service: svc, serviceName, config: shift, rollout, owned, tasks: t.tasks, desiredCount, healthy: (x) => healthyTask(x, Math.max(options.taskStableSeconds ?? DEFAULT_TASK_STABLE_SECONDS, minimumHealthyWaitSeconds(revision.spec, spec, options.noHealthCheckWaitSeconds))), gate: run?.gate, now });
    const split = splitDesiredCount(planned.running.replicas, providers.map((p) => p.item), "spec.capacityProviderStrategy").map((x) => x.count);
    const colored = providers.map((p, i) => ({ kind: "Deployment" as const, name: serviceDeploymentName(name, p.provider.name, planned.running.color), replicas: split[i] ?? 0, provider: toLabelValue(p.provider.name), color: planned.running.color }));
    return { name, serviceName, desiredCount, launchType, wanted: colored, owned, rollout, primary, revision, budget: undefined, shift: planned, ...(run === undefined ? {} : { hooks: run }) };
  }
  const budget = daemon ? undefined : serviceBudget(observed, t, wanted, owned, desiredCount, rollout.target.id, minimumHealthyWaitSeconds(revision.spec, spec, options.noHealthCheckWaitSeconds));
  return { name, serviceName, desiredCount, launchType, wanted, owned, rollout, primary, revision, budget };
}

/** The budget's view of the Deployments (by the provider label of their selector) and of the tasks. */
/**
 * ECS's 40-second rule (Developer Guide, "Deploy Amazon ECS services by replacing tasks"): "If a task has no essential
 * containers with a health check defined, the service scheduler will wait for 40 seconds after a task reaches a
 * RUNNING state before the task is counted towards the minimum healthy percent total." Kubernetes holds it per
 * Deployment and DaemonSet as minReadySeconds; the service's budget across providers counts a task that has run for
 * less as not yet healthy. spec.kubernetes.minReadySeconds overrides it either way.
 */
export const NO_HEALTH_CHECK_WAIT_SECONDS = 40;
export function minimumHealthyWaitSeconds(revision: Pick<RevisionRef["spec"], "containerDefinitions">, spec: Pick<ServiceSpec, "kubernetes">, noHealthCheckWait = NO_HEALTH_CHECK_WAIT_SECONDS): number {
  const override = spec.kubernetes?.minReadySeconds;
  if (override !== undefined) return override;
  const checked = revision.containerDefinitions.some((c) => c.essential !== false && c.healthCheck !== undefined);
  return checked ? 0 : noHealthCheckWait;
}

/** A RUNNING task counts toward minimum healthy once it has run for `waitSeconds` (minimumHealthyWaitSeconds). */
function countedRunning(task: ObservedTask, waitSeconds: number): boolean {
  return task.state === "running" && (waitSeconds === 0 || task.readyForSeconds === undefined || task.readyForSeconds >= waitSeconds);
}

function serviceBudget(observed: ObservedService, t: Tasks, wanted: Step["wanted"], owned: Step["owned"], desiredCount: number, targetId: string, waitSeconds: number): BudgetResult {
  const deployments = owned.filter((o): o is DeploymentObject => o.kind === "Deployment");
  // By provider and color: a colored Deployment left from a BLUE_GREEN/LINEAR/CANARY deployment has the same provider.
  const byProvider = new Map<string, string>();
  for (const o of deployments) {
    const provider = o.spec?.selector.matchLabels?.[CAPACITY_PROVIDER_LABEL];
    if (provider !== undefined) byProvider.set(`${provider}/${o.spec?.selector.matchLabels?.[COLOR_LABEL] ?? ""}`, o.metadata?.name ?? "");
  }
  const pods = new Map(observed.pods.map((p) => [p.metadata?.uid ?? "", p]));
  const nodes = new Map(observed.nodes.map((n) => [n.metadata?.name ?? "", n]));
  const tasks: BudgetTask[] = t.tasks.map((x) => {
    const pod = pods.get(x.uid);
    const provider = pod?.metadata?.labels?.[CAPACITY_PROVIDER_LABEL] ?? "";
    const node = pod?.spec?.nodeName === undefined ? undefined : nodes.get(pod.spec.nodeName);
    return {
      uid: x.uid,
      name: x.name,
      workload: byProvider.get(`${provider}/${pod?.metadata?.labels?.[COLOR_LABEL] ?? ""}`) ?? wanted.find((w) => w.provider === provider)?.name ?? "",
      deploymentId: x.deploymentId,
      // Not yet counted (the 40-second rule) is not yet running for the limits; on a draining node a RUNNING task stays
      // RUNNING (ECS stops only PENDING ones at once).
      state: x.state === "running" && !countedRunning(x, waitSeconds) && !nodeDraining(node) ? "pending" : x.state,
      onDrainingNode: nodeDraining(node),
      markedForRemoval: pod?.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION] === DRAINING_TASK_DELETION_COST,
    };
  });
  const workloads = wanted.map((w) => {
    const c = deployments.find((o) => o.metadata?.name === w.name);
    return {
      name: w.name,
      share: w.replicas,
      cached: c === undefined ? undefined : {
        replicas: c.spec?.replicas ?? 1,
        deploymentId: c.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION],
        paused: c.spec?.paused === true,
        generation: c.metadata?.generation,
        observedGeneration: c.status?.observedGeneration,
        updatedReplicas: c.status?.updatedReplicas,
      },
    };
  });
  const obsolete = deployments.filter((o) => !wanted.some((w) => w.kind === "Deployment" && w.name === o.metadata?.name)).map((o) => ({ name: o.metadata?.name ?? "", replicas: o.spec?.replicas ?? 1 }));
  return planServiceBudget({ desiredCount, deploymentConfiguration: observed.service.spec.deploymentConfiguration, targetId, workloads, obsolete, tasks });
}

/**
 * Obsolete workloads. Deployments of a provider that left the strategy are scaled down within the service's budget
 * (service/budget.ts) and deleted once empty. DaemonSets (REPLICA ↔ DAEMON) are deleted once the new workloads keep
 * minimumHealthyPercent on their own.
 */
function obsoleteWorkloads(observed: ObservedService, r: Resolved, t: Tasks, step: Step): { deletes: ChildDelete[]; patches: ChildPatch[] } {
  const namespace = observed.service.metadata.namespace ?? "";
  const obsolete = step.owned.filter((o) => !step.wanted.some((w) => w.name === o.metadata?.name && w.kind === o.kind));
  if (obsolete.length === 0) return { deletes: [], patches: [] };
  if (step.shift !== undefined) {
    // Blue stays while it serves (traffic moves by weights and selectors, not by its size); the rest goes at once:
    // blue after the bake time (CLEAN_UP), green on a rollback, Deployments of a deployment that a newer one stopped.
    const keep = new Set(step.shift.keep);
    const why = step.shift.step.state.rollback === undefined ? "traffic-shifting deployment: this revision no longer serves" : `rolled back: ${step.shift.step.state.rollback.reason}`;
    return { deletes: obsolete.filter((o) => !keep.has(o.metadata?.name ?? "") && o.metadata?.deletionTimestamp === undefined).map((o) => ({ resource: o.kind === "DaemonSet" ? DaemonSets : Deployments, namespace, name: o.metadata?.name ?? "", why })), patches: [] };
  }
  const budget = step.budget;
  const deletes: ChildDelete[] = [];
  const patches: ChildPatch[] = [];
  if (budget !== undefined) {
    for (const o of budget.obsoleteReplicas) patches.push({ resource: Deployments, namespace, name: o.name, patch: { spec: { replicas: o.replicas } }, why: "obsolete: scaled down within maximumPercent/minimumHealthyPercent" });
    for (const name of budget.obsoleteGone) deletes.push({ resource: Deployments, namespace, name, why: "obsolete: its provider left the strategy and its tasks are gone" });
  }
  const rest = budget === undefined ? obsolete : obsolete.filter((o) => o.kind === "DaemonSet");
  if (rest.length === 0) return { deletes, patches };
  const desiredProviders = new Set(r.providers.map((p) => p.provider.name));
  const providerOf = new Map(observed.pods.map((p) => [p.metadata?.uid ?? "", p.metadata?.labels?.[CAPACITY_PROVIDER_LABEL] ?? ""]));
  const readyNew = t.tasks.filter((x) => x.state === "running" && desiredProviders.has(providerOf.get(x.uid) ?? "")).length;
  const needed = r.daemon ? 0 : minimumHealthyTasks(step.desiredCount, effectivePercents(observed.service.spec.deploymentConfiguration).minimumHealthyPercent);
  if (readyNew < needed) return { deletes, patches };
  for (const o of rest) deletes.push({ resource: o.kind === "DaemonSet" ? DaemonSets : Deployments, namespace, name: o.metadata?.name ?? "", why: "obsolete: its provider left the strategy or the scheduling strategy changed" });
  return { deletes, patches };
}

/** Tasks leaving draining nodes (service/budget.ts): marked so the ReplicaSet stops them first, or stopped now. */
function drainMoves(observed: ObservedService, step: Step): { deletes: ChildDelete[]; patches: ChildPatch[] } {
  const budget = step.budget;
  if (budget === undefined) return { deletes: [], patches: [] };
  const byUid = new Map(observed.pods.map((p) => [p.metadata?.uid ?? "", p]));
  const patches: ChildPatch[] = [];
  const deletes: ChildDelete[] = [];
  const annotate = (uid: string, value: string | null, why: string): void => {
    const pod = byUid.get(uid);
    if (pod !== undefined) patches.push({ resource: Pods, namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "", patch: { metadata: { annotations: { [POD_DELETION_COST_ANNOTATION]: value } } }, why });
  };
  for (const uid of budget.mark) annotate(uid, DRAINING_TASK_DELETION_COST, "on a draining node: stopped first once its replacement runs");
  for (const uid of budget.unmark) annotate(uid, null, "its node is schedulable again");
  for (const uid of budget.stop) {
    const pod = byUid.get(uid);
    if (pod !== undefined) deletes.push(podDelete(pod, "on a draining node: stopped (PENDING, or no room above desiredCount for a replacement first)"));
  }
  return { deletes, patches };
}

/** The tasks to stop (interrupted, and failed ones to relaunch), the event that reports the interrupted, and the memory. */
function taskStops(observed: ObservedService, t: Tasks, rollout: RolloutResult, now: Date): { deletes: ChildDelete[]; events: ServiceEvent[]; counted: Record<string, number> } {
  const deletes: ChildDelete[] = [];
  // A pod whose node is gone has no kubelet to stop it: removed at once (as the pod GC would, later).
  const nodeNames = new Set(observed.nodes.map((n) => n.metadata?.name ?? ""));
  for (const i of t.interrupted) {
    const nodeGone = i.pod.spec?.nodeName !== undefined && !nodeNames.has(i.pod.spec.nodeName);
    deletes.push({ ...podDelete(i.pod, `interrupted (${i.stopCode})`), ...(nodeGone ? { gracePeriodSeconds: 0 } : {}) });
  }
  // Failed tasks of a deployment in progress are stopped so that they are relaunched (and counted again if they fail
  // again), as ECS does; a FAILED deployment launches nothing more. Its failed pods are not deleted here: its
  // ReplicaSet, until the Deployment controller has scaled it to 0, would replace them with new pods of the failed
  // revision (ready for a moment after a rollback); the rollback's scale-down removes them.
  const primary = rollout.deployments.find((d) => d.status === "PRIMARY");
  const failedIds = new Set(rollout.deployments.filter((d) => d.rolloutState === "FAILED").map((d) => d.id));
  const counted = { ...t.counted };
  for (const f of t.newlyFailed) {
    counted[f.uid] = now.getTime();
    const stillInProgress = primary?.rolloutState === "IN_PROGRESS";
    if ((stillInProgress || f.deploymentId !== primary?.id) && (f.deploymentId === undefined || !failedIds.has(f.deploymentId))) {
      const pod = observed.pods.find((p) => p.metadata?.uid === f.uid);
      if (pod !== undefined) deletes.push(podDelete(pod, `failed: ${f.failure ?? "the task failed"}`));
    }
  }
  const events: ServiceEvent[] = [];
  const serviceNameOf = (): string => observed.service.spec.serviceName ?? observed.service.metadata.name ?? "";
  // Refused launches: one event per Deployment and reason, as ECS's "failed to launch a task".
  const refusals = new Set(t.newlyFailed.filter((f) => f.uid.startsWith(REFUSED_LAUNCH)).map((f) => f.failure ?? ""));
  for (const why of refusals) events.push({ type: "Warning", reason: "TaskFailedToStart", message: `(service ${serviceNameOf()}) failed to launch a task with (error ${why}).` });
  if (t.interrupted.length > 0) {
    const codes = [...new Set(t.interrupted.map((i) => i.stopCode))].join(", ");
    const serviceName = observed.service.spec.serviceName ?? observed.service.metadata.name ?? "";
    events.push({ type: "Warning", reason: "TasksStopped", message: ServiceMessages.stoppedTasks(serviceName, t.interrupted.length, `${codes}: ${t.interrupted.map((i) => i.reason).join("; ")}`) });
  }
  return { deletes, events, counted };
}

/**
 * The service's task set of this pass and how it differs from the last pass's (memory.tasks): tasks placed since
 * "has started", tasks that went or began stopping (scale-in, an old deployment's) "has stopped", as ECS reports
 * them. Tasks this pass stops itself (interrupted, failed) are reported by taskStops, not again here.
 */
function taskSetChanges(observed: ObservedService, t: Tasks, serviceName: string, planned: readonly ChildDelete[], now: Date): { events: ServiceEvent[]; tasks: Record<string, TaskMemo> } {
  const stoppedHere = new Set(planned.filter((d) => d.resource === Pods).map((d) => d.uid ?? ""));
  // No set remembered: after a controller start the pods it finds are not news (only taken), but a Service that never
  // wrote a deployment to its status has had no pass land yet, so every task it has is one it started.
  const previous = observed.memory.tasks ?? ((observed.service.status?.deployments ?? []).length === 0 ? {} : undefined);
  const running = new Set(t.tasks.filter((x) => x.state === "running").map((x) => x.uid));
  const tasks: Record<string, TaskMemo> = {};
  for (const p of observed.pods) {
    const uid = p.metadata?.uid ?? "";
    // A task joins the set once it is placed: ECS starts no task it cannot place (it reports "unable to place"
    // instead), so a pod still waiting for a node is not "started" yet.
    if (p.metadata?.deletionTimestamp !== undefined || stoppedHere.has(uid) || p.spec?.nodeName === undefined) continue;
    const readySeenAt = running.has(uid) ? (previous?.[uid]?.readySeenAt ?? now.getTime()) : undefined;
    tasks[uid] = { name: p.metadata?.name ?? "", ...(readySeenAt === undefined ? {} : { readySeenAt }) };
  }
  if (previous === undefined) return { events: [], tasks };
  const started = Object.entries(tasks).filter(([uid]) => previous[uid] === undefined).map(([, m]) => m.name).sort();
  const stopped = Object.entries(previous).filter(([uid]) => tasks[uid] === undefined && !stoppedHere.has(uid)).map(([, m]) => m.name).sort();
  const events: ServiceEvent[] = [
    ...taskGroups(stopped).map((ids) => ({ type: "Normal" as const, reason: "TasksStopped", message: ServiceMessages.stoppedRunningTasks(serviceName, ids) })),
    ...taskGroups(started).map((ids) => ({ type: "Normal" as const, reason: "TasksStarted", message: ServiceMessages.startedTasks(serviceName, ids) })),
  ];
  return { events, tasks };
}

/** The AutoScaling condition when the plan applies an HPA (from the cached HPA's status), else undefined. */
function autoScalingOf(observed: ObservedService, applies: readonly ChildApply[]): AutoScalingCondition | undefined {
  const hpa = applies.find((a) => a.resource === HorizontalPodAutoscalers);
  return hpa === undefined ? undefined : autoScalingCondition(hpa.cached);
}

/** A Kubernetes Event when the AutoScaling condition moves to a limit or a failure (not back to Active or to minCapacity, the idle state). */
function autoScalingEvents(svc: ServiceObject, next: AutoScalingCondition | undefined): ServiceEvent[] {
  const previous = svc.status?.conditions?.find((c) => c.type === AUTO_SCALING_CONDITION);
  if (next === undefined || previous?.reason === next.reason) return [];
  const name = `${svc.metadata.namespace ?? ""}/${svc.metadata.name ?? ""}`;
  if (next.status === "False") return [{ type: "Warning", reason: next.reason, message: `Service ${name}: spec.autoScaling: ${next.message}` }];
  if (next.reason === AutoScalingReason.AtMaxCapacity) return [{ type: "Normal", reason: next.reason, message: `Service ${name}: spec.autoScaling.maxCapacity: ${next.message}` }];
  return [];
}

const isNodeList = (nodes: readonly Wire<V1Node>[] | Record<string, string[]>): nodes is readonly Wire<V1Node>[] => Array.isArray(nodes);

/** The values the nodes have for the label keys memberOf was compiled against (compared to requeue on a change). */
export function labelFingerprint(keys: readonly string[], nodes: readonly Wire<V1Node>[] | Record<string, string[]>): string {
  const values = isNodeList(nodes) ? nodeLabelValues(nodes) : nodes;
  return JSON.stringify(keys.map((k) => values[k] ?? []));
}

const podDelete = (pod: PodObject, why: string): ChildDelete => ({ resource: Pods, namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "", uid: pod.metadata?.uid ?? "", why });

/**
 * Which cached object a desired child is applied over. A child is never adopted: one of the same name that this
 * service does not control stops the service (NotOwned). Names the observation does not cover are asked for.
 */
class Claims {
  readonly lookups: { resource: ResourceType; namespace: string; name: string }[] = [];
  private readonly observed: ObservedService;

  constructor(observed: ObservedService) {
    this.observed = observed;
  }

  claim(resource: ResourceType, object: KubeObject): ChildApply | undefined {
    const name = object.metadata?.name ?? "";
    const mine = this.observed.children.find((c) => c.kind === resource.kind && c.metadata?.name === name);
    if (mine !== undefined) return { resource, object, cached: mine };
    const others = this.observed.others;
    const other = others === "none" ? null : others[`${resource.kind}/${name}`];
    if (other === undefined) {
      this.lookups.push({ resource, namespace: object.metadata?.namespace ?? "", name });
      return undefined;
    }
    if (other !== null && controllerOf(other)?.uid !== this.observed.service.metadata.uid) {
      throw new SpecError("", `${resource.kind} ${name} already exists and is not owned by this service; delete or rename it`, ServiceReason.NotOwned);
    }
    return { resource, object, cached: other ?? undefined };
  }
}

/** The Deployments (one per provider, with its share) or DaemonSets, and what their pod template reports. */
function buildWorkloads(
  observed: ObservedService,
  r: Resolved,
  service: ServiceRef,
  step: Step,
  options: ServicePlanOptions,
  claims: Claims,
): { applies: ChildApply[]; podTemplate: PodTemplate | undefined; unsupported: { field: string; reason: string }[]; dependsOnLabels: Set<string> } {
  const applies: ChildApply[] = [];
  const dependsOnLabels = new Set<string>();
  const unsupported: { field: string; reason: string }[] = [];
  let podTemplate: PodTemplate | undefined;
  for (const [i, p] of r.providers.entries()) {
    const input = {
      service,
      serviceName: step.serviceName,
      clusterName: r.cap.clusterName,
      revision: step.revision,
      deploymentId: step.rollout.target.id,
      provider: p.provider,
      scheduling: p.scheduling,
      replicas: step.budget?.workloads[i]?.replicas ?? step.wanted[i]?.replicas ?? 0,
      ...(step.wanted[i]?.color === undefined ? {} : { color: step.wanted[i].color }),
      ...(step.budget?.workloads[i] === undefined ? {} : { rollout: step.budget.workloads[i] }),
      nodes: observed.nodes,
      placement: { binpackSchedulerName: options.binpackSchedulerName ?? null },
      ...(options.podLevelResources === undefined ? {} : { podLevelResources: options.podLevelResources }),
      ...(options.ebsStorageClasses === undefined ? {} : { ebsStorageClasses: options.ebsStorageClasses }),
      minReadySeconds: minimumHealthyWaitSeconds(step.revision.spec, service.spec, options.noHealthCheckWaitSeconds),
    };
    const cachedDaemonSet = step.owned.find((o): o is DaemonSetObject => o.kind === "DaemonSet" && o.metadata?.name === step.wanted[i]?.name);
    const built = buildChild(() => (r.daemon ? buildServiceDaemonSet({ ...input, eligibleNodes: cachedDaemonSet?.status?.desiredNumberScheduled }) : buildServiceDeployment(input)));
    for (const l of built.placement.dependsOnLabels) dependsOnLabels.add(l);
    // buildPlacement reports "field: reason"; the field is below spec.
    if (podTemplate === undefined) unsupported.push(...built.placement.unsupported.map((u) => ({ field: `spec.${u.slice(0, Math.max(0, u.indexOf(": ")))}`, reason: u.slice(u.indexOf(": ") + 2) })), ...built.notes);
    podTemplate ??= built.podTemplate;
    const a = claims.claim(r.daemon ? DaemonSets : Deployments, built.object);
    if (a !== undefined) applies.push(a);
  }
  return { applies, podTemplate, unsupported, dependsOnLabels };
}

function buildChild(build: () => { deployment?: KubeObject; daemonSet?: KubeObject; placement: Placement; podTemplate: PodTemplate; notes: { field: string; reason: string }[] }): { object: KubeObject; placement: Placement; podTemplate: PodTemplate; notes: { field: string; reason: string }[] } {
  try {
    const r = build();
    const object = r.deployment ?? r.daemonSet;
    if (object === undefined) throw new Error("the workload builder returned no object");
    return { object, placement: r.placement, podTemplate: r.podTemplate, notes: r.notes };
  } catch (e) {
    if (!(e instanceof SpecError) || e.conditionReason === ServiceReason.InvalidPlacement) throw e;
    throw new SpecError(e.field, `${e.reason} (the task definition cannot run here)`, e.conditionReason);
  }
}

/**
 * The ServiceAccount a task role maps to (docs/mapping.md): the pods cannot be created without it. The same object
 * the Task controller and render make (buildTaskRoleServiceAccount): owned by the TaskDefinition, so every service
 * and task of the family applies the same one; a user's own of that name (mayWriteTaskRoleServiceAccount) is left alone.
 */
function taskRoleServiceAccount(podTemplate: PodTemplate | undefined, td: KubeObject, serviceAccounts: readonly KubeObject[]): ChildApply | undefined {
  const sa = podTemplate?.serviceAccount;
  if (sa === undefined) return undefined;
  const cached = serviceAccounts.find((o) => o.metadata?.name === sa.name && o.metadata.namespace === sa.namespace);
  if (!mayWriteTaskRoleServiceAccount(cached)) return undefined;
  return { resource: ServiceAccounts, object: buildTaskRoleServiceAccount(sa, taskDefinitionOwner(td)), cached };
}

const CHILD_RESOURCES: readonly ResourceType[] = [Services, Ingresses, HorizontalPodAutoscalers, PodDisruptionBudgets];

/**
 * Service/Ingress (load balancing, discovery), HPA (autoScaling, scheduled limits) and PDB as the builders return
 * them; owned ones they no longer return are deleted. Also: the desiredCount the capacity limits in force set, and
 * when those limits change next.
 */
function serviceChildren(
  observed: ObservedService,
  ref: ServiceRef,
  r: Resolved,
  step: Step,
  podTemplate: PodTemplate | undefined,
  now: Date,
  options: ServicePlanOptions,
  claims: Claims,
): { applies: ChildApply[]; deletes: ChildDelete[]; scale?: number; scheduledMs?: number; unsupported: { field: string; reason: string }[]; noRoute: boolean } {
  const { cap, daemon } = r;
  const { desiredCount, revision } = step;
  const revisionRef = step.rollout.target.taskDefinition;
  const child: ServiceChildContext = {
    namespace: ref.namespace,
    ownerReference: controllerReference(ref),
    labels: { ...(ref.spec.kubernetes?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY, [SERVICE_LABEL]: nameLabelValue(ref.name), [CLUSTER_LABEL]: nameLabelValue(cap.clusterName), ...serviceShardLabel(ref.namespace, ref.name) },
  };
  const selector = servicePodSelector(ref.name);
  const desired: { resource: ResourceType; object: KubeObject }[] = [];
  const unsupported: { field: string; reason: string }[] = [];
  let scale: number | undefined;
  let scheduledMs: number | undefined;
  let httpRoute: ChildApply | undefined;
  if (podTemplate !== undefined) {
    const net = buildServiceNetworking({
      name: ref.name,
      spec: ref.spec,
      selector,
      taskDefinition: revision.spec,
      podTemplate,
      taskDefinitionRef: revisionRef,
      serviceConnectDefaultNamespace: cap.cluster?.spec.serviceConnectDefaults?.namespace,
      ...(options.clusterDomain === undefined ? {} : { clusterDomain: options.clusterDomain }),
      ...(step.shift === undefined ? {} : { traffic: step.shift.traffic }),
      gatewayApi: observed.gatewayApi ?? options.gatewayApi ?? true,
      child,
    });
    for (const o of net.services) desired.push({ resource: Services, object: withoutServerDroppedDefaults(o) });
    if (net.ingress !== undefined) desired.push({ resource: Ingresses, object: net.ingress });
    if (net.canaryIngress !== undefined) desired.push({ resource: Ingresses, object: net.canaryIngress });
    // Not cached (the Gateway API may not be installed): looked up by name each pass it is wanted (Claims).
    if (net.httpRoute !== undefined) httpRoute = claims.claim(HTTPRoutes, net.httpRoute);
    unsupported.push(...net.unsupported);
  }
  const autoScaling = ref.spec.autoScaling;
  if (autoScaling !== undefined && !daemon) {
    const svc = observed.service;
    const created = svc.metadata.creationTimestamp === undefined ? now : new Date(svc.metadata.creationTimestamp);
    const limits = (autoScaling.scheduledActions ?? []).length > 0 ? scheduledCapacity({ autoScaling, now, createdAt: created, actionsSeenAt: actionsSeenAt(observed, ref.name, autoScaling) }) : undefined;
    if (limits !== undefined) {
      scheduledMs = scheduledRequeueAfterMs(limits, now);
      unsupported.push(...limits.unsupported);
    }
    const scaling = buildServiceAutoscaling({
      name: ref.name,
      autoScaling,
      ...(limits === undefined ? {} : { capacity: { minCapacity: limits.minCapacity, maxCapacity: limits.maxCapacity } }),
      desiredCount,
      requestCountMetric: options.requestCountMetric,
      child,
    });
    if (scaling.hpa !== undefined) desired.push({ resource: HorizontalPodAutoscalers, object: withActionsSeen(scaling.hpa, limits?.actionsSeenAt ?? {}) });
    unsupported.push(...scaling.unsupported);
    // As `kubectl scale` does: through the scale subresource, so the HPA and users see the same desiredCount.
    scale = scaling.desiredCount;
  }
  const pdb = options.podDisruptionBudgets === false ? undefined : buildServicePdb({ name: ref.name, desiredCount, schedulingStrategy: daemon ? "DAEMON" : "REPLICA", deploymentConfiguration: ref.spec.deploymentConfiguration, selector, child });
  if (pdb !== undefined) desired.push({ resource: PodDisruptionBudgets, object: pdb });

  const applies: ChildApply[] = [];
  const deletes: ChildDelete[] = [];
  for (const resource of CHILD_RESOURCES) {
    const wanted = desired.filter((d) => d.resource === resource);
    for (const d of wanted) {
      const a = claims.claim(resource, d.object);
      if (a !== undefined) applies.push(a);
    }
    for (const o of observed.children.filter((c) => c.kind === resource.kind)) {
      if (!wanted.some((d) => d.object.metadata?.name === o.metadata?.name)) deletes.push({ resource, namespace: ref.namespace, name: o.metadata?.name ?? "", why: "no longer asked for by the spec" });
    }
  }
  // After the Services it routes to.
  if (httpRoute !== undefined) applies.push(httpRoute);
  const route = httpRoute === undefined ? staleHttpRoute(observed, ref, claims) : { noRoute: false };
  if (route.delete !== undefined) deletes.push(route.delete);
  return { applies, deletes, ...(scale === undefined ? {} : { scale }), ...(scheduledMs === undefined ? {} : { scheduledMs }), unsupported, noRoute: route.noRoute };
}

/**
 * The HTTPRoute a service made while it shifted traffic behind a Gateway and no longer wants (the gateway knob
 * removed, strategy ROLLING, no loadBalancers): deleted. HTTPRoutes are not cached (the Gateway API may not be
 * installed), so it is looked up by name, only for services that have shifted traffic and only until none is found.
 */
function staleHttpRoute(observed: ObservedService, ref: ServiceRef, claims: Claims): { delete?: ChildDelete; noRoute: boolean } {
  if (observed.memory.noRoute === true || (observed.service.status?.serviceDeployments ?? []).length === 0 || observed.gatewayApi === false) return { noRoute: observed.memory.noRoute === true };
  const name = serviceObjectName(ref.name);
  const others = observed.others;
  const found = others === "none" ? null : others[`HTTPRoute/${name}`];
  if (found === undefined) {
    claims.lookups.push({ resource: HTTPRoutes, namespace: ref.namespace, name });
    return { noRoute: false };
  }
  if (found === null || controllerOf(found)?.uid !== observed.service.metadata.uid) return { noRoute: true };
  return { delete: { resource: HTTPRoutes, namespace: ref.namespace, name, why: "traffic no longer shifts through a Gateway" }, noRoute: false };
}

/**
 * When the service's scheduled actions were first seen, from the record on its HPA (scheduled-scaling.ts: an action
 * acts only after it exists; every HPA the plan writes carries a record, empty without actions). An HPA without a
 * record (made by a version before records) and a service without scaling policies (no HPA to hold one) count every
 * action from the Service's creation; an HPA about to be created starts an empty record, so actions added to an old
 * service count from now.
 */
function actionsSeenAt(observed: ObservedService, name: string, autoScaling: NonNullable<ServiceSpec["autoScaling"]>): Record<string, string> | undefined {
  const hpa = observed.children.find((c) => c.kind === HorizontalPodAutoscalers.kind && c.metadata?.name === name);
  const raw = hpa?.metadata?.annotations?.[SCHEDULED_ACTIONS_SEEN_ANNOTATION];
  if (hpa !== undefined) {
    if (raw === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== "object" || parsed === null) return undefined;
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string" && !Number.isNaN(Date.parse(e[1]))));
    } catch {
      return undefined;
    }
  }
  const policies = (autoScaling.targetTrackingScalingPolicies ?? []).length + (autoScaling.stepScalingPolicies ?? []).length;
  return policies > 0 ? {} : undefined;
}

/**
 * The HPA with the record of when each scheduled action was first seen. Written also when empty, so that an HPA
 * without it is known to predate the record (and an action added later counts from when it is first seen).
 */
function withActionsSeen(hpa: KubeObject, seen: Record<string, string>): KubeObject {
  const sorted = Object.fromEntries(Object.entries(seen).sort(([a], [b]) => a.localeCompare(b)));
  return { ...hpa, metadata: { ...hpa.metadata, annotations: { ...(hpa.metadata?.annotations ?? {}), [SCHEDULED_ACTIONS_SEEN_ANNOTATION]: JSON.stringify(sorted) } } };
}

/**
 * The API server drops `publishNotReadyAddresses: false` (omitempty), so a desired Service that states it never
 * matches the cached one and would be re-applied on every pass. False is the default: leave it out.
 */
function withoutServerDroppedDefaults(obj: KubeObject): KubeObject {
  const spec = (obj as { spec?: Record<string, unknown> }).spec;
  if (obj.kind !== "Service" || spec?.publishNotReadyAddresses !== false) return obj;
  const { publishNotReadyAddresses: _dropped, ...rest } = spec;
  return { ...obj, spec: rest } as KubeObject;
}

/**
 * A deleted Service (ECS DRAINING): its Deployments scale to 0 and its DaemonSets go; the finalizer is held until
 * no task is left, then Kubernetes garbage-collects the children through their owner references.
 */
function planDrain(observed: ObservedService, now: Date): ServicePlan {
  const svc = observed.service;
  if (!hasFinalizer(svc, SERVICE_FINALIZER)) return nothing(observed.memory);
  const name = svc.metadata.name ?? "";
  const namespace = svc.metadata.namespace ?? "";
  const uid = svc.metadata.uid ?? "";
  const patches: ChildPatch[] = [];
  const deletes: ChildDelete[] = [];
  for (const o of observed.children) {
    if (o.kind === "Deployment" && ((o as DeploymentObject).spec?.replicas ?? 1) !== 0) patches.push({ resource: Deployments, namespace, name: o.metadata?.name ?? "", patch: { spec: { replicas: 0 } }, why: "draining" });
    if (o.kind === "DaemonSet" && o.metadata?.deletionTimestamp === undefined) deletes.push({ resource: DaemonSets, namespace, name: o.metadata?.name ?? "", why: "draining" });
  }
  const serviceName = svc.spec.serviceName ?? name;
  const previousPrimary = svc.status?.deployments?.find((d) => d.status === "PRIMARY");
  const rollout: RolloutResult = computeDeployments({
    serviceName,
    previous: svc.status?.deployments,
    desired: { id: previousPrimary?.id ?? deploymentId(uid, svc.spec.taskDefinition ?? ""), taskDefinition: previousPrimary?.taskDefinition ?? svc.spec.taskDefinition ?? "", desiredCount: 0 },
    tasks: observed.pods.map((p) => observeTask(p, now, {}, DEPLOYMENT_ID_ANNOTATION)),
    newFailures: {},
    threshold: 1,
    settled: false,
    now,
  });
  const status = computeServiceStatus({
    previous: svc.status,
    generation: svc.metadata.generation,
    serviceName,
    clusterName: svc.status?.cluster ?? svc.spec.cluster ?? "default",
    desiredCount: 0,
    rollout,
    selector: serviceSelectorString(name),
    draining: true,
    // Kept as they were: a drain runs no hooks, and the status it writes must not lose their record.
    lifecycleHooks: svc.status?.lifecycleHooks,
    lastRollbackRequest: svc.status?.lastRollbackRequest,
    now,
  });
  const left = observed.pods.length;
  return {
    lookups: [],
    ...(left === 0 ? { finalizer: "remove" as const } : {}),
    applies: [],
    patches,
    deletes,
    status,
    events: eventsOf(svc.status, status, serviceName, rollout.events, undefined),
    next: left === 0 ? Action.done() : Action.requeueAfter(DRAIN_RECHECK_MS),
    memory: NO_MEMORY,
  };
}

/**
 * The status events this pass adds, as Kubernetes Events. Each message is one this pass made (rollout, stopped
 * tasks, or the status's own: steady state, draining, unable to place), so its type and reason are known exactly.
 */
function eventsOf(previous: ServiceStatus | undefined, next: ServiceStatus, serviceName: string, made: readonly ServiceEvent[], unplaceable: string | undefined): ServiceEvent[] {
  const known = new Map<string, ServiceEvent>();
  // Keyed as status stores the message (cut to its bound), which is what newEventMessages returns.
  const add = (e: ServiceEvent): void => { known.set(serviceEventMessage(e.message), e); };
  made.forEach(add);
  add({ type: "Normal", reason: "SteadyState", message: ServiceMessages.steadyState(serviceName) });
  add({ type: "Normal", reason: "Draining", message: ServiceMessages.draining(serviceName) });
  if (unplaceable !== undefined) add({ type: "Warning", reason: "UnableToPlaceTask", message: ServiceMessages.unableToPlace(serviceName, unplaceable) });
  return newEventMessages(previous, next).map((message) => known.get(message) ?? { type: "Normal", reason: "ServiceEvent", message });
}

function observedChild(o: DeploymentObject | DaemonSetObject): ObservedChild {
  const status = o.status;
  return {
    kind: o.kind === "DaemonSet" ? "DaemonSet" : "Deployment",
    name: o.metadata?.name ?? "",
    generation: o.metadata?.generation,
    deploymentId: o.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION],
    ...(status === undefined ? {} : { status }),
  };
}
