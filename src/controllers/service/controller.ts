// The Service controller: a REPLICA service becomes one Deployment per capacity provider of its strategy (a DAEMON
// service one DaemonSet per EC2-type provider), with ECS deployments, the circuit breaker, spot replacement and
// DRAINING deletion. A pass is observe (observe.ts, caches only) → plan (plan.ts, pure, every decision) → apply
// (apply.ts). Watches carry predicates: a service is reconciled when something its plan reads changed.
import { ecsServices, operatorPods } from "../operator-pods.ts";
import { shardSelection, UNSHARDED, type ShardSelection } from "../shards.ts";
import { WrittenStatuses } from "../../runtime/status.ts";
import { ServiceStatus } from "../../api/service.ts";
import { parseTaskDefinitionRef } from "../../builders/task-definition/ref.ts";
import type { V1DaemonSetStatus, V1DeploymentStatus } from "@kubernetes/client-node";
import { nodeLabelValues } from "../../builders/placement/placement.ts";
import type { buildServiceAutoscaling } from "../../builders/service/autoscaling.ts";
import type { HookGateOptions } from "../../builders/service/lifecycle-hooks.ts";
import { Action, type Controller, type ReconcileContext } from "../../runtime/controller.ts";
import { byOwnerUid, type Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { annotationsChanged, anyOf, deletionChanged, generationChanged, labelsChanged, nodeSchedulingChanged, podLifecycleChanged, specChanged, type UpdatePredicate } from "../../runtime/predicates.ts";
import { DaemonSets, Deployments, HorizontalPodAutoscalers, Ingresses, objectKey, PodDisruptionBudgets, ServiceAccounts, Services, type KubeObject } from "../../runtime/resources.ts";
import type { CapacityContext } from "../capacity-context.ts";
import type { ServiceObject } from "../ecs-resources.ts";
import type { TaskDefinitionController } from "../task-definition/controller.ts";
import { applyServicePlan, type ApplyIo } from "./apply.ts";
import { GatewayApiProbe, lookUp, observeService, type ServiceCaches } from "./observe.ts";
import { labelFingerprint, NO_MEMORY, planService, type ServiceMemory, type ServicePlanOptions } from "./plan.ts";
import {
  byNamespace,
  byServiceLabelValue,
  byTaskDefinitionFamily,
  NAMESPACE_INDEX,
  OWNER_UID_INDEX,
  POD_NODE_INDEX,
  POD_SERVICE_INDEX,
  podNodeName,
  podServiceKey,
  SERVICE_FAMILY_INDEX,
  SERVICE_LABEL_INDEX,
  type DaemonSetObject,
  type DeploymentObject,
  type PodObject,
} from "./resources.ts";

export const CONTROLLER_NAME = "service";

/**
 * A rollout moves a service's pods and Deployment through many small changes (created, scheduled, running, ready, for
 * each task; the Deployment's counters after each). Gathered for this long, they make one pass instead of one each:
 * at 300 services and 8 workers, a pass per change was 24 passes and 9 status writes per service in a rollout;
 * gathered for 1 s with 4 workers, 10 passes and 5 writes (docs/performance.md). A second is short against a task's
 * start, and the pass then sees the whole step. Timed steps (bake times, LINEAR and CANARY steps) requeue on their own
 * timers, so gathering never stretches them.
 */
export const TASK_WAKE_COALESCE_MS = 1000;

export interface ServiceControllerOptions {
  namespace?: string;
  workers?: number;
  taskDefinitions: Pick<TaskDefinitionController, "resolver" | "taskDefinitions" | "revisions">;
  capacity: CapacityContext;
  /**
   * The scheduler profile binpack uses (docs/placement.md). Default null: binpack becomes a preferred affinity,
   * because pods naming a scheduler the cluster does not run would stay Pending forever.
   */
  binpackSchedulerName?: string | null;
  /** How long every task of a deployment must have been Ready before it is COMPLETED (DEFAULT_TASK_STABLE_SECONDS). */
  taskStableSeconds?: number;
  /** false: the task size split into per-container limits, for clusters without PodLevelResources (default true). */
  podLevelResources?: boolean | undefined;
  /** The storage class of each EBS volume type of volumeConfigurations (gp3 → "ebs-gp3" ...). */
  ebsStorageClasses?: Readonly<Record<string, string>> | undefined;
  /**
   * How long a task without an essential health check runs before it counts toward minimumHealthyPercent when the
   * service sets no spec.kubernetes.minReadySeconds: ECS's 40 s unless set (test suites about other rules set 0).
   */
  noHealthCheckWaitSeconds?: number | undefined;
  /** false: no PodDisruptionBudgets (--pod-disruption-budgets=false; ServicePlanOptions.podDisruptionBudgets). */
  podDisruptionBudgets?: boolean | undefined;
  /** How long past the grace period a started task may stay unready before it counts as failed. */
  unhealthyAfterSeconds?: number;
  /** Lifecycle hooks: the default callBackDelay and how often a Job hook is looked at (docs/lifecycle-hooks.md). */
  lifecycleHooks?: HookGateOptions;
  /** How soon to look again while a deployment is in progress (timed rules: unready tasks). */
  progressRecheckMs?: number;
  /** Safety-net resync of a steady service. */
  steadyRecheckMs?: number;
  /** Where ALBRequestCountPerTarget comes from (docs/autoscaling.md). */
  requestCountMetric?: Parameters<typeof buildServiceAutoscaling>[0]["requestCountMetric"];
  /** The cluster DNS domain for Service Connect names. Default cluster.local. */
  clusterDomain?: string;
  /** How long a minute of the bake and step times of BLUE_GREEN, LINEAR and CANARY lasts, in ms (default 60 000). */
  deploymentMinuteMs?: number;
  /** Called with the key at the start of every reconcile (tests and benchmarks count them). */
  onReconcile?: ((key: string) => void) | undefined;
  /**
   * How long the changes of a service's tasks and Deployments gather before one pass looks at them all (default
   * TASK_WAKE_COALESCE_MS; 0: a pass per change).
   */
  taskWakeCoalesceMs?: number | undefined;
  /** The shard of Services this replica reconciles, and what it caches for them (shards.ts). Default: all. */
  selection?: ShardSelection | undefined;
}

export interface ServiceController {
  controller: Controller<ServiceObject>;
  /** Whether a Service still runs (or may roll back to) revision `revision` of `family`: keep it from pruning. */
  revisionInUse: (namespace: string, family: string, revision: number) => boolean;
}

/** What a reconcile needs: the caches it observes, where it writes, and the memory it hands to the plan and back. */
export interface ServiceReconcileDeps extends ApplyIo {
  readonly caches: ServiceCaches;
  readonly memory: Map<string, ServiceMemory>;
  /** The status each pass wrote: the next pass plans from it while the cache has not caught up. */
  readonly written: WrittenStatuses<ServiceStatus>;
  readonly options: ServicePlanOptions;
  readonly now: () => Date;
  /** Whether HTTPRoute is served: asked for services behind a Gateway only. */
  readonly gatewayApi?: GatewayApiProbe | undefined;
}

/** One pass: observe → plan (again once the names it asked about are looked up) → apply; the plan says when next. */
export async function reconcileService(key: string, ctx: ReconcileContext, deps: ServiceReconcileDeps): Promise<Action> {
  const seen = observeService(key, deps.caches, deps.memory.get(key) ?? NO_MEMORY, deps.written);
  const observed = seen?.service.spec.kubernetes?.gateway === undefined || deps.gatewayApi === undefined ? seen : { ...seen, gatewayApi: await deps.gatewayApi.available(deps.client, deps.now()) };
  if (observed === undefined) {
    deps.memory.delete(key);
    deps.written.forget(key);
    return Action.done();
  }
  const now = deps.now();
  let plan = planService(observed, now, deps.options);
  if (plan.lookups.length > 0) plan = planService({ ...observed, others: await lookUp(plan.lookups, deps.caches, deps.client) }, now, deps.options);
  const status = await applyServicePlan(observed.service, plan, deps, ctx);
  deps.memory.set(key, plan.memory);
  if (status !== undefined) deps.written.remember(observed.service, status);
  return plan.next;
}

/** What the plan reads of a Deployment's or DaemonSet's status (childrenSettled, DAEMON desiredCount). */
type WorkloadStatus = Partial<V1DeploymentStatus & V1DaemonSetStatus>;
const WORKLOAD_STATUS_READ = ["observedGeneration", "replicas", "updatedReplicas", "availableReplicas", "desiredNumberScheduled", "updatedNumberScheduled", "numberAvailable"] as const;
const workloadStatusRead: UpdatePredicate = (o, n) => {
  const a = ((o as { status?: WorkloadStatus }).status ?? {}) as Record<string, unknown>;
  const b = ((n as { status?: WorkloadStatus }).status ?? {}) as Record<string, unknown>;
  return WORKLOAD_STATUS_READ.some((f) => a[f] !== b[f]);
};
/** A ReplicaSet that cannot create pods (FailedCreate) shows as the Deployment's ReplicaFailure: refused launches. */
const replicaFailure = (o: KubeObject): string => {
  const c = ((o as { status?: WorkloadStatus }).status?.conditions ?? []).find((x) => x.type === "ReplicaFailure");
  return c === undefined ? "" : `${c.status}/${c.reason ?? ""}/${c.message ?? ""}`;
};
const replicaFailureChanged: UpdatePredicate = (o, n) => replicaFailure(o) !== replicaFailure(n);
const workloadChanged = anyOf(generationChanged, workloadStatusRead, replicaFailureChanged, labelsChanged, annotationsChanged, deletionChanged);
/** Services, Ingresses, HPAs, PDBs: their spec (drift), labels, annotations (the applied hash), deletion. Not their status. */
const childChanged = anyOf(specChanged, labelsChanged, annotationsChanged, deletionChanged);
/** Clusters and CapacityProviders: their status roll-ups move with every pod transition, and the plan reads none of it. */
/**
 * HPAs also pass when one of their conditions changes type, status or reason (the AutoScaling condition reads them):
 * not on their metrics, replica counts, messages or timestamps, which move on every HPA sync.
 */
const hpaConditions = (o: KubeObject): string =>
  JSON.stringify((((o as { status?: { conditions?: { type?: string; status?: string; reason?: string }[] } }).status?.conditions) ?? []).map((c) => [c.type, c.status, c.reason]).sort());
const hpaChanged = anyOf(childChanged, (o, n) => hpaConditions(o) !== hpaConditions(n));
const capacityChanged = anyOf(specChanged, labelsChanged, deletionChanged);
const taskDefinitionChanged = anyOf(generationChanged, deletionChanged);
const revisionChanged = anyOf(labelsChanged, annotationsChanged, deletionChanged);

/** The update predicate of each watch of the Service controller (exported for its tests). */
export const SERVICE_WATCH_PREDICATES = {
  workload: workloadChanged,
  child: childChanged,
  hpa: hpaChanged,
  pod: podLifecycleChanged,
  node: nodeSchedulingChanged,
  capacity: capacityChanged,
  taskDefinition: taskDefinitionChanged,
  revision: revisionChanged,
} as const;

const CHILD_RESOURCES = [Services, Ingresses, HorizontalPodAutoscalers, PodDisruptionBudgets] as const;

/** The informers a Service pass observes (registered on the Manager, shared with other controllers where they match). */
function serviceCaches(mgr: Manager, opts: ServiceControllerOptions): ServiceCaches {
  const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  const selection = opts.selection ?? shardSelection(UNSHARDED);
  const owned = { ...ns, labelSelector: selection.childSelector, indexers: { [OWNER_UID_INDEX]: byOwnerUid } };
  return {
    services: ecsServices(mgr, opts.namespace, { [SERVICE_FAMILY_INDEX]: byTaskDefinitionFamily, [SERVICE_LABEL_INDEX]: byServiceLabelValue }, selection),
    deployments: mgr.informer<DeploymentObject>(Deployments, owned),
    daemonSets: mgr.informer<DaemonSetObject>(DaemonSets, owned),
    // Shared with the Cluster and CapacityProvider controllers (one list and watch of the operator's pods).
    pods: operatorPods<PodObject>(mgr, opts.namespace, { [POD_SERVICE_INDEX]: podServiceKey, [POD_NODE_INDEX]: podNodeName }, selection),
    // Children made by the networking, autoscaling and PDB builders, labelled with the service label.
    children: CHILD_RESOURCES.map((rt) => mgr.informer<KubeObject>(rt, owned)),
    // All ServiceAccounts (few per namespace): one the user made under a task role's name is theirs, and left alone.
    serviceAccounts: mgr.informer<KubeObject>(ServiceAccounts, { ...ns, indexers: { [NAMESPACE_INDEX]: byNamespace } }),
    capacity: opts.capacity,
    resolver: opts.taskDefinitions.resolver,
  };
}

/** The controller's options as the plan takes them. */
function servicePlanOptions(opts: ServiceControllerOptions): ServicePlanOptions {
  return {
    binpackSchedulerName: opts.binpackSchedulerName ?? null,
    taskStableSeconds: opts.taskStableSeconds,
    unhealthyAfterSeconds: opts.unhealthyAfterSeconds,
    progressRecheckMs: opts.progressRecheckMs,
    steadyRecheckMs: opts.steadyRecheckMs,
    requestCountMetric: opts.requestCountMetric,
    clusterDomain: opts.clusterDomain,
    minuteMs: opts.deploymentMinuteMs,
    podLevelResources: opts.podLevelResources,
    ebsStorageClasses: opts.ebsStorageClasses,
    noHealthCheckWaitSeconds: opts.noHealthCheckWaitSeconds,
    podDisruptionBudgets: opts.podDisruptionBudgets,
  };
}

export function registerServiceController(mgr: Manager, opts: ServiceControllerOptions): ServiceController {
  const caches = serviceCaches(mgr, opts);
  const { services, pods } = caches;
  const { capacity } = opts;
  const memory = new Map<string, ServiceMemory>();
  const deps: ServiceReconcileDeps = {
    caches,
    memory,
    written: new WrittenStatuses<ServiceStatus>(),
    client: mgr.client,
    events: mgr.events,
    now: mgr.now,
    hookOptions: opts.lifecycleHooks,
    options: servicePlanOptions(opts),
    gatewayApi: new GatewayApiProbe(),
  };

  const serviceKeysOfPods = (podList: readonly PodObject[]): string[] => {
    const keys = new Set<string>();
    for (const p of podList) for (const k of podServiceKey(p)) for (const s of services.byIndex(SERVICE_LABEL_INDEX, k)) keys.add(objectKey(s));
    return [...keys];
  };
  const servicesOfFamily = (namespace: string, family: string): string[] => services.byIndex(SERVICE_FAMILY_INDEX, `${namespace}/${family}`).map(objectKey);

  const coalesceMs = opts.taskWakeCoalesceMs ?? TASK_WAKE_COALESCE_MS;
  // Sharded, the caches hold the shard's buckets by label; the key filter also keeps out a Service whose bucket label
  // was set wrong by hand (until shard 0 puts the right one back), so that no two shards reconcile one Service.
  const sharded = opts.selection !== undefined && opts.selection.shard.count > 1 ? { keys: opts.selection.ownsService } : {};
  const builder = mgr.controller<ServiceObject>(CONTROLLER_NAME, { workers: opts.workers, ...sharded })
    .for(services)
    .owns(caches.deployments, { when: SERVICE_WATCH_PREDICATES.workload, coalesceMs })
    .owns(caches.daemonSets, { when: SERVICE_WATCH_PREDICATES.workload, coalesceMs });
  for (const [i, informer] of caches.children.entries()) builder.owns(informer, { when: CHILD_RESOURCES[i] === HorizontalPodAutoscalers ? SERVICE_WATCH_PREDICATES.hpa : SERVICE_WATCH_PREDICATES.child });
  const controller = builder
    // A task's lifecycle moving (phase, readiness, containers, node, deletion): only that pod's service.
    .watches(pods, (p) => serviceKeysOfPods([p]), { when: SERVICE_WATCH_PREDICATES.pod, coalesceMs })
    // A TaskDefinition or revision appearing, changing or going: the services that name its family.
    .watches(opts.taskDefinitions.taskDefinitions, (td) => servicesOfFamily(td.metadata?.namespace ?? "", td.spec.family ?? td.metadata?.name ?? ""), { when: SERVICE_WATCH_PREDICATES.taskDefinition })
    .watches(opts.taskDefinitions.revisions, (cr) => {
      const family = cr.metadata?.annotations?.["ecs.operator.dev/family"];
      return family === undefined ? [] : servicesOfFamily(cr.metadata?.namespace ?? "", family);
    }, { when: SERVICE_WATCH_PREDICATES.revision })
    // Nodes (scheduling fields only, never heartbeats): a spot node tainted or gone → the services with pods on it;
    // labels that memberOf patterns were compiled against → the services whose compiled affinity would change.
    .watches(capacity.nodes, (node) => {
      const keys = new Set(serviceKeysOfPods(pods.byIndex(POD_NODE_INDEX, node.metadata?.name ?? "")));
      const withDeps = [...memory].filter(([, m]) => m.labelDeps !== undefined);
      if (withDeps.length > 0) {
        // Once per node change, not once per service.
        const values = nodeLabelValues(capacity.nodeList());
        for (const [key, m] of withDeps) if (m.labelDeps !== undefined && labelFingerprint(m.labelDeps.keys, values) !== m.labelDeps.fingerprint) keys.add(key);
      }
      return [...keys];
    }, { when: SERVICE_WATCH_PREDICATES.node })
    .watches(capacity.clusters, (cluster) => services.list().filter((s) => s.metadata.namespace === cluster.metadata.namespace).map(objectKey), { when: SERVICE_WATCH_PREDICATES.capacity })
    .watches(capacity.capacityProviders, () => services.list().map(objectKey), { when: SERVICE_WATCH_PREDICATES.capacity })
    .reconcile((key, ctx) => {
      opts.onReconcile?.(key);
      return reconcileService(key, ctx, deps);
    });

  return { controller, revisionInUse: revisionsInUse(services) };
}

/** Whether a Service of `services` still runs (or may roll back to) revision `revision` of `family`. */
export function revisionsInUse(services: Informer<ServiceObject>): (namespace: string, family: string, revision: number) => boolean {
  return (namespace, family, revision) =>
    services.list().some((s) => s.metadata.namespace === namespace && (s.status?.deployments ?? []).some((d) => {
      const parsed = d.taskDefinition === undefined ? undefined : parseTaskDefinitionRef(d.taskDefinition);
      return parsed?.ok === true && parsed.ref.family === family && parsed.ref.revision === revision && d.status !== "INACTIVE";
    }));
}
