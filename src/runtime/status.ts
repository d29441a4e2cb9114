// Status writes: the controller computes the whole status as a pure function of what it observed; this
// writes it (server-side apply on the status subresource) only when it differs from the cached status.
import { isDeepStrictEqual } from "node:util";
import type { KubeClient } from "./kube-client.ts";
import type { KubeObject, ResourceType } from "./resources.ts";
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
