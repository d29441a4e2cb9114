// Server-side apply that writes nothing when nothing would change. A resync of unchanged objects must not
// write: the child is left alone when it already carries the hash of the desired object we last applied
// (so fields we stopped setting still get removed) and every desired field is present with the same
// value in the cached child (so drift made by someone else is still repaired).
import { createHash } from "node:crypto";
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
 * True when every field of `desired` is in `actual` with an equal value. Lists must have the same length
 * and match element by element; maps may carry extra keys (server defaults, other managers' fields).
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== "object") return desired === actual;
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, a[k]));
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
