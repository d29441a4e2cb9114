// When a task's node goes away under it: a spot reclaim (the node is deleted, being deleted, or tainted by an
// interruption handler before it goes) is ECS's SpotInterruption; a non-spot node that goes the same way is ECS's
// TerminationNotice. Pure: the caller passes what its node cache says.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { CAPACITY_TYPE_LABEL } from "./provider.ts";
import type { Wire } from "../../runtime/resources.ts";

/**
 * Taints that interruption handlers put on a node that is about to be reclaimed: AWS Node Termination Handler
 * (spot interruption notice, ASG lifecycle termination, scheduled maintenance), Karpenter (v1 `disrupted`, v0.3x
 * `disruption`), GKE (impending termination) and the cluster autoscaler's scale-down (`ToBeDeleted...`).
 * Only NoSchedule / NoExecute taints count. Left out on purpose, because the node may well stay:
 * NTH's rebalance recommendation (an elevated risk, not a notice; ECS does not stop tasks for it), the cluster
 * autoscaler's `DeletionCandidateOfClusterAutoscaler` (a soft PreferNoSchedule mark, often removed again) and
 * `node.kubernetes.io/unschedulable` (a cordon: people cordon nodes for many reasons).
 */
export const INTERRUPTION_TAINTS: readonly string[] = [
  "aws-node-termination-handler/spot-itn",
  "aws-node-termination-handler/asg-lifecycle-termination",
  "aws-node-termination-handler/scheduled-maintenance",
  "karpenter.sh/disrupted",
  "karpenter.sh/disruption",
  "cloud.google.com/impending-node-termination",
  "ToBeDeletedByClusterAutoscaler",
];

/** Node labels that say a node is spot (or preemptible) capacity. */
const SPOT_LABELS: readonly (readonly [string, string])[] = [
  [CAPACITY_TYPE_LABEL, "spot"],
  ["eks.amazonaws.com/capacityType", "SPOT"],
  ["kubernetes.azure.com/scalesetpriority", "spot"],
  ["cloud.google.com/gke-spot", "true"],
  ["cloud.google.com/gke-preemptible", "true"],
];

export interface Interruption {
  readonly stopCode: "SpotInterruption" | "TerminationNotice";
  /** The ECS-style stoppedReason. */
  readonly reason: string;
}

export function isSpotNode(node: Pick<Wire<V1Node>, "metadata">): boolean {
  const labels = node.metadata?.labels ?? {};
  return SPOT_LABELS.some(([k, v]) => labels[k] === v);
}

/** The interruption taint (NoSchedule or NoExecute) a node carries, if any. */
export function interruptionTaint(node: Pick<Wire<V1Node>, "spec">): string | undefined {
  return (node.spec?.taints ?? []).find((t) => INTERRUPTION_TAINTS.includes(t.key) && (t.effect === "NoSchedule" || t.effect === "NoExecute"))?.key;
}

/**
 * Whether the pod's task is being interrupted by its node going away.
 * - `node` is the pod's node as the cache has it, or undefined when the node does not exist (deleted). The caller
 *   must not pass undefined before its node cache has synced: a node not seen yet is not a deleted node.
 * - A node being deleted (deletionTimestamp set while a finalizer such as Karpenter's drains it) is reclaimed.
 * - `spot` says whether the task was placed on a spot provider; it decides the stop code when the node is
 *   already gone and its labels cannot be read.
 * A pod that is not bound to a node, or has already finished, is never interrupted.
 */
export function interruptionOf(pod: Pick<Wire<V1Pod>, "spec" | "status">, node: Pick<Wire<V1Node>, "metadata" | "spec"> | undefined, spot: boolean): Interruption | undefined {
  const nodeName = pod.spec?.nodeName;
  if (nodeName === undefined || nodeName === "") return undefined;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  const onSpot = spot || (node !== undefined && isSpotNode(node));
  const stopCode = onSpot ? "SpotInterruption" : "TerminationNotice";
  if (node === undefined) {
    return { stopCode, reason: onSpot ? `Your Spot Task was interrupted: node ${nodeName} was reclaimed` : `Task stopped: node ${nodeName} was removed` };
  }
  if (node.metadata?.deletionTimestamp !== undefined) {
    return { stopCode, reason: onSpot ? `Your Spot Task was interrupted: node ${nodeName} is being reclaimed (node deleted)` : `Task stopped: node ${nodeName} is being deleted` };
  }
  const taint = interruptionTaint(node);
  if (taint === undefined) return undefined;
  return { stopCode, reason: onSpot ? `Your Spot Task was interrupted: node ${nodeName} is being reclaimed (taint ${taint})` : `Task stopped: node ${nodeName} is being terminated (taint ${taint})` };
}
