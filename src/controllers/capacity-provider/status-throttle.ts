// When a roll-up status (CapacityProvider, Cluster) is written. Both count every task pod and node, so under churn
// (a rollout, a scale-up) their status would be rewritten on every pod transition, and each rewrite is an API write
// and a watch event for every reader. A roll-up is written at most once per minimum interval; a change that arrives
// inside the interval is written when it ends (the plan asks for a requeue then), so the last change is never lost.
// An unchanged status is never written (a resync writes nothing). Pure.
import { isDeepStrictEqual } from "node:util";

/** Default minimum interval between two status writes of one roll-up object. */
export const DEFAULT_MIN_STATUS_INTERVAL_MS = 2000;

export interface StatusWriteInput {
  /** The status as cached. */
  readonly cached: unknown;
  /** The status computed now. */
  readonly computed: unknown;
  /** When this process last wrote this object's status (ms since the epoch), if it did. */
  readonly lastWriteMs: number | undefined;
  readonly nowMs: number;
  readonly minIntervalMs: number;
}

export type StatusWriteDecision =
  /** Nothing changed: no write, nothing to wait for. */
  | { readonly write: false; readonly changed: false }
  /** Write now. */
  | { readonly write: true; readonly changed: true }
  /** Changed, but written too recently: look again when the interval ends. */
  | { readonly write: false; readonly changed: true; readonly requeueAfterMs: number };

/** Drops undefined values so a computed status compares equal to the JSON the API server returns. */
const plain = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

export function statusWriteDecision(input: StatusWriteInput): StatusWriteDecision {
  if (isDeepStrictEqual(plain(input.cached), plain(input.computed))) return { write: false, changed: false };
  if (input.lastWriteMs === undefined || input.nowMs - input.lastWriteMs >= input.minIntervalMs || input.nowMs < input.lastWriteMs) return { write: true, changed: true };
  return { write: false, changed: true, requeueAfterMs: input.lastWriteMs + input.minIntervalMs - input.nowMs };
}
