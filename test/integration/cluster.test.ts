// The Cluster controller against the real control plane: counts that match what runs (task pods labelled with
// the cluster, on kwok nodes; ECS Service objects), built-in providers shown, Container Insights series on
// /metrics, and a deletion that waits while services or tasks remain, says why in status and one event, and
// completes once they are gone.
import { CLUSTER_FINALIZER } from "../../src/api/keys.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterStatus } from "../../src/api/cluster.ts";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { registerClusterController } from "../../src/controllers/cluster/controller.ts";
import { Clusters, EcsServices, type ClusterObject } from "../../src/controllers/ecs-resources.ts";
import { apiRequest, ApiRequestError } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Events, Pods, resourcePath } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";
import { expectPristineClusterScope } from "./support/cluster-scoped.ts";

const kc = kubeConfig();
const managers: Manager[] = [];

// The counts below are those of the kwok pools and the built-in providers alone: a CapacityProvider or node another
// file left behind would change them, so say so here rather than as a wrong count.
beforeAll(async () => {
  await expectPristineClusterScope(kc);
});

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

async function startController(namespace: string, resyncMs?: number): Promise<Manager> {
  const mgr = new Manager({ kubeConfig: kc, identity: "cluster-test", logger: createLogger({ level: "error" }), http: { host: "127.0.0.1", port: 0 }, ...(resyncMs === undefined ? {} : { resyncMs }) });
  managers.push(mgr);
  registerClusterController(mgr, { namespace });
  await mgr.start();
  return mgr;
}

const post = (path: string, body: unknown): Promise<unknown> => apiRequest(kc, { method: "POST", path, body });
const createCluster = (ns: string, name: string, spec: Record<string, unknown> = {}) => post(resourcePath(Clusters, ns), { apiVersion: API_GROUP_VERSION, kind: "Cluster", metadata: { name }, spec });
const createService = (ns: string, name: string, cluster: string) => post(resourcePath(EcsServices, ns), { apiVersion: API_GROUP_VERSION, kind: "Service", metadata: { name }, spec: { cluster, taskDefinition: "web:1", desiredCount: 1 } });
const read = (ns: string, name: string): Promise<ClusterObject> => apiRequest<ClusterObject>(kc, { method: "GET", path: resourcePath(Clusters, ns, name) });

/** A task pod of `cluster`, as the Service and Task controllers label them; `where` picks the kwok pool or none. */
function taskPod(ns: string, name: string, cluster: string, where: "fargate" | "nowhere", service?: string): Promise<unknown> {
  return post(resourcePath(Pods, ns), {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { "ecs.operator.dev/cluster": cluster, "ecs.operator.dev/capacity-provider": "FARGATE", ...(service === undefined ? {} : { "ecs.operator.dev/service": service }) } },
    spec: {
      nodeSelector: where === "fargate" ? { "eks.amazonaws.com/compute-type": "fargate" } : { "testenv.ecs-operator.dev/pool": "no-such-pool" },
      tolerations: [{ key: "eks.amazonaws.com/compute-type", operator: "Equal", value: "fargate", effect: "NoSchedule" }],
      containers: [{ name: "app", image: "registry.example.com/app:1", resources: { requests: { cpu: "256m", memory: "512Mi" }, limits: { cpu: "256m", memory: "512Mi" } } }],
    },
  });
}

function statusWhen(ns: string, name: string, what: string, ok: (s: ClusterStatus, c: ClusterObject) => boolean): Promise<ClusterObject> {
  return eventually(`Cluster ${name}: ${what}`, async () => {
    const c = await read(ns, name);
    return c.status && c.status.observedGeneration === c.metadata.generation && ok(c.status, c) ? c : undefined;
  });
}

const ready = (s: ClusterStatus) => s.conditions?.find((c) => c.type === "Ready");

async function metricLines(port: number, prefix: string): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith(prefix));
}

describe("Cluster status", () => {
  it("counts running and pending tasks and active services, shows the built-in providers with their nodes", async () => {
    const ns = await testNamespace(kc, "cluster-counts");
    await startController(ns);
    await createCluster(ns, "prod");
    await createService(ns, "web", "prod");
    await createService(ns, "api", "arn:aws:ecs:us-east-1:111122223333:cluster/prod");
    await createService(ns, "elsewhere", "dev");
    await taskPod(ns, "web-1", "prod", "fargate", "web");
    await taskPod(ns, "web-2", "prod", "nowhere", "web");
    await taskPod(ns, "dev-1", "dev", "fargate");

    const c = await statusWhen(ns, "prod", "1 running, 1 pending, 2 services", (s) => s.runningTasksCount === 1 && s.pendingTasksCount === 1 && s.activeServicesCount === 2);
    expect(c.status).toMatchObject({ clusterName: "prod", status: "ACTIVE", registeredContainerInstancesCount: 7, capacityProviders: ["FARGATE", "FARGATE_SPOT", "EC2"] });
    expect(c.status?.capacityProviderDetails?.find((d) => d.capacityProvider === "FARGATE")).toMatchObject({
      source: "BuiltIn",
      type: "FARGATE",
      registeredContainerInstancesCount: 2,
      runningTasksCount: 1,
      pendingTasksCount: 1,
      allocatable: { cpu: 2 * 64 * 1024, memory: 2 * 256 * 1024 },
    });
    expect(ready(c.status ?? {})).toMatchObject({ status: "True", reason: "ClusterActive" });
    expect(c.metadata.finalizers).toContain(CLUSTER_FINALIZER);
  });
});

describe("Cluster status follows a Service that moves", () => {
  it("a Service whose spec.cluster changes leaves the old cluster's count and joins the new one's", async () => {
    const ns = await testNamespace(kc, "cluster-move");
    await startController(ns);
    await createCluster(ns, "blue");
    await createCluster(ns, "green");
    await createService(ns, "web", "blue");
    await statusWhen(ns, "blue", "1 service", (s) => s.activeServicesCount === 1);
    await statusWhen(ns, "green", "no service", (s) => s.activeServicesCount === 0);
    await apiRequest(kc, { method: "PATCH", path: resourcePath(EcsServices, ns, "web"), contentType: "application/merge-patch+json", body: { spec: { cluster: "green" } } });
    // Both clusters are woken by the one update: the old one through the object as it was.
    await statusWhen(ns, "green", "1 service after the move", (s) => s.activeServicesCount === 1);
    const blue = await statusWhen(ns, "blue", "0 services after the move", (s) => s.activeServicesCount === 0);
    expect(blue.status?.activeServicesCount).toBe(0);
  });
});

describe("Cluster: Container Insights", () => {
  it("enabled exports per-service and per-task series on /metrics; disabled removes them", async () => {
    const ns = await testNamespace(kc, "cluster-insights");
    const mgr = await startController(ns);
    const port = mgr.httpPort ?? 0;
    await createCluster(ns, "prod", { settings: [{ name: "containerInsights", value: "enabled" }] });
    await createService(ns, "web", "prod");
    await taskPod(ns, "web-1", "prod", "fargate", "web");
    await statusWhen(ns, "prod", "one running task", (s) => s.runningTasksCount === 1 && s.containerInsights === "enabled");
    const running = `ecs_operator_service_running_tasks{namespace="${ns}",cluster="prod",service="web"} 1`;
    await eventually("the service series", async () => (await metricLines(port, "ecs_operator_service_running_tasks")).includes(running));
    const task = await metricLines(port, "ecs_operator_task_cpu_reserved_units");
    expect(task).toContain(`ecs_operator_task_cpu_reserved_units{namespace="${ns}",cluster="prod",service="web",task="web-1",capacity_provider="FARGATE"} 262`);

    await apiRequest(kc, { method: "PATCH", path: resourcePath(Clusters, ns, "prod"), contentType: "application/merge-patch+json", body: { spec: { settings: [{ name: "containerInsights", value: "disabled" }] } } });
    await eventually("the series removed", async () => !(await metricLines(port, "ecs_operator_")).some((l) => l.includes(`namespace="${ns}"`)));
  });
});

describe("Cluster deletion", () => {
  it("waits while a service and tasks remain, says why in status and one event, and completes when they are gone", async () => {
    const ns = await testNamespace(kc, "cluster-delete");
    await startController(ns);
    await createCluster(ns, "prod");
    await createService(ns, "web", "prod");
    await taskPod(ns, "web-1", "prod", "fargate", "web");
    await statusWhen(ns, "prod", "the finalizer and one running task", (s, c) => s.runningTasksCount === 1 && (c.metadata.finalizers ?? []).includes(CLUSTER_FINALIZER));

    await apiRequest(kc, { method: "DELETE", path: resourcePath(Clusters, ns, "prod") });
    const waiting = await statusWhen(ns, "prod", "DEPROVISIONING with services", (s) => s.status === "DEPROVISIONING" && ready(s)?.reason === "ClusterContainsServices");
    expect(ready(waiting.status ?? {})?.message).toBe(
      "Cluster prod is being deleted and waits, as ECS refuses to delete a cluster that contains services or tasks: it still contains 1 active service (web) and 1 task, 1 running and 0 pending (web-1); delete them (or scale the services to 0 and stop the tasks) and the Cluster goes",
    );
    const events = await eventually("the ClusterContainsServices event", async () => {
      const list = await apiRequest<{ items: { reason?: string; note?: string; regarding?: { name?: string } }[] }>(kc, { method: "GET", path: resourcePath(Events, ns) });
      const found = list.items.filter((e) => e.reason === "ClusterContainsServices" && e.regarding?.name === "prod");
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);

    // The service goes: the tasks still hold the cluster.
    await apiRequest(kc, { method: "DELETE", path: resourcePath(EcsServices, ns, "web") });
    const tasksOnly = await statusWhen(ns, "prod", "only tasks left", (s) => ready(s)?.reason === "ClusterContainsTasks");
    expect(tasksOnly.status).toMatchObject({ activeServicesCount: 0, runningTasksCount: 1 });

    await apiRequest(kc, { method: "DELETE", path: resourcePath(Pods, ns, "web-1") });
    await eventually("the Cluster gone", async () => {
      try {
        await read(ns, "prod");
        return false;
      } catch (err) {
        return err instanceof ApiRequestError && err.code === 404;
      }
    });
  });
});

describe("Cluster: resync", () => {
  it("a resync of an unchanged Cluster writes nothing", async () => {
    const ns = await testNamespace(kc, "cluster-resync");
    const mgr = await startController(ns, 500);
    const port = mgr.httpPort ?? 0;
    await createCluster(ns, "prod", { settings: [{ name: "containerInsights", value: "enhanced" }] });
    await taskPod(ns, "t-1", "prod", "fargate");
    const before = await statusWhen(ns, "prod", "one running task", (s) => s.runningTasksCount === 1);
    const sum = async (name: string, filter: string): Promise<number> =>
      (await metricLines(port, name)).filter((l) => l.includes(filter)).reduce((a, l) => a + Number(l.split(" ").pop()), 0);
    const writes = await sum("ecs_operator_api_writes_total", 'kind="Cluster"');
    const reconciles = await sum("ecs_operator_reconcile_total", 'controller="cluster"');
    await eventually("several resync rounds", async () => (await sum("ecs_operator_reconcile_total", 'controller="cluster"')) >= reconciles + 3, 30_000);
    expect(await sum("ecs_operator_api_writes_total", 'kind="Cluster"')).toBe(writes);
    expect((await read(ns, "prod")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
});
