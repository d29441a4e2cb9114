// Server-side apply that writes nothing when nothing would change. A resync of unchanged objects must not
// write: the child is left alone when it already carries the hash of the desired object we last applied
// (so fields we stopped setting still get removed) and every desired field is present with the same
// value in the cached child (so drift made by someone else is still repaired). Resource quantities are compared by
// value: the API server stores them in canonical form (1024Mi comes back as 1Gi).
import { createHash } from "node:crypto";
import { parseQuantity } from "../builders/container-instances.ts";
import type { KubeClient } from "./kube-client.ts";
import type { KubeObject, ResourceType } from "./resources.ts";
import { APPLIED_HASH_ANNOTATION } from "../api/keys.ts";
// Re-exported only for test/integration/render-matches-controllers.test.ts, which imports it from here; it switches to
// src/api/keys.ts at merge.
export { APPLIED_HASH_ANNOTATION } from "../api/keys.ts";

/** Stable JSON: object keys sorted, so equal objects hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function desiredHash(obj: KubeObject): string {
  return createHash("sha256").update(stableStringify(obj)).digest("hex").slice(0, 16);
}

/**
 * Map keys whose values are resource quantities: the entries of `requests`, `limits` and `overhead` maps, an
 * emptyDir's `sizeLimit`, a metric target's `averageValue`. Only there is "1024Mi" equal to "1Gi"; elsewhere (an
 * environment variable's "1.0") strings are compared as strings.
 */
const QUANTITY_MAPS = new Set(["requests", "limits", "overhead"]);
const QUANTITY_KEYS = new Set(["sizeLimit", "averageValue"]);

/** Equal as quantities ("1024Mi" and "1Gi", "1000m" and "1"); false when either is not one. */
export function sameQuantity(a: string, b: string): boolean {
  try {
    return parseQuantity(a) === parseQuantity(b);
  } catch {
    return false;
  }
}

/**
 * True when every field of `desired` is in `actual` with an equal value. Lists must have the same length
 * and match element by element; maps may carry extra keys (server defaults, other managers' fields).
 * Quantities (see QUANTITY_MAPS) are equal by value, as the API server canonicalises them.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  return subset(desired, actual, "plain");
}

type Values = "plain" | "quantity" | "quantity map";

function subset(desired: unknown, actual: unknown, values: Values): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== "object") {
    return desired === actual || (values === "quantity" && typeof desired === "string" && typeof actual === "string" && sameQuantity(desired, actual));
  }
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => subset(d, actual[i], "plain"));
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => {
    const inner: Values = values === "quantity map" || QUANTITY_KEYS.has(k) ? "quantity" : QUANTITY_MAPS.has(k) ? "quantity map" : "plain";
    return subset(v, a[k], inner);
  });
}

/** The desired object with its hash annotation, as it will be applied. */
export function withAppliedHash<T extends KubeObject>(desired: T): T {
  const hash = desiredHash(desired);
  return { ...desired, metadata: { ...desired.metadata, annotations: { ...desired.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash } } };
}

export function needsApply(desired: KubeObject, cached: KubeObject | undefined): boolean {
  if (!cached) return true;
  const stamped = withAppliedHash(desired);
  return !isSubset(stamped, cached);
}

/**
 * Applies `desired` unless `cached` (the informer's copy) already satisfies it. Returns whether a write
 * was sent.
 */
export async function applyIfChanged(client: KubeClient, rt: ResourceType, desired: KubeObject, cached: KubeObject | undefined): Promise<boolean> {
  if (!needsApply(desired, cached)) return false;
  await client.apply(rt, withAppliedHash(desired));
  return true;
}
