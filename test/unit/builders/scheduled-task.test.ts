// ScheduledTask runs: which scheduled time is due, the run's Task, history limits and the status. One row per rule.
import { describe, expect, it } from "vitest";
import type { ScheduledTaskSpec } from "../../../src/api/scheduled-task.ts";
import type { TaskStatus } from "../../../src/api/task.ts";
import {
  buildRunTask,
  computeScheduledTaskStatus,
  dueRun,
  runSucceeded,
  runsToDelete,
  scheduledRunName,
  type RunView,
} from "../../../src/builders/schedule/scheduled-task.ts";
import { parseScheduleExpression, translateSchedule, type ScheduleExpression } from "../../../src/builders/schedule/expression.ts";

const CREATED = new Date("2026-11-22T10:07:23Z");
function expr(text: string, timeZone?: string, startedAt = CREATED): ScheduleExpression {
  const r = parseScheduleExpression({ scheduleExpression: text, scheduleExpressionTimezone: timeZone }, startedAt);
  if (!r.ok) throw new Error(r.message);
  return r.expression;
}
const at = (iso: string): Date => new Date(iso);
const iso = (d: Date | undefined): string | undefined => d?.toISOString().replace(".000Z", "Z");

describe("dueRun", () => {
  it.each<[string, Parameters<typeof dueRun>[0], { due?: string; next?: string; missed?: number }]>([
    ["rate(1 minute): the first run is at the start itself (floored to the minute)", { expression: expr("rate(1 minute)"), startsAt: CREATED, now: CREATED }, { due: "2026-11-22T10:07:00Z", next: "2026-11-22T10:08:00Z" }],
    ["rate(1 minute): after the first run, nothing is due until the next minute", { expression: expr("rate(1 minute)"), startsAt: CREATED, lastScheduleTime: at("2026-11-22T10:07:00Z"), now: at("2026-11-22T10:07:59Z") }, { next: "2026-11-22T10:08:00Z" }],
    ["rate(1 minute): at the next minute, that run is due", { expression: expr("rate(1 minute)"), startsAt: CREATED, lastScheduleTime: at("2026-11-22T10:07:00Z"), now: at("2026-11-22T10:08:00Z") }, { due: "2026-11-22T10:08:00Z", next: "2026-11-22T10:09:00Z" }],
    [
      "rate(5 minutes) after 12 minutes down: only the latest missed run starts (as CronJob), the others count as missed",
      { expression: expr("rate(5 minutes)"), startsAt: CREATED, lastScheduleTime: at("2026-11-22T10:07:00Z"), now: at("2026-11-22T10:19:30Z") },
      { due: "2026-11-22T10:17:00Z", next: "2026-11-22T10:22:00Z", missed: 1 },
    ],
    [
      "startingDeadlineSeconds: a run missed by more than the deadline does not start",
      { expression: expr("rate(5 minutes)"), startsAt: CREATED, lastScheduleTime: at("2026-11-22T10:07:00Z"), now: at("2026-11-22T10:14:00Z"), startingDeadlineSeconds: 60 },
      { next: "2026-11-22T10:17:00Z" },
    ],
    ["cron(0 12 * * ? *): created after today's noon → nothing due, next is tomorrow's", { expression: expr("cron(0 12 * * ? *)"), startsAt: at("2026-11-22T12:00:30Z"), now: at("2026-11-22T12:00:30Z") }, { next: "2026-11-23T12:00:00Z" }],
    ["cron(0 12 * * ? *) at noon → due", { expression: expr("cron(0 12 * * ? *)"), startsAt: CREATED, now: at("2026-11-22T12:00:05Z") }, { due: "2026-11-22T12:00:00Z", next: "2026-11-23T12:00:00Z" }],
    ["cron(0 0 L * ? *) (last day of the month, controller-run) → the 30th of November", { expression: expr("cron(0 0 L * ? *)"), startsAt: CREATED, now: CREATED }, { next: "2026-11-30T00:00:00Z" }],
    ["at(...) in the future → nothing due, next is that time", { expression: expr("at(2026-11-22T11:00:00)"), startsAt: CREATED, now: CREATED }, { next: "2026-11-22T11:00:00Z" }],
    ["at(...) reached → due once, nothing after", { expression: expr("at(2026-11-22T11:00:00)"), startsAt: CREATED, now: at("2026-11-22T11:00:01Z") }, { due: "2026-11-22T11:00:00Z" }],
    ["at(...) already run → nothing", { expression: expr("at(2026-11-22T11:00:00)"), startsAt: CREATED, lastScheduleTime: at("2026-11-22T11:00:00Z"), now: at("2026-11-22T12:00:00Z") }, {}],
    ["endDate: no run after it, and no next", { expression: expr("rate(1 hour)"), startsAt: CREATED, lastScheduleTime: at("2026-11-22T10:07:00Z"), endDate: at("2026-11-22T11:00:00Z"), now: at("2026-11-22T11:30:00Z") }, {}],
    ["startDate in the future: nothing before it", { expression: expr("rate(1 hour)", undefined, at("2026-12-01T00:00:00Z")), startsAt: at("2026-12-01T00:00:00Z"), now: CREATED }, { next: "2026-12-01T00:00:00Z" }],
  ])("%s", (_n, input, want) => {
    const r = dueRun(input);
    expect({ due: iso(r.due), next: iso(r.next) }).toEqual({ due: want.due, next: want.next });
    if (want.missed !== undefined) expect(r.missed).toBe(want.missed);
  });

  it("a week of rate(1 minute) missed is walked quickly and only the latest run starts", () => {
    const started = Date.now();
    const r = dueRun({ expression: expr("rate(1 minute)"), startsAt: CREATED, lastScheduleTime: CREATED, now: at("2026-11-29T10:07:30Z") });
    expect(iso(r.due)).toBe("2026-11-29T10:07:00Z");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("scheduledRunName", () => {
  it.each<[string, string, string, string]>([
    ["<schedule>-<minutes since the epoch>, like a CronJob's Job", "nightly", "2026-11-22T10:07:00Z", "nightly-29922367"],
    ["two scheduled times → two names", "nightly", "2026-11-22T10:08:00Z", "nightly-29922368"],
  ])("%s", (_n, name, when, want) => {
    expect(scheduledRunName(name, at(when))).toBe(want);
  });
  it("a 253-character name is shortened so the run name stays a valid name", () => {
    expect(scheduledRunName("a".repeat(253), CREATED).length).toBeLessThanOrEqual(253);
  });
});

const SPEC: ScheduledTaskSpec = {
  scheduleExpression: "rate(1 minute)",
  task: { taskDefinition: "batch", count: 2, overrides: { containerOverrides: [{ name: "app", command: ["report"] }] } },
  kubernetes: { podAnnotations: { team: "data" }, labels: { tier: "batch" } },
};
const OWNER = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "ScheduledTask", name: "nightly", namespace: "jobs", uid: "uid-9" };

describe("buildRunTask", () => {
  const run = buildRunTask(OWNER, SPEC, at("2026-11-22T10:07:00Z"));
  it("the run is a Task named after the scheduled time, owned by the ScheduledTask (controller)", () => {
    expect(run.metadata).toMatchObject({ name: "nightly-29922367", namespace: "jobs" });
    expect(run.metadata.ownerReferences).toEqual([{ apiVersion: "ecs.operator.dev/v1alpha1", kind: "ScheduledTask", name: "nightly", uid: "uid-9", controller: true, blockOwnerDeletion: true }]);
  });
  it("labels: the ScheduledTask label and spec.kubernetes.labels; the scheduled time as an annotation", () => {
    expect(run.metadata.labels).toEqual({ tier: "batch", "ecs.operator.dev/scheduled-task": "nightly" });
    expect(run.metadata.annotations).toEqual({ "ecs.operator.dev/scheduled-at": "2026-11-22T10:07:00Z" });
  });
  it("the RunTask input is the schedule's task, with startedBy events-rule/<name> as EventBridge writes it", () => {
    expect(run.spec).toMatchObject({ taskDefinition: "batch", count: 2, overrides: { containerOverrides: [{ name: "app", command: ["report"] }] }, startedBy: "events-rule/nightly" });
  });
  it("the schedule's pod labels and annotations go to the Task's spec.kubernetes", () => {
    expect(run.spec.kubernetes).toEqual({ labels: { tier: "batch" }, podAnnotations: { team: "data" } });
  });
  it("a startedBy of the task is kept", () => {
    expect(buildRunTask(OWNER, { ...SPEC, task: { ...SPEC.task, startedBy: "reports" } }, CREATED).spec.startedBy).toBe("reports");
  });
});

const stopped = (stopCode: TaskStatus["stopCode"], exitCode: number, stoppedAt = "2026-11-22T10:08:00Z"): TaskStatus => ({
  lastStatus: "STOPPED",
  stopCode,
  stoppedReason: stopCode === "EssentialContainerExited" ? "Essential container in task exited" : "x",
  stoppedAt,
  tasks: [{ podName: "p-0", containers: [{ name: "app", exitCode }] }],
});
const aRun = (minute: number, status?: TaskStatus): RunView => ({ taskName: `nightly-${minute}`, scheduledTime: `2026-11-22T10:${String(minute).padStart(2, "0")}:00Z`, status });

describe("runSucceeded and runsToDelete", () => {
  it.each<[string, RunView, boolean]>([
    ["essential container exited 0 → succeeded", aRun(1, stopped("EssentialContainerExited", 0)), true],
    ["essential container exited 1 → failed", aRun(1, stopped("EssentialContainerExited", 1)), false],
    ["TaskFailedToStart → failed", aRun(1, stopped("TaskFailedToStart", 0)), false],
    ["still running → not a success (yet)", aRun(1, { lastStatus: "RUNNING" }), false],
  ])("%s", (_n, run, want) => {
    expect(runSucceeded(run)).toBe(want);
  });

  it("keeps the newest successful and failed runs within their limits and never deletes a running one", () => {
    const runs = [aRun(1, stopped("EssentialContainerExited", 0)), aRun(2, stopped("EssentialContainerExited", 1)), aRun(3, stopped("EssentialContainerExited", 0)), aRun(4, stopped("TaskFailedToStart", 0)), aRun(5, { lastStatus: "RUNNING" }), aRun(6, stopped("EssentialContainerExited", 0))];
    expect(runsToDelete(runs, 2, 1).map((r) => r.taskName).sort()).toEqual(["nightly-1", "nightly-2"]);
  });
});

describe("computeScheduledTaskStatus", () => {
  const translation = translateSchedule({ scheduleExpression: "rate(1 minute)" }, CREATED);
  if (translation.kind === "refused") throw new Error("refused");
  const input = { generation: 2, previous: undefined, spec: SPEC, translation, now: CREATED };

  it("recent runs newest first with lastStatus and stopCode; active runs; last and next schedule times", () => {
    const s = computeScheduledTaskStatus({ ...input, runs: [aRun(7, stopped("EssentialContainerExited", 0)), aRun(8, { lastStatus: "RUNNING", startedAt: "2026-11-22T10:08:01Z" })], lastScheduleTime: at("2026-11-22T10:08:00Z"), next: at("2026-11-22T10:09:00Z") });
    expect(s).toMatchObject({
      observedGeneration: 2,
      state: "ENABLED",
      schedule: "* * * * *",
      timeZone: "UTC",
      lastScheduleTime: "2026-11-22T10:08:00Z",
      lastSuccessfulTime: "2026-11-22T10:08:00Z",
      nextScheduleTime: "2026-11-22T10:09:00Z",
      active: ["nightly-8"],
    });
    expect(s.runs).toEqual([
      { taskName: "nightly-8", scheduledTime: "2026-11-22T10:08:00Z", lastStatus: "RUNNING", startedAt: "2026-11-22T10:08:01Z" },
      { taskName: "nightly-7", scheduledTime: "2026-11-22T10:07:00Z", lastStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", stoppedAt: "2026-11-22T10:08:00Z" },
    ]);
    expect(s.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "Scheduled", message: "next run at 2026-11-22T10:09:00Z" });
  });

  it("state DISABLED → Ready with reason Disabled, no next schedule time", () => {
    const s = computeScheduledTaskStatus({ ...input, spec: { ...SPEC, state: "DISABLED" }, runs: [], next: at("2026-11-22T10:09:00Z") });
    expect(s.state).toBe("DISABLED");
    expect(s.nextScheduleTime).toBeUndefined();
    expect(s.conditions?.find((c) => c.type === "Ready")).toMatchObject({ reason: "Disabled" });
  });

  it("a controller-run schedule says why in the Ready message and has no CronJob schedule", () => {
    const t = translateSchedule({ scheduleExpression: "cron(0 0 L * ? *)" }, CREATED);
    if (t.kind === "refused") throw new Error("refused");
    const s = computeScheduledTaskStatus({ ...input, translation: t, runs: [], next: at("2026-11-30T00:00:00Z") });
    expect(s.schedule).toBeUndefined();
    expect(s.conditions?.find((c) => c.type === "Ready")?.message).toMatch(/^next run at 2026-11-30T00:00:00Z \(.*run by the controller\)$/);
  });
});
