// Server-side apply that writes nothing when nothing would change. A resync of unchanged objects must not
// write: the child is left alone when it already carries the hash of the desired object we last applied
// (so fields we stopped setting still get removed) and every desired field is present with the same
// value in the cached child (so drift made by someone else is still repaired). Resource quantities are compared by
// value: the API server stores them in canonical form (1024Mi comes back as 1Gi).
import { createHash } from "node:crypto";
import { SpecError } from "../api/spec-error.ts";
import { parseQuantity } from "../builders/capacity/container-instances.ts";
import { ApiRequestError } from "./api-request.ts";
import type { KubeClient } from "./kube-client.ts";
import type { KubeObject, ResourceType } from "./resources.ts";
import { APPLIED_HASH_ANNOTATION } from "../api/keys.ts";
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
 * was sent. A refusal becomes a SpecError or TransientRefusal naming the child (refusalOf).
 */
export async function applyIfChanged(client: KubeClient, rt: ResourceType, desired: KubeObject, cached: KubeObject | undefined): Promise<boolean> {
  if (!needsApply(desired, cached)) return false;
  await writeChild(rt.kind, desired.metadata?.name ?? "", () => client.apply(rt, withAppliedHash(desired)));
  return true;
}

// ---------------------------------------------------------------- refused writes
// A child the API server refuses (422 Invalid, 403 Forbidden from RBAC, Pod Security or a LimitRange, a webhook's
// denial, an object too large) will be refused again on every retry until the owner's spec changes, so it is a
// SpecError: the owner shows Stalled=True with the API server's own words (which name the child's field), instead of
// no status at all and the same error logged forever. A quota that is used up frees itself when other objects go,
// so it is a TransientRefusal: Ready=False, retried with backoff.

/** Condition reasons of a refused child write. */
export const RefusalReason = {
  ChildInvalid: "ChildInvalid",
  ChildForbidden: "ChildForbidden",
  ChildRefused: "ChildRefused",
  ChildTooLarge: "ChildTooLarge",
  QuotaExceeded: "QuotaExceeded",
} as const;

/** How much of the API server's message a condition, event or log line quotes (its causes come first). */
export const MAX_REFUSAL_MESSAGE_CHARS = 1024;

/** A write refused for a cause that goes away by itself (a used-up quota): shown as Ready=False and retried. */
export class TransientRefusal extends Error {
  readonly conditionReason: string;
  constructor(message: string, conditionReason: string) {
    super(message);
    this.name = "TransientRefusal";
    this.conditionReason = conditionReason;
  }
}

export function isTransientRefusal(err: unknown): err is TransientRefusal {
  return err instanceof TransientRefusal;
}

/** `text` cut to `max` characters, saying how much was left out. */
export function truncateText(text: string, max = MAX_REFUSAL_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/** The API server's message of a refusal: its Status message, else the causes, else the error text. */
function apiMessage(err: ApiRequestError): string {
  const body = (typeof err.body === "object" && err.body !== null ? err.body : {}) as StatusBody;
  if (typeof body.message === "string" && body.message !== "") return body.message;
  const causes = (body.details?.causes ?? []).map((c) => `${c.field ?? ""}: ${c.message ?? ""}`);
  return causes.length > 0 ? causes.join("; ") : err.message;
}

/**
 * What a failed write of `kind` `name` means for its owner: a SpecError (Stalled) when the API server refused it for
 * good, a TransientRefusal when a quota is used up, undefined for anything else (retried as a transient error).
 */
export function refusalOf(err: unknown, kind: string, name: string): SpecError | TransientRefusal | undefined {
  if (!(err instanceof ApiRequestError)) return undefined;
  const message = apiMessage(err);
  const quoted = truncateText(message);
  const said = (how: string): string => `${kind} ${name} ${how} (HTTP ${err.code}${err.reason === "" ? "" : ` ${err.reason}`}): ${quoted}`;
  if (err.code === 403 && /exceeded quota/i.test(message)) return new TransientRefusal(said("waits for quota"), RefusalReason.QuotaExceeded);
  if (err.code === 413 || /request is too large|too long: must have at most|Request entity too large/i.test(message)) {
    return new SpecError("", said("is too large for the API server"), RefusalReason.ChildTooLarge);
  }
  if (err.code === 422) return new SpecError("", said("was refused by the API server"), RefusalReason.ChildInvalid);
  if (err.code === 403) return new SpecError("", said("was refused by the API server"), RefusalReason.ChildForbidden);
  // 400: an admission webhook's denial (the API server never sends a webhook's code below 400) or a malformed object.
  if (err.code === 400) return new SpecError("", said("was refused by the API server"), RefusalReason.ChildRefused);
  return undefined;
}

/** Runs one write of a child, turning a refusal into what the owner shows (see refusalOf). */
export async function writeChild<T>(kind: string, name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw refusalOf(err, kind, name) ?? err;
  }
}
