// The whole operator as `ecs-operator run` wires it (registerControllers on one Manager) against the real control
// plane with the kwok pools, for issue 5's acceptance points across controllers: a Cluster's default strategy sends a
// Service's and a Task's pods to the serverless pool sized exactly, and the Cluster counts them; deleting the Cluster
// waits while it contains a service and a task, and completes once they are gone; a spot node deleted under a Task
// and a Service task; FARGATE task definitions the API server refuses.
import { CLUSTER_FINALIZER } from "../../src/api/keys.ts";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import type { ClusterStatus } from "../../src/api/cluster.ts";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { Clusters, EcsServices, EcsTasks, TaskDefinitions, type ClusterObject, type ServiceObject, type TaskObject } from "../../src/controllers/ecs-resources.ts";
import { registerControllers } from "../../src/controllers/register.ts";
import { apiRequest, ApiRequestError } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Events, Pods, resourcePath, type ResourceType } from "../../src/runtime/resources.ts";
import { TEST_NODES } from "../controlplane/nodes.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";
import { ClusterScoped } from "./support/cluster-scoped.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const clusterScoped = new ClusterScoped(kc, "operator-test");

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await clusterScoped.cleanup();
});

/** The operator of one namespace, as `ecs-operator run --namespace` starts it. */
async function startOperator(namespace: string): Promise<Manager> {
  const mgr = new Manager({ kubeConfig: kc, identity: "operator-test", logger: createLogger({ level: "error" }) });
  managers.push(mgr);
  registerControllers(mgr, { namespace });
  await mgr.start();
  return mgr;
}

const post = <T>(rt: ResourceType, ns: string | undefined, kind: string, name: string, spec: Record<string, unknown>): Promise<T> =>
  apiRequest<T>(kc, { method: "POST", path: resourcePath(rt, ns), body: { apiVersion: API_GROUP_VERSION, kind, metadata: { name }, spec } });
const read = <T>(rt: ResourceType, ns: string, name: string): Promise<T> => apiRequest<T>(kc, { method: "GET", path: resourcePath(rt, ns, name) });
const mergePatch = (rt: ResourceType, ns: string, name: string, body: unknown): Promise<unknown> =>
  apiRequest(kc, { method: "PATCH", path: resourcePath(rt, ns, name), contentType: "application/merge-patch+json", body });
const remove = (rt: ResourceType, ns: string, name: string): Promise<unknown> => apiRequest(kc, { method: "DELETE", path: resourcePath(rt, ns, name) });

async function gone(rt: ResourceType, ns: string, name: string): Promise<boolean> {
  try {
    await read(rt, ns, name);
    return false;
  } catch (err) {
    if (err instanceof ApiRequestError && err.code === 404) return true;
    throw err;
  }
}

async function pods(ns: string, selector: string): Promise<V1Pod[]> {
  return (await apiRequest<{ items: V1Pod[] }>(kc, { method: "GET", path: resourcePath(Pods, ns), query: { labelSelector: selector } })).items;
}
const live = (p: V1Pod): boolean => p.metadata?.deletionTimestamp === undefined;
const isReady = (p: V1Pod): boolean => live(p) && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

function clusterWhen(ns: string, what: string, ok: (s: ClusterStatus, c: ClusterObject) => boolean): Promise<ClusterObject> {
  return eventually(`Cluster prod: ${what}`, async () => {
    const c = await read<ClusterObject>(Clusters, ns, "prod");
    return c.status && c.status.observedGeneration === c.metadata.generation && ok(c.status, c) ? c : undefined;
  }, 90_000);
}
function serviceWhen(ns: string, what: string, ok: (svc: ServiceObject) => boolean): Promise<ServiceObject> {
  return eventually(`Service web: ${what}`, async () => {
    const s = await read<ServiceObject>(EcsServices, ns, "web");
    return s.status && s.status.observedGeneration === s.metadata.generation && ok(s) ? s : undefined;
  }, 90_000);
}
function taskWhen(ns: string, what: string, ok: (t: TaskObject) => boolean): Promise<TaskObject> {
  return eventually(`Task job: ${what}`, async () => {
    const t = await read<TaskObject>(EcsTasks, ns, "job");
    return t.status && ok(t) ? t : undefined;
  }, 90_000);
}
const steady = (count: number) => (s: ServiceObject) =>
  s.status?.runningCount === count && s.status.deployments?.[0]?.rolloutState === "COMPLETED" && s.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
const readyCondition = (s: ClusterStatus) => s.conditions?.find((c) => c.type === "Ready");

const fargateTaskDefinition = { family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "registry.example.com/web:1.0" }] };
const ec2TaskDefinition = { family: "web", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "registry.example.com/web:1.0" }] };
const serverless = new Set(TEST_NODES.filter((n) => n.pool === "serverless").map((n) => n.name));
const onDemand = TEST_NODES.filter((n) => n.pool === "on-demand").length;

/** A Cluster prod defaulting to FARGATE, the service web (2 tasks) and the task job (1) in it, all running. */
async function fargateCluster(ns: string): Promise<ClusterObject> {
  await startOperator(ns);
  await post(Clusters, ns, "Cluster", "prod", { defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] });
  await post(TaskDefinitions, ns, "TaskDefinition", "web", fargateTaskDefinition);
  await post(EcsServices, ns, "Service", "web", { cluster: "prod", taskDefinition: "web", desiredCount: 2 });
  await post(EcsTasks, ns, "Task", "job", { cluster: "prod", taskDefinition: "web", count: 1 });
  await serviceWhen(ns, "2 running", steady(2));
  await taskWhen(ns, "RUNNING", (t) => t.status?.lastStatus === "RUNNING");
  return clusterWhen(ns, "3 running, 1 active service", (s, c) => s.runningTasksCount === 3 && s.pendingTasksCount === 0 && s.activeServicesCount === 1 && (c.metadata.finalizers ?? []).includes(CLUSTER_FINALIZER));
}

describe("operator: a Cluster's default capacity provider strategy", () => {
  it("FARGATE by default: the Service's and the Task's pods run on the serverless pool sized exactly, and the Cluster counts them", async () => {
    const ns = await testNamespace(kc, "op-fargate");
    const cluster = await fargateCluster(ns);

    const all = (await pods(ns, "ecs.operator.dev/cluster=prod")).filter(isReady);
    expect(all).toHaveLength(3);
    expect(all.filter((p) => p.metadata?.labels?.["ecs.operator.dev/service"] === "web")).toHaveLength(2);
    expect(all.filter((p) => p.metadata?.labels?.["ecs.operator.dev/task"] === "job")).toHaveLength(1);
    for (const p of all) {
      expect(serverless.has(p.spec?.nodeName ?? "")).toBe(true);
      expect(p.metadata?.labels?.["ecs.operator.dev/capacity-provider"]).toBe("FARGATE");
      // The task size is the pod's resources (pod-level requests = limits).
      const resources = p.spec?.resources;
      expect(resources?.requests).toEqual(resources?.limits);
      expect(resources?.limits).toMatchObject({ memory: "512Mi" });
    }

    const service = await read<ServiceObject>(EcsServices, ns, "web");
    expect(service.status).toMatchObject({ launchType: "FARGATE" });
    const task = await read<TaskObject>(EcsTasks, ns, "job");
    expect(task.status).toMatchObject({ capacityProviderName: "FARGATE", launchType: "FARGATE" });

    // Container instances: the FARGATE (2 serverless nodes), FARGATE_SPOT (none: no node is both) and EC2 (the
    // on-demand pool) providers a Cluster without spec.capacityProviders may use, each node once.
    expect(cluster.status).toMatchObject({ clusterName: "prod", status: "ACTIVE", runningTasksCount: 3, pendingTasksCount: 0, activeServicesCount: 1, registeredContainerInstancesCount: serverless.size + onDemand });
    const details = cluster.status?.capacityProviderDetails ?? [];
    expect(details.find((d) => d.capacityProvider === "FARGATE")).toMatchObject({ source: "BuiltIn", type: "FARGATE", registeredContainerInstancesCount: serverless.size, runningTasksCount: 3, pendingTasksCount: 0 });
    expect(details.find((d) => d.capacityProvider === "FARGATE_SPOT")).toMatchObject({ registeredContainerInstancesCount: 0, runningTasksCount: 0 });
    expect(details.find((d) => d.capacityProvider === "EC2")).toMatchObject({ registeredContainerInstancesCount: onDemand, runningTasksCount: 0 });
    expect(details.reduce((n, d) => n + d.registeredContainerInstancesCount, 0)).toBe(cluster.status?.registeredContainerInstancesCount);
    expect(readyCondition(cluster.status ?? {})).toMatchObject({ status: "True", reason: "ClusterActive" });
  });

  it("deleting the Cluster while it runs a service waits and says why; deleting the service and stopping the task lets it go", async () => {
    const ns = await testNamespace(kc, "op-delete");
    await fargateCluster(ns);

    await remove(Clusters, ns, "prod");
    const waiting = await clusterWhen(ns, "DEPROVISIONING, ClusterContainsServices", (s) => s.status === "DEPROVISIONING" && readyCondition(s)?.reason === "ClusterContainsServices");
    expect(readyCondition(waiting.status ?? {})?.status).toBe("False");
    expect(readyCondition(waiting.status ?? {})?.message).toContain("it still contains 1 active service (web) and 3 tasks, 3 running and 0 pending");
    const events = await eventually("the ClusterContainsServices event", async () => {
      const list = await apiRequest<{ items: { reason?: string; regarding?: { name?: string; kind?: string } }[] }>(kc, { method: "GET", path: resourcePath(Events, ns) });
      const found = list.items.filter((e) => e.reason === "ClusterContainsServices" && e.regarding?.kind === "Cluster" && e.regarding.name === "prod");
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    expect(await gone(Clusters, ns, "prod")).toBe(false);

    // The service drains: a finalizer on one of its pods keeps that task stopping, so DRAINING can be seen.
    const [held] = (await pods(ns, "ecs.operator.dev/service=web")).filter(live);
    const heldName = held?.metadata?.name ?? "";
    await mergePatch(Pods, ns, heldName, { metadata: { finalizers: ["test.ecs-operator.dev/hold"] } });
    await remove(EcsServices, ns, "web");
    await eventually("Service web DRAINING", async () => (await read<ServiceObject>(EcsServices, ns, "web")).status?.status === "DRAINING");
    await mergePatch(Pods, ns, heldName, { metadata: { finalizers: null } });
    await eventually("Service web gone with its pods", async () => (await gone(EcsServices, ns, "web")) && (await pods(ns, "ecs.operator.dev/service=web")).length === 0);
    const tasksOnly = await clusterWhen(ns, "only the task left", (s) => readyCondition(s)?.reason === "ClusterContainsTasks");
    expect(tasksOnly.status).toMatchObject({ activeServicesCount: 0, runningTasksCount: 1 });
    expect(await gone(Clusters, ns, "prod")).toBe(false);

    await mergePatch(EcsTasks, ns, "job", { spec: { desiredStatus: "STOPPED" } });
    await taskWhen(ns, "STOPPED", (t) => t.status?.lastStatus === "STOPPED");
    await eventually("the Cluster gone", () => gone(Clusters, ns, "prod"), 90_000);
  });
});

describe("operator: spot interruption", () => {
  it("a spot node deleted under a Task and a Service task: the Task reports SpotInterruption, the Service replaces its task", async () => {
    const ns = await testNamespace(kc, "op-spot");
    const node = "spot-a-1";
    const provider = `spot-${ns.slice(-6)}`;
    await clusterScoped.capacityProvider(provider, { type: "EC2", spot: true, kubernetes: { nodeSelector: { "kubernetes.io/hostname": node } } });
    await startOperator(ns);
    const strategy = [{ capacityProvider: provider, weight: 1 }];
    await post(TaskDefinitions, ns, "TaskDefinition", "web", ec2TaskDefinition);
    await post(EcsServices, ns, "Service", "web", { taskDefinition: "web", desiredCount: 1, capacityProviderStrategy: strategy });
    await post(EcsTasks, ns, "Task", "job", { taskDefinition: "web", capacityProviderStrategy: strategy });
    await serviceWhen(ns, "1 running", steady(1));
    await taskWhen(ns, "RUNNING", (t) => t.status?.lastStatus === "RUNNING");
    const [before] = (await pods(ns, "ecs.operator.dev/service=web")).filter(isReady);
    expect(before?.spec?.nodeName).toBe(node);
    expect((await read<V1Pod>(Pods, ns, "job-0")).spec?.nodeName).toBe(node);

    await clusterScoped.deleteNode(node);
    try {
      const t = await taskWhen(ns, "STOPPED", (x) => x.status?.lastStatus === "STOPPED");
      expect(t.status).toMatchObject({ stopCode: "SpotInterruption", capacityProviderName: provider });
      expect(t.status?.stoppedReason).toMatch(/^Your Spot Task was interrupted/);
      const svc = await serviceWhen(ns, "a SpotInterruption event", (s) => (s.status?.events ?? []).some((e) => e.message?.includes("SpotInterruption") === true));
      expect(svc.status?.events?.find((e) => e.message?.includes("SpotInterruption"))?.message).toMatch(/^\(service web\) stopped 1 running tasks: SpotInterruption/);
      await eventually("the interrupted service pod is gone", async () => !(await pods(ns, "ecs.operator.dev/service=web")).some((p) => p.metadata?.uid === before?.metadata?.uid));
    } finally {
      await clusterScoped.restoreNode(node);
    }
    const svc = await serviceWhen(ns, "running again on the re-created node", steady(1));
    const [after] = (await pods(ns, "ecs.operator.dev/service=web")).filter(isReady);
    expect(after?.metadata?.uid).not.toBe(before?.metadata?.uid);
    expect(after?.spec?.nodeName).toBe(node);
    expect(svc.status?.deployments?.[0]?.failedTasks ?? 0).toBe(0);
    // A stopped Task stays stopped: ECS does not restart a task.
    expect((await read<TaskObject>(EcsTasks, ns, "job")).status?.lastStatus).toBe("STOPPED");
  });
});

describe("operator: FARGATE task definitions the API server refuses", () => {
  const refusal = async (ns: string, name: string, spec: Record<string, unknown>): Promise<string> => {
    try {
      await post(TaskDefinitions, ns, "TaskDefinition", name, spec);
    } catch (err) {
      if (err instanceof ApiRequestError && err.code === 422) return (err.body as { message?: string }).message ?? err.message;
      throw err;
    }
    throw new Error(`TaskDefinition ${name} was accepted`);
  };

  it("privileged: true and a cpu/memory pair Fargate has not are refused with messages naming the field", async () => {
    const ns = await testNamespace(kc, "op-refuse");
    const privileged = await refusal(ns, "privileged", { ...fargateTaskDefinition, containerDefinitions: [{ name: "app", image: "registry.example.com/web:1.0", privileged: true }] });
    const size = await refusal(ns, "size", { ...fargateTaskDefinition, cpu: "256", memory: "4096" });
    expect(privileged).toBe('TaskDefinition.ecs.operator.dev "privileged" is invalid: spec.containerDefinitions: Invalid value: spec.containerDefinitions: container "app" is privileged, which FARGATE does not support');
    expect(size).toBe(
      'TaskDefinition.ecs.operator.dev "size" is invalid: spec.memory: Invalid value: spec.memory: with requiresCompatibilities FARGATE, cpu and memory must be a Fargate task size: ' +
        "cpu 256 with memory 512, 1024 or 2048; 512 with 1024-4096; 1024 with 2048-8192; 2048 with 4096-16384 (steps of 1024); 4096 with 8192-30720 (steps of 1024); " +
        "8192 with 16384-61440 (steps of 4096); 16384 with 32768-122880 (steps of 8192)",
    );
  });
});
