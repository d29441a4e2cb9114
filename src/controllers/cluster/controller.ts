// The Cluster controller: keeps each Cluster's status (as DescribeClusters: container instances, running and
// pending tasks, active services, capacity per provider, built-ins included) true to what runs, and keeps a Cluster
// that still contains services or tasks from going away: a finalizer holds the deletion, the status and one event
// say why, and the finalizer goes when the cluster is empty (ECS refuses DeleteCluster until then).
// Observe (the caches) → planCluster (pure: status, finalizer, event, and the write throttle of status-throttle.ts,
// so a Cluster's status is written at most once per minimum interval under churn) → apply. The status decisions
// are builders/cluster/status.ts's.
import { rollupPods, rollupServices } from "../operator-pods.ts";
import type { ShardSelection } from "../shards.ts";
import { CLUSTER_FINALIZER, CLUSTER_LABEL } from "../../api/keys.ts";
import { clusterNameOf } from "../../api/cluster.ts";
import type { ClusterStatus } from "../../api/cluster.ts";
import { computeClusterStatus, type ClusterContents, type ServiceRef } from "../../builders/cluster/status.ts";
import { nameLabelValue } from "../../builders/pod/labels.ts";
import { Action, type Controller, type ReconcileContext } from "../../runtime/controller.ts";
import { ensureFinalizer, hasFinalizer, removeFinalizer } from "../../runtime/finalizers.ts";
import type { Informer } from "../../runtime/informer.ts";
import { isConflict, isNotFound } from "../../runtime/kube-client.ts";
import type { Manager } from "../../runtime/manager.ts";
import { anyOf, deletionChanged, nodeSchedulingChanged, podLifecycleChanged, specChanged } from "../../runtime/predicates.ts";
import { objectKey, parseKey } from "../../runtime/resources.ts";
import { CapacityContext } from "../capacity-context.ts";
import { DEFAULT_MIN_STATUS_INTERVAL_MS, statusWriteDecision } from "../capacity-provider/status-throttle.ts";
import { type NodeLike, type TaskPodObject } from "../capacity-provider/task-pods.ts";
import { Clusters, type CapacityProviderObject, type ClusterObject, type ServiceObject } from "../ecs-resources.ts";
import { ContainerInsights } from "./container-insights.ts";

export const CONTROLLER_NAME = "cluster";

const CONFLICT_RETRY_MS = 500;

export interface ClusterControllerOptions {
  /** Restricts the controller to one namespace. */
  namespace?: string;
  workers?: number;
  /** The shortest time between two status writes of one Cluster (DEFAULT_MIN_STATUS_INTERVAL_MS). */
  minStatusIntervalMs?: number;
  /** Sharded: the roll-up caches of shard 0 (operator-pods.ts rollupPods, rollupServices). Default: unsharded. */
  selection?: ShardSelection | undefined;
}

export interface ClusterController {
  controller: Controller<ClusterObject>;
  capacity: CapacityContext;
  /** The operator's pods (operatorPods: shared with the Service and CapacityProvider controllers); a Cluster counts those with its label. */
  taskPods: Informer<TaskPodObject>;
  services: Informer<ServiceObject>;
  insights: ContainerInsights;
}

/** What a Cluster's status and deletion are decided from. */
export interface ObservedCluster {
  readonly cluster: ClusterObject;
  readonly providers: readonly CapacityProviderObject[];
  readonly nodes: readonly NodeLike[];
  /** Task pods of every cluster (requested capacity counts them all). */
  readonly pods: readonly TaskPodObject[];
  /** The ECS Services of the Cluster's namespace. */
  readonly services: readonly ServiceRef[];
  /** When this process last wrote this Cluster's status. */
  readonly lastWriteMs: number | undefined;
}

export interface ClusterPlan {
  readonly status: ClusterStatus;
  readonly contents: ClusterContents;
  /** ensure: hold deletions until empty; remove: the Cluster is being deleted and is empty, let it go. */
  readonly finalizer: "ensure" | "remove" | undefined;
  /** Write the status now (it changed, and the last write is at least the minimum interval ago). */
  readonly write: boolean;
  /** One event per reason a deletion waits, recorded with the status that shows it. */
  readonly event: { reason: string; message: string } | undefined;
  readonly next: Action;
}

/** Pure: the Cluster's status, what it contains, the finalizer and whether the status is written now. */
export function planCluster(observed: ObservedCluster, now: Date, options: { minStatusIntervalMs: number }): ClusterPlan {
  const cluster = observed.cluster;
  const { status, contents } = computeClusterStatus(cluster, {
    providers: observed.providers,
    nodes: observed.nodes,
    pods: observed.pods,
    services: observed.services,
    now,
  });
  const deleting = cluster.metadata.deletionTimestamp !== undefined;
  const empty = contents.services.length === 0 && contents.running + contents.pending === 0;
  const finalizer = !deleting ? "ensure" : hasFinalizer(cluster, CLUSTER_FINALIZER) && empty ? "remove" : undefined;
  if (finalizer === "remove") return { status, contents, finalizer, write: false, event: undefined, next: Action.done() };
  const decision = statusWriteDecision({ cached: cluster.status, computed: status, lastWriteMs: observed.lastWriteMs, nowMs: now.getTime(), minIntervalMs: options.minStatusIntervalMs });
  const ready = status.conditions?.find((c) => c.type === "Ready");
  const before = cluster.status?.conditions?.find((c) => c.type === "Ready");
  // Counts that move while the deletion waits update the status, not the events.
  const event = deleting && hasFinalizer(cluster, CLUSTER_FINALIZER) && decision.write && ready !== undefined && ready.reason !== before?.reason ? { reason: ready.reason, message: ready.message } : undefined;
  return { status, contents, finalizer, write: decision.write, event, next: "requeueAfterMs" in decision ? Action.requeueAfter(decision.requeueAfterMs) : Action.done() };
}

/** Registers the Cluster controller (and its informers) with a Manager. Container Insights series go to mgr.metrics.registry. */
export function registerClusterController(mgr: Manager, opts: ClusterControllerOptions = {}): ClusterController {
  const namespace = opts.namespace;
  const capacity = new CapacityContext(mgr, namespace);
  const clusters = capacity.clusters;
  const taskPods = rollupPods(mgr, namespace, opts.selection);
  // Unsharded, shared with the Service controller.
  const services = rollupServices(mgr, namespace, opts.selection);
  const insights = new ContainerInsights(mgr.metrics.registry);
  const allKeys = (): string[] => clusters.list().map(objectKey);
  const minStatusIntervalMs = opts.minStatusIntervalMs ?? DEFAULT_MIN_STATUS_INTERVAL_MS;
  const deps: ClusterReconcileDeps = { mgr, clusters, services, taskPods, capacity, insights, lastWrite: new Map(), minStatusIntervalMs };

  // Only changes of what the status reads wake the clusters (not heartbeats, pod conditions or status writes).
  // Capacity is per pool, and pools are shared by clusters, so node and pod changes concern every cluster.
  const controller = mgr
    .controller<ClusterObject>(CONTROLLER_NAME, { workers: opts.workers ?? 1 })
    .for(clusters)
    .watches(capacity.nodes, () => allKeys(), { when: nodeSchedulingChanged })
    // Every task pod's transition concerns every roll-up: one pass per status interval takes them all (a 300-service
    // rollout woke the Clusters 8,607 times without it).
    .watches(taskPods, () => allKeys(), { when: podLifecycleChanged, coalesceMs: minStatusIntervalMs })
    .watches(capacity.capacityProviders, () => allKeys(), { when: anyOf(specChanged, deletionChanged) })
    // A service counts for the cluster it names; one that moves changes two clusters' counts (the update maps the old
    // object too). Its status (rewritten on every rollout step) is not read here. Gathered like the pods: 5,000 new
    // Services were 5,000 passes, each over every task pod (a third of the operator's CPU in that creation).
    .watches(services, (svc) => [`${svc.metadata.namespace ?? ""}/${clusterNameOf(svc.spec.cluster)}`], { when: anyOf(specChanged, deletionChanged), coalesceMs: minStatusIntervalMs })
    .reconcile((key, ctx) => reconcileCluster(key, ctx, deps));

  return { controller, capacity, taskPods, services, insights };
}

/** What a Cluster pass reads and keeps: the caches, the Container Insights series and the write throttle's memory. */
export interface ClusterReconcileDeps {
  readonly mgr: Pick<Manager, "client" | "events" | "now">;
  readonly clusters: Informer<ClusterObject>;
  readonly services: Informer<ServiceObject>;
  readonly taskPods: Informer<TaskPodObject>;
  readonly capacity: CapacityContext;
  readonly insights: ContainerInsights;
  /** When this process last wrote each Cluster's status (the throttle's memory). */
  readonly lastWrite: Map<string, number>;
  readonly minStatusIntervalMs: number;
}

/** One pass: observe the caches → planCluster → the finalizer, the event, the status (throttled), the insights series. */
export async function reconcileCluster(key: string, ctx: ReconcileContext, deps: ClusterReconcileDeps): Promise<Action> {
  const { mgr, clusters, services, taskPods, capacity, insights, lastWrite, minStatusIntervalMs } = deps;
  const cluster = clusters.get(key);
  if (!cluster) {
    insights.remove(key);
    lastWrite.delete(key);
    return Action.done();
  }
  const { namespace: ns = "" } = parseKey(key);
  const serviceRefs: ServiceRef[] = services
    .list()
    .filter((s) => s.metadata.namespace === ns)
    .map((s) => ({ name: s.metadata.name ?? "", cluster: s.spec.cluster, deleting: s.metadata.deletionTimestamp !== undefined }));
  const pods = taskPods.list();
  const now = mgr.now();
  const plan = planCluster(
    { cluster, providers: capacity.capacityProviders.list(), nodes: capacity.nodes.list(), pods, services: serviceRefs, lastWriteMs: lastWrite.get(key) },
    now,
    { minStatusIntervalMs },
  );

  try {
    if (plan.finalizer === "ensure") await ensureFinalizer(mgr.client, Clusters, cluster, CLUSTER_FINALIZER);
    if (plan.finalizer === "remove") await removeFinalizer(mgr.client, Clusters, cluster, CLUSTER_FINALIZER);
  } catch (err) {
    // The cache is behind the object (gone, or its resourceVersion moved): the next pass sees the new one.
    if (isNotFound(err)) return Action.done();
    if (isConflict(err)) return Action.requeueAfter(CONFLICT_RETRY_MS);
    throw err;
  }
  if (plan.finalizer === "remove") {
    insights.remove(key);
    lastWrite.delete(key);
    ctx.log.info("cluster empty, deletion allowed");
    return Action.done();
  }
  if (plan.event !== undefined) await mgr.events.record(cluster, "Warning", plan.event.reason, plan.event.message, "Delete");
  if (plan.write) {
    await mgr.client.apply(Clusters, { metadata: { name: cluster.metadata.name, namespace: cluster.metadata.namespace }, status: plan.status } as ClusterObject, { subresource: "status" });
    lastWrite.set(key, now.getTime());
  }

  const own = pods.filter((p) => p.metadata?.namespace === ns && p.metadata.labels?.[CLUSTER_LABEL] === nameLabelValue(cluster.metadata.name ?? ""));
  insights.update(key, plan.status.containerInsights ?? "disabled", cluster.metadata.name ?? "", ns, own, plan.contents.services);
  return plan.next;
}
