// The lifecycle hook executor against the real control plane: the gate (planHookGate) drives it as the Service
// controller's stage machine does, pass after pass, with the memory read back from the Service's status each time
// (status.lifecycleHooks, as a restarted controller reads it). An HTTP hook served by this test on 127.0.0.1 answers
// IN_PROGRESS then SUCCEEDED; one answers FAILED; one never answers; a Job hook is completed (and one failed) by kwok;
// a PAUSE hook waits until the continue annotation names it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { CONTINUE_DEPLOYMENT_ANNOTATION, HOOK_ID_ANNOTATION } from "../../src/api/keys.ts";
import {
  hookJobName,
  NO_HOOK_MEMORY,
  planHookGate,
  resolveLifecycleHooks,
  serviceArn,
  serviceRevisionArn,
  trafficWeights,
  type HookDeployment,
  type HookGate,
  type HookMemory,
} from "../../src/builders/service/lifecycle-hooks.ts";
import type { LifecycleStage } from "../../src/api/service.ts";
import { EcsServices, type ServiceObject } from "../../src/controllers/ecs-resources.ts";
import { applyServicePlan } from "../../src/controllers/service/apply.ts";
import { applyPlannedHooks, pauseActionOf } from "../../src/controllers/service/hooks.ts";
import { NO_MEMORY, type ServicePlan } from "../../src/controllers/service/plan.ts";
import { Action } from "../../src/runtime/controller.ts";
import { EventRecorder } from "../../src/runtime/events.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { KubeClient } from "../../src/runtime/kube-client.ts";
import { Jobs, resourcePath, type KubeObject } from "../../src/runtime/resources.ts";
import { HOOK_TLS_CERT, HOOK_TLS_KEY } from "./fixtures/hook-tls.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const client = new KubeClient(kc);
let ns = "";

/** The hook endpoint: answers by path, and keeps every payload it was sent. */
const received = new Map<string, Record<string, unknown>[]>();
const answers: Record<string, (n: number) => unknown> = {
  // IN_PROGRESS twice (ECS's callBackDelay in seconds, and hookDetails for the next call), then SUCCEEDED.
  "/progress": (n) => (n < 2 ? { hookStatus: "IN_PROGRESS", callBackDelay: 1, hookDetails: { checked: n + 1 } } : { hookStatus: "SUCCEEDED" }),
  "/fail": () => ({ hookStatus: "FAILED" }),
  "/tls": () => ({ hookStatus: "SUCCEEDED" }),
};
let server: Server;
let tlsServer: Server;
let base = "";
let tlsBase = "";

function serve(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => {
    chunks.push(c);
  });
  req.on("end", () => {
    const path = req.url ?? "";
    const seen = received.get(path) ?? [];
    seen.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
    received.set(path, seen);
    // "/silent" never answers: the executor's timeout must end the call.
    if (path === "/silent") return;
    const answer = answers[path];
    res.writeHead(answer === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(answer?.(seen.length - 1) ?? {}));
  });
}

beforeAll(async () => {
  server = createServer(serve);
  tlsServer = createHttpsServer({ cert: HOOK_TLS_CERT, key: HOOK_TLS_KEY }, serve);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  ns = await testNamespace(kc, "svc-hooks");
});

afterAll(async () => {
  for (const s of [server, tlsServer]) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => { resolve(); }));
  }
});

const SMOKE = "arn:aws:lambda:us-east-1:123456789012:function:smoke";

/** A Service object with these hooks and targets. No controller runs here: the test is the stage machine. */
async function aService(name: string, hooks: object[], targets: object[]): Promise<ServiceObject> {
  return apiRequest<ServiceObject>(kc, {
    method: "POST",
    path: resourcePath(EcsServices, ns),
    body: {
      apiVersion: API_GROUP_VERSION,
      kind: "Service",
      metadata: { name },
      spec: { taskDefinition: "web", deploymentConfiguration: { strategy: "BLUE_GREEN", lifecycleHooks: hooks }, kubernetes: { lifecycleHookTargets: targets } },
    },
  });
}

const read = (name: string): Promise<ServiceObject> => apiRequest<ServiceObject>(kc, { method: "GET", path: resourcePath(EcsServices, ns, name) });

function deploymentOf(name: string): HookDeployment {
  const ref = { namespace: ns, cluster: "default", serviceName: name };
  const blue = serviceRevisionArn(ref, "ecs-svc/1000000000000000001");
  const green = serviceRevisionArn(ref, "ecs-svc/1000000000000000002");
  return { deploymentId: "ecs-svc/1000000000000000002", serviceArn: serviceArn(ref), targetServiceRevisionArn: green, testTrafficWeights: trafficWeights(blue, green, 100), productionTrafficWeights: trafficWeights(blue, green, 0) };
}

/**
 * Passes of the gate at `stage` until it proceeds or rolls back, as the controller makes them: each pass reads the
 * Service (its status.lifecycleHooks is the memory, as after a restart), plans, performs the calls (which write the
 * memory back), and looks again when the gate says.
 */
async function driveGate(name: string, stage: LifecycleStage, timeoutMs = 60_000): Promise<{ gate: HookGate; passes: number }> {
  const deadline = Date.now() + timeoutMs;
  for (let passes = 1; ; passes++) {
    const svc = await read(name);
    const memory: HookMemory = svc.status?.lifecycleHooks ?? NO_HOOK_MEMORY;
    const gate = planHookGate({ hooks: resolveLifecycleHooks(svc.spec), stage, deployment: deploymentOf(name), memory, pauseAction: pauseActionOf(svc), now: new Date() });
    if (gate.outcome !== "wait") return { gate, passes };
    if (Date.now() > deadline) throw new Error(`the gate of ${name} at ${stage} still waits: ${gate.reason ?? ""}`);
    // The plan's status write carries the gate's memory (a hook started, a pause recorded); the calls then write theirs.
    const planned = { ...svc.status, lifecycleHooks: gate.memory };
    await client.patch(EcsServices, name, ns, { status: planned }, "merge", "status");
    const next = await applyPlannedHooks(svc, planned, gate, { client, now: () => new Date(), options: { jobPollSeconds: 1 } });
    // What the next pass plans from is what the API server now holds.
    if (gate.calls.length > 0) expect((await read(name)).status?.lifecycleHooks).toEqual(next?.lifecycleHooks);
    await new Promise((r) => setTimeout(r, Math.min(Math.max(gate.requeueAfterMs ?? 0, 100), 1_000)));
  }
}

describe("lifecycle hooks on the real control plane", () => {
  it("an HTTP hook answering IN_PROGRESS is called again after its callBackDelay with the hookDetails it returned, then SUCCEEDED proceeds and is never called again", async () => {
    await aService("progress", [{ hookTargetArn: SMOKE, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], hookDetails: { env: "test" } }], [{ hookTargetArn: SMOKE, http: { url: `${base}/progress` } }]);
    const { gate } = await driveGate("progress", "POST_TEST_TRAFFIC_SHIFT");
    expect(gate.outcome).toBe("proceed");

    const calls = received.get("/progress") ?? [];
    expect(calls.map((p) => p.hookDetails)).toEqual([{ env: "test" }, { env: "test", checked: 1 }, { env: "test", checked: 2 }]);
    expect(calls[0]).toMatchObject({
      serviceArn: `arn:aws:ecs:kubernetes:${ns}:service/default/progress`,
      targetServiceRevisionArn: `arn:aws:ecs:kubernetes:${ns}:service-revision/default/progress/1000000000000000002`,
      lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
      executionId: "http-00000002-post-test-traffic-shift-0",
    });

    // What a restarted controller reads: the execution SUCCEEDED after three calls.
    const svc = await read("progress");
    expect(svc.status?.lifecycleHooks?.lifecycleHookDetails).toEqual([expect.objectContaining({ hookId: "http-00000002-post-test-traffic-shift-0", status: "SUCCEEDED", invocations: 3, targetArn: SMOKE })]);
    const again = await driveGate("progress", "POST_TEST_TRAFFIC_SHIFT");
    expect([again.gate.outcome, again.passes]).toEqual(["proceed", 1]);
    expect(received.get("/progress")).toHaveLength(3);
  });

  it("an HTTP hook answering FAILED rolls back, naming the hook", async () => {
    await aService("fails", [{ hookTargetArn: SMOKE, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }], [{ hookTargetArn: SMOKE, http: { url: `${base}/fail` } }]);
    const { gate } = await driveGate("fails", "POST_TEST_TRAFFIC_SHIFT");
    expect(gate).toMatchObject({ outcome: "rollback", reason: `lifecycleHooks[0] (${SMOKE}) answered FAILED` });
    expect((await read("fails")).status?.lifecycleHooks?.lifecycleHookDetails[0]?.status).toBe("FAILED");
  });

  it("an HTTP hook that never answers times out after timeoutSeconds and rolls back; one that cannot be reached too", async () => {
    await aService("silent", [{ hookTargetArn: SMOKE, lifecycleStages: ["POST_SCALE_UP"] }], [{ hookTargetArn: SMOKE, http: { url: `${base}/silent`, timeoutSeconds: 1 } }]);
    const silent = await driveGate("silent", "POST_SCALE_UP");
    expect(silent.gate).toMatchObject({ outcome: "rollback", reason: `lifecycleHooks[0] (${SMOKE}) did not answer within 1 s` });

    await aService("unreachable", [{ hookTargetArn: SMOKE, lifecycleStages: ["POST_SCALE_UP"] }], [{ hookTargetArn: SMOKE, http: { url: "http://127.0.0.1:1/hook", timeoutSeconds: 5 } }]);
    const unreachable = await driveGate("unreachable", "POST_SCALE_UP");
    expect(unreachable.gate.outcome).toBe("rollback");
    expect(unreachable.gate.reason).toBe(`lifecycleHooks[0] (${SMOKE}): 127.0.0.1:1 could not be reached (ECONNREFUSED)`);
  });

  it("an https endpoint is verified: with its CA in caBundle it answers; without, the call fails and rolls back", async () => {
    const caBundle = Buffer.from(HOOK_TLS_CERT).toString("base64");
    await aService("tls-ok", [{ hookTargetArn: SMOKE, lifecycleStages: ["POST_SCALE_UP"] }], [{ hookTargetArn: SMOKE, http: { url: `${tlsBase}/tls`, caBundle } }]);
    expect((await driveGate("tls-ok", "POST_SCALE_UP")).gate.outcome).toBe("proceed");
    expect(received.get("/tls")).toHaveLength(1);

    await aService("tls-unknown-ca", [{ hookTargetArn: SMOKE, lifecycleStages: ["POST_SCALE_UP"] }], [{ hookTargetArn: SMOKE, http: { url: `${tlsBase}/tls` } }]);
    const refused = await driveGate("tls-unknown-ca", "POST_SCALE_UP");
    expect(refused.gate.outcome).toBe("rollback");
    expect(refused.gate.reason).toMatch(/could not be reached \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/);
    expect(received.get("/tls")).toHaveLength(1);
  });

  it("a Job hook: the Job is created owned by the Service with ECS's payload, and kwok completing its pod (exit 0) is SUCCEEDED", async () => {
    const svc = await aService("job-ok", [{ hookTargetArn: SMOKE, lifecycleStages: ["PRE_SCALE_UP"] }], [
      { hookTargetArn: SMOKE, job: { template: { template: { spec: { containers: [{ name: "check", image: "registry.example.com/check:1" }] } } } } },
    ]);
    const { gate } = await driveGate("job-ok", "PRE_SCALE_UP");
    expect(gate.outcome).toBe("proceed");
    const job = await apiRequest<KubeObject & { spec: { template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } } }>(kc, {
      method: "GET",
      path: resourcePath(Jobs, ns, hookJobName("job-ok", "job-00000002-pre-scale-up-0")),
    });
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Service", name: "job-ok", uid: svc.metadata.uid, controller: true });
    expect(job.metadata?.annotations?.[HOOK_ID_ANNOTATION]).toBe("job-00000002-pre-scale-up-0");
    const payload = JSON.parse(job.spec.template.spec.containers[0]?.env?.find((e) => e.name === "ECS_HOOK_PAYLOAD")?.value ?? "{}") as Record<string, unknown>;
    expect(payload).toMatchObject({ lifecycleStage: "PRE_SCALE_UP", executionId: "job-00000002-pre-scale-up-0", serviceArn: `arn:aws:ecs:kubernetes:${ns}:service/default/job-ok` });
  });

  it("a Job hook whose pod exits non-zero fails the Job (backoffLimit 0) and rolls back with the Job's reason", async () => {
    await aService("job-fail", [{ hookTargetArn: SMOKE, lifecycleStages: ["PRE_SCALE_UP"] }], [
      {
        hookTargetArn: SMOKE,
        job: { template: { template: { metadata: { annotations: { "kwok.ecs-operator.dev/exit": "*=1" } }, spec: { containers: [{ name: "check", image: "registry.example.com/check:1" }] } } } },
      },
    ]);
    const { gate } = await driveGate("job-fail", "PRE_SCALE_UP");
    expect(gate.outcome).toBe("rollback");
    expect(gate.reason).toMatch(/^lifecycleHooks\[0\] \(arn:aws:lambda:us-east-1:123456789012:function:smoke\): Job job-fail-job-00000002-pre-scale-up-0 failed \(BackoffLimitExceeded/);
  });

  it("the Service controller's apply phase writes the planned status, then calls the plan's hooks and returns the status with their answers", async () => {
    await aService("applied", [{ hookTargetArn: SMOKE, lifecycleStages: ["POST_SCALE_UP"] }], [{ hookTargetArn: SMOKE, http: { url: `${base}/tls` } }]);
    const svc = await read("applied");
    const gate = planHookGate({ hooks: resolveLifecycleHooks(svc.spec), stage: "POST_SCALE_UP", deployment: deploymentOf("applied"), memory: NO_HOOK_MEMORY, now: new Date() });
    const status = { ...svc.status, serviceName: "applied", lifecycleHooks: gate.memory };
    const plan: ServicePlan = { lookups: [], applies: [], patches: [], deletes: [], events: [], next: Action.done(), memory: NO_MEMORY, status, hooks: gate };
    const io = { client, events: new EventRecorder(client, { instance: "hooks-test" }), now: () => new Date() };
    const remembered = await applyServicePlan(svc, plan, io, { log: createLogger({ level: "error" }), reconcileId: "t" });
    expect(remembered?.serviceName).toBe("applied");
    expect(remembered?.lifecycleHooks?.lifecycleHookDetails[0]).toMatchObject({ status: "SUCCEEDED", invocations: 1 });
    const stored = (await read("applied")).status;
    expect(stored?.serviceName).toBe("applied");
    expect(stored?.lifecycleHooks).toEqual(remembered?.lifecycleHooks);
  });

  it("a PAUSE hook waits until a person runs `kubectl annotate ecsservice paused ecs.operator.dev/continue=<hookId>`", async () => {
    await aService("paused", [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }], []);
    const waiting = await driveGate("paused", "POST_TEST_TRAFFIC_SHIFT", 3_000).catch((err: unknown) => err as Error);
    expect(waiting).toBeInstanceOf(Error);
    expect((waiting as Error).message).toContain("is paused: continue with the annotation ecs.operator.dev/continue=pause-00000002-post-test-traffic-shift-0 (or pause-00000002-post-test-traffic-shift-0:ROLLBACK)");
    const recorded = (await read("paused")).status?.lifecycleHooks?.lifecycleHookDetails[0];
    expect(recorded).toMatchObject({ hookId: "pause-00000002-post-test-traffic-shift-0", targetType: "PAUSE", status: "AWAITING_ACTION", timeoutAction: "ROLLBACK" });

    // What `kubectl annotate … --overwrite` sends.
    await client.patch(EcsServices, "paused", ns, { metadata: { annotations: { [CONTINUE_DEPLOYMENT_ANNOTATION]: "pause-00000002-post-test-traffic-shift-0" } } });
    const continued = await eventually("the pause continued", async () => {
      const r = await driveGate("paused", "POST_TEST_TRAFFIC_SHIFT", 5_000);
      return r.gate.outcome === "proceed" ? r : undefined;
    });
    expect(continued.gate.memory.lifecycleHookDetails[0]?.status).toBe("SUCCEEDED");
  });
});
