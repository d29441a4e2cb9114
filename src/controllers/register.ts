// Every controller of the operator, wired together on one Manager: the TaskDefinition controller's resolver feeds
// the Service and Task controllers, they share the capacity caches, and a revision any of them runs is never pruned.
// `ecs-operator run` and the integration tests that need the whole operator call this.
import type { Manager } from "../runtime/manager.ts";
import { CapacityContext } from "./capacity-context.ts";
import { rollupServices } from "./operator-pods.ts";
import { registerServiceBucketLabels } from "./service-buckets.ts";
import { shardSelection, UNSHARDED, type Shard } from "./shards.ts";
import { CONTROLLER_NAME as CAPACITY_PROVIDER, registerCapacityProviderController } from "./capacity-provider/controller.ts";
import { CONTROLLER_NAME as CLUSTER, registerClusterController } from "./cluster/controller.ts";
import { CONTROLLER_NAME as SERVICE, registerServiceController, revisionsInUse } from "./service/controller.ts";
import { CONTROLLER_NAME as SCHEDULED_TASK, registerScheduledTaskController } from "./scheduled-task/controller.ts";
import { CONTROLLER_NAME as TASK_DEFINITION, registerTaskDefinitionController, type RevisionInUse } from "./task-definition/controller.ts";
import { CONTROLLER_NAME as TASK, registerTaskController } from "./task/controller.ts";

/** The controllers, by the name their metrics and logs carry (controller="service"): each controller's own constant. */
export const CONTROLLER_NAMES = [CLUSTER, CAPACITY_PROVIDER, TASK_DEFINITION, SERVICE, TASK, SCHEDULED_TASK] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

/**
 * Workers per controller when the options do not say: keys of one controller are reconciled this many at a time. A
 * new Service's first pass and a new TaskDefinition revision make several API calls one after the other, so with 2
 * workers a burst of them waits in the queue (9-17 s per Service key at 300 Services); 4 cut creation of 300
 * Services from 31.5 s to 24.4 s (docs/performance.md). Cluster and CapacityProvider roll-ups are one object each.
 */
export const DEFAULT_WORKERS: Readonly<Record<ControllerName, number>> = {
  cluster: 1,
  capacityprovider: 1,
  taskdefinition: 4,
  service: 4,
  task: 2,
  scheduledtask: 2,
};

export interface OperatorOptions {
  /** Workers per controller (DEFAULT_WORKERS for the ones not named). */
  workers?: Partial<Record<ControllerName, number>> | undefined;
  /** Watch only this namespace (all when undefined). */
  namespace?: string | undefined;
  /** revisionHistoryLimit of TaskDefinitions that set none. */
  revisionHistoryLimit?: number | undefined;
  /**
   * The scheduler profile binpack placement uses, for Services and Tasks alike (docs/placement.md). Default null:
   * binpack becomes a preferred pod affinity, since pods naming a scheduler the cluster does not run stay Pending.
   */
  binpackSchedulerName?: string | null | undefined;
  /** How long a minute of the bake and step times of BLUE_GREEN, LINEAR and CANARY lasts, in ms (default 60 000). */
  deploymentMinuteMs?: number | undefined;
  /** Seconds a stopped Task (and its pods) is kept when spec.kubernetes.ttlSecondsAfterStopped is not set (3600). */
  stoppedTaskRetentionSeconds?: number | undefined;
  /**
   * false on clusters without PodLevelResources: the task size is split into per-container limits instead of
   * becoming the pod's resources (docs/mapping.md "Resources"). Default true.
   */
  podLevelResources?: boolean | undefined;
  /** The storage class for each EBS volume type of volumeConfigurations (docs/mapping.md "EBS volumes"). */
  ebsStorageClasses?: Readonly<Record<string, string>> | undefined;
  /** The cluster DNS domain of Service Connect names (cluster.local). */
  clusterDomain?: string | undefined;
  /** false: Services get no PodDisruptionBudget (docs/services.md "Node drains"). Default true. */
  podDisruptionBudgets?: boolean | undefined;
  /** Called with the key of every Service reconcile (tests and benchmarks count them). */
  onServiceReconcile?: ((key: string) => void) | undefined;
  /**
   * The shard of the Service controller this replica runs (--shard, --shards; docs/operations.md "Sharding").
   * Default: one shard, every controller. A replica of shard 0 runs every controller over its share of the Services;
   * the others run only the Service controller, over theirs.
   */
  shard?: Shard | undefined;
}

export function registerControllers(mgr: Manager, opts: OperatorOptions = {}): void {
  const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  const selection = shardSelection(opts.shard ?? UNSHARDED);
  // The Service controller of every shard reads TaskDefinitions through the resolver: its caches are on every replica,
  // its controller runs on shard 0 only (pruning reads every Service's deployments).
  if (!selection.runsClusterWide) mgr.idle([TASK_DEFINITION]);
  const workers = (name: ControllerName): { workers: number } => ({ workers: opts.workers?.[name] ?? DEFAULT_WORKERS[name] });
  // The users of revisions are registered after the resolver they need exists; the closure reads them late.
  const users: RevisionInUse[] = [];
  const taskDefinitions = registerTaskDefinitionController(mgr, {
    ...ns,
    ...workers("taskdefinition"),
    ...(opts.revisionHistoryLimit === undefined ? {} : { defaultRevisionHistoryLimit: opts.revisionHistoryLimit }),
    inUse: (namespace, family, revision) => users.some((inUse) => inUse(namespace, family, revision)),
  });
  const capacity = new CapacityContext(mgr, opts.namespace);
  if (selection.runsClusterWide) {
    registerCapacityProviderController(mgr, { ...ns, ...workers("capacityprovider"), selection });
    registerClusterController(mgr, { ...ns, ...workers("cluster"), selection });
  }
  // One value for both: a service's tasks and a one-off task of the same definition are placed alike.
  const binpackSchedulerName = opts.binpackSchedulerName ?? null;
  if (selection.runsClusterWide) {
    const tasks = registerTaskController(mgr, {
      ...ns,
      ...workers("task"),
      resolver: taskDefinitions.resolver,
      capacity,
      binpackSchedulerName,
      ...(opts.podLevelResources === undefined ? {} : { podLevelResources: opts.podLevelResources }),
      ...(opts.ebsStorageClasses === undefined ? {} : { ebsStorageClasses: opts.ebsStorageClasses }),
      ...(opts.stoppedTaskRetentionSeconds === undefined ? {} : { ttlSecondsAfterStopped: opts.stoppedTaskRetentionSeconds }),
    });
    users.push(tasks.revisionInUse);
  }
  const services = registerServiceController(mgr, {
    ...ns,
    ...workers("service"),
    taskDefinitions,
    capacity,
    binpackSchedulerName,
    ...(opts.podLevelResources === undefined ? {} : { podLevelResources: opts.podLevelResources }),
    ...(opts.ebsStorageClasses === undefined ? {} : { ebsStorageClasses: opts.ebsStorageClasses }),
    ...(opts.clusterDomain === undefined ? {} : { clusterDomain: opts.clusterDomain }),
    ...(opts.deploymentMinuteMs === undefined ? {} : { deploymentMinuteMs: opts.deploymentMinuteMs }),
    ...(opts.podDisruptionBudgets === undefined ? {} : { podDisruptionBudgets: opts.podDisruptionBudgets }),
    onReconcile: opts.onServiceReconcile,
    selection,
  });
  if (selection.shard.count === 1) users.push(services.revisionInUse);
  if (!selection.runsClusterWide) return;
  registerScheduledTaskController(mgr, { ...ns, ...workers("scheduledtask") });
  if (selection.shard.count > 1) {
    // Sharded, the Service controller caches its share: pruning asks every Service, from the roll-up cache, and every
    // shard selects its Services by the bucket label shard 0 puts on each one.
    const allServices = rollupServices(mgr, opts.namespace, selection);
    users.push(revisionsInUse(allServices));
    registerServiceBucketLabels(mgr, allServices);
  }
}
