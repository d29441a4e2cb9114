// The CapacityProvider controller: keeps each CapacityProvider's status (its Ready nodes as container instances,
// their capacity, the tasks placed with it, Ready/Reconciling/Stalled) true to the nodes and task pods. It writes
// nothing but status, only when the status changed, and at most once per minimum interval under churn
// (status-throttle.ts). Observe (the caches) → planCapacityProviderStatus (pure) → write; the decisions are
// builders/capacity/provider-status.ts's.
import { rollupPods } from "../operator-pods.ts";
import type { ShardSelection } from "../shards.ts";
import type { CapacityProviderStatus } from "../../api/capacity-provider.ts";
import { computeCapacityProviderStatus } from "../../builders/capacity/provider-status.ts";
import { Action, type Controller } from "../../runtime/controller.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { anyOf, deletionChanged, nodeSchedulingChanged, podLifecycleChanged, specChanged } from "../../runtime/predicates.ts";
import { Nodes, objectKey } from "../../runtime/resources.ts";
import { CapacityProviders, type CapacityProviderObject } from "../ecs-resources.ts";
import { DEFAULT_MIN_STATUS_INTERVAL_MS, statusWriteDecision } from "./status-throttle.ts";
import { type NodeLike, type TaskPodObject } from "./task-pods.ts";

export const CONTROLLER_NAME = "capacityprovider";

export interface CapacityProviderControllerOptions {
  /** Count only the task pods of this namespace (when the operator watches one namespace). */
  namespace?: string;
  workers?: number;
  /** How many container instances a status lists. */
  maxInstances?: number;
  /** The shortest time between two status writes of one provider (DEFAULT_MIN_STATUS_INTERVAL_MS). */
  minStatusIntervalMs?: number;
  /** Sharded: the roll-up pod cache of shard 0 (operator-pods.ts rollupPods). Default: unsharded. */
  selection?: ShardSelection | undefined;
}

export interface CapacityProviderController {
  controller: Controller<CapacityProviderObject>;
  capacityProviders: Informer<CapacityProviderObject>;
  nodes: Informer<NodeLike>;
  /** The operator's pods (operatorPods: shared with the Service and Cluster controllers). */
  taskPods: Informer<TaskPodObject>;
}

/** What a provider's status is computed from. */
export interface ObservedCapacityProvider {
  readonly capacityProvider: CapacityProviderObject;
  /** Every CapacityProvider (two with one name are both Stalled). */
  readonly providers: readonly CapacityProviderObject[];
  readonly nodes: readonly NodeLike[];
  readonly pods: readonly TaskPodObject[];
  /** When this process last wrote this provider's status. */
  readonly lastWriteMs: number | undefined;
}

export interface RollupPlan<S> {
  readonly status: S;
  /** Write the status now. */
  readonly write: boolean;
  readonly next: Action;
}

/** Pure: the status, and whether to write it now or when the minimum interval ends. */
export function planCapacityProviderStatus(observed: ObservedCapacityProvider, now: Date, options: { minStatusIntervalMs: number; maxInstances?: number | undefined }): RollupPlan<CapacityProviderStatus> {
  const cp = observed.capacityProvider;
  const status = computeCapacityProviderStatus(cp, {
    providers: observed.providers,
    nodes: observed.nodes,
    pods: observed.pods,
    now,
    ...(options.maxInstances === undefined ? {} : { maxInstances: options.maxInstances }),
  });
  const decision = statusWriteDecision({ cached: cp.status, computed: status, lastWriteMs: observed.lastWriteMs, nowMs: now.getTime(), minIntervalMs: options.minStatusIntervalMs });
  return { status, write: decision.write, next: "requeueAfterMs" in decision ? Action.requeueAfter(decision.requeueAfterMs) : Action.done() };
}

/** Registers the CapacityProvider controller (and its informers) with a Manager. */
export function registerCapacityProviderController(mgr: Manager, opts: CapacityProviderControllerOptions = {}): CapacityProviderController {
  const capacityProviders = mgr.informer<CapacityProviderObject>(CapacityProviders);
  const nodes = mgr.informer<NodeLike>(Nodes);
  const taskPods = rollupPods(mgr, opts.namespace, opts.selection);
  const allKeys = (): string[] => capacityProviders.list().map(objectKey);
  const minStatusIntervalMs = opts.minStatusIntervalMs ?? DEFAULT_MIN_STATUS_INTERVAL_MS;
  // When this process last wrote each provider's status (the throttle's memory); a deleted provider's goes with it.
  const lastWrite = new Map<string, number>();

  // Nodes and pods change far more often than anything a status shows (heartbeats, pod conditions): only a change
  // of what the status reads wakes the providers. Any such change may concern any provider (a node that stops
  // matching, a pod bound to a node two providers share), and providers are few, so all are looked at again.
  const controller = mgr
    .controller<CapacityProviderObject>(CONTROLLER_NAME, { workers: opts.workers ?? 1 })
    .for(capacityProviders)
    .watches(nodes, () => allKeys(), { when: nodeSchedulingChanged })
    // Every task pod's transition concerns every roll-up: one pass per status interval takes them all (a 300-service
    // rollout woke the Clusters 8,607 times without it).
    .watches(taskPods, () => allKeys(), { when: podLifecycleChanged, coalesceMs: minStatusIntervalMs })
    // Two objects with one name are both Stalled; creating, renaming or deleting either concerns the other. Their
    // status writes concern nobody.
    .watches(capacityProviders, (cp) => allKeys().filter((k) => k !== objectKey(cp)), { when: anyOf(specChanged, deletionChanged) })
    .reconcile(async (key) => {
      const cp = capacityProviders.get(key);
      if (!cp) {
        lastWrite.delete(key);
        return Action.done();
      }
      const now = mgr.now();
      const plan = planCapacityProviderStatus(
        { capacityProvider: cp, providers: capacityProviders.list(), nodes: nodes.list(), pods: taskPods.list(), lastWriteMs: lastWrite.get(key) },
        now,
        { minStatusIntervalMs, maxInstances: opts.maxInstances },
      );
      if (plan.write) {
        await mgr.client.apply(CapacityProviders, { metadata: { name: cp.metadata.name }, status: plan.status } as CapacityProviderObject, { subresource: "status" });
        lastWrite.set(key, now.getTime());
      }
      return plan.next;
    });

  return { controller, capacityProviders, nodes, taskPods };
}
