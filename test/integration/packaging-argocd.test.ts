// The Argo CD health checks on real objects: with the whole operator running (registerControllers, in-process),
// every kind is driven into a ready, a progressing, a stalled and a deleting state; the objects are read back from
// the API server and judged by the chart's Lua scripts under gopher-lua (luaHealth), the way Argo CD runs them.
// Everything the test creates is deleted while the controllers still run (finalizers released, pods gone), and the
// cluster-scoped CapacityProviders it created are removed too, so later files see none of it.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/index.ts";
import { registerControllers } from "../../src/controllers/register.ts";
import { ApiRequestError, apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { type HealthKind, luaHealth } from "../e2e/argocd-health.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const HOLD = "test.ecs-operator.dev/hold";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Obj {
  metadata: { name: string; generation?: number; deletionTimestamp?: string; finalizers?: string[] };
  spec?: Record<string, unknown>;
  status?: { observedGeneration?: number; conditions?: Condition[]; lastStatus?: string; stopCode?: string; [k: string]: unknown };
}

const PLURAL: Record<HealthKind, string> = {
  Cluster: "clusters",
  CapacityProvider: "capacityproviders",
  TaskDefinition: "taskdefinitions",
  Service: "services",
  Task: "tasks",
  ScheduledTask: "scheduledtasks",
};
let ns = "";
const suffix = randomBytes(3).toString("hex");
const createdProviders: string[] = [];
let mgr: Manager | undefined;

const pathOf = (kind: HealthKind, name?: string): string =>
  `/apis/${API_GROUP_VERSION}${kind === "CapacityProvider" ? "" : `/namespaces/${ns}`}/${PLURAL[kind]}${name === undefined ? "" : `/${name}`}`;
const create = async (kind: HealthKind, name: string, spec: Record<string, unknown>, finalizers: string[] = []): Promise<void> => {
  await apiRequest(kc, { method: "POST", path: pathOf(kind), body: { apiVersion: API_GROUP_VERSION, kind, metadata: { name, finalizers }, spec } });
  if (kind === "CapacityProvider") createdProviders.push(name);
};
const read = (kind: HealthKind, name: string): Promise<Obj> => apiRequest<Obj>(kc, { method: "GET", path: pathOf(kind, name) });
const remove = (kind: HealthKind, name: string): Promise<unknown> => apiRequest(kc, { method: "DELETE", path: pathOf(kind, name) });
async function gone(kind: HealthKind, name: string): Promise<boolean> {
  try {
    await read(kind, name);
    return false;
  } catch (err) {
    if (err instanceof ApiRequestError && err.code === 404) return true;
    throw err;
  }
}
async function unhold(kind: HealthKind, name: string): Promise<void> {
  if (await gone(kind, name)) return;
  const o = await read(kind, name);
  const finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== HOLD);
  await apiRequest(kc, { method: "PATCH", path: pathOf(kind, name), contentType: "application/merge-patch+json", body: { metadata: { finalizers } } });
}
const condition = (o: Obj, type: string): Condition | undefined => o.status?.conditions?.find((c) => c.type === type);
const observed = (o: Obj): boolean => o.status?.observedGeneration !== undefined && o.status.observedGeneration === o.metadata.generation;
/** The object once pred holds on it (as the controller wrote it for the current generation). */
const when = (kind: HealthKind, name: string, what: string, pred: (o: Obj) => boolean, timeoutMs = 60_000): Promise<Obj> =>
  eventually(`${kind}/${name} ${what}`, async () => {
    const o = await read(kind, name);
    return pred(o) ? o : undefined;
  }, timeoutMs, 250);
const isTrue = (type: string, reason?: string) => (o: Obj) => observed(o) && condition(o, type)?.status === "True" && (reason === undefined || condition(o, type)?.reason === reason);
/** Deletes an object held by HOLD and returns it as read while deleting. */
async function deleting(kind: HealthKind, name: string): Promise<Obj> {
  await remove(kind, name);
  return when(kind, name, "deleting", (o) => o.metadata.deletionTimestamp !== undefined);
}

const image = (name: string) => `registry.example.com/${name}:1.0`;
const fargateTd = (containers: Record<string, unknown>[], kubernetes: Record<string, unknown> = {}) => ({
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  cpu: "256",
  memory: "512",
  // A short stop timeout: the clean-up stops running tasks, and each would otherwise wait out the ECS default of 30 s.
  containerDefinitions: containers.map((c) => ({ stopTimeout: 2, ...c })),
  kubernetes,
});

beforeAll(async () => {
  ns = await testNamespace(kc, "pkg-argocd");
  // Created before the controllers run: real objects without status.
  await create("TaskDefinition", "web", fargateTd([{ name: "app", image: image("web"), essential: true }]), [HOLD]);
  await create("Cluster", "default", { clusterName: `argocd-${suffix}` });
  await create("TaskDefinition", "report", fargateTd([{ name: "report", image: image("report") }]));
  await create("ScheduledTask", "nightly", { scheduleExpression: "cron(0 3 * * ? *)", state: "ENABLED", task: { taskDefinition: "report", launchType: "FARGATE" } }, [HOLD]);
});

afterAll(async () => {
  await mgr?.stop();
  for (const name of createdProviders) {
    await unhold("CapacityProvider", name).catch(() => undefined);
    if (!(await gone("CapacityProvider", name))) await remove("CapacityProvider", name);
  }
}, 120_000);

describe("Argo CD health of real objects (the whole operator running)", () => {
  it("before the controllers report: every kind is Progressing", async () => {
    for (const [kind, name] of [["TaskDefinition", "web"], ["Cluster", "default"], ["ScheduledTask", "nightly"]] as const) {
      const o = await read(kind, name);
      expect(o.status?.observedGeneration, `${kind}/${name}`).toBeUndefined();
      expect(luaHealth(kind, o), `${kind}/${name}`).toMatchObject({ status: "Progressing", message: "Waiting for the ecs-operator controller to report status" });
    }
    mgr = new Manager({ kubeConfig: kc, identity: "argocd-health-test", logger: createLogger({ level: "error" }), http: { host: "127.0.0.1", port: 0 } });
    registerControllers(mgr, { namespace: ns });
    await mgr.start();
  });

  it("TaskDefinition: registered → Healthy; dependsOn cycle → Degraded; deleting → Progressing", async () => {
    const web = await when("TaskDefinition", "web", "registered", (o) => observed(o) && o.status?.taskDefinitionArn === "web:1");
    expect(luaHealth("TaskDefinition", web)).toMatchObject({ status: "Healthy", message: expect.stringContaining("web:1") as unknown });

    await create("TaskDefinition", "loop", {
      containerDefinitions: ["a", "b", "c"].map((name, i) => ({ name, image: image(name), memory: 64, dependsOn: [{ containerName: ["b", "c", "a"][i], condition: "START" }] })),
    });
    const loop = await when("TaskDefinition", "loop", "Stalled", isTrue("Stalled"));
    expect(luaHealth("TaskDefinition", loop)).toMatchObject({ status: "Degraded", message: expect.stringContaining("dependsOn") as unknown });
    // The deleting one is the revision services use below: deleted last, in the clean-up.
  });

  it("CapacityProvider: matching Ready nodes → Healthy; no Ready node → Progressing; a duplicate name → Degraded; deleting → Progressing", async () => {
    const p = `argocd-${suffix}`;
    await create("CapacityProvider", `${p}-od`, { type: "EC2", kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } } }, [HOLD]);
    await create("CapacityProvider", `${p}-empty`, { type: "EC2", kubernetes: { nodeSelector: { "example.com/pool": "none" } } });
    await create("CapacityProvider", `${p}-dup-a`, { name: `${p}-dup`, type: "EC2", kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } } });
    await create("CapacityProvider", `${p}-dup-b`, { name: `${p.toUpperCase()}-DUP`, type: "EC2", kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } } });

    const ready = await when("CapacityProvider", `${p}-od`, "NodesReady", isTrue("Ready", "NodesReady"));
    expect(luaHealth("CapacityProvider", ready)).toMatchObject({ status: "Healthy", message: expect.stringMatching(/Ready nodes? match/) as unknown });
    const empty = await when("CapacityProvider", `${p}-empty`, "NoReadyNodes", (o) => observed(o) && condition(o, "Ready")?.reason === "NoReadyNodes");
    expect(luaHealth("CapacityProvider", empty)).toMatchObject({ status: "Progressing", message: expect.stringContaining("no Ready node matches") as unknown });
    const dup = await when("CapacityProvider", `${p}-dup-a`, "Stalled DuplicateName", isTrue("Stalled", "DuplicateName"));
    expect(luaHealth("CapacityProvider", dup)).toMatchObject({ status: "Degraded", message: expect.stringContaining("distinct spec.name") as unknown });
    const del = await deleting("CapacityProvider", `${p}-od`);
    expect(luaHealth("CapacityProvider", del)).toMatchObject({ status: "Progressing", message: expect.stringContaining("being deleted") as unknown });
    await unhold("CapacityProvider", `${p}-od`);
  });

  it("Service: steady → Healthy; rolling out → Progressing; missing TaskDefinition → Degraded; draining → Progressing", async () => {
    await create("Service", "steady", { taskDefinition: "web", desiredCount: 1, launchType: "FARGATE" }, [HOLD]);
    await create("TaskDefinition", "slow", fargateTd([{ name: "app", image: image("slow"), essential: true }], { podAnnotations: { "kwok.ecs-operator.dev/start-delay": "1h" } }));
    await create("Service", "rolling", { taskDefinition: "slow", desiredCount: 1, launchType: "FARGATE" });
    await create("Service", "orphan", { taskDefinition: "missing", desiredCount: 1, launchType: "FARGATE" });

    const steady = await when("Service", "steady", "Ready", isTrue("Ready"));
    expect(luaHealth("Service", steady)).toMatchObject({ status: "Healthy", message: expect.stringContaining("1/1 tasks running") as unknown });
    const rolling = await when("Service", "rolling", "deploying", (o) => observed(o) && condition(o, "Reconciling")?.status === "True" && o.status?.deployments !== undefined);
    expect(luaHealth("Service", rolling)).toMatchObject({ status: "Progressing", message: expect.stringContaining("0 of 1 tasks running") as unknown });
    const orphan = await when("Service", "orphan", "Stalled", isTrue("Stalled", "TaskDefinitionNotFound"));
    expect(luaHealth("Service", orphan)).toMatchObject({ status: "Degraded", message: expect.stringContaining("spec.taskDefinition") as unknown });

    await remove("Service", "steady");
    const draining = await when("Service", "steady", "draining", (o) => o.metadata.deletionTimestamp !== undefined && o.status?.status === "DRAINING");
    expect(luaHealth("Service", draining)).toMatchObject({ status: "Progressing", message: expect.stringContaining("Service is being deleted") as unknown });
    await unhold("Service", "steady");
  });

  it("Task: RUNNING → Healthy; starting → Progressing; image pull error (TaskFailedToStart) → Degraded; completed → Healthy; deleting → Progressing", async () => {
    await create("TaskDefinition", "batch", fargateTd([{ name: "app", image: image("batch"), essential: true }]));
    const task = (kubernetes: Record<string, unknown> = {}) => ({ taskDefinition: "batch", launchType: "FARGATE", kubernetes });
    await create("Task", "running", task(), [HOLD]);
    await create("Task", "starting", task({ podAnnotations: { "kwok.ecs-operator.dev/start-delay": "1h" } }));
    await create("Task", "unpullable", task({ podAnnotations: { "kwok.ecs-operator.dev/image-pull-error": "app" } }));
    await create("Task", "done", task({ podAnnotations: { "kwok.ecs-operator.dev/exit": "app=0" } }));

    const running = await when("Task", "running", "RUNNING", (o) => observed(o) && o.status?.lastStatus === "RUNNING");
    expect(luaHealth("Task", running).status).toBe("Healthy");
    const starting = await when("Task", "starting", "not started", (o) => observed(o) && o.status?.lastStatus !== undefined);
    expect(starting.status?.lastStatus).not.toBe("RUNNING");
    expect(luaHealth("Task", starting).status).toBe("Progressing");
    const unpullable = await when("Task", "unpullable", "STOPPED", (o) => observed(o) && o.status?.lastStatus === "STOPPED");
    expect(unpullable.status?.stopCode).toBe("TaskFailedToStart");
    expect(luaHealth("Task", unpullable)).toMatchObject({ status: "Degraded", message: expect.stringContaining("CannotPullContainerError") as unknown });
    const done = await when("Task", "done", "STOPPED", (o) => observed(o) && o.status?.lastStatus === "STOPPED");
    expect(done.status?.stopCode).toBe("EssentialContainerExited");
    expect(luaHealth("Task", done)).toMatchObject({ status: "Healthy", message: expect.stringContaining("Completed") as unknown });

    const del = await deleting("Task", "running");
    expect(luaHealth("Task", del)).toMatchObject({ status: "Progressing", message: expect.stringContaining("Task is being deleted") as unknown });
    await unhold("Task", "running");
  });

  it("ScheduledTask: ENABLED → Healthy; DISABLED → Suspended; a refused expression → Degraded; deleting → Progressing", async () => {
    const nightly = await when("ScheduledTask", "nightly", "Ready", isTrue("Ready"));
    expect(luaHealth("ScheduledTask", nightly).status).toBe("Healthy");
    await create("ScheduledTask", "paused", { scheduleExpression: "rate(1 hour)", state: "DISABLED", task: { taskDefinition: "report", launchType: "FARGATE" } });
    const paused = await when("ScheduledTask", "paused", "observed", (o) => observed(o) && condition(o, "Ready") !== undefined);
    expect(luaHealth("ScheduledTask", paused)).toMatchObject({ status: "Suspended", message: "The schedule is DISABLED" });
    await create("ScheduledTask", "broken", { scheduleExpression: "cron(0 12 * * * *)", task: { taskDefinition: "report", launchType: "FARGATE" } });
    const broken = await when("ScheduledTask", "broken", "Stalled", isTrue("Stalled", "InvalidSchedule"));
    expect(luaHealth("ScheduledTask", broken)).toMatchObject({ status: "Degraded", message: expect.stringContaining("spec.scheduleExpression") as unknown });

    const del = await deleting("ScheduledTask", "nightly");
    expect(luaHealth("ScheduledTask", del)).toMatchObject({ status: "Progressing", message: expect.stringContaining("ScheduledTask is being deleted") as unknown });
    await unhold("ScheduledTask", "nightly");
  });

  it("Cluster: ACTIVE → Healthy; an unknown capacity provider → Degraded; deleting while it holds a service → Progressing, saying why", async () => {
    const active = await when("Cluster", "default", "Ready", isTrue("Ready"));
    expect(luaHealth("Cluster", active)).toMatchObject({ status: "Healthy", message: expect.stringContaining("ACTIVE") as unknown });
    await create("Cluster", "broken", { clusterName: `broken-${suffix}`, capacityProviders: ["no-such-provider"] });
    const broken = await when("Cluster", "broken", "Stalled", isTrue("Stalled", "CapacityProviderNotFound"));
    expect(luaHealth("Cluster", broken)).toMatchObject({ status: "Degraded", message: expect.stringContaining("no-such-provider") as unknown });

    // The services above (rolling, orphan) are in the namespace's default cluster: its finalizer holds it.
    await remove("Cluster", "default");
    const held = await when("Cluster", "default", "held by its finalizer", (o) => o.metadata.deletionTimestamp !== undefined && condition(o, "Reconciling")?.reason === "ClusterContainsServices");
    expect(luaHealth("Cluster", held)).toMatchObject({ status: "Progressing", message: expect.stringContaining("Cluster is being deleted") as unknown });
    expect(luaHealth("Cluster", held).message).toContain(condition(held, "Reconciling")?.message ?? "no message");
  });

  it("TaskDefinition deleting → Progressing; then everything goes while the controllers run (finalizers released)", async () => {
    const td = await deleting("TaskDefinition", "web");
    expect(luaHealth("TaskDefinition", td)).toMatchObject({ status: "Progressing", message: expect.stringContaining("TaskDefinition is being deleted") as unknown });
    await unhold("TaskDefinition", "web");

    for (const kind of ["Service", "Task", "ScheduledTask", "Cluster", "TaskDefinition"] as const) {
      const list = await apiRequest<{ items: Obj[] }>(kc, { method: "GET", path: pathOf(kind) });
      for (const o of list.items) {
        await unhold(kind, o.metadata.name);
        if (o.metadata.deletionTimestamp === undefined) await remove(kind, o.metadata.name);
      }
    }
    // The Cluster goes once the Tasks' pods are garbage collected: on a fresh control plane the collector starts
    // watching the CRDs' dependents only at its next resync (up to 30 s).
    for (const kind of ["Service", "Task", "ScheduledTask", "Cluster", "TaskDefinition"] as const) {
      await eventually(`every ${kind} of ${ns} gone`, async () => (await apiRequest<{ items: Obj[] }>(kc, { method: "GET", path: pathOf(kind) })).items.length === 0, 90_000, 250);
    }
    for (const name of createdProviders) {
      await unhold("CapacityProvider", name);
      if (!(await gone("CapacityProvider", name))) await remove("CapacityProvider", name);
      await eventually(`CapacityProvider/${name} gone`, () => gone("CapacityProvider", name), 30_000, 250);
    }
  });
});
