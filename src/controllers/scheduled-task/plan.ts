// Every decision of the ScheduledTask controller, as one pure function: planScheduledTask(observed, now) → the run
// to create (a Task named after its scheduled time, so a crash never starts a run twice), the runs Replace stops,
// the finished runs the history limits drop, the status, the events and when to wake. The reconcile
// (controller.ts) gathers the runs from the cache and applies the plan in that order. renderScheduledTask shows the
// next run times and the Task of the first, for `ecs-operator render`. See docs/scheduled-tasks.md.
import { kubeTime } from "../../api/time.ts";
import { SCHEDULED_AT_ANNOTATION, STOP_REASON_ANNOTATION } from "../../api/keys.ts";
import { SCHEDULED_TASK_DEFAULTS, ScheduledTaskReason, type ScheduledTaskStatus } from "../../api/scheduled-task.ts";
import { SpecError } from "../../api/spec-error.ts";
import { buildRunTask, computeScheduledTaskStatus, dueRun, isFinished, runsToDelete, type RunTaskObject, type RunView } from "../../builders/schedule/scheduled-task.ts";
import { nextRunAfter, translateSchedule } from "../../builders/schedule/expression.ts";
import { Action } from "../../runtime/controller.ts";
import type { ScheduledTaskObject, TaskObject } from "../ecs-resources.ts";
import { renderTask, type RenderedTask, type RenderTaskContext } from "../task/plan.ts";

/** What the reconcile read for one ScheduledTask. */
export interface ObservedScheduledTask {
  readonly scheduledTask: ScheduledTaskObject;
  /** Its runs: the Tasks it controls, as cached. */
  readonly runs: readonly TaskObject[];
}

export interface ScheduledTaskPlanOptions {
  /** The longest wait before the clock is read again (tests that move an injected clock set it short). */
  readonly maxRequeueMs?: number | undefined;
}

/** A run Replace stops (StopTask: desiredStatus STOPPED, with the reason). */
export interface PlannedStop {
  readonly taskName: string;
  readonly patch: { metadata: { annotations: Record<string, string> }; spec: { desiredStatus: "STOPPED" } };
}

export interface PlannedScheduledTaskEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  /** A RunStarted event is recorded only when this run's create went through (not for one an earlier pass made). */
  readonly run?: string;
}

export interface ScheduledTaskPlan {
  readonly stops: readonly PlannedStop[];
  readonly creates: readonly RunTaskObject[];
  /** Finished runs beyond the history limits (their pods go with them, by owner reference). */
  readonly deletes: readonly string[];
  /** undefined when the ScheduledTask is going away. */
  readonly status: ScheduledTaskStatus | undefined;
  readonly events: readonly PlannedScheduledTaskEvent[];
  readonly next: Action;
}

const NOTHING: ScheduledTaskPlan = { stops: [], creates: [], deletes: [], status: undefined, events: [], next: Action.done() };

/** The plan for one ScheduledTask at `now`. Throws SpecError for a schedule that cannot run. */
export function planScheduledTask(observed: ObservedScheduledTask, now: Date, options: ScheduledTaskPlanOptions = {}): ScheduledTaskPlan {
  const st = observed.scheduledTask;
  if (st.metadata.deletionTimestamp !== undefined) return NOTHING;
  const { name = "", namespace = "", uid = "" } = st.metadata;
  const spec = st.spec;
  const startsAt = scheduleStart(st, now);
  const translation = translateSchedule(spec, startsAt);
  if (translation.kind === "refused") throw new SpecError("", translation.message, ScheduledTaskReason.InvalidSchedule);

  const runs: RunView[] = observed.runs.map((t) => ({
    taskName: t.metadata.name ?? "",
    scheduledTime: t.metadata.annotations?.[SCHEDULED_AT_ANNOTATION] ?? (t.metadata.creationTimestamp ?? ""),
    status: t.status,
  }));
  // The latest time a run was made for: from the runs (a crash after the create) or the status (runs since deleted).
  const times = [...runs.map((r) => r.scheduledTime), st.status?.lastScheduleTime].filter((x): x is string => x !== undefined && x !== "").map((x) => Date.parse(x)).filter((x) => !Number.isNaN(x));
  let lastScheduleTime = times.length === 0 ? undefined : new Date(Math.max(...times));
  const k = spec.kubernetes;
  const due = dueRun({
    expression: translation.expression,
    startsAt,
    endDate: spec.endDate === undefined ? undefined : new Date(spec.endDate),
    lastScheduleTime,
    startingDeadlineSeconds: startingDeadline(k?.startingDeadlineSeconds, spec.retryPolicy?.maximumEventAgeInSeconds),
    now,
  });
  const enabled = (spec.state ?? SCHEDULED_TASK_DEFAULTS.state) === "ENABLED";

  const stops: PlannedStop[] = [];
  const creates: RunTaskObject[] = [];
  const events: PlannedScheduledTaskEvent[] = [];
  if (enabled && due.due !== undefined) {
    const at = due.due;
    const active = runs.filter((r) => !isFinished(r));
    const policy = k?.concurrencyPolicy ?? SCHEDULED_TASK_DEFAULTS.concurrencyPolicy;
    if (policy === "Forbid" && active.length > 0) {
      events.push({ type: "Normal", reason: "RunSkipped", message: `The run scheduled at ${kubeTime(at)} was skipped: ${active.map((r) => r.taskName).join(", ")} still runs (concurrencyPolicy Forbid)` });
    } else {
      if (policy === "Replace") {
        for (const r of active) {
          stops.push({
            taskName: r.taskName,
            patch: { metadata: { annotations: { [STOP_REASON_ANNOTATION]: `Replaced by the run scheduled at ${kubeTime(at)} (concurrencyPolicy Replace)` } }, spec: { desiredStatus: "STOPPED" } },
          });
        }
      }
      const run = buildRunTask({ apiVersion: st.apiVersion, kind: st.kind, name, namespace, uid }, spec, at);
      creates.push(run);
      events.push({
        type: "Normal",
        reason: "RunStarted",
        message: `Started Task ${run.metadata.name} for the run scheduled at ${kubeTime(at)}${due.missed > 0 ? ` (${due.missed} earlier scheduled times were missed)` : ""}`,
        run: run.metadata.name,
      });
      if (!runs.some((r) => r.taskName === run.metadata.name)) runs.push({ taskName: run.metadata.name, scheduledTime: kubeTime(at) });
    }
    // A skipped time counts as scheduled: Forbid does not run it later.
    lastScheduleTime = at;
  }

  const drop = runsToDelete(runs, k?.successfulJobsHistoryLimit ?? SCHEDULED_TASK_DEFAULTS.successfulJobsHistoryLimit, k?.failedJobsHistoryLimit ?? SCHEDULED_TASK_DEFAULTS.failedJobsHistoryLimit);
  const kept = runs.filter((r) => !drop.includes(r));
  const status = computeScheduledTaskStatus({ generation: st.metadata.generation, previous: st.status, spec, translation, runs: kept, lastScheduleTime, next: due.next, now });

  let next = Action.done();
  if (enabled && due.next !== undefined) {
    const wait = Math.max(due.next.getTime() - now.getTime(), 0) + 50;
    next = Action.requeueAfter(options.maxRequeueMs === undefined ? wait : Math.min(wait, options.maxRequeueMs));
  }
  return { stops, creates, deletes: drop.map((r) => r.taskName), status, events, next };
}

/** spec.startDate, else the object's creation: no run is scheduled before it. */
function scheduleStart(st: ScheduledTaskObject, now: Date): Date {
  return new Date(st.spec.startDate ?? st.metadata.creationTimestamp ?? now);
}

/** A run is started (or retried after a failed create) while both startingDeadlineSeconds and maximumEventAgeInSeconds allow. */
function startingDeadline(startingDeadlineSeconds: number | undefined, maximumEventAgeInSeconds: number | undefined): number | undefined {
  const limits = [startingDeadlineSeconds, maximumEventAgeInSeconds].filter((x): x is number => x !== undefined);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

export interface RenderedScheduledTask {
  /** The next run times after `now`, as wall-clock times of the schedule's time zone with their offset. */
  readonly runTimes: string[];
  readonly timeZone: string;
  /** The Task the first of them creates, and what that Task creates (renderTask); absent when no run is left. */
  readonly task?: RunTaskObject;
  readonly rendered?: RenderedTask;
}

/**
 * For `ecs-operator render`: the next `n` run times of `st` after `now` (whatever its state: a DISABLED schedule
 * shows when it would run), and the Task of the first with the objects it makes. Throws the SpecError the
 * controller would show.
 */
export function renderScheduledTask(st: ScheduledTaskObject, ctx: RenderTaskContext, now: Date, n: number): RenderedScheduledTask {
  const startsAt = scheduleStart(st, now);
  const translation = translateSchedule(st.spec, startsAt);
  if (translation.kind === "refused") throw new SpecError("", translation.message, ScheduledTaskReason.InvalidSchedule);
  const endMs = st.spec.endDate === undefined ? Infinity : Date.parse(st.spec.endDate);
  const times: Date[] = [];
  let after = new Date(Math.max(now.getTime(), startsAt.getTime() - 1));
  while (times.length < n) {
    const t = nextRunAfter(translation.expression, after);
    if (t === undefined || t.getTime() > endMs) break;
    times.push(t);
    after = t;
  }
  const runTimes = times.map((t) => wallTime(t, translation.timeZone));
  const first = times[0];
  if (first === undefined) return { runTimes, timeZone: translation.timeZone };
  const namespace = st.metadata.namespace ?? "default";
  const uid = st.metadata.uid ?? "";
  const task = buildRunTask({ apiVersion: st.apiVersion, kind: st.kind, name: st.metadata.name ?? "", namespace, uid }, st.spec, first);
  // A manifest has no uid: the run is shown without the owner reference the controller gives it.
  if (uid === "") task.metadata.ownerReferences = [];
  const rendered = renderTask(task, ctx);
  return { runTimes, timeZone: translation.timeZone, task, rendered };
}

/** `2026-03-29T03:00:00+02:00`: the instant as the clocks of `timeZone` show it. */
export function wallTime(t: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(t);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? "00";
  const wall = `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}`;
  const offsetMin = Math.round((Date.parse(`${wall}Z`) - Math.floor(t.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
