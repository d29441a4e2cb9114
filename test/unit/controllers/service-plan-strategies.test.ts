// planService under the traffic-shifting strategies (BLUE_GREEN, LINEAR, CANARY), pass after pass: a small world
// runs each plan as the API server and the Kubernetes controllers would (applies land settled, a Deployment's pods
// exist and are ready unless its revision crashes, deletes remove) and the clock moves by the plan's requeue times.
// Each row names what a whole deployment must show: the stage sequence, the weights, when blue goes, rollbacks.
//
// ECS (DescribeServiceDeployments, lifecycleStage): "SCALE_UP: The stage when the green service revision scales up to
// 100% and launches new tasks. The green service revision is not serving any traffic at this point." "TEST_TRAFFIC_SHIFT:
// The blue and green service revisions are running. The blue service revision handles 100% of the production traffic.
// The green service revision is migrating from 0% to 100% of test traffic." "BAKE_TIME: The stage when both blue and
// green service revisions are running simultaneously after the production traffic has shifted."
// ECS (LinearConfiguration): "stepBakeTimeInMinutes: The amount of time in minutes to wait between each traffic
// shifting step during a linear deployment ... This bake time is not applied after reaching 100 percent traffic."
import { describe, expect, it } from "vitest";
import { KINDS } from "../../../src/api/crds.ts";
import { luaHealth } from "../../e2e/argocd-health.ts";
import { CONTINUE_DEPLOYMENT_ANNOTATION, COLOR_LABEL, DEPLOYMENT_ID_ANNOTATION, DEPLOYMENT_LABEL, ROLLBACK_ANNOTATION } from "../../../src/api/keys.ts";
import type { ServiceSpec } from "../../../src/api/service.ts";
import { deploymentLabelValue } from "../../../src/builders/service/deployment.ts";
import { buildHttpRoute, WEIGHT_SCALE } from "../../../src/builders/service/http-route.ts";
import { recordHookAnswer, type HookAnswer, type HookCall } from "../../../src/builders/service/lifecycle-hooks.ts";
import { LIFECYCLE_STAGES } from "../../../src/api/service.ts";
import { stepShift, type ShiftConfig, type ShiftObserved, type ShiftState } from "../../../src/builders/service/traffic-shift.ts";
import type { ServiceObject } from "../../../src/controllers/ecs-resources.ts";
import { NO_MEMORY, planService, type ObservedService, type ServicePlan, type ServicePlanOptions } from "../../../src/controllers/service/plan.ts";
import type { PodObject } from "../../../src/controllers/service/resources.ts";
import { GatewayApiProbe } from "../../../src/controllers/service/observe.ts";
import { ApiRequestError } from "../../../src/runtime/api-request.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";
import { aPod, aRevision, aService, dep, NOW, observing, settled, type ServiceFixture } from "./service-plan-fixtures.ts";

/** A minute of bake and step time lasts 1 s here (ServicePlanOptions.minuteMs). */
const MINUTE_MS = 1_000;
const OPTIONS: ServicePlanOptions = { minuteMs: MINUTE_MS, taskStableSeconds: 0 };
const REVISIONS = [aRevision(1), aRevision(2), aRevision(3)];

interface Sample {
  readonly at: number;
  readonly stage: string | undefined;
  readonly status: string | undefined;
  /** Green's production and test weights as the HTTPRoute carries them (percent), or the status's without a route. */
  readonly production: number | undefined;
  readonly test: number | undefined;
  /** The deployment-label value the production Service selects (undefined: every revision). */
  readonly productionSelects: string | undefined;
  readonly previewSelects: string | undefined;
  /** Deployment name → replicas. */
  readonly deployments: Readonly<Record<string, number>>;
  /** Ready tasks of the revisions production traffic goes to. */
  readonly productionReady: number;
  /** The Ready condition's status (kubectl wait --for=condition=Ready). */
  readonly ready: string | undefined;
}

/** The cluster as the plans leave it: children by Kind/name, pods, the service with the status last written. */
class World {
  service: ServiceObject;
  now: Date = NOW;
  children = new Map<string, KubeObject>();
  pods: PodObject[] = [];
  /** Deployment ids whose tasks crash as soon as they start. */
  crashing = new Set<string>();
  /** How the hook endpoints answer their n-th call (the apply phase's executor, hooks.ts, as the plan sees it). */
  hookAnswer: (call: HookCall, n: number) => HookAnswer = () => ({ hookStatus: "SUCCEEDED" });
  /** The calls made, in order. */
  hookCalls: HookCall[] = [];
  samples: Sample[] = [];
  plans: ServicePlan[] = [];
  private seq = 0;

  constructor(f: ServiceFixture) {
    this.service = aService({ ...f, deployments: [] });
  }

  /** One pass: plan, apply, let the Deployments' pods follow, move the clock to the requeue time. */
  pass(): ServicePlan {
    const plan = planService(observing(this.service, { revisions: REVISIONS, children: [...this.children.values()], pods: this.pods }), this.now, OPTIONS);
    this.plans.push(plan);
    expect(plan.stalled).toBeUndefined();
    for (const a of plan.applies) {
      const key = `${a.resource.kind}/${a.object.metadata?.name ?? ""}`;
      const replicas = (a.object as { spec?: { replicas?: number } }).spec?.replicas ?? 0;
      this.children.set(key, a.resource.kind === "Deployment" ? settled(a.object, { replicas, updatedReplicas: replicas, availableReplicas: replicas }) : a.object);
    }
    for (const p of plan.patches) {
      const replicas = (p.patch as { spec?: { replicas?: number } }).spec?.replicas;
      const c = this.children.get(`${p.resource.kind}/${p.name}`) as { spec: { replicas: number }; status: Record<string, unknown> } | undefined;
      if (c !== undefined && replicas !== undefined) this.children.set(`${p.resource.kind}/${p.name}`, { ...c, spec: { ...c.spec, replicas }, status: { ...c.status, replicas, updatedReplicas: replicas } } as unknown as KubeObject);
    }
    for (const d of plan.deletes) {
      if (d.resource.kind === "Pod") this.pods = this.pods.filter((p) => p.metadata?.uid !== d.uid);
      else this.children.delete(`${d.resource.kind}/${d.name}`);
    }
    if (plan.status !== undefined) this.service = { ...this.service, status: plan.status };
    if (plan.hooks !== undefined && plan.hooks.calls.length > 0) {
      let memory = plan.hooks.memory;
      for (const call of plan.hooks.calls) {
        memory = recordHookAnswer(memory, call, this.hookAnswer(call, this.hookCalls.filter((c) => c.hookId === call.hookId).length), this.now);
        this.hookCalls.push(call);
      }
      this.service = { ...this.service, status: { ...this.service.status, lifecycleHooks: memory } };
    }
    this.followDeployments();
    this.samples.push(this.sample());
    this.now = new Date(this.now.getTime() + Math.min(plan.next.requeueAfterMs ?? 60_000, 60_000));
    return plan;
  }

  /** Passes until `done` (or a bound: a row that never ends fails). */
  runUntil(done: (w: World) => boolean, bound = 400): void {
    for (let i = 0; i < bound; i++) {
      this.pass();
      if (done(this)) return;
    }
    throw new Error(`not done after ${bound} passes; last stage ${this.samples.at(-1)?.stage ?? "-"} status ${this.samples.at(-1)?.status ?? "-"}`);
  }

  update(spec: Partial<ServiceSpec>, annotations?: Record<string, string>): void {
    this.service = {
      ...this.service,
      metadata: { ...this.service.metadata, generation: (this.service.metadata.generation ?? 1) + 1, ...(annotations === undefined ? {} : { annotations: { ...this.service.metadata.annotations, ...annotations } }) },
      spec: { ...this.service.spec, ...spec },
    };
  }

  /** Each Deployment has its replicas as pods of its deployment id (a new template replaces them), ready unless crashing. */
  private followDeployments(): void {
    const deployments = [...this.children.values()].filter((c) => c.kind === "Deployment") as { metadata: { name: string; annotations: Record<string, string> }; spec: { replicas: number; template: { metadata: { labels: Record<string, string> } } } }[];
    const kept: PodObject[] = [];
    for (const d of deployments) {
      const id = d.metadata.annotations[DEPLOYMENT_ID_ANNOTATION] ?? "";
      const mine = this.pods.filter((p) => p.metadata?.ownerReferences?.[0]?.name === d.metadata.name && p.metadata.annotations?.[DEPLOYMENT_ID_ANNOTATION] === id);
      const want = d.spec.replicas;
      const pods = mine.slice(0, want);
      while (pods.length < want) {
        const name = `${d.metadata.name}-${++this.seq}`;
        const pod = aPod({ name, deployment: id, ...(this.crashing.has(id) ? { waiting: "CrashLoopBackOff" } : { ready: true, readyFor: 60 }) });
        pods.push({ ...pod, metadata: { ...pod.metadata, labels: { ...d.spec.template.metadata.labels }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: d.metadata.name, uid: `uid-rs-${d.metadata.name}`, controller: true }] } });
      }
      kept.push(...pods);
    }
    this.pods = kept;
  }

  private sample(): Sample {
    const sd = this.service.status?.serviceDeployments?.[0];
    const route = this.children.get("HTTPRoute/web") as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } } | undefined;
    const targetColor = sd?.targetServiceRevision?.color;
    const weightOf = (rule: number): number | undefined => {
      const refs = route?.spec.rules[rule]?.backendRefs;
      if (refs === undefined) return undefined;
      const total = refs.reduce((n, r) => n + r.weight, 0);
      return (refs.find((r) => r.name === `web-${targetColor ?? ""}`)?.weight ?? 0) * 100 / total;
    };
    const selector = (name: string): string | undefined => (this.children.get(`Service/${name}`) as { spec: { selector: Record<string, string> } } | undefined)?.spec.selector[DEPLOYMENT_LABEL];
    const deployments = Object.fromEntries([...this.children.values()].filter((c) => c.kind === "Deployment").map((c) => [c.metadata?.name ?? "", (c as { spec: { replicas: number } }).spec.replicas]));
    const production = route === undefined ? sd?.targetServiceRevision?.requestedProductionTrafficWeight : weightOf(1);
    const prodSel = selector("web");
    const readyOf = (label: string): number => this.pods.filter((p) => p.metadata?.labels?.[DEPLOYMENT_LABEL] === label && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true).length;
    const target = sd?.targetServiceRevision?.arn;
    const source = sd?.sourceServiceRevisions?.[0]?.arn;
    let productionReady: number;
    if (route !== undefined && target !== undefined) {
      productionReady = ((production ?? 0) > 0 ? readyOf(deploymentLabelValue(target)) : 0) + ((production ?? 0) < 100 && source !== undefined ? readyOf(deploymentLabelValue(source)) : 0);
      if ((production ?? 0) > 0 && (production ?? 0) < 100) productionReady = Math.min(readyOf(deploymentLabelValue(target)), source === undefined ? Infinity : readyOf(deploymentLabelValue(source)));
    } else {
      productionReady = prodSel === undefined ? this.pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true).length : readyOf(prodSel);
    }
    return { at: this.now.getTime() - NOW.getTime(), stage: sd?.lifecycleStage, status: sd?.status, production, test: route === undefined ? sd?.targetServiceRevision?.requestedTestTrafficWeight : weightOf(0), productionSelects: prodSel, previewSelects: selector("web-preview"), deployments, productionReady, ready: this.service.status?.conditions?.find((c) => c.type === "Ready")?.status };
  }
}

const label = (revision: number): string => deploymentLabelValue(dep(revision));
const gateway = { gateway: { parentRefs: [{ name: "public", namespace: "infra" }] } };
const lb = { loadBalancers: [{ containerName: "app", containerPort: 80 }] };
const strategy = (s: Record<string, unknown>) => ({ deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, ...s } as ServiceSpec["deploymentConfiguration"] });
const finished = (w: World): boolean => ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"].includes(w.samples.at(-1)?.status ?? "") && w.service.status?.deployments?.[0]?.rolloutState === "COMPLETED";
/** Distinct consecutive values. */
const changes = <T>(xs: readonly T[]): T[] => xs.filter((x, i) => i === 0 || x !== xs[i - 1]);

/** A service steady on web:1 under `spec`, then asked for web:2. */
function deploying(spec: ServiceFixture): World {
  const w = new World({ revision: 1, ...spec });
  w.runUntil(finished);
  w.samples = [];
  w.update({ taskDefinition: "web:2" });
  return w;
}

describe("BLUE_GREEN", () => {
  it("goes through ECS's stages in order; the HTTPRoute moves test traffic, then production at once (0 → 100); blue goes after the bake time; production never below desiredCount ready tasks", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 5 }) });
    w.runUntil(finished);
    expect(changes(w.samples.map((s) => s.stage))).toEqual([...LIFECYCLE_STAGES]);
    expect(changes(w.samples.map((s) => s.production))).toEqual([0, 100]);
    // Test traffic reaches green before production does.
    const firstTest = w.samples.findIndex((s) => s.test === 100);
    const firstProd = w.samples.findIndex((s) => (s.production ?? 0) > 0);
    expect(firstTest).toBeGreaterThan(-1);
    expect(firstTest).toBeLessThan(firstProd);
    expect(w.samples[firstTest]?.stage).toBe("TEST_TRAFFIC_SHIFT");
    // Blue (uncolored: the first deployment was a fresh service's) is deleted only after BAKE_TIME lasted bakeTimeInMinutes.
    const bakeStart = w.samples.find((s) => s.stage === "BAKE_TIME")?.at ?? 0;
    const blueGone = w.samples.find((s) => s.at >= bakeStart && !("web-ec2-blue" in s.deployments))?.at;
    expect(blueGone).toBeDefined();
    expect((blueGone ?? 0) - bakeStart).toBeGreaterThanOrEqual(5 * MINUTE_MS);
    expect(w.samples.every((s) => s.productionReady >= 2)).toBe(true);
    expect(w.service.status?.serviceDeployments?.[0]).toMatchObject({ status: "SUCCESSFUL", lifecycleStage: "CLEAN_UP", targetServiceRevision: { taskDefinition: "web:2", requestedProductionTrafficWeight: 100 } });
    expect(w.service.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("green runs at full size beside blue (own Deployments, own color) before any traffic moves", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN" }) });
    w.runUntil((x) => x.samples.at(-1)?.stage === "POST_SCALE_UP");
    const last = w.samples.at(-1);
    expect(last?.deployments).toEqual({ "web-ec2-green": 2, "web-ec2-blue": 2 });
    expect(last?.production).toBe(0);
  });

  it("a plain Service flips its selector from blue to green at PRODUCTION_TRAFFIC_SHIFT; web-preview selects green from the start", () => {
    const w = deploying({ ...lb, ...strategy({ strategy: "BLUE_GREEN" }) });
    w.runUntil(finished);
    const flip = w.samples.findIndex((s) => s.productionSelects === label(2));
    expect(w.samples[flip]?.stage).toBe("PRODUCTION_TRAFFIC_SHIFT");
    expect(w.samples.slice(0, flip).every((s) => s.productionSelects === label(1))).toBe(true);
    expect(w.samples.every((s) => s.previewSelects === label(2))).toBe(true);
    expect(w.samples.every((s) => s.productionReady >= 2)).toBe(true);
  });

  it("the circuit breaker during blue/green rolls back: production traffic never reached green, green is removed, blue serves on", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 5 }) });
    w.crashing.add(dep(2));
    w.runUntil(finished);
    expect(w.samples.every((s) => (s.production ?? 0) === 0)).toBe(true);
    expect(changes(w.samples.map((s) => s.status))).toEqual(["IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]);
    expect(Object.keys(w.samples.at(-1)?.deployments ?? {})).toEqual(["web-ec2-blue"]);
    expect(w.service.status?.deployments?.[0]).toMatchObject({ taskDefinition: "web:1", rolloutState: "COMPLETED" });
    expect(w.service.status?.serviceDeployments?.[0]?.rollback?.reason).toContain("circuit breaker");
    expect(w.samples.every((s) => s.productionReady >= 2)).toBe(true);
    // Steady afterwards: web:2 is not retried, and the record stays ROLLBACK_SUCCESSFUL.
    for (let i = 0; i < 5; i++) w.pass();
    expect(w.service.status?.serviceDeployments?.[0]?.status).toBe("ROLLBACK_SUCCESSFUL");
    expect(w.plans.at(-1)?.applies.filter((a) => a.resource.kind === "Deployment").map((a) => a.object.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION])).toEqual([dep(1)]);
  });

  it("a person's rollback during BAKE_TIME is instant (production back to blue in the same pass the request is seen); the same annotation value does not stop the next deployment", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 30 }) });
    w.runUntil((x) => x.samples.at(-1)?.stage === "BAKE_TIME");
    expect(w.samples.at(-1)?.production).toBe(100);
    w.update({}, { [ROLLBACK_ANNOTATION]: "1" });
    w.pass();
    expect(w.samples.at(-1)).toMatchObject({ status: "ROLLBACK_IN_PROGRESS", production: 0, test: 0 });
    w.runUntil(finished);
    expect(w.service.status?.serviceDeployments?.[0]).toMatchObject({ status: "ROLLBACK_SUCCESSFUL", rollback: { reason: expect.stringContaining(ROLLBACK_ANNOTATION) as unknown } });
    expect(w.service.status?.lastRollbackRequest).toBe("1");
    // web:3 later, the annotation unchanged: it deploys.
    w.samples = [];
    w.update({ taskDefinition: "web:3" });
    w.runUntil(finished);
    expect(w.service.status?.serviceDeployments?.[0]).toMatchObject({ status: "SUCCESSFUL", targetServiceRevision: { taskDefinition: "web:3" } });
    // Two records kept, newest first.
    expect(w.service.status?.serviceDeployments?.map((d) => d.status)).toEqual(["SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "SUCCESSFUL"]);
  });

  it("colors alternate: the next deployment takes the color blue left free, and the route's weights never jump at its start", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN" }) });
    w.runUntil(finished);
    expect(Object.keys(w.samples.at(-1)?.deployments ?? {})).toEqual(["web-ec2-green"]);
    w.samples = [];
    w.update({ taskDefinition: "web:3" });
    w.runUntil(finished);
    expect(Object.keys(w.samples.at(-1)?.deployments ?? {})).toEqual(["web-ec2-blue"]);
    expect(changes(w.samples.map((s) => s.production))).toEqual([0, 100]);
    const green = w.children.get("Deployment/web-ec2-blue") as { spec: { selector: { matchLabels: Record<string, string> } } };
    expect(green.spec.selector.matchLabels[COLOR_LABEL]).toBe("blue");
  });

  it("a service's first deployment (no blue) runs the stages without baking and serves at once", () => {
    const w = new World({ revision: 1, ...lb, ...strategy({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 600 }) });
    w.runUntil(finished, 60);
    expect(w.samples.at(-1)?.at).toBeLessThan(600 * MINUTE_MS);
    expect(w.service.status?.serviceDeployments?.[0]?.status).toBe("SUCCESSFUL");
  });
});

describe("status while a deployment runs", () => {
  it("Ready stays False through every stage (kubectl wait waits for the whole deployment, bake included) and is True once it is SUCCESSFUL", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 2 }) });
    w.runUntil(finished);
    const during = w.samples.filter((s) => s.status === "IN_PROGRESS");
    expect(during.length).toBeGreaterThan(LIFECYCLE_STAGES.length - 1);
    expect(during.every((s) => s.ready === "False")).toBe(true);
    expect(w.samples.at(-1)?.ready).toBe("True");
  });

  it("Argo CD shows Progressing with the stage and weights (the Service health script on the status the plan wrote)", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } }) });
    w.runUntil((x) => x.samples.at(-1)?.production === 10);
    const hs = luaHealth("Service", w.service);
    expect(hs.status).toBe("Progressing");
    expect(hs.message).toContain("PRODUCTION_TRAFFIC_SHIFT: production traffic 10%, test traffic 100%");
  });

  it("the Stage printer column's path (.status.serviceDeployments[0].lifecycleStage) holds the stage", () => {
    const column = KINDS.find((k) => k.kind === "Service")?.printerColumns.find((c) => c.name === "Stage");
    expect(column?.jsonPath).toBe(".status.serviceDeployments[0].lifecycleStage");
    const w = deploying({ ...lb, ...strategy({ strategy: "BLUE_GREEN" }) });
    w.runUntil((x) => x.samples.at(-1)?.stage === "SCALE_UP");
    expect(w.service.status?.serviceDeployments?.[0]?.lifecycleStage).toBe("SCALE_UP");
  });
});

describe("LINEAR and CANARY", () => {
  it("LINEAR stepPercent 25: production weights 25, 50, 75, 100 in order, each held for stepBakeTimeInMinutes", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "LINEAR", linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 } }) });
    w.runUntil(finished);
    expect(changes(w.samples.map((s) => s.production))).toEqual([0, 25, 50, 75, 100]);
    const firstAt = (p: number): number => w.samples.find((s) => s.production === p)?.at ?? NaN;
    for (const [a, b] of [[25, 50], [50, 75], [75, 100]] as const) expect(firstAt(b) - firstAt(a)).toBeGreaterThanOrEqual(2 * MINUTE_MS);
    expect(w.samples.every((s) => s.productionReady >= 2)).toBe(true);
  });

  it("LINEAR stepPercent 33.3: weights out of 1000 on the route (33.3, 66.6, 99.9, then 100)", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "LINEAR", linearConfiguration: { stepPercent: 33.3, stepBakeTimeInMinutes: 1 } }) });
    w.runUntil(finished);
    expect(changes(w.samples.map((s) => s.production))).toEqual([0, 33.3, 66.6, 99.9, 100]);
    expect(WEIGHT_SCALE).toBe(10);
  });

  it("CANARY 10: canaryPercent first, canaryBakeTimeInMinutes, then the rest", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 } }) });
    w.runUntil(finished);
    expect(changes(w.samples.map((s) => s.production))).toEqual([0, 10, 100]);
    const at = (p: number): number => w.samples.find((s) => s.production === p)?.at ?? NaN;
    expect(at(100) - at(10)).toBeGreaterThanOrEqual(3 * MINUTE_MS);
  });

  it("CANARY through a plain Service: both revisions serve while the weight is between 0 and 100 (reported in Supported)", () => {
    const w = deploying({ ...lb, ...strategy({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } }) });
    w.runUntil(finished);
    expect(changes(w.samples.map((s) => s.productionSelects))).toEqual([label(1), undefined, label(2)]);
    const supported = w.service.status?.conditions?.find((c) => c.type === "Supported");
    expect(supported?.message).toContain("CANARY weights need spec.kubernetes.gateway");
  });
});

describe("ingress-nginx", () => {
  const nginx = { ingress: { className: "nginx", host: "web.example.com" } };
  type Ing = { metadata: { annotations?: Record<string, string> }; spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] } };
  const backendOf = (i: Ing | undefined): string | undefined => i?.spec.rules[0]?.http.paths[0]?.backend.service.name;

  it("CANARY behind an nginx Ingress: a canary Ingress to green carries canary-weight (out of 1000) and the test header; the main Ingress stays on blue until the end, then the canary Ingress goes", () => {
    const w = deploying({ ...lb, kubernetes: nginx, ...strategy({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } }) });
    const seen: { stage: string | undefined; main: string | undefined; canary: string | undefined; weight: string | undefined; header: string | undefined }[] = [];
    w.runUntil((x) => {
      const canary = x.children.get("Ingress/web-canary") as Ing | undefined;
      seen.push({ stage: x.samples.at(-1)?.stage, main: backendOf(x.children.get("Ingress/web") as Ing | undefined), canary: backendOf(canary), weight: canary?.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"], header: canary?.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-by-header"] });
      return finished(x);
    });
    const green = `web-${w.service.status?.serviceDeployments?.[0]?.targetServiceRevision?.color ?? ""}`;
    const blue = `web-${w.service.status?.serviceDeployments?.[0]?.sourceServiceRevisions?.[0]?.color ?? ""}`;
    expect(changes(seen.filter((x) => x.canary !== undefined).map((x) => x.weight))).toEqual(["0", "100", "1000"]);
    expect(seen.filter((x) => x.canary !== undefined).every((x) => x.canary === green && x.header === "x-ecs-test-traffic" && x.main === blue)).toBe(true);
    expect(seen.find((x) => x.stage === "TEST_TRAFFIC_SHIFT")?.canary).toBe(green);
    expect(seen.at(-1)).toMatchObject({ main: "web", canary: undefined });
    expect(w.service.status?.conditions?.find((c) => c.type === "Supported")?.status).toBe("True");
  });

  it("another Ingress class follows the production Service's selector, and LINEAR's approximation is reported", () => {
    const w = deploying({ ...lb, kubernetes: { ingress: { className: "alb" } }, ...strategy({ strategy: "LINEAR", linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 } }) });
    w.runUntil(finished);
    expect(w.children.has("Ingress/web-canary")).toBe(false);
    expect(backendOf(w.children.get("Ingress/web") as Ing | undefined)).toBe("web");
    expect(changes(w.samples.map((s) => s.productionSelects))).toEqual([label(1), undefined, label(2)]);
    expect(w.service.status?.conditions?.find((c) => c.type === "Supported")?.message).toContain("the Ingress of class alb routes to that Service");
  });
});

describe("lifecycle hooks at the stage boundaries", () => {
  const SMOKE = "arn:aws:lambda:us-east-1:123456789012:function:smoke";
  const withHook = (hook: Record<string, unknown>, more: Record<string, unknown> = {}): ServiceFixture => ({
    ...lb,
    kubernetes: { ...gateway, lifecycleHookTargets: [{ hookTargetArn: SMOKE, http: { url: "http://smoke.shop.svc:8080/" } }] },
    ...strategy({ strategy: "BLUE_GREEN", lifecycleHooks: [hook], ...more }),
  });

  it("a hook answering FAILED at POST_TEST_TRAFFIC_SHIFT rolls back: production weight never reached green", () => {
    const w = deploying(withHook({ hookTargetArn: SMOKE, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }));
    w.hookAnswer = () => ({ hookStatus: "FAILED", reason: "smoke test failed" });
    w.runUntil(finished);
    expect(w.hookCalls.map((c) => c.stage)).toEqual(["POST_TEST_TRAFFIC_SHIFT"]);
    // ECS's payload: the test weights already on green, production still on blue.
    expect(Object.values(w.hookCalls[0]?.payload.productionTrafficWeights ?? {})).toEqual([100, 0]);
    expect(w.samples.filter((x) => x.stage !== undefined).every((x) => (x.production ?? 0) === 0)).toBe(true);
    expect(w.service.status?.serviceDeployments?.[0]).toMatchObject({ status: "ROLLBACK_SUCCESSFUL" });
    expect(w.service.status?.taskDefinition).toBe("web:1");
  });

  it("an IN_PROGRESS hook is called again (with its hookDetails) and the deployment goes on once it SUCCEEDED", () => {
    const w = deploying(withHook({ hookTargetArn: SMOKE, lifecycleStages: ["POST_SCALE_UP"] }));
    w.hookAnswer = (_c, n) => (n < 2 ? { hookStatus: "IN_PROGRESS", callBackDelay: 1, hookDetails: { round: n + 1 } } : { hookStatus: "SUCCEEDED" });
    w.runUntil(finished);
    expect(w.hookCalls.map((c) => c.stage)).toEqual(["POST_SCALE_UP", "POST_SCALE_UP", "POST_SCALE_UP"]);
    expect(w.hookCalls[2]?.payload.hookDetails).toEqual({ round: 2 });
    // Test traffic waited for the hook.
    const lastCall = w.samples.findIndex((x) => x.test === 100);
    expect(lastCall).toBeGreaterThan(0);
    expect(w.service.status?.serviceDeployments?.[0]?.status).toBe("SUCCESSFUL");
  });

  it("LINEAR: a PRODUCTION_TRAFFIC_SHIFT hook answers once per step (its own execution each), before the next step; FAILED at step 2 returns production to blue", () => {
    const w = deploying(withHook({ hookTargetArn: SMOKE, lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT"] }, { strategy: "LINEAR", linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 } }));
    w.hookAnswer = (c) => (c.hookId.includes("-s2-") ? { hookStatus: "FAILED" } : { hookStatus: "SUCCEEDED" });
    w.runUntil(finished);
    expect(w.hookCalls.map((c) => c.hookId.replace(/^http-\d+-/, ""))).toEqual(["production-traffic-shift-s1-0", "production-traffic-shift-s2-0"]);
    expect(changes(w.samples.filter((x) => x.stage !== undefined).map((x) => x.production))).toEqual([0, 50, 100, 0]);
    expect(w.service.status?.serviceDeployments?.[0]?.status).toBe("ROLLBACK_SUCCESSFUL");
  });

  it("a PAUSE hook holds the deployment until a person continues it by annotation", () => {
    const w = deploying(withHook({ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }));
    w.runUntil((x) => x.samples.at(-1)?.stage === "POST_TEST_TRAFFIC_SHIFT");
    for (let i = 0; i < 20; i++) w.pass();
    expect(w.samples.at(-1)).toMatchObject({ stage: "POST_TEST_TRAFFIC_SHIFT", production: 0 });
    const paused = w.service.status?.lifecycleHooks?.lifecycleHookDetails.find((d) => d.targetType === "PAUSE");
    expect(paused?.status).toBe("AWAITING_ACTION");
    w.update({}, { [CONTINUE_DEPLOYMENT_ANNOTATION]: paused?.hookId ?? "" });
    w.runUntil(finished);
    expect(w.service.status?.serviceDeployments?.[0]?.status).toBe("SUCCESSFUL");
  });
});

describe("the HTTPRoute when the Gateway goes", () => {
  it("spec.kubernetes.gateway removed: the route the service made is looked up and deleted; once none is found it is not looked up again", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN" }) });
    w.runUntil(finished);
    const route = w.children.get("HTTPRoute/web");
    expect(route).toBeDefined();
    w.update({ kubernetes: {} });
    const observe = (others: ObservedService["others"], memory = NO_MEMORY): ServicePlan => planService(observing(w.service, { revisions: REVISIONS, children: [...w.children.values()].filter((c) => c.kind !== "HTTPRoute"), pods: w.pods, others, memory }), w.now, OPTIONS);
    const asks = observe({});
    expect(asks.lookups.map((l) => `${l.resource.kind}/${l.name}`)).toContain("HTTPRoute/web");
    const others = Object.fromEntries(asks.lookups.map((l) => [`${l.resource.kind}/${l.name}`, l.resource.kind === "HTTPRoute" ? (route ?? null) : null]));
    expect(observe(others).deletes.map((d) => `${d.resource.kind}/${d.name}`)).toContain("HTTPRoute/web");
    const gone = observe(Object.fromEntries(Object.keys(others).map((k) => [k, null])));
    expect(gone.deletes.map((d) => d.resource.kind)).not.toContain("HTTPRoute");
    expect(gone.memory.noRoute).toBe(true);
    expect(observe({}, gone.memory).lookups.map((l) => l.resource.kind)).not.toContain("HTTPRoute");
  });
});

describe("without the Gateway API", () => {
  it("spec.kubernetes.gateway on a cluster that does not serve HTTPRoute: no route, the selector flips instead, and Supported names the field", () => {
    const w = deploying({ ...lb, kubernetes: gateway, ...strategy({ strategy: "BLUE_GREEN" }) });
    const original = OPTIONS;
    const plain: ServicePlanOptions = { ...original, gatewayApi: false };
    const planned = planService(observing(w.service, { revisions: REVISIONS, children: [...w.children.values()], pods: w.pods }), w.now, plain);
    expect(planned.applies.map((a) => a.resource.kind)).not.toContain("HTTPRoute");
    expect(planned.applies.map((a) => a.object.metadata?.name)).not.toContain("web-blue");
    expect(planned.status?.conditions?.find((c) => c.type === "Supported")?.message).toContain("spec.kubernetes.gateway (the Gateway API CRDs");
  });
});

describe("GatewayApiProbe", () => {
  const client = (answer: () => unknown) => {
    const calls: string[] = [];
    return { calls, request: <T>(opts: { path: string }): Promise<T> => { calls.push(opts.path); return Promise.resolve().then(() => answer() as T); } };
  };
  it("HTTPRoute served: true; asked again only after the ttl", async () => {
    const c = client(() => ({ resources: [{ name: "httproutes" }, { name: "gateways" }] }));
    const probe = new GatewayApiProbe(30_000);
    expect(await probe.available(c, NOW)).toBe(true);
    expect(await probe.available(c, later(29_000))).toBe(true);
    expect(c.calls).toEqual(["/apis/gateway.networking.k8s.io/v1"]);
    await probe.available(c, later(30_000));
    expect(c.calls).toHaveLength(2);
  });
  it("the group not served (404): false, no error; another error is thrown (retried by the runtime)", async () => {
    const missing = client(() => { throw new ApiRequestError(404, "NotFound", "the server could not find the requested resource", {}); });
    expect(await new GatewayApiProbe().available(missing, NOW)).toBe(false);
    const broken = client(() => { throw new ApiRequestError(500, "InternalError", "boom", {}); });
    await expect(new GatewayApiProbe().available(broken, NOW)).rejects.toThrow();
  });
});

describe("buildHttpRoute", () => {
  const child = { namespace: "shop", ownerReference: { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "u", controller: true, blockOwnerDeletion: true }, labels: { "ecs.operator.dev/service": "web" } };
  const route = (gw: Parameters<typeof buildHttpRoute>[0]["gateway"], traffic: { production: number; test: number; target?: "blue" | "green" }) =>
    buildHttpRoute({ name: "web", gateway: gw, services: { blue: "web-blue", green: "web-green" }, port: 80, traffic: { targetColor: traffic.target ?? "green", sourceColor: traffic.target === "blue" ? "green" : "blue", productionWeight: traffic.production, testWeight: traffic.test }, child });
  type Spec = { parentRefs: Record<string, unknown>[]; hostnames?: string[]; rules: { matches: { headers?: { name: string; value: string }[] }[]; backendRefs: { name: string; weight: number }[] }[] };
  it.each([
    { name: "parentRefs as given (group and kind Gateway), hostnames, weights out of 1000: canary 5% → 950/50", gw: { parentRefs: [{ name: "public", namespace: "infra", sectionName: "https", port: 443 }], hostnames: ["web.example.com"] }, traffic: { production: 5, test: 100 }, wantProduction: [["web-blue", 950], ["web-green", 50]], wantTest: [["web-blue", 0], ["web-green", 1000]] },
    { name: "a decimal step (33.3%) is exact: 667/333", gw: { parentRefs: [{ name: "public" }] }, traffic: { production: 33.3, test: 100 }, wantProduction: [["web-blue", 667], ["web-green", 333]], wantTest: [["web-blue", 0], ["web-green", 1000]] },
    { name: "the target may be blue (colors alternate): its Service gets the target's weight", gw: { parentRefs: [{ name: "public" }] }, traffic: { production: 0, test: 0, target: "blue" as const }, wantProduction: [["web-green", 1000], ["web-blue", 0]], wantTest: [["web-green", 1000], ["web-blue", 0]] },
  ])("$name", ({ gw, traffic, wantProduction, wantTest }) => {
    const spec = route(gw, traffic).spec as Spec;
    expect(spec.parentRefs[0]).toMatchObject({ group: "gateway.networking.k8s.io", kind: "Gateway", ...gw.parentRefs[0] });
    expect(spec.hostnames).toEqual(gw.hostnames);
    expect(spec.rules[1]?.backendRefs.map((r) => [r.name, r.weight])).toEqual(wantProduction);
    expect(spec.rules[0]?.backendRefs.map((r) => [r.name, r.weight])).toEqual(wantTest);
  });

  it("the test rule comes first and matches x-ecs-test-traffic: true, or the header spec.kubernetes.gateway.testTrafficHeader names", () => {
    expect((route({ parentRefs: [{ name: "p" }] }, { production: 0, test: 100 }).spec as Spec).rules[0]?.matches[0]?.headers).toEqual([{ type: "Exact", name: "x-ecs-test-traffic", value: "true" }]);
    expect((route({ parentRefs: [{ name: "p" }], testTrafficHeader: { name: "x-canary", value: "yes" } }, { production: 0, test: 100 }).spec as Spec).rules[0]?.matches[0]?.headers).toEqual([{ type: "Exact", name: "x-canary", value: "yes" }]);
  });
});

describe("ROLLING ↔ traffic shifting", () => {
  it("ROLLING → BLUE_GREEN with a new revision: the uncolored Deployment is blue until CLEAN_UP, green is colored; nothing is left behind", () => {
    const w = new World({ revision: 1, ...lb });
    // A ROLLING service keeps no serviceDeployments: run until its rollout completed.
    w.runUntil((x) => x.service.status?.deployments?.[0]?.rolloutState === "COMPLETED");
    w.samples = [];
    w.update({ taskDefinition: "web:2", ...strategy({ strategy: "BLUE_GREEN" }) });
    w.runUntil(finished);
    expect(w.samples.find((s) => s.stage === "SCALE_UP")?.deployments).toEqual({ "web-ec2": 2, "web-ec2-green": 2 });
    expect(Object.keys(w.samples.at(-1)?.deployments ?? {})).toEqual(["web-ec2-green"]);
  });

  it("BLUE_GREEN → ROLLING with a new revision: the rolling Deployment replaces the colored one, which is scaled down and deleted", () => {
    const w = new World({ revision: 1, ...lb, ...strategy({ strategy: "BLUE_GREEN" }) });
    w.runUntil(finished);
    w.update({ taskDefinition: "web:2", deploymentConfiguration: {} });
    w.runUntil((x) => x.service.status?.deployments?.[0]?.taskDefinition === "web:2" && x.service.status.deployments[0].rolloutState === "COMPLETED");
    expect(w.service.status?.deployments?.[0]).toMatchObject({ taskDefinition: "web:2", rolloutState: "COMPLETED" });
    expect(Object.keys(w.samples.at(-1)?.deployments ?? {})).toEqual(["web-ec2"]);
  });
});

// The machine alone: each stage's exit and the hooks' gate point.
const CONFIG: ShiftConfig = { strategy: "BLUE_GREEN", bakeMs: 60_000, stepPercent: 10, stepBakeMs: 60_000, canaryPercent: 5, canaryBakeMs: 60_000 };
const blue = { id: "ecs-svc/1", taskDefinition: "web:1", color: "blue" as const };
const green = { id: "ecs-svc/2", taskDefinition: "web:2", color: "green" as const };
const at = (stage: ShiftState["stage"], more: Partial<ShiftState> = {}): ShiftState => ({ strategy: "BLUE_GREEN", target: green, source: blue, status: "IN_PROGRESS", stage, stageStartedAt: NOW.getTime(), production: 0, test: 0, createdAt: NOW.getTime(), ...more });
const seen = (more: Partial<ShiftObserved> = {}): ShiftObserved => ({ target: green, source: blue, desiredCount: 2, greenReady: 2, greenTasks: 2, blueTasks: 2, ...more });
const later = (ms: number): Date => new Date(NOW.getTime() + ms);

describe("stepShift rows", () => {
  it.each([
    { name: "SCALE_UP waits until green runs desiredCount healthy tasks", state: at("SCALE_UP"), observed: seen({ greenReady: 1 }), wantStage: "SCALE_UP", wantGreen: 2 },
    { name: "SCALE_UP → POST_SCALE_UP once green is ready", state: at("SCALE_UP"), observed: seen(), wantStage: "POST_SCALE_UP", wantGreen: 2 },
    { name: "PRE_SCALE_UP: green has no task yet", state: at("RECONCILE_SERVICE"), observed: seen(), wantStage: "PRE_SCALE_UP", wantGreen: 0 },
    { name: "POST_SCALE_UP → TEST_TRAFFIC_SHIFT: test traffic 100% on green", state: at("POST_SCALE_UP"), observed: seen(), wantStage: "TEST_TRAFFIC_SHIFT", wantTest: 100, wantProduction: 0 },
    { name: "POST_TEST_TRAFFIC_SHIFT → PRODUCTION_TRAFFIC_SHIFT: BLUE_GREEN moves all production at once", state: at("POST_TEST_TRAFFIC_SHIFT", { test: 100 }), observed: seen(), wantStage: "PRODUCTION_TRAFFIC_SHIFT", wantProduction: 100 },
    { name: "BAKE_TIME holds for bakeTimeInMinutes", state: at("BAKE_TIME", { production: 100, test: 100 }), observed: seen(), now: later(59_000), wantStage: "BAKE_TIME", wantKeepBlue: true, wantRequeue: 1_000 },
    { name: "BAKE_TIME → CLEAN_UP after it: blue goes", state: at("BAKE_TIME", { production: 100, test: 100 }), observed: seen(), now: later(60_000), wantStage: "CLEAN_UP", wantKeepBlue: false },
    { name: "CLEAN_UP is over (SUCCESSFUL) once blue's tasks are gone", state: at("CLEAN_UP", { production: 100, test: 100 }), observed: seen({ blueTasks: 0 }), wantStatus: "SUCCESSFUL" },
    { name: "a rollback reason during BAKE_TIME: traffic back to blue at once, green removed", state: at("BAKE_TIME", { production: 100, test: 100 }), observed: seen({ rollback: "x" }), wantStatus: "ROLLBACK_IN_PROGRESS", wantProduction: 0, wantTest: 0, wantGreen: 0, wantKeepBlue: true },
    { name: "gate point: a hook answering wait holds the stage", state: at("POST_TEST_TRAFFIC_SHIFT", { test: 100 }), observed: seen({ gate: () => ({ outcome: "wait", requeueAfterMs: 30_000 }) }), wantStage: "POST_TEST_TRAFFIC_SHIFT", wantProduction: 0, wantRequeue: 30_000 },
    { name: "gate point: a hook answering rollback at POST_TEST_TRAFFIC_SHIFT rolls back before production moves", state: at("POST_TEST_TRAFFIC_SHIFT", { test: 100 }), observed: seen({ gate: () => ({ outcome: "rollback", reason: "hook FAILED" }) }), wantStatus: "ROLLBACK_IN_PROGRESS", wantProduction: 0 },
    { name: "rolling back is over when green's tasks are gone", state: at("BAKE_TIME", { status: "ROLLBACK_IN_PROGRESS", rollback: { reason: "x", startedAt: 0 } }), observed: seen({ greenTasks: 0 }), wantStatus: "ROLLBACK_SUCCESSFUL" },
    { name: "no blue to return to: ROLLBACK_FAILED", state: at("SCALE_UP", { source: undefined }), observed: seen({ source: undefined, rollback: "circuit breaker" }), wantStatus: "ROLLBACK_FAILED" },
    { name: "a newer revision while one is in flight: a new deployment from the same blue", state: at("BAKE_TIME", { production: 100 }), observed: seen({ target: { id: "ecs-svc/3", taskDefinition: "web:3", color: "green" } }), wantStage: "RECONCILE_SERVICE", wantProduction: 0 },
  ])("$name", (row) => {
    const r = stepShift(CONFIG, row.state, row.observed, row.now ?? NOW, "web");
    if (row.wantStage !== undefined) expect(r.state.stage).toBe(row.wantStage);
    if (row.wantStatus !== undefined) expect(r.state.status).toBe(row.wantStatus);
    if (row.wantProduction !== undefined) expect(r.state.production).toBe(row.wantProduction);
    if (row.wantTest !== undefined) expect(r.state.test).toBe(row.wantTest);
    if (row.wantGreen !== undefined) expect(r.greenReplicas).toBe(row.wantGreen);
    if (row.wantKeepBlue !== undefined) expect(r.keepBlue).toBe(row.wantKeepBlue);
    if (row.wantRequeue !== undefined) expect(r.requeueAfterMs).toBe(row.wantRequeue);
  });
});
