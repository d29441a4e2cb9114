// EventBridge schedule expressions → Kubernetes CronJob schedules, controller-run schedules or refusals, and the
// exact run times (nextRunAfter). Rows are real expressions from the AWS docs and the wild; calendar facts used
// in expectations (weekdays, DST dates) are written out next to the rows.
import { describe, expect, it } from "vitest";
import {
  nextRunAfter,
  parseScheduleExpression,
  type ScheduleExpression,
  type ScheduleTranslation,
  translateSchedule,
} from "../../../src/builders/schedule/expression.ts";

// Friday 2026-05-01 10:07:23 UTC: the start of the schedules below (rate phases count from it).
const STARTED = new Date("2026-05-01T10:07:23Z");

const translate = (scheduleExpression: string, scheduleExpressionTimezone?: string, startedAt = STARTED): ScheduleTranslation =>
  translateSchedule({ scheduleExpression, scheduleExpressionTimezone }, startedAt);

function expressionOf(scheduleExpression: string, scheduleExpressionTimezone?: string, startedAt = STARTED): ScheduleExpression {
  const parsed = parseScheduleExpression({ scheduleExpression, scheduleExpressionTimezone }, startedAt);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.expression;
}

const next = (expr: string, after: string, tz?: string, startedAt = STARTED): string | undefined =>
  nextRunAfter(expressionOf(expr, tz, startedAt), new Date(after))?.toISOString();

describe("translateSchedule: expressions a CronJob runs exactly", () => {
  it.each([
    // The AWS cron reference's examples (eb-cron-expressions), in UTC.
    ["cron(0 10 * * ? *)", "0 10 * * *"],
    ["cron(15 12 * * ? *)", "15 12 * * *"],
    ["cron(0 18 ? * MON-FRI *)", "0 18 * * 1-5"],
    ["cron(0 8 1 * ? *)", "0 8 1 * *"],
    ["cron(0/15 * * * ? *)", "*/15 * * * *"],
    ["cron(0/10 * ? * MON-FRI *)", "*/10 * * * 1-5"],
    ["cron(0/5 8-17 ? * MON-FRI *)", "*/5 8-17 * * 1-5"],
    ["cron(0 12 * * ? *)", "0 12 * * *"],
    ["cron(5,35 14 * * ? *)", "5,35 14 * * *"],
    // A range that wraps midnight (AWS example "between 10:00 pm ... to 2:00 am"): robfig has no wrapping ranges.
    ["cron(0/30 20-2 ? * MON-FRI *)", "0,30 0-2,20-23 * * 1-5"],
    // Weekdays: EventBridge 1-7 = SUN-SAT, Kubernetes 0-6 = SUN-SAT.
    ["cron(0 12 ? * 1 *)", "0 12 * * 0"],
    ["cron(0 12 ? * 7 *)", "0 12 * * 6"],
    ["cron(0 12 ? * SUN,SAT *)", "0 12 * * 0,6"],
    ["cron(0 12 ? * L *)", "0 12 * * 6"],
    ["cron(0 12 ? * FRI-MON *)", "0 12 * * 0,1,5,6"],
    ["cron(0 12 ? * MON-FRI/2 *)", "0 12 * * 1-5/2"],
    ["cron(0 12 ? * 1-7 *)", "0 12 * * *"],
    ["cron(0 12 ? * * *)", "0 12 * * *"],
    // Names are case-insensitive; months wrap too.
    ["cron(0 12 ? jan,jul mon-fri *)", "0 12 * 1,7 1-5"],
    ["cron(0 12 ? * l *)", "0 12 * * 6"],
    ["cron(0 12 1 NOV-FEB ? *)", "0 12 1 1,2,11,12 *"],
    ["cron(0 0 1 */3 ? *)", "0 0 1 */3 *"],
    // Increments start where they say (1/10 is the 1st, 11th, 21st ... minute).
    ["cron(1/10 * * * ? *)", "1-51/10 * * * *"],
    ["cron(0 8-17/2 * * ? *)", "0 8-16/2 * * *"],
    ["cron(0 0 */2 * ? *)", "0 0 */2 * *"],
    ["cron(0 0 1-31 * ? *)", "0 0 * * *"],
    ["cron(0 12 * * ? 1970-2199)", "0 12 * * *"],
    ["cron( 0  12 * * ? * )", "0 12 * * *"],
  ])("%s → %s in UTC", (expr, schedule) => {
    expect(translate(expr)).toMatchObject({ kind: "cron", schedule, timeZone: "UTC" });
  });

  it.each([
    // Time zones whose clocks never change, or schedules that avoid the changed hours, stay CronJobs.
    ["cron(0 9 ? * MON-FRI *)", "America/New_York", "0 9 * * 1-5"],
    ["cron(0 3 * * ? *)", "America/New_York", "0 3 * * *"],
    ["cron(30 3 * * ? *)", "Europe/Berlin", "30 3 * * *"],
    ["cron(0/15 * * * ? *)", "Asia/Tokyo", "*/15 * * * *"],
    ["cron(0/15 * * * ? *)", "Asia/Kolkata", "*/15 * * * *"],
    ["cron(45 2 * * ? *)", "Australia/Lord_Howe", "45 2 * * *"],
    ["cron(0 9 * * ? *)", "US/Eastern", "0 9 * * *"],
    ["cron(0 9 * * ? *)", "EST", "0 9 * * *"],
  ])("%s in %s → %s with that timeZone", (expr, tz, schedule) => {
    expect(translate(expr, tz)).toMatchObject({ kind: "cron", schedule, timeZone: tz });
  });

  it("no scheduleExpressionTimezone means UTC", () => {
    expect(translate("cron(0 9 * * ? *)", undefined)).toMatchObject({ kind: "cron", timeZone: "UTC" });
  });

  it.each([
    // rate(): the CronJob keeps the phase of the start (10:07:23 UTC → minute 7, hour 10, Friday) and runs in UTC.
    ["rate(1 minute)", "* * * * *"],
    ["rate(5 minutes)", "2-57/5 * * * *"],
    ["rate(15 minutes)", "7-52/15 * * * *"],
    ["rate(30 minutes)", "7,37 * * * *"],
    ["rate(60 minutes)", "7 * * * *"],
    ["rate(1 hour)", "7 * * * *"],
    ["rate(2 hours)", "7 */2 * * *"],
    ["rate(3 hours)", "7 1-22/3 * * *"],
    ["rate(12 hours)", "7 10,22 * * *"],
    ["rate(24 hours)", "7 10 * * *"],
    ["rate(1 day)", "7 10 * * *"],
    ["rate(7 days)", "7 10 * * 5"],
    ["rate(10080 minutes)", "7 10 * * 5"],
  ])("%s started 2026-05-01T10:07:23Z → %s", (expr, schedule) => {
    expect(translate(expr)).toMatchObject({ kind: "cron", schedule, timeZone: "UTC" });
  });

  it("rate(5 minutes) started on the hour → */5 * * * *", () => {
    expect(translate("rate(5 minutes)", undefined, new Date("2026-05-01T10:00:59Z"))).toMatchObject({ kind: "cron", schedule: "*/5 * * * *" });
  });

  it("rate() ignores the time zone: absolute time, so the CronJob runs in UTC", () => {
    expect(translate("rate(1 hour)", "America/New_York")).toMatchObject({ kind: "cron", schedule: "7 * * * *", timeZone: "UTC" });
  });
});

describe("translateSchedule: expressions the controller runs itself", () => {
  it.each([
    ["cron(0 9 ? * 2#1 *)", undefined, `runs on Monday number 1 of the month; a Kubernetes cron schedule has no "#"`],
    ["cron(0 0 L * ? *)", undefined, `runs on the last day of the month; a Kubernetes cron schedule has no "L"`],
    ["cron(0 0 L-2 * ? *)", undefined, `runs on 2 days before the last day of the month`],
    ["cron(0 0 LW * ? *)", undefined, `the last day (or the weekday nearest to it) of the month`],
    ["cron(0 0 ? * 6L *)", undefined, `runs on the last Friday of the month; a Kubernetes cron schedule has no "L"`],
    ["cron(0 0 15W * ? *)", undefined, `runs on the weekday nearest to day 15 of the month; a Kubernetes cron schedule has no "W"`],
    ["cron(15 10 ? * 6L 2019-2022)", undefined, "runs only in some years"],
    ["cron(0 12 * * ? 2027)", undefined, "runs only in some years; a Kubernetes cron schedule has no year field"],
    ["cron(0 12 * * ? 2026/2)", undefined, "runs only in some years"],
    ["at(2026-12-25T09:00:00)", undefined, "at(2026-12-25T09:00:00) runs once; a CronJob only repeats"],
    ["rate(7 minutes)", undefined, "rate(7 minutes) repeats every 7 minutes from its start"],
    ["rate(90 minutes)", undefined, "repeats every 90 minutes"],
    ["rate(5 hours)", undefined, "rate(5 hours) repeats every 5 hours from its start"],
    ["rate(2 days)", undefined, "repeats every 2 days"],
    ["rate(14 days)", undefined, "repeats every 14 days"],
    // Daylight saving: robfig/cron runs a repeated local time twice (EventBridge once); we also keep skipped times
    // (01:00-02:00 repeats in November and 02:00-03:00 is skipped in March in New York) away from CronJobs.
    ["cron(0/15 * * * ? *)", "America/New_York", "can run at 01:00, a local time that daylight saving in America/New_York skips or repeats (01:00-02:00)"],
    ["cron(30 1 * * ? *)", "America/New_York", "can run at 01:30"],
    ["cron(30 2 * * ? *)", "America/New_York", "can run at 02:30, a local time that daylight saving in America/New_York skips or repeats (02:00-03:00)"],
    ["cron(0 2 * * ? *)", "Europe/Berlin", "can run at 02:00"],
    ["cron(15 2 * * ? *)", "Australia/Lord_Howe", "(02:00-02:30)"],
    ["cron(45 1 * * ? *)", "Australia/Lord_Howe", "(01:30-02:00)"],
    // Cuba changes its clocks at midnight: every schedule there is the controller's.
    ["cron(0 12 * * ? *)", "America/Havana", "America/Havana changes its clocks at midnight"],
    // Chile: 24:00 → 23:00 in April (23:00-24:00 repeated), 00:00 → 01:00 in September.
    ["cron(0 12 * * ? *)", "America/Santiago", "America/Santiago changes its clocks at midnight"],
  ])("%s (%s)", (expr, tz, reason) => {
    const t = translate(expr, tz);
    expect(t.kind).toBe("controller");
    expect(t.kind === "controller" ? t.reason : "").toContain(reason);
  });

  it("the controller kind carries the time zone and the parsed expression", () => {
    expect(translate("cron(0 0 L * ? *)", "Europe/Berlin")).toMatchObject({
      kind: "controller",
      timeZone: "Europe/Berlin",
      expression: { type: "cron", timeZone: "Europe/Berlin", dayOfMonth: { kind: "last", offset: 0, nearestWeekday: false } },
    });
  });
});

describe("translateSchedule: refusals name the field and say why", () => {
  const E = "spec.scheduleExpression";
  it.each([
    // The brief's bad examples.
    ["rate(1 minutes)", `${E}: "rate(1 minutes)": value 1 takes the singular unit "minute", not "minutes"`],
    ["rate(0 minutes)", `${E}: "rate(0 minutes)": value "0" must be a positive whole number`],
    ["cron(0 12 * * * *)", `${E}: "cron(0 12 * * * *)": EventBridge requires "?" in day-of-month or day-of-week`],
    ["cron(0 12 * *)", `${E}: "cron(0 12 * *)": expected 6 fields (minutes hours day-of-month month day-of-week year), found 4`],
    ["cron(61 * * * ? *)", `${E}: "cron(61 * * * ? *)": field 1 (minutes) "61" is out of range 0-59`],
    // rate().
    ["rate(5 minute)", `${E}: "rate(5 minute)": value 5 takes the plural unit "minutes", not "minute"`],
    ["rate(1 hours)", `${E}: "rate(1 hours)": value 1 takes the singular unit "hour", not "hours"`],
    ["rate(5 hour)", `${E}: "rate(5 hour)": value 5 takes the plural unit "hours", not "hour"`],
    ["rate(5 seconds)", `${E}: "rate(5 seconds)": unit "seconds" must be one of minute, minutes, hour, hours, day, days`],
    ["rate(5 Minutes)", `${E}: "rate(5 Minutes)": unit "Minutes" must be one of minute, minutes, hour, hours, day, days`],
    ["rate(-1 minutes)", `${E}: "rate(-1 minutes)": value "-1" must be a positive whole number`],
    ["rate(1.5 hours)", `${E}: "rate(1.5 hours)": value "1.5" must be a positive whole number`],
    ["rate(5)", `${E}: "rate(5)": expected rate(value unit), for example rate(5 minutes)`],
    ["rate(5 minutes please)", `${E}: "rate(5 minutes please)": expected rate(value unit), for example rate(5 minutes)`],
    // The outer form.
    ["", `${E}: "": expected rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)`],
    ["CRON(0 12 * * ? *)", `${E}: "CRON(0 12 * * ? *)": expected rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)`],
    ["cron(0 12 * * ? *", `${E}: "cron(0 12 * * ? *": expected rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)`],
    ["0 12 * * *", `${E}: "0 12 * * *": expected rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)`],
    // cron(): field counts, ranges, wildcards per field.
    ["cron()", `${E}: "cron()": expected 6 fields (minutes hours day-of-month month day-of-week year), found 0`],
    ["cron(0 12 * * ? * *)", `${E}: "cron(0 12 * * ? * *)": expected 6 fields (minutes hours day-of-month month day-of-week year), found 7`],
    ["cron(0 24 * * ? *)", `${E}: "cron(0 24 * * ? *)": field 2 (hours) "24" is out of range 0-23`],
    ["cron(0 12 32 * ? *)", `${E}: "cron(0 12 32 * ? *)": field 3 (day-of-month) "32" is out of range 1-31`],
    ["cron(0 12 0 * ? *)", `${E}: "cron(0 12 0 * ? *)": field 3 (day-of-month) "0" is out of range 1-31`],
    ["cron(0 12 ? 13 * *)", `${E}: "cron(0 12 ? 13 * *)": field 4 (month) "13" is out of range 1-12`],
    ["cron(0 12 ? * 0 *)", `${E}: "cron(0 12 ? * 0 *)": field 5 (day-of-week) "0" is out of range 1-7`],
    ["cron(0 12 ? * 8 *)", `${E}: "cron(0 12 ? * 8 *)": field 5 (day-of-week) "8" is out of range 1-7`],
    ["cron(0 12 * * ? 1969)", `${E}: "cron(0 12 * * ? 1969)": field 6 (year) "1969" is out of range 1970-2199`],
    ["cron(0 12 * * ? 2200)", `${E}: "cron(0 12 * * ? 2200)": field 6 (year) "2200" is out of range 1970-2199`],
    ["cron(0 12 * * ? 2022-2019)", `${E}: "cron(0 12 * * ? 2022-2019)": field 6 (year) "2022-2019": the range runs backwards`],
    ["cron(0 12 ? FOO * *)", `${E}: "cron(0 12 ? FOO * *)": field 4 (month) "FOO": "FOO" is not a number 1-12 or a name JAN-DEC`],
    ["cron(0 12 ? foo * *)", `${E}: "cron(0 12 ? foo * *)": field 4 (month) "foo": "foo" is not a number 1-12 or a name JAN-DEC`],
    ["cron(0 12 ? * MONDAY *)", `${E}: "cron(0 12 ? * MONDAY *)": field 5 (day-of-week) "MONDAY": "MONDAY" is not a number 1-7 or a name SUN-SAT`],
    ["cron(0/0 * * * ? *)", `${E}: "cron(0/0 * * * ? *)": field 1 (minutes) "0/0": the increment must be 1-59`],
    ["cron(0/60 * * * ? *)", `${E}: "cron(0/60 * * * ? *)": field 1 (minutes) "0/60": the increment must be 1-59`],
    ["cron(0 */24 * * ? *)", `${E}: "cron(0 */24 * * ? *)": field 2 (hours) "*/24": the increment must be 1-23`],
    ["cron(0 1/2/3 * * ? *)", `${E}: "cron(0 1/2/3 * * ? *)": field 2 (hours) "1/2/3" has more than one "/"`],
    ["cron(0 1-2-3 * * ? *)", `${E}: "cron(0 1-2-3 * * ? *)": field 2 (hours) "1-2-3" has more than one "-"`],
    ["cron(0 12 1,,2 * ? *)", `${E}: "cron(0 12 1,,2 * ? *)": field 3 (day-of-month) "1,,2" has an empty list entry`],
    ["cron(? 12 * * ? *)", `${E}: "cron(? 12 * * ? *)": field 1 (minutes) "?": "?" is only allowed in day-of-month and day-of-week`],
    ["cron(L 12 * * ? *)", `${E}: "cron(L 12 * * ? *)": field 1 (minutes) "L": "L" is only allowed in day-of-month and day-of-week`],
    ["cron(0 12 ? 1#2 * *)", `${E}: "cron(0 12 ? 1#2 * *)": field 4 (month) "1#2": "#" is only allowed in day-of-week`],
    ["cron(0 12 ? * ? *)", `${E}: "cron(0 12 ? * ? *)": "?" may be used in only one of day-of-month and day-of-week`],
    ["cron(0 12 1 * 2 *)", `${E}: "cron(0 12 1 * 2 *)": EventBridge requires "?" in day-of-month or day-of-week`],
    ["cron(0 12 1,? * * *)", `${E}: "cron(0 12 1,? * * *)": field 3 (day-of-month) "1,?": "?" must be the whole field`],
    // L, W and # (eb-cron-expressions: "If you use a '#' character, you can define only one expression").
    ["cron(0 12 ? * 3#1,6#3 *)", `${E}: "cron(0 12 ? * 3#1,6#3 *)": field 5 (day-of-week) "3#1,6#3": "#" must be the only entry in day-of-week (EventBridge reads "3#1,6#3" as two expressions)`],
    ["cron(0 12 ? * 2#6 *)", `${E}: "cron(0 12 ? * 2#6 *)": field 5 (day-of-week) "2#6": the occurrence after "#" must be 1-5`],
    ["cron(0 12 ? * 9#1 *)", `${E}: "cron(0 12 ? * 9#1 *)": field 5 (day-of-week) "9" is out of range 1-7`],
    ["cron(0 12 ? * 6L,2 *)", `${E}: "cron(0 12 ? * 6L,2 *)": field 5 (day-of-week) "6L,2": "nL" (last weekday n of the month) must be the only entry in day-of-week`],
    ["cron(0 12 15W,20 * ? *)", `${E}: "cron(0 12 15W,20 * ? *)": field 3 (day-of-month) "15W,20": "L" and "W" must be the only entry in day-of-month`],
    ["cron(0 12 1-15W * ? *)", `${E}: "cron(0 12 1-15W * ? *)": field 3 (day-of-month) "1-15W" is not a form of "L" or "W" (L, L-2, LW, L-2W or 15W)`],
    ["cron(0 12 32W * ? *)", `${E}: "cron(0 12 32W * ? *)": field 3 (day-of-month) "32" is out of range 1-31`],
    ["cron(0 12 L-31 * ? *)", `${E}: "cron(0 12 L-31 * ? *)": field 3 (day-of-month) "L-31" is out of range: "L-n" takes n from 0 to 30`],
    ["cron(0 12 ? * 2W *)", `${E}: "cron(0 12 ? * 2W *)": field 5 (day-of-week) "2W": "W" is only allowed in day-of-month`],
    // Valid fields that no date satisfies.
    ["cron(0 0 30 2 ? *)", `${E}: "cron(0 0 30 2 ? *)": matches no date in the years 1970-2199`],
    ["cron(0 0 31 APR ? *)", `${E}: "cron(0 0 31 APR ? *)": matches no date in the years 1970-2199`],
    // at().
    ["at(2026-12-25 09:00:00)", `${E}: "at(2026-12-25 09:00:00)": expected at(yyyy-mm-ddThh:mm:ss), for example at(2026-12-25T09:00:00)`],
    ["at(2026-12-25T09:00)", `${E}: "at(2026-12-25T09:00)": expected at(yyyy-mm-ddThh:mm:ss), for example at(2026-12-25T09:00:00)`],
    ["at(2026-02-29T09:00:00)", `${E}: "at(2026-02-29T09:00:00)": day "29" is out of range 01-28 for 2026-02`],
    ["at(2026-13-01T09:00:00)", `${E}: "at(2026-13-01T09:00:00)": month "13" is out of range 01-12`],
    ["at(2026-12-25T24:00:00)", `${E}: "at(2026-12-25T24:00:00)": hour "24" is out of range 00-23`],
    ["at(2026-12-25T09:60:00)", `${E}: "at(2026-12-25T09:60:00)": minute "60" is out of range 00-59`],
    ["at(2026-12-25T09:00:60)", `${E}: "at(2026-12-25T09:00:60)": second "60" is out of range 00-59`],
    ["at(1969-12-31T23:59:59)", `${E}: "at(1969-12-31T23:59:59)": year 1969 is before 1970`],
  ])("%s", (expr, message) => {
    expect(translate(expr)).toEqual({ kind: "refused", message });
  });

  it("at() of a local time the clocks skip is refused, saying which hour is skipped", () => {
    // 2026-03-08: New York's clocks jump from 02:00 EST to 03:00 EDT.
    expect(translate("at(2026-03-08T02:30:00)", "America/New_York")).toEqual({
      kind: "refused",
      message: `${E}: "at(2026-03-08T02:30:00)": 2026-03-08T02:30:00 does not exist in America/New_York: the clocks jump from 02:00 to 03:00 that day`,
    });
  });

  const Z = "spec.scheduleExpressionTimezone";
  it.each([
    ["Mars/Olympus_Mons", `${Z}: "Mars/Olympus_Mons" is not an IANA time zone name (for example UTC, America/New_York or Europe/Berlin)`],
    ["+05:30", `${Z}: "+05:30" is not an IANA time zone name (for example UTC, America/New_York or Europe/Berlin)`],
    ["", `${Z}: "" is not an IANA time zone name (for example UTC, America/New_York or Europe/Berlin)`],
    // ICU knows PST and IST, the tz database (and so the Kubernetes API server) does not.
    ["PST", `${Z}: "PST" is not an IANA time zone name (for example UTC, America/New_York or Europe/Berlin)`],
    ["IST", `${Z}: "IST" is not an IANA time zone name (for example UTC, America/New_York or Europe/Berlin)`],
    ["america/new_york", `${Z}: "america/new_york" is not spelled as in the IANA time zone database: use "America/New_York"`],
    ["utc", `${Z}: "utc" is not spelled as in the IANA time zone database: use "UTC"`],
    ["asia/kolkata", `${Z}: "asia/kolkata" is not spelled as in the IANA time zone database (each part starts with a capital letter)`],
  ])("time zone %j is refused", (tz, message) => {
    expect(translate("cron(0 12 * * ? *)", tz)).toEqual({ kind: "refused", message });
  });

  it("a bad time zone is refused for rate() too, although rates do not use it", () => {
    expect(translate("rate(5 minutes)", "Nowhere/Special").kind).toBe("refused");
  });
});

describe("nextRunAfter", () => {
  it.each([
    // [expression, after, expected]; UTC. Weekdays of 2026: Jan 31 Sat, Feb 15 Sun, May 1 Fri, May 29 Fri,
    // May 31 Sun, Jun 1 Mon, Jul 6 Mon, Aug 1 Sat, Aug 15 Sat, Apr 2026 has five Thursdays (the last Apr 30).
    ["cron(0 10 * * ? *)", "2026-05-01T09:59:59Z", "2026-05-01T10:00:00.000Z"],
    ["cron(0 10 * * ? *)", "2026-05-01T10:00:00Z", "2026-05-02T10:00:00.000Z"],
    ["cron(0 18 ? * MON-FRI *)", "2026-05-01T18:00:00Z", "2026-05-04T18:00:00.000Z"],
    ["cron(0/15 * * * ? *)", "2026-05-01T10:07:23Z", "2026-05-01T10:15:00.000Z"],
    ["cron(0/5 8-17 ? * MON-FRI *)", "2026-05-01T17:55:00Z", "2026-05-04T08:00:00.000Z"],
    // The wrapping hour range is per day: Friday 00:00-02:30 and 20:00-23:30, then Monday 00:00.
    ["cron(0/30 20-2 ? * MON-FRI *)", "2026-05-01T23:45:00Z", "2026-05-04T00:00:00.000Z"],
    ["cron(0 0 L * ? *)", "2026-02-01T00:00:00Z", "2026-02-28T00:00:00.000Z"],
    ["cron(0 0 L * ? *)", "2028-02-01T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    ["cron(0 0 L-2 * ? *)", "2026-02-01T00:00:00Z", "2026-02-26T00:00:00.000Z"],
    // LW: last weekday. Jan 31 2026 is a Saturday → Friday 30th; May 31 2026 is a Sunday → Friday 29th.
    ["cron(0 0 LW * ? *)", "2026-01-01T00:00:00Z", "2026-01-30T00:00:00.000Z"],
    ["cron(0 0 LW * ? *)", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"],
    // W: nearest weekday, never leaving the month. Aug 15 2026 Saturday → Friday 14th; Feb 15 Sunday → Monday 16th;
    // Aug 1 Saturday → Monday 3rd (not July 31); May 31 Sunday → Friday 29th (not June 1).
    ["cron(0 0 15W * ? *)", "2026-08-01T00:00:00Z", "2026-08-14T00:00:00.000Z"],
    ["cron(0 0 15W * ? *)", "2026-02-01T00:00:00Z", "2026-02-16T00:00:00.000Z"],
    ["cron(0 0 15W * ? *)", "2026-05-01T00:00:00Z", "2026-05-15T00:00:00.000Z"],
    ["cron(0 0 1W * ? *)", "2026-07-31T00:00:00Z", "2026-08-03T00:00:00.000Z"],
    ["cron(0 0 31W * ? *)", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"],
    // 31W in a month with 30 days runs nothing that month (June 2026 → the next is July 31, a Friday).
    ["cron(0 0 31W * ? *)", "2026-06-01T00:00:00Z", "2026-07-31T00:00:00.000Z"],
    // #: the first Monday (June 1 2026), then July 6; the fifth Thursday skips February and March.
    ["cron(0 9 ? * 2#1 *)", "2026-06-01T00:00:00Z", "2026-06-01T09:00:00.000Z"],
    ["cron(0 9 ? * 2#1 *)", "2026-06-01T09:00:00Z", "2026-07-06T09:00:00.000Z"],
    ["cron(0 0 ? * 5#5 *)", "2026-02-01T00:00:00Z", "2026-04-30T00:00:00.000Z"],
    ["cron(0 0 ? * 6L *)", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"],
    ["cron(0 0 ? * FRIL *)", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"],
    ["cron(0 0 ? * fri#1 *)", "2026-05-02T00:00:00Z", "2026-06-05T00:00:00.000Z"],
    ["cron(0 0 lw * ? *)", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"],
    // Years: the last Friday of 2019-2022 (Dec 30 2022), and nothing after it.
    ["cron(15 10 ? * 6L 2019-2022)", "2022-12-01T00:00:00Z", "2022-12-30T10:15:00.000Z"],
    ["cron(15 10 ? * 6L 2019-2022)", "2022-12-30T10:15:00Z", undefined],
    ["cron(0 12 * * ? 2199)", "2199-12-31T12:00:00Z", undefined],
    // at(): once, then never.
    ["at(2026-12-25T09:00:00)", "2026-12-25T08:59:59Z", "2026-12-25T09:00:00.000Z"],
    ["at(2026-12-25T09:00:00)", "2026-12-25T09:00:00Z", undefined],
  ])("%s after %s → %s", (expr, after, expected) => {
    expect(next(expr, after)).toBe(expected);
  });

  it.each([
    // rate(): from the start floored to the minute (10:07:00), the first run at the start itself, then every period.
    ["rate(5 minutes)", "2026-05-01T10:06:00Z", "2026-05-01T10:07:00.000Z"],
    ["rate(5 minutes)", "2026-05-01T10:07:23Z", "2026-05-01T10:12:00.000Z"],
    ["rate(5 minutes)", "2026-05-01T10:12:00Z", "2026-05-01T10:17:00.000Z"],
    ["rate(7 minutes)", "2026-05-01T11:00:00Z", "2026-05-01T11:03:00.000Z"],
    ["rate(5 hours)", "2026-05-02T00:00:00Z", "2026-05-02T01:07:00.000Z"],
    // A day is 24 hours even across a DST change (Scheduler guide), and rates ignore the time zone.
    ["rate(1 day)", "2026-05-01T10:07:00Z", "2026-05-02T10:07:00.000Z"],
    ["rate(2 days)", "2026-05-04T00:00:00Z", "2026-05-05T10:07:00.000Z"],
  ])("%s started 2026-05-01T10:07:23Z, after %s → %s", (expr, after, expected) => {
    expect(next(expr, after)).toBe(expected);
    expect(next(expr, after, "America/New_York")).toBe(expected);
  });

  it.each([
    // America/New_York 2026: March 8 02:00 EST → 03:00 EDT (02:00-02:59 skipped);
    // November 1 02:00 EDT → 01:00 EST (01:00-01:59 repeated). EST = UTC-5, EDT = UTC-4.
    ["cron(0 9 * * ? *)", "2026-03-07T15:00:00Z", "2026-03-08T13:00:00.000Z"],
    ["cron(0 9 * * ? *)", "2026-03-06T15:00:00Z", "2026-03-07T14:00:00.000Z"],
    // A skipped local time does not run: no 02:30 on March 8, the next is March 9 02:30 EDT.
    ["cron(30 2 * * ? *)", "2026-03-07T08:00:00Z", "2026-03-09T06:30:00.000Z"],
    ["cron(0/30 * * * ? *)", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00.000Z"],
    // A repeated local time runs once, at its first occurrence (01:30 EDT), not again at 01:30 EST.
    ["cron(30 1 * * ? *)", "2026-10-31T06:00:00Z", "2026-11-01T05:30:00.000Z"],
    ["cron(30 1 * * ? *)", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00.000Z"],
    ["cron(0/30 * * * ? *)", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00.000Z"],
    ["cron(0/30 * * * ? *)", "2026-11-01T06:10:00Z", "2026-11-01T07:00:00.000Z"],
    ["at(2026-11-01T01:30:00)", "2026-11-01T00:00:00Z", "2026-11-01T05:30:00.000Z"],
    ["cron(0 0 L * ? *)", "2026-03-01T00:00:00Z", "2026-03-31T04:00:00.000Z"],
    ["cron(0 9 ? * 2#1 *)", "2026-03-01T00:00:00Z", "2026-03-02T14:00:00.000Z"],
  ])("%s in America/New_York after %s → %s", (expr, after, expected) => {
    expect(next(expr, after, "America/New_York")).toBe(expected);
  });

  it.each([
    // Lord Howe Island: +10:30, +11:00 in summer; 2026-10-04 02:00 → 02:30 (a half-hour gap).
    ["cron(15 2 * * ? *)", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", "2026-10-04T15:15:00.000Z"],
    ["cron(45 2 * * ? *)", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", "2026-10-03T15:45:00.000Z"],
    ["cron(0 9 * * ? *)", "Asia/Kolkata", "2026-05-01T00:00:00Z", "2026-05-01T03:30:00.000Z"],
    ["at(2026-12-25T09:00:00)", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-12-25T03:30:00.000Z"],
    ["cron(0 12 ? * 6L *)", "Europe/Berlin", "2026-10-01T00:00:00Z", "2026-10-30T11:00:00.000Z"],
  ])("%s in %s after %s → %s", (expr, tz, after, expected) => {
    expect(next(expr, after, tz)).toBe(expected);
  });

  it("nothing after an invalid date", () => {
    expect(nextRunAfter(expressionOf("cron(0 12 * * ? *)"), new Date(Number.NaN))).toBeUndefined();
  });
});

// An independent reading of the five-field Kubernetes schedule with robfig/cron's rules (ranges, steps, lists,
// and day-of-month OR day-of-week unless one of them is "*"), minute by minute.
function kubernetesCronMatches(schedule: string, offsetMinutes: number, at: number): boolean {
  const [min, hour, dom, month, dow] = schedule.split(" ") as [string, string, string, string, string];
  const inField = (field: string, lo: number, hi: number, v: number): boolean =>
    field.split(",").some((part) => {
      const [range = "", stepText] = part.split("/");
      const [a, b] = range === "*" ? [lo, hi] : range.split("-").map(Number);
      const from = a ?? lo;
      const to = stepText !== undefined && b === undefined ? hi : (b ?? from);
      const step = stepText === undefined ? 1 : Number(stepText);
      return v >= from && v <= to && (v - from) % step === 0;
    });
  const d = new Date(at + offsetMinutes * 60_000);
  const domOk = inField(dom, 1, 31, d.getUTCDate());
  const dowOk = inField(dow, 0, 6, d.getUTCDay());
  const star = (field: string): boolean => field === "*" || field === "?" || field === "*/1";
  const dayOk = star(dom) || star(dow) ? domOk && dowOk : domOk || dowOk;
  return inField(min, 0, 59, d.getUTCMinutes()) && inField(hour, 0, 23, d.getUTCHours()) && inField(month, 1, 12, d.getUTCMonth() + 1) && dayOk;
}

describe("a cron translation runs exactly when nextRunAfter says", () => {
  it.each([
    ["cron(0/30 20-2 ? * MON-FRI *)", undefined, 0],
    ["cron(1/10 9-17 ? * MON-FRI *)", undefined, 0],
    ["cron(5,35 14 1,15 * ? *)", undefined, 0],
    ["cron(0 12 ? * FRI-MON *)", undefined, 0],
    ["cron(0 8-16/2 */2 * ? *)", undefined, 0],
    ["cron(0/15 * * * ? *)", "Asia/Kolkata", 330],
    ["rate(5 minutes)", undefined, 0],
    ["rate(3 hours)", undefined, 0],
    ["rate(7 days)", undefined, 0],
  ])("%s (%s) over 35 days", (expr, tz, offsetMinutes) => {
    const t = translate(expr, tz);
    if (t.kind !== "cron") throw new Error(`expected a cron translation, got ${t.kind}`);
    const start = Date.parse("2026-05-01T10:08:00Z");
    const end = start + 35 * 86_400_000;
    const expected: string[] = [];
    for (let m = start + 60_000; m <= end; m += 60_000) if (kubernetesCronMatches(t.schedule, offsetMinutes, m)) expected.push(new Date(m).toISOString());
    const actual: string[] = [];
    for (let at = nextRunAfter(t.expression, new Date(start)); at && at.getTime() <= end; at = nextRunAfter(t.expression, at)) actual.push(at.toISOString());
    expect(actual.length).toBeGreaterThan(4);
    expect(actual).toEqual(expected);
  });
});
