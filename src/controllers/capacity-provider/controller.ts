// The CapacityProvider controller: keeps each CapacityProvider's status (its Ready nodes as container instances,
// their capacity, the tasks placed with it, Ready/Reconciling/Stalled) true to the nodes and task pods. It writes
// nothing but status, and only when the status changed. The decisions are builders/capacity-provider-status.ts's.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { CapacityProvider } from "../../api/objects.ts";
import { computeCapacityProviderStatus } from "../../builders/capacity-provider-status.ts";
import { providerName } from "../../builders/capacity-provider.ts";
import { CAPACITY_PROVIDER_LABEL } from "../../builders/task-labels.ts";
import { Action, type Controller } from "../../runtime/controller.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { Nodes, objectKey, Pods } from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import { CapacityProviders, type CapacityProviderObject } from "../ecs-resources.ts";
import { FingerprintMemo, leanTaskPod, nodeFingerprint, taskPodFingerprint, type NodeLike, type TaskPodObject } from "./task-pods.ts";

export const CONTROLLER_NAME = "capacityprovider";

export interface CapacityProviderControllerOptions {
  /** Count only the task pods of this namespace (when the operator watches one namespace). */
  namespace?: string;
  workers?: number;
  /** How many container instances a status lists. */
  maxInstances?: number;
}

export interface CapacityProviderController {
  controller: Controller<CapacityProviderObject>;
  capacityProviders: Informer<CapacityProviderObject>;
  nodes: Informer<NodeLike>;
  /** Pods labelled ecs.operator.dev/capacity-provider, cached lean (leanTaskPod). */
  taskPods: Informer<TaskPodObject>;
}

/** The shared informer of task pods by provider label (lean). */
export function providerTaskPods(mgr: Manager, namespace?: string): Informer<TaskPodObject> {
  return mgr.informer<TaskPodObject>(Pods, { ...(namespace === undefined ? {} : { namespace }), labelSelector: CAPACITY_PROVIDER_LABEL, transform: leanTaskPod });
}

/** Registers the CapacityProvider controller (and its informers) with a Manager. */
export function registerCapacityProviderController(mgr: Manager, opts: CapacityProviderControllerOptions = {}): CapacityProviderController {
  const capacityProviders = mgr.informer<CapacityProviderObject>(CapacityProviders);
  const nodes = mgr.informer<NodeLike>(Nodes);
  const taskPods = providerTaskPods(mgr, opts.namespace);
  const allKeys = (): string[] => capacityProviders.list().map(objectKey);

  // Nodes and pods change far more often than anything a status shows (heartbeats, pod conditions): only a change
  // of what the status reads wakes the providers. Any such change may concern any provider (a node that stops
  // matching, a pod bound to a node two providers share), and providers are few, so all are looked at again.
  // The informer has already dropped a deleted object from its cache when the mapping runs: absent means deleted.
  const nodeMemo = new FingerprintMemo();
  const podMemo = new FingerprintMemo();
  const nameMemo = new FingerprintMemo();

  const controller = mgr
    .controller<CapacityProviderObject>(CONTROLLER_NAME, { workers: opts.workers ?? 1 })
    .for(capacityProviders)
    .watches(nodes, (n) => {
      const key = objectKey(n);
      const live = nodes.get(key);
      return nodeMemo.changed(key, live === undefined ? undefined : nodeFingerprint(n)) ? allKeys() : [];
    })
    .watches(taskPods, (p) => {
      const key = objectKey(p);
      const live = taskPods.get(key);
      return podMemo.changed(key, live === undefined ? undefined : taskPodFingerprint(p)) ? allKeys() : [];
    })
    // Two objects with one name are both Stalled; creating, renaming or deleting either concerns the other.
    .watches(capacityProviders, (cp) => {
      const key = objectKey(cp);
      const live = capacityProviders.get(key);
      return nameMemo.changed(key, live === undefined ? undefined : providerName(cp as unknown as CapacityProvider).toLowerCase()) ? allKeys().filter((k) => k !== key) : [];
    })
    .reconcile(async (key) => {
      const cp = capacityProviders.get(key);
      if (!cp) return Action.done();
      const status = computeCapacityProviderStatus(cp as unknown as CapacityProvider, {
        providers: capacityProviders.list() as unknown as CapacityProvider[],
        nodes: nodes.list() as unknown as V1Node[],
        pods: taskPods.list() as unknown as V1Pod[],
        now: mgr.now(),
        ...(opts.maxInstances === undefined ? {} : { maxInstances: opts.maxInstances }),
      });
      await writeStatusIfChanged(mgr.client, CapacityProviders, cp, status);
      return Action.done();
    });

  return { controller, capacityProviders, nodes, taskPods };
}
