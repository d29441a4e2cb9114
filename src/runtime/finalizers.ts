// Finalizers, only for cleanup that owner references cannot do. A write is preconditioned on the finalizer list the
// caller saw (a JSON Patch `test`), not on the whole object's resourceVersion: a finalizer list changed by someone
// else in between is never overwritten, while a status written in the same pass (which moves the resourceVersion)
// no longer makes the finalizer patch fail with a conflict.
import { ApiRequestError } from "./api-request.ts";
import type { KubeClient } from "./kube-client.ts";
import type { KubeObject, ResourceType } from "./resources.ts";

export const hasFinalizer = (obj: KubeObject, finalizer: string): boolean => obj.metadata?.finalizers?.includes(finalizer) ?? false;

export type FinalizerPatch = { type: "json"; body: Record<string, unknown>[] } | { type: "merge"; body: Record<string, unknown> };

/** The patch that adds or removes `finalizer` from the list `obj` has, or undefined when there is nothing to change. */
export function finalizerPatch(obj: KubeObject, finalizer: string, change: "add" | "remove"): FinalizerPatch | undefined {
  const current = obj.metadata?.finalizers ?? [];
  if (change === "add") {
    if (current.includes(finalizer) || obj.metadata?.deletionTimestamp) return undefined;
    // No list to test yet (a JSON Patch cannot test for an absent member): the resourceVersion is the precondition.
    if (current.length === 0) return { type: "merge", body: { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: [finalizer] } } };
    return { type: "json", body: [{ op: "test", path: "/metadata/finalizers", value: current }, { op: "add", path: "/metadata/finalizers/-", value: finalizer }] };
  }
  if (!current.includes(finalizer)) return undefined;
  return { type: "json", body: [{ op: "test", path: "/metadata/finalizers", value: current }, { op: "replace", path: "/metadata/finalizers", value: current.filter((f) => f !== finalizer) }] };
}

async function write(client: KubeClient, rt: ResourceType, obj: KubeObject, patch: FinalizerPatch | undefined): Promise<boolean> {
  if (patch === undefined) return false;
  try {
    await client.patch(rt, obj.metadata?.name ?? "", obj.metadata?.namespace, patch.body, patch.type);
  } catch (err) {
    // The API server answers a failed JSON Patch `test` with 422. Here that only means the list moved since the
    // caller read it: report it as the conflict it is, so callers retry on a fresh read as for a stale resourceVersion.
    if (err instanceof ApiRequestError && err.code === 422 && patch.type === "json") {
      throw new ApiRequestError(409, "Conflict", `${err.message} (the finalizer list changed since it was read)`, err.body);
    }
    throw err;
  }
  return true;
}

/** Adds `finalizer` when missing; returns whether it wrote. */
export const ensureFinalizer = (client: KubeClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<boolean> =>
  write(client, rt, obj, finalizerPatch(obj, finalizer, "add"));

/** Removes `finalizer` when present (after cleanup succeeded); returns whether it wrote. */
export const removeFinalizer = (client: KubeClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<boolean> =>
  write(client, rt, obj, finalizerPatch(obj, finalizer, "remove"));
