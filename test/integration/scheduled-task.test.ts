// The ScheduledTask controller against the real control plane, with an injected clock the test moves: rate(1 minute)
// creates one Task per scheduled time, run by the Task controller with the ECS semantics; history limits, DISABLED,
// and refusal of an expression EventBridge would refuse.
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION, type ScheduledTaskStatus } from "../../src/api/index.ts";
import { registerScheduledTaskController } from "../../src/controllers/scheduled-task/controller.ts";
import { registerTaskController } from "../../src/controllers/task/controller.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { EcsTasks, ScheduledTasks, TaskDefinitions, type ScheduledTaskObject, type TaskObject } from "../../src/controllers/ecs-resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { resourcePath } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

/** A clock the test moves; the controllers read it through Manager.now. */
class TestClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

async function start(namespace: string, clock: TestClock): Promise<void> {
  const mgr = new Manager({ kubeConfig: kc, identity: "scheduled-task-test", logger: createLogger({ level: "error" }), now: clock.now });
  managers.push(mgr);
  const { resolver } = registerTaskDefinitionController(mgr, { namespace });
  registerTaskController(mgr, { namespace, resolver, recheckMs: 2000 });
  registerScheduledTaskController(mgr, { namespace, maxRequeueMs: 200 });
  await mgr.start();
}

async function post(namespace: string, rt: typeof ScheduledTasks, kind: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await apiRequest(kc, { method: "POST", path: resourcePath(rt, namespace), body: { apiVersion: API_GROUP_VERSION, kind, metadata: { name }, spec } });
}
const read = (namespace: string, name: string): Promise<ScheduledTaskObject> => apiRequest<ScheduledTaskObject>(kc, { method: "GET", path: resourcePath(ScheduledTasks, namespace, name) });
const tasksIn = async (namespace: string): Promise<TaskObject[]> =>
  (await apiRequest<{ items: TaskObject[] }>(kc, { method: "GET", path: resourcePath(EcsTasks, namespace) })).items.sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));

function statusWhen(namespace: string, name: string, what: string, ok: (s: ScheduledTaskStatus) => boolean): Promise<ScheduledTaskObject> {
  return eventually(`ScheduledTask ${name}: ${what}`, async () => {
    const st = await read(namespace, name);
    return st.status && st.status.observedGeneration === st.metadata.generation && ok(st.status) ? st : undefined;
  });
}

const taskDefinition = { family: "report", containerDefinitions: [{ name: "app", image: "registry.example.com/report:1", memory: 128 }] };

describe("ScheduledTask", () => {
  it("rate(1 minute) creates a run per minute; each run is a Task with the ECS lifecycle and stop code; history limits apply", async () => {
    const ns = await testNamespace(kc, "schedule-rate");
    const clock = new TestClock();
    await start(ns, clock);
    await post(ns, TaskDefinitions, "TaskDefinition", "report", taskDefinition);
    // The schedule starts at the next full minute (by the test's clock), so the runs' times do not depend on when the test runs.
    const startDate = new Date(Math.ceil((clock.now().getTime() + 1000) / 60_000) * 60_000);
    await post(ns, ScheduledTasks, "ScheduledTask", "nightly", {
      scheduleExpression: "rate(1 minute)",
      startDate: startDate.toISOString(),
      task: { taskDefinition: "report" },
      kubernetes: { successfulJobsHistoryLimit: 1, podAnnotations: { "kwok.ecs-operator.dev/exit": "app=0" } },
    });
    const waiting = await statusWhen(ns, "nightly", "scheduled", (s) => s.nextScheduleTime !== undefined);
    expect(waiting.status?.nextScheduleTime).toBe(startDate.toISOString().replace(".000Z", "Z"));
    expect(await tasksIn(ns)).toEqual([]);

    // The first run is at the start date itself (EventBridge Scheduler: StartDate is the first occurrence).
    clock.advance(startDate.getTime() - clock.now().getTime() + 1000);
    const first = await statusWhen(ns, "nightly", "first run STOPPED", (s) => s.runs?.[0]?.lastStatus === "STOPPED");
    expect(first.status).toMatchObject({ state: "ENABLED", schedule: "* * * * *", timeZone: "UTC" });
    expect(first.status?.runs).toHaveLength(1);
    expect(first.status?.runs?.[0]).toMatchObject({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" });
    const [run1] = await tasksIn(ns);
    expect(run1?.metadata.name).toBe(first.status?.runs?.[0]?.taskName);
    expect(run1?.metadata.labels).toMatchObject({ "ecs.operator.dev/scheduled-task": "nightly" });
    expect(run1?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "ScheduledTask", name: "nightly", controller: true });
    expect(run1?.spec.startedBy).toBe("events-rule/nightly");
    expect(first.status?.runs?.[0]?.scheduledTime).toBe(waiting.status?.nextScheduleTime);
    expect(first.status?.nextScheduleTime).toBe(new Date(startDate.getTime() + 60_000).toISOString().replace(".000Z", "Z"));

    // One minute later (by the injected clock): the second run.
    clock.advance(60_000);
    const second = await statusWhen(ns, "nightly", "second run STOPPED", (s) => s.runs?.length === 1 && s.runs[0]?.taskName !== run1?.metadata.name && s.runs[0]?.lastStatus === "STOPPED");
    expect(second.status?.runs?.[0]).toMatchObject({ lastStatus: "STOPPED", stopCode: "EssentialContainerExited" });
    expect(Date.parse(second.status?.runs?.[0]?.scheduledTime ?? "") - Date.parse(first.status?.runs?.[0]?.scheduledTime ?? "")).toBe(60_000);
    // successfulJobsHistoryLimit 1: the first run's Task is gone, the second's kept.
    await eventually("first run deleted", async () => ((await tasksIn(ns)).map((t) => t.metadata.name).join(",") === second.status?.runs?.[0]?.taskName ? true : undefined));

    // DISABLED suspends the schedule: time passes, no run starts.
    await apiRequest(kc, { method: "PATCH", path: resourcePath(ScheduledTasks, ns, "nightly"), contentType: "application/merge-patch+json", body: { spec: { state: "DISABLED" } } });
    const disabled = await statusWhen(ns, "nightly", "DISABLED", (s) => s.state === "DISABLED");
    expect(disabled.status?.nextScheduleTime).toBeUndefined();
    expect(disabled.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ reason: "Disabled" });
    clock.advance(180_000);
    await apiRequest(kc, { method: "PATCH", path: resourcePath(ScheduledTasks, ns, "nightly"), contentType: "application/merge-patch+json", body: { metadata: { annotations: { poke: "1" } } } });
    await statusWhen(ns, "nightly", "still DISABLED after the poke", (s) => s.state === "DISABLED");
    await new Promise((r) => setTimeout(r, 1000));
    expect((await tasksIn(ns)).map((t) => t.metadata.name)).toEqual([second.status?.runs?.[0]?.taskName]);
  });

  it("concurrencyPolicy Forbid skips a run while the previous one runs; Replace stops it (UserInitiated) and starts the new one", async () => {
    const ns = await testNamespace(kc, "schedule-concurrency");
    const clock = new TestClock();
    await start(ns, clock);
    await post(ns, TaskDefinitions, "TaskDefinition", "report", taskDefinition);
    const startDate = new Date(Math.ceil((clock.now().getTime() + 1000) / 60_000) * 60_000);
    await post(ns, ScheduledTasks, "ScheduledTask", "poller", { scheduleExpression: "rate(1 minute)", startDate: startDate.toISOString(), task: { taskDefinition: "report" }, kubernetes: { concurrencyPolicy: "Forbid" } });
    clock.advance(startDate.getTime() - clock.now().getTime() + 1000);
    const first = await statusWhen(ns, "poller", "first run RUNNING", (s) => s.runs?.[0]?.lastStatus === "RUNNING");
    const firstName = first.status?.runs?.[0]?.taskName;

    clock.advance(60_000);
    const skipped = await statusWhen(ns, "poller", "second scheduled time passed", (s) => s.lastScheduleTime === new Date(startDate.getTime() + 60_000).toISOString().replace(".000Z", "Z"));
    expect(skipped.status?.runs?.map((r) => r.taskName)).toEqual([firstName]);
    expect((await tasksIn(ns)).map((t) => t.metadata.name)).toEqual([firstName]);

    await apiRequest(kc, { method: "PATCH", path: resourcePath(ScheduledTasks, ns, "poller"), contentType: "application/merge-patch+json", body: { spec: { kubernetes: { concurrencyPolicy: "Replace" } } } });
    await statusWhen(ns, "poller", "Replace observed", () => true);
    clock.advance(60_000);
    const replaced = await statusWhen(ns, "poller", "a new run, the first one STOPPED", (s) => (s.runs ?? []).length === 2 && s.runs?.[1]?.lastStatus === "STOPPED");
    expect(replaced.status?.runs?.[1]).toMatchObject({ taskName: firstName, stopCode: "UserInitiated", stoppedReason: expect.stringMatching(/^Replaced by the run scheduled at .* \(concurrencyPolicy Replace\)$/) as unknown });
    expect(replaced.status?.runs?.[0]?.taskName).not.toBe(firstName);
  });

  it("an essential container that fails in a run shows in the run's stop code", async () => {
    const ns = await testNamespace(kc, "schedule-fail");
    const clock = new TestClock();
    await start(ns, clock);
    await post(ns, TaskDefinitions, "TaskDefinition", "report", taskDefinition);
    await post(ns, ScheduledTasks, "ScheduledTask", "hourly", {
      scheduleExpression: "rate(1 hour)",
      task: { taskDefinition: "report" },
      kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/image-pull-error": "app" } },
    });
    const st = await statusWhen(ns, "hourly", "run STOPPED", (s) => s.runs?.[0]?.lastStatus === "STOPPED");
    expect(st.status?.runs?.[0]).toMatchObject({ stopCode: "TaskFailedToStart" });
    expect(st.status?.runs?.[0]?.stoppedReason).toMatch(/^CannotPullContainerError: /);
    expect(st.status?.lastSuccessfulTime).toBeUndefined();
  });

  it("an expression EventBridge refuses is Stalled with a message naming the field", async () => {
    const ns = await testNamespace(kc, "schedule-refused");
    await start(ns, new TestClock());
    await post(ns, ScheduledTasks, "ScheduledTask", "bad", { scheduleExpression: "cron(0 12 * * * *)", task: { taskDefinition: "report" } });
    const st = await eventually("Stalled", async () => {
      const x = await read(ns, "bad");
      return x.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True") ? x : undefined;
    });
    expect(st.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ reason: "InvalidSchedule", message: expect.stringContaining('spec.scheduleExpression: "cron(0 12 * * * *)"') as unknown });
    expect(await tasksIn(ns)).toEqual([]);
  });

  it("an expression no CronJob can express (last day of the month) is run by the controller at its time", async () => {
    const ns = await testNamespace(kc, "schedule-controller");
    const clock = new TestClock();
    await start(ns, clock);
    await post(ns, TaskDefinitions, "TaskDefinition", "report", taskDefinition);
    await post(ns, ScheduledTasks, "ScheduledTask", "monthly", { scheduleExpression: "cron(0 0 L * ? *)", task: { taskDefinition: "report" } });
    const st = await statusWhen(ns, "monthly", "scheduled", (s) => s.nextScheduleTime !== undefined);
    expect(st.status?.schedule).toBeUndefined();
    expect(st.status?.conditions?.find((c) => c.type === "Ready")?.message).toMatch(/run by the controller/);
    expect(await tasksIn(ns)).toEqual([]);
    // Move the clock to the scheduled time: the run starts.
    clock.advance(Date.parse(st.status?.nextScheduleTime ?? "") - clock.now().getTime() + 1000);
    const ran = await statusWhen(ns, "monthly", "a run", (s) => (s.runs ?? []).length === 1);
    expect(ran.status?.runs?.[0]?.scheduledTime).toBe(st.status?.nextScheduleTime);
  });
});
