// Finalizers, only for cleanup that owner references cannot do. Both writes carry the object's
// resourceVersion, so a finalizer list changed by someone else in between is never overwritten.
import type { KubeClient } from "./kube-client.ts";
import type { KubeObject, ResourceType } from "./resources.ts";

export const hasFinalizer = (obj: KubeObject, finalizer: string): boolean => obj.metadata?.finalizers?.includes(finalizer) ?? false;

/** Adds `finalizer` when missing; returns whether it wrote. */
export async function ensureFinalizer(client: KubeClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<boolean> {
  if (hasFinalizer(obj, finalizer) || obj.metadata?.deletionTimestamp) return false;
  await client.patch(rt, obj.metadata?.name ?? "", obj.metadata?.namespace, {
    metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: [...(obj.metadata?.finalizers ?? []), finalizer] },
  });
  return true;
}

/** Removes `finalizer` when present (after cleanup succeeded); returns whether it wrote. */
export async function removeFinalizer(client: KubeClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<boolean> {
  if (!hasFinalizer(obj, finalizer)) return false;
  await client.patch(rt, obj.metadata?.name ?? "", obj.metadata?.namespace, {
    metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer) },
  });
  return true;
}
