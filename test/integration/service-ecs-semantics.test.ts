// ECS service semantics users notice, on the real control plane with kwok nodes (issue 13, service side): a
// non-essential container's exits do not fail a task, resetOnHealthyTask keeps a deployment whose tasks become healthy
// from tripping the circuit breaker, maximumPercent/minimumHealthyPercent bound the whole service across its providers'
// Deployments (sampled through a rollout and a strategy change), and `kubectl drain` of a node running tasks of a
// 100/200 service completes while the running count never drops below desiredCount; the task size is the pod's
// boundary (and the fallback split), a task without an essential health check counts toward minimum healthy only
// after the 40-second wait, and an EBS volumeConfiguration is a claim per task.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import type { ServiceStatus } from "../../src/api/service.ts";
import { CapacityContext } from "../../src/controllers/capacity-context.ts";
import { EcsServices, type ServiceObject } from "../../src/controllers/ecs-resources.ts";
import { registerServiceController, type ServiceControllerOptions } from "../../src/controllers/service/controller.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { TaskDefinitions } from "../../src/controllers/task-definition/resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Nodes, Pods, resourcePath } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace, kubeconfigPath } from "./support/cluster.ts";
import { ClusterScoped } from "./support/cluster-scoped.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const run = promisify(execFile);
const clusterScoped = new ClusterScoped(kc, "svc-semantics-test");

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await clusterScoped.cleanup();
});

async function startControllers(namespace: string, opts: Pick<ServiceControllerOptions, "podLevelResources" | "ebsStorageClasses"> = {}): Promise<void> {
  const mgr = new Manager({ kubeConfig: kc, identity: "svc-semantics-test", logger: createLogger({ level: "error" }) });
  managers.push(mgr);
  const taskDefinitions = registerTaskDefinitionController(mgr, { namespace });
  registerServiceController(mgr, { namespace, taskDefinitions, capacity: new CapacityContext(mgr, namespace), progressRecheckMs: 1_000, ...opts });
  await mgr.start();
}

/** An essential container health check (kwok runs no probes: the container is healthy once it runs). */
const healthCheck = { command: ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"], interval: 5, timeout: 2, retries: 3 };
const container = (fields: Record<string, unknown> = {}) => ({ name: "app", image: "registry.example.com/web:1.0", portMappings: [{ containerPort: 8080, name: "http" }], ...fields });
const post = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string | undefined, body: Record<string, unknown>): Promise<T> => apiRequest<T>(kc, { method: "POST", path: resourcePath(rt, namespace), body });
const mergePatch = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string | undefined, name: string, body: unknown): Promise<T> =>
  apiRequest<T>(kc, { method: "PATCH", path: resourcePath(rt, namespace, name), contentType: "application/merge-patch+json", body });
const createTaskDefinition = (ns: string, spec: Record<string, unknown>, name = "web") => post(TaskDefinitions, ns, { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name }, spec: { cpu: "256", memory: "512", ...spec } });
const createService = (ns: string, spec: Record<string, unknown>, name = "web") => post<ServiceObject>(EcsServices, ns, { apiVersion: API_GROUP_VERSION, kind: "Service", metadata: { name }, spec });
const readService = (ns: string, name = "web") => apiRequest<ServiceObject>(kc, { method: "GET", path: resourcePath(EcsServices, ns, name) });

async function podsOf(ns: string, service = "web"): Promise<V1Pod[]> {
  const list = await apiRequest<{ items: V1Pod[] }>(kc, { method: "GET", path: resourcePath(Pods, ns), query: { labelSelector: `ecs.operator.dev/service=${service}` } });
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}
const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

function serviceWhen(ns: string, what: string, ok: (s: ServiceStatus) => boolean, timeoutMs = 90_000, name = "web"): Promise<ServiceObject> {
  return eventually(`Service ${name}: ${what}`, async () => {
    const svc = await readService(ns, name);
    return svc.status && svc.status.observedGeneration === svc.metadata.generation && ok(svc.status) ? svc : undefined;
  }, timeoutMs);
}
const steady = (count: number, td?: string) => (s: ServiceStatus) =>
  s.runningCount === count && s.deployments?.length === 1 && s.deployments[0]?.rolloutState === "COMPLETED" && (td === undefined || s.taskDefinition === td);

/**
 * An EC2-type provider on the serverless pool's nodes (64 CPUs, 500 pods each: other test files' leftover tasks do not
 * fill them), optionally in one zone.
 */
const roomyPool = (zone?: string) => ({
  type: "EC2",
  kubernetes: {
    nodeSelector: { "testenv.ecs-operator.dev/pool": "serverless", ...(zone === undefined ? {} : { "topology.kubernetes.io/zone": zone }) },
    tolerations: [{ key: "eks.amazonaws.com/compute-type", operator: "Equal", value: "fargate", effect: "NoSchedule" }],
  },
});

/** Samples the service's pods (RUNNING + PENDING, and RUNNING) until `until` holds: the most tasks and the fewest running seen. */
async function sample(ns: string, until: () => Promise<boolean>, timeoutMs = 120_000, service = "web"): Promise<{ most: number; fewestRunning: number; samples: number }> {
  let most = 0;
  let fewestRunning = Infinity;
  let samples = 0;
  await eventually("the sampled change to finish", async () => {
    const pods = await podsOf(ns, service);
    samples++;
    most = Math.max(most, pods.length);
    fewestRunning = Math.min(fewestRunning, pods.filter(isReady).length);
    return until();
  }, timeoutMs, 100);
  return { most, fewestRunning, samples };
}

describe("Service: only essential containers fail a task (ECS essential: false)", () => {
  it("a non-essential log router that exits and crash loops neither counts as a failed task nor trips the circuit breaker nor gets its task replaced", async () => {
    const ns = await testNamespace(kc, "svc-nonessential");
    await startControllers(ns);
    await createTaskDefinition(ns, {
      family: "web",
      containerDefinitions: [container(), { name: "log-router", image: "registry.example.com/fluent-bit:1", essential: false }],
      kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "log-router=1", "kwok.ecs-operator.dev/exit-delay": "200ms" } },
    });
    await createService(ns, { taskDefinition: "web", desiredCount: 2, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } } });
    // Both tasks' log routers have exited (kwok keeps them in CrashLoopBackOff, the pod unready).
    const crashed = await eventually("both log routers crash looping", async () => {
      const pods = await podsOf(ns);
      const looping = pods.filter((p) => p.status?.containerStatuses?.some((c) => c.name === "log-router" && c.state?.waiting?.reason === "CrashLoopBackOff") === true);
      return looping.length === 2 ? looping.map((p) => p.metadata?.uid).sort() : undefined;
    }, 60_000);
    const svc = await serviceWhen(ns, "the deployment COMPLETED with both tasks running", steady(2, "web:1"));
    expect(svc.status?.deployments?.[0]).toMatchObject({ rolloutState: "COMPLETED", failedTasks: 0, runningCount: 2 });
    // The same two tasks: none was stopped and replaced.
    expect((await podsOf(ns)).map((p) => p.metadata?.uid).sort()).toEqual(crashed);
  });
});

describe("Service: circuit breaker resetOnHealthyTask", () => {
  it("tasks that become healthy before they fail reset the count (default true); with false the same failures trip the breaker", async () => {
    const ns = await testNamespace(kc, "svc-reset");
    await startControllers(ns);
    // Healthy for 8 s (past the 5 s stable window), then the essential container exits.
    await createTaskDefinition(ns, {
      family: "web",
      containerDefinitions: [container()],
      kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "app=1", "kwok.ecs-operator.dev/exit-delay": "8s" } },
    });
    // Two nodes in zone a take one task each (distinctInstance); the third never places, so the deployment cannot complete.
    const spec = (resetOnHealthyTask: boolean) => ({
      taskDefinition: "web",
      desiredCount: 3,
      launchType: "EC2",
      placementConstraints: [{ type: "distinctInstance" }, { type: "memberOf", expression: "attribute:ecs.availability-zone == us-east-1a and attribute:ecs.instance-type == m5.xlarge" }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false, resetOnHealthyTask } },
    });
    await createService(ns, spec(true), "reset");
    await createService(ns, spec(false), "noreset");
    const seen = new Set<string>();
    let resetFailed = false;
    await eventually("noreset FAILED and reset through as many failed tasks", async () => {
      const reset = await readService(ns, "reset");
      if (reset.status?.deployments?.[0]?.rolloutState === "FAILED") resetFailed = true;
      for (const p of await podsOf(ns, "reset")) if (p.spec?.nodeName !== undefined) seen.add(p.metadata?.uid ?? "");
      const noreset = await readService(ns, "noreset");
      // Two tasks placed at a time: 6 placed tasks seen means at least two rounds of failures (4 ≥ the threshold of 3).
      return noreset.status?.deployments?.[0]?.rolloutState === "FAILED" && seen.size >= 6;
    }, 150_000, 250);
    expect(resetFailed).toBe(false);
    const reset = await readService(ns, "reset");
    expect(reset.status?.deployments?.[0]?.rolloutState).toBe("IN_PROGRESS");
    expect(reset.status?.deployments?.[0]?.failedTasks ?? 0).toBeLessThan(3);
  }, 200_000);
});

describe("Service: deployment limits bound the whole service across providers", () => {
  it("desired 3 over three providers at min 50 / max 100: never more than 3 tasks nor fewer than 2 running, through a rollout and a strategy change", async () => {
    const ns = await testNamespace(kc, "svc-limits");
    const zones = { "svcsem-a": "us-east-1a", "svcsem-b": "us-east-1b", "svcsem-c": "us-east-1a" };
    for (const [name, zone] of Object.entries(zones)) await clusterScoped.capacityProvider(name, roomyPool(zone));
    await startControllers(ns);
    // An essential health check: the tasks count toward minimum healthy once healthy, not 40 s after RUNNING.
    await createTaskDefinition(ns, { family: "web", containerDefinitions: [container({ healthCheck })] });
    const strategy = Object.keys(zones).map((capacityProvider) => ({ capacityProvider, weight: 1 }));
    await createService(ns, { taskDefinition: "web", desiredCount: 3, capacityProviderStrategy: strategy, deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 } });
    await serviceWhen(ns, "3 running on web:1", steady(3, "web:1"));

    await mergePatch(TaskDefinitions, ns, "web", { spec: { containerDefinitions: [container({ healthCheck, environment: [{ name: "V", value: "2" }] })] } });
    const rollout = await sample(ns, async () => steady(3, "web:2")((await readService(ns)).status ?? {}));
    expect(rollout.most).toBeLessThanOrEqual(3);
    expect(rollout.fewestRunning).toBeGreaterThanOrEqual(2);

    await mergePatch(EcsServices, ns, "web", { spec: { capacityProviderStrategy: [{ capacityProvider: "svcsem-a", weight: 1 }] } });
    const change = await sample(ns, async () => {
      const pods = await podsOf(ns);
      return steady(3)((await readService(ns)).status ?? {}) && pods.length === 3 && pods.every((p) => p.metadata?.labels?.["ecs.operator.dev/capacity-provider"] === "svcsem-a");
    });
    expect(change.most).toBeLessThanOrEqual(3);
    expect(change.fewestRunning).toBeGreaterThanOrEqual(2);
    const deployments = await apiRequest<{ items: { metadata: { name: string } }[] }>(kc, { method: "GET", path: `/apis/apps/v1/namespaces/${ns}/deployments` });
    expect(deployments.items.map((d) => d.metadata.name)).toEqual(["web-svcsem-a"]);
  });
});

describe("Service: node drains do not hang", () => {
  it("kubectl drain of a node with tasks of a 100/200 service completes, and the running count never drops below desired", async () => {
    const ns = await testNamespace(kc, "svc-drain");
    await clusterScoped.capacityProvider("svcsem-drain", roomyPool());
    await startControllers(ns);
    await createTaskDefinition(ns, { family: "web", containerDefinitions: [container({ healthCheck })] });
    // A name no other test's service has: kubectl drain's pod selector spans every namespace.
    const name = "drained";
    await createService(ns, { taskDefinition: "web", desiredCount: 3, capacityProviderStrategy: [{ capacityProvider: "svcsem-drain", weight: 1 }] }, name);
    await serviceWhen(ns, "3 running", steady(3), 90_000, name);
    const node = await eventually("a zone-a node running a task", async () => (await podsOf(ns, name)).map((p) => p.spec?.nodeName).find((n) => n === "fargate-a-1" || n === "fargate-b-1"));
    // A PDB of minAvailable 3 (min 100 of 3) alone would allow no eviction: the drain completes only because the
    // service starts replacements first.
    const pdb = await apiRequest<{ spec: { minAvailable: number } }>(kc, { method: "GET", path: `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${name}` });
    expect(pdb.spec.minAvailable).toBe(3);
    try {
      let drained = false;
      let drainError: unknown;
      const drain = run("kubectl", ["--kubeconfig", kubeconfigPath(), "drain", node, "--pod-selector", `ecs.operator.dev/service=${name}`, "--ignore-daemonsets", "--timeout=150s"], { timeout: 170_000 }).then(
        () => {
          drained = true;
        },
        (err: unknown) => {
          drainError = err;
          drained = true;
        },
      );
      const during = await sample(ns, () => Promise.resolve(drained), 170_000, name).finally(() => drain);
      if (drainError !== undefined) throw drainError instanceof Error ? drainError : new Error(`kubectl drain failed: ${JSON.stringify(drainError)}`);
      expect(during.fewestRunning).toBeGreaterThanOrEqual(3);
      expect(during.most).toBeLessThanOrEqual(6);
      await serviceWhen(ns, "3 running again, none on the drained node", steady(3), 90_000, name);
      const pods = await podsOf(ns, name);
      expect(pods.filter((p) => p.spec?.nodeName === node)).toEqual([]);
      expect(pods.filter(isReady).length).toBe(3);
    } finally {
      await mergePatch(Nodes, undefined, node, { spec: { unschedulable: null } });
    }
  }, 240_000);
});

describe("Service: the 40-second rule", () => {
  // ECS Developer Guide ("Deploy Amazon ECS services by replacing tasks"): "If a task has no essential containers with a
  // health check defined, the service scheduler will wait for 40 seconds after a task reaches a RUNNING state before
  // the task is counted towards the minimum healthy percent total."
  it("a task without an essential health check is not counted toward minimum healthy at once: the old task keeps running beside the new Ready one until the wait is over", async () => {
    const ns = await testNamespace(kc, "svc-forty");
    await startControllers(ns);
    await createTaskDefinition(ns, { family: "web", containerDefinitions: [container()] });
    await createTaskDefinition(ns, { family: "checked", containerDefinitions: [container({ healthCheck })] }, "checked");
    // The default is ECS's 40 s, and none with an essential health check.
    await createService(ns, { taskDefinition: "web", desiredCount: 1 });
    await createService(ns, { taskDefinition: "checked", desiredCount: 1 }, "checked");
    // A shorter wait through spec.kubernetes.minReadySeconds keeps the test short; the rule is the same.
    await createService(ns, { taskDefinition: "web", desiredCount: 1, kubernetes: { minReadySeconds: 8 } }, "short");
    type Deployment = { spec: { minReadySeconds?: number }; status?: { readyReplicas?: number; availableReplicas?: number } };
    const deploymentOf = async (name: string): Promise<Deployment> => {
      const list = await apiRequest<{ items: Deployment[] }>(kc, { method: "GET", path: `/apis/apps/v1/namespaces/${ns}/deployments`, query: { labelSelector: `ecs.operator.dev/service=${name}` } });
      const [only, ...more] = list.items;
      if (only === undefined || more.length > 0) throw new Error(`Service ${name}: ${list.items.length} Deployments, want 1`);
      return only;
    };
    await serviceWhen(ns, "web running", steady(1), 90_000);
    await serviceWhen(ns, "checked running", steady(1), 90_000, "checked");
    await serviceWhen(ns, "short running", steady(1), 90_000, "short");
    expect((await deploymentOf("web")).spec.minReadySeconds).toBe(40);
    expect((await deploymentOf("checked")).spec.minReadySeconds).toBeUndefined();
    expect((await deploymentOf("short")).spec.minReadySeconds).toBe(8);

    // A rollout at 100 / 200: the new task is Ready while not yet available, so the old one is not stopped yet.
    const [old] = (await podsOf(ns, "short")).map((p) => p.metadata?.uid);
    await mergePatch(EcsServices, ns, "short", { metadata: { annotations: { "ecs.operator.dev/force-new-deployment": "1" } } });
    let sawNewUncounted = false;
    let fewestRunning = Infinity;
    await eventually("the rollout of short to finish", async () => {
      const pods = await podsOf(ns, "short");
      fewestRunning = Math.min(fewestRunning, pods.filter(isReady).length);
      const d = await deploymentOf("short");
      const newReady = pods.some((p) => p.metadata?.uid !== old && isReady(p));
      if (newReady && pods.some((p) => p.metadata?.uid === old) && (d.status?.readyReplicas ?? 0) === 2 && (d.status?.availableReplicas ?? 0) === 1) sawNewUncounted = true;
      const svc = await readService(ns, "short");
      return svc.status?.deployments?.length === 1 && svc.status.deployments[0]?.rolloutState === "COMPLETED" && pods.length === 1 && pods[0]?.metadata?.uid !== old;
    }, 90_000, 200);
    expect(sawNewUncounted).toBe(true);
    expect(fewestRunning).toBeGreaterThanOrEqual(1);
  }, 200_000);
});

describe("Service: the task size is the task's boundary", () => {
  // ECS (task definition parameters, task size): the task-level cpu and memory are "the total amount" for the task;
  // container cpu is a relative share and memoryReservation a soft limit inside it.
  const sized = {
    family: "sized",
    cpu: "1024",
    memory: "2048",
    containerDefinitions: [container({ cpu: 512, memoryReservation: 1024 }), { name: "envoy", image: "registry.example.com/envoy:1", essential: false, memoryReservation: 128 }],
  };
  const podOf = async (ns: string): Promise<V1Pod> => eventually("a running task", async () => (await podsOf(ns)).find(isReady));

  it("task cpu/memory → the pod's resources on the real API server; container cpu and memoryReservation → requests only", async () => {
    const ns = await testNamespace(kc, "svc-size-pod");
    await startControllers(ns);
    await createTaskDefinition(ns, sized);
    await createService(ns, { taskDefinition: "sized", desiredCount: 1 });
    await serviceWhen(ns, "1 running", steady(1));
    // Read back from the API server: a cluster without PodLevelResources would drop spec.resources silently.
    const pod = await podOf(ns);
    expect(pod.spec?.resources).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } });
    expect(pod.spec?.containers.map((c) => [c.name, c.resources])).toEqual([
      ["app", { requests: { cpu: "500m", memory: "1Gi" } }],
      ["envoy", { requests: { memory: "128Mi" } }],
    ]);
  });

  it("--pod-level-resources=false (the documented fallback): the task size is split into per-container limits", async () => {
    const ns = await testNamespace(kc, "svc-size-split");
    await startControllers(ns, { podLevelResources: false });
    await createTaskDefinition(ns, sized);
    await createService(ns, { taskDefinition: "sized", desiredCount: 1 });
    await serviceWhen(ns, "1 running", steady(1));
    const pod = await podOf(ns);
    expect(pod.spec?.resources).toBeUndefined();
    expect(pod.spec?.containers.map((c) => [c.name, c.resources?.limits])).toEqual([
      ["app", { cpu: "500m", memory: "1Gi" }],
      ["envoy", { cpu: "500m", memory: "1Gi" }],
    ]);
  });
});

describe("Service: EBS volumeConfigurations", () => {
  it("managedEBSVolume → a claim per task from the pod's claim template, with the storage class configured for the volume type", async () => {
    const ns = await testNamespace(kc, "svc-ebs");
    await startControllers(ns, { ebsStorageClasses: { io2: "ebs-io2" } });
    await createTaskDefinition(ns, {
      family: "web",
      volumes: [{ name: "data", configuredAtLaunch: true }],
      containerDefinitions: [container({ mountPoints: [{ sourceVolume: "data", containerPath: "/data" }] })],
    });
    await createService(ns, { taskDefinition: "web", desiredCount: 2, volumeConfigurations: [{ name: "data", managedEBSVolume: { sizeInGiB: 20, volumeType: "io2" } }] });
    // Kubernetes's ephemeral volume controller makes one claim per pod (<pod>-data), owned by the pod: ECS's volume per task.
    const claims = await eventually("a claim for each of the 2 tasks", async () => {
      const pods = await podsOf(ns);
      const list = await apiRequest<{ items: { metadata: { name: string; ownerReferences?: { kind: string; name: string }[] }; spec: { storageClassName?: string; resources: { requests: { storage: string } } } }[] }>(kc, {
        method: "GET",
        path: `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
      });
      return pods.length === 2 && list.items.length === 2 ? { pods, claims: list.items } : undefined;
    }, 60_000);
    expect(claims.claims.map((c) => c.metadata.name).sort()).toEqual(claims.pods.map((p) => `${p.metadata?.name ?? ""}-data`).sort());
    for (const c of claims.claims) {
      expect(c.spec.storageClassName).toBe("ebs-io2");
      expect(c.spec.resources.requests.storage).toBe("20Gi");
      expect(c.metadata.ownerReferences?.map((o) => o.kind)).toEqual(["Pod"]);
    }
    const svc = await readService(ns);
    expect(svc.status?.conditions?.find((c) => c.type === "Supported")?.message ?? "").not.toContain("volumeConfigurations");
  });
});

describe("Service: health checks by ECS's rules", () => {
  // ECS (HealthCheck): "The container health check status of nonessential containers do not have an effect on the
  // health status of a task"; "For tasks that are part of a service, if the task reports as unhealthy then the task
  // will be stopped and the service scheduler will replace it."
  it("the essential container's check becomes liveness and readiness probes on the stored pods; a non-essential sidecar's check none, so it never takes the task out of traffic", async () => {
    const ns = await testNamespace(kc, "svc-health");
    await startControllers(ns);
    await createTaskDefinition(ns, {
      family: "web",
      containerDefinitions: [container({ healthCheck }), { name: "metrics", image: "registry.example.com/metrics:1", essential: false, healthCheck: { command: ["CMD", "/bin/check"] } }],
    });
    await createService(ns, { taskDefinition: "web", desiredCount: 1 });
    await serviceWhen(ns, "1 running", steady(1));
    const [pod] = await podsOf(ns);
    const byName = Object.fromEntries((pod?.spec?.containers ?? []).map((c) => [c.name, c]));
    expect(byName.app?.livenessProbe?.exec?.command).toEqual(["/bin/sh", "-c", "curl -f http://localhost:8080/ || exit 1"]);
    expect(byName.app?.readinessProbe?.exec?.command).toEqual(["/bin/sh", "-c", "curl -f http://localhost:8080/ || exit 1"]);
    expect([byName.metrics?.livenessProbe, byName.metrics?.readinessProbe, byName.metrics?.startupProbe]).toEqual([undefined, undefined, undefined]);
  });
});

describe("Service: scheduled scaling is never retroactive", () => {
  // Application Auto Scaling runs a scheduled action at its scheduled time; an action put after that time does not
  // run for it (issue 13: "an action whose time passed before the Service or the action existed does not apply").
  it("an at() action added after its time, though after the Service was created, never runs; the HPA records when the action was first seen", async () => {
    const ns = await testNamespace(kc, "svc-sched-late");
    await startControllers(ns);
    await createTaskDefinition(ns, { family: "web", containerDefinitions: [container({ healthCheck })] });
    const cpu = { policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } };
    const created = await createService(ns, { taskDefinition: "web", desiredCount: 1, autoScaling: { minCapacity: 1, maxCapacity: 10, targetTrackingScalingPolicies: [cpu] } });
    type Hpa = { metadata: { annotations?: Record<string, string> }; spec: { minReplicas: number; maxReplicas: number } };
    const hpa = () => apiRequest<Hpa>(kc, { method: "GET", path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/web` });
    await eventually("the HPA at 1..10", async () => {
      const h = await hpa().catch(() => undefined);
      return h?.spec.minReplicas === 1 && h.spec.maxReplicas === 10;
    });
    // A time after the Service was created (its creationTimestamp, to the second) and already past when the action is put.
    const at = new Date(Date.parse(created.metadata.creationTimestamp ?? "") + 1_000);
    await eventually("the clock past the action's time", () => Promise.resolve(Date.now() > at.getTime() + 1_000), 10_000, 250);
    await mergePatch(EcsServices, ns, "web", {
      spec: { autoScaling: { minCapacity: 1, maxCapacity: 10, targetTrackingScalingPolicies: [cpu], scheduledActions: [{ scheduledActionName: "late", schedule: `at(${at.toISOString().slice(0, 19)})`, scalableTargetAction: { minCapacity: 3 } }] } },
    });
    const svc = await readService(ns);
    const recorded = await eventually("the HPA records the action as seen", async () => {
      const h = await hpa();
      // Every HPA carries the record ({} before the action): wait for the one that names it.
      const seen = JSON.parse(h.metadata.annotations?.["ecs.operator.dev/scheduled-actions-seen"] ?? "{}") as Record<string, string>;
      return Object.keys(seen).length === 0 ? undefined : { h, seen };
    });
    await serviceWhen(ns, "the change observed", (s) => s.observedGeneration === svc.metadata.generation);
    expect(Object.keys(recorded.seen).map((k) => k.split("/")[0])).toEqual(["late"]);
    expect(Date.parse(Object.values(recorded.seen)[0] ?? "")).toBeGreaterThan(at.getTime());
    expect((await hpa()).spec.minReplicas).toBe(1);
    expect((await readService(ns)).spec.desiredCount).toBe(1);
  });
});
