// Scheduled actions of spec.autoScaling (PutScheduledAction: at/rate/cron with a time zone, startTime/endTime,
// scalableTargetAction min/max) evaluated at an injected `now`: the capacity limits in force and the next instant
// they may change, so the controller sets the HPA's min/max and requeues then. Pure; the schedules are
// schedule-expression.ts's (the parser and nextRunAfter of ScheduledTask). docs/autoscaling.md has the rules.
//
// Application Auto Scaling semantics: when an action runs it sets the scalable target's MinCapacity and/or
// MaxCapacity, and they stay so until something sets them again. So the minCapacity in force is the one of the
// latest run, at or before now, of an action that sets minCapacity (likewise maxCapacity, independently); before
// any such run it is spec.autoScaling.minCapacity. Runs happen only within [startTime, endTime], and only once the
// Service and the action exist (createdAt, actionsSeenAt): a scheduled action acts at its time, never retroactively.
import { SpecError } from "../../api/spec-error.ts";
import type { AutoScaling } from "../../api/service.ts";
import { nextRunAfter, parseScheduleExpression, type ScheduleExpression } from "../schedule/expression.ts";
import type { UnsupportedField } from "../pod/report.ts";
import { kubeTime } from "../../api/time.ts";
import { createHash } from "node:crypto";

export interface ScheduledCapacityInput {
  readonly autoScaling: AutoScaling;
  readonly now: Date;
  /** Where rate(...) schedules without startTime count their periods from: the ECS Service's creationTimestamp. */
  readonly createdAt: Date;
  /**
   * When each action (by scheduledActionKey) was first seen, as recorded last time. Undefined: nothing was recorded
   * (every action counts from createdAt). An action missing from a record is new: it counts from `now`.
   */
  readonly actionsSeenAt?: Readonly<Record<string, string>> | undefined;
}

/** A run of a scheduled action that set a limit. */
export interface ActionRun {
  readonly scheduledActionName: string;
  /** spec.autoScaling.scheduledActions[i] */
  readonly field: string;
  readonly at: Date;
}

export interface ScheduledCapacity {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** The run that set minCapacity; undefined: spec.autoScaling.minCapacity is in force. */
  readonly minCapacitySetBy: ActionRun | undefined;
  readonly maxCapacitySetBy: ActionRun | undefined;
  /** The next run of any action after now (a limit may change then); undefined: none is coming. */
  readonly nextChangeAt: Date | undefined;
  /** Limits adjusted because a run made minCapacity exceed maxCapacity (listed in status/events). */
  readonly unsupported: UnsupportedField[];
  /** When each current action was first seen (scheduledActionKey → RFC 3339): the record to keep for the next pass. */
  readonly actionsSeenAt: Record<string, string>;
}

/**
 * An action's identity for "when did it start to exist": its name and what it does. PutScheduledAction with the same
 * name and a new schedule or capacity replaces the action, so the new one counts from when it was put.
 */
export function scheduledActionKey(action: NonNullable<AutoScaling["scheduledActions"]>[number]): string {
  const { scheduledActionName, schedule, timezone, startTime, endTime, scalableTargetAction } = action;
  const digest = createHash("sha256").update(JSON.stringify([schedule, timezone ?? null, startTime ?? null, endTime ?? null, scalableTargetAction.minCapacity ?? null, scalableTargetAction.maxCapacity ?? null])).digest("hex").slice(0, 12);
  return `${scheduledActionName}/${digest}`;
}

/** A scheduled action the controller cannot evaluate: `field: reason` (Stalled, like a bad memberOf expression). */
const scalingError = (field: string, reason: string): SpecError => new SpecError(field, reason);

const FIELD = "spec.autoScaling.scheduledActions";
const MINUTE = 60_000;
/** Cron years start in 1970 (schedule-expression.ts): no run is earlier. */
const EARLIEST = Date.UTC(1970, 0, 1);

/**
 * The capacity limits in force at `now`. The controller passes spec.autoScaling, its clock's now and the ECS
 * Service's creationTimestamp; it gives the result to buildServiceAutoscaling as `capacity` and requeues at
 * nextChangeAt (scheduledRequeueAfterMs). Throws SpecError for a schedule, time zone or start/end time
 * it cannot evaluate. With suspendedState.scheduledScalingSuspended, actions do not run: spec's limits, no requeue.
 */
export function scheduledCapacity(input: ScheduledCapacityInput): ScheduledCapacity {
  const { autoScaling } = input;
  const now = input.now.getTime();
  if (Number.isNaN(now)) throw new RangeError("scheduledCapacity: now is not a valid date");
  let min: { value: number; run: ActionRun | undefined } = { value: autoScaling.minCapacity, run: undefined };
  let max: { value: number; run: ActionRun | undefined } = { value: autoScaling.maxCapacity, run: undefined };
  let nextChange: number | undefined;
  const seenAt: Record<string, string> = {};

  const actions = autoScaling.suspendedState?.scheduledScalingSuspended === true ? [] : (autoScaling.scheduledActions ?? []);
  actions.forEach((action, i) => {
    const field = `${FIELD}[${i}]`;
    const start = instant(action.startTime, `${field}.startTime`);
    const end = instant(action.endTime, `${field}.endTime`);
    if (start !== undefined && end !== undefined && end < start) throw scalingError(`${field}.endTime`, `${action.endTime ?? ""} is before startTime ${action.startTime ?? ""}`);
    // Schedules run to the minute: a startTime within a minute still admits that minute's run.
    const from = start === undefined ? -Infinity : Math.floor(start / MINUTE) * MINUTE;
    const until = end ?? Infinity;
    const expression = parse(action.schedule, action.timezone, start ?? input.createdAt.getTime(), field);

    // An action acts at its scheduled time, never retroactively: a run before the Service or the action existed did
    // not happen (a cron(0 8 * * ? *) created or added at 09:00 waits for tomorrow's 08:00; an at() in the past never
    // runs).
    const key = scheduledActionKey(action);
    const recorded = input.actionsSeenAt === undefined ? kubeTime(input.createdAt) : (input.actionsSeenAt[key] ?? kubeTime(input.now));
    seenAt[key] = recorded;
    const existsFrom = Math.max(input.createdAt.getTime(), Date.parse(recorded));
    const last = lastRunAtOrBefore(expression, Math.min(now, until));
    if (last !== undefined && last >= from && last >= existsFrom) {
      const run: ActionRun = { scheduledActionName: action.scheduledActionName, field, at: new Date(last) };
      // Later runs win; of two runs at one instant, the later action in the list.
      if (action.scalableTargetAction.minCapacity !== undefined && (min.run === undefined || last >= min.run.at.getTime())) min = { value: action.scalableTargetAction.minCapacity, run };
      if (action.scalableTargetAction.maxCapacity !== undefined && (max.run === undefined || last >= max.run.at.getTime())) max = { value: action.scalableTargetAction.maxCapacity, run };
    }
    const next = nextRunAfter(expression, new Date(Math.max(now, from - 1)));
    if (next !== undefined && next.getTime() <= until && (nextChange === undefined || next.getTime() < nextChange)) nextChange = next.getTime();
  });

  const unsupported: UnsupportedField[] = [];
  if (min.value > max.value) {
    const minLater = (min.run?.at.getTime() ?? -Infinity) >= (max.run?.at.getTime() ?? -Infinity);
    const [setter, other] = minLater ? [min, max] : [max, min];
    const field = setter.run?.field ?? "spec.autoScaling";
    unsupported.push({
      field,
      reason: minLater
        ? `minCapacity ${min.value} is above the maxCapacity ${max.value} in force (${describe(other.run)}); maxCapacity is raised to ${min.value} until an action sets it`
        : `maxCapacity ${max.value} is below the minCapacity ${min.value} in force (${describe(other.run)}); minCapacity is lowered to ${max.value} until an action sets it`,
    });
    if (minLater) max = { value: min.value, run: max.run };
    else min = { value: max.value, run: min.run };
  }

  return { minCapacity: min.value, maxCapacity: max.value, minCapacitySetBy: min.run, maxCapacitySetBy: max.run, nextChangeAt: nextChange === undefined ? undefined : new Date(nextChange), unsupported, actionsSeenAt: seenAt };
}

/**
 * How long the controller waits before evaluating the schedules again: until the next change, plus a second so the
 * run is at or before the clock when it wakes. Undefined: no change is coming (the usual resync suffices).
 */
export function scheduledRequeueAfterMs(capacity: Pick<ScheduledCapacity, "nextChangeAt">, now: Date): number | undefined {
  if (capacity.nextChangeAt === undefined) return undefined;
  return Math.max(0, capacity.nextChangeAt.getTime() - now.getTime()) + 1000;
}

function describe(run: ActionRun | undefined): string {
  return run === undefined ? "spec.autoScaling" : `set by ${run.scheduledActionName} at ${kubeTime(run.at)}`;
}

function instant(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw scalingError(field, `${text} is not a date-time (RFC 3339, for example 2026-03-01T08:00:00Z)`);
  return t;
}

function parse(schedule: string, timezone: string | undefined, startedAt: number, field: string): ScheduleExpression {
  const parsed = parseScheduleExpression({ scheduleExpression: schedule, scheduleExpressionTimezone: timezone }, new Date(startedAt));
  if (parsed.ok) return parsed.expression;
  // schedule-expression.ts names ScheduledTask's fields; these are the action's.
  const zone = /^spec\.scheduleExpressionTimezone: (.*)$/s.exec(parsed.message);
  if (zone) throw scalingError(`${field}.timezone`, zone[1] ?? "");
  throw scalingError(`${field}.schedule`, parsed.message.replace(/^spec\.scheduleExpression: /, ""));
}

/** The latest run at or before `bound`, or undefined. */
export function lastRunAtOrBefore(expression: ScheduleExpression, bound: number): number | undefined {
  switch (expression.type) {
    case "at":
      return expression.at.getTime() <= bound ? expression.at.getTime() : undefined;
    case "rate": {
      const start = expression.startsAt.getTime();
      if (bound < start) return undefined;
      const period = expression.periodMinutes * MINUTE;
      return start + Math.floor((bound - start) / period) * period;
    }
    case "cron":
      return lastCronRun(expression, bound);
  }
}

/**
 * The latest cron run at or before `bound`, from nextRunAfter alone: runsBy(t) = "the first run after t is at or
 * before bound" is true below the last run and false from it on. Widen a window back from bound until runsBy holds,
 * then bisect to the millisecond: about a hundred nextRunAfter calls, whatever the schedule's density.
 */
function lastCronRun(expression: ScheduleExpression, bound: number): number | undefined {
  const runsBy = (t: number): boolean => {
    const next = nextRunAfter(expression, new Date(t));
    return next !== undefined && next.getTime() <= bound;
  };
  let hi = bound; // runsBy(hi) is false: nextRunAfter is strictly after
  let width = MINUTE;
  let lo = bound - width;
  while (!runsBy(lo)) {
    if (lo <= EARLIEST) return undefined;
    hi = lo;
    width *= 2;
    lo = Math.max(bound - width, EARLIEST - 1);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (runsBy(mid)) lo = mid;
    else hi = mid;
  }
  return nextRunAfter(expression, new Date(lo))?.getTime();
}
