// The ScheduledTask controller (an EventBridge schedule whose target is RunTask): at each scheduled time it creates
// a Task (named after the time, so a crash never starts a run twice) that the Task controller runs with every ECS
// semantic; it applies the concurrency policy, keeps the finished runs the history limits allow, and lists recent
// runs in status. Every valid expression is run exactly at its EventBridge times, by the injected clock (Manager.now);
// translateSchedule still reports the equivalent CronJob schedule when there is one. Thin: the decisions are in
// builders/scheduled-task.ts and builders/schedule-expression.ts. See docs/scheduled-tasks.md.
import { SCHEDULED_TASK_DEFAULTS } from "../../api/scheduled-task.ts";
import { buildRunTask, dueRun, isFinished, runsToDelete, SCHEDULED_AT_ANNOTATION, type RunView } from "../../builders/scheduled-task.ts";
import { computeScheduledTaskStatus } from "../../builders/scheduled-task.ts";
import { translateSchedule } from "../../builders/schedule-expression.ts";
import { kubeTime } from "../../builders/task-status.ts";
import { ApiRequestError } from "../../runtime/api-request.ts";
import { SpecError } from "../../api/spec-error.ts";
import { Action, type Controller } from "../../runtime/controller.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { controllerOf } from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import { EcsTasks, ScheduledTasks, type ScheduledTaskObject, type TaskObject } from "../ecs-resources.ts";
import { STOP_REASON_ANNOTATION } from "../task/controller.ts";

export const CONTROLLER_NAME = "scheduledtask";
const OWNER_INDEX = "scheduled-task-owner";

export interface ScheduledTaskControllerOptions {
  /** Restricts the controller to one namespace. */
  namespace?: string;
  /**
   * The longest wait before the clock is read again. Unset in production (the controller wakes at the next
   * scheduled time); tests that move an injected clock set it short.
   */
  maxRequeueMs?: number;
  workers?: number;
}

export interface ScheduledTaskController {
  controller: Controller<ScheduledTaskObject>;
  scheduledTasks: Informer<ScheduledTaskObject>;
}

/** Runs by the uid of the ScheduledTask that controls them. */
const ownerUid = (t: TaskObject): string[] => {
  const ref = controllerOf(t);
  return ref?.kind === "ScheduledTask" ? [ref.uid] : [];
};

/** Registers the ScheduledTask controller with a Manager. The Task controller runs the Tasks it creates. */
export function registerScheduledTaskController(mgr: Manager, opts: ScheduledTaskControllerOptions = {}): ScheduledTaskController {
  const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  const scheduledTasks = mgr.informer<ScheduledTaskObject>(ScheduledTasks, ns);
  // The Task controller's cache (same resource and namespace): the runs are Tasks.
  const tasks = mgr.informer<TaskObject>(EcsTasks, { ...ns, indexers: { [OWNER_INDEX]: ownerUid } });
  const runsOf = (uid: string): TaskObject[] => tasks.byIndex(OWNER_INDEX, uid);

  const controller = mgr
    .controller<ScheduledTaskObject>(CONTROLLER_NAME, { workers: opts.workers })
    .for(scheduledTasks)
    .owns(tasks)
    .reconcile(async (key, ctx) => {
      const st = scheduledTasks.get(key);
      if (!st || st.metadata.deletionTimestamp !== undefined) return Action.done();
      const { name = "", namespace = "", uid = "" } = st.metadata;
      const spec = st.spec;
      const now = mgr.now();
      const startsAt = new Date(spec.startDate ?? st.metadata.creationTimestamp ?? now);

      const translation = translateSchedule(spec, startsAt);
      if (translation.kind === "refused") throw new SpecError("", translation.message, "InvalidSchedule");

      const runs: RunView[] = runsOf(uid).map((t) => ({
        taskName: t.metadata.name ?? "",
        scheduledTime: t.metadata.annotations?.[SCHEDULED_AT_ANNOTATION] ?? (t.metadata.creationTimestamp ?? ""),
        status: t.status,
      }));
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

      if (enabled && due.due !== undefined) {
        const at = due.due;
        const active = runs.filter((r) => !isFinished(r));
        const policy = k?.concurrencyPolicy ?? SCHEDULED_TASK_DEFAULTS.concurrencyPolicy;
        if (policy === "Forbid" && active.length > 0) {
          ctx.log.info("run skipped: the previous run still runs (concurrencyPolicy Forbid)", { scheduledTime: kubeTime(at), active: active.map((r) => r.taskName).join(",") });
          void mgr.events.record(st, "Normal", "RunSkipped", `The run scheduled at ${kubeTime(at)} was skipped: ${active.map((r) => r.taskName).join(", ")} still runs (concurrencyPolicy Forbid)`);
        } else {
          if (policy === "Replace") {
            for (const r of active) {
              await mgr.client.patch(EcsTasks, r.taskName, namespace, {
                metadata: { annotations: { [STOP_REASON_ANNOTATION]: `Replaced by the run scheduled at ${kubeTime(at)} (concurrencyPolicy Replace)` } },
                spec: { desiredStatus: "STOPPED" },
              });
            }
          }
          const run = buildRunTask({ apiVersion: st.apiVersion, kind: st.kind, name, namespace, uid }, spec, at, EcsTasks.apiVersion);
          try {
            await mgr.client.create(EcsTasks, run);
            ctx.log.info("started run", { task: run.metadata.name, scheduledTime: kubeTime(at), missed: due.missed });
            void mgr.events.record(st, "Normal", "RunStarted", `Started Task ${run.metadata.name} for the run scheduled at ${kubeTime(at)}${due.missed > 0 ? ` (${due.missed} earlier scheduled times were missed)` : ""}`);
          } catch (err) {
            // Created by an earlier pass that the cache does not show yet: the same run, nothing to do.
            if (!(err instanceof ApiRequestError && err.code === 409)) throw err;
          }
          if (!runs.some((r) => r.taskName === run.metadata.name)) runs.push({ taskName: run.metadata.name, scheduledTime: kubeTime(at) });
        }
        lastScheduleTime = at;
      }

      // Finished runs beyond the history limits go (their pods with them, by owner reference).
      const drop = runsToDelete(runs, k?.successfulJobsHistoryLimit ?? SCHEDULED_TASK_DEFAULTS.successfulJobsHistoryLimit, k?.failedJobsHistoryLimit ?? SCHEDULED_TASK_DEFAULTS.failedJobsHistoryLimit);
      for (const r of drop) await mgr.client.delete(EcsTasks, r.taskName, namespace);
      const kept = runs.filter((r) => !drop.includes(r));

      const status = computeScheduledTaskStatus({ generation: st.metadata.generation, previous: st.status, spec, translation, runs: kept, lastScheduleTime, next: due.next, now });
      await writeStatusIfChanged(mgr.client, ScheduledTasks, st, status);

      if (!enabled || due.next === undefined) return Action.done();
      const wait = Math.max(due.next.getTime() - now.getTime(), 0) + 50;
      return Action.requeueAfter(opts.maxRequeueMs === undefined ? wait : Math.min(wait, opts.maxRequeueMs));
    });

  return { controller, scheduledTasks };
}

/** A run is started (or retried after a failed create) while both startingDeadlineSeconds and maximumEventAgeInSeconds allow. */
function startingDeadline(startingDeadlineSeconds: number | undefined, maximumEventAgeInSeconds: number | undefined): number | undefined {
  const limits = [startingDeadlineSeconds, maximumEventAgeInSeconds].filter((x): x is number => x !== undefined);
  return limits.length === 0 ? undefined : Math.min(...limits);
}
