// A ScheduledTask's runs: which scheduled time is due now, the Task object each run becomes (a deterministic name
// per scheduled time, so a controller crash never starts a run twice), which finished runs the history limits drop,
// and the status (recent runs with their lastStatus and stopCode). Each run is a Task, so it has every semantic of a
// Task: essential containers, dependsOn, the ECS lifecycle and stop codes. Pure: `now` is passed in.
// See docs/scheduled-tasks.md.
import { MAX_SCHEDULED_RUNS, SCHEDULED_TASK_DEFAULTS, ScheduledTaskReason, type ScheduledTaskSpec, type ScheduledTaskStatus } from "../../api/scheduled-task.ts";
import type { TaskSpec, TaskStatus } from "../../api/task.ts";
import { setCondition, type Condition } from "../../runtime/conditions.ts";
import { toDnsSubdomain } from "../names.ts";
import { nextRunAfter, type ScheduleExpression, type ScheduleTranslation } from "./expression.ts";
import { nameLabelValue } from "../pod/labels.ts";
import { kubeTime } from "../../api/time.ts";
import { SCHEDULED_AT_ANNOTATION, SCHEDULED_TASK_LABEL } from "../../api/keys.ts";
import { controllerReference, type ControllerReference } from "../../runtime/resources.ts";
import { API_GROUP_VERSION } from "../../api/common.ts";
const MINUTE = 60_000;
/** How many scheduled times are walked to find the latest due one; beyond it only the last day is looked at. */
const MAX_WALK = 2000;

/** `<schedule>-<minutes since the epoch>` of the scheduled time (as CronJob names its Jobs): one name per run. */
export function scheduledRunName(scheduledTaskName: string, at: Date): string {
  const suffix = `-${Math.floor(at.getTime() / MINUTE)}`;
  return `${toDnsSubdomain(scheduledTaskName, 253 - suffix.length)}${suffix}`;
}

export interface DueInput {
  readonly expression: ScheduleExpression;
  /** spec.startDate, else the ScheduledTask's creation: no run is scheduled before it. */
  readonly startsAt: Date;
  readonly endDate?: Date | undefined;
  /** The latest scheduled time a run was created for. */
  readonly lastScheduleTime?: Date | undefined;
  readonly startingDeadlineSeconds?: number | undefined;
  readonly now: Date;
}

export interface DueRun {
  /** The scheduled time to run now, if any (the latest one due; earlier missed ones are skipped, as CronJob does). */
  readonly due?: Date;
  /** Scheduled times that passed without a run (more than one when the controller was down). */
  readonly missed: number;
  /** The next scheduled time after now, if any. */
  readonly next?: Date;
}

/** Which run is due at `now`. */
export function dueRun(input: DueInput): DueRun {
  const { expression, now } = input;
  // A rate counts from its start (floored to the minute), which may be a little before startsAt.
  const first = expression.type === "rate" ? Math.min(expression.startsAt.getTime(), input.startsAt.getTime()) : input.startsAt.getTime();
  let anchor = new Date(Math.max(first - 1, input.lastScheduleTime?.getTime() ?? -Infinity));
  const limit = Math.min(now.getTime(), input.endDate?.getTime() ?? Infinity);
  let due: Date | undefined;
  let missed = 0;
  let t = nextRunAfter(expression, anchor);
  let walked = 0;
  while (t !== undefined && t.getTime() <= limit) {
    if (++walked > MAX_WALK) {
      // Down for a long time: only the last day can still hold a run worth starting.
      anchor = new Date(Math.max(anchor.getTime(), now.getTime() - 24 * 60 * MINUTE));
      t = nextRunAfter(expression, anchor);
      walked = -Infinity;
      continue;
    }
    due = t;
    missed++;
    t = nextRunAfter(expression, t);
  }
  if (due !== undefined && input.startingDeadlineSeconds !== undefined && now.getTime() - due.getTime() > input.startingDeadlineSeconds * 1000) due = undefined;
  const next = t !== undefined && t.getTime() <= (input.endDate?.getTime() ?? Infinity) ? t : undefined;
  return { ...(due === undefined ? {} : { due }), missed: Math.max(0, missed - (due === undefined ? 0 : 1)), ...(next === undefined ? {} : { next }) };
}

export interface RunOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export interface RunTaskObject {
  apiVersion: typeof API_GROUP_VERSION;
  kind: "Task";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: ControllerReference[] };
  spec: TaskSpec;
}

/**
 * The Task of the run at `at`: the schedule's RunTask input, startedBy `events-rule/<name>` unless it sets one (as
 * tasks started by an EventBridge rule show), the schedule's spec.kubernetes labels and annotations.
 */
export function buildRunTask(owner: RunOwner, spec: ScheduledTaskSpec, at: Date): RunTaskObject {
  const k = spec.kubernetes;
  const taskSpec: TaskSpec = { ...(structuredClone(spec.task) as TaskSpec), startedBy: spec.task.startedBy ?? `events-rule/${owner.name}`.slice(0, 128) };
  const knobs: NonNullable<TaskSpec["kubernetes"]> = {};
  if (k?.labels !== undefined) knobs.labels = { ...k.labels };
  if (k?.annotations !== undefined) knobs.annotations = { ...k.annotations };
  if (k?.podLabels !== undefined) knobs.podLabels = { ...k.podLabels };
  if (k?.podAnnotations !== undefined) knobs.podAnnotations = { ...k.podAnnotations };
  if (Object.keys(knobs).length > 0) taskSpec.kubernetes = knobs;
  return {
    apiVersion: API_GROUP_VERSION,
    kind: "Task",
    metadata: {
      name: scheduledRunName(owner.name, at),
      namespace: owner.namespace,
      labels: { ...k?.labels, [SCHEDULED_TASK_LABEL]: nameLabelValue(owner.name) },
      annotations: { ...k?.annotations, [SCHEDULED_AT_ANNOTATION]: kubeTime(at) },
      ownerReferences: [controllerReference(owner)],
    },
    spec: taskSpec,
  };
}

/** A run as the status and the history limits see it: the Task's name, scheduled time and status. */
export interface RunView {
  readonly taskName: string;
  readonly scheduledTime: string;
  readonly status?: TaskStatus | undefined;
}

export const isFinished = (r: RunView): boolean => r.status?.lastStatus === "STOPPED";

/**
 * A finished run succeeded when its essential containers ran to the end: EssentialContainerExited with every exit
 * code seen 0. Anything else (a start failure, a non-zero exit, a stop by the user or an interruption) failed.
 */
export function runSucceeded(r: RunView): boolean {
  const s = r.status;
  if (s?.lastStatus !== "STOPPED" || s.stopCode !== "EssentialContainerExited") return false;
  return (s.tasks ?? []).every((t) => (t.containers ?? []).every((c) => c.exitCode === undefined || c.exitCode === 0));
}

const newestFirst = (a: RunView, b: RunView): number => b.scheduledTime.localeCompare(a.scheduledTime) || b.taskName.localeCompare(a.taskName);

/** Finished runs beyond the history limits (successful and failed counted apart, the newest kept), to delete. */
export function runsToDelete(runs: readonly RunView[], successfulLimit: number, failedLimit: number): RunView[] {
  const finished = runs.filter(isFinished).sort(newestFirst);
  const ok = finished.filter(runSucceeded);
  const failed = finished.filter((r) => !runSucceeded(r));
  return [...ok.slice(successfulLimit), ...failed.slice(failedLimit)];
}

export interface ScheduledTaskStatusInput {
  readonly generation: number | undefined;
  readonly previous: ScheduledTaskStatus | undefined;
  readonly spec: ScheduledTaskSpec;
  readonly translation: Exclude<ScheduleTranslation, { kind: "refused" }>;
  readonly runs: readonly RunView[];
  readonly lastScheduleTime?: Date | undefined;
  readonly next?: Date | undefined;
  readonly now: Date;
}

/** The status: state, the schedule in use, last/next times, active runs and recent runs (newest first). */
export function computeScheduledTaskStatus(input: ScheduledTaskStatusInput): ScheduledTaskStatus {
  const state = input.spec.state ?? SCHEDULED_TASK_DEFAULTS.state;
  const runs = [...input.runs].sort(newestFirst);
  const status: ScheduledTaskStatus = {
    observedGeneration: input.generation,
    state,
    timeZone: input.translation.timeZone,
  };
  // A CronJob schedule that fires at exactly these times, when there is one (the controller starts the runs either way).
  if (input.translation.kind === "cron") status.schedule = input.translation.schedule;
  if (input.lastScheduleTime !== undefined) status.lastScheduleTime = kubeTime(input.lastScheduleTime);
  const lastOk = runs.find(runSucceeded);
  if (lastOk?.status?.stoppedAt !== undefined) status.lastSuccessfulTime = lastOk.status.stoppedAt;
  else if (input.previous?.lastSuccessfulTime !== undefined) status.lastSuccessfulTime = input.previous.lastSuccessfulTime;
  if (state === "ENABLED" && input.next !== undefined) status.nextScheduleTime = kubeTime(input.next);
  const active = runs.filter((r) => !isFinished(r)).map((r) => r.taskName);
  if (active.length > 0) status.active = active.slice(0, 100);
  if (runs.length > 0) {
    status.runs = runs.slice(0, MAX_SCHEDULED_RUNS).map((r) => {
      const s = r.status;
      return {
        taskName: r.taskName,
        scheduledTime: r.scheduledTime,
        ...(s?.lastStatus === undefined ? {} : { lastStatus: s.lastStatus }),
        ...(s?.stopCode === undefined ? {} : { stopCode: s.stopCode }),
        ...(s?.stoppedReason === undefined ? {} : { stoppedReason: s.stoppedReason }),
        ...(s?.startedAt === undefined ? {} : { startedAt: s.startedAt }),
        ...(s?.stoppedAt === undefined ? {} : { stoppedAt: s.stoppedAt }),
      };
    });
  }

  const gen = input.generation === undefined ? {} : { observedGeneration: input.generation };
  let conditions: Condition[] = input.previous?.conditions ?? [];
  const [reason, message] =
    state === "DISABLED"
      ? [ScheduledTaskReason.Disabled, "the schedule is DISABLED: no runs start"]
      : input.next === undefined
        ? [ScheduledTaskReason.ScheduleEnded, "no scheduled time is left"]
        : [ScheduledTaskReason.Scheduled, `next run at ${kubeTime(input.next)}${input.translation.kind === "controller" ? ` (${input.translation.reason}; run by the controller)` : ""}`];
  conditions = setCondition(conditions, { type: "Ready", status: "True", reason, message, ...gen }, input.now);
  conditions = setCondition(conditions, { type: "Reconciling", status: "False", reason, message: "", ...gen }, input.now);
  conditions = setCondition(conditions, { type: "Stalled", status: "False", reason, message: "", ...gen }, input.now);
  status.conditions = conditions;
  return status;
}
