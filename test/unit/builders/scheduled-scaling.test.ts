// Scheduled actions of spec.autoScaling evaluated at fixed clocks: the min/max in force (the latest run of an action
// that sets each, as Application Auto Scaling keeps them) and the next change, including daylight saving time edges
// in America/New_York (2026: clocks go forward on March 8 at 02:00, back on November 1 at 02:00).
import { SpecError } from "../../../src/api/spec-error.ts";
import { describe, expect, it } from "vitest";
import type { AutoScaling } from "../../../src/api/service.ts";
import { parseScheduleExpression } from "../../../src/builders/schedule/expression.ts";
import { lastRunAtOrBefore, scheduledActionKey, scheduledCapacity, scheduledRequeueAfterMs } from "../../../src/builders/service/scheduled-scaling.ts";

type Action = NonNullable<AutoScaling["scheduledActions"]>[number];

const NY = "America/New_York";
const CREATED = new Date("2026-01-01T00:00:00Z");

const action = (scheduledActionName: string, schedule: string, scalableTargetAction: Action["scalableTargetAction"], more: Partial<Action> = {}): Action => ({
  scheduledActionName,
  schedule,
  scalableTargetAction,
  ...more,
});
/** Business hours in New York: 10 tasks at least from 08:00 on weekdays, 2 from 20:00. */
const morning = action("morning", "cron(0 8 ? * MON-FRI *)", { minCapacity: 10 }, { timezone: NY });
const evening = action("evening", "cron(0 20 ? * MON-FRI *)", { minCapacity: 2 }, { timezone: NY });

const withActions = (...scheduledActions: Action[]): AutoScaling => ({ minCapacity: 1, maxCapacity: 20, scheduledActions });
const at = (now: string, autoScaling: AutoScaling) => scheduledCapacity({ autoScaling, now: new Date(now), createdAt: CREATED });
const iso = (d: Date | undefined) => d?.toISOString();

// Application Auto Scaling runs a scheduled action at its scheduled time: a Service created after a run's time does not
// get that run applied retroactively.
describe("scheduledCapacity: never retroactive", () => {
  const createdAt = new Date("2026-01-14T14:00:00Z"); // 09:00 in New York, a Wednesday
  it("cron(0 8 …) created at 09:00 does not raise the minimum at once; it does at 08:00 the next day", () => {
    const today = scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-14T14:05:00Z"), createdAt });
    expect(today.minCapacity).toBe(1);
    expect(iso(today.nextChangeAt)).toBe("2026-01-15T13:00:00.000Z");
    const tomorrow = scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-15T13:01:00Z"), createdAt });
    expect(tomorrow.minCapacity).toBe(10);
  });
  it("a run at the very second the Service was created counts (it is not before it)", () => {
    const r = scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-14T13:00:30Z"), createdAt: new Date("2026-01-14T13:00:00Z") });
    expect(r.minCapacity).toBe(10);
  });
  // The case the other way round: the Service is old, the action is added at 09:00.
  it("cron(0 8 …) added at 09:00 to a Service of last year does not raise the minimum at once: it counts from when it was first seen", () => {
    const added = scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-14T14:00:00Z"), createdAt: CREATED, actionsSeenAt: {} });
    expect(added.minCapacity).toBe(1);
    const key = scheduledActionKey(morning);
    expect(added.actionsSeenAt).toEqual({ [key]: "2026-01-14T14:00:00Z" });
    // A later pass reads the record back: still not retroactive, and the next morning it runs.
    const later = scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-14T15:00:00Z"), createdAt: CREATED, actionsSeenAt: added.actionsSeenAt });
    expect([later.minCapacity, later.actionsSeenAt[key]]).toEqual([1, "2026-01-14T14:00:00Z"]);
    const tomorrow = scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-15T13:01:00Z"), createdAt: CREATED, actionsSeenAt: added.actionsSeenAt });
    expect(tomorrow.minCapacity).toBe(10);
  });
  it("an action seen long ago keeps its runs; a changed schedule is a new action (PutScheduledAction replaces it) and counts from now", () => {
    const seen = { [scheduledActionKey(morning)]: "2026-01-02T00:00:00Z" };
    expect(scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-14T14:00:00Z"), createdAt: CREATED, actionsSeenAt: seen }).minCapacity).toBe(10);
    const changed = action("morning", "cron(0 7 ? * MON-FRI *)", { minCapacity: 10 }, { timezone: NY });
    expect(scheduledActionKey(changed)).not.toBe(scheduledActionKey(morning));
    expect(scheduledCapacity({ autoScaling: withActions(changed), now: new Date("2026-01-14T14:00:00Z"), createdAt: CREATED, actionsSeenAt: seen }).minCapacity).toBe(1);
  });
  it("no record at all (an HPA made before records were kept): actions count from the Service's creation, as before", () => {
    const r = scheduledCapacity({ autoScaling: withActions(morning), now: new Date("2026-01-14T14:00:00Z"), createdAt: CREATED });
    expect(r.minCapacity).toBe(10);
    expect(r.actionsSeenAt).toEqual({ [scheduledActionKey(morning)]: "2026-01-01T00:00:00Z" });
  });
  it("at() in the past added to an old Service never runs", () => {
    const r = scheduledCapacity({ autoScaling: withActions(action("launch", "at(2026-01-10T09:00:00)", { minCapacity: 5 })), now: new Date("2026-01-14T14:00:00Z"), createdAt: CREATED, actionsSeenAt: {} });
    expect([r.minCapacity, r.nextChangeAt]).toEqual([1, undefined]);
  });
});

describe("scheduledCapacity: the limits in force and the next change", () => {
  it.each<[string, AutoScaling, string, { min: number; max: number; minBy?: string; maxBy?: string; next?: string }]>([
    ["no scheduled actions → spec's min/max, no change coming", { minCapacity: 2, maxCapacity: 8 }, "2026-01-14T15:00:00Z", { min: 2, max: 8 }],
    [
      "weekday 10:00 EST → morning's min 10 (set at 08:00 EST = 13:00Z), next change at 20:00 EST",
      withActions(morning, evening),
      "2026-01-14T15:00:00Z",
      { min: 10, max: 20, minBy: "morning@2026-01-14T13:00:00.000Z", next: "2026-01-15T01:00:00.000Z" },
    ],
    [
      "Saturday → Friday evening's min 2 persists until Monday 08:00 EST",
      withActions(morning, evening),
      "2026-01-17T15:00:00Z",
      { min: 2, max: 20, minBy: "evening@2026-01-17T01:00:00.000Z", next: "2026-01-19T13:00:00.000Z" },
    ],
    [
      "exactly at a run → that run is in force",
      withActions(morning, evening),
      "2026-01-14T13:00:00Z",
      { min: 10, max: 20, minBy: "morning@2026-01-14T13:00:00.000Z", next: "2026-01-15T01:00:00.000Z" },
    ],
    [
      "a millisecond before a run → the previous one",
      withActions(morning, evening),
      "2026-01-14T12:59:59.999Z",
      { min: 2, max: 20, minBy: "evening@2026-01-14T01:00:00.000Z", next: "2026-01-14T13:00:00.000Z" },
    ],
    [
      "at() in the past → its limits persist, nothing coming",
      withActions(action("launch", "at(2026-02-01T09:00:00)", { minCapacity: 5, maxCapacity: 50 })),
      "2026-06-01T00:00:00Z",
      { min: 5, max: 50, minBy: "launch@2026-02-01T09:00:00.000Z", maxBy: "launch@2026-02-01T09:00:00.000Z" },
    ],
    [
      "at() in the future → spec's limits until then",
      withActions(action("launch", "at(2026-02-01T09:00:00)", { minCapacity: 5 })),
      "2026-01-20T00:00:00Z",
      { min: 1, max: 20, next: "2026-02-01T09:00:00.000Z" },
    ],
    [
      "at() with a time zone → local time: 09:00 in New York is 14:00Z in winter",
      withActions(action("launch", "at(2026-02-01T09:00:00)", { minCapacity: 5 }, { timezone: NY })),
      "2026-02-01T13:59:00Z",
      { min: 1, max: 20, next: "2026-02-01T14:00:00.000Z" },
    ],
    [
      "rate(6 hours) from startTime → the latest period start",
      withActions(action("tick", "rate(6 hours)", { maxCapacity: 12 }, { startTime: "2026-03-01T00:00:00Z" })),
      "2026-03-01T14:30:00Z",
      { min: 1, max: 12, maxBy: "tick@2026-03-01T12:00:00.000Z", next: "2026-03-01T18:00:00.000Z" },
    ],
    [
      "rate(1 day) without startTime → counted from the Service's creation",
      withActions(action("daily", "rate(1 day)", { minCapacity: 3 })),
      "2026-01-03T05:00:00Z",
      { min: 3, max: 20, minBy: "daily@2026-01-03T00:00:00.000Z", next: "2026-01-04T00:00:00.000Z" },
    ],
    [
      "startTime in the future → no run before it; the next change is the first run from it",
      withActions({ ...morning, startTime: "2026-02-02T00:00:00Z" }),
      "2026-01-14T15:00:00Z",
      { min: 1, max: 20, next: "2026-02-02T13:00:00.000Z" },
    ],
    [
      "endTime passed → the last run before it persists, nothing coming",
      withActions({ ...morning, endTime: "2026-01-10T00:00:00Z" }),
      "2026-01-14T15:00:00Z",
      { min: 10, max: 20, minBy: "morning@2026-01-09T13:00:00.000Z" },
    ],
    [
      "min and max are set independently: max by one action, min by another",
      withActions(action("cap", "cron(0 8 * * ? *)", { maxCapacity: 30 }), action("floor", "cron(0 9 * * ? *)", { minCapacity: 5 })),
      "2026-01-14T10:00:00Z",
      { min: 5, max: 30, minBy: "floor@2026-01-14T09:00:00.000Z", maxBy: "cap@2026-01-14T08:00:00.000Z", next: "2026-01-15T08:00:00.000Z" },
    ],
    [
      "the later run wins over an earlier action's",
      withActions(action("late", "cron(0 9 * * ? *)", { minCapacity: 7 }), action("early", "cron(0 8 * * ? *)", { minCapacity: 4 })),
      "2026-01-14T10:00:00Z",
      { min: 7, max: 20, minBy: "late@2026-01-14T09:00:00.000Z", next: "2026-01-15T08:00:00.000Z" },
    ],
    [
      "two runs at one instant → the later action in the list wins",
      withActions(action("a", "cron(0 8 * * ? *)", { minCapacity: 4 }), action("b", "cron(0 8 * * ? *)", { minCapacity: 6 })),
      "2026-01-14T10:00:00Z",
      { min: 6, max: 20, minBy: "b@2026-01-14T08:00:00.000Z", next: "2026-01-15T08:00:00.000Z" },
    ],
    [
      "an off window: min 0 / max 0 at night",
      withActions(action("off", "cron(0 22 * * ? *)", { minCapacity: 0, maxCapacity: 0 }), action("on", "cron(0 6 * * ? *)", { minCapacity: 2, maxCapacity: 10 })),
      "2026-01-14T23:00:00Z",
      { min: 0, max: 0, minBy: "off@2026-01-14T22:00:00.000Z", maxBy: "off@2026-01-14T22:00:00.000Z", next: "2026-01-15T06:00:00.000Z" },
    ],
    [
      "a cron whose years ended before the Service existed never ran for it → spec's limits",
      withActions(action("old", "cron(0 12 1 1 ? 2020)", { minCapacity: 4 })),
      "2026-01-14T10:00:00Z",
      { min: 1, max: 20 },
    ],
    [
      "at(2020-…) before the Service existed never runs (not today, not ever) → spec's limits, nothing coming",
      withActions(action("launch", "at(2020-06-01T09:00:00)", { minCapacity: 5 })),
      "2026-01-14T10:00:00Z",
      { min: 1, max: 20 },
    ],
    [
      "suspendedState.scheduledScalingSuspended → spec's limits, nothing coming",
      { ...withActions(morning, evening), suspendedState: { scheduledScalingSuspended: true } },
      "2026-01-14T15:00:00Z",
      { min: 1, max: 20 },
    ],
  ])("%s", (_name, autoScaling, now, expected) => {
    const result = at(now, autoScaling);
    const by = (run: { scheduledActionName: string; at: Date } | undefined) => (run === undefined ? undefined : `${run.scheduledActionName}@${run.at.toISOString()}`);
    expect({ min: result.minCapacity, max: result.maxCapacity, minBy: by(result.minCapacitySetBy), maxBy: by(result.maxCapacitySetBy), next: iso(result.nextChangeAt) }).toEqual({
      minBy: undefined,
      maxBy: undefined,
      next: undefined,
      ...expected,
    });
    expect(result.unsupported).toEqual([]);
  });

  it("the run that set a limit names the action's field", () => {
    expect(at("2026-01-14T15:00:00Z", withActions(evening, morning)).minCapacitySetBy?.field).toBe("spec.autoScaling.scheduledActions[1]");
  });
});

describe("scheduledCapacity: daylight saving time in America/New_York", () => {
  it.each<[string, string, string, string | undefined, string | undefined]>([
    ["08:00 daily is 13:00Z before the change", "cron(0 8 * * ? *)", "2026-03-07T14:00:00Z", "2026-03-07T13:00:00.000Z", "2026-03-08T12:00:00.000Z"],
    ["08:00 daily is 12:00Z on the day the clocks go forward", "cron(0 8 * * ? *)", "2026-03-08T12:30:00Z", "2026-03-08T12:00:00.000Z", "2026-03-09T12:00:00.000Z"],
    ["02:30 does not exist on March 8: that day's run is skipped", "cron(30 2 * * ? *)", "2026-03-08T12:00:00Z", "2026-03-07T07:30:00.000Z", "2026-03-09T06:30:00.000Z"],
    ["01:30 happens twice on November 1: it runs once, at the first (EDT) occurrence", "cron(30 1 * * ? *)", "2026-11-01T06:45:00Z", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"],
    ["between the two 01:30s the next run is the next day's", "cron(30 1 * * ? *)", "2026-11-01T06:00:00Z", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"],
    ["08:00 daily is 13:00Z again after the clocks go back", "cron(0 8 * * ? *)", "2026-11-02T14:00:00Z", "2026-11-02T13:00:00.000Z", "2026-11-03T13:00:00.000Z"],
    ["at() in the repeated hour → its first occurrence", "at(2026-11-01T01:15:00)", "2026-11-01T07:00:00Z", "2026-11-01T05:15:00.000Z", undefined],
  ])("%s", (_name, schedule, now, last, next) => {
    const result = at(now, withActions(action("a", schedule, { minCapacity: 9 }, { timezone: NY })));
    expect([iso(result.minCapacitySetBy?.at), iso(result.nextChangeAt)]).toEqual([last, next]);
  });
});

describe("scheduledCapacity: limits that cross", () => {
  it.each<[string, AutoScaling, [number, number], string, RegExp]>([
    [
      "a run sets minCapacity above the maxCapacity in force → maxCapacity is raised to it, reported",
      { minCapacity: 1, maxCapacity: 10, scheduledActions: [action("peak", "cron(0 8 * * ? *)", { minCapacity: 15 })] },
      [15, 15],
      "spec.autoScaling.scheduledActions[0]",
      /^minCapacity 15 is above the maxCapacity 10 in force \(spec\.autoScaling\); maxCapacity is raised to 15/,
    ],
    [
      "a run sets maxCapacity below the minCapacity in force → minCapacity is lowered to it, reported",
      { minCapacity: 2, maxCapacity: 10, scheduledActions: [action("squeeze", "cron(0 8 * * ? *)", { maxCapacity: 1 })] },
      [1, 1],
      "spec.autoScaling.scheduledActions[0]",
      /^maxCapacity 1 is below the minCapacity 2 in force \(spec\.autoScaling\); minCapacity is lowered to 1/,
    ],
  ])("%s", (_name, autoScaling, [min, max], field, reason) => {
    const result = at("2026-01-14T10:00:00Z", autoScaling);
    expect([result.minCapacity, result.maxCapacity]).toEqual([min, max]);
    expect(result.unsupported).toEqual([{ field, reason: expect.stringMatching(reason) as unknown }]);
  });
});

describe("scheduledCapacity: refusals name the action's field", () => {
  const refusal = (a: Action): string => {
    try {
      at("2026-01-14T10:00:00Z", withActions(morning, a));
    } catch (err) {
      if (err instanceof SpecError) return err.message;
      throw err;
    }
    throw new Error("not refused");
  };
  it.each<[string, Action, RegExp]>([
    ["a cron hour out of range", action("x", "cron(0 25 * * ? *)", { minCapacity: 1 }), /^spec\.autoScaling\.scheduledActions\[1\]\.schedule: "cron\(0 25 \* \* \? \*\)": field 2 \(hours\) "25"/],
    ["an unknown time zone", action("x", "cron(0 8 * * ? *)", { minCapacity: 1 }, { timezone: "Mars/Olympus" }), /^spec\.autoScaling\.scheduledActions\[1\]\.timezone: "Mars\/Olympus" is not an IANA time zone name/],
    ["an at() that does not exist (skipped by daylight saving time)", action("x", "at(2026-03-08T02:30:00)", { minCapacity: 1 }, { timezone: NY }), /^spec\.autoScaling\.scheduledActions\[1\]\.schedule: .*does not exist in America\/New_York/],
    ["endTime before startTime", action("x", "cron(0 8 * * ? *)", { minCapacity: 1 }, { startTime: "2026-02-01T00:00:00Z", endTime: "2026-01-01T00:00:00Z" }), /^spec\.autoScaling\.scheduledActions\[1\]\.endTime: 2026-01-01T00:00:00Z is before startTime/],
    ["a startTime that is not a date-time", action("x", "cron(0 8 * * ? *)", { minCapacity: 1 }, { startTime: "tomorrow" }), /^spec\.autoScaling\.scheduledActions\[1\]\.startTime: tomorrow is not a date-time/],
  ])("%s", (_name, a, message) => {
    expect(refusal(a)).toMatch(message);
  });
});

describe("scheduledRequeueAfterMs and lastRunAtOrBefore", () => {
  it.each<[string, string | undefined, string, number | undefined]>([
    ["until the next change, plus a second", "2026-01-14T13:00:00Z", "2026-01-14T12:00:00Z", 3_601_000],
    ["a change already due → one second", "2026-01-14T12:00:00Z", "2026-01-14T12:00:05Z", 1000],
    ["nothing coming → undefined", undefined, "2026-01-14T12:00:00Z", undefined],
  ])("%s", (_name, next, now, ms) => {
    expect(scheduledRequeueAfterMs({ nextChangeAt: next === undefined ? undefined : new Date(next) }, new Date(now))).toBe(ms);
  });

  const parsed = (schedule: string, timezone?: string) => {
    const p = parseScheduleExpression({ scheduleExpression: schedule, scheduleExpressionTimezone: timezone }, CREATED);
    if (!p.ok) throw new Error(p.message);
    return p.expression;
  };
  it.each<[string, string, string, string | undefined]>([
    ["every minute → the minute itself", "cron(* * * * ? *)", "2026-01-14T12:00:30Z", "2026-01-14T12:00:00.000Z"],
    ["the last day of the month", "cron(0 0 L * ? *)", "2026-03-15T00:00:00Z", "2026-02-28T00:00:00.000Z"],
    ["the first Monday of the month (2#1)", "cron(0 9 ? * 2#1 *)", "2026-02-01T00:00:00Z", "2026-01-05T09:00:00.000Z"],
    ["a cron with no run yet → undefined", "cron(0 0 1 1 ? 2030)", "2026-01-14T12:00:00Z", undefined],
    ["rate(5 minutes) from creation", "rate(5 minutes)", "2026-01-01T00:12:00Z", "2026-01-01T00:10:00.000Z"],
  ])("%s", (_name, schedule, bound, expected) => {
    const t = lastRunAtOrBefore(parsed(schedule), Date.parse(bound));
    expect(t === undefined ? undefined : new Date(t).toISOString()).toBe(expected);
  });

  it("fifty cron actions evaluate in well under a second", () => {
    const actions = Array.from({ length: 50 }, (_, i) => action(`a${i}`, `cron(${i % 60} ${i % 24} ? * MON-FRI *)`, { minCapacity: (i % 5) + 1 }, { timezone: NY }));
    const started = performance.now();
    at("2026-01-14T10:00:00Z", withActions(...actions));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
