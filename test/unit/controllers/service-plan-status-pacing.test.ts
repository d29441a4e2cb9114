// Status writes paced during a rollout: a status that differs from the last written one only in task counts waits for
// the end of the interval (statusCountsWaitMs); anything a reader waits for (a new PRIMARY, COMPLETED, Ready, a failed
// task counted, an event, a weight) is written at once. Rows of countsOnlyChange, statusCountsWaitMs and planService.
import { describe, expect, it } from "vitest";
import type { ServiceStatus } from "../../../src/api/service.ts";
import { countsOnlyChange, DEFAULT_STATUS_COUNT_INTERVAL_MS } from "../../../src/builders/service/status.ts";
import { planService, statusCountsWaitMs, type ObservedService, type ServiceMemory, type ServicePlanOptions } from "../../../src/controllers/service/plan.ts";
import { Pods, type KubeObject } from "../../../src/runtime/resources.ts";
import { aDeployment, aPod, aService, dep, NOW, observing, settled, type PodFixture } from "./service-plan-fixtures.ts";

const T0 = "2026-03-01T11:00:00Z";
const inProgress: ServiceStatus = {
  observedGeneration: 2,
  conditions: [{ type: "Ready", status: "False", reason: "DeploymentInProgress", message: "deployment d2 (web:2): 1 of 3 tasks running", lastTransitionTime: T0 }],
  status: "ACTIVE",
  desiredCount: 3,
  runningCount: 3,
  pendingCount: 1,
  deployments: [
    { id: "d2", status: "PRIMARY", taskDefinition: "web:2", desiredCount: 3, runningCount: 1, pendingCount: 1, failedTasks: 0, updatedAt: T0, rolloutState: "IN_PROGRESS" },
    { id: "d1", status: "ACTIVE", taskDefinition: "web:1", desiredCount: 2, runningCount: 2, pendingCount: 0, failedTasks: 0, updatedAt: T0, rolloutState: "COMPLETED" },
  ],
  serviceDeployments: [{ serviceDeploymentArn: "d2", status: "IN_PROGRESS", updatedAt: T0, targetServiceRevision: { arn: "d2", runningTaskCount: 1, requestedProductionTrafficWeight: 0 }, sourceServiceRevisions: [{ arn: "d1", runningTaskCount: 2, requestedProductionTrafficWeight: 100 }] }],
};
type Edit = (s: ServiceStatus) => void;
const edited = (edit: Edit): ServiceStatus => {
  const s = structuredClone(inProgress);
  edit(s);
  return s;
};
const [primary, active] = [(s: ServiceStatus) => s.deployments?.[0] ?? { id: "", status: "PRIMARY" as const }, (s: ServiceStatus) => s.deployments?.[1] ?? { id: "", status: "ACTIVE" as const }];

describe("countsOnlyChange: what a status write may wait for", () => {
  const rows: { name: string; edit: Edit; countsOnly: boolean }[] = [
    { name: "a task of the PRIMARY RUNNING, one of the ACTIVE stopping: counts, condition message, updatedAt, the ACTIVE's desiredCount", countsOnly: true, edit: (s) => {
      Object.assign(primary(s), { runningCount: 2, pendingCount: 0, updatedAt: "2026-03-01T11:00:05Z" });
      Object.assign(active(s), { runningCount: 1, desiredCount: 1, updatedAt: "2026-03-01T11:00:05Z" });
      Object.assign(s, { runningCount: 3, pendingCount: 0 });
      s.conditions = [{ ...(s.conditions?.[0] ?? { type: "", status: "False", reason: "", lastTransitionTime: "" }), message: "deployment d2 (web:2): 2 of 3 tasks running" }];
      const target = s.serviceDeployments?.[0]?.targetServiceRevision;
      if (target !== undefined) target.runningTaskCount = 2;
    } },
    { name: "the PRIMARY COMPLETED", countsOnly: false, edit: (s) => void Object.assign(primary(s), { rolloutState: "COMPLETED" }) },
    { name: "Ready True (another status, another reason)", countsOnly: false, edit: (s) => void (s.conditions = [{ type: "Ready", status: "True", reason: "SteadyState", message: "3 of 3 tasks running", lastTransitionTime: "2026-03-01T11:00:05Z" }]) },
    { name: "a failed task counted (the circuit breaker's input)", countsOnly: false, edit: (s) => void Object.assign(primary(s), { failedTasks: 1 }) },
    { name: "the PRIMARY's desiredCount (a scale)", countsOnly: false, edit: (s) => void Object.assign(primary(s), { desiredCount: 4 }) },
    { name: "a new PRIMARY", countsOnly: false, edit: (s) => void s.deployments?.unshift({ id: "d3", status: "PRIMARY", rolloutState: "IN_PROGRESS" }) },
    { name: "a service event", countsOnly: false, edit: (s) => void (s.events = [{ id: "e1", createdAt: "2026-03-01T11:00:05Z", message: "(service web) has started 1 tasks: (task web-x)." }]) },
    { name: "a production traffic weight", countsOnly: false, edit: (s) => {
      const target = s.serviceDeployments?.[0]?.targetServiceRevision;
      if (target !== undefined) target.requestedProductionTrafficWeight = 25;
    } },
    { name: "observedGeneration", countsOnly: false, edit: (s) => void (s.observedGeneration = 3) },
  ];
  for (const row of rows) it(`${row.name} → ${row.countsOnly ? "counts only" : "not counts only"}`, () => { expect(countsOnlyChange(inProgress, edited(row.edit))).toBe(row.countsOnly); });

  it("no previous status is never counts only; the order of keys (the API server sorts them) does not matter", () => {
    expect(countsOnlyChange(undefined, inProgress)).toBe(false);
    const sorted = JSON.parse(JSON.stringify(inProgress, (_k, v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v))) as ServiceStatus;
    expect(countsOnlyChange(sorted, edited((s) => void (s.runningCount = 4)))).toBe(true);
  });
});

describe("statusCountsWaitMs: how long a count-only status waits", () => {
  const counts = edited((s) => void Object.assign(primary(s), { runningCount: 2, pendingCount: 0 }));
  const base: Parameters<typeof statusCountsWaitMs>[0] = { previous: inProgress, next: counts, events: [], deletes: [], hookCalls: 0, lastWriteMs: 10_000, nowMs: 11_000, intervalMs: 5000 };
  const podStop = { resource: Pods, namespace: "shop", name: "web-a", uid: "uid-web-a", why: "failed" };
  const rows: { name: string; input: Partial<typeof base>; want: number | undefined }[] = [
    { name: "counts only, 1 s after the last write of a 5 s interval → waits the 4 s left", input: {}, want: 4000 },
    { name: "5 s after the last write → now", input: { nowMs: 15_000 }, want: undefined },
    { name: "nothing written since the process started → now", input: { lastWriteMs: undefined }, want: undefined },
    { name: "the clock went back → now", input: { nowMs: 9_000 }, want: undefined },
    { name: "interval 0 (every change at once) → now", input: { intervalMs: 0 }, want: undefined },
    { name: "an event to record → now", input: { events: [{ type: "Normal", reason: "TaskStarted", message: "x" }] }, want: undefined },
    { name: "a pod stop the status must account for first → now", input: { deletes: [podStop] }, want: undefined },
    { name: "a lifecycle hook to call → now", input: { hookCalls: 1 }, want: undefined },
    { name: "more than counts changed → now", input: { next: edited((s) => void Object.assign(primary(s), { rolloutState: "COMPLETED" })) }, want: undefined },
    { name: "nothing changed → nothing to wait for", input: { next: inProgress }, want: undefined },
  ];
  for (const row of rows) it(row.name, () => { expect(statusCountsWaitMs({ ...base, ...row.input })).toBe(row.want); });
});

describe("planService paces count-only status writes of a rollout", () => {
  // Revision 2 rolling out over 3 tasks: the first pass (at T) wrote its status; the next ones read it back.
  const T = NOW.getTime();
  const d2 = (name: string, f: PodFixture = {}) => aPod({ name, deployment: dep(2), ...f });
  const first = [d2("web-n1", { ready: true, readyFor: 1 }), d2("web-n2"), aPod({ name: "web-o1", ready: true, deployment: dep(1) })];
  const memoryOf = (pods: KubeObject[]): ServiceMemory => ({ counted: {}, tasks: Object.fromEntries(pods.map((p) => [p.metadata?.uid ?? "", { name: p.metadata?.name ?? "" }])) });
  const rolling = aService({ revision: 2, desiredCount: 2, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS"), aDeployment(1, "ACTIVE", "COMPLETED")] });
  const firstPlan = planService(observing(rolling, { pods: first, memory: memoryOf(first) }), NOW);
  const written = { ...rolling, status: firstPlan.status };
  const workloads = firstPlan.applies.filter((a) => a.resource.kind === "Deployment").map((a) => settled(a.object, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 }));
  const pass = (pods: KubeObject[], atMs: number, options: ServicePlanOptions = {}, lastStatusWriteMs: number | "none" = T) => {
    const observed: ObservedService = { ...observing(written, { pods: pods as ReturnType<typeof aPod>[], memory: memoryOf(first), children: workloads }), ...(lastStatusWriteMs === "none" ? {} : { lastStatusWriteMs }) };
    return planService(observed, new Date(atMs), options);
  };
  // web-n2 now RUNNING and Ready: the counts move, nothing else.
  const counted = [d2("web-n1", { ready: true, readyFor: 2 }), d2("web-n2", { ready: true, readyFor: 1 }), aPod({ name: "web-o1", ready: true, deployment: dep(1) })];

  it("the first pass wrote a status with the counts of its tasks", () => {
    expect(firstPlan.status?.deployments?.[0]).toMatchObject({ id: dep(2), runningCount: 1, pendingCount: 1, rolloutState: "IN_PROGRESS" });
  });

  it(`1 s later a task became RUNNING: no status, no event, and the pass looks again when the ${DEFAULT_STATUS_COUNT_INTERVAL_MS} ms since the write end`, () => {
    const plan = pass(counted, T + 1000);
    expect(plan.status).toBeUndefined();
    expect(plan.events).toEqual([]);
    expect(plan.next.requeueAfterMs).toBe(DEFAULT_STATUS_COUNT_INTERVAL_MS - 1000);
  });

  it("once the interval has passed, the same observation writes its counts", () => {
    const plan = pass(counted, T + DEFAULT_STATUS_COUNT_INTERVAL_MS);
    expect(plan.status?.deployments?.[0]).toMatchObject({ id: dep(2), runningCount: 2, pendingCount: 0 });
  });

  it("statusCountIntervalMs 0, or no write by this process yet: written at once", () => {
    expect(pass(counted, T + 1000, { statusCountIntervalMs: 0 }).status?.runningCount).toBe(3);
    expect(pass(counted, T + 1000, {}, "none").status?.runningCount).toBe(3);
  });

  it("a task started (a service event) inside the interval: written at once, with its event", () => {
    const plan = pass([...counted, d2("web-n3")], T + 1000);
    expect(plan.status?.events?.[0]?.message).toContain("has started 1 tasks");
    expect(plan.events.length).toBe(1);
  });

  it("the old task gone and the new ones stable inside the interval: COMPLETED is written at once", () => {
    const plan = pass([d2("web-n1", { ready: true, readyFor: 60 }), d2("web-n2", { ready: true, readyFor: 60 })], T + 1000);
    expect(plan.status?.deployments?.[0]).toMatchObject({ id: dep(2), rolloutState: "COMPLETED", runningCount: 2 });
  });
});
