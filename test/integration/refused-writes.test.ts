// Writes the API server refuses, against the real control plane: a child refused (an Ingress host that is not a DNS
// name) gives the Service Stalled with the API server's field, observedGeneration and a Warning event; in a Pod
// Security `restricted` namespace a privileged Task is STOPPED with TaskFailedToStart and a Service's ReplicaSet
// FailedCreate trips the circuit breaker; a 1 MiB unknown field of a strategy item never reaches status.
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import type { ServiceStatus } from "../../src/api/service.ts";
import type { TaskStatus } from "../../src/api/task.ts";
import { CapacityContext } from "../../src/controllers/capacity-context.ts";
import { EcsServices, EcsTasks, type ServiceObject, type TaskObject } from "../../src/controllers/ecs-resources.ts";
import { registerServiceController } from "../../src/controllers/service/controller.ts";
import { registerTaskController } from "../../src/controllers/task/controller.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { TaskDefinitions } from "../../src/controllers/task-definition/resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Events, Namespaces, Pods, resourcePath, type KubeObject } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

async function startControllers(namespace: string, log?: string[]): Promise<void> {
  const logger = log === undefined ? createLogger({ level: "error" }) : createLogger({ level: "debug", write: (line) => { log.push(line); } });
  const mgr = new Manager({ kubeConfig: kc, identity: "refused-test", logger });
  managers.push(mgr);
  const taskDefinitions = registerTaskDefinitionController(mgr, { namespace });
  const capacity = new CapacityContext(mgr, namespace);
  registerServiceController(mgr, { namespace, taskDefinitions, capacity, progressRecheckMs: 1_000 });
  registerTaskController(mgr, { namespace, resolver: taskDefinitions.resolver, capacity, recheckMs: 2_000 });
  await mgr.start();
}

const post = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string, body: Record<string, unknown>): Promise<T> => apiRequest<T>(kc, { method: "POST", path: resourcePath(rt, namespace), body });
const read = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string, name: string): Promise<T> => apiRequest<T>(kc, { method: "GET", path: resourcePath(rt, namespace, name) });
const createTaskDefinition = (ns: string, containers: Record<string, unknown>[], fields: Record<string, unknown> = {}) =>
  post(TaskDefinitions, ns, { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name: "web" }, spec: { family: "web", containerDefinitions: containers, ...fields } });
const app = (fields: Record<string, unknown> = {}) => ({ name: "app", image: "registry.example.com/web:1.0", memory: 256, portMappings: [{ containerPort: 8080 }], ...fields });

/** A namespace where Pod Security admission enforces `restricted`: a privileged pod is refused. */
async function restrictedNamespace(prefix: string): Promise<string> {
  const ns = await testNamespace(kc, prefix);
  await apiRequest(kc, { method: "PATCH", path: resourcePath(Namespaces, undefined, ns), contentType: "application/merge-patch+json", body: { metadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } } } });
  return ns;
}

function serviceWhen(ns: string, what: string, ok: (s: ServiceStatus) => boolean, timeoutMs = 90_000): Promise<ServiceObject> {
  return eventually(`Service web: ${what}`, async () => {
    const svc = await read<ServiceObject>(EcsServices, ns, "web");
    return svc.status !== undefined && ok(svc.status) ? svc : undefined;
  }, timeoutMs);
}

async function warningEvents(ns: string, name: string): Promise<{ reason: string; note: string }[]> {
  const list = await apiRequest<{ items: (KubeObject & { reason?: string; note?: string; type?: string; regarding?: { name?: string } })[] }>(kc, { method: "GET", path: resourcePath(Events, ns) });
  return list.items.filter((e) => e.type === "Warning" && e.regarding?.name === name).map((e) => ({ reason: e.reason ?? "", note: e.note ?? "" }));
}

describe("a child the API server refuses is the owner's status", () => {
  it("a loadBalancerClass that is not a qualified name: the Service is Stalled (ChildInvalid) with the Kubernetes Service's field, observedGeneration, and a Warning event", async () => {
    const ns = await testNamespace(kc, "refused-lbclass");
    const log: string[] = [];
    await startControllers(ns, log);
    await createTaskDefinition(ns, [app()]);
    await post(EcsServices, ns, {
      apiVersion: API_GROUP_VERSION,
      kind: "Service",
      metadata: { name: "web" },
      spec: { taskDefinition: "web", desiredCount: 1, loadBalancers: [{ containerName: "app", containerPort: 8080 }], kubernetes: { service: { type: "LoadBalancer", loadBalancerClass: "Not A Class!" } } },
    });
    // (It may be Stalled TaskDefinitionNotFound first, until the revision is in the cache.)
    const svc = await serviceWhen(ns, "Stalled ChildInvalid", (s) => s.conditions?.some((c) => c.type === "Stalled" && c.status === "True" && c.reason === "ChildInvalid") === true);
    const stalled = svc.status?.conditions?.find((c) => c.type === "Stalled");
    expect(stalled?.reason).toBe("ChildInvalid");
    expect(stalled?.message).toContain(`Service ${ns}/web: Service web was refused by the API server (HTTP 422 Invalid)`);
    expect(stalled?.message).toContain("spec.loadBalancerClass");
    expect(svc.status?.observedGeneration).toBe(svc.metadata.generation);
    expect(svc.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "ChildInvalid" });
    const events = await eventually("a Warning event ChildInvalid", async () => {
      const e = await warningEvents(ns, "web");
      return e.some((x) => x.reason === "ChildInvalid") ? e : undefined;
    });
    expect(events.find((x) => x.reason === "ChildInvalid")?.note).toContain("spec.loadBalancerClass");

    // The same refusal found again (two more reconciles, woken by annotations) is not logged again as a warning.
    const specErrors = (level: string) =>
      log.map((l) => JSON.parse(l) as { level: string; msg: string; object?: string; reason?: string }).filter((l) => l.level === level && l.object === `${ns}/web` && l.msg.startsWith("spec error") && l.reason === "ChildInvalid");
    for (const n of [1, 2]) {
      await apiRequest(kc, { method: "PATCH", path: resourcePath(EcsServices, ns, "web"), contentType: "application/merge-patch+json", body: { metadata: { annotations: { poke: String(n) } } } });
      await eventually(`reconcile ${n} after the annotation`, () => Promise.resolve(specErrors("debug").length >= n));
    }
    expect(specErrors("warn")).toHaveLength(1);
  });
});

describe("Pod Security `restricted`: refused pods are task failures", () => {
  it("a privileged Task is STOPPED with TaskFailedToStart and a stoppedReason quoting the refusal", async () => {
    const ns = await restrictedNamespace("refused-task");
    await startControllers(ns);
    await createTaskDefinition(ns, [app({ privileged: true })]);
    await post(EcsTasks, ns, { apiVersion: API_GROUP_VERSION, kind: "Task", metadata: { name: "job" }, spec: { taskDefinition: "web", count: 2 } });
    const task = await eventually("Task job STOPPED", async () => {
      const t = await read<TaskObject>(EcsTasks, ns, "job");
      return t.status?.lastStatus === "STOPPED" ? t : undefined;
    });
    const status: TaskStatus = task.status ?? {};
    expect(status).toMatchObject({ lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "TaskFailedToStart" });
    expect(status.stoppedReason).toMatch(/^ResourceInitializationError: Pod job-0 was refused by the API server \(HTTP 403 Forbidden\): .*violates PodSecurity "restricted/);
    expect(status.tasks?.map((t) => t.stopCode)).toEqual(["TaskFailedToStart", "TaskFailedToStart"]);
    const pods = await apiRequest<{ items: unknown[] }>(kc, { method: "GET", path: resourcePath(Pods, ns) });
    expect(pods.items).toEqual([]);
    const events = await eventually("a Warning event TaskFailedToStart", async () => {
      const e = await warningEvents(ns, "job");
      return e.some((x) => x.reason === "TaskFailedToStart") ? e : undefined;
    });
    expect(events.find((x) => x.reason === "TaskFailedToStart")?.note).toContain("violates PodSecurity");
  });

  it("a privileged Service: the ReplicaSet's FailedCreate counts toward the circuit breaker, which trips; the events say why", async () => {
    const ns = await restrictedNamespace("refused-svc");
    await startControllers(ns);
    await createTaskDefinition(ns, [app({ privileged: true })]);
    await post(EcsServices, ns, {
      apiVersion: API_GROUP_VERSION,
      kind: "Service",
      metadata: { name: "web" },
      spec: { taskDefinition: "web", desiredCount: 2, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } } },
    });
    const svc = await serviceWhen(ns, "deployment FAILED by the circuit breaker", (s) => s.deployments?.[0]?.rolloutState === "FAILED", 120_000);
    const primary = svc.status?.deployments?.[0];
    expect(primary?.failedTasks).toBeGreaterThanOrEqual(3);
    expect(primary?.rolloutStateReason).toContain("ECS deployment circuit breaker");
    expect(svc.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "True", reason: "DeploymentFailed" });
    const messages = (svc.status?.events ?? []).map((e) => e.message ?? "");
    expect(messages.some((m) => m.startsWith("(service web) failed to launch a task with (error ResourceInitializationError: FailedCreate:") && m.includes("violates PodSecurity"))).toBe(true);
  });
});

describe("status never carries unbounded input", () => {
  it("a 1 MiB unknown field inside a capacityProviderStrategy item is not copied into status", async () => {
    const ns = await testNamespace(kc, "refused-huge");
    await startControllers(ns);
    await createTaskDefinition(ns, [app()], { cpu: "256", memory: "512" });
    const huge = "x".repeat(1024 * 1024);
    await post(EcsServices, ns, {
      apiVersion: API_GROUP_VERSION,
      kind: "Service",
      metadata: { name: "web" },
      spec: { taskDefinition: "web", desiredCount: 1, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, futureField: huge }] },
    });
    const svc = await serviceWhen(ns, "status with its deployment", (s) => (s.deployments ?? []).length > 0 && s.observedGeneration !== undefined);
    expect(svc.status?.deployments?.[0]?.capacityProviderStrategy).toEqual([{ capacityProvider: "FARGATE", weight: 1 }]);
    expect(JSON.stringify(svc.status).length).toBeLessThan(64 * 1024);
    // The spec keeps it (ECS fields are verbatim; unknown future fields are accepted and reported).
    expect(JSON.stringify(svc.spec).length).toBeGreaterThan(1024 * 1024);
  });
});
