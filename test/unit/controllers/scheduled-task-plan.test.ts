// planScheduledTask, knative TableTest style: a ScheduledTask and its runs (Tasks) at a clock, and what the plan
// does: the run it creates, the runs it stops (Replace) and deletes (history limits), the status, the events and
// when it wakes. Then renderScheduledTask: the next run times in the schedule's time zone and the first run's Task.
import { SCHEDULED_AT_ANNOTATION } from "../../../src/api/keys.ts";
import { describe, expect, it } from "vitest";
import type { ScheduledTaskSpec } from "../../../src/api/scheduled-task.ts";
import { SpecError } from "../../../src/api/spec-error.ts";
import type { TaskStatus } from "../../../src/api/task.ts";
import { scheduledRunName } from "../../../src/builders/schedule/scheduled-task.ts";
import type { ScheduledTaskObject, TaskObject } from "../../../src/controllers/ecs-resources.ts";
import { planScheduledTask, renderScheduledTask, wallTime, type ScheduledTaskPlan } from "../../../src/controllers/scheduled-task/plan.ts";
import { runChanged } from "../../../src/controllers/scheduled-task/controller.ts";
import type { TaskDefinitionObject } from "../../../src/controllers/task-definition/resources.ts";

const at = (iso: string): Date => new Date(iso);
const CREATED = "2026-03-28T12:00:00Z";

/** ScheduledTask `nightly` in namespace jobs, created at CREATED, running task definition `batch`. */
function aSchedule(spec: Partial<ScheduledTaskSpec> & { scheduleExpression: string }, status?: ScheduledTaskObject["status"]): ScheduledTaskObject {
  return {
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind: "ScheduledTask",
    metadata: { name: "nightly", namespace: "jobs", uid: "st-uid", generation: 1, creationTimestamp: CREATED },
    spec: { task: { taskDefinition: "batch" }, ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

const stopped = (stopCode: TaskStatus["stopCode"], exitCode: number, stoppedAt: string): TaskStatus => ({ lastStatus: "STOPPED", stopCode, stoppedAt, tasks: [{ podName: "p", containers: [{ name: "app", exitCode }] }] });
const RUNNING: TaskStatus = { lastStatus: "RUNNING" };

/** A run of `nightly` for the scheduled time `time`, with its Task's status. */
function aRun(time: string, status?: TaskStatus): TaskObject {
  return {
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind: "Task",
    metadata: { name: scheduledRunName("nightly", at(time)), namespace: "jobs", annotations: { [SCHEDULED_AT_ANNOTATION]: time }, ownerReferences: [{ apiVersion: "ecs.operator.dev/v1alpha1", kind: "ScheduledTask", name: "nightly", uid: "st-uid", controller: true }] },
    spec: { taskDefinition: "batch" },
    ...(status === undefined ? {} : { status }),
  };
}

const HOURLY = { scheduleExpression: "rate(1 hour)" };
/** 03:00 in Berlin every day: on 2026-03-29 the clocks jump from 02:00 to 03:00, so that run is at 01:00 UTC. */
const BERLIN_3AM = { scheduleExpression: "cron(0 3 * * ? *)", scheduleExpressionTimezone: "Europe/Berlin" };

interface Row {
  name: string;
  schedule: ScheduledTaskObject;
  runs?: TaskObject[];
  now: string;
  wantCreates?: string[];
  wantStops?: string[];
  wantDeletes?: string[];
  wantStatus?: Record<string, unknown>;
  wantEvents?: string[];
  /** The requeue; null for none. */
  wantNextMs?: number | null;
}

const rows: Row[] = [
  {
    name: "rate(1 hour): the first run is at creation, as EventBridge counts a rate from its start",
    schedule: aSchedule(HOURLY),
    now: "2026-03-28T12:00:00Z",
    wantCreates: [scheduledRunName("nightly", at("2026-03-28T12:00:00Z"))],
    wantEvents: ["RunStarted"],
    wantNextMs: 60 * 60_000 + 50,
  },
  {
    name: "rate(1 hour), half an hour after the first run: nothing due, wake at the next",
    schedule: aSchedule(HOURLY),
    runs: [aRun("2026-03-28T12:00:00Z", RUNNING)],
    now: "2026-03-28T12:30:00Z",
    wantStatus: { state: "ENABLED", nextScheduleTime: "2026-03-28T13:00:00Z" },
    wantNextMs: 30 * 60_000 + 50,
  },
  {
    name: "rate(1 hour), at the next hour: the run is created, named after its time",
    schedule: aSchedule(HOURLY),
    runs: [aRun("2026-03-28T12:00:00Z", stopped("EssentialContainerExited", 0, "2026-03-28T12:05:00Z"))],
    now: "2026-03-28T13:00:00Z",
    wantCreates: [scheduledRunName("nightly", at("2026-03-28T13:00:00Z"))],
    wantStatus: { lastScheduleTime: "2026-03-28T13:00:00Z", nextScheduleTime: "2026-03-28T14:00:00Z", active: [scheduledRunName("nightly", at("2026-03-28T13:00:00Z"))] },
    wantEvents: ["RunStarted"],
  },
  {
    name: "cron 03:00 Europe/Berlin on the DST night: the run is at 01:00 UTC",
    schedule: aSchedule(BERLIN_3AM),
    now: "2026-03-29T01:00:30Z",
    wantCreates: [scheduledRunName("nightly", at("2026-03-29T01:00:00Z"))],
    wantStatus: { timeZone: "Europe/Berlin", lastScheduleTime: "2026-03-29T01:00:00Z", nextScheduleTime: "2026-03-30T01:00:00Z" },
    wantEvents: ["RunStarted"],
  },
  {
    name: "cron 03:00 Europe/Berlin, at 02:00 UTC the day before (03:00 CET): created after it, so nothing",
    schedule: aSchedule(BERLIN_3AM),
    now: "2026-03-28T13:00:00Z",
    wantStatus: { nextScheduleTime: "2026-03-29T01:00:00Z" },
  },
  {
    name: "a run already created for that time (a crash before the status) is not created again",
    schedule: aSchedule(HOURLY),
    runs: [aRun("2026-03-28T13:00:00Z", RUNNING)],
    now: "2026-03-28T13:00:10Z",
    wantStatus: { lastScheduleTime: "2026-03-28T13:00:00Z" },
  },
  {
    name: "DISABLED: no run at its time, no wake-up",
    schedule: aSchedule({ ...HOURLY, state: "DISABLED" }),
    now: "2026-03-28T13:00:00Z",
    wantStatus: { state: "DISABLED", conditions: [{ type: "Ready", reason: "Disabled" }, { type: "Reconciling" }, { type: "Stalled" }] },
    wantNextMs: null,
  },
  {
    name: "Forbid with the previous run still running: this time is skipped (RunSkipped) and counted as scheduled",
    schedule: aSchedule({ ...HOURLY, kubernetes: { concurrencyPolicy: "Forbid" } }),
    runs: [aRun("2026-03-28T13:00:00Z", RUNNING)],
    now: "2026-03-28T14:00:00Z",
    wantStatus: { lastScheduleTime: "2026-03-28T14:00:00Z", active: [scheduledRunName("nightly", at("2026-03-28T13:00:00Z"))] },
    wantEvents: ["RunSkipped"],
  },
  {
    name: "Replace with the previous run still running: it is stopped (StopTask), the new run created",
    schedule: aSchedule({ ...HOURLY, kubernetes: { concurrencyPolicy: "Replace" } }),
    runs: [aRun("2026-03-28T13:00:00Z", RUNNING)],
    now: "2026-03-28T14:00:00Z",
    wantStops: [scheduledRunName("nightly", at("2026-03-28T13:00:00Z"))],
    wantCreates: [scheduledRunName("nightly", at("2026-03-28T14:00:00Z"))],
    wantEvents: ["RunStarted"],
  },
  {
    name: "Allow (the default) with the previous run still running: both run",
    schedule: aSchedule(HOURLY),
    runs: [aRun("2026-03-28T13:00:00Z", RUNNING)],
    now: "2026-03-28T14:00:00Z",
    wantCreates: [scheduledRunName("nightly", at("2026-03-28T14:00:00Z"))],
    wantEvents: ["RunStarted"],
  },
  {
    name: "history limits 1 and 1: the older success and the older failure are deleted, the newest of each kept",
    schedule: aSchedule({ ...HOURLY, kubernetes: { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 } }),
    runs: [
      aRun("2026-03-28T13:00:00Z", stopped("EssentialContainerExited", 0, "2026-03-28T13:05:00Z")),
      aRun("2026-03-28T14:00:00Z", stopped("EssentialContainerExited", 1, "2026-03-28T14:05:00Z")),
      aRun("2026-03-28T15:00:00Z", stopped("EssentialContainerExited", 0, "2026-03-28T15:05:00Z")),
      aRun("2026-03-28T16:00:00Z", stopped("TaskFailedToStart", 1, "2026-03-28T16:01:00Z")),
    ],
    now: "2026-03-28T16:30:00Z",
    wantDeletes: [scheduledRunName("nightly", at("2026-03-28T13:00:00Z")), scheduledRunName("nightly", at("2026-03-28T14:00:00Z"))],
    wantStatus: { lastSuccessfulTime: "2026-03-28T15:05:00Z" },
  },
  {
    name: "a ScheduledTask being deleted: nothing (its runs go with it by owner reference)",
    schedule: { ...aSchedule(HOURLY), metadata: { ...aSchedule(HOURLY).metadata, deletionTimestamp: "2026-03-28T13:00:00Z" } },
    now: "2026-03-28T13:00:00Z",
    wantNextMs: null,
  },
];

const plan = (row: Pick<Row, "schedule" | "runs" | "now">): ScheduledTaskPlan => planScheduledTask({ scheduledTask: row.schedule, runs: row.runs ?? [] }, at(row.now));

describe("planScheduledTask", () => {
  it.each(rows)("$name", (row) => {
    const p = plan(row);
    expect(p.creates.map((t) => t.metadata.name)).toEqual(row.wantCreates ?? []);
    expect(p.stops.map((s) => s.taskName)).toEqual(row.wantStops ?? []);
    expect([...p.deletes].sort()).toEqual([...(row.wantDeletes ?? [])].sort());
    if (row.wantStatus !== undefined) expect(p.status).toMatchObject(row.wantStatus);
    expect(p.events.map((e) => e.reason)).toEqual(row.wantEvents ?? []);
    if (row.wantNextMs !== undefined) expect(p.next.requeueAfterMs ?? null).toBe(row.wantNextMs);
  });

  it("Replace stops the old run as StopTask does: desiredStatus STOPPED with the reason", () => {
    const p = plan({ schedule: aSchedule({ ...HOURLY, kubernetes: { concurrencyPolicy: "Replace" } }), runs: [aRun("2026-03-28T13:00:00Z", RUNNING)], now: "2026-03-28T14:00:00Z" });
    expect(p.stops[0]?.patch).toEqual({
      metadata: { annotations: { "ecs.operator.dev/stop-reason": "Replaced by the run scheduled at 2026-03-28T14:00:00Z (concurrencyPolicy Replace)" } },
      spec: { desiredStatus: "STOPPED" },
    });
  });

  it("the run's RunStarted event belongs to it (recorded only if its create goes through)", () => {
    const p = plan({ schedule: aSchedule(HOURLY), now: "2026-03-28T13:00:00Z" });
    expect(p.events[0]?.run).toBe(p.creates[0]?.metadata.name);
  });

  it("a short maxRequeueMs bounds the wait (tests that move the clock)", () => {
    const p = planScheduledTask({ scheduledTask: aSchedule(HOURLY), runs: [] }, at("2026-03-28T12:30:00Z"), { maxRequeueMs: 1000 });
    expect(p.next.requeueAfterMs).toBe(1000);
  });

  it("an unknown time zone → SpecError InvalidSchedule naming the field", () => {
    let err: unknown;
    try {
      plan({ schedule: aSchedule({ ...HOURLY, scheduleExpressionTimezone: "Mars/Olympus_Mons" }), now: "2026-03-28T13:00:00Z" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).conditionReason).toBe("InvalidSchedule");
    expect((err as SpecError).message).toMatch(/spec\.scheduleExpressionTimezone/);
  });
});

describe("renderScheduledTask", () => {
  const BATCH: TaskDefinitionObject = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "batch", namespace: "jobs" }, spec: { family: "batch", containerDefinitions: [{ name: "app", image: "registry.example.com/app:1", memory: 256 }] } };

  it("the next 3 runs of 03:00 Berlin across the DST change, as Berlin's clocks show them", () => {
    const r = renderScheduledTask(aSchedule({ ...BERLIN_3AM, startDate: "2026-03-01T00:00:00Z" }), { taskDefinitions: [BATCH] }, at("2026-03-27T12:00:00Z"), 3);
    expect(r.runTimes).toEqual(["2026-03-28T03:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00"]);
    expect(r.timeZone).toBe("Europe/Berlin");
  });

  it("the Task of the first run (named after its time) and the pod that Task makes", () => {
    const r = renderScheduledTask(aSchedule(HOURLY), { taskDefinitions: [BATCH] }, at("2026-03-28T12:10:00Z"), 2);
    expect(r.runTimes).toEqual(["2026-03-28T13:00:00+00:00", "2026-03-28T14:00:00+00:00"]);
    expect(r.task?.metadata.name).toBe(scheduledRunName("nightly", at("2026-03-28T13:00:00Z")));
    expect(r.task?.spec.startedBy).toBe("events-rule/nightly");
    expect(r.rendered?.objects.map((o) => `${o.kind}/${o.metadata?.name ?? ""}`)).toEqual([`Pod/${scheduledRunName("nightly", at("2026-03-28T13:00:00Z"))}-0`]);
  });

  it("an at() already past: no run times, no Task", () => {
    const r = renderScheduledTask(aSchedule({ scheduleExpression: "at(2026-03-28T13:00:00)" }), { taskDefinitions: [BATCH] }, at("2026-04-01T00:00:00Z"), 5);
    expect(r.runTimes).toEqual([]);
    expect(r.task).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ["UTC", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00"],
    ["America/New_York (winter, -05:00)", "2026-01-15T17:30:00Z", "2026-01-15T12:30:00-05:00"],
    ["Asia/Kolkata (+05:30)", "2026-06-01T00:00:00Z", "2026-06-01T05:30:00+05:30"],
  ])("wallTime in %s", (zone, iso, want) => {
    expect(wallTime(at(iso), zone.split(" ")[0] ?? "UTC")).toBe(want);
  });
});

describe("what wakes a ScheduledTask (runChanged)", () => {
  const withStatus = (status: TaskStatus): TaskObject => aRun("2026-03-28T13:00:00Z", status);
  it.each<[string, TaskStatus, TaskStatus, boolean]>([
    ["a run's pod moves from PENDING to ACTIVATING (its summary stays PENDING): no", { lastStatus: "PENDING", pendingCount: 1 }, { lastStatus: "PENDING", pendingCount: 1, tasks: [{ podName: "p", lastStatus: "ACTIVATING" }] }, false],
    ["the run starts: yes", { lastStatus: "PENDING" }, { lastStatus: "RUNNING", startedAt: "2026-03-28T13:00:05Z" }, true],
    ["the run stops: yes", RUNNING, stopped("EssentialContainerExited", 0, "2026-03-28T13:05:00Z"), true],
    ["an exit code appears (success or failure decides the history): yes", stopped("EssentialContainerExited", 0, "x"), { ...stopped("EssentialContainerExited", 0, "x"), tasks: [{ podName: "p", containers: [{ name: "app", exitCode: 2 }] }] }, true],
  ])("%s", (_name, before, after, want) => {
    expect(runChanged(withStatus(before), withStatus(after))).toBe(want);
  });
});
