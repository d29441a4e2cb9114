// BLUE_GREEN, LINEAR and CANARY deployments on the real control plane (with the Gateway API CRDs the test control
// plane installs): the HTTPRoute's weights sampled while a deployment runs, the plain Service's selector flip, and a
// circuit-breaker rollback. A minute of bake and step time lasts one second here (deploymentMinuteMs).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPLOYMENT_LABEL } from "../../src/api/keys.ts";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import type { ServiceStatus } from "../../src/api/service.ts";
import { CapacityContext } from "../../src/controllers/capacity-context.ts";
import { EcsServices, type ServiceObject } from "../../src/controllers/ecs-resources.ts";
import { registerServiceController } from "../../src/controllers/service/controller.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { TaskDefinitions } from "../../src/controllers/task-definition/resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { watch } from "../../src/runtime/watch.ts";
import { Deployments, HTTPRoutes, Pods, resourcePath, Services } from "../../src/runtime/resources.ts";
import type { V1Pod } from "@kubernetes/client-node";
import { eventually, kubeConfig, testNamespace, kubeconfigPath } from "./support/cluster.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const MINUTE_MS = 1_000;
const run = promisify(execFile);

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

async function startControllers(namespace: string): Promise<void> {
  const mgr = new Manager({ kubeConfig: kc, identity: "strategies-test", logger: createLogger({ level: "error" }) });
  managers.push(mgr);
  const taskDefinitions = registerTaskDefinitionController(mgr, { namespace });
  registerServiceController(mgr, { namespace, taskDefinitions, capacity: new CapacityContext(mgr, namespace), progressRecheckMs: 2_000, deploymentMinuteMs: MINUTE_MS, noHealthCheckWaitSeconds: 0 });
  await mgr.start();
}

const container = (fields: Record<string, unknown> = {}) => ({ name: "app", image: "registry.example.com/web:1.0", portMappings: [{ containerPort: 8080, name: "http" }], ...fields });
const post = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string, body: Record<string, unknown>): Promise<T> => apiRequest<T>(kc, { method: "POST", path: resourcePath(rt, namespace), body });
const get = <T>(rt: Parameters<typeof resourcePath>[0], namespace: string, name?: string): Promise<T> => apiRequest<T>(kc, { method: "GET", path: resourcePath(rt, namespace, name) });
const readService = (ns: string) => get<ServiceObject>(EcsServices, ns, "web");

function serviceWhen(ns: string, what: string, ok: (s: ServiceStatus) => boolean, timeoutMs = 120_000): Promise<ServiceObject> {
  return eventually(`Service web: ${what}`, async () => {
    const svc = await readService(ns);
    return svc.status && svc.status.observedGeneration === svc.metadata.generation && ok(svc.status) ? svc : undefined;
  }, timeoutMs);
}
const ready = (s: ServiceStatus): boolean => s.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
const done = (td: string, status = "SUCCESSFUL") => (s: ServiceStatus): boolean =>
  ready(s) && s.taskDefinition === td && s.serviceDeployments?.[0]?.status === status && s.serviceDeployments[0].targetServiceRevision?.taskDefinition === (status === "SUCCESSFUL" ? td : s.serviceDeployments[0].targetServiceRevision?.taskDefinition);

/** web:1 steady under `deploymentConfiguration`, behind a Gateway unless `plain`. */
async function steadyService(prefix: string, deploymentConfiguration: Record<string, unknown>, opts: { plain?: boolean; kubernetes?: Record<string, unknown> } = {}): Promise<string> {
  const ns = await testNamespace(kc, prefix);
  await startControllers(ns);
  await post(TaskDefinitions, ns, { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name: "web" }, spec: { family: "web", cpu: "256", memory: "512", containerDefinitions: [container()] } });
  await post(EcsServices, ns, {
    apiVersion: API_GROUP_VERSION,
    kind: "Service",
    metadata: { name: "web" },
    spec: {
      taskDefinition: "web",
      desiredCount: 2,
      loadBalancers: [{ containerName: "app", containerPort: 8080 }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, ...deploymentConfiguration },
      kubernetes: { ...(opts.plain === true ? {} : { gateway: { parentRefs: [{ name: "public", sectionName: "http" }] } }), ...opts.kubernetes },
    },
  });
  await serviceWhen(ns, "steady on web:1", (s) => ready(s) && s.taskDefinition === "web:1");
  return ns;
}

const newRevision = (ns: string, fields: Record<string, unknown> = {}) =>
  apiRequest(kc, { method: "PATCH", path: resourcePath(TaskDefinitions, ns, "web"), contentType: "application/merge-patch+json", body: { spec: { containerDefinitions: [container({ environment: [{ name: "V", value: "2" }] })], ...fields } } });

interface Sample {
  /** The task definition of the deployment status.serviceDeployments[0] describes. */
  readonly target: string | undefined;
  readonly stage: string | undefined;
  readonly status: string | undefined;
  /** Percent of production / test traffic the HTTPRoute sends to the new revision (undefined: no route). */
  readonly production: number | undefined;
  readonly test: number | undefined;
  /** The deployment label the production and preview Services select. */
  readonly productionSelects: string | undefined;
  readonly previewSelects: string | undefined;
  /** Fewest ready tasks behind a Service the production rule sends traffic to (weight > 0). */
  readonly productionReady: number;
  readonly deployments: readonly string[];
}

type Route = { spec: { rules: { matches?: { headers?: unknown[] }[]; backendRefs: { name: string; weight?: number }[] }[] } };
type Svc = { metadata: { name: string }; spec: { selector?: Record<string, string> } };

/** Samples the route, Services, Deployments and pods every 100 ms until stopped. */
function sampler(ns: string): { stop: () => Promise<Sample[]>; count: () => number } {
  const samples: Sample[] = [];
  const state = { done: false };
  const loop = (async () => {
    while (!state.done) {
      const [svc, route, services, deployments, pods] = await Promise.all([
        readService(ns),
        get<Route>(HTTPRoutes, ns, "web").catch(() => undefined),
        get<{ items: Svc[] }>(Services, ns),
        get<{ items: { metadata: { name: string } }[] }>(Deployments, ns),
        get<{ items: V1Pod[] }>(Pods, ns),
      ]);
      const sd = svc.status?.serviceDeployments?.[0];
      const target = `web-${sd?.targetServiceRevision?.color ?? "green"}`;
      const share = (rule: Route["spec"]["rules"][number] | undefined): number | undefined => {
        if (rule === undefined) return undefined;
        const total = rule.backendRefs.reduce((n, r) => n + (r.weight ?? 1), 0);
        return ((rule.backendRefs.find((r) => r.name === target)?.weight ?? 0) * 100) / total;
      };
      const testRule = route?.spec.rules.find((r) => (r.matches ?? []).some((m) => (m.headers ?? []).length > 0));
      const prodRule = route?.spec.rules.find((r) => r !== testRule);
      const selectorOf = (name: string): Record<string, string> | undefined => services.items.find((s) => s.metadata.name === name)?.spec.selector;
      const readyFor = (selector: Record<string, string> | undefined): number =>
        selector === undefined ? 0 : pods.items.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v) && p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true).length;
      const productionReady = prodRule === undefined ? readyFor(selectorOf("web")) : Math.min(...prodRule.backendRefs.filter((r) => (r.weight ?? 1) > 0).map((r) => readyFor(selectorOf(r.name))));
      samples.push({
        target: sd?.targetServiceRevision?.taskDefinition,
        stage: sd?.lifecycleStage,
        status: sd?.status,
        production: share(prodRule),
        test: share(testRule),
        productionSelects: selectorOf("web")?.[DEPLOYMENT_LABEL],
        previewSelects: selectorOf("web-preview")?.[DEPLOYMENT_LABEL],
        productionReady,
        deployments: deployments.items.map((d) => d.metadata.name).sort(),
      });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { stop: async () => { state.done = true; await loop; return samples; }, count: () => samples.length };
}

/**
 * Every version of the HTTPRoute `web` from now on, by a watch (the sampler's reads can miss a step that lasts about
 * as long as one round of them on a busy machine). stop() gives green's production share in each version, where
 * green is the color the deployment's target ended with.
 */
async function routeVersions(ns: string): Promise<{ stop: () => Promise<number[]> }> {
  const routes: Route[] = [];
  const handle = await watch<Route>(kc, resourcePath(HTTPRoutes, ns, undefined), { fieldSelector: "metadata.name=web", timeoutSeconds: 600 }, (ev) => {
    if (ev.type === "ADDED" || ev.type === "MODIFIED") routes.push(ev.object);
  });
  handle.done.catch(() => undefined);
  return {
    stop: async () => {
      handle.abort();
      const color = (await readService(ns)).status?.serviceDeployments?.[0]?.targetServiceRevision?.color ?? "green";
      return routes.map((route) => {
        const prod = route.spec.rules.find((r) => !(r.matches ?? []).some((m) => (m.headers ?? []).length > 0));
        const total = prod?.backendRefs.reduce((n, r) => n + (r.weight ?? 1), 0) ?? 0;
        return total === 0 ? 0 : ((prod?.backendRefs.find((r) => r.name === `web-${color}`)?.weight ?? 0) * 100) / total;
      });
    },
  };
}

const changes = <T>(xs: readonly T[]): T[] => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
const deploymentLabelOf = (svc: ServiceObject, td: string): string | undefined =>
  svc.status?.deployments?.find((d) => d.taskDefinition === td)?.id.replace(/^ecs-svc\//, "") ?? svc.status?.serviceDeployments?.flatMap((d) => [d.targetServiceRevision, ...(d.sourceServiceRevisions ?? [])]).find((r) => r?.taskDefinition === td)?.arn.replace(/^ecs-svc\//, "");

describe("BLUE_GREEN", () => {
  it("behind a Gateway: the HTTPRoute goes 100/0 → test traffic on green only → 0/100; blue is removed after the bake time; production never below desiredCount ready tasks", async () => {
    const ns = await steadyService("bg-route", { strategy: "BLUE_GREEN", bakeTimeInMinutes: 2 });
    const s = sampler(ns);
    await newRevision(ns);
    const svc = await serviceWhen(ns, "web:2 deployed", done("web:2"));
    const samples = await s.stop();
    const shifting = samples.filter((x) => x.production !== undefined && x.status === "IN_PROGRESS");
    expect(changes(shifting.map((x) => x.production))).toEqual([0, 100]);
    // Test traffic reaches green while production stays on blue.
    expect(shifting.some((x) => x.test === 100 && x.production === 0)).toBe(true);
    expect(samples.every((x) => x.productionReady >= 2)).toBe(true);
    // Blue runs through BAKE_TIME and is gone at the end.
    const blue = svc.status?.serviceDeployments?.[0]?.sourceServiceRevisions?.[0]?.color ?? "none";
    const baking = samples.filter((x) => x.stage === "BAKE_TIME");
    expect(baking.length).toBeGreaterThan(0);
    expect(baking.every((x) => x.deployments.length === 2)).toBe(true);
    const deployments = await get<{ items: { metadata: { name: string } }[] }>(Deployments, ns);
    expect(deployments.items.map((d) => d.metadata.name).filter((n) => n.endsWith(`-${blue}`) || !/-(blue|green)$/.test(n))).toEqual([]);
    expect(svc.status?.serviceDeployments?.[0]).toMatchObject({ status: "SUCCESSFUL", lifecycleStage: "CLEAN_UP", targetServiceRevision: { taskDefinition: "web:2", requestedProductionTrafficWeight: 100 } });
  });

  it("through a plain Service: its selector flips from blue to green at PRODUCTION_TRAFFIC_SHIFT; web-preview selects green", async () => {
    const ns = await steadyService("bg-plain", { strategy: "BLUE_GREEN", bakeTimeInMinutes: 1 }, { plain: true });
    const s = sampler(ns);
    await newRevision(ns);
    const svc = await serviceWhen(ns, "web:2 deployed", done("web:2"));
    const samples = await s.stop();
    const blue = deploymentLabelOf(svc, "web:1");
    const green = deploymentLabelOf(svc, "web:2");
    expect(blue).toBeDefined();
    expect(changes(samples.map((x) => x.productionSelects))).toEqual([blue, green]);
    // The Services are applied before the status that names the stage is written: a sample may see the new selector
    // with the stage before it, never the other way round.
    const order = (stage: string | undefined): number => ["RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"].indexOf(stage ?? "");
    const deploying = samples.filter((x) => x.target === "web:2" && x.status === "IN_PROGRESS");
    expect(deploying.filter((x) => order(x.stage) < order("POST_TEST_TRAFFIC_SHIFT")).every((x) => x.productionSelects === blue)).toBe(true);
    expect(deploying.filter((x) => order(x.stage) >= order("PRODUCTION_TRAFFIC_SHIFT")).every((x) => x.productionSelects === green)).toBe(true);
    expect(deploying.some((x) => order(x.stage) >= order("PRODUCTION_TRAFFIC_SHIFT"))).toBe(true);
    expect(samples.filter((x) => x.status === "IN_PROGRESS").every((x) => x.previewSelects === green)).toBe(true);
    expect(samples.every((x) => x.productionReady >= 2)).toBe(true);
  });

  it("the circuit breaker during blue/green rolls back: the production weight never reached green, green is removed, web:1 serves on", async () => {
    const ns = await steadyService("bg-breaker", { strategy: "BLUE_GREEN", bakeTimeInMinutes: 1 });
    const s = sampler(ns);
    await newRevision(ns, { kubernetes: { podAnnotations: { "kwok.ecs-operator.dev/exit": "app=3", "kwok.ecs-operator.dev/exit-delay": "100ms" } } });
    const svc = await serviceWhen(ns, "rolled back to web:1", (x) => ready(x) && x.taskDefinition === "web:1" && x.serviceDeployments?.[0]?.status === "ROLLBACK_SUCCESSFUL");
    const samples = await s.stop();
    // Production weight of web:2 (its deployment's target share) never above 0.
    const green = samples.filter((x) => x.target === "web:2");
    expect(green.length).toBeGreaterThan(0);
    expect(green.every((x) => (x.production ?? 0) === 0)).toBe(true);
    expect(samples.every((x) => x.productionReady >= 2)).toBe(true);
    expect(svc.status?.serviceDeployments?.[0]?.rollback?.reason).toContain("circuit breaker");
    expect(svc.status?.deployments?.find((d) => d.taskDefinition === "web:2")?.rolloutState).toBe("FAILED");
    const deployments = await get<{ items: { metadata: { name: string; annotations?: Record<string, string> } }[] }>(Deployments, ns);
    expect(deployments.items.map((d) => d.metadata.annotations?.["ecs.operator.dev/deployment-id"])).toEqual([svc.status?.deployments?.[0]?.id]);
  });
});

describe("a person's rollback", () => {
  it("kubectl annotate ecs.operator.dev/rollback during BAKE_TIME: production back to blue at once, green removed, ROLLBACK_SUCCESSFUL", async () => {
    const ns = await steadyService("bg-request", { strategy: "BLUE_GREEN", bakeTimeInMinutes: 600 });
    await newRevision(ns);
    await serviceWhen(ns, "baking web:2", (x) => x.serviceDeployments?.[0]?.lifecycleStage === "BAKE_TIME" && x.serviceDeployments[0].targetServiceRevision?.taskDefinition === "web:2");
    const s = sampler(ns);
    await run("kubectl", ["--kubeconfig", kubeconfigPath(), "-n", ns, "annotate", "--overwrite", "ecsservice", "web", "ecs.operator.dev/rollback=1"]);
    const svc = await serviceWhen(ns, "rolled back", (x) => ready(x) && x.serviceDeployments?.[0]?.status === "ROLLBACK_SUCCESSFUL");
    const samples = await s.stop();
    expect(samples.at(0)?.production).toBe(100);
    expect(samples.at(-1)?.production).toBe(0);
    expect(svc.status?.taskDefinition).toBe("web:1");
    expect(svc.status?.lastRollbackRequest).toBe("1");
    expect(svc.status?.serviceDeployments?.[0]?.rollback?.reason).toContain("ecs.operator.dev/rollback");
    const deployments = await get<{ items: { metadata: { annotations?: Record<string, string> } }[] }>(Deployments, ns);
    expect(deployments.items.map((d) => d.metadata.annotations?.["ecs.operator.dev/deployment-id"])).toEqual([svc.status?.deployments?.[0]?.id]);
  });
});

describe("lifecycle hooks in a BLUE_GREEN deployment", () => {
  /** The hook endpoint, served by this test: answers by path, keeps every payload it was sent. */
  const received = new Map<string, Record<string, unknown>[]>();
  const answers: Record<string, (n: number) => unknown> = {
    "/fail": () => ({ hookStatus: "FAILED" }),
    "/progress": (n) => (n < 2 ? { hookStatus: "IN_PROGRESS", callBackDelay: 1, hookDetails: { round: n + 1 } } : { hookStatus: "SUCCEEDED" }),
  };
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => { chunks.push(c); });
      req.on("end", () => {
        const path = req.url ?? "";
        const seen = received.get(path) ?? [];
        seen.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
        received.set(path, seen);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answers[path]?.(seen.length - 1) ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  });
  const SMOKE = "arn:aws:lambda:us-east-1:123456789012:function:smoke";
  const hooked = (stage: string, path: string) => ({
    config: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 1, lifecycleHooks: [{ hookTargetArn: SMOKE, lifecycleStages: [stage], hookDetails: { suite: "strategies" } }] },
    kubernetes: { lifecycleHookTargets: [{ hookTargetArn: SMOKE, http: { url: `${base}${path}` } }] },
  });

  it("a hook answering FAILED at POST_TEST_TRAFFIC_SHIFT rolls back, and production weight never reached green", async () => {
    const h = hooked("POST_TEST_TRAFFIC_SHIFT", "/fail");
    const ns = await steadyService("hook-fail", h.config, { kubernetes: h.kubernetes });
    const s = sampler(ns);
    await newRevision(ns);
    const svc = await serviceWhen(ns, "rolled back", (x) => ready(x) && x.serviceDeployments?.[0]?.status === "ROLLBACK_SUCCESSFUL");
    const samples = await s.stop();
    expect(received.get("/fail")).toHaveLength(1);
    expect(received.get("/fail")?.[0]).toMatchObject({ lifecycleStage: "POST_TEST_TRAFFIC_SHIFT", hookDetails: { suite: "strategies" } });
    const green = samples.filter((x) => x.target === "web:2");
    expect(green.some((x) => x.test === 100)).toBe(true);
    expect(green.every((x) => (x.production ?? 0) === 0)).toBe(true);
    expect(svc.status?.taskDefinition).toBe("web:1");
    expect(svc.status?.serviceDeployments?.[0]?.rollback?.reason).toContain(SMOKE);
  });

  it("an IN_PROGRESS hook is called again after its callBackDelay with the hookDetails it returned, then SUCCEEDED lets the deployment finish", async () => {
    const h = hooked("POST_SCALE_UP", "/progress");
    const ns = await steadyService("hook-progress", h.config, { kubernetes: h.kubernetes });
    await newRevision(ns);
    const svc = await serviceWhen(ns, "web:2 deployed", done("web:2"));
    expect(received.get("/progress")?.map((p) => p.hookDetails)).toEqual([{ suite: "strategies" }, { suite: "strategies", round: 1 }, { suite: "strategies", round: 2 }]);
    expect(svc.status?.lifecycleHooks?.lifecycleHookDetails).toEqual([expect.objectContaining({ status: "SUCCEEDED", invocations: 3, lifecycleStage: "POST_SCALE_UP" })]);
  });

  it("a PAUSE hook holds the deployment (production on blue) until kubectl annotate ecs.operator.dev/continue names it", async () => {
    const ns = await steadyService("hook-pause", { strategy: "BLUE_GREEN", bakeTimeInMinutes: 1, lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }] });
    await newRevision(ns);
    const paused = await serviceWhen(ns, "paused", (x) => x.lifecycleHooks?.lifecycleHookDetails.some((d) => d.targetType === "PAUSE" && d.status === "AWAITING_ACTION") === true);
    const s = sampler(ns);
    // Held: later reads still show the pause and production on blue (the sampler runs meanwhile).
    await eventually("a few samples while paused", async () => (await readService(ns)).status?.serviceDeployments?.[0]?.lifecycleStage === "POST_TEST_TRAFFIC_SHIFT" ? true : undefined, 10_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const hookId = paused.status?.lifecycleHooks?.lifecycleHookDetails.find((d) => d.targetType === "PAUSE")?.hookId ?? "";
    // The samples taken before the continue (a sample during the next pass may see its route before its status).
    const held = s.count();
    await run("kubectl", ["--kubeconfig", kubeconfigPath(), "-n", ns, "annotate", "--overwrite", "ecsservice", "web", `ecs.operator.dev/continue=${hookId}`]);
    await serviceWhen(ns, "web:2 deployed", done("web:2"));
    const samples = await s.stop();
    const before = samples.slice(0, held);
    expect(before.length).toBeGreaterThan(3);
    expect(before.every((x) => x.stage === "POST_TEST_TRAFFIC_SHIFT" && x.production === 0 && x.test === 100)).toBe(true);
  });
});

describe("LINEAR and CANARY behind a Gateway", () => {
  it("LINEAR stepPercent 25: production weights 25, 50, 75, 100 in order", async () => {
    const ns = await steadyService("linear", { strategy: "LINEAR", linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 } });
    const s = sampler(ns);
    const versions = await routeVersions(ns);
    await newRevision(ns);
    await serviceWhen(ns, "web:2 deployed", done("web:2"));
    const samples = await s.stop();
    expect(changes(await versions.stop())).toEqual([0, 25, 50, 75, 100]);
    expect(samples.every((x) => x.productionReady >= 2)).toBe(true);
  });

  it("CANARY canaryPercent 10: 10, then 100", async () => {
    const ns = await steadyService("canary", { strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } });
    const versions = await routeVersions(ns);
    await newRevision(ns);
    await serviceWhen(ns, "web:2 deployed", done("web:2"));
    expect(changes(await versions.stop())).toEqual([0, 10, 100]);
  });
});
