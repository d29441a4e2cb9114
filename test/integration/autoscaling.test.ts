// Autoscaling seen end to end on the real control plane: kwok makes the tasks use the CPU and memory their
// annotations say (test/controlplane/kwok/metrics.yaml), metrics-server serves it through the aggregation layer, the
// HPA the operator writes reads it and moves spec.desiredCount through the Service's scale subresource, and the
// Service controller follows with tasks split over the capacity provider strategy. The test control plane runs the
// HPA controller every 2 s and metrics-server at its 10 s resolution (docs/autoscaling.md, "The test pipeline").
// The tests run concurrently, each in a namespace of its own, to keep the file near a minute and a half.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, describe, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import type { ServiceStatus } from "../../src/api/service.ts";
import { splitDesiredCount } from "../../src/builders/capacity/split.ts";
import { CapacityContext } from "../../src/controllers/capacity-context.ts";
import { EcsServices, type ServiceObject } from "../../src/controllers/ecs-resources.ts";
import { registerServiceController } from "../../src/controllers/service/controller.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { TaskDefinitions } from "../../src/controllers/task-definition/resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Deployments, HorizontalPodAutoscalers, Pods, resourcePath } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace, kubeconfigPath } from "./support/cluster.ts";
import { ClusterScoped } from "./support/cluster-scoped.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const run = promisify(execFile);
const clusterScoped = new ClusterScoped(kc, "autoscaling-test");

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await clusterScoped.cleanup();
});

/** The annotations kwok reads (kwok/metrics.yaml): percent of each container's request the task uses. */
const CPU_UTILIZATION = "kwok.ecs-operator.dev/cpu-utilization";
const MEMORY_UTILIZATION = "kwok.ecs-operator.dev/memory-utilization";

async function startControllers(namespace: string, opts: { now?: () => Date; steadyRecheckMs?: number; progressRecheckMs?: number } = {}): Promise<void> {
  const { now, ...serviceOpts } = opts;
  const mgr = new Manager({ kubeConfig: kc, identity: "autoscaling-test", logger: createLogger({ level: "error" }), ...(now === undefined ? {} : { now }) });
  managers.push(mgr);
  const taskDefinitions = registerTaskDefinitionController(mgr, { namespace });
  registerServiceController(mgr, { namespace, taskDefinitions, capacity: new CapacityContext(mgr, namespace), progressRecheckMs: 2_000, ...serviceOpts });
  await mgr.start();
}

// 256 CPU units and 512 MiB: every task requests 250m and 512Mi, so 90 % CPU is 225m.
const taskDefinition = (fields: Record<string, unknown> = {}) => ({
  family: "web",
  cpu: "256",
  memory: "512",
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  containerDefinitions: [{ name: "app", image: "registry.example.com/web:1.0", portMappings: [{ containerPort: 8080, name: "http" }] }],
  ...fields,
});
const cpuPolicy = (targetValue: number, config: Record<string, unknown> = {}) => ({
  policyName: "cpu",
  targetTrackingScalingPolicyConfiguration: { targetValue, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, ...config },
});

const post = (rt: Parameters<typeof resourcePath>[0], ns: string, body: Record<string, unknown>) => apiRequest(kc, { method: "POST", path: resourcePath(rt, ns), body });
const createTaskDefinition = (ns: string, spec: Record<string, unknown>) => post(TaskDefinitions, ns, { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name: "web" }, spec });
const createService = (ns: string, spec: Record<string, unknown>) => post(EcsServices, ns, { apiVersion: API_GROUP_VERSION, kind: "Service", metadata: { name: "web" }, spec });
const readService = (ns: string) => apiRequest<ServiceObject>(kc, { method: "GET", path: resourcePath(EcsServices, ns, "web") });

interface Hpa {
  spec: { minReplicas: number; maxReplicas: number };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    lastScaleTime?: string;
    currentMetrics?: { resource?: { name: string; current: { averageUtilization?: number } } }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}
const readHpa = (ns: string) => apiRequest<Hpa>(kc, { method: "GET", path: resourcePath(HorizontalPodAutoscalers, ns, "web") });
/** The HPA's current average utilization of `resource` (percent of requests), once metrics-server has served it. */
const utilization = (h: Hpa, resource: "cpu" | "memory"): number | undefined =>
  h.status?.currentMetrics?.find((m) => m.resource?.name === resource)?.resource?.current.averageUtilization;
const hpaCondition = (h: Hpa, type: string) => h.status?.conditions?.find((c) => c.type === type);

async function podsOf(ns: string): Promise<V1Pod[]> {
  const list = await apiRequest<{ items: V1Pod[] }>(kc, { method: "GET", path: resourcePath(Pods, ns), query: { labelSelector: "ecs.operator.dev/service=web" } });
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

function serviceWhen(ns: string, what: string, ok: (s: ServiceStatus, svc: ServiceObject) => boolean, timeoutMs = 90_000): Promise<ServiceObject> {
  return eventually(
    `Service web: ${what}`,
    async () => {
      const svc = await readService(ns);
      return svc.status && svc.status.observedGeneration === svc.metadata.generation && ok(svc.status, svc) ? svc : undefined;
    },
    timeoutMs,
  );
}
const steady = (count: number) => (s: ServiceStatus, svc: ServiceObject) =>
  svc.spec.desiredCount === count && s.runningCount === count && s.deployments?.[0]?.rolloutState === "COMPLETED" && s.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfigPath(), ...args], { timeout: 60_000 });
/** The messages of the HPA's SuccessfulRescale events ("New size: 6; reason: …"), oldest first. */
async function rescales(ns: string): Promise<string[]> {
  const { stdout } = await kubectl("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale", "-o", "json");
  const items = (JSON.parse(stdout) as { items: { message: string; firstTimestamp?: string; eventTime?: string }[] }).items;
  const at = (e: { firstTimestamp?: string; eventTime?: string }) => e.firstTimestamp ?? e.eventTime ?? "";
  return items.sort((x, y) => at(x).localeCompare(at(y))).map((e) => e.message);
}
/** The Kubernetes Events of the ECS Service web with this reason: their messages. */
async function serviceEvents(ns: string, reason: string): Promise<string[]> {
  const { stdout } = await kubectl("-n", ns, "get", "events", "--field-selector", `involvedObject.kind=Service,involvedObject.name=web,reason=${reason}`, "-o", "json");
  return (JSON.parse(stdout) as { items: { message: string }[] }).items.map((e) => e.message);
}
/** The task ids of the status.events messages "(service web) has started|has stopped N [running ]tasks: (task a) (task b).". */
function tasksIn(s: ServiceStatus, verb: "has started" | "has stopped"): string[] {
  const out: string[] = [];
  for (const e of s.events ?? []) {
    const m = new RegExp(`^\\(service web\\) ${verb} (\\d+) (?:running )?tasks: (.*)\\.$`).exec(e.message ?? "");
    if (m === null) continue;
    const ids = [...(m[2] ?? "").matchAll(/\(task ([^)]+)\)/g)].map((x) => x[1] ?? "");
    if (ids.length !== Number(m[1])) throw new Error(`"${e.message ?? ""}" counts ${m[1] ?? ""} tasks but names ${ids.length}`);
    out.push(...ids);
  }
  return out.sort();
}
const autoScaling = (s: ServiceStatus) => s.conditions?.find((c) => c.type === "AutoScaling");

/** What a load change looks like to the tasks: every running task of the service now uses `percent` of its request. */
const setLoad = (ns: string, annotation: string, percent: number) =>
  kubectl("-n", ns, "annotate", "pods", "-l", "ecs.operator.dev/service=web", `${annotation}=${percent}`, "--overwrite");

describe.concurrent("Service autoscaling on live metrics", () => {
  it("CPU target 60 %: 4 tasks at 90 % → desiredCount 6, new tasks split per strategy; at 10 % it scales in only after the 20 s scale-in cooldown, and not below minCapacity 2", { timeout: 300_000 }, async ({ expect }) => {
    const ns = await testNamespace(kc, "as-cpu");
    // The kwok cluster has no node that is both Fargate and spot: FARGATE_SPOT is pointed at the spot pool.
    await clusterScoped.capacityProvider("fargate-spot", { kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "spot" } } }, { apply: true });
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    const strategy = [
      { capacityProvider: "FARGATE", base: 1, weight: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 3 },
    ];
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 4,
      capacityProviderStrategy: strategy,
      autoScaling: { minCapacity: 2, maxCapacity: 10, targetTrackingScalingPolicies: [cpuPolicy(60, { scaleInCooldown: 20, scaleOutCooldown: 0 })] },
    });
    const first = await serviceWhen(ns, "4 tasks running", steady(4));
    const firstTasks = (await podsOf(ns)).map((p) => p.metadata?.name ?? "").sort();
    expect(tasksIn(first.status ?? {}, "has started")).toEqual(firstTasks);
    // The load arrives before metrics-server has the two samples of the new tasks that a CPU rate needs, so the HPA's
    // first recommendation already sees it (idle tasks, at 10 %, would have it scale in to minCapacity after the cooldown).
    await setLoad(ns, CPU_UTILIZATION, 90);

    await eventually("the HPA to see ~90 % and raise desiredCount to 6", async () => (await readService(ns)).spec.desiredCount === 6, 90_000);
    // One step to 6, or two when metrics-server had a rate for only some of the tasks at first (the others count as 0).
    const out = await rescales(ns);
    expect(out.at(-1)).toBe("New size: 6; reason: cpu resource utilization (percentage of request) above target");
    for (const m of out) expect(m).toMatch(/^New size: [56]; reason: cpu resource utilization \(percentage of request\) above target$/);
    const scaled = await serviceWhen(ns, "6 tasks running after the scale-out", steady(6));
    expect(scaled.spec.desiredCount).toBe(6);
    // The new tasks follow the strategy: the same split the controller computes for 6 (base 1 on FARGATE, then 1:3).
    const want = Object.fromEntries(splitDesiredCount(6, strategy).map((s) => [s.capacityProvider, s.count]));
    const pods = await podsOf(ns);
    const byProvider = (cp: string) => pods.filter((p) => p.metadata?.labels?.["ecs.operator.dev/capacity-provider"] === cp).length;
    expect({ FARGATE: byProvider("FARGATE"), FARGATE_SPOT: byProvider("FARGATE_SPOT") }).toEqual(want);
    expect(pods.filter((p) => p.metadata?.labels?.["ecs.operator.dev/capacity-provider"] === "FARGATE_SPOT").every((p) => p.spec?.nodeName?.startsWith("spot-"))).toBe(true);
    const deployments = await apiRequest<{ items: { metadata: { name: string }; spec: { replicas: number } }[] }>(kc, { method: "GET", path: resourcePath(Deployments, ns) });
    expect(Object.fromEntries(deployments.items.map((d) => [d.metadata.name, d.spec.replicas]))).toEqual({ "web-fargate": want.FARGATE, "web-fargate-spot": want.FARGATE_SPOT });
    // ECS's events name the 2 tasks the scale-out started (in one message, or two on the 4 → 5 → 6 path).
    const sixTasks = pods.map((p) => p.metadata?.name ?? "").sort();
    expect(tasksIn(scaled.status ?? {}, "has started")).toEqual(sixTasks);
    expect((await serviceEvents(ns, "TasksStarted")).some((m) => /^\(service web\) has started [12] tasks: /.test(m))).toBe(true);
    // 4 tasks at 90 % and 2 new idle ones (10 %) average 63 %, within the HPA's 10 % tolerance of 60 %: it holds at 6.
    const held = await eventually("the HPA to settle at 6 on ~60 %", async () => {
      const h = await readHpa(ns);
      const u = utilization(h, "cpu");
      return u !== undefined && u <= 70 && h.status?.desiredReplicas === 6 ? h : undefined;
    }, 60_000);
    expect(held.status?.currentReplicas).toBe(6);

    // Load drops: every task at 10 %. The HPA recommends 1; the cooldown holds 6 for 20 s, then minCapacity stops it at 2.
    const dropped = Date.now();
    await setLoad(ns, CPU_UTILIZATION, 10);
    const low = await eventually("the HPA to see the drop", async () => {
      const [h, svc] = await Promise.all([readHpa(ns), readService(ns)]);
      const u = utilization(h, "cpu");
      return u !== undefined && u <= 15 ? { h, desiredCount: svc.spec.desiredCount } : undefined;
    }, 60_000);
    expect(low.desiredCount).toBe(6);
    const scaledIn = await serviceWhen(ns, "scaled in to minCapacity 2", steady(2), 120_000);
    expect(scaledIn.spec.desiredCount).toBe(2);
    // Scale-in: the 4 tasks that went are reported as stopped (one message, or a few as the pods terminate), none twice.
    const left = (await podsOf(ns)).map((p) => p.metadata?.name ?? "");
    const stopped = await serviceWhen(ns, "the 4 stopped tasks reported", (s) => tasksIn(s, "has stopped").length >= 4);
    expect(tasksIn(stopped.status ?? {}, "has stopped")).toEqual(sixTasks.filter((n) => !left.includes(n)));
    expect((await serviceEvents(ns, "TasksStopped")).every((m) => /^\(service web\) has stopped \d+ running tasks: /.test(m))).toBe(true);
    const atMin = await eventually("the HPA limited by minCapacity", async () => {
      const h = await readHpa(ns);
      return hpaCondition(h, "ScalingLimited")?.reason === "TooFewReplicas" ? h : undefined;
    });
    expect(hpaCondition(atMin, "ScalingLimited")?.status).toBe("True");
    // The HPA's last scale (seconds precision) came no sooner than the cooldown after the load dropped.
    expect(Date.parse(atMin.status?.lastScaleTime ?? "")).toBeGreaterThanOrEqual(dropped - 1_000 + 20_000);
    expect(atMin.status?.desiredReplicas).toBe(2);
  });

  it("maxCapacity caps a service whose every task runs hot (4), and disableScaleIn holds the count when the load goes", { timeout: 300_000 }, async ({ expect }) => {
    const ns = await testNamespace(kc, "as-hold");
    await startControllers(ns);
    // Every task, including the ones scaling out adds, starts at 90 %: only maxCapacity stops the scale-out.
    await createTaskDefinition(ns, taskDefinition({ kubernetes: { podAnnotations: { [CPU_UTILIZATION]: "90" } } }));
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      autoScaling: { minCapacity: 1, maxCapacity: 4, targetTrackingScalingPolicies: [cpuPolicy(60, { disableScaleIn: true, scaleInCooldown: 0 })] },
    });
    // 2 → 3 (ceil(2 × 90 / 60)) → 5, capped at 4; each step waits for metrics-server's first CPU rate of the new tasks.
    await serviceWhen(ns, "capped at maxCapacity 4", steady(4), 180_000);
    const capped = await eventually("the HPA limited by maxCapacity", async () => {
      const h = await readHpa(ns);
      return hpaCondition(h, "ScalingLimited")?.reason === "TooManyReplicas" ? h : undefined;
    });
    expect(hpaCondition(capped, "ScalingLimited")?.status).toBe("True");
    expect(capped.spec.maxReplicas).toBe(4);
    // The Service says it in ECS terms: the policies want more than maxCapacity (and a Normal event says so once).
    const atMax = await serviceWhen(ns, "AutoScaling=True AtMaxCapacity", (s) => autoScaling(s)?.reason === "AtMaxCapacity");
    expect(autoScaling(atMax.status ?? {})?.status).toBe("True");
    expect(autoScaling(atMax.status ?? {})?.message).toContain("more tasks than maxCapacity 4");
    expect(await eventually("the AtMaxCapacity event", async () => ((await serviceEvents(ns, "AtMaxCapacity")).length > 0 ? serviceEvents(ns, "AtMaxCapacity") : undefined))).toHaveLength(1);
    const { stdout: wide } = await kubectl("-n", ns, "get", "ecsservice", "web", "-o", "wide", "--no-headers");
    expect(wide).toContain("AtMaxCapacity");

    // The load goes (the live tasks' annotation wins over the template's). The HPA wants 1 and is held by the policy.
    await setLoad(ns, CPU_UTILIZATION, 5);
    const heldDown = await eventually("the HPA to want fewer tasks and be held", async () => {
      const h = await readHpa(ns);
      const u = utilization(h, "cpu");
      return u !== undefined && u <= 10 && hpaCondition(h, "ScalingLimited")?.reason === "ScaleDownLimit" ? h : undefined;
    }, 90_000);
    expect(heldDown.status?.desiredReplicas).toBe(4);
    expect((await readService(ns)).spec.desiredCount).toBe(4);
    expect((await podsOf(ns)).length).toBe(4);
  });

  it("a policy whose metric nobody serves (ALBRequestCountPerTarget without a metrics adapter): AutoScaling=False MetricsUnavailable quoting the HPA, one Warning, desiredCount kept", { timeout: 300_000 }, async ({ expect }) => {
    const ns = await testNamespace(kc, "as-nometric");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 10,
        targetTrackingScalingPolicies: [{ policyName: "requests", targetTrackingScalingPolicyConfiguration: { targetValue: 100, predefinedMetricSpecification: { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: "app/web/1/targetgroup/web/2" } } }],
      },
    });
    const svc = await serviceWhen(ns, "AutoScaling=False MetricsUnavailable", (s) => autoScaling(s)?.reason === "MetricsUnavailable", 120_000);
    const c = autoScaling(svc.status ?? {});
    expect(c?.status).toBe("False");
    expect(c?.message).toContain("HorizontalPodAutoscaler web: ScalingActive=False FailedGetPodsMetric");
    const warnings = await eventually("the MetricsUnavailable warning", async () => {
      const m = await serviceEvents(ns, "MetricsUnavailable");
      return m.length > 0 ? m : undefined;
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Service as-nometric-[^/]+\/web: spec\.autoScaling: a metric of the scaling policies cannot be read/);
    expect((await readService(ns)).spec.desiredCount).toBe(2);
  });

  it("memory target 50 %: 2 tasks at 80 % of their memory → desiredCount 4", { timeout: 300_000 }, async ({ expect }) => {
    const ns = await testNamespace(kc, "as-mem");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 10,
        targetTrackingScalingPolicies: [{ policyName: "memory", targetTrackingScalingPolicyConfiguration: { targetValue: 50, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageMemoryUtilization" } } }],
      },
    });
    await serviceWhen(ns, "2 tasks running", steady(2));
    await setLoad(ns, MEMORY_UTILIZATION, 80);
    // ceil(2 × 80 / 50) = 4; the 2 new tasks idle at 10 %, so the average falls to 45 %, within the HPA's tolerance
    // (and the 300 s default scale-in cooldown would hold 4 anyway).
    const svc = await serviceWhen(ns, "4 tasks running after the memory scale-out", steady(4), 120_000);
    expect(svc.spec.desiredCount).toBe(4);
    const h = await readHpa(ns);
    expect(utilization(h, "memory")).toBeDefined();
    expect(h.status?.desiredReplicas).toBe(4);
  });

  it("step scaling: a ChangeInCapacity step of 6 lets the first scale-out go from 2 to 8 tasks, where the HPA's own limit stops at 6", { timeout: 300_000 }, async ({ expect }) => {
    const ns = await testNamespace(kc, "as-step");
    await startControllers(ns);
    // Far above the target: even if metrics-server has a rate for only one of the two tasks yet (the other counts as
    // 0 on scale-out), the HPA wants more than 8, so what stops it is the rate limit under test.
    await createTaskDefinition(ns, taskDefinition({ kubernetes: { podAnnotations: { [CPU_UTILIZATION]: "600" } } }));
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 9,
        targetTrackingScalingPolicies: [cpuPolicy(60)],
        stepScalingPolicies: [{ policyName: "burst", stepScalingPolicyConfiguration: { adjustmentType: "ChangeInCapacity", cooldown: 60, stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 6 }] } }],
      },
    });
    // The HPA's default scale-up allows max(100 %, 4 tasks) per 15 s: 2 → 6; the step adds "6 tasks per 60 s": 2 → 8.
    const first = await eventually("the HPA's first rescale", async () => (await rescales(ns))[0], 120_000, 1_000);
    expect(first).toBe("New size: 8; reason: cpu resource utilization (percentage of request) above target");
    const svc = await serviceWhen(ns, "at maxCapacity 9", steady(9), 120_000);
    expect(svc.spec.desiredCount).toBe(9);
  });

  it("a scheduled action raises minCapacity at its time (injected clock) and the service follows to 4 tasks", { timeout: 300_000 }, async ({ expect }) => {
    const ns = await testNamespace(kc, "as-sched");
    // The controller's clock reads 11:59:45 now and runs on from there; the action is at 12:00:00. The day is a year
    // ahead of the real one: scheduled actions never apply retroactively, so an action dated before the Service was
    // created (by the API server's real clock) would never run. (A clock behind real time is covered by the plan's
    // table rows for readySeenAt.)
    const day = `${new Date().getUTCFullYear() + 1}-03-01`;
    const noon = Date.parse(`${day}T12:00:00Z`);
    const offset = noon - 15_000 - Date.now();
    // No steady-state resync before noon: only the controller's requeue for the action's time can move the limits.
    await startControllers(ns, { now: () => new Date(Date.now() + offset), steadyRecheckMs: 600_000 });
    await createTaskDefinition(ns, taskDefinition());
    await createService(ns, {
      taskDefinition: "web",
      desiredCount: 2,
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 10,
        targetTrackingScalingPolicies: [cpuPolicy(60)],
        scheduledActions: [{ scheduledActionName: "noon", schedule: `at(${day}T12:00:00)`, scalableTargetAction: { minCapacity: 4 } }],
      },
    });
    const before = await eventually("the HPA at 1..10 before noon", async () => {
      const h = await readHpa(ns);
      return h.spec.minReplicas === 1 ? h : undefined;
    });
    expect(before.spec.maxReplicas).toBe(10);
    expect(Date.now() + offset).toBeLessThan(noon);
    // Idle tasks (10 %): only the raised minimum can take the service to 4.
    const svc = await serviceWhen(ns, "4 tasks running after noon", steady(4), 90_000);
    expect(svc.spec.desiredCount).toBe(4);
    expect(Date.now() + offset).toBeGreaterThanOrEqual(noon);
    const after = await readHpa(ns);
    expect([after.spec.minReplicas, after.spec.maxReplicas]).toEqual([4, 10]);
  });

  it("kubectl top pods lists the task pods with the usage kwok emulates (50 % of 250m)", { timeout: 300_000 }, async ({ expect }) => {
    const ns = await testNamespace(kc, "as-top");
    await startControllers(ns);
    await createTaskDefinition(ns, taskDefinition({ kubernetes: { podAnnotations: { [CPU_UTILIZATION]: "50", [MEMORY_UTILIZATION]: "25" } } }));
    await createService(ns, { taskDefinition: "web", desiredCount: 2 });
    await serviceWhen(ns, "2 tasks running", steady(2));
    const names = (await podsOf(ns)).map((p) => p.metadata?.name ?? "").sort();
    // metrics-server needs two scrapes of a pod (10 s apart) before it serves a CPU rate for it.
    const rows = await eventually("kubectl top pods to list both tasks", async () => {
      const { stdout } = await kubectl("-n", ns, "top", "pods", "--no-headers");
      const parsed = stdout.trim().split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/));
      return parsed.length === 2 ? parsed : undefined;
    }, 90_000, 2_000);
    expect(rows.map((r) => r[0]).sort()).toEqual(names);
    for (const [, cpu, memory] of rows) {
      // 50 % of 250m and 25 % of 512Mi; a CPU rate from two counter samples may be off by a few millicores.
      expect(Number.parseInt(cpu ?? "", 10)).toBeGreaterThanOrEqual(115);
      expect(Number.parseInt(cpu ?? "", 10)).toBeLessThanOrEqual(135);
      expect(cpu).toMatch(/m$/);
      expect(memory).toBe("128Mi");
    }
  });
});
