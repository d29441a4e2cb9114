// The pods of ECS services and tasks, cached once for the Service, Cluster and CapacityProvider controllers: every
// pod the operator runs carries the capacity provider label (service Deployments and DaemonSets select on it, task
// pods have it), so one list and one watch of that selection serve all three. Before the caches shared it, each
// controller listed and watched the same pods under its own selector: three lists of every pod after a restart.
import type { V1Container } from "@kubernetes/client-node";
import { CAPACITY_PROVIDER_LABEL, CONTAINERS_ANNOTATION, DEPLOYMENT_ID_ANNOTATION, OPERATOR_KEY_PREFIX } from "../api/keys.ts";
import { POD_DELETION_COST_ANNOTATION } from "../builders/service/budget.ts";
import type { Informer, InformerOptions } from "../runtime/informer.ts";
import type { Manager } from "../runtime/manager.ts";
import { Pods } from "../runtime/resources.ts";
import type { TaskPodObject } from "./capacity-provider/task-pods.ts";
import { EcsServices, type ServiceObject } from "./ecs-resources.ts";
import { shardSelection, UNSHARDED, type ShardSelection } from "./shards.ts";

const UNSHARDED_SELECTION = shardSelection(UNSHARDED);

/**
 * The shared pod cache: pods with the capacity provider label (on a replica of one shard of the Service controller,
 * those of its buckets: shards.ts). A caller adds its own indexes (they are added to the one cache).
 */
export function operatorPods<T extends TaskPodObject>(mgr: Manager, namespace: string | undefined, indexers: InformerOptions<T>["indexers"] = {}, selection: ShardSelection = UNSHARDED_SELECTION): Informer<T> {
  return mgr.informer<T>(Pods, { ...(namespace === undefined ? {} : { namespace }), labelSelector: selection.podSelector, transform: leanOperatorPod, indexers });
}

/** The shared cache of ECS Services (on a replica of one shard other than 0, only that shard's). */
export function ecsServices(mgr: Manager, namespace: string | undefined, indexers: InformerOptions<ServiceObject>["indexers"] = {}, selection: ShardSelection = UNSHARDED_SELECTION): Informer<ServiceObject> {
  return mgr.informer<ServiceObject>(EcsServices, { ...(namespace === undefined ? {} : { namespace }), indexers, ...(selection.serviceSelector === undefined ? {} : { labelSelector: selection.serviceSelector }) });
}

const leanContainer = (c: V1Container): V1Container => ({
  name: c.name,
  ...(c.resources === undefined ? {} : { resources: { ...(c.resources.requests ? { requests: c.resources.requests } : {}), ...(c.resources.limits ? { limits: c.resources.limits } : {}) } }),
  ...(c.restartPolicy === undefined ? {} : { restartPolicy: c.restartPolicy }),
});

/** Of a pod's spec, the node and what capacity counts: each container's name, requests, limits and restart policy, overhead. */
function capacitySpec(spec: TaskPodObject["spec"]): NonNullable<TaskPodObject["spec"]> {
  return {
    containers: (spec?.containers ?? []).map(leanContainer),
    ...(spec?.initContainers === undefined ? {} : { initContainers: spec.initContainers.map(leanContainer) }),
    ...(spec?.nodeName === undefined ? {} : { nodeName: spec.nodeName }),
    ...(spec?.overhead === undefined ? {} : { overhead: spec.overhead }),
    ...(spec?.resources === undefined ? {} : { resources: spec.resources }),
  };
}

/**
 * What the three controllers keep of a pod, so memory per cached pod stays small and flat:
 * - metadata without managedFields, and of the annotations only the deployment id, the deletion cost and which
 *   containers are essential (the container mappings cut down to that); the large ones (Docker labels, log
 *   configuration) stay out;
 * - of the spec, the node and what capacity counts (each container's name, requests and limits, overhead);
 * - the status (phase, conditions, container states: task health and rollouts read them).
 */
export function leanOperatorPod<T extends TaskPodObject>(pod: T): T {
  const { managedFields: _, ...meta } = pod.metadata ?? {};
  const kept: Record<string, string> = {};
  const id = meta.annotations?.[DEPLOYMENT_ID_ANNOTATION];
  if (id !== undefined) kept[DEPLOYMENT_ID_ANNOTATION] = id;
  const cost = meta.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (cost !== undefined) kept[POD_DELETION_COST_ANNOTATION] = cost;
  const containers = essentialMappings(meta.annotations?.[CONTAINERS_ANNOTATION]);
  if (containers !== undefined) kept[CONTAINERS_ANNOTATION] = containers;
  const lean: TaskPodObject = {
    apiVersion: pod.apiVersion ?? "v1",
    kind: pod.kind ?? "Pod",
    metadata: { ...meta, annotations: kept },
    spec: capacitySpec(pod.spec),
    ...(pod.status === undefined ? {} : { status: pod.status }),
  };
  return lean as T;
}

/** The container mappings cut down to what the Service's task health reads: each container's name, essential and role. */
function essentialMappings(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const mappings = JSON.parse(raw) as { container?: string; essential?: boolean; role?: string }[];
    return JSON.stringify(mappings.map((m) => ({ container: m.container, essential: m.essential, role: m.role })));
  } catch {
    return undefined;
  }
}

/**
 * The task pods the roll-ups (Cluster, CapacityProvider) read. Unsharded, the one shared cache. Sharded (on the
 * replica of shard 0), every pod, apart from the Service controller's share and cut down by rollupPod: the roll-ups
 * need every task but little of each.
 */
export function rollupPods(mgr: Manager, namespace: string | undefined, selection: ShardSelection = UNSHARDED_SELECTION): Informer<TaskPodObject> {
  if (selection.shard.count === 1) return operatorPods<TaskPodObject>(mgr, namespace, {}, selection);
  return mgr.informer<TaskPodObject>(Pods, { ...(namespace === undefined ? {} : { namespace }), labelSelector: CAPACITY_PROVIDER_LABEL, transform: rollupPod });
}

/**
 * What the roll-ups read of a task pod: its identity, the operator's labels (cluster, service, provider, ...), the
 * node, what capacity counts (each container's requests and limits, overhead) and the phase. A third of a lean pod:
 * no annotations, owner references, conditions or container statuses.
 */
export function rollupPod<T extends TaskPodObject>(pod: T): T {
  const m = pod.metadata ?? {};
  const labels = Object.fromEntries(Object.entries(m.labels ?? {}).filter(([k]) => k.startsWith(OPERATOR_KEY_PREFIX)));
  const slim: TaskPodObject = {
    apiVersion: pod.apiVersion ?? "v1",
    kind: pod.kind ?? "Pod",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels,
      ...(m.deletionTimestamp === undefined ? {} : { deletionTimestamp: m.deletionTimestamp }),
    },
    spec: capacitySpec(pod.spec),
    ...(pod.status?.phase === undefined ? {} : { status: { phase: pod.status.phase } }),
  };
  return slim as T;
}

/**
 * The ECS Services the cluster-wide work reads: the Cluster's services, revision pruning (which revisions a Service
 * still runs), the bucket labels. Unsharded, the Service controller's cache. Sharded (shard 0), every Service apart
 * from the Service controller's share, cut down by rollupService.
 */
export function rollupServices(mgr: Manager, namespace: string | undefined, selection: ShardSelection = UNSHARDED_SELECTION): Informer<ServiceObject> {
  if (selection.shard.count === 1) return ecsServices(mgr, namespace, {}, selection);
  return mgr.informer<ServiceObject>(EcsServices, { ...(namespace === undefined ? {} : { namespace }), transform: rollupService });
}

/** Of a Service: its identity, labels, finalizers and deletion, spec.cluster, and each deployment's revision and status. */
export function rollupService(svc: ServiceObject): ServiceObject {
  const m = svc.metadata;
  const deployments = svc.status?.deployments?.map((d) => ({ ...(d.taskDefinition === undefined ? {} : { taskDefinition: d.taskDefinition }), status: d.status }));
  return {
    apiVersion: svc.apiVersion,
    kind: svc.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      generation: m.generation,
      ...(m.labels === undefined ? {} : { labels: m.labels }),
      ...(m.finalizers === undefined ? {} : { finalizers: m.finalizers }),
      ...(m.deletionTimestamp === undefined ? {} : { deletionTimestamp: m.deletionTimestamp }),
    },
    spec: { ...(svc.spec.cluster === undefined ? {} : { cluster: svc.spec.cluster }) },
    ...(deployments === undefined ? {} : { status: { deployments } }),
  } as ServiceObject;
}
