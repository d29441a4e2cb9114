// ECS deployment lifecycle hooks, row by row: which hooks run at a stage, what a hookTargetArn runs here, ECS's payload,
// reading an answer, and the gate (IN_PROGRESS called again after callBackDelay with its hookDetails, FAILED and
// timeouts roll back, a restart keeps SUCCEEDED, PAUSE waits for the continue annotation). The ECS rules are quoted from
// the Amazon ECS Developer Guide ("Lifecycle hooks for Amazon ECS service deployments", "Lambda hooks …", "Pause hooks
// …") and the API reference (DeploymentLifecycleHook, DeploymentLifecycleHookTimeoutConfiguration).
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { admit } from "../../../src/api/admission.ts";
import { API_GROUP_VERSION } from "../../../src/api/common.ts";
import type { ServiceSpec } from "../../../src/api/service.ts";
import { SpecError } from "../../../src/api/spec-error.ts";
import { HOOK_ID_ANNOTATION, HOOK_SERVICE_LABEL, SERVICE_LABEL } from "../../../src/api/keys.ts";
import {
  buildHookJob,
  DEFAULT_CALL_BACK_DELAY_SECONDS,
  hookDeploymentOf,
  hookExecutionId,
  HookGateRun,
  hookJobName,
  hooksAt,
  jobAnswer,
  NO_HOOK_MEMORY,
  parseHookAnswer,
  parsePauseAction,
  planHookGate,
  recordHookAnswer,
  resolveLifecycleHooks,
  serviceArn,
  serviceRevisionArn,
  trafficWeights,
  type HookAnswer,
  type HookDeployment,
  type HookGate,
  type HookGateInput,
  type HookMemory,
  type ResolvedHook,
} from "../../../src/builders/service/lifecycle-hooks.ts";
import { LIFECYCLE_STAGES, type LifecycleStage } from "../../../src/api/service.ts";

// ---------------------------------------------------------------- fixtures

const SMOKE = "arn:aws:lambda:us-east-1:123456789012:function:smoke";
const MIGRATE = "arn:aws:lambda:us-east-1:123456789012:function:migrate";
const smokeTarget = { hookTargetArn: SMOKE, http: { url: "http://smoke.shop.svc/hook" } };
const migrateTarget = { hookTargetArn: MIGRATE, job: { template: { template: { spec: { containers: [{ name: "migrate", image: "migrate:1" }] } } } } };

type Hook = NonNullable<NonNullable<ServiceSpec["deploymentConfiguration"]>["lifecycleHooks"]>[number];
const lambda = (arn: string, stages: string[], more: Partial<Hook> = {}): Hook => ({ hookTargetArn: arn, lifecycleStages: stages as Hook["lifecycleStages"], ...more });
const pause = (stages: string[], more: Partial<Hook> = {}): Hook => ({ targetType: "PAUSE", lifecycleStages: stages as Hook["lifecycleStages"], ...more });

const aSpec = (hooks: Hook[], targets: object[] = [smokeTarget, migrateTarget]): Pick<ServiceSpec, "deploymentConfiguration" | "kubernetes"> =>
  ({ deploymentConfiguration: { strategy: "BLUE_GREEN", lifecycleHooks: hooks }, kubernetes: { lifecycleHookTargets: targets } }) as Pick<ServiceSpec, "deploymentConfiguration" | "kubernetes">;

const ref = { namespace: "shop", cluster: "default", serviceName: "web" };
const BLUE = serviceRevisionArn(ref, "ecs-svc/1111111111111111111");
const GREEN = serviceRevisionArn(ref, "ecs-svc/2222222222222222222");
const deployment = (more: Partial<HookDeployment> = {}): HookDeployment => ({
  deploymentId: "ecs-svc/2222222222222222222",
  serviceArn: serviceArn(ref),
  targetServiceRevisionArn: GREEN,
  testTrafficWeights: trafficWeights(BLUE, GREEN, 100),
  productionTrafficWeights: trafficWeights(BLUE, GREEN, 0),
  ...more,
});

const T0 = new Date("2026-12-05T12:00:00Z");
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

const gate = (hooks: ResolvedHook[], stage: LifecycleStage, memory: HookMemory, now: Date, more: Partial<HookGateInput> = {}): HookGate =>
  planHookGate({ hooks, stage, deployment: deployment(), memory, now, ...more });

/** One pass of the controller: the gate, then every call answered by `answer`, recorded as the executor does. */
function pass(hooks: ResolvedHook[], stage: LifecycleStage, memory: HookMemory, now: Date, answer?: (payload: object, invocation: number) => HookAnswer, more: Partial<HookGateInput> = {}) {
  const g = gate(hooks, stage, memory, now, more);
  let m = g.memory;
  for (const call of g.calls) {
    if (answer === undefined) throw new Error(`unexpected call of ${call.name}`);
    const invocation = m.lifecycleHookDetails.find((r) => r.hookId === call.hookId)?.invocations ?? 0;
    m = recordHookAnswer(m, call, answer(call.payload, invocation), now);
  }
  return { gate: g, memory: m };
}

// ---------------------------------------------------------------- stages

describe("stages", () => {
  it("ECS's ten lifecycle stages in the order a deployment passes them (ServiceDeployment.lifecycleStage)", () => {
    expect(LIFECYCLE_STAGES).toEqual([
      "RECONCILE_SERVICE",
      "PRE_SCALE_UP",
      "SCALE_UP",
      "POST_SCALE_UP",
      "TEST_TRAFFIC_SHIFT",
      "POST_TEST_TRAFFIC_SHIFT",
      "PRODUCTION_TRAFFIC_SHIFT",
      "POST_PRODUCTION_TRAFFIC_SHIFT",
      "BAKE_TIME",
      "CLEAN_UP",
    ]);
  });

  const hooks = resolveLifecycleHooks(
    aSpec([lambda(SMOKE, ["POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"]), pause(["POST_TEST_TRAFFIC_SHIFT"]), lambda(MIGRATE, ["PRE_SCALE_UP", "TEST_TRAFFIC_SHIFT"])]),
  );
  it.each<[string, LifecycleStage, boolean, number[]]>([
    ["a stage runs the hooks that list it, in spec order (ECS: \"Both hooks must complete before the deployment proceeds\")", "POST_TEST_TRAFFIC_SHIFT", false, [0, 1]],
    ["a stage no hook lists runs none", "BAKE_TIME", false, []],
    ["PRE_SCALE_UP runs its hook", "PRE_SCALE_UP", false, [2]],
    ["ECS: \"When a roll back happens, Amazon ECS runs the lifecycle hooks for … PRODUCTION_TRAFFIC_SHIFT, TEST_TRAFFIC_SHIFT\"", "PRODUCTION_TRAFFIC_SHIFT", true, [0]],
    ["in a rollback, TEST_TRAFFIC_SHIFT hooks run", "TEST_TRAFFIC_SHIFT", true, [2]],
    ["in a rollback, no other stage's hooks run", "POST_TEST_TRAFFIC_SHIFT", true, []],
  ])("%s", (_name, stage, rollback, want) => {
    expect(hooksAt(hooks, stage, rollback).map((h) => h.index)).toEqual(want);
  });
});

// ---------------------------------------------------------------- targets

describe("resolveLifecycleHooks: what a hookTargetArn runs here", () => {
  it("an AWS_LAMBDA hook (the default targetType) runs the http target of its hookTargetArn, with ECS's defaults", () => {
    const [h] = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_SCALE_UP"], { hookDetails: { bucket: "b" } })]));
    // DeploymentLifecycleHookTimeoutConfiguration: timeoutInMinutes "Default: 1440 (24 hours)", action "Default: ROLLBACK".
    expect(h).toEqual({
      index: 0,
      targetType: "AWS_LAMBDA",
      hookTargetArn: SMOKE,
      stages: ["POST_SCALE_UP"],
      hookDetails: { bucket: "b" },
      timeoutMinutes: 1440,
      timeoutAction: "ROLLBACK",
      target: { kind: "http", url: "http://smoke.shop.svc/hook", timeoutSeconds: 30 },
    });
  });

  it("a job target runs its JobSpec template; timeoutConfiguration is taken as given", () => {
    const [h] = resolveLifecycleHooks(aSpec([lambda(MIGRATE, ["PRE_SCALE_UP"], { timeoutConfiguration: { timeoutInMinutes: 5, action: "CONTINUE" } })]));
    expect(h?.target).toEqual({ kind: "job", template: migrateTarget.job.template });
    expect([h?.timeoutMinutes, h?.timeoutAction]).toEqual([5, "CONTINUE"]);
  });

  it("ECS: a PAUSE hook has no hookTargetArn (\"This field is not applicable for PAUSE hooks\") and needs no target", () => {
    const [h] = resolveLifecycleHooks(aSpec([pause(["POST_TEST_TRAFFIC_SHIFT"])], []));
    expect(h?.target).toEqual({ kind: "pause" });
  });

  it.each<[string, Hook[], object[], string, string]>([
    [
      "a hookTargetArn that names no target is a spec error naming the field and the fix",
      [lambda("arn:aws:lambda:us-east-1:123456789012:function:nope", ["POST_SCALE_UP"])],
      [smokeTarget],
      "spec.deploymentConfiguration.lifecycleHooks[0].hookTargetArn",
      "arn:aws:lambda:us-east-1:123456789012:function:nope names no spec.kubernetes.lifecycleHookTargets entry",
    ],
    [
      "ECS: \"You must provide this parameter when configuring an AWS_LAMBDA lifecycle hook\"",
      [{ lifecycleStages: ["POST_SCALE_UP"] }],
      [smokeTarget],
      "spec.deploymentConfiguration.lifecycleHooks[0].hookTargetArn",
      "an AWS_LAMBDA hook needs a hookTargetArn",
    ],
    [
      "ECS: \"PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages\"",
      [lambda(SMOKE, ["POST_SCALE_UP"]), pause(["POST_SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT"])],
      [smokeTarget],
      "spec.deploymentConfiguration.lifecycleHooks[1].lifecycleStages",
      "a PAUSE hook cannot run at PRODUCTION_TRAFFIC_SHIFT",
    ],
  ])("%s", (_name, hooks, targets, field, reason) => {
    let err: unknown;
    try {
      resolveLifecycleHooks(aSpec(hooks, targets));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).field).toBe(field);
    expect((err as SpecError).reason).toContain(reason);
  });

  it("an https target keeps its caBundle and timeoutSeconds", () => {
    const [h] = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_SCALE_UP"])], [{ hookTargetArn: SMOKE, http: { url: "https://smoke.shop.svc/hook", timeoutSeconds: 5, caBundle: "LS0t" } }]));
    expect(h?.target).toEqual({ kind: "http", url: "https://smoke.shop.svc/hook", timeoutSeconds: 5, caBundle: "LS0t" });
  });

  it("no lifecycleHooks: no hooks", () => {
    expect(resolveLifecycleHooks({})).toEqual([]);
  });
});

// ---------------------------------------------------------------- payload

describe("ECS's payload", () => {
  it("carries ECS's common fields (serviceArn, targetServiceRevisionArn, testTrafficWeights, productionTrafficWeights), the stage, the execution id and the spec's hookDetails", () => {
    const hooks = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_TEST_TRAFFIC_SHIFT"], { hookDetails: { S3_BUCKET_NAME: "my-approval-bucket" } })]));
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    expect(g.calls).toHaveLength(1);
    expect(g.calls[0]?.payload).toEqual({
      serviceArn: "arn:aws:ecs:kubernetes:shop:service/default/web",
      targetServiceRevisionArn: "arn:aws:ecs:kubernetes:shop:service-revision/default/web/2222222222222222222",
      testTrafficWeights: { [BLUE]: 0, [GREEN]: 100 },
      productionTrafficWeights: { [BLUE]: 100, [GREEN]: 0 },
      lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
      executionId: "http-22222222-post-test-traffic-shift-0",
      hookDetails: { S3_BUCKET_NAME: "my-approval-bucket" },
    });
  });

  it("a first deployment has no source revision: the weights name the target alone", () => {
    expect(trafficWeights(undefined, GREEN, 100)).toEqual({ [GREEN]: 100 });
  });

  it.each<[string, LifecycleStage, number | undefined, boolean, string]>([
    ["a hook execution id names the kind, the deployment, the stage and the hook", "POST_SCALE_UP", undefined, false, "http-22222222-post-scale-up-0"],
    ["each LINEAR/CANARY step of PRODUCTION_TRAFFIC_SHIFT is its own execution", "PRODUCTION_TRAFFIC_SHIFT", 3, false, "http-22222222-production-traffic-shift-s3-0"],
    ["a rollback's execution is not the deployment's", "TEST_TRAFFIC_SHIFT", undefined, true, "http-22222222-test-traffic-shift-rb-0"],
  ])("%s", (_name, stage, step, rollback, want) => {
    const [h] = resolveLifecycleHooks(aSpec([lambda(SMOKE, [stage])]));
    if (h === undefined) throw new Error("no hook");
    expect(hookExecutionId(h, "ecs-svc/2222222222222222222", stage, step, rollback)).toBe(want);
  });
});

// ---------------------------------------------------------------- answers

describe("parseHookAnswer: ECS's answer, or FAILED with what was wrong", () => {
  const name = `lifecycleHooks[0] (${SMOKE})`;
  it.each<[string, number, string, HookAnswer]>([
    ["SUCCEEDED: \"The deployment continues to the next lifecycle stage\"", 200, '{"hookStatus":"SUCCEEDED"}', { hookStatus: "SUCCEEDED" }],
    ["ECS's example: { \"hookStatus\": \"IN_PROGRESS\", \"callBackDelay\": 60 }", 200, '{"hookStatus":"IN_PROGRESS","callBackDelay":60}', { hookStatus: "IN_PROGRESS", callBackDelay: 60 }],
    ["IN_PROGRESS with hookDetails to pass to the next call", 200, '{"hookStatus":"IN_PROGRESS","hookDetails":{"checks":2}}', { hookStatus: "IN_PROGRESS", hookDetails: { checks: 2 } }],
    ["FAILED: \"Amazon ECS rolls back the deployment\"", 200, '{"hookStatus":"FAILED"}', { hookStatus: "FAILED", reason: `${name} answered FAILED` }],
    ["any 2xx counts", 202, '{"hookStatus":"SUCCEEDED"}', { hookStatus: "SUCCEEDED" }],
    ["a non-2xx status is a failed function", 500, '{"hookStatus":"SUCCEEDED"}', { hookStatus: "FAILED", reason: `${name} answered HTTP 500` }],
    ["\"If your function doesn't return a valid hookStatus … rolls back\": a body that is not JSON", 200, "ok", { hookStatus: "FAILED", reason: `${name} answered with a body that is not JSON` }],
    ["JSON that is not an object", 200, '["SUCCEEDED"]', { hookStatus: "FAILED", reason: `${name} answered JSON that is not an object` }],
    ["no hookStatus", 200, '{"status":"SUCCEEDED"}', { hookStatus: "FAILED", reason: `${name} answered without hookStatus` }],
    ["an unknown hookStatus", 200, '{"hookStatus":"DONE"}', { hookStatus: "FAILED", reason: `${name} answered hookStatus "DONE"; ECS knows SUCCEEDED, FAILED and IN_PROGRESS` }],
    ["hookStatus in lower case is not ECS's", 200, '{"hookStatus":"succeeded"}', { hookStatus: "FAILED", reason: `${name} answered hookStatus "succeeded"; ECS knows SUCCEEDED, FAILED and IN_PROGRESS` }],
    ["a callBackDelay that is not a number", 200, '{"hookStatus":"IN_PROGRESS","callBackDelay":"60"}', { hookStatus: "FAILED", reason: `${name} answered callBackDelay "60"; it must be a number of seconds ≥ 0` }],
    ["hookDetails that is not an object", 200, '{"hookStatus":"IN_PROGRESS","hookDetails":"x"}', { hookStatus: "FAILED", reason: `${name} answered hookDetails that is not an object` }],
  ])("%s", (_name, status, body, want) => {
    expect(parseHookAnswer(name, status, body)).toEqual(want);
  });

  it("a reason never repeats the body (it may hold secrets)", () => {
    expect(parseHookAnswer(name, 200, "token=s3cr3t").reason).not.toContain("s3cr3t");
    expect(parseHookAnswer(name, 403, "token=s3cr3t").reason).not.toContain("s3cr3t");
  });
});

describe("jobAnswer: a Job answers by finishing (exit 0 = SUCCEEDED)", () => {
  it.each<[string, object | undefined, HookAnswer]>([
    ["not created yet: IN_PROGRESS", undefined, { hookStatus: "IN_PROGRESS" }],
    ["running: IN_PROGRESS", { status: { active: 1 } }, { hookStatus: "IN_PROGRESS" }],
    ["Complete: SUCCEEDED", { status: { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] } }, { hookStatus: "SUCCEEDED" }],
    [
      "Failed: FAILED with the Job's reason",
      { status: { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } },
      { hookStatus: "FAILED", reason: "lifecycleHooks[0] (x): Job web-check failed (BackoffLimitExceeded: Job has reached the specified backoff limit)" },
    ],
  ])("%s", (_name, job, want) => {
    expect(jobAnswer("lifecycleHooks[0] (x): Job web-check", job as never)).toEqual(want);
  });
});

// ---------------------------------------------------------------- the gate

describe("planHookGate: may the deployment leave this stage?", () => {
  const smokeAt = (stage: string, more: Partial<Hook> = {}) => resolveLifecycleHooks(aSpec([lambda(SMOKE, [stage], more)]));

  it("a stage without hooks proceeds at once and remembers nothing", () => {
    const g = gate(smokeAt("POST_SCALE_UP"), "BAKE_TIME", NO_HOOK_MEMORY, T0);
    expect(g).toEqual({ outcome: "proceed", calls: [], memory: { deploymentId: "ecs-svc/2222222222222222222", lifecycleHookDetails: [] }, events: [] });
  });

  it("the first pass at a stage calls its hook and waits for the answer, recording the execution as ECS's lifecycleHookDetails", () => {
    const g = gate(smokeAt("POST_TEST_TRAFFIC_SHIFT"), "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    expect(g.outcome).toBe("wait");
    expect(g.calls.map((c) => c.hookId)).toEqual(["http-22222222-post-test-traffic-shift-0"]);
    expect(g.requeueAfterMs).toBe(0);
    expect(g.memory.lifecycleHookDetails).toEqual([
      {
        hookId: "http-22222222-post-test-traffic-shift-0",
        targetType: "AWS_LAMBDA",
        targetArn: SMOKE,
        lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
        status: "IN_PROGRESS",
        startedAt: "2026-12-05T12:00:00.000Z",
        expiresAt: "2026-12-06T12:00:00.000Z",
        timeoutAction: "ROLLBACK",
        nextCallAt: "2026-12-05T12:00:00.000Z",
        invocations: 0,
      },
    ]);
  });

  it("SUCCEEDED: the next pass proceeds without calling again", () => {
    const hooks = smokeAt("POST_TEST_TRAFFIC_SHIFT");
    const first = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "SUCCEEDED" }));
    const second = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(1));
    expect(second.gate.outcome).toBe("proceed");
    expect(second.memory.lifecycleHookDetails[0]?.status).toBe("SUCCEEDED");
    expect(second.memory.lifecycleHookDetails[0]?.invocations).toBe(1);
  });

  it("ECS: \"IN_PROGRESS - Amazon ECS invokes the function again after a delay. By default, the delay is 30 seconds\"", () => {
    const hooks = smokeAt("POST_TEST_TRAFFIC_SHIFT");
    const first = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "IN_PROGRESS" }));
    const early = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(10));
    expect(early.gate).toMatchObject({ outcome: "wait", calls: [], requeueAfterMs: 20_000 });
    const due = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(DEFAULT_CALL_BACK_DELAY_SECONDS));
    expect(due.calls).toHaveLength(1);
  });

  it("ECS: \"You can customize this value by returning a callBackDelay alongside the hookStatus\"", () => {
    const hooks = smokeAt("POST_TEST_TRAFFIC_SHIFT");
    const first = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "IN_PROGRESS", callBackDelay: 60 }));
    expect(gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(59)).calls).toHaveLength(0);
    expect(gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(60)).calls).toHaveLength(1);
  });

  it("the default callBackDelay is configuration (tests make it short)", () => {
    const hooks = smokeAt("POST_TEST_TRAFFIC_SHIFT");
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    const [call] = g.calls;
    if (call === undefined) throw new Error("no call");
    const m = recordHookAnswer(g.memory, call, { hookStatus: "IN_PROGRESS" }, T0, { callBackDelaySeconds: 1 });
    expect(gate(hooks, "POST_TEST_TRAFFIC_SHIFT", m, at(1)).calls).toHaveLength(1);
  });

  it("ECS: hookDetails returned with IN_PROGRESS \"Amazon ECS passes this data back … on the next invocation\", over the spec's", () => {
    const hooks = smokeAt("POST_TEST_TRAFFIC_SHIFT", { hookDetails: { bucket: "b", checks: 0 } });
    const seen: object[] = [];
    let m = NO_HOOK_MEMORY;
    for (let i = 0; i < 3; i++) {
      m = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", m, at(i * 30), (payload, invocation) => {
        seen.push((payload as { hookDetails?: object }).hookDetails ?? {});
        return invocation < 2 ? { hookStatus: "IN_PROGRESS", hookDetails: { checks: invocation + 1 } } : { hookStatus: "SUCCEEDED" };
      }).memory;
    }
    expect(seen).toEqual([{ bucket: "b", checks: 0 }, { bucket: "b", checks: 1 }, { bucket: "b", checks: 2 }]);
    expect(gate(hooks, "POST_TEST_TRAFFIC_SHIFT", m, at(90)).outcome).toBe("proceed");
  });

  it("FAILED rolls back, with a reason naming the hook", () => {
    const hooks = smokeAt("POST_TEST_TRAFFIC_SHIFT");
    const first = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0, () => parseHookAnswer(`lifecycleHooks[0] (${SMOKE})`, 200, '{"hookStatus":"FAILED"}'));
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(1));
    expect(g).toMatchObject({ outcome: "rollback", calls: [], reason: `lifecycleHooks[0] (${SMOKE}) answered FAILED` });
  });

  it("no answer (the executor's timeout or a refused connection) is FAILED and rolls back", () => {
    const hooks = smokeAt("POST_SCALE_UP");
    const first = pass(hooks, "POST_SCALE_UP", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "FAILED", reason: `lifecycleHooks[0] (${SMOKE}) did not answer within 30 s` }));
    expect(gate(hooks, "POST_SCALE_UP", first.memory, at(31))).toMatchObject({ outcome: "rollback", reason: `lifecycleHooks[0] (${SMOKE}) did not answer within 30 s` });
  });

  it("ECS timeoutConfiguration: a hook still IN_PROGRESS at timeoutInMinutes times out and the default action is ROLLBACK", () => {
    const hooks = smokeAt("POST_SCALE_UP", { timeoutConfiguration: { timeoutInMinutes: 2 } });
    let m = NO_HOOK_MEMORY;
    for (const s of [0, 30, 60, 90]) m = pass(hooks, "POST_SCALE_UP", m, at(s), () => ({ hookStatus: "IN_PROGRESS" })).memory;
    const g = gate(hooks, "POST_SCALE_UP", m, at(120));
    expect(g.outcome).toBe("rollback");
    expect(g.calls).toEqual([]);
    expect(g.memory.lifecycleHookDetails[0]?.status).toBe("TIMED_OUT");
    expect(g.reason).toContain("did not finish within 2 minutes");
  });

  it("ECS timeoutConfiguration action CONTINUE: \"Proceeds the deployment to the next lifecycle stage\"", () => {
    const hooks = smokeAt("POST_SCALE_UP", { timeoutConfiguration: { timeoutInMinutes: 1, action: "CONTINUE" } });
    const first = pass(hooks, "POST_SCALE_UP", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "IN_PROGRESS" }));
    expect(gate(hooks, "POST_SCALE_UP", first.memory, at(60))).toMatchObject({ outcome: "proceed", calls: [] });
  });

  it("a wait never sleeps past the timeout: an IN_PROGRESS hook's next call is capped at expiresAt", () => {
    const hooks = smokeAt("POST_SCALE_UP", { timeoutConfiguration: { timeoutInMinutes: 1 } });
    const first = pass(hooks, "POST_SCALE_UP", NO_HOOK_MEMORY, at(50), () => ({ hookStatus: "IN_PROGRESS", callBackDelay: 600 }));
    expect(gate(hooks, "POST_SCALE_UP", first.memory, at(55)).requeueAfterMs).toBe(55_000);
  });

  it("a restarted controller reads the memory back from the status (JSON) and never calls a SUCCEEDED hook again", () => {
    const hooks = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_TEST_TRAFFIC_SHIFT"]), lambda(MIGRATE, ["POST_TEST_TRAFFIC_SHIFT"])]));
    const first = pass(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0, (p) => ((p as { executionId: string }).executionId.startsWith("http") ? { hookStatus: "SUCCEEDED" } : { hookStatus: "IN_PROGRESS" }));
    const restored = JSON.parse(JSON.stringify(first.memory)) as HookMemory;
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", restored, at(5));
    // The Job hook (IN_PROGRESS, polled every 5 s) is looked at again; the SUCCEEDED http hook is not called.
    expect(g.calls.map((c) => c.hookId)).toEqual(["job-22222222-post-test-traffic-shift-1"]);
    expect(g.outcome).toBe("wait");
  });

  it("a restarted controller keeps an IN_PROGRESS hook's time: it is called when due, with the hookDetails it returned", () => {
    const hooks = smokeAt("POST_SCALE_UP");
    const first = pass(hooks, "POST_SCALE_UP", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "IN_PROGRESS", hookDetails: { runId: "r-1" } }));
    const restored = JSON.parse(JSON.stringify(first.memory)) as HookMemory;
    expect(gate(hooks, "POST_SCALE_UP", restored, at(5)).calls).toEqual([]);
    expect(gate(hooks, "POST_SCALE_UP", restored, at(30)).calls[0]?.payload.hookDetails).toEqual({ runId: "r-1" });
  });

  it("both hooks of a stage must succeed: one SUCCEEDED and one IN_PROGRESS still waits", () => {
    const hooks = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_SCALE_UP"]), lambda(MIGRATE, ["POST_SCALE_UP"])]));
    const first = pass(hooks, "POST_SCALE_UP", NO_HOOK_MEMORY, T0, (p) => ((p as { executionId: string }).executionId.startsWith("http") ? { hookStatus: "SUCCEEDED" } : { hookStatus: "IN_PROGRESS" }));
    expect(gate(hooks, "POST_SCALE_UP", first.memory, at(1)).outcome).toBe("wait");
  });

  it("one FAILED hook rolls back even while another is still IN_PROGRESS", () => {
    const hooks = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_SCALE_UP"]), lambda(MIGRATE, ["POST_SCALE_UP"])]));
    const first = pass(hooks, "POST_SCALE_UP", NO_HOOK_MEMORY, T0, (p) => ((p as { executionId: string }).executionId.startsWith("http") ? { hookStatus: "IN_PROGRESS" } : { hookStatus: "FAILED", reason: "migrate failed" }));
    expect(gate(hooks, "POST_SCALE_UP", first.memory, at(1))).toMatchObject({ outcome: "rollback", reason: "migrate failed", calls: [] });
  });

  it("the memory of another deployment is dropped: a new deployment calls its hooks afresh", () => {
    const hooks = smokeAt("POST_SCALE_UP");
    const first = pass(hooks, "POST_SCALE_UP", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "SUCCEEDED" }));
    const g = planHookGate({ hooks, stage: "POST_SCALE_UP", deployment: deployment({ deploymentId: "ecs-svc/3333333333333333333" }), memory: first.memory, now: at(60) });
    expect(g.calls.map((c) => c.hookId)).toEqual(["http-33333333-post-scale-up-0"]);
    expect(g.memory.deploymentId).toBe("ecs-svc/3333333333333333333");
    expect(g.memory.lifecycleHookDetails).toHaveLength(1);
  });

  it("each stage keeps its own executions: a hook listed at two stages is called at each", () => {
    const hooks = smokeAt("POST_SCALE_UP");
    const both = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT"])]));
    const first = pass(both, "POST_SCALE_UP", NO_HOOK_MEMORY, T0, () => ({ hookStatus: "SUCCEEDED" }));
    expect(gate(hooks, "POST_SCALE_UP", first.memory, at(1)).outcome).toBe("proceed");
    expect(gate(both, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(1)).calls.map((c) => c.stage)).toEqual(["POST_TEST_TRAFFIC_SHIFT"]);
  });
});

describe("PAUSE: waits until a person continues or rolls back", () => {
  const hooks = resolveLifecycleHooks(aSpec([pause(["POST_TEST_TRAFFIC_SHIFT"], { timeoutConfiguration: { timeoutInMinutes: 10 } })], []));
  const HOOK_ID = "pause-22222222-post-test-traffic-shift-0";

  it("ECS: \"The deployment remains paused until you call ContinueServiceDeployment with the hookId\": AWAITING_ACTION, nothing to call, wake at the timeout", () => {
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    expect(g).toMatchObject({ outcome: "wait", calls: [], requeueAfterMs: 600_000 });
    expect(g.reason).toBe(`lifecycleHooks[0] (PAUSE) at POST_TEST_TRAFFIC_SHIFT is paused: continue with the annotation ecs.operator.dev/continue=${HOOK_ID} (or ${HOOK_ID}:ROLLBACK)`);
    expect(g.memory.lifecycleHookDetails[0]).toMatchObject({ hookId: HOOK_ID, targetType: "PAUSE", status: "AWAITING_ACTION", expiresAt: "2026-12-05T12:10:00.000Z", timeoutAction: "ROLLBACK" });
    expect(g.memory.lifecycleHookDetails[0]?.targetArn).toBeUndefined();
    expect(g.events).toEqual([
      {
        type: "Normal",
        reason: "LifecycleHookPaused",
        message: `lifecycleHooks[0] (PAUSE) paused the deployment at POST_TEST_TRAFFIC_SHIFT: continue with the annotation ecs.operator.dev/continue=${HOOK_ID}, or roll back with ${HOOK_ID}:ROLLBACK`,
      },
    ]);
    // Said once, when the pause begins.
    expect(gate(hooks, "POST_TEST_TRAFFIC_SHIFT", g.memory, at(30)).events).toEqual([]);
  });

  it("still waiting while the annotation names another hookId (a stale continue of an earlier deployment)", () => {
    const first = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(60), { pauseAction: parsePauseAction("pause-11111111-post-test-traffic-shift-0") });
    expect(g.outcome).toBe("wait");
  });

  it("the continue annotation with the hookId continues (ContinueServiceDeployment's default action CONTINUE), and stays continued", () => {
    const first = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(60), { pauseAction: parsePauseAction(HOOK_ID) });
    expect(g.outcome).toBe("proceed");
    expect(g.events.map((e) => e.reason)).toEqual(["LifecycleHookContinued"]);
    expect(gate(hooks, "POST_TEST_TRAFFIC_SHIFT", g.memory, at(61)).outcome).toBe("proceed");
  });

  it("`<hookId>:ROLLBACK` rolls back (ContinueServiceDeployment action ROLLBACK)", () => {
    const first = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(60), { pauseAction: parsePauseAction(`${HOOK_ID}:ROLLBACK`) });
    expect(g.outcome).toBe("rollback");
    expect(g.reason).toContain("rolled back by a person");
    expect(g.events.map((e) => [e.type, e.reason])).toEqual([["Warning", "LifecycleHookRolledBack"]]);
  });

  it("ECS: \"or until the configured timeout is reached\": the timeout action (default ROLLBACK) is taken", () => {
    const first = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", NO_HOOK_MEMORY, T0);
    const g = gate(hooks, "POST_TEST_TRAFFIC_SHIFT", first.memory, at(600));
    expect(g.outcome).toBe("rollback");
    expect(g.memory.lifecycleHookDetails[0]?.status).toBe("TIMED_OUT");
  });

  it.each<[string, string | undefined, object | undefined]>([
    ["no annotation: no action", undefined, undefined],
    ["an empty value: no action", " ", undefined],
    ["a hookId: CONTINUE", HOOK_ID, { hookId: HOOK_ID, action: "CONTINUE" }],
    ["<hookId>:CONTINUE", `${HOOK_ID}:CONTINUE`, { hookId: HOOK_ID, action: "CONTINUE" }],
    ["<hookId>:ROLLBACK", `${HOOK_ID}:ROLLBACK`, { hookId: HOOK_ID, action: "ROLLBACK" }],
  ])("parsePauseAction: %s", (_name, value, want) => {
    expect(parsePauseAction(value)).toEqual(want);
  });
});

// ---------------------------------------------------------------- the Job

describe("buildHookJob", () => {
  const hooks = resolveLifecycleHooks(aSpec([lambda(MIGRATE, ["PRE_SCALE_UP"])]));
  const firstCall = (g: HookGate) => {
    const [c] = g.calls;
    if (c === undefined) throw new Error("no call");
    return c;
  };
  const call = firstCall(gate(hooks, "PRE_SCALE_UP", NO_HOOK_MEMORY, T0));
  const job = buildHookJob(call, { name: "web", namespace: "shop", uid: "u-1" });

  it("is named after the service and the execution, owned by the Service, and runs once unless the template says otherwise", () => {
    expect(job.metadata?.name).toBe("web-job-22222222-pre-scale-up-0");
    expect(job.metadata?.namespace).toBe("shop");
    expect(job.metadata?.ownerReferences).toEqual([{ apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "u-1", controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata?.annotations?.[HOOK_ID_ANNOTATION]).toBe(call.hookId);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.template.spec?.restartPolicy).toBe("Never");
    expect(job.spec.ttlSecondsAfterFinished).toBe(86_400);
  });

  it("a long service name still makes a Job name of at most 63 characters (its pods' job-name label), distinct per execution", () => {
    const long = "a-service-with-a-name-long-enough-to-overflow-a-dns-label";
    const a = hookJobName(long, "job-22222222-post-production-traffic-shift-s3-0");
    const b = hookJobName(long, "job-22222222-post-production-traffic-shift-s4-0");
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
  });

  it("every container gets ECS's payload in ECS_HOOK_PAYLOAD", () => {
    const env = job.spec.template.spec?.containers?.[0]?.env ?? [];
    expect(JSON.parse(env.find((e) => e.name === "ECS_HOOK_PAYLOAD")?.value ?? "{}")).toEqual(call.payload);
  });

  it("its pods never carry the task pods' service label (they must not receive the service's traffic)", () => {
    expect(job.spec.template.metadata?.labels?.[SERVICE_LABEL]).toBeUndefined();
    expect(job.spec.template.metadata?.labels?.[HOOK_SERVICE_LABEL]).toBe("web");
  });

  it("the template's own backoffLimit and restartPolicy win; the template is not modified", () => {
    const own = resolveLifecycleHooks(
      aSpec([lambda(MIGRATE, ["PRE_SCALE_UP"])], [{ hookTargetArn: MIGRATE, job: { template: { backoffLimit: 2, template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "m", image: "m" }] } } } } }]),
    );
    const c = firstCall(gate(own, "PRE_SCALE_UP", NO_HOOK_MEMORY, T0));
    const j = buildHookJob(c, { name: "web", namespace: "shop", uid: "u-1" });
    expect([j.spec.backoffLimit, j.spec.template.spec?.restartPolicy]).toEqual([2, "OnFailure"]);
    expect((c.target as unknown as { template: { template: { spec: { containers: { env?: unknown }[] } } } }).template.template.spec.containers[0]?.env).toBeUndefined();
  });
});

// ---------------------------------------------------------------- the stage machine's gate

describe("HookGateRun: the gate the stage machine calls at each stage boundary", () => {
  const state = { target: { id: "ecs-svc/2222222222222222222" }, source: { id: "ecs-svc/1111111111111111111" }, production: 0, test: 100, createdAt: T0.getTime() };

  it("hookDeploymentOf: the service's and revisions' ARNs and ECS's weights maps from the stage machine's state", () => {
    expect(hookDeploymentOf(ref, state)).toEqual({
      deploymentId: "ecs-svc/2222222222222222222",
      attempt: String(T0.getTime() / 1000),
      serviceArn: "arn:aws:ecs:kubernetes:shop:service/default/web",
      targetServiceRevisionArn: GREEN,
      testTrafficWeights: { [BLUE]: 0, [GREEN]: 100 },
      productionTrafficWeights: { [BLUE]: 100, [GREEN]: 0 },
    });
  });

  it("collects the calls and the memory of a pass; rollback always says why", () => {
    const hooks = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_TEST_TRAFFIC_SHIFT"])]));
    const run = new HookGateRun({ hooks, ref, memory: NO_HOOK_MEMORY, now: T0 });
    expect(run.gate("POST_SCALE_UP", state)).toEqual({ outcome: "proceed" });
    expect(run.gate("POST_TEST_TRAFFIC_SHIFT", state)).toEqual({ outcome: "wait", requeueAfterMs: 0, reason: `lifecycleHooks[0] (${SMOKE}) at POST_TEST_TRAFFIC_SHIFT is IN_PROGRESS` });
    expect(run.calls.map((c) => c.hookId)).toEqual(["http-22222222-post-test-traffic-shift-0"]);
    const [call] = run.calls;
    if (call === undefined) throw new Error("no call");
    const answered = recordHookAnswer(run.memory, call, { hookStatus: "FAILED", reason: "smoke test failed" }, at(1));
    const next = new HookGateRun({ hooks, ref, memory: answered, now: at(2) });
    expect(next.gate("POST_TEST_TRAFFIC_SHIFT", state)).toEqual({ outcome: "rollback", reason: "smoke test failed" });
    expect(next.calls).toEqual([]);
  });

  it("the attempt is the second the deployment began: the pass that began it (milliseconds) and the next ones (createdAt read back from the status, whole seconds) share the memory", () => {
    const hooks = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_SCALE_UP"])]));
    const run = new HookGateRun({ hooks, ref, memory: NO_HOOK_MEMORY, now: T0 });
    run.gate("POST_SCALE_UP", { ...state, createdAt: T0.getTime() + 345 });
    const [call] = run.calls;
    if (call === undefined) throw new Error("no call");
    const answered = recordHookAnswer(run.memory, call, { hookStatus: "IN_PROGRESS" }, T0);
    const next = new HookGateRun({ hooks, ref, memory: answered, now: at(1) });
    expect(next.gate("POST_SCALE_UP", state).outcome).toBe("wait");
    expect(next.calls).toEqual([]);
    expect(next.memory).toEqual(answered);
  });

  it("a new attempt of the same revision (another createdAt, after a rollback) calls its hooks afresh", () => {
    const hooks = resolveLifecycleHooks(aSpec([lambda(SMOKE, ["POST_SCALE_UP"])]));
    const run = new HookGateRun({ hooks, ref, memory: NO_HOOK_MEMORY, now: T0 });
    run.gate("POST_SCALE_UP", state);
    const [call] = run.calls;
    if (call === undefined) throw new Error("no call");
    const failedBefore = recordHookAnswer(run.memory, call, { hookStatus: "FAILED", reason: "no" }, T0);
    const retry = new HookGateRun({ hooks, ref, memory: failedBefore, now: at(600) });
    expect(retry.gate("POST_SCALE_UP", { ...state, createdAt: at(600).getTime() }).outcome).toBe("wait");
    expect(retry.calls).toHaveLength(1);
    expect(retry.memory.deploymentId).toBe(`ecs-svc/2222222222222222222@${at(600).getTime() / 1000}`);
  });
});

// ---------------------------------------------------------------- the worked example of docs/lifecycle-hooks.md

describe("docs/lifecycle-hooks.md", () => {
  const doc = readFileSync(new URL("../../../docs/lifecycle-hooks.md", import.meta.url), "utf8");
  const example = /```yaml\n(spec:[\s\S]*?)```/.exec(doc)?.[1] ?? "";
  const spec = { taskDefinition: "web", ...((load(example) as { spec: Record<string, unknown> }).spec) };

  it("its Service example is admitted and its hooks resolve to an http target, a Job and a PAUSE", () => {
    expect(admit({ apiVersion: API_GROUP_VERSION, kind: "Service", metadata: { name: "web", namespace: "shop" }, spec })).toEqual([]);
    expect(resolveLifecycleHooks(spec as Parameters<typeof resolveLifecycleHooks>[0]).map((h) => h.target.kind)).toEqual(["http", "job", "pause"]);
  });

  it("its payload example's executionId is the one the gate makes for that deployment", () => {
    const hooks = resolveLifecycleHooks(spec as Parameters<typeof resolveLifecycleHooks>[0]);
    const [smoke] = hooks;
    if (smoke === undefined) throw new Error("no hook");
    const id = hookExecutionId(smoke, "ecs-svc/4471236529871234567", "POST_TEST_TRAFFIC_SHIFT");
    expect(doc).toContain(`"executionId": "${id}"`);
    const pauseHook = hooks[2];
    if (pauseHook === undefined) throw new Error("no pause hook");
    expect(doc).toContain(`ecs.operator.dev/continue=${hookExecutionId(pauseHook, "ecs-svc/4471236529871234567", "POST_PRODUCTION_TRAFFIC_SHIFT")} --overwrite`);
  });
});
