import { kubeTime } from "../api/time.ts";
// Status conditions in the kstatus shape (Ready, Reconciling, Stalled), so kubectl wait, Argo CD and Flux
// read our objects' health without custom code. Pure: the caller passes the clock.

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

export type Health =
  | { state: "ready"; reason?: string; message?: string }
  | { state: "progressing"; reason: string; message: string }
  | { state: "stalled"; reason: string; message: string };

// metav1.Condition's validation: the API server rejects the whole status patch if one reason breaks it.
const REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const REASON_MAX_LENGTH = 1024;
const MESSAGE_MAX_BYTES = 32768;

function validateReason(type: string, reason: string): void {
  if (reason.length > REASON_MAX_LENGTH || !REASON_PATTERN.test(reason)) {
    throw new Error(
      `condition ${type}: reason ${JSON.stringify(reason)} is not a valid Kubernetes condition reason; ` +
        `use a CamelCase word of at most ${REASON_MAX_LENGTH} characters (letters, digits, '_', ',' or ':'), ` +
        `starting with a letter, e.g. "DeploymentUnavailable"`,
    );
  }
}

function truncateMessage(message: string): string {
  const bytes = Buffer.from(message, "utf8");
  if (bytes.length <= MESSAGE_MAX_BYTES) return message;
  let end = MESSAGE_MAX_BYTES;
  // Back off to a character boundary so the cut never leaves half a UTF-8 sequence.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

// Kubernetes serialises metav1.Time with second precision; milliseconds would make every write a change.

export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, now: Date): Condition[] {
  validateReason(input.type, input.reason);
  const list = conditions ?? [];
  const index = list.findIndex((c) => c.type === input.type);
  const previous = index === -1 ? undefined : list[index];
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: truncateMessage(input.message),
    lastTransitionTime: previous?.status === input.status ? previous.lastTransitionTime : kubeTime(now),
  };
  if (input.observedGeneration !== undefined) next.observedGeneration = input.observedGeneration;
  if (index === -1) return [...list, next];
  return list.map((c, i) => (i === index ? next : c));
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "True";
}

// Each of the three carries the state's reason so any one of them explains it; only the conditions that
// describe the state (Ready always, plus Reconciling or Stalled when True) carry the message.
export function setHealthConditions(
  conditions: readonly Condition[] | undefined,
  health: Health,
  observedGeneration: number | undefined,
  now: Date,
): Condition[] {
  const reason = health.reason ?? "Ready";
  const message = health.message ?? "";
  const gen = observedGeneration === undefined ? {} : { observedGeneration };
  const reconciling = health.state === "progressing";
  const stalled = health.state === "stalled";
  let next = setCondition(conditions, { type: "Ready", status: health.state === "ready" ? "True" : "False", reason, message, ...gen }, now);
  next = setCondition(next, { type: "Reconciling", status: reconciling ? "True" : "False", reason, message: reconciling ? message : "", ...gen }, now);
  next = setCondition(next, { type: "Stalled", status: stalled ? "True" : "False", reason, message: stalled ? message : "", ...gen }, now);
  return next;
}

function canonical(c: Condition): string {
  return JSON.stringify([c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.observedGeneration ?? null]);
}

// Absent and empty are the same status; order is ignored because conditions are a map keyed by type
// (listType=map), so a reordered list read back from the API server is not a change worth a write.
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const left = (a ?? []).map(canonical).sort();
  const right = (b ?? []).map(canonical).sort();
  return left.length === right.length && left.every((s, i) => s === right[i]);
}
