// Watch predicates: which updates of a watched object are worth a reconcile. A controller's `owns` and `watches` take
// `{ when }`; creations and deletions always pass, updates pass only when the predicate says the fields its
// reconcile reads changed (as controller-runtime's predicates do). Resyncs of watched objects never pass.
import type { KubeObject } from "./resources.ts";

/** True when the update from `oldObj` to `newObj` changed something the watcher reads. */
export type UpdatePredicate<T extends KubeObject = KubeObject> = (oldObj: T, newObj: T) => boolean;

/** Deep equality of JSON values; object keys in any order (the API server does not promise an order). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Any of the predicates passes. */
export const anyOf = <T extends KubeObject>(...preds: UpdatePredicate<T>[]): UpdatePredicate<T> => (o, n) => preds.some((p) => p(o, n));

/** metadata.generation moved: the spec changed (objects with a status subresource). */
export const generationChanged: UpdatePredicate = (o, n) => o.metadata?.generation !== n.metadata?.generation;

export const labelsChanged: UpdatePredicate = (o, n) => !same(o.metadata?.labels ?? {}, n.metadata?.labels ?? {});

export const annotationsChanged: UpdatePredicate = (o, n) => !same(o.metadata?.annotations ?? {}, n.metadata?.annotations ?? {});

/** Deletion started (deletionTimestamp set) or finalizers changed. */
export const deletionChanged: UpdatePredicate = (o, n) =>
  o.metadata?.deletionTimestamp !== n.metadata?.deletionTimestamp || !same(o.metadata?.finalizers ?? [], n.metadata?.finalizers ?? []);

/** The spec changed: generation where the kind has one, else the spec itself. */
export const specChanged: UpdatePredicate = (o, n) => {
  if (o.metadata?.generation !== undefined || n.metadata?.generation !== undefined) return generationChanged(o, n);
  return !same((o as { spec?: unknown }).spec, (n as { spec?: unknown }).spec);
};

/** The status changed (what a roll-up reads), ignoring nothing: use narrower predicates where a status is noisy. */
export const statusChanged: UpdatePredicate = (o, n) => !same((o as { status?: unknown }).status, (n as { status?: unknown }).status);

interface PodLike extends KubeObject {
  spec?: { nodeName?: string | undefined } | undefined;
  status?: {
    phase?: string | undefined;
    conditions?: { type: string; status: string }[] | undefined;
    containerStatuses?: { name: string; ready?: boolean; restartCount?: number; state?: Record<string, unknown> | undefined }[] | undefined;
    initContainerStatuses?: { name: string; ready?: boolean; restartCount?: number; state?: Record<string, unknown> | undefined }[] | undefined;
  } | undefined;
}

const podReady = (p: PodLike): string | undefined => p.status?.conditions?.find((c) => c.type === "Ready")?.status;
const podScheduled = (p: PodLike): string | undefined => p.status?.conditions?.find((c) => c.type === "PodScheduled")?.status;
/** Per container: which state it is in (waiting/running/terminated, with reason and exit code), ready, restarts. */
const containerStates = (p: PodLike): string =>
  JSON.stringify([...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((c) => {
    const [state, detail] = Object.entries(c.state ?? {})[0] ?? ["", undefined];
    const d = (detail ?? {}) as { reason?: string; exitCode?: number };
    return [c.name, state, d.reason, d.exitCode, c.ready, c.restartCount];
  }));

/**
 * A pod's lifecycle moved: phase, readiness, scheduling, its node, a container's state, deletion or labels. Not:
 * resourceVersion-only updates, kubelet condition heartbeats, or status timestamps.
 */
export const podLifecycleChanged: UpdatePredicate = (o, n) => {
  const a = o as PodLike;
  const b = n as PodLike;
  return a.status?.phase !== b.status?.phase || podReady(a) !== podReady(b) || podScheduled(a) !== podScheduled(b) ||
    a.spec?.nodeName !== b.spec?.nodeName || deletionChanged(o, n) || labelsChanged(o, n) || containerStates(a) !== containerStates(b);
};

interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean | undefined; taints?: unknown[] | undefined } | undefined;
  status?: { conditions?: { type: string; status: string }[] | undefined; allocatable?: Record<string, string> | undefined } | undefined;
}

/** What placement and capacity read of a node: labels, taints, unschedulable, readiness, allocatable, deletion. Heartbeats do not pass. */
export const nodeSchedulingChanged: UpdatePredicate = (o, n) => {
  const a = o as NodeLike;
  const b = n as NodeLike;
  const ready = (x: NodeLike): string | undefined => x.status?.conditions?.find((c) => c.type === "Ready")?.status;
  return labelsChanged(o, n) || deletionChanged(o, n) || (a.spec?.unschedulable ?? false) !== (b.spec?.unschedulable ?? false) ||
    !same(a.spec?.taints ?? [], b.spec?.taints ?? []) || ready(a) !== ready(b) || !same(a.status?.allocatable ?? {}, b.status?.allocatable ?? {});
};
