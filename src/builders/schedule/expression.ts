// EventBridge schedule expressions (at/rate/cron, as ECS scheduled tasks and EventBridge Scheduler take them):
// parsed exactly, translated to a Kubernetes CronJob schedule when a CronJob fires at exactly the same instants,
// and evaluated (nextRunAfter) for the runs the controller makes itself. Pure: no clock, no environment.
//
// Semantics, with sources (docs/scheduled-tasks.md has the long form):
// - cron: six fields, Quartz-style, as in the EventBridge cron reference (eb-cron-expressions): `?` in exactly
//   one of day-of-month/day-of-week, `L` `W` `#`, weekdays 1-7 = SUN-SAT, years 1970-2199. Ranges may wrap
//   (`20-2` in hours, as in the AWS example `cron(0/30 20-2 ? * MON-FRI *)`), like Quartz.
// - Time zones and daylight saving as in the EventBridge Scheduler guide (schedule-types): a local time that
//   the clocks skip is skipped; a local time that they repeat runs once (we take its first occurrence).
// - rate: a fixed period of absolute time (a day is 24 hours) counted from the start of the schedule, to the
//   minute (Scheduler's precision); the first run is at the start itself (Scheduler without StartDate "starts
//   invoking the target immediately"; with one, StartDate is "the first occurrence").
// - Kubernetes: CronJob `schedule` is parsed by robfig/cron v3 (ParseStandard: five fields, `*` `?` `,` `-`
//   `/`, names, weekdays 0-6, no L/W/#/year, no wrapping ranges) and evaluated in `timeZone` (IANA name).

const SCHEDULE_EXPRESSION_FIELD = "spec.scheduleExpression";
const SCHEDULE_TIMEZONE_FIELD = "spec.scheduleExpressionTimezone";

export interface ScheduleSpec {
  scheduleExpression: string;
  /** IANA time zone name; UTC when absent. */
  scheduleExpressionTimezone?: string | undefined;
}

export type RateUnit = "minute" | "minutes" | "hour" | "hours" | "day" | "days";

export interface AtExpression {
  readonly type: "at";
  readonly text: string;
  readonly timeZone: string;
  /** The one instant the schedule runs at. */
  readonly at: Date;
}

export interface RateExpression {
  readonly type: "rate";
  readonly text: string;
  readonly value: number;
  readonly unit: RateUnit;
  readonly periodMinutes: number;
  /** The first run: the start of the schedule, floored to the minute. Later runs follow every period. */
  readonly startsAt: Date;
}

/** Day-of-month (1-31): any (`*` or `?`), a set, `L`/`L-n`/`LW`/`L-nW`, or `nW`. */
export type DayOfMonthRule =
  | { readonly kind: "any" }
  | { readonly kind: "days"; readonly days: readonly number[] }
  | { readonly kind: "last"; readonly offset: number; readonly nearestWeekday: boolean }
  | { readonly kind: "nearestWeekday"; readonly day: number };

/** Day-of-week in EventBridge numbering (1 = SUN ... 7 = SAT): any, a set, `nL` (last n-day) or `n#k`. */
export type DayOfWeekRule =
  | { readonly kind: "any" }
  | { readonly kind: "days"; readonly days: readonly number[] }
  | { readonly kind: "last"; readonly weekday: number }
  | { readonly kind: "nth"; readonly weekday: number; readonly n: number };

export interface CronExpression {
  readonly type: "cron";
  readonly text: string;
  readonly timeZone: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  readonly months: readonly number[];
  readonly dayOfWeek: DayOfWeekRule;
  /** Sorted years, all of 1970-2199 when the field does not restrict them. */
  readonly years: readonly number[];
}

export type ScheduleExpression = AtExpression | RateExpression | CronExpression;

export type ScheduleTranslation =
  /** A CronJob with this schedule and timeZone runs at exactly the instants of the expression. */
  | { readonly kind: "cron"; readonly schedule: string; readonly timeZone: string; readonly expression: ScheduleExpression }
  /** No CronJob schedule is exact; the controller creates the runs at nextRunAfter(expression, ...). */
  | { readonly kind: "controller"; readonly reason: string; readonly timeZone: string; readonly expression: ScheduleExpression }
  /** The expression or time zone is invalid; the message names the field and says why. */
  | { readonly kind: "refused"; readonly message: string };

export type ParsedSchedule = { readonly ok: true; readonly expression: ScheduleExpression } | { readonly ok: false; readonly message: string };

// ------------------------------------------------------------------------------------------------ public API

/**
 * Parses and validates `scheduleExpression` and `scheduleExpressionTimezone`. `startedAt` is when the schedule
 * starts (spec.startDate, else the object's creationTimestamp): rate schedules count their periods from it.
 */
export function parseScheduleExpression(spec: ScheduleSpec, startedAt: Date): ParsedSchedule {
  if (Number.isNaN(startedAt.getTime())) throw new RangeError("parseScheduleExpression: startedAt is not a valid date");
  const zone = checkTimeZone(spec.scheduleExpressionTimezone);
  if (!zone.ok) return zone;
  const text = spec.scheduleExpression;
  try {
    return { ok: true, expression: parseExpression(text, zone.timeZone, startedAt) };
  } catch (err) {
    if (err instanceof ExpressionError) return { ok: false, message: `${SCHEDULE_EXPRESSION_FIELD}: ${JSON.stringify(text)}: ${err.message}` };
    throw err;
  }
}

/** Translates a schedule to a Kubernetes CronJob schedule when that is exact, else to a controller-run schedule. */
export function translateSchedule(spec: ScheduleSpec, startedAt: Date): ScheduleTranslation {
  const parsed = parseScheduleExpression(spec, startedAt);
  if (!parsed.ok) return { kind: "refused", message: parsed.message };
  const expression = parsed.expression;
  switch (expression.type) {
    case "at":
      return { kind: "controller", reason: `${expression.text} runs once; a CronJob only repeats`, timeZone: expression.timeZone, expression };
    case "rate":
      return translateRate(expression);
    case "cron":
      return translateCron(expression);
  }
}

/**
 * The first run of the schedule strictly after `after`, or undefined when there is none (an at() in the past,
 * a cron whose years are over). Time-zone aware: skipped local times do not run, repeated ones run once.
 */
export function nextRunAfter(expression: ScheduleExpression, after: Date): Date | undefined {
  const afterMs = after.getTime();
  if (Number.isNaN(afterMs)) return undefined;
  switch (expression.type) {
    case "at":
      return expression.at.getTime() > afterMs ? new Date(expression.at.getTime()) : undefined;
    case "rate": {
      const start = expression.startsAt.getTime();
      const period = expression.periodMinutes * MINUTE;
      const k = afterMs < start ? 0 : Math.floor((afterMs - start) / period) + 1;
      const next = start + k * period;
      return next <= MAX_DATE_MS ? new Date(next) : undefined;
    }
    case "cron": {
      const next = nextCronRun(expression, afterMs);
      return next === undefined ? undefined : new Date(next);
    }
  }
}

// ------------------------------------------------------------------------------------------------ parsing

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_DATE_MS = 8.64e15;
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;
const EXPECTED =
  "expected rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)";

/** A syntax or range error; its message is prefixed with the field path and the expression. */
class ExpressionError extends Error {}

function parseExpression(text: string, timeZone: string, startedAt: Date): ScheduleExpression {
  const call = /^(at|rate|cron)\((.*)\)$/s.exec(text);
  if (!call) throw new ExpressionError(EXPECTED);
  const body = (call[2] ?? "").trim();
  switch (call[1]) {
    case "rate":
      return parseRate(text, body, startedAt);
    case "at":
      return parseAt(text, body, timeZone);
    default:
      return parseCron(text, body, timeZone);
  }
}

const UNIT_MINUTES: Readonly<Record<RateUnit, number>> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };
const PLURAL: Readonly<Record<RateUnit, RateUnit>> = { minute: "minutes", minutes: "minutes", hour: "hours", hours: "hours", day: "days", days: "days" };
const SINGULAR: Readonly<Record<RateUnit, RateUnit>> = { minute: "minute", minutes: "minute", hour: "hour", hours: "hour", day: "day", days: "day" };

function isRateUnit(s: string): s is RateUnit {
  return Object.hasOwn(UNIT_MINUTES, s);
}

function parseRate(text: string, body: string, startedAt: Date): RateExpression {
  const parts = body.split(/\s+/);
  const [valueText, unit] = parts;
  if (parts.length !== 2 || valueText === undefined || unit === undefined || valueText === "") {
    throw new ExpressionError("expected rate(value unit), for example rate(5 minutes)");
  }
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1) throw new ExpressionError(`value ${JSON.stringify(valueText)} must be a positive whole number`);
  if (!isRateUnit(unit)) throw new ExpressionError(`unit ${JSON.stringify(unit)} must be one of minute, minutes, hour, hours, day, days`);
  const value = Number(valueText);
  if (value === 1 && unit !== SINGULAR[unit]) throw new ExpressionError(`value 1 takes the singular unit "${SINGULAR[unit]}", not "${unit}"`);
  if (value > 1 && unit !== PLURAL[unit]) throw new ExpressionError(`value ${value} takes the plural unit "${PLURAL[unit]}", not "${unit}"`);
  const periodMinutes = value * UNIT_MINUTES[unit];
  if (!Number.isSafeInteger(periodMinutes) || periodMinutes * MINUTE > MAX_DATE_MS) throw new ExpressionError(`value ${valueText} is too large`);
  const startsAt = new Date(Math.floor(startedAt.getTime() / MINUTE) * MINUTE);
  return { type: "rate", text, value, unit, periodMinutes, startsAt };
}

function parseAt(text: string, body: string, timeZone: string): AtExpression {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) throw new ExpressionError("expected at(yyyy-mm-ddThh:mm:ss), for example at(2026-12-25T09:00:00)");
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < FIRST_YEAR) throw new ExpressionError(`year ${year} is before 1970`);
  if (month < 1 || month > 12) throw new ExpressionError(`month "${m[2] ?? ""}" is out of range 01-12`);
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) throw new ExpressionError(`day "${m[3] ?? ""}" is out of range 01-${dim} for ${year}-${m[2] ?? ""}`);
  if (hour > 23) throw new ExpressionError(`hour "${m[4] ?? ""}" is out of range 00-23`);
  if (minute > 59) throw new ExpressionError(`minute "${m[5] ?? ""}" is out of range 00-59`);
  if (second > 59) throw new ExpressionError(`second "${m[6] ?? ""}" is out of range 00-59`);
  const wall = civilMs(year, month, day, hour, minute, second);
  const instants = wallToInstants(timeZone, wall);
  const first = instants[0];
  if (first === undefined) {
    const gap = gapAround(timeZone, wall);
    const detail = gap ? `: the clocks jump from ${clock(gap.from)} to ${clock(gap.to)} that day` : "";
    throw new ExpressionError(`${body} does not exist in ${timeZone}${detail}`);
  }
  // A repeated local time (the clocks go back) runs once, at its first occurrence.
  return { type: "at", text, timeZone, at: new Date(first) };
}

interface FieldSpec {
  readonly index: number;
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
  readonly namesHint?: string;
  /** Quartz refuses increments above this (59 for minutes ...); undefined: no limit. */
  readonly maxStep?: number;
  readonly wraps: boolean;
}

const MONTH_NAMES = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };
const WEEKDAY_NAMES = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };
const MINUTES_FIELD: FieldSpec = { index: 1, name: "minutes", min: 0, max: 59, maxStep: 59, wraps: true };
const HOURS_FIELD: FieldSpec = { index: 2, name: "hours", min: 0, max: 23, maxStep: 23, wraps: true };
const DOM_FIELD: FieldSpec = { index: 3, name: "day-of-month", min: 1, max: 31, maxStep: 31, wraps: true };
const MONTH_FIELD: FieldSpec = { index: 4, name: "month", min: 1, max: 12, names: MONTH_NAMES, namesHint: "JAN-DEC", maxStep: 12, wraps: true };
const DOW_FIELD: FieldSpec = { index: 5, name: "day-of-week", min: 1, max: 7, names: WEEKDAY_NAMES, namesHint: "SUN-SAT", maxStep: 7, wraps: true };
const YEAR_FIELD: FieldSpec = { index: 6, name: "year", min: FIRST_YEAR, max: LAST_YEAR, wraps: false };

function fieldError(spec: FieldSpec, item: string, why: string): ExpressionError {
  return new ExpressionError(`field ${spec.index} (${spec.name}) ${JSON.stringify(item)}${why.startsWith(":") ? "" : " "}${why}`);
}

function parseCron(text: string, body: string, timeZone: string): CronExpression {
  const fields = body === "" ? [] : body.split(/\s+/);
  if (fields.length !== 6) {
    throw new ExpressionError(`expected 6 fields (minutes hours day-of-month month day-of-week year), found ${fields.length}`);
  }
  const [minText, hourText, domText, monthText, dowText, yearText] = fields as [string, string, string, string, string, string];
  const minutes = parseSetField(minText, MINUTES_FIELD);
  const hours = parseSetField(hourText, HOURS_FIELD);
  const months = parseSetField(monthText, MONTH_FIELD);
  const years = parseSetField(yearText, YEAR_FIELD);
  const domAny = domText === "?";
  const dowAny = dowText === "?";
  const dayOfMonth: DayOfMonthRule = domAny ? { kind: "any" } : parseDayOfMonth(domText);
  const dayOfWeek: DayOfWeekRule = dowAny ? { kind: "any" } : parseDayOfWeek(dowText);
  if (domAny && dowAny) throw new ExpressionError(`"?" may be used in only one of day-of-month and day-of-week`);
  if (!domAny && !dowAny) throw new ExpressionError(`EventBridge requires "?" in day-of-month or day-of-week`);
  const expression: CronExpression = { type: "cron", text, timeZone, minutes, hours, dayOfMonth, months, dayOfWeek, years };
  if (!someDateMatches(expression)) throw new ExpressionError(`matches no date in the years ${FIRST_YEAR}-${LAST_YEAR}`);
  return expression;
}

function parseDayOfMonth(text: string): DayOfMonthRule {
  if (text === "*") return { kind: "any" };
  const last = /^L(?:-(\d+))?(W)?$/i.exec(text);
  if (last) {
    const offset = last[1] === undefined ? 0 : Number(last[1]);
    if (offset > 30) throw fieldError(DOM_FIELD, text, `is out of range: "L-n" takes n from 0 to 30`);
    return { kind: "last", offset, nearestWeekday: last[2] !== undefined };
  }
  const weekday = /^(\d+)W$/i.exec(text);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) throw fieldError(DOM_FIELD, weekday[1] ?? "", "is out of range 1-31");
    return { kind: "nearestWeekday", day };
  }
  const items = text.split(",");
  if (items.length > 1 && items.some((item) => /[LW]/i.test(item))) {
    throw fieldError(DOM_FIELD, text, `: "L" and "W" must be the only entry in day-of-month`);
  }
  if (/[LW]/i.test(text)) throw fieldError(DOM_FIELD, text, `is not a form of "L" or "W" (L, L-2, LW, L-2W or 15W)`);
  const days = parseSetField(text, DOM_FIELD);
  return days.length === 31 ? { kind: "any" } : { kind: "days", days };
}

function parseDayOfWeek(text: string): DayOfWeekRule {
  if (text === "*") return { kind: "any" };
  const nth = /^([A-Z]{3}|\d+)#(\d+)$/i.exec(text);
  if (nth) {
    const weekday = parseValue(nth[1] ?? "", DOW_FIELD, text);
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw fieldError(DOW_FIELD, text, `: the occurrence after "#" must be 1-5`);
    return { kind: "nth", weekday, n };
  }
  const last = /^([A-Z]{3}|\d+)L$/i.exec(text);
  if (last) return { kind: "last", weekday: parseValue(last[1] ?? "", DOW_FIELD, text) };
  const items = text.split(",");
  if (items.length > 1 && items.some((item) => item.includes("#"))) {
    throw fieldError(DOW_FIELD, text, `: "#" must be the only entry in day-of-week (EventBridge reads "3#1,6#3" as two expressions)`);
  }
  if (items.length > 1 && items.some((item) => /^([A-Z]{3}|\d+)L$/i.test(item))) {
    throw fieldError(DOW_FIELD, text, `: "nL" (last weekday n of the month) must be the only entry in day-of-week`);
  }
  // A bare L is the last day of the week: Saturday.
  const days = parseSetField(items.map((item) => (item.toUpperCase() === "L" ? "7" : item)).join(","), DOW_FIELD, text);
  return days.length === 7 ? { kind: "any" } : { kind: "days", days };
}

/** A comma-separated list of values, ranges and increments, as the sorted set of values it names. */
function parseSetField(text: string, spec: FieldSpec, shown = text): number[] {
  if (text.includes("?")) {
    throw fieldError(spec, shown, spec.index === 3 || spec.index === 5 ? `: "?" must be the whole field` : `: "?" is only allowed in day-of-month and day-of-week`);
  }
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") throw fieldError(spec, shown, "has an empty list entry");
    for (const v of parseItem(item, spec)) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parseItem(item: string, spec: FieldSpec): number[] {
  const slash = item.split("/");
  if (slash.length > 2) throw fieldError(spec, item, `has more than one "/"`);
  const [base = "", stepText] = slash;
  let step = 1;
  if (stepText !== undefined) {
    step = /^\d+$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1 || (spec.maxStep !== undefined && step > spec.maxStep)) {
      throw fieldError(spec, item, `: the increment must be ${spec.maxStep === undefined ? "a positive whole number" : `1-${spec.maxStep}`}`);
    }
  }
  let start: number;
  let end: number;
  if (base === "*") {
    start = spec.min;
    end = spec.max;
  } else {
    const dash = base.split("-");
    if (dash.length > 2) throw fieldError(spec, item, `has more than one "-"`);
    const [from = "", to] = dash;
    start = parseValue(from, spec, item);
    end = to === undefined ? (stepText === undefined ? start : spec.max) : parseValue(to, spec, item);
    if (end < start && !spec.wraps) throw fieldError(spec, item, `: the range runs backwards`);
  }
  // A range that runs past the end of the field wraps around (hours 20-2 are 20, 21, 22, 23, 0, 1, 2).
  const size = spec.max - spec.min + 1;
  const stop = end < start ? end + size : end;
  const out: number[] = [];
  for (let v = start; v <= stop; v += step) out.push(((v - spec.min) % size) + spec.min);
  return out;
}

function parseValue(token: string, spec: FieldSpec, item: string): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) throw fieldError(spec, token, `is out of range ${spec.min}-${spec.max}`);
    return n;
  }
  const upper = token.toUpperCase();
  const named = spec.names?.[upper];
  if (named !== undefined) return named;
  for (const [ch, where] of [["?", "day-of-month and day-of-week"], ["L", "day-of-month and day-of-week"], ["W", "day-of-month"], ["#", "day-of-week"]] as const) {
    if (upper.includes(ch) && !where.includes(spec.name)) throw fieldError(spec, item, `: "${ch}" is only allowed in ${where}`);
  }
  const hint = spec.namesHint === undefined ? "" : ` or a name ${spec.namesHint}`;
  throw fieldError(spec, item, `: ${JSON.stringify(token)} is not a number ${spec.min}-${spec.max}${hint}`);
}

// ------------------------------------------------------------------------------------------------ translation

function translateRate(e: RateExpression): ScheduleTranslation {
  // Rates count absolute time, so the CronJob runs in UTC, where local time and absolute time agree.
  const timeZone = "UTC";
  const p = e.periodMinutes;
  const start = e.startsAt;
  const minute = start.getUTCMinutes();
  const hour = start.getUTCHours();
  let schedule: string | undefined;
  if (60 % p === 0) {
    schedule = `${renderField(progression(minute % p, p, 59), 0, 59)} * * * *`;
  } else if (p % 60 === 0 && 24 % (p / 60) === 0) {
    const h = p / 60;
    schedule = `${minute} ${renderField(progression(hour % h, h, 23), 0, 23)} * * *`;
  } else if (p === 7 * 1440) {
    schedule = `${minute} ${hour} * * ${start.getUTCDay()}`;
  }
  if (schedule !== undefined) return { kind: "cron", schedule, timeZone, expression: e };
  return {
    kind: "controller",
    reason: `${e.text} repeats every ${e.value} ${e.unit} from its start; a cron schedule repeats only at periods that divide an hour or a day, or weekly`,
    timeZone,
    expression: e,
  };
}

function progression(first: number, step: number, max: number): number[] {
  const out: number[] = [];
  for (let v = first; v <= max; v += step) out.push(v);
  return out;
}

function translateCron(e: CronExpression): ScheduleTranslation {
  const controller = (reason: string): ScheduleTranslation => ({ kind: "controller", reason, timeZone: e.timeZone, expression: e });
  if (e.years.length !== LAST_YEAR - FIRST_YEAR + 1) {
    return controller(`${e.text} runs only in some years; a Kubernetes cron schedule has no year field`);
  }
  const dom = e.dayOfMonth;
  if (dom.kind === "last") {
    const what = `${dom.offset === 0 ? "the last day" : `${dom.offset} days before the last day`}${dom.nearestWeekday ? " (or the weekday nearest to it)" : ""} of the month`;
    return controller(`${e.text} runs on ${what}; a Kubernetes cron schedule has no "L"`);
  }
  if (dom.kind === "nearestWeekday") {
    return controller(`${e.text} runs on the weekday nearest to day ${dom.day} of the month; a Kubernetes cron schedule has no "W"`);
  }
  const dow = e.dayOfWeek;
  if (dow.kind === "last") return controller(`${e.text} runs on the last ${WEEKDAY_LABEL[dow.weekday] ?? ""} of the month; a Kubernetes cron schedule has no "L"`);
  if (dow.kind === "nth") {
    return controller(`${e.text} runs on ${WEEKDAY_LABEL[dow.weekday] ?? ""} number ${dow.n} of the month; a Kubernetes cron schedule has no "#"`);
  }
  const dst = daylightSavingConflict(e);
  if (dst !== undefined) return controller(dst);
  const schedule = [
    renderField(e.minutes, 0, 59),
    renderField(e.hours, 0, 23),
    dom.kind === "any" ? "*" : renderField(dom.days, 1, 31),
    renderField(e.months, 1, 12),
    // Kubernetes counts weekdays 0-6 from Sunday, EventBridge 1-7.
    dow.kind === "any" ? "*" : renderField(dow.days.map((d) => d - 1), 0, 6),
  ].join(" ");
  return { kind: "cron", schedule, timeZone: e.timeZone, expression: e };
}

const WEEKDAY_LABEL: Readonly<Record<number, string>> = { 1: "Sunday", 2: "Monday", 3: "Tuesday", 4: "Wednesday", 5: "Thursday", 6: "Friday", 7: "Saturday" };

/**
 * One robfig/cron field for a sorted set of values: `*`, `*\/s`, `a-b/s`, or a list of values and ranges.
 * Every form is one that robfig evaluates to exactly this set (it has no wrapping ranges, so none are made).
 */
function renderField(values: readonly number[], min: number, max: number): string {
  if (values.length === max - min + 1) return "*";
  const first = values[0];
  const second = values[1];
  const last = values[values.length - 1];
  if (values.length >= 3 && first !== undefined && second !== undefined && last !== undefined) {
    const step = second - first;
    if (step > 1 && values.every((v, i) => v === first + i * step)) {
      return first === min && last + step > max ? `*/${step}` : `${first}-${last}/${step}`;
    }
  }
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] ?? 0) === (values[j] ?? 0) + 1) j++;
    const a = values[i] ?? 0;
    const b = values[j] ?? 0;
    if (j - i >= 2) parts.push(`${a}-${b}`);
    else for (let k = i; k <= j; k++) parts.push(String(values[k] ?? 0));
    i = j + 1;
  }
  return parts.join(",");
}

// The years over which a zone's daylight-saving transitions are examined. A constant, not the clock, so that a
// translation never changes while it runs; tz rules repeat yearly, and 50 years covers every announced change.
const DST_SCAN_FIRST_YEAR = 2026;
const DST_SCAN_YEARS = 50;

interface DstWindows {
  /** A transition skips or repeats 00:00 or crosses midnight. */
  readonly touchesMidnight: boolean;
  /** Local times of day (minutes after midnight, [from, to)) that some transition skips or repeats. */
  readonly ranges: readonly (readonly [number, number])[];
}

const dstWindowsCache = new Map<string, DstWindows>();

function dstWindows(timeZone: string): DstWindows {
  const cached = dstWindowsCache.get(timeZone);
  if (cached) return cached;
  let touchesMidnight = false;
  const seen = new Set<string>();
  const ranges: [number, number][] = [];
  for (let year = DST_SCAN_FIRST_YEAR; year < DST_SCAN_FIRST_YEAR + DST_SCAN_YEARS; year++) {
    for (const t of yearTable(timeZone, year).transitions) {
      // Skipped local times (the offset grows) or repeated ones (it shrinks): [at + smaller, at + larger).
      const from = t.at + Math.min(t.before, t.after);
      const to = t.at + Math.max(t.before, t.after);
      const fromDay = Math.floor(from / DAY);
      if (from % DAY === 0 || to % DAY === 0 || fromDay !== Math.floor((to - 1) / DAY)) touchesMidnight = true;
      const start = Math.floor((from - fromDay * DAY) / MINUTE);
      const end = start + Math.ceil((to - from) / MINUTE);
      const key = `${start}-${end}`;
      if (!seen.has(key)) {
        seen.add(key);
        ranges.push([start, end]);
      }
    }
  }
  const windows = { touchesMidnight, ranges };
  dstWindowsCache.set(timeZone, windows);
  return windows;
}

/**
 * Why a CronJob would not be exact around daylight-saving transitions, or undefined when it is. robfig/cron runs
 * a repeated local time twice (EventBridge once) and misplaces days that do not start at 00:00; conservatively,
 * any run at a local time of day that some transition skips or repeats sends the schedule to the controller.
 */
function daylightSavingConflict(e: CronExpression): string | undefined {
  const windows = dstWindows(e.timeZone);
  if (windows.touchesMidnight) {
    return `${e.timeZone} changes its clocks at midnight, where Kubernetes CronJobs misplace runs on the day of the change`;
  }
  for (const h of e.hours) {
    for (const m of e.minutes) {
      const tod = h * 60 + m;
      const range = windows.ranges.find(([from, to]) => tod >= from && tod < to);
      if (range) {
        return `${e.text} can run at ${pad2(h)}:${pad2(m)}, a local time that daylight saving in ${e.timeZone} skips or repeats ` +
          `(${clockOfDay(range[0])}-${clockOfDay(range[1])}); a Kubernetes CronJob runs a repeated time twice, EventBridge once`;
      }
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------ evaluation

function daysInMonth(year: number, month: number): number {
  return new Date(civilMs(year, month + 1, 1, 0, 0, 0) - DAY).getUTCDate();
}

/** 0 = Sunday ... 6 = Saturday. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(civilMs(year, month, day, 0, 0, 0)).getUTCDay();
}

/** Quartz's "nearest weekday" to `day`, never leaving the month. */
function nearestWeekday(year: number, month: number, day: number, dim: number): number {
  const wd = weekdayOf(year, month, day);
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === dim ? day - 2 : day + 1;
  return day;
}

/** The days of a month that the day-of-month and day-of-week rules allow, as a lookup by day. */
function matchingDays(e: CronExpression, year: number, month: number): boolean[] {
  const dim = daysInMonth(year, month);
  const ok: boolean[] = new Array<boolean>(dim + 1).fill(false);
  const dom = e.dayOfMonth;
  const dow = e.dayOfWeek;
  for (let day = 1; day <= dim; day++) {
    const wd = weekdayOf(year, month, day) + 1;
    let match: boolean;
    switch (dow.kind) {
      case "any":
        match = true;
        break;
      case "days":
        match = dow.days.includes(wd);
        break;
      case "last":
        match = wd === dow.weekday && day + 7 > dim;
        break;
      case "nth":
        match = wd === dow.weekday && Math.ceil(day / 7) === dow.n;
        break;
    }
    if (match && dom.kind === "days") match = dom.days.includes(day);
    ok[day] = match;
  }
  if (dom.kind === "last" || dom.kind === "nearestWeekday") {
    ok.fill(false);
    const base = dom.kind === "last" ? dim - dom.offset : dom.day;
    const weekdayWanted = dom.kind === "nearestWeekday" || dom.nearestWeekday;
    // A day the month does not have (31W in April, L-30 in February) runs nothing that month.
    if (base >= 1 && base <= dim) ok[weekdayWanted ? nearestWeekday(year, month, base, dim) : base] = true;
  }
  return ok;
}

function someDateMatches(e: CronExpression): boolean {
  for (const year of e.years) {
    for (const month of e.months) if (matchingDays(e, year, month).includes(true)) return true;
  }
  return false;
}

function nextCronRun(e: CronExpression, afterMs: number): number | undefined {
  // Start on the local day before `after`: with repeated hours, a run on that day can still lie after it.
  const afterWall = afterMs + offsetAt(e.timeZone, afterMs);
  // A wall time earlier than afterWall by more than the offset changes around `after` is surely before it.
  const slack = transitionsBetween(e.timeZone, afterMs - 3 * DAY, afterMs + 3 * DAY).reduce((sum, tr) => sum + Math.abs(tr.after - tr.before), 0);
  const from = new Date(Math.max(afterWall - DAY, civilMs(FIRST_YEAR, 1, 1, 0, 0, 0)));
  const fromYear = from.getUTCFullYear();
  const fromMonth = from.getUTCMonth() + 1;
  const fromDay = from.getUTCDate();
  for (const year of e.years) {
    if (year < fromYear) continue;
    for (const month of e.months) {
      if (year === fromYear && month < fromMonth) continue;
      const days = matchingDays(e, year, month);
      for (let day = year === fromYear && month === fromMonth ? fromDay : 1; day < days.length; day++) {
        if (days[day] !== true) continue;
        for (const hour of e.hours) {
          for (const minute of e.minutes) {
            const wall = civilMs(year, month, day, hour, minute, 0);
            if (wall < afterWall - slack) continue;
            // A skipped local time has no instant and does not run; a repeated one runs at its first instant.
            const first = wallToInstants(e.timeZone, wall)[0];
            if (first !== undefined && first > afterMs) return first;
          }
        }
      }
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------ time zones

// IANA names without a "/" (the rest must contain one). ICU also accepts names that are not IANA's ("PST",
// "IST"), which the Kubernetes API server would refuse in a CronJob's timeZone.
const IANA_NAMES_WITHOUT_SLASH = new Set(
  ("CET CST6CDT Cuba EET EST EST5EDT Egypt Eire GB GB-Eire GMT GMT+0 GMT-0 GMT0 Greenwich HST Hongkong Iceland Iran Israel " +
    "Jamaica Japan Kwajalein Libya MET MST MST7MDT NZ NZ-CHAT Navajo PRC PST8PDT Poland Portugal ROC ROK Singapore Turkey " +
    "UCT UTC Universal W-SU WET Zulu").split(" "),
);

function checkTimeZone(zone: string | undefined): { ok: true; timeZone: string } | { ok: false; message: string } {
  if (zone === undefined) return { ok: true, timeZone: "UTC" };
  const refuse = (why: string) => ({ ok: false as const, message: `${SCHEDULE_TIMEZONE_FIELD}: ${JSON.stringify(zone)} ${why}` });
  const notIana = "is not an IANA time zone name (for example UTC, America/New_York or Europe/Berlin)";
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return refuse(notIana);
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return refuse(notIana);
  }
  // ICU matches names regardless of case; the tz database (Go's, which Kubernetes uses, and Java's) does not.
  if (resolved.toLowerCase() === zone.toLowerCase() && resolved !== zone) return refuse(`is not spelled as in the IANA time zone database: use "${resolved}"`);
  if (!zone.includes("/") && !IANA_NAMES_WITHOUT_SLASH.has(zone)) return refuse(notIana);
  if (zone.includes("/") && zone.split("/").some((part) => !/^[A-Z]/.test(part))) {
    return refuse(`is not spelled as in the IANA time zone database (each part starts with a capital letter)`);
  }
  return { ok: true, timeZone: zone };
}

/** A local (wall-clock) date and time as milliseconds of a UTC clock showing it. Works for years below 100. */
function civilMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset (ms) at instant t, straight from ICU. */
function icuOffset(timeZone: string, t: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  const s = Math.floor(t / 1000) * 1000;
  const m = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/.exec(f.format(new Date(s)));
  if (!m) throw new Error(`unexpected date format from Intl for ${timeZone}`);
  const [month, day, year, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return civilMs(year, month, day, hour % 24, minute, second) - s;
}

interface Transition {
  /** The first instant with the new offset. */
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

interface YearTable {
  readonly initial: number;
  readonly transitions: readonly Transition[];
}

const yearTables = new Map<string, YearTable>();

/**
 * The offset at the start of a UTC year and its transitions, found by sampling daily and bisecting to the second.
 * Limitation: two transitions less than a day apart would be seen as one.
 */
function yearTable(timeZone: string, year: number): YearTable {
  const key = `${timeZone}\u0000${year}`;
  const cached = yearTables.get(key);
  if (cached) return cached;
  const start = civilMs(year, 1, 1, 0, 0, 0);
  const end = civilMs(year + 1, 1, 1, 0, 0, 0);
  const initial = icuOffset(timeZone, start);
  const transitions: Transition[] = [];
  let prevT = start;
  let prev = initial;
  while (prevT < end) {
    const t = Math.min(prevT + DAY, end);
    const cur = icuOffset(timeZone, t);
    if (cur !== prev) {
      let lo = prevT;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (icuOffset(timeZone, mid) === prev) lo = mid;
        else hi = mid;
      }
      if (hi < end) transitions.push({ at: hi, before: prev, after: icuOffset(timeZone, hi) });
      prev = cur;
    }
    prevT = t;
  }
  const table = { initial, transitions };
  yearTables.set(key, table);
  return table;
}

function offsetAt(timeZone: string, t: number): number {
  const table = yearTable(timeZone, new Date(t).getUTCFullYear());
  let offset = table.initial;
  for (const tr of table.transitions) {
    if (tr.at > t) break;
    offset = tr.after;
  }
  return offset;
}

function transitionsBetween(timeZone: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  for (let y = new Date(from).getUTCFullYear(); y <= new Date(to).getUTCFullYear(); y++) {
    for (const tr of yearTable(timeZone, y).transitions) if (tr.at > from && tr.at <= to) out.push(tr);
  }
  return out;
}

/** The instants at which the zone's clocks show `wall`: none (skipped), one, or two (repeated), ascending. */
function wallToInstants(timeZone: string, wall: number): number[] {
  const from = wall - 27 * HOUR;
  const to = wall + 27 * HOUR;
  const offsets = new Set<number>([offsetAt(timeZone, from), ...transitionsBetween(timeZone, from, to).map((tr) => tr.after)]);
  const instants = new Set<number>();
  for (const o of offsets) if (offsetAt(timeZone, wall - o) === o) instants.add(wall - o);
  return [...instants].sort((a, b) => a - b);
}

/** The skipped local times around `wall`, as wall-clock ms, when it lies in a gap. */
function gapAround(timeZone: string, wall: number): { from: number; to: number } | undefined {
  for (const tr of transitionsBetween(timeZone, wall - 27 * HOUR, wall + 27 * HOUR)) {
    if (tr.after > tr.before && wall >= tr.at + tr.before && wall < tr.at + tr.after) return { from: tr.at + tr.before, to: tr.at + tr.after };
  }
  return undefined;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function clock(wall: number): string {
  const d = new Date(wall);
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

function clockOfDay(minutes: number): string {
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}
