// The ScheduledTask controller (an EventBridge schedule whose target is RunTask): at each scheduled time it creates
// a Task (named after the time, so a crash never starts a run twice) that the Task controller runs with every ECS
// semantic; it applies the concurrency policy, keeps the finished runs the history limits allow, and lists recent
// runs in status. Every valid expression is run exactly at its EventBridge times, by the injected clock (Manager.now);
// translateSchedule still reports the equivalent CronJob schedule when there is one. Thin: observe (the cache) →
// planScheduledTask (plan.ts, pure) → apply (stops, the run, history deletes, status). See docs/scheduled-tasks.md.
import { ApiRequestError } from "../../runtime/api-request.ts";
import { writeChild } from "../../runtime/apply.ts";
import { Action, type Controller, type ReconcileContext } from "../../runtime/controller.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { annotationsChanged, anyOf, deletionChanged, type UpdatePredicate } from "../../runtime/predicates.ts";
import { controllerOf } from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import { EcsTasks, ScheduledTasks, type ScheduledTaskObject, type TaskObject } from "../ecs-resources.ts";
import { planScheduledTask, type ScheduledTaskPlan } from "./plan.ts";

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

/** What a ScheduledTask reads of a run's status: its lifecycle, stop, times and exit codes (runSucceeded). */
const runView = (t: TaskObject): string => {
  const s = t.status;
  return JSON.stringify([s?.lastStatus, s?.stopCode, s?.stoppedReason, s?.startedAt, s?.stoppedAt, (s?.tasks ?? []).flatMap((x) => (x.containers ?? []).flatMap((c) => (c.exitCode === undefined ? [] : [`${x.podName}/${c.name}=${c.exitCode}`])))]);
};
export const runChanged: UpdatePredicate<TaskObject> = (o, n) => runView(o) !== runView(n);

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
    // A run matters for what the status and the history read of it, not for each of its pods' transitions.
    .owns(tasks, { when: anyOf(runChanged, annotationsChanged, deletionChanged) })
    .reconcile(async (key, ctx) => {
      const st = scheduledTasks.get(key);
      if (!st) return Action.done();
      const plan = planScheduledTask({ scheduledTask: st, runs: runsOf(st.metadata.uid ?? "") }, mgr.now(), { maxRequeueMs: opts.maxRequeueMs });
      await applyScheduledTaskPlan(mgr, st, plan, ctx);
      return plan.next;
    });

  return { controller, scheduledTasks };
}

/** Stops (Replace), then the run, then the history deletes, then the status; events once their write went through. */
async function applyScheduledTaskPlan(mgr: Manager, st: ScheduledTaskObject, plan: ScheduledTaskPlan, ctx: ReconcileContext): Promise<void> {
  const namespace = st.metadata.namespace ?? "";
  for (const stop of plan.stops) await mgr.client.patch(EcsTasks, stop.taskName, namespace, stop.patch);
  const created = new Set<string>();
  for (const run of plan.creates) {
    try {
      await writeChild(EcsTasks.kind, run.metadata.name, () => mgr.client.create(EcsTasks, run));
      created.add(run.metadata.name);
      ctx.log.info("started run", { task: run.metadata.name });
    } catch (err) {
      // Created by an earlier pass that the cache does not show yet: the same run, nothing to do.
      if (!(err instanceof ApiRequestError && err.code === 409)) throw err;
    }
  }
  for (const name of plan.deletes) await mgr.client.delete(EcsTasks, name, namespace);
  if (plan.status !== undefined) await writeStatusIfChanged(mgr.client, ScheduledTasks, st, plan.status);
  for (const e of plan.events) {
    if (e.run !== undefined && !created.has(e.run)) continue;
    if (e.run === undefined) ctx.log.info("run skipped", { reason: e.reason, message: e.message });
    void mgr.events.record(st, e.type, e.reason, e.message);
  }
}
