// The Service controller against the real control plane with kwok nodes: the capacity split lands on the right
// pools, a missing TaskDefinition stalls and recovers (kubectl wait works), a new revision rolls out without dropping
// below minimumHealthyPercent, a failing revision trips the circuit breaker and rolls back, memberOf places pods,
// DAEMON, draining deletion, and spot replacement.
import { SERVICE_FINALIZER } from "../../src/api/keys.ts";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import type { ServiceStatus } from "../../src/api/service.ts";
import { CapacityContext } from "../../src/controllers/capacity-context.ts";
import { EcsServices, type ServiceObject } from "../../src/controllers/ecs-resources.ts";
import { registerServiceController } from "../../src/controllers/service/controller.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { TaskDefinitions } from "../../src/controllers/task-definition/resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import type { Condition } from "../../src/runtime/conditions.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Deployments, HorizontalPodAutoscalers, Ingresses, Nodes, PodDisruptionBudgets, Pods, resourcePath, ServiceAccounts, Services } from "../../src/runtime/resources.ts";
import { TEST_NODES } from "../controlplane/nodes.ts";
import { eventually, kubeConfig, testNamespace, kubeconfigPath } from "./support/cluster.ts";
import { ClusterScoped } from "./support/cluster-scoped.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const run = promisify(execFile);
const clusterScoped = new ClusterScoped(kc, "svc-test");

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await clusterScoped.cleanup();
});

async function startControllers(namespace: string, opts: { steadyRecheckMs?: number; progressRecheckMs?: number; now?: () => Date; binpackSchedulerName?: string } = {}): Promise<Manager> {
  const { now, ...serviceOpts } = opts;
  const mgr = new Manager({ kubeConfig: kc, identity: "svc-test", logger: createLogger({ level: "error" }), ...(now === undefined ? {} : { now }) });
  managers.push(mgr);
  const taskDefinitions = registerTaskDefinitionController(mgr, { namespace });
  // These tests are about other rules: no 40-second wait for tasks without a health check (service-ecs-semantics pins it).
  registerServiceController(mgr, { namespace, taskDefinitions, capacity: new CapacityContext(mgr, namespace), progressRecheckMs: 2_000, noHealthCheckWaitSeconds: 0, ...serviceOpts });
  await mgr.start();
  return mgr;
}

const container = (fields: Record<string, unknown> = {}) => ({ name: "app", image: "registry.example.com/web:1.0", portMappings: [{ containerPort: 8080, name: "http" }], ...fields });
const taskDefinition = (fields: Record<string, unknown> = {}) => ({ family: "web", cpu: "256", memory: "512", containerDefinitions: [container()], ...fields });

const post = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string | undefined, body: Record<string, unknown>): Promise<T> =>
  apiRequest<T>(kc, { method: "POST", path: resourcePath(rt, namespace), body });
const mergePatch = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string | undefined, name: string, body: unknown): Promise<T> =>
  apiRequest<T>(kc, { method: "PATCH", path: resourcePath(rt, namespace, name), contentType: "application/merge-patch+json", body });

const createTaskDefinition = (ns: string, spec: Record<string, unknown>, name = "web") => post(TaskDefinitions, ns, { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name }, spec });
const createService = (ns: string, spec: Record<string, unknown>, name = "web") => post<ServiceObject>(EcsServices, ns, { apiVersion: API_GROUP_VERSION, kind: "Service", metadata: { name }, spec });
const readService = (ns: string, name = "web") => apiRequest<ServiceObject>(kc, { method: "GET", path: resourcePath(EcsServices, ns, name) });
const condition = (s: ServiceObject, type: string): Condition | undefined => s.status?.conditions?.find((c) => c.type === type);

async function podsOf(ns: string, service = "web"): Promise<V1Pod[]> {
  const list = await apiRequest<{ items: V1Pod[] }>(kc, { method: "GET", path: resourcePath(Pods, ns), query: { labelSelector: `ecs.operator.dev/service=${service}` } });
  return list.items;
}
const isReady = (p: V1Pod): boolean => p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

function serviceWhen(ns: string, what: string, ok: (s: ServiceStatus, svc: ServiceObject) => boolean, timeoutMs?: number, name = "web"): Promise<ServiceObject> {
  return eventually(
    `Service ${name}: ${what}`,
    async () => {
      const svc = await readService(ns, name);
      return svc.status && svc.status.observedGeneration === svc.metadata.generation && ok(svc.status, svc) ? svc : undefined;
    },
    timeoutMs,
  );
}
const steady = (count: number, td?: string) => (s: ServiceStatus) =>
  s.runningCount === count && s.deployments?.[0]?.rolloutState === "COMPLETED" && s.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true && (td === undefined || s.taskDefinition === td);

const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfigPath(), ...args], { timeout: 120_000 });

describe("Service: capacity split on the kwok pools", () => {
  it("FARGATE base 1 weight 1 + FARGATE_SPOT weight 3, desiredCount 9 → 3 pods on the serverless pool, 6 on spot", async () => {
    const ns = await testNamespace(kc, "svc-split");
    // The kwok cluster has no node that is both Fargate and spot: FARGATE_SPOT is pointed at the spot pool.
    await clusterScoped.capacityProvider("fargate-spot", { kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "spot" } } }, { apply: true });
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition({ requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc" }));
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 9,
      capacityProviderStrategy: [
        { capacityProvider: "FARGATE", base: 1, weight: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 3 },
      ],
    });
    const svc = await serviceWhen(ns, "9 tasks running, steady", steady(9), 90_000);
    const pods = (await podsOf(ns)).filter(isReady);
    const pools = (p: V1Pod) => p.spec?.nodeName ?? "";
    expect(pods.filter((p) => pools(p).startsWith("fargate-")).length).toBe(3);
    expect(pods.filter((p) => pools(p).startsWith("spot-")).length).toBe(6);
    expect(pods.filter((p) => p.metadata?.labels?.["ecs.operator.dev/capacity-provider"] === "FARGATE_SPOT").every((p) => pools(p).startsWith("spot-"))).toBe(true);
    const deployments = await apiRequest<{ items: { metadata: { name: string }; spec: { replicas: number } }[] }>(kc, { method: "GET", path: resourcePath(Deployments, ns) });
    expect(deployments.items.map((d) => [d.metadata.name, d.spec.replicas]).sort()).toEqual([["web-fargate", 3], ["web-fargate-spot", 6]]);
    expect(svc.status?.selector).toBe("ecs.operator.dev/service=web");
    expect(svc.status?.events?.[0]?.message).toBe("(service web) has reached a steady state.");
  });
});

describe("Service: task definition resolution", () => {
  it("a missing TaskDefinition gives Stalled=True naming spec.taskDefinition; the service recovers when it is created, and kubectl wait sees Ready", async () => {
    const ns = await testNamespace(kc, "svc-missing");
    await startControllers(ns);
    await createService(ns, { taskDefinition: "web", desiredCount: 2, networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0123456789abcdef0"], assignPublicIp: "DISABLED" } } });
    const stalled = await serviceWhen(ns, "Stalled", (_s, svc) => condition(svc, "Stalled")?.status === "True");
    expect(condition(stalled, "Stalled")).toMatchObject({ reason: "TaskDefinitionNotFound", message: expect.stringContaining("spec.taskDefinition") as unknown });
    expect(condition(stalled, "Stalled")?.message).toContain(`no TaskDefinition in namespace ${ns} registers the family "web"`);
    expect(condition(stalled, "Ready")?.status).toBe("False");

    const waiting = kubectl("-n", ns, "wait", "--for=condition=Ready", "ecsservice/web", "--timeout=90s");
    await createTaskDefinition(ns, taskDefinition());
    const { stdout } = await waiting;
    expect(stdout).toContain("condition met");
    const svc = await serviceWhen(ns, "steady with web:1", steady(2, "web:1"));
    expect(condition(svc, "Stalled")?.status).toBe("False");
    expect(condition(svc, "Supported")).toMatchObject({ status: "False", reason: "UnsupportedFields", message: expect.stringContaining("spec.networkConfiguration") as unknown });
    expect((await podsOf(ns)).filter(isReady)).toHaveLength(2);
  });
});

describe("Service: deployments", () => {
  it("a new revision rolls out and never drops below minimumHealthyPercent (75% of 4 = 3 ready tasks)", async () => {
    const ns = await testNamespace(kc, "svc-roll");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 4, deploymentConfiguration: { minimumHealthyPercent: 75, maximumPercent: 125 } });
    await serviceWhen(ns, "4 running on web:1", steady(4, "web:1"), 90_000);

    let minReady = Number.POSITIVE_INFINITY;
    let samples = 0;
    let sawBothRevisions = false;
    const state = { done: false };
    const sampler = (async () => {
      while (!state.done) {
        const pods = await podsOf(ns);
        const ready = pods.filter(isReady);
        minReady = Math.min(minReady, ready.length);
        const revisions = new Set(ready.map((p) => p.metadata?.labels?.["ecs.operator.dev/revision"]));
        if (revisions.size > 1) sawBothRevisions = true;
        samples++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await mergePatch(TaskDefinitions, ns, "web", { spec: { containerDefinitions: [container({ environment: [{ name: "V", value: "2" }] })] } });
    const svc = await serviceWhen(ns, "4 running on web:2", steady(4, "web:2"), 90_000);
    state.done = true;
    await sampler;

    expect(samples).toBeGreaterThan(5);
    expect(sawBothRevisions).toBe(true);
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(svc.status?.deployments).toHaveLength(1);
    expect(svc.status?.deployments?.[0]).toMatchObject({ status: "PRIMARY", taskDefinition: "web:2", rolloutState: "COMPLETED", runningCount: 4, desiredCount: 4 });
    const messages = svc.status?.events?.map((e) => e.message) ?? [];
    expect(messages.filter((m) => m === "(service web) has reached a steady state.")).toHaveLength(2);
    expect(messages.some((m) => m?.includes("deployment completed."))).toBe(true);
  });

  it("a revision whose images cannot be pulled trips the circuit breaker and rolls back to the last completed deployment", async () => {
    const ns = await testNamespace(kc, "svc-breaker");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 2, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } });
    const first = await serviceWhen(ns, "2 running on web:1", steady(2, "web:1"), 90_000);
    const goodId = first.status?.deployments?.[0]?.id ?? "";

    await mergePatch(TaskDefinitions, ns, "web", {
      spec: { containerDefinitions: [container({ environment: [{ name: "V", value: "broken" }] })], kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/image-pull-error": "true" } } },
    });
    const svc = await serviceWhen(ns, "rolled back to web:1 and steady again", (s) => steady(2, "web:1")(s) && (s.deployments ?? []).some((d) => d.rolloutState === "FAILED"), 90_000);
    const failed = svc.status?.deployments?.find((d) => d.rolloutState === "FAILED");
    expect(failed).toMatchObject({ taskDefinition: "web:2", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start." });
    expect(failed?.failedTasks).toBeGreaterThanOrEqual(3);
    expect(svc.status?.deployments?.[0]).toMatchObject({ status: "PRIMARY", id: goodId, taskDefinition: "web:1", rolloutState: "COMPLETED" });
    const messages = (svc.status?.events?.map((e) => e.message) ?? []).reverse();
    const failedAt = messages.indexOf(`(service web) deployment ${failed?.id ?? ""} deployment failed: tasks failed to start.`);
    const rollingAt = messages.indexOf(`(service web) rolling back to deployment ${goodId}.`);
    expect(failedAt).toBeGreaterThanOrEqual(0);
    expect(rollingAt).toBeGreaterThan(failedAt);
    expect(messages.lastIndexOf("(service web) has reached a steady state.")).toBeGreaterThan(rollingAt);
    const pods = await podsOf(ns);
    expect(pods.filter(isReady).map((p) => p.metadata?.labels?.["ecs.operator.dev/revision"])).toEqual(["1", "1"]);
    // The failed revision is not retried while the spec still names it.
    const later = await readService(ns);
    expect(later.status?.deployments?.[0]?.id).toBe(goodId);
  });
});

describe("Service: more deployments", () => {
  /** Samples the ready tasks until `until` resolves; returns the fewest seen and the number of samples. */
  async function sampleReady(ns: string, until: Promise<unknown>): Promise<{ min: number; samples: number }> {
    const state = { done: false, min: Number.POSITIVE_INFINITY, samples: 0 };
    const sampler = (async () => {
      while (!state.done) {
        state.min = Math.min(state.min, (await podsOf(ns)).filter(isReady).length);
        state.samples++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await until;
    } finally {
      state.done = true;
      await sampler;
    }
    return { min: state.min, samples: state.samples };
  }

  it("a new force-new-deployment value starts a new deployment of the same revision and replaces every task", async () => {
    const ns = await testNamespace(kc, "svc-force");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 2 });
    const first = await serviceWhen(ns, "2 running", steady(2, "web:1"), 90_000);
    const before = new Set((await podsOf(ns)).map((p) => p.metadata?.uid));
    await mergePatch(EcsServices, ns, "web", { metadata: { annotations: { "ecs.operator.dev/force-new-deployment": "2026-01-01T00:00:00Z" } } });
    const svc = await serviceWhen(ns, "a new deployment, steady", (s) => steady(2, "web:1")(s) && s.deployments?.[0]?.id !== first.status?.deployments?.[0]?.id, 90_000);
    expect(svc.status?.deployments?.[0]?.id).toMatch(/^ecs-svc\/\d{19}$/);
    const after = (await podsOf(ns)).filter(isReady);
    expect(after).toHaveLength(2);
    expect(after.some((p) => before.has(p.metadata?.uid))).toBe(false);
  });

  it("changing the capacity provider strategy moves the tasks to the new provider without dropping below minimumHealthyPercent", async () => {
    const ns = await testNamespace(kc, "svc-move");
    await startControllers(ns);
    // Each new task takes a second to start, so the move lasts long enough to be sampled many times; on kwok it is
    // otherwise over in a few hundred milliseconds and the sampling would prove little.
    await createTaskDefinition(ns, taskDefinition({ kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/start-delay": "1s" } } }));
    await createService(ns, { taskDefinition: "web", desiredCount: 4, launchType: "EC2" });
    await serviceWhen(ns, "4 running on EC2", steady(4), 90_000);
    await mergePatch(EcsServices, ns, "web", { spec: { launchType: null, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] } });
    const moved = eventually("4 ready tasks, all on the serverless pool, and the service steady on FARGATE", async () => {
      const svc = await readService(ns);
      const ready = (await podsOf(ns)).filter(isReady);
      const done = svc.status !== undefined && steady(4)(svc.status) && svc.status.launchType === "FARGATE" && ready.length === 4 && ready.every((p) => p.spec?.nodeName?.startsWith("fargate-") === true);
      return done ? svc : undefined;
    }, 90_000);
    const { min, samples } = await sampleReady(ns, moved);
    expect(samples).toBeGreaterThan(3);
    expect(min).toBeGreaterThanOrEqual(4);
    const pods = (await podsOf(ns)).filter(isReady);
    expect(pods.every((p) => p.spec?.nodeName?.startsWith("fargate-") === true)).toBe(true);
    const deployments = await apiRequest<{ items: { metadata: { name: string } }[] }>(kc, { method: "GET", path: resourcePath(Deployments, ns) });
    expect(deployments.items.map((d) => d.metadata.name)).toEqual(["web-fargate"]);
  });

  it("a revision whose essential container exits (crash loop) trips the circuit breaker and rolls back", async () => {
    const ns = await testNamespace(kc, "svc-crash");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 2, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } });
    await serviceWhen(ns, "2 running on web:1", steady(2, "web:1"), 90_000);
    await mergePatch(TaskDefinitions, ns, "web", {
      spec: { containerDefinitions: [container({ environment: [{ name: "V", value: "crash" }] })], kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "app=3", "kwok.ecs-operator.dev/exit-delay": "100ms" } } },
    });
    const svc = await serviceWhen(ns, "rolled back to web:1", (s) => steady(2, "web:1")(s) && (s.deployments ?? []).some((d) => d.rolloutState === "FAILED"), 90_000);
    const failed = svc.status?.deployments?.find((d) => d.rolloutState === "FAILED");
    expect(failed?.taskDefinition).toBe("web:2");
    expect(failed?.failedTasks).toBeGreaterThanOrEqual(3);
    // The rollback scales web:2's ReplicaSet to 0, but that ReplicaSet may still be creating a replacement for a
    // crashed pod the controller stopped: such a pod is created after the status was written, is ready for the
    // moment before its container exits, and is deleted by its ReplicaSet. Its going is what to wait for; then
    // the service is steady on web:1 with exactly the two web:1 tasks ready.
    await eventually("no web:2 pod left", async () => !(await podsOf(ns)).some((p) => p.metadata?.labels?.["ecs.operator.dev/revision"] === "2"), 30_000);
    const after = await serviceWhen(ns, "steady on web:1 once web:2's pods are gone", steady(2, "web:1"));
    expect(after.status?.deployments?.[0]).toMatchObject({ status: "PRIMARY", taskDefinition: "web:1", rolloutState: "COMPLETED" });
    expect((await podsOf(ns)).filter(isReady).map((p) => p.metadata?.labels?.["ecs.operator.dev/revision"])).toEqual(["1", "1"]);
  });

  it("without rollback a failed deployment is Stalled (DeploymentFailed) and the old tasks keep serving", async () => {
    const ns = await testNamespace(kc, "svc-norollback");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 2, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } } });
    await serviceWhen(ns, "2 running on web:1", steady(2, "web:1"), 90_000);
    await mergePatch(TaskDefinitions, ns, "web", {
      spec: { containerDefinitions: [container({ environment: [{ name: "V", value: "broken" }] })], kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/image-pull-error": "true" } } },
    });
    const svc = await serviceWhen(ns, "Stalled DeploymentFailed", (_s, s) => condition(s, "Stalled")?.reason === "DeploymentFailed", 90_000);
    expect(svc.status?.deployments?.[0]).toMatchObject({ status: "PRIMARY", taskDefinition: "web:2", rolloutState: "FAILED" });
    expect(svc.status?.deployments?.[0]?.failedTasks).toBeGreaterThanOrEqual(3);
    expect(svc.status?.deployments?.[1]).toMatchObject({ status: "ACTIVE", taskDefinition: "web:1", runningCount: 2 });
    // minimumHealthyPercent 100 and tasks that never became ready: the old tasks kept serving.
    expect((await podsOf(ns)).filter(isReady).map((p) => p.metadata?.labels?.["ecs.operator.dev/revision"])).toEqual(["1", "1"]);
  });
});

describe("Service: task role", () => {
  it("a taskRoleArn gets its ServiceAccount (IRSA annotation), owned by the TaskDefinition, and the tasks run with it", async () => {
    const ns = await testNamespace(kc, "svc-role");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition({ taskRoleArn: "arn:aws:iam::111122223333:role/web-task" }));
    await createService(ns, { taskDefinition: "web", desiredCount: 1 });
    await serviceWhen(ns, "1 running", steady(1), 90_000);
    const [pod] = (await podsOf(ns)).filter(isReady);
    const saName = pod?.spec?.serviceAccountName ?? "";
    expect(saName).not.toBe("default");
    const sa = await apiRequest<{ metadata: { annotations?: Record<string, string>; ownerReferences?: { kind: string }[] } }>(kc, { method: "GET", path: resourcePath(ServiceAccounts, ns, saName) });
    expect(sa.metadata.annotations?.["eks.amazonaws.com/role-arn"]).toBe("arn:aws:iam::111122223333:role/web-task");
    expect(sa.metadata.ownerReferences?.map((r) => r.kind)).toEqual(["TaskDefinition"]);
  });
});

describe("Service: placement", () => {
  it("memberOf places pods only on matching nodes; =~ is compiled against the node labels", async () => {
    const ns = await testNamespace(kc, "svc-memberof");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 4,
      launchType: "EC2",
      placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ c5.* || attribute:ecs.cpu-architecture == arm64" }],
    });
    await serviceWhen(ns, "4 running", steady(4), 90_000);
    const nodes = new Set((await podsOf(ns)).map((p) => p.spec?.nodeName));
    expect([...nodes].every((n) => n === "od-b-2" || n === "od-c-arm-1")).toBe(true);
  });

  it("binpack without a packing scheduler profile prefers nodes that already run the service, and never leaves tasks pending", async () => {
    const ns = await testNamespace(kc, "svc-binpack");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 3, launchType: "EC2", placementStrategy: [{ type: "binpack", field: "memory" }] });
    await serviceWhen(ns, "3 running", steady(3), 90_000);
    const d = await apiRequest<{ spec: { template: { spec: { schedulerName?: string; affinity?: { podAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: unknown[] } } } } } }>(kc, {
      method: "GET",
      path: resourcePath(Deployments, ns, "web-ec2"),
    });
    expect(d.spec.template.spec.schedulerName).toBe("default-scheduler");
    expect(d.spec.template.spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it("binpack with the ecs-binpack scheduler profile packs the tasks onto one node", async () => {
    const ns = await testNamespace(kc, "svc-packed");
    await startControllers(ns, { binpackSchedulerName: "ecs-binpack" });
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 3, launchType: "EC2", placementStrategy: [{ type: "binpack", field: "memory" }] });
    await serviceWhen(ns, "3 running", steady(3), 90_000);
    const pods = await podsOf(ns);
    expect(pods.map((p) => p.spec?.schedulerName)).toEqual(["ecs-binpack", "ecs-binpack", "ecs-binpack"]);
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(1);
  });

  it("a bad memberOf expression is refused with Stalled naming the field and the column", async () => {
    const ns = await testNamespace(kc, "svc-badquery");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", launchType: "EC2", placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type == (" }] });
    // The first pass may still miss the TaskDefinition in its cache (Stalled: TaskDefinitionNotFound); its arrival wakes the Service.
    const svc = await serviceWhen(ns, "Stalled: InvalidPlacement", (_s, s) => condition(s, "Stalled")?.reason === "InvalidPlacement");
    expect(condition(svc, "Stalled")?.status).toBe("True");
    expect(condition(svc, "Stalled")?.message).toMatch(/spec\.placementConstraints\[0\]\.expression: .*column \d+/);
  });
});

describe("Service: placement follows the nodes", () => {
  it("a =~ pattern that matches no node keeps tasks pending; relabelling a node to match places them there", async () => {
    const ns = await testNamespace(kc, "svc-relabel");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 2, launchType: "EC2", placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t9\\..*" }] });
    await serviceWhen(ns, "2 pending", (s) => s.pendingCount === 2 && s.runningCount === 0);
    expect((await podsOf(ns)).every((p) => p.spec?.nodeName === undefined)).toBe(true);
    const pendingSvc = await serviceWhen(ns, "an unable-to-place event", (st) => (st.events ?? []).some((e) => e.message?.includes("was unable to place a task") === true));
    expect(pendingSvc.status?.events?.[0]?.message).toMatch(/^\(service web\) was unable to place a task because no container instance met all of its requirements\. Reason: 0\/\d+ nodes are available/);
    try {
      await mergePatch(Nodes, undefined, "od-a-1", { metadata: { labels: { "node.kubernetes.io/instance-type": "t9.large" } } });
      await serviceWhen(ns, "2 running on the relabelled node", steady(2), 90_000);
      expect(new Set((await podsOf(ns)).filter(isReady).map((p) => p.spec?.nodeName))).toEqual(new Set(["od-a-1"]));
    } finally {
      await mergePatch(Nodes, undefined, "od-a-1", { metadata: { labels: { "node.kubernetes.io/instance-type": "m5.xlarge" } } });
    }
  });
});

describe("Service: DAEMON", () => {
  it("a DAEMON service runs one task on every node of the EC2 pool, as a DaemonSet", async () => {
    const ns = await testNamespace(kc, "svc-daemon");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", schedulingStrategy: "DAEMON", launchType: "EC2" });
    const onDemand = TEST_NODES.filter((n) => n.pool === "on-demand").map((n) => n.name).sort();
    const svc = await serviceWhen(ns, `${onDemand.length} running`, steady(onDemand.length), 90_000);
    expect(svc.status?.desiredCount).toBe(onDemand.length);
    const pods = (await podsOf(ns)).filter(isReady);
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(onDemand);
    expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === "DaemonSet")).toBe(true);
  });

  it("a DAEMON service on a FARGATE-type provider is refused, naming the field", async () => {
    const ns = await testNamespace(kc, "svc-daemon-fargate");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", schedulingStrategy: "DAEMON", capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] });
    const svc = await serviceWhen(ns, "Stalled", (_s, s) => condition(s, "Stalled")?.status === "True");
    expect(condition(svc, "Stalled")).toMatchObject({ reason: "UnsupportedSchedulingStrategy" });
    expect(condition(svc, "Stalled")?.message).toContain("spec.capacityProviderStrategy");
  });
});

describe("Service: deletion and interruptions", () => {
  it("deleting a service drains it: DRAINING while its tasks stop, then it is gone", async () => {
    const ns = await testNamespace(kc, "svc-drain");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 3 });
    const svc = await serviceWhen(ns, "3 running", steady(3), 90_000);
    expect(svc.metadata.finalizers).toContain(SERVICE_FINALIZER);
    // A finalizer on one pod keeps that task "stopping", so the DRAINING state can be seen.
    const [held] = await podsOf(ns);
    const heldName = held?.metadata?.name ?? "";
    await mergePatch(Pods, ns, heldName, { metadata: { finalizers: ["test.ecs-operator.dev/hold"] } });
    await apiRequest(kc, { method: "DELETE", path: resourcePath(EcsServices, ns, "web") });
    const draining = await eventually("DRAINING", async () => {
      const s = await readService(ns);
      return s.status?.status === "DRAINING" && (await podsOf(ns)).length === 1 ? s : undefined;
    });
    expect(condition(draining, "Reconciling")).toMatchObject({ status: "True", reason: "Draining" });
    expect(draining.status?.events?.[0]?.message).toBe("(service web) is draining: stopping its tasks before the service is deleted.");
    const deployments = await apiRequest<{ items: { spec: { replicas: number } }[] }>(kc, { method: "GET", path: resourcePath(Deployments, ns) });
    expect(deployments.items.map((d) => d.spec.replicas)).toEqual([0]);
    await mergePatch(Pods, ns, heldName, { metadata: { finalizers: null } });
    await eventually("the service is gone", async () => {
      try {
        await readService(ns);
        return false;
      } catch {
        return true;
      }
    });
    expect((await podsOf(ns)).filter((p) => p.metadata?.deletionTimestamp === undefined)).toHaveLength(0);
  });

  it("a spot node that goes away: its task is stopped as SpotInterruption and replaced at once", async () => {
    const ns = await testNamespace(kc, "svc-spot");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    // The spot pool as a provider of its own, so the task lands on a spot node.
    await clusterScoped.capacityProvider("spot-pool", { type: "EC2", spot: true, kubernetes: { nodeSelector: { "kubernetes.io/hostname": "spot-b-1" } } }, { apply: true });
    await createService(ns, { taskDefinition: "web", desiredCount: 1, capacityProviderStrategy: [{ capacityProvider: "spot-pool", weight: 1 }] });
    await serviceWhen(ns, "1 running", steady(1), 90_000);
    const [before] = await podsOf(ns);
    expect(before?.spec?.nodeName).toBe("spot-b-1");

    await clusterScoped.deleteNode("spot-b-1");
    try {
      const svc = await serviceWhen(ns, "a SpotInterruption event", (s) => (s.events ?? []).some((e) => e.message?.includes("SpotInterruption") === true), 60_000);
      expect(svc.status?.events?.find((e) => e.message?.includes("SpotInterruption"))?.message).toMatch(/^\(service web\) stopped 1 running tasks: SpotInterruption/);
      await eventually("the interrupted pod is gone", async () => !(await podsOf(ns)).some((p) => p.metadata?.uid === before?.metadata?.uid));
    } finally {
      await clusterScoped.restoreNode("spot-b-1");
    }
    await serviceWhen(ns, "running again on the re-created node", steady(1), 90_000);
    const [after] = (await podsOf(ns)).filter(isReady);
    expect(after?.metadata?.uid).not.toBe(before?.metadata?.uid);
    expect((await readService(ns)).status?.deployments?.[0]?.failedTasks ?? 0).toBe(0);
  });
});

describe("Service: interruption notices", () => {
  it("a node tainted by an interruption handler: its task is stopped and replaced elsewhere, and it is no failure", async () => {
    const ns = await testNamespace(kc, "svc-taint");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 1, launchType: "EC2", deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } });
    await serviceWhen(ns, "1 running", steady(1), 90_000);
    const [before] = await podsOf(ns);
    const node = before?.spec?.nodeName ?? "";
    const taint = { key: "aws-node-termination-handler/spot-itn", value: "interrupt", effect: "NoSchedule" };
    const original = await apiRequest<V1Node>(kc, { method: "GET", path: resourcePath(Nodes, undefined, node) });
    try {
      await mergePatch(Nodes, undefined, node, { spec: { taints: [...(original.spec?.taints ?? []), taint] } });
      const svc = await serviceWhen(ns, "replaced on another node", (s) => steady(1)(s) && (s.events ?? []).some((e) => e.message?.includes("TerminationNotice") === true), 90_000);
      const [after] = (await podsOf(ns)).filter(isReady);
      expect(after?.spec?.nodeName).not.toBe(node);
      expect(svc.status?.events?.find((e) => e.message?.includes("TerminationNotice"))?.message).toContain(`node ${node} is being terminated (taint aws-node-termination-handler/spot-itn)`);
      expect(svc.status?.deployments?.[0]?.failedTasks ?? 0).toBe(0);
    } finally {
      await mergePatch(Nodes, undefined, node, { spec: { taints: original.spec?.taints ?? null } });
    }
  });
});

describe("Service: autoscaling and load balancing", () => {
  it("autoScaling gives an HPA aimed at the scale subresource, and kubectl scale changes desiredCount", async () => {
    const ns = await testNamespace(kc, "svc-hpa");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 10,
        // The test control plane serves live metrics: idle tasks would have the HPA scale a manual 5 back in (as AAS
        // would), so scale-in is off and the manual count stands (scaling on load: autoscaling.test.ts).
        targetTrackingScalingPolicies: [{ policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60, disableScaleIn: true, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } }],
      },
    });
    await serviceWhen(ns, "2 running", steady(2), 90_000);
    const hpa = await eventually("the HPA", () =>
      apiRequest<{ spec: { scaleTargetRef: unknown; minReplicas: number; maxReplicas: number; metrics: { resource?: { name: string; target: { averageUtilization: number } } }[] } }>(kc, {
        method: "GET",
        path: resourcePath(HorizontalPodAutoscalers, ns, "web"),
      }),
    );
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: API_GROUP_VERSION, kind: "Service", name: "web" });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([1, 10]);
    expect(hpa.spec.metrics[0]?.resource).toMatchObject({ name: "cpu", target: { averageUtilization: 60 } });

    await kubectl("-n", ns, "scale", "ecsservice/web", "--replicas", "5");
    const svc = await serviceWhen(ns, "5 running after kubectl scale", steady(5), 90_000);
    expect(svc.spec.desiredCount).toBe(5);
    expect((await podsOf(ns)).filter(isReady)).toHaveLength(5);
    // The PDB keeps minimumHealthyPercent (100 % of 5) through node drains.
    const pdb = await eventually("the PDB at 5", async () => {
      const p = await apiRequest<{ spec: { minAvailable: number } }>(kc, { method: "GET", path: resourcePath(PodDisruptionBudgets, ns, "web") });
      return p.spec.minAvailable === 5 ? p : undefined;
    });
    expect(pdb.spec.minAvailable).toBe(5);
  });

  it("loadBalancers and the ingress route to the named container port, and only ready tasks are endpoints", async () => {
    const ns = await testNamespace(kc, "svc-lb");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition({ containerDefinitions: [container({ portMappings: [{ containerPort: 9090, name: "admin" }, { containerPort: 8080, name: "http" }] })] }));
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 3,
      loadBalancers: [{ containerName: "app", containerPort: 8080, targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef" }],
      kubernetes: { ingress: { host: "web.example.com", className: "nginx" } },
    });
    await serviceWhen(ns, "3 running", steady(3), 90_000);
    const service = await eventually("the Service", () =>
      apiRequest<{ spec: { selector: Record<string, string>; ports: { port: number; targetPort: number | string }[] } }>(kc, { method: "GET", path: resourcePath(Services, ns, "web") }),
    );
    expect(service.spec.selector).toEqual({ "ecs.operator.dev/service": "web" });
    expect(service.spec.ports).toHaveLength(1);
    const [pod] = (await podsOf(ns)).filter(isReady);
    const target = service.spec.ports[0]?.targetPort;
    const podPort = pod?.spec?.containers[0]?.ports?.find((p) => p.name === target || p.containerPort === target);
    expect(podPort?.containerPort).toBe(8080);

    const ingress = await eventually("the Ingress", () =>
      apiRequest<{ spec: { ingressClassName: string; rules: { host: string; http: { paths: { backend: { service: { name: string; port: { number?: number; name?: string } } } }[] } }[] } }>(kc, {
        method: "GET",
        path: resourcePath(Ingresses, ns, "web"),
      }),
    );
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.rules[0]?.host).toBe("web.example.com");
    const backend = ingress.spec.rules[0]?.http.paths[0]?.backend.service;
    expect(backend?.name).toBe("web");
    expect(backend?.port.number).toBe(service.spec.ports[0]?.port);

    // One task stops passing its health checks: it leaves the endpoints, the others stay.
    await mergePatch(Pods, ns, pod?.metadata?.name ?? "", { metadata: { annotations: { "kwok.ecs-operator.dev/not-ready": "true" } } });
    const slices = await eventually("EndpointSlices with 2 ready endpoints and the unready one not ready", async () => {
      const list = await apiRequest<{ items: { endpoints?: { targetRef?: { name: string }; conditions?: { ready?: boolean } }[]; ports?: { port: number }[] }[] }>(kc, {
        method: "GET",
        path: `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
        query: { labelSelector: "kubernetes.io/service-name=web" },
      });
      const endpoints = list.items.flatMap((s) => s.endpoints ?? []);
      const ready = endpoints.filter((e) => e.conditions?.ready === true);
      const unready = endpoints.find((e) => e.targetRef?.name === pod?.metadata?.name);
      return ready.length === 2 && unready?.conditions?.ready === false ? list : undefined;
    });
    expect(slices.items.flatMap((s) => s.ports ?? []).map((p) => p.port)).toEqual([8080]);
  });
});

describe("Service: ownership", () => {
  it("a Kubernetes Service of the same name that the service does not own is never adopted: NotOwned", async () => {
    const ns = await testNamespace(kc, "svc-owned");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await post(Services, ns, { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "other" }, ports: [{ port: 80 }] } });
    await createService(ns, { taskDefinition: "web", desiredCount: 1, loadBalancers: [{ containerName: "app", containerPort: 8080 }] });
    const svc = await serviceWhen(ns, "Stalled NotOwned", (_s, s) => condition(s, "Stalled")?.reason === "NotOwned");
    expect(condition(svc, "Stalled")?.message).toContain("Service web already exists and is not owned by this service");
    const theirs = await apiRequest<{ spec: { selector: Record<string, string> }; metadata: { ownerReferences?: unknown[] } }>(kc, { method: "GET", path: resourcePath(Services, ns, "web") });
    expect(theirs.spec.selector).toEqual({ app: "other" });
    expect(theirs.metadata.ownerReferences).toBeUndefined();
  });
});

describe("Service: controller restarts", () => {
  it("a controller stopped in the middle of a rollout and started again finishes it as one deployment", async () => {
    const ns = await testNamespace(kc, "svc-restart");
    const first = await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, { taskDefinition: "web", desiredCount: 3 });
    await serviceWhen(ns, "3 running on web:1", steady(3, "web:1"), 90_000);
    // New tasks take 3 s to start, so the controller is surely stopped while the deployment is in progress.
    await mergePatch(TaskDefinitions, ns, "web", {
      spec: { containerDefinitions: [container({ environment: [{ name: "V", value: "2" }] })], kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/start-delay": "3s" } } },
    });
    const rolling = await serviceWhen(ns, "the web:2 deployment started", (s) => s.deployments?.[0]?.taskDefinition === "web:2");
    await first.stop();
    expect(rolling.status?.deployments?.[0]?.rolloutState).toBe("IN_PROGRESS");
    await startControllers(ns);
    const svc = await serviceWhen(ns, "3 running on web:2", steady(3, "web:2"), 90_000);
    expect(svc.status?.deployments?.map((d) => d.id)).toEqual([rolling.status?.deployments?.[0]?.id]);
    expect(svc.status?.events?.filter((e) => e.message?.includes("deployment completed.")).map((e) => e.message)).toHaveLength(2);
  });
});

describe("Service: efficiency", () => {
  const total = async (metric: { get(): Promise<{ values: { value: number; labels: Record<string, string | number> }[] }> }, filter: (l: Record<string, string | number>) => boolean = () => true) =>
    (await metric.get()).values.filter((v) => filter(v.labels)).reduce((n, v) => n + v.value, 0);

  it("reconciles of a steady service write nothing (children, status, events)", async () => {
    const ns = await testNamespace(kc, "svc-quiet");
    const mgr = await startControllers(ns, { steadyRecheckMs: 200 });
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      loadBalancers: [{ containerName: "app", containerPort: 8080 }],
      kubernetes: { ingress: { host: "quiet.example.com" } },
      autoScaling: { minCapacity: 1, maxCapacity: 4, targetTrackingScalingPolicies: [{ policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 50, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } }] },
      placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }],
    });
    await serviceWhen(ns, "2 running", steady(2), 90_000);
    // Let the last writes' watch events come back, then count.
    const reconciles = () => total(mgr.metrics.reconcileTotal, (l) => l.controller === "service");
    const settleFrom = await reconciles();
    await eventually("a few quiet reconciles", async () => (await reconciles()) >= settleFrom + 5);
    const writesBefore = await total(mgr.metrics.apiWrites);
    const from = await reconciles();
    await eventually("ten more reconciles", async () => (await reconciles()) >= from + 10);
    expect(await total(mgr.metrics.apiWrites)).toBe(writesBefore);
  });
});

describe("Service: scheduled scaling (injected clock)", () => {
  it("a scheduled action moves the HPA's min/max at its time: the controller requeues itself for it", async () => {
    const ns = await testNamespace(kc, "svc-sched");
    // The action is at a whole minute at least two minutes ahead ("noon"); the controller's clock reads 4 s before it
    // and runs on from there. Ahead, not behind: a run before the Service was created (its creationTimestamp, the API
    // server's real clock) never applies.
    const noon = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
    const offset = noon - 4_000 - Date.now();
    // Resyncs far away: only the requeue at the next change time can wake the controller at noon.
    await startControllers(ns, { now: () => new Date(Date.now() + offset), steadyRecheckMs: 600_000, progressRecheckMs: 600_000 });
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 10,
        targetTrackingScalingPolicies: [{ policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } }],
        scheduledActions: [{ scheduledActionName: "noon", schedule: `at(${new Date(noon).toISOString().slice(0, 19)})`, scalableTargetAction: { minCapacity: 3, maxCapacity: 6 } }],
      },
    });
    const limits = async () => {
      const h = await apiRequest<{ spec: { minReplicas: number; maxReplicas: number } }>(kc, { method: "GET", path: resourcePath(HorizontalPodAutoscalers, ns, "web") });
      return JSON.stringify([h.spec.minReplicas, h.spec.maxReplicas]);
    };
    await eventually("the HPA at 1..10 before noon", async () => (await limits()) === "[1,10]");
    const before = Date.now() + offset;
    expect(before).toBeLessThan(noon);
    // Nothing pokes the service: only the requeue at the next change time can move the limits.
    await eventually("the HPA at 3..6 after noon", async () => (await limits()) === "[3,6]", 30_000);
    expect(Date.now() + offset).toBeGreaterThanOrEqual(noon);
  });
});
