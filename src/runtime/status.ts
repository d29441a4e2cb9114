// Status writes: the controller computes the whole status as a pure function of what it observed; this
// writes it (server-side apply on the status subresource) only when it differs from the cached status.
import { isDeepStrictEqual } from "node:util";
import type { KubeClient } from "./kube-client.ts";
import { objectKey, type KubeObject, type ResourceType } from "./resources.ts";
import { setHealthConditions, type Condition, type Health } from "./conditions.ts";

export interface StatusWithConditions {
  observedGeneration?: number;
  conditions?: Condition[];
}

/** Drops undefined values so a computed status compares equal to the JSON the API server returns. */
function normalise(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Writes `status` when it differs from `cached.status`; returns whether it wrote. */
export async function writeStatusIfChanged(client: KubeClient, rt: ResourceType, cached: KubeObject & { status?: unknown }, status: unknown): Promise<boolean> {
  if (isDeepStrictEqual(normalise(cached.status), normalise(status))) return false;
  await client.apply(rt, { metadata: { name: cached.metadata?.name, namespace: cached.metadata?.namespace }, status } as KubeObject, { subresource: "status" });
  return true;
}

/** The cached status with the three kstatus conditions set from `health` and observedGeneration bumped. */
export function statusWithHealth<S extends StatusWithConditions>(cached: (KubeObject & { status?: S }), health: Health, now: Date): S {
  const generation = cached.metadata?.generation;
  const prev = cached.status ?? ({} as S);
  return { ...prev, observedGeneration: generation, conditions: setHealthConditions(prev.conditions, health, generation, now) };
}

/**
 * The status this process last wrote for each object (by key, for the object's uid). Only an object's own controller
 * writes its status, so this is never older than the cache's copy, which can lag behind the write: a pass that read
 * the cache would recompute from an older status, rewrite what the last pass wrote, and drop what it added (events).
 */
export class WrittenStatuses<S> {
  private readonly byKey = new Map<string, { uid: string; status: S }>();

  /** The status last written for `obj` (same uid), if this process wrote one. */
  of(obj: KubeObject): S | undefined {
    const w = this.byKey.get(objectKey(obj));
    return w?.uid === (obj.metadata?.uid ?? "") ? w.status : undefined;
  }

  /** `obj` with the status last written for it in place of the cached one. */
  latest<T extends KubeObject & { status?: S }>(obj: T): T {
    const s = this.of(obj);
    return s === undefined ? obj : { ...obj, status: s };
  }

  remember(obj: KubeObject, status: S | undefined): void {
    if (status === undefined) this.byKey.delete(objectKey(obj));
    else this.byKey.set(objectKey(obj), { uid: obj.metadata?.uid ?? "", status });
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
