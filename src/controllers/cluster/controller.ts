// The Cluster controller: keeps each Cluster's status (as DescribeClusters: container instances, running and
// pending tasks, active services, capacity per provider, built-ins included) true to what runs, and keeps a Cluster
// that still contains services or tasks from going away: a finalizer holds the deletion, the status and one event
// say why, and the finalizer goes when the cluster is empty (ECS refuses DeleteCluster until then).
// The decisions are builders/cluster-status.ts's.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { clusterNameOf } from "../../api/cluster.ts";
import type { CapacityProvider, EcsCluster } from "../../api/objects.ts";
import { computeClusterStatus, type ServiceRef } from "../../builders/cluster-status.ts";
import { CLUSTER_LABEL, nameLabelValue } from "../../builders/task-labels.ts";
import { Action, type Controller } from "../../runtime/controller.ts";
import { ensureFinalizer, hasFinalizer, removeFinalizer } from "../../runtime/finalizers.ts";
import type { Informer } from "../../runtime/informer.ts";
import { isConflict, isNotFound } from "../../runtime/kube-client.ts";
import type { Manager } from "../../runtime/manager.ts";
import { objectKey, parseKey, Pods } from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import { CapacityContext } from "../capacity-context.ts";
import { FingerprintMemo, leanTaskPod, nodeFingerprint, taskPodFingerprint, type TaskPodObject } from "../capacity-provider/task-pods.ts";
import { Clusters, EcsServices, type ClusterObject, type ServiceObject } from "../ecs-resources.ts";
import { ContainerInsights } from "./container-insights.ts";

export const CONTROLLER_NAME = "cluster";
/** Holds a Cluster's deletion until it contains no active service and no running or pending task. */
export const CLUSTER_FINALIZER = "ecs.operator.dev/delete-when-empty";

const CONFLICT_RETRY_MS = 500;

export interface ClusterControllerOptions {
  /** Restricts the controller to one namespace. */
  namespace?: string;
  workers?: number;
}

export interface ClusterController {
  controller: Controller<ClusterObject>;
  capacity: CapacityContext;
  /** Pods labelled ecs.operator.dev/cluster, cached lean (leanTaskPod). */
  taskPods: Informer<TaskPodObject>;
  services: Informer<ServiceObject>;
  insights: ContainerInsights;
}

/** Registers the Cluster controller (and its informers) with a Manager. Container Insights series go to mgr.metrics.registry. */
export function registerClusterController(mgr: Manager, opts: ClusterControllerOptions = {}): ClusterController {
  const namespace = opts.namespace;
  const capacity = new CapacityContext(mgr, namespace);
  const clusters = capacity.clusters;
  const taskPods = mgr.informer<TaskPodObject>(Pods, { ...(namespace === undefined ? {} : { namespace }), labelSelector: CLUSTER_LABEL, transform: leanTaskPod });
  // Shared with the Service controller: no transform here, it reads the whole object.
  const services = mgr.informer<ServiceObject>(EcsServices, namespace === undefined ? {} : { namespace });
  const insights = new ContainerInsights(mgr.metrics.registry);
  const allKeys = (): string[] => clusters.list().map(objectKey);

  // Only changes of what the status reads wake the clusters (not heartbeats, pod conditions or status writes).
  // Capacity is per pool, and pools are shared by clusters, so node and pod changes concern every cluster.
  const nodeMemo = new FingerprintMemo();
  const podMemo = new FingerprintMemo();
  const providerMemo = new FingerprintMemo();
  const serviceClusters = new Map<string, string>();

  const controller = mgr
    .controller<ClusterObject>(CONTROLLER_NAME, { workers: opts.workers ?? 1 })
    .for(clusters)
    .watches(capacity.nodes, (n) => {
      const key = objectKey(n);
      return nodeMemo.changed(key, capacity.nodes.get(key) === undefined ? undefined : nodeFingerprint(n)) ? allKeys() : [];
    })
    .watches(taskPods, (p) => {
      const key = objectKey(p);
      return podMemo.changed(key, taskPods.get(key) === undefined ? undefined : taskPodFingerprint(p)) ? allKeys() : [];
    })
    .watches(capacity.capacityProviders, (cp) => {
      const key = objectKey(cp);
      const live = capacity.capacityProviders.get(key);
      return providerMemo.changed(key, live === undefined ? undefined : JSON.stringify([cp.spec, cp.metadata.deletionTimestamp !== undefined])) ? allKeys() : [];
    })
    // A service counts for the cluster it names; one that moves or goes changes two clusters' counts.
    .watches(services, (svc) => {
      const key = objectKey(svc);
      const ns = svc.metadata.namespace ?? "";
      const live = services.get(key);
      const now = live === undefined ? undefined : `${ns}/${clusterNameOf(svc.spec.cluster)}`;
      const before = serviceClusters.get(key);
      if (now === undefined) serviceClusters.delete(key);
      else serviceClusters.set(key, now);
      return [...new Set([before, now].filter((k): k is string => k !== undefined))];
    })
    .reconcile(async (key, ctx) => {
      const cluster = clusters.get(key);
      if (!cluster) {
        insights.remove(key);
        return Action.done();
      }
      const { namespace: ns = "" } = parseKey(key);
      const serviceRefs: ServiceRef[] = services
        .list()
        .filter((s) => s.metadata.namespace === ns)
        .map((s) => ({ name: s.metadata.name ?? "", cluster: s.spec.cluster, deleting: s.metadata.deletionTimestamp !== undefined }));
      const pods = taskPods.list() as unknown as V1Pod[];
      const { status, contents } = computeClusterStatus(cluster as unknown as EcsCluster, {
        providers: capacity.capacityProviders.list() as unknown as CapacityProvider[],
        nodes: capacity.nodes.list() as unknown as V1Node[],
        pods,
        services: serviceRefs,
        now: mgr.now(),
      });
      const deleting = cluster.metadata.deletionTimestamp !== undefined;

      if (!deleting) {
        try {
          await ensureFinalizer(mgr.client, Clusters, cluster, CLUSTER_FINALIZER);
        } catch (err) {
          // The cache is behind the object (its resourceVersion moved): the next pass sees the new one.
          if (isNotFound(err)) return Action.done();
          if (isConflict(err)) return Action.requeueAfter(CONFLICT_RETRY_MS);
          throw err;
        }
      } else if (hasFinalizer(cluster, CLUSTER_FINALIZER)) {
        if (contents.services.length === 0 && contents.running + contents.pending === 0) {
          try {
            await removeFinalizer(mgr.client, Clusters, cluster, CLUSTER_FINALIZER);
          } catch (err) {
            // Already gone (a pass queued before the deletion reached the cache), or changed since: look again later.
            if (isNotFound(err)) return Action.done();
            if (isConflict(err)) return Action.requeueAfter(CONFLICT_RETRY_MS);
            throw err;
          }
          insights.remove(key);
          ctx.log.info("cluster empty, deletion allowed");
          return Action.done();
        }
        const ready = status.conditions?.find((c) => c.type === "Ready");
        const before = cluster.status?.conditions?.find((c) => c.type === "Ready");
        // One event per reason: counts that move while the deletion waits update the status, not the events.
        if (ready && ready.reason !== before?.reason) await mgr.events.record(cluster, "Warning", ready.reason, ready.message, "Delete");
      }
      await writeStatusIfChanged(mgr.client, Clusters, cluster, status);

      const own = pods.filter((p) => p.metadata?.namespace === ns && p.metadata.labels?.[CLUSTER_LABEL] === nameLabelValue(cluster.metadata.name ?? ""));
      insights.update(key, status.containerInsights ?? "disabled", cluster.metadata.name ?? "", ns, own, contents.services);
      return Action.done();
    });

  return { controller, capacity, taskPods, services, insights };
}
