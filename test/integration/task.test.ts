// The Task controller against the real control plane with kwok nodes: essential and non-essential exits, image
// pull failures, StopTask, count, Fargate sizing and placement, spot interruption, the retention of stopped pods,
// and a Task that waits for its task definition. Pods exit, fail to pull and so on by kwok annotations
// (test/controlplane/kwok/README.md), set through spec.kubernetes.podAnnotations.
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION, type TaskStatus } from "../../src/api/index.ts";
import { registerTaskController, type TaskControllerOptions } from "../../src/controllers/task/controller.ts";
import type { PodObject } from "../../src/controllers/task/resources.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { EcsTasks, TaskDefinitions, type TaskObject } from "../../src/controllers/ecs-resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Pods, resourcePath, ServiceAccounts } from "../../src/runtime/resources.ts";
import { buildNode, TEST_NODES } from "../controlplane/nodes.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";
import { ClusterScoped } from "./support/cluster-scoped.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const clusterScoped = new ClusterScoped(kc, "task-test");
afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await clusterScoped.cleanup();
});

interface Deletion {
  kind: string;
  name: string;
  gracePeriodSeconds: number | undefined;
}

async function startControllers(namespace: string, opts: Partial<TaskControllerOptions> = {}, deletions: Deletion[] = [], resyncMs?: number): Promise<Manager> {
  const mgr = new Manager({ kubeConfig: kc, identity: "task-test", logger: createLogger({ level: "error" }), ...(resyncMs === undefined ? {} : { resyncMs }) });
  managers.push(mgr);
  // Record the deletions the controller sends (kwok removes pods at once, so the grace period cannot be read back).
  const del = mgr.client.delete.bind(mgr.client);
  mgr.client.delete = (rt, name, ns, o) => {
    deletions.push({ kind: rt.kind, name, gracePeriodSeconds: o?.gracePeriodSeconds });
    return del(rt, name, ns, o);
  };
  const { resolver } = registerTaskDefinitionController(mgr, { namespace });
  registerTaskController(mgr, { namespace, resolver, recheckMs: 2000, ...opts });
  await mgr.start();
  return mgr;
}

const container = (name: string, fields: Record<string, unknown> = {}) => ({ name, image: `registry.example.com/${name}:1.0`, memory: 128, ...fields });

async function createTaskDefinition(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await apiRequest(kc, { method: "POST", path: resourcePath(TaskDefinitions, namespace), body: { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name }, spec } });
}

function createTask(namespace: string, name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): Promise<TaskObject> {
  return apiRequest<TaskObject>(kc, { method: "POST", path: resourcePath(EcsTasks, namespace), body: { apiVersion: API_GROUP_VERSION, kind: "Task", metadata: { name, annotations }, spec } });
}

const readTask = (namespace: string, name: string): Promise<TaskObject> => apiRequest<TaskObject>(kc, { method: "GET", path: resourcePath(EcsTasks, namespace, name) });
const readPod = (namespace: string, name: string): Promise<PodObject> => apiRequest<PodObject>(kc, { method: "GET", path: resourcePath(Pods, namespace, name) });
async function podGone(namespace: string, name: string): Promise<boolean> {
  try {
    await readPod(namespace, name);
    return false;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true;
    throw err;
  }
}

function taskWhen(namespace: string, name: string, what: string, ok: (s: TaskStatus) => boolean, timeoutMs = 60_000): Promise<TaskObject> {
  return eventually(
    `Task ${name}: ${what}`,
    async () => {
      const t = await readTask(namespace, name);
      return t.status && ok(t.status) ? t : undefined;
    },
    timeoutMs,
  );
}

/** A task definition with an essential app and a non-essential log router, as a typical batch job has. */
const batch = { family: "batch", containerDefinitions: [container("app", { stopTimeout: 10 }), container("log_router", { essential: false, stopTimeout: 20 })] };

describe("Task: essential containers", () => {
  it("an essential container that exits 1 stops the task (EssentialContainerExited) and the other container gets its stop timeout", async () => {
    const ns = await testNamespace(kc, "task-essential");
    const deletions: Deletion[] = [];
    await startControllers(ns, {}, deletions);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "app=1", "kwok.ecs-operator.dev/exit-delay": "3s" } } });

    // Hold the pod with a finalizer of our own, so the deletion the controller makes can be seen before kwok removes it.
    const pod = await eventually("pod job-0", () => readPod(ns, "job-0"));
    await apiRequest(kc, { method: "PATCH", path: resourcePath(Pods, ns, "job-0"), contentType: "application/merge-patch+json", body: { metadata: { finalizers: ["test.ecs-operator.dev/hold"] } } });
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Task", name: "job", controller: true });
    expect(pod.metadata?.labels).toMatchObject({ "ecs.operator.dev/task": "job", "ecs.operator.dev/group": "family.batch", "ecs.operator.dev/family": "batch", "ecs.operator.dev/revision": "1" });
    expect(pod.spec?.restartPolicy).toBe("Never");

    const stopping = await taskWhen(ns, "job", "STOPPING after app exits", (s) => s.tasks?.[0]?.lastStatus === "STOPPING");
    expect(stopping.status?.tasks?.[0]).toMatchObject({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", desiredStatus: "STOPPED" });
    const deleting = await readPod(ns, "job-0");
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();
    // The remaining container (log_router) gets SIGTERM and its stopTimeout (20 s; the pod's grace is the largest) before SIGKILL.
    expect(deletions.find((d) => d.kind === "Pod")).toEqual({ kind: "Pod", name: "job-0", gracePeriodSeconds: 20 });

    await apiRequest(kc, { method: "PATCH", path: resourcePath(Pods, ns, "job-0"), contentType: "application/merge-patch+json", body: { metadata: { finalizers: null } } });
    const stopped = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(stopped.status).toMatchObject({ lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", taskDefinition: "batch:1" });
    expect(stopped.status?.tasks?.[0]?.containers?.map((c) => [c.name, c.lastStatus, c.exitCode])).toEqual([["app", "STOPPED", 1], ["log_router", "STOPPED", undefined]]);
    expect(stopped.status?.tasks?.[0]?.stoppedAt).toBeDefined();
    expect(stopped.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "TaskStopped" });
    expect(await podGone(ns, "job-0")).toBe(true);
  });

  it("a non-essential container that exits leaves the task RUNNING", async () => {
    const ns = await testNamespace(kc, "task-nonessential");
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "log-router=1" } } });

    const t = await taskWhen(ns, "job", "log_router STOPPED", (s) => s.tasks?.[0]?.containers?.find((c) => c.name === "log_router")?.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ lastStatus: "RUNNING", desiredStatus: "RUNNING", runningCount: 1 });
    expect(t.status?.stopCode).toBeUndefined();
    expect(t.status?.tasks?.[0]?.containers?.map((c) => [c.name, c.lastStatus, c.exitCode])).toEqual([["app", "RUNNING", undefined], ["log_router", "STOPPED", 1]]);
    // Looked at again (a resync-like pass) it is still RUNNING and the pod is still there.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await readTask(ns, "job")).status?.lastStatus).toBe("RUNNING");
    expect((await readPod(ns, "job-0")).metadata?.deletionTimestamp).toBeUndefined();
  });
});

// ECS (API reference, HealthCheck): "The container health check status of nonessential containers do not have an
// effect on the health status of a task. [...] If a task is run manually, and not as part of a service, the task will
// continue its lifecycle regardless of its health status." kwok runs no probes: `not-ready` plays a failing check.
describe("Task: health checks", () => {
  const checked = (fields: Record<string, unknown> = {}) => container("app", { healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 5, retries: 2 }, ...fields });
  const withSidecar = {
    family: "checked",
    containerDefinitions: [checked(), container("metrics", { essential: false, healthCheck: { command: ["CMD", "/bin/check"], interval: 5 } })],
  };

  it("an UNHEALTHY essential container: the task reports UNHEALTHY and keeps RUNNING (readiness probes only, no liveness to kill it)", async () => {
    const ns = await testNamespace(kc, "task-unhealthy");
    await startControllers(ns);
    await createTaskDefinition(ns, "checked", withSidecar);
    await createTask(ns, "job", { taskDefinition: "checked", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/not-ready": "app" } } });

    const t = await taskWhen(ns, "job", "UNHEALTHY", (s) => s.healthStatus === "UNHEALTHY");
    expect(t.status).toMatchObject({ lastStatus: "RUNNING", desiredStatus: "RUNNING", runningCount: 1 });
    expect(t.status?.tasks?.[0]?.healthStatus).toBe("UNHEALTHY");
    expect(t.status?.tasks?.[0]?.containers?.map((c) => [c.name, c.healthStatus])).toEqual([["app", "UNHEALTHY"], ["metrics", "HEALTHY"]]);
    // The pod the API server stored probes readiness only: nothing restarts or stops the batch job for its health.
    const pod = await readPod(ns, "job-0");
    for (const c of pod.spec?.containers ?? []) {
      expect(c.readinessProbe, c.name).toBeDefined();
      expect(c.livenessProbe, c.name).toBeUndefined();
      expect(c.startupProbe, c.name).toBeUndefined();
    }
    await new Promise((r) => setTimeout(r, 2500));
    expect((await readTask(ns, "job")).status?.lastStatus).toBe("RUNNING");
    expect((await readPod(ns, "job-0")).metadata?.deletionTimestamp).toBeUndefined();
  });

  it("an UNHEALTHY non-essential container is reported per container and leaves the task HEALTHY", async () => {
    const ns = await testNamespace(kc, "task-sidecar-unhealthy");
    await startControllers(ns);
    await createTaskDefinition(ns, "checked", withSidecar);
    await createTask(ns, "job", { taskDefinition: "checked", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/not-ready": "metrics" } } });

    const t = await taskWhen(ns, "job", "metrics UNHEALTHY", (s) => s.tasks?.[0]?.containers?.find((c) => c.name === "metrics")?.healthStatus === "UNHEALTHY");
    expect(t.status).toMatchObject({ lastStatus: "RUNNING", healthStatus: "HEALTHY" });
    expect(t.status?.tasks?.[0]).toMatchObject({ lastStatus: "RUNNING", healthStatus: "HEALTHY" });
    expect(t.status?.tasks?.[0]?.containers?.find((c) => c.name === "app")?.healthStatus).toBe("HEALTHY");
  });
});

// ECS (developer guide, "Determining the task size"): "A limit is the maximum amount of CPU units or memory that your
// container or task can use." The task size is the pod's resources; the API server and the scheduler enforce it.
describe("Task: task size", () => {
  const sized = {
    family: "sized",
    cpu: "1024",
    memory: "2048",
    containerDefinitions: [container("app", { cpu: 512, memory: undefined, memoryReservation: 1024 }), container("sidecar", { essential: false, memory: undefined, memoryReservation: 128 })],
  };

  it("task cpu/memory → the pod's resources (PodLevelResources is on in the test cluster); container cpu and memoryReservation → requests only", async () => {
    const ns = await testNamespace(kc, "task-size-pod");
    await startControllers(ns);
    await createTaskDefinition(ns, "sized", sized);
    await createTask(ns, "job", { taskDefinition: "sized" });
    await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    // Read back from the API server: a cluster without the feature would drop spec.resources silently.
    const pod = await readPod(ns, "job-0");
    expect(pod.spec?.resources).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } });
    expect(pod.spec?.containers.map((c) => [c.name, c.resources])).toEqual([
      ["app", { requests: { cpu: "500m", memory: "1Gi" } }],
      ["sidecar", { requests: { memory: "128Mi" } }],
    ]);
    expect(pod.status?.qosClass).toBe("Guaranteed");
  });

  it("--pod-level-resources=false: the task size is split into per-container limits, no pod-level resources", async () => {
    const ns = await testNamespace(kc, "task-size-split");
    await startControllers(ns, { podLevelResources: false });
    await createTaskDefinition(ns, "sized", sized);
    await createTask(ns, "job", { taskDefinition: "sized" });
    await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    const pod = await readPod(ns, "job-0");
    expect(pod.spec?.resources).toBeUndefined();
    expect(pod.spec?.containers.map((c) => [c.name, c.resources?.limits])).toEqual([
      ["app", { cpu: "500m", memory: "1Gi" }],
      ["sidecar", { cpu: "500m", memory: "1Gi" }],
    ]);
  });
});

describe("Task: dependsOn and restart policies on the real API server", () => {
  it("a SUCCESS dependency that exits 1 stops the task before the app starts (TaskFailedToStart, naming it)", async () => {
    const ns = await testNamespace(kc, "task-depends");
    await startControllers(ns);
    await createTaskDefinition(ns, "migrate", {
      family: "migrate",
      containerDefinitions: [
        container("app", { dependsOn: [{ containerName: "schema", condition: "SUCCESS" }, { containerName: "proxy", condition: "START" }] }),
        container("schema", { essential: false }),
        container("proxy", { essential: false }),
      ],
    });
    await createTask(ns, "job", { taskDefinition: "migrate", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "schema=1" } } });
    const pod = await eventually("pod job-0", () => readPod(ns, "job-0"));
    expect(pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy ?? "-"])).toEqual([["schema", "-"], ["proxy", "Always"]]);
    const t = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ stopCode: "TaskFailedToStart" });
    expect(t.status?.stoppedReason).toBe("CannotStartContainerError: container schema exited with code 1, so the containers that depend on it (dependsOn SUCCESS) did not start");
  });

  it("an essential container with an ECS restartPolicy is restarted in place (container restart rules) and the task keeps RUNNING", async () => {
    const ns = await testNamespace(kc, "task-restart");
    await startControllers(ns);
    await createTaskDefinition(ns, "worker", {
      family: "worker",
      containerDefinitions: [container("app", { restartPolicy: { enabled: true } }), container("poller", { essential: false, restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 60 } })],
    });
    await createTask(ns, "job", { taskDefinition: "worker", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "app=1" } } });
    const pod = await eventually("pod job-0", () => readPod(ns, "job-0"));
    // The API server (Kubernetes 1.37) accepts per-container restart policies and rules in a restartPolicy Never pod.
    expect(pod.spec?.containers.map((c) => [c.name, c.restartPolicy, c.restartPolicyRules])).toEqual([
      ["app", "Always", undefined],
      ["poller", "Never", [{ action: "Restart", exitCodes: { operator: "NotIn", values: [0] } }]],
    ]);
    await eventually("app restarting (CrashLoopBackOff)", async () => (await readPod(ns, "job-0")).status?.containerStatuses?.find((c) => c.name === "app")?.state?.waiting?.reason === "CrashLoopBackOff");
    const t = await taskWhen(ns, "job", "status seen after the restart", (s) => s.tasks?.[0]?.containers?.find((c) => c.name === "app")?.lastStatus === "PENDING");
    expect(t.status).toMatchObject({ lastStatus: "RUNNING", desiredStatus: "RUNNING" });
    expect(t.status?.stopCode).toBeUndefined();
    expect((await readPod(ns, "job-0")).metadata?.deletionTimestamp).toBeUndefined();
  });
});

describe("Task: failures and StopTask", () => {
  it("an image that cannot be pulled → TaskFailedToStart with CannotPullContainerError", async () => {
    const ns = await testNamespace(kc, "task-pull");
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/image-pull-error": "app" } } });
    const t = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ stopCode: "TaskFailedToStart" });
    expect(t.status?.stoppedReason).toMatch(/^CannotPullContainerError: /);
    expect(t.status?.tasks?.[0]?.containers?.find((c) => c.name === "app")?.reason).toMatch(/^CannotPullContainerError: /);
  });

  it("desiredStatus STOPPED → UserInitiated with the reason from the stop-reason annotation", async () => {
    const ns = await testNamespace(kc, "task-stop");
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch" });
    await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    await apiRequest(kc, {
      method: "PATCH",
      path: resourcePath(EcsTasks, ns, "job"),
      contentType: "application/merge-patch+json",
      body: { metadata: { annotations: { "ecs.operator.dev/stop-reason": "migration aborted by on-call" } }, spec: { desiredStatus: "STOPPED" } },
    });
    const t = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ desiredStatus: "STOPPED", stopCode: "UserInitiated", stoppedReason: "migration aborted by on-call" });
    await eventually("pod job-0 removed", () => podGone(ns, "job-0"));
  });

  it("count 3 → three tasks, three pods, all RUNNING; deleting the Task removes them", async () => {
    const ns = await testNamespace(kc, "task-count");
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch", count: 3, startedBy: "ci" });
    const t = await taskWhen(ns, "job", "3 RUNNING", (s) => s.runningCount === 3);
    expect(t.status?.tasks?.map((x) => [x.podName, x.lastStatus])).toEqual([["job-0", "RUNNING"], ["job-1", "RUNNING"], ["job-2", "RUNNING"]]);
    expect(t.status).toMatchObject({ lastStatus: "RUNNING", desiredStatus: "RUNNING", startedBy: "ci", launchType: "EC2", group: "family:batch" });
    expect(t.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "TasksRunning" });
    for (const p of ["job-0", "job-1", "job-2"]) expect((await readPod(ns, p)).metadata?.annotations?.["ecs.operator.dev/started-by"]).toBe("ci");

    await apiRequest(kc, { method: "DELETE", path: resourcePath(EcsTasks, ns, "job") });
    for (const p of ["job-0", "job-1", "job-2"]) await eventually(`pod ${p} garbage-collected`, () => podGone(ns, p));
  });

  it("a stopped task's pod is kept for ttlSecondsAfterStopped, then removed; the Task keeps its final status", async () => {
    const ns = await testNamespace(kc, "task-ttl");
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", { family: "batch", containerDefinitions: [container("app")] });
    await createTask(ns, "job", { taskDefinition: "batch", kubernetes: { ttlSecondsAfterStopped: 4, podAnnotations: { "kwok.ecs-operator.dev/exit": "app=0" } } });
    const t = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ stopCode: "EssentialContainerExited" });
    expect((await readPod(ns, "job-0")).status?.phase).toBe("Succeeded");
    await eventually("pod job-0 removed after its retention", () => podGone(ns, "job-0"), 30_000);
    const after = await readTask(ns, "job");
    expect(after.status).toMatchObject({ lastStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedAt: t.status?.stoppedAt });
  });

  it("a Task whose task definition does not exist yet is Stalled, then starts when it is registered", async () => {
    const ns = await testNamespace(kc, "task-wait");
    await startControllers(ns);
    await createTask(ns, "job", { taskDefinition: "later" });
    const stalled = await eventually("Stalled", async () => {
      const t = await readTask(ns, "job");
      return t.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True") ? t : undefined;
    });
    expect(stalled.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ reason: "TaskDefinitionNotFound", message: expect.stringContaining('no TaskDefinition in namespace') as unknown });
    await createTaskDefinition(ns, "later", { family: "later", containerDefinitions: [container("app")] });
    const t = await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    expect(t.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "False" });
  });
});

describe("Task: steady state", () => {
  it("resyncs of a RUNNING task and of a STOPPED one write nothing", async () => {
    const ns = await testNamespace(kc, "task-resync");
    const mgr = await startControllers(ns, {}, [], 300);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "running", { taskDefinition: "batch" });
    await createTask(ns, "done", { taskDefinition: "batch", kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "app=0" } } });
    await taskWhen(ns, "running", "RUNNING", (s) => s.lastStatus === "RUNNING");
    await taskWhen(ns, "done", "STOPPED", (s) => s.lastStatus === "STOPPED");
    // Let the last writes land, then count every write over several resync periods.
    await new Promise((r) => setTimeout(r, 1000));
    const writes: string[] = [];
    for (const verb of ["apply", "create", "patch", "delete"] as const) {
      const original = mgr.client[verb].bind(mgr.client) as (...args: unknown[]) => Promise<unknown>;
      (mgr.client as unknown as Record<string, unknown>)[verb] = (...args: unknown[]) => {
        writes.push(`${verb} ${(args[0] as { kind: string }).kind}`);
        return original(...args);
      };
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect(writes).toEqual([]);
  });
});

describe("Task: a new controller process", () => {
  it("a controller that restarts finds its pods by name: no task runs twice, and the new process stops them", async () => {
    const ns = await testNamespace(kc, "task-restart-ctl");
    const first = await startControllers(ns);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch", count: 2 });
    await taskWhen(ns, "job", "2 RUNNING", (s) => s.runningCount === 2);
    const uids = await Promise.all(["job-0", "job-1"].map(async (p) => (await readPod(ns, p)).metadata?.uid));
    await first.stop();

    const second = await startControllers(ns, {}, [], 300);
    // A few resyncs of the new process: the same two pods, nothing created.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await Promise.all(["job-0", "job-1"].map(async (p) => (await readPod(ns, p)).metadata?.uid))).toEqual(uids);
    const pods = await apiRequest<{ items: PodObject[] }>(kc, { method: "GET", path: resourcePath(Pods, ns) });
    expect(pods.items.map((p) => p.metadata?.name).sort()).toEqual(["job-0", "job-1"]);

    await apiRequest(kc, { method: "PATCH", path: resourcePath(EcsTasks, ns, "job"), contentType: "application/merge-patch+json", body: { spec: { desiredStatus: "STOPPED" } } });
    const t = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ stopCode: "UserInitiated", stoppedReason: "Task stopped by user" });
    await second.stop();
  });

  it("a task the scheduler cannot place stays PROVISIONING and says why", async () => {
    const ns = await testNamespace(kc, "task-unplaced");
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch", placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type == x9.none" }] });
    const t = await eventually("Reconciling names Unschedulable", async () => {
      const x = await readTask(ns, "job");
      return x.status?.conditions?.find((c) => c.type === "Reconciling" && c.message.includes("Unschedulable")) ? x : undefined;
    });
    expect(t.status).toMatchObject({ lastStatus: "PROVISIONING", pendingCount: 1 });
    expect(t.status?.conditions?.find((c) => c.type === "Reconciling")?.message).toMatch(/^0 of 1 tasks RUNNING; job-0 PROVISIONING \(Unschedulable: 0\/\d+ nodes are available/);
  });
});

describe("Task: stopped before it started", () => {
  it("a Task stopped while it waits for its task definition is STOPPED (UserInitiated), no longer Stalled", async () => {
    const ns = await testNamespace(kc, "task-stop-early");
    await startControllers(ns);
    await createTask(ns, "job", { taskDefinition: "never" });
    await eventually("Stalled", async () => ((await readTask(ns, "job")).status?.conditions?.some((c) => c.type === "Stalled" && c.status === "True") === true ? true : undefined));
    await apiRequest(kc, { method: "PATCH", path: resourcePath(EcsTasks, ns, "job"), contentType: "application/merge-patch+json", body: { spec: { desiredStatus: "STOPPED" } } });
    const t = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ stopCode: "UserInitiated", desiredStatus: "STOPPED", taskDefinition: "never" });
    expect(t.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "False" });
    expect(await podGone(ns, "job-0")).toBe(true);
  });
});

describe("Task: capacity", () => {
  it("FARGATE: the pod is sized exactly (pod-level requests == limits) and lands on the serverless pool", async () => {
    const ns = await testNamespace(kc, "task-fargate");
    await startControllers(ns);
    await createTaskDefinition(ns, "small", { family: "small", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "registry.example.com/app:1" }] });
    await createTask(ns, "job", { taskDefinition: "small", launchType: "FARGATE" });
    const t = await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    expect(t.status).toMatchObject({ launchType: "FARGATE", capacityProviderName: "FARGATE", cpu: "256", memory: "512" });
    const pod = await readPod(ns, "job-0");
    expect(pod.spec?.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "250m", memory: "512Mi" } });
    expect(pod.status?.qosClass).toBe("Guaranteed");
    expect(pod.spec?.nodeName).toMatch(/^fargate-/);
    expect(pod.metadata?.labels).toMatchObject({ "ecs.operator.dev/launch-type": "FARGATE", "ecs.operator.dev/capacity-provider": "FARGATE" });
  });

  it("FARGATE with a size Fargate refuses → Stalled naming the field", async () => {
    const ns = await testNamespace(kc, "task-fargate-bad");
    await startControllers(ns);
    await createTaskDefinition(ns, "big", { family: "big", cpu: "256", memory: "4096", containerDefinitions: [{ name: "app", image: "registry.example.com/app:1" }] });
    await createTask(ns, "job", { taskDefinition: "big", launchType: "FARGATE" });
    const t = await eventually("Stalled", async () => {
      const x = await readTask(ns, "job");
      // Until the revision registers, the Task is Stalled for another reason (TaskDefinitionNotFound).
      return x.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True" && c.reason !== "TaskDefinitionNotFound") ? x : undefined;
    });
    expect(t.status?.conditions?.find((c) => c.type === "Stalled")?.message).toMatch(/spec\.memory: cpu 256 with memory 4096 is not a Fargate task size/);
  });

  it("a task whose spot node is deleted reports SpotInterruption", async () => {
    const ns = await testNamespace(kc, "task-spot");
    const nodeName = `spot-task-${ns.slice(-6)}`;
    const spec = TEST_NODES.find((n) => n.pool === "spot");
    if (!spec) throw new Error("no spot pool in TEST_NODES");
    await clusterScoped.createNode(buildNode(Object.assign({}, spec, { name: nodeName })));
    const provider = `spot-${ns.slice(-6)}`;
    await clusterScoped.capacityProvider(provider, { type: "EC2", spot: true, kubernetes: { nodeSelector: { "kubernetes.io/hostname": nodeName } } });
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", batch);
    await createTask(ns, "job", { taskDefinition: "batch", capacityProviderStrategy: [{ capacityProvider: provider, weight: 1 }] });
    const running = await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    expect(running.status?.capacityProviderName).toBe(provider);
    expect((await readPod(ns, "job-0")).spec?.nodeName).toBe(nodeName);

    await clusterScoped.deleteNode(nodeName);
    const t = await taskWhen(ns, "job", "STOPPED", (s) => s.lastStatus === "STOPPED");
    expect(t.status).toMatchObject({ stopCode: "SpotInterruption" });
    expect(t.status?.stoppedReason).toMatch(/^Your Spot Task was interrupted/);
  });
});

describe("Task: the task role's ServiceAccount", () => {
  const readSa = (namespace: string, name: string) =>
    apiRequest<{ metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[] } }>(kc, { method: "GET", path: resourcePath(ServiceAccounts, namespace, name) });

  it("is applied before the pod, owned by the TaskDefinition, so deleting the TaskDefinition removes it", { timeout: 200_000 }, async () => {
    const ns = await testNamespace(kc, "task-role");
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", { ...batch, taskRoleArn: "arn:aws:iam::123456789012:role/migrator" });
    await createTask(ns, "job", { taskDefinition: "batch" });
    await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    expect((await readPod(ns, "job-0")).spec?.serviceAccountName).toBe("migrator");
    const td = await apiRequest<{ metadata: { uid: string } }>(kc, { method: "GET", path: resourcePath(TaskDefinitions, ns, "batch") });
    const sa = await readSa(ns, "migrator");
    expect(sa.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "ecs-operator" });
    expect(sa.metadata.annotations).toMatchObject({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/migrator" });
    expect(sa.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "TaskDefinition", name: "batch", uid: td.metadata.uid })]);

    await apiRequest(kc, { method: "DELETE", path: resourcePath(TaskDefinitions, ns, "batch") });
    // The garbage collector notices owners of custom kinds on its own schedule (tens of seconds on the test control plane).
    await eventually(
      "ServiceAccount migrator garbage-collected",
      async () => {
        try {
          await readSa(ns, "migrator");
          return false;
        } catch (err) {
          if ((err as { code?: number }).code === 404) return true;
          throw err;
        }
      },
      150_000,
      1000,
    );
  });

  it("a ServiceAccount of that name the user made is used as it is, never changed", async () => {
    const ns = await testNamespace(kc, "task-role-own");
    await apiRequest(kc, { method: "POST", path: resourcePath(ServiceAccounts, ns), body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "migrator", annotations: { team: "data" } } } });
    await startControllers(ns);
    await createTaskDefinition(ns, "batch", { ...batch, taskRoleArn: "arn:aws:iam::123456789012:role/migrator" });
    await createTask(ns, "job", { taskDefinition: "batch" });
    await taskWhen(ns, "job", "RUNNING", (s) => s.lastStatus === "RUNNING");
    const sa = await readSa(ns, "migrator");
    expect(sa.metadata.annotations).toEqual({ team: "data" });
    expect(sa.metadata.labels).toBeUndefined();
    expect(sa.metadata.ownerReferences).toBeUndefined();
  });
});
