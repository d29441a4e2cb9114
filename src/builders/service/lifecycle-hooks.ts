// ECS deployment lifecycle hooks, pure: the stage names, which hooks run at a stage, what each hookTargetArn runs here
// (an HTTP(S) endpoint or a Job from spec.kubernetes.lifecycleHookTargets, or ECS's PAUSE), ECS's payload, reading an
// answer, and the gate the stage machine asks "may the deployment leave this stage?". The executor
// (src/controllers/service/hooks.ts) performs the calls the gate returns and folds the answers back with
// recordHookAnswer. docs/lifecycle-hooks.md.
import { CONTINUE_DEPLOYMENT_ANNOTATION, HOOK_ID_ANNOTATION, HOOK_PAYLOAD_ANNOTATION, HOOK_SERVICE_LABEL, HOOK_STAGE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, SERVICE_LABEL } from "../../api/keys.ts";
import { API_GROUP_VERSION } from "../../api/common.ts";
import type { LifecycleHookTarget, LifecycleStage, ServiceSpec, ServiceStatus } from "../../api/service.ts";
import { SpecError } from "../../api/spec-error.ts";
import { controllerReference, type KubeObject } from "../../runtime/resources.ts";
import { toDnsLabel, toLabelValue } from "../names.ts";
import { nameLabelValue } from "../pod/labels.ts";


/**
 * ECS: "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages. These stages are
 * only valid for AWS_LAMBDA hooks."
 */
export const NO_PAUSE_STAGES: readonly LifecycleStage[] = ["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"];
/** ECS: "When a roll back happens, Amazon ECS runs the lifecycle hooks for the following lifecycle stages: PRODUCTION_TRAFFIC_SHIFT, TEST_TRAFFIC_SHIFT". */
export const ROLLBACK_STAGES: readonly LifecycleStage[] = ["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"];

/** ECS: "By default, the delay is 30 seconds." */
export const DEFAULT_CALL_BACK_DELAY_SECONDS = 30;
/** ECS DeploymentLifecycleHookTimeoutConfiguration: timeoutInMinutes "Default: 1440 (24 hours)", action "Default: ROLLBACK". */
export const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;
/** How long one HTTP call may take when the target does not say (http.timeoutSeconds). */
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;

export type HookStatus = "SUCCEEDED" | "FAILED" | "IN_PROGRESS";
export const HOOK_STATUSES: readonly HookStatus[] = ["SUCCEEDED", "FAILED", "IN_PROGRESS"];

type Spec = Pick<ServiceSpec, "deploymentConfiguration" | "kubernetes">;
type HookSpec = NonNullable<NonNullable<ServiceSpec["deploymentConfiguration"]>["lifecycleHooks"]>[number];
export type HookDetails = Readonly<Record<string, unknown>>;

export type ResolvedTarget =
  | { readonly kind: "http"; readonly url: string; readonly timeoutSeconds: number; readonly caBundle?: string | undefined }
  | { readonly kind: "job"; readonly template: Readonly<Record<string, unknown>> }
  | { readonly kind: "pause" };

/** A lifecycle hook of the spec with what it runs here. */
export interface ResolvedHook {
  /** Its index in spec.deploymentConfiguration.lifecycleHooks. */
  readonly index: number;
  readonly targetType: "AWS_LAMBDA" | "PAUSE";
  readonly hookTargetArn?: string | undefined;
  readonly stages: readonly string[];
  /** The hookDetails of the spec, passed on every call. */
  readonly hookDetails?: HookDetails | undefined;
  readonly timeoutMinutes: number;
  readonly timeoutAction: "CONTINUE" | "ROLLBACK";
  readonly target: ResolvedTarget;
}

/** `lifecycleHooks[0] (arn:…)` or `lifecycleHooks[1] (PAUSE)`: how messages name a hook. */
export function hookName(hook: Pick<ResolvedHook, "index" | "targetType" | "hookTargetArn">): string {
  return `lifecycleHooks[${hook.index}] (${hook.targetType === "PAUSE" ? "PAUSE" : (hook.hookTargetArn ?? "")})`;
}

/**
 * The spec's lifecycle hooks with their targets. A hook without targetType is AWS_LAMBDA (ECS's original and only
 * kind); its hookTargetArn must name a spec.kubernetes.lifecycleHookTargets entry, since no Lambda is invoked here.
 */
export function resolveLifecycleHooks(spec: Spec): ResolvedHook[] {
  const hooks = spec.deploymentConfiguration?.lifecycleHooks ?? [];
  const targets = new Map<string, LifecycleHookTarget>((spec.kubernetes?.lifecycleHookTargets ?? []).map((t) => [t.hookTargetArn, t]));
  return hooks.map((h, index) => resolveHook(h, index, targets));
}

function resolveHook(h: HookSpec, index: number, targets: ReadonlyMap<string, LifecycleHookTarget>): ResolvedHook {
  const field = `spec.deploymentConfiguration.lifecycleHooks[${index}]`;
  const targetType = h.targetType ?? "AWS_LAMBDA";
  const common = {
    index,
    targetType,
    stages: h.lifecycleStages,
    timeoutMinutes: h.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES,
    timeoutAction: h.timeoutConfiguration?.action ?? "ROLLBACK",
  } as const;
  if (targetType === "PAUSE") {
    const bad = h.lifecycleStages.find((s) => (NO_PAUSE_STAGES as readonly string[]).includes(s));
    if (bad !== undefined) throw new SpecError(`${field}.lifecycleStages`, `a PAUSE hook cannot run at ${bad}: ECS allows PAUSE hooks at every stage but TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT`);
    return { ...common, target: { kind: "pause" } };
  }
  const arn = h.hookTargetArn;
  if (arn === undefined || arn === "") throw new SpecError(`${field}.hookTargetArn`, "an AWS_LAMBDA hook needs a hookTargetArn (or set targetType: PAUSE)");
  const t = targets.get(arn);
  if (t === undefined) {
    throw new SpecError(
      `${field}.hookTargetArn`,
      `${arn} names no spec.kubernetes.lifecycleHookTargets entry; add one with this hookTargetArn and an http url or a job template (docs/lifecycle-hooks.md)`,
    );
  }
  const target: ResolvedTarget =
    t.http !== undefined
      ? {
          kind: "http",
          url: t.http.url,
          timeoutSeconds: t.http.timeoutSeconds ?? DEFAULT_HTTP_TIMEOUT_SECONDS,
          ...(t.http.caBundle === undefined ? {} : { caBundle: t.http.caBundle }),
        }
      : { kind: "job", template: (t.job?.template ?? {}) };
  return { ...common, hookTargetArn: arn, ...(h.hookDetails === undefined ? {} : { hookDetails: h.hookDetails }), target };
}

/** The hooks that run at `stage`, in spec order. In a rollback, ECS runs only TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT hooks. */
export function hooksAt(hooks: readonly ResolvedHook[], stage: LifecycleStage, rollback = false): ResolvedHook[] {
  if (rollback && !ROLLBACK_STAGES.includes(stage)) return [];
  return hooks.filter((h) => h.stages.includes(stage));
}

// ---------------------------------------------------------------- ARNs and the payload

/** What names an ECS service here: the ARN's account is the namespace, its region `kubernetes` (docs/lifecycle-hooks.md). */
export interface ServiceArnRef {
  readonly namespace: string;
  readonly cluster: string;
  readonly serviceName: string;
}

/** `arn:aws:ecs:kubernetes:<namespace>:service/<cluster>/<serviceName>`, the shape of ECS's service ARN. */
export function serviceArn(ref: ServiceArnRef): string {
  return `arn:aws:ecs:kubernetes:${ref.namespace}:service/${ref.cluster}/${ref.serviceName}`;
}

/** `arn:aws:ecs:kubernetes:<namespace>:service-revision/<cluster>/<serviceName>/<digits of the deployment id>`. */
export function serviceRevisionArn(ref: ServiceArnRef, deploymentId: string): string {
  return `arn:aws:ecs:kubernetes:${ref.namespace}:service-revision/${ref.cluster}/${ref.serviceName}/${deploymentId.replace(/^ecs-svc\//, "")}`;
}

/** The weights map ECS sends: revision ARN → percent, the source revision left out when it has none. */
export function trafficWeights(sourceArn: string | undefined, targetArn: string, targetPercent: number): Record<string, number> {
  return sourceArn === undefined ? { [targetArn]: targetPercent } : { [sourceArn]: 100 - targetPercent, [targetArn]: targetPercent };
}

/** What the stage machine knows of the deployment that a hook is told. */
export interface HookDeployment {
  /** The ECS deployment id (`ecs-svc/<digits>`) of the target revision: the hook execution ids carry its digits. */
  readonly deploymentId: string;
  /**
   * What makes this attempt of the deployment distinct from an earlier one of the same revision (its start time): the
   * memory of another deployment or attempt is dropped, so a new attempt calls every hook afresh.
   */
  readonly attempt?: string | undefined;
  readonly serviceArn: string;
  readonly targetServiceRevisionArn: string;
  readonly testTrafficWeights: Readonly<Record<string, number>>;
  readonly productionTrafficWeights: Readonly<Record<string, number>>;
}

/**
 * ECS's payload: "All lifecycle stage payloads include the following common fields: serviceArn, targetServiceRevisionArn,
 * testTrafficWeights, productionTrafficWeights"; plus the stage, the execution's id and hookDetails (the spec's,
 * overlaid with those the last IN_PROGRESS answer returned: "Amazon ECS passes this data back on the next invocation").
 */
export interface HookPayload {
  readonly serviceArn: string;
  readonly targetServiceRevisionArn: string;
  readonly testTrafficWeights: Readonly<Record<string, number>>;
  readonly productionTrafficWeights: Readonly<Record<string, number>>;
  readonly lifecycleStage: LifecycleStage;
  readonly executionId: string;
  readonly hookDetails?: HookDetails | undefined;
}

export function hookPayload(deployment: HookDeployment, stage: LifecycleStage, hookId: string, hookDetails: HookDetails | undefined): HookPayload {
  return {
    serviceArn: deployment.serviceArn,
    targetServiceRevisionArn: deployment.targetServiceRevisionArn,
    testTrafficWeights: deployment.testTrafficWeights,
    productionTrafficWeights: deployment.productionTrafficWeights,
    lifecycleStage: stage,
    executionId: hookId,
    ...(hookDetails === undefined ? {} : { hookDetails }),
  };
}

// ---------------------------------------------------------------- answers

/** A hook's answer, as read from an HTTP body or a Job. FAILED carries why, naming the hook. */
export interface HookAnswer {
  readonly hookStatus: HookStatus;
  /** Seconds until an IN_PROGRESS hook is called again. */
  readonly callBackDelay?: number | undefined;
  readonly hookDetails?: HookDetails | undefined;
  readonly reason?: string | undefined;
}

const failed = (reason: string): HookAnswer => ({ hookStatus: "FAILED", reason });

/**
 * An HTTP answer: a 2xx with ECS's JSON `{ hookStatus, callBackDelay?, hookDetails? }`. ECS: "If your function doesn't
 * return a valid hookStatus, or if it fails, Amazon ECS rolls back the deployment": anything else is FAILED, with a
 * reason naming the hook and what was wrong (never the body, which may hold secrets).
 */
export function parseHookAnswer(name: string, httpStatus: number, body: string): HookAnswer {
  if (httpStatus < 200 || httpStatus > 299) return failed(`${name} answered HTTP ${httpStatus}`);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return failed(`${name} answered with a body that is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return failed(`${name} answered JSON that is not an object`);
  const o = value as Record<string, unknown>;
  if (!("hookStatus" in o)) return failed(`${name} answered without hookStatus`);
  if (typeof o.hookStatus !== "string" || !(HOOK_STATUSES as readonly string[]).includes(o.hookStatus)) {
    return failed(`${name} answered hookStatus ${JSON.stringify(o.hookStatus)}; ECS knows SUCCEEDED, FAILED and IN_PROGRESS`);
  }
  const hookStatus = o.hookStatus as HookStatus;
  if (o.callBackDelay !== undefined && (typeof o.callBackDelay !== "number" || !Number.isFinite(o.callBackDelay) || o.callBackDelay < 0)) {
    return failed(`${name} answered callBackDelay ${JSON.stringify(o.callBackDelay)}; it must be a number of seconds ≥ 0`);
  }
  if (o.hookDetails !== undefined && (typeof o.hookDetails !== "object" || o.hookDetails === null || Array.isArray(o.hookDetails))) {
    return failed(`${name} answered hookDetails that is not an object`);
  }
  if (hookStatus === "FAILED") return failed(`${name} answered FAILED`);
  return {
    hookStatus,
    ...(o.callBackDelay === undefined ? {} : { callBackDelay: o.callBackDelay }),
    ...(o.hookDetails === undefined ? {} : { hookDetails: o.hookDetails as HookDetails }),
  };
}

/** A Job's answer (`name` names the hook and the Job): Complete → SUCCEEDED, Failed → FAILED (with the Job's reason), else IN_PROGRESS. */
export function jobAnswer(name: string, job: { readonly status?: { readonly conditions?: readonly { type: string; status: string; reason?: string; message?: string }[] } } | undefined): HookAnswer {
  const conditions = job?.status?.conditions ?? [];
  const failedCondition = conditions.find((c) => c.type === "Failed" && c.status === "True");
  if (failedCondition !== undefined) return failed(`${name} failed (${failedCondition.reason ?? "Failed"}${failedCondition.message === undefined ? "" : `: ${failedCondition.message}`})`);
  if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return { hookStatus: "SUCCEEDED" };
  return { hookStatus: "IN_PROGRESS" };
}

// ---------------------------------------------------------------- the memory and the gate

export type HookRecord = NonNullable<ServiceStatus["lifecycleHooks"]>["lifecycleHookDetails"][number];
/** What the Service keeps between passes (status.lifecycleHooks): JSON, so a restarted controller resumes from it. */
export type HookMemory = NonNullable<ServiceStatus["lifecycleHooks"]>;
export const NO_HOOK_MEMORY: HookMemory = { deploymentId: "", lifecycleHookDetails: [] };

/** An HTTP call to make or a Job to create (or read) now. */
export interface HookCall {
  readonly hookId: string;
  readonly name: string;
  readonly stage: LifecycleStage;
  readonly target: Exclude<ResolvedTarget, { kind: "pause" }>;
  readonly payload: HookPayload;
}

/** A person's ContinueServiceDeployment: the hookId of a PAUSE hook and the action (ECS's default: CONTINUE). */
export interface PauseAction {
  readonly hookId: string;
  readonly action: "CONTINUE" | "ROLLBACK";
}

/**
 * The continue annotation's value: `<hookId>` (CONTINUE) or `<hookId>:ROLLBACK`, as ContinueServiceDeployment takes
 * a hookId and an action. Undefined for no or an empty value.
 */
export function parsePauseAction(value: string | undefined): PauseAction | undefined {
  const v = value?.trim() ?? "";
  if (v === "") return undefined;
  const m = /^(.*?):(CONTINUE|ROLLBACK)$/.exec(v);
  return m === null ? { hookId: v, action: "CONTINUE" } : { hookId: m[1] ?? "", action: m[2] as "CONTINUE" | "ROLLBACK" };
}

export interface HookGateOptions {
  /** The delay before an IN_PROGRESS hook is called again when its answer names none (ECS: 30 s). */
  readonly callBackDelaySeconds?: number | undefined;
  /** How often a running Job hook is looked at (default 5 s): a Job answers by finishing, not by callBackDelay. */
  readonly jobPollSeconds?: number | undefined;
}

export interface HookGateInput {
  /** Every resolved hook of the service (resolveLifecycleHooks). */
  readonly hooks: readonly ResolvedHook[];
  readonly stage: LifecycleStage;
  /** LINEAR and CANARY pass PRODUCTION_TRAFFIC_SHIFT once per step: each step is its own hook execution. */
  readonly step?: number | undefined;
  /** The gate of a rollback: only TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT hooks run, as executions of their own. */
  readonly rollback?: boolean | undefined;
  readonly deployment: HookDeployment;
  readonly memory: HookMemory;
  /** The continue annotation (parsePauseAction), if any. */
  readonly pauseAction?: PauseAction | undefined;
  readonly now: Date;
}

export interface HookGate {
  /** proceed: every hook of the stage SUCCEEDED (or timed out with CONTINUE); rollback: one FAILED or timed out; else wait. */
  readonly outcome: "proceed" | "wait" | "rollback";
  /** The calls to make now (the executor records their answers into the memory). */
  readonly calls: readonly HookCall[];
  readonly memory: HookMemory;
  /** When to plan again while waiting (0: right after the calls are recorded). */
  readonly requeueAfterMs?: number | undefined;
  /** Why it rolls back or waits, naming the hook. */
  readonly reason?: string | undefined;
  /** What a person should hear of this pass: a pause that began (with the command that continues it), a person's answer. */
  readonly events: readonly HookEvent[];
}

export interface HookEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: "LifecycleHookPaused" | "LifecycleHookContinued" | "LifecycleHookRolledBack";
  readonly message: string;
}

const kebab = (stage: string): string => stage.toLowerCase().replaceAll("_", "-");

/**
 * The id of one hook execution: `<kind>-<last 8 digits of the deployment>-<stage>[-s<step>][-rb]-<hook index>`, short
 * enough to type in the continue command and to make a Job name of, distinct per deployment, stage, step and hook.
 */
export function hookExecutionId(hook: Pick<ResolvedHook, "index" | "target">, deploymentId: string, stage: LifecycleStage, step?: number, rollback = false): string {
  const digits = deploymentId.replace(/[^0-9a-z]/gi, "").slice(-8).toLowerCase();
  const kind = hook.target.kind;
  return `${kind}-${digits}-${kebab(stage)}${step === undefined ? "" : `-s${step}`}${rollback ? "-rb" : ""}-${hook.index}`;
}

/** What status.lifecycleHooks.deploymentId holds: the deployment id, and `@<attempt>` when the deployment says one. */
const memoryKey = (d: HookDeployment): string => (d.attempt === undefined ? d.deploymentId : `${d.deploymentId}@${d.attempt}`);

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));

/**
 * May the deployment leave `stage`? Starts the stage's hooks (recording them in the memory), asks for the calls that
 * are due, and decides from what the memory says each hook answered. ECS: "SUCCEEDED - The deployment continues to the
 * next lifecycle stage. FAILED - Amazon ECS rolls back the deployment … IN_PROGRESS - Amazon ECS invokes the function
 * again after a delay." Every hook of a stage must succeed: "Both hooks must complete before the deployment proceeds".
 */
export function planHookGate(input: HookGateInput): HookGate {
  const { stage, deployment, now } = input;
  const nowMs = now.getTime();
  // A record of another deployment (or attempt) is not this one's: start afresh.
  const key = memoryKey(deployment);
  const base = input.memory.deploymentId === key ? input.memory.lifecycleHookDetails : [];
  const records = new Map(base.map((r) => [r.hookId, r]));
  const order = base.map((r) => r.hookId);
  const calls: HookCall[] = [];
  const waits: number[] = [];
  const waitingOn: string[] = [];
  let rollbackReason: string | undefined;
  const events: HookEvent[] = [];

  for (const hook of hooksAt(input.hooks, stage, input.rollback === true)) {
    const hookId = hookExecutionId(hook, deployment.deploymentId, stage, input.step, input.rollback === true);
    const name = hookName(hook);
    let r = records.get(hookId);
    if (r === undefined) {
      r = {
        hookId,
        targetType: hook.targetType,
        ...(hook.hookTargetArn === undefined ? {} : { targetArn: hook.hookTargetArn }),
        lifecycleStage: stage,
        status: hook.target.kind === "pause" ? "AWAITING_ACTION" : "IN_PROGRESS",
        startedAt: iso(nowMs),
        expiresAt: iso(nowMs + hook.timeoutMinutes * 60_000),
        timeoutAction: hook.timeoutAction,
        ...(hook.target.kind === "pause" ? {} : { nextCallAt: iso(nowMs), invocations: 0 }),
        ...(hook.hookDetails === undefined ? {} : { hookDetails: hook.hookDetails }),
      };
      order.push(hookId);
      if (r.status === "AWAITING_ACTION" && input.pauseAction?.hookId !== hookId) {
        events.push({ type: "Normal", reason: "LifecycleHookPaused", message: `${name} paused the deployment at ${stage}: continue with the annotation ${CONTINUE_DEPLOYMENT_ANNOTATION}=${hookId}, or roll back with ${hookId}:ROLLBACK` });
      }
    }
    // A person's answer to a PAUSE hook.
    if (r.status === "AWAITING_ACTION" && input.pauseAction?.hookId === hookId) {
      if (input.pauseAction.action === "CONTINUE") {
        r = { ...r, status: "SUCCEEDED" };
        events.push({ type: "Normal", reason: "LifecycleHookContinued", message: `${name} at ${stage}: continued (${hookId})` });
      } else {
        r = { ...r, status: "FAILED", reason: `${name} at ${stage}: rolled back by a person (${hookId}:ROLLBACK)` };
        events.push({ type: "Warning", reason: "LifecycleHookRolledBack", message: `${name} at ${stage}: a person asked to roll back (${hookId}:ROLLBACK)` });
      }
    }
    // Out of time: ECS takes the timeout action.
    const expires = ms(r.expiresAt) ?? Number.POSITIVE_INFINITY;
    if ((r.status === "AWAITING_ACTION" || r.status === "IN_PROGRESS") && nowMs >= expires) {
      r = { ...r, status: "TIMED_OUT", reason: `${name} at ${stage} did not finish within ${hook.timeoutMinutes} minutes (timeoutConfiguration); timeout action ${r.timeoutAction ?? "ROLLBACK"}` };
    }
    records.set(hookId, r);
    switch (r.status) {
      case "SUCCEEDED":
        break;
      case "FAILED":
        rollbackReason ??= r.reason ?? `${name} at ${stage} FAILED`;
        break;
      case "TIMED_OUT":
        if (r.timeoutAction !== "CONTINUE") rollbackReason ??= r.reason;
        break;
      case "AWAITING_ACTION":
        waitingOn.push(`${name} at ${stage} is paused: continue with the annotation ${CONTINUE_DEPLOYMENT_ANNOTATION}=${hookId} (or ${hookId}:ROLLBACK)`);
        waits.push(expires - nowMs);
        break;
      case "IN_PROGRESS": {
        const due = ms(r.nextCallAt) ?? nowMs;
        waitingOn.push(`${name} at ${stage} is IN_PROGRESS`);
        if (hook.target.kind !== "pause" && due <= nowMs) {
          calls.push({ hookId, name, stage, target: hook.target, payload: hookPayload(deployment, stage, hookId, r.hookDetails) });
          waits.push(0);
        } else {
          waits.push(Math.min(due, expires) - nowMs);
        }
        break;
      }
    }
  }
  const memory: HookMemory = { deploymentId: key, lifecycleHookDetails: order.map((id) => records.get(id)).filter((r): r is HookRecord => r !== undefined) };
  if (rollbackReason !== undefined) return { outcome: "rollback", calls: [], memory, reason: rollbackReason, events };
  if (waitingOn.length === 0) return { outcome: "proceed", calls: [], memory, events };
  return { outcome: "wait", calls, memory, requeueAfterMs: Math.max(0, Math.min(...waits)), reason: waitingOn.join("; "), events };
}

/**
 * The memory with a call's answer recorded: SUCCEEDED and FAILED end the execution; IN_PROGRESS is called again
 * after the answer's callBackDelay (ECS's 30 s by default; a Job is looked at every jobPollSeconds) with the
 * hookDetails it returned.
 */
export function recordHookAnswer(memory: HookMemory, call: Pick<HookCall, "hookId" | "target">, answer: HookAnswer, now: Date, options: HookGateOptions = {}): HookMemory {
  const nowMs = now.getTime();
  const defaultDelay = call.target.kind === "job" ? (options.jobPollSeconds ?? 5) : (options.callBackDelaySeconds ?? DEFAULT_CALL_BACK_DELAY_SECONDS);
  return {
    ...memory,
    lifecycleHookDetails: memory.lifecycleHookDetails.map((r): HookRecord => {
      if (r.hookId !== call.hookId || r.status !== "IN_PROGRESS") return r;
      const invocations = (r.invocations ?? 0) + 1;
      switch (answer.hookStatus) {
        case "SUCCEEDED": {
          const { nextCallAt: _, ...rest } = r;
          return { ...rest, status: "SUCCEEDED", invocations };
        }
        case "FAILED": {
          const { nextCallAt: _, ...rest } = r;
          return { ...rest, status: "FAILED", invocations, reason: answer.reason ?? "the hook answered FAILED" };
        }
        case "IN_PROGRESS":
          return {
            ...r,
            invocations,
            nextCallAt: iso(nowMs + (answer.callBackDelay ?? defaultDelay) * 1000),
            ...(answer.hookDetails === undefined ? {} : { hookDetails: { ...(r.hookDetails ?? {}), ...answer.hookDetails } }),
          };
      }
    }),
  };
}

// ---------------------------------------------------------------- the Job of a job target

export interface HookJobOwner {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** The Job's name: `<service>-<hookId>` as a DNS label (a Job's name goes into its pods' job-name label, ≤ 63). */
export function hookJobName(serviceName: string, hookId: string): string {
  return toDnsLabel(`${serviceName}-${hookId}`, 63);
}

/**
 * The Job of a job hook call: the template's JobSpec, owned by the Service (garbage-collected with it), labelled with
 * the service and stage (its pods with HOOK_SERVICE_LABEL, never the task pods' SERVICE_LABEL), the payload in ECS_HOOK_PAYLOAD of every container and in an annotation. Unless the template
 * says otherwise it runs once (backoffLimit 0, restartPolicy Never): a failing hook fails the deployment, as in ECS;
 * and it is deleted a day after it finished (ttlSecondsAfterFinished).
 */
export function buildHookJob(call: HookCall, owner: HookJobOwner): HookJob {
  if (call.target.kind !== "job") throw new Error(`buildHookJob: ${call.name} is not a job target`);
  // The template is the user's JobSpec, passed through (the API server validates it); only what is set here is typed.
  const spec: JobSpecTemplate = structuredClone(call.target.template);
  const payload = JSON.stringify(call.payload);
  const template: PodTemplateLike = spec.template ?? {};
  const podSpec: PodSpecLike = template.spec ?? {};
  for (const c of [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])]) {
    c.env = [...(c.env ?? []).filter((e) => e.name !== "ECS_HOOK_PAYLOAD"), { name: "ECS_HOOK_PAYLOAD", value: payload }];
  }
  podSpec.restartPolicy ??= "Never";
  const templateMeta = template.metadata ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: hookJobName(owner.name, call.hookId),
      namespace: owner.namespace,
      labels: { [SERVICE_LABEL]: nameLabelValue(owner.name), [HOOK_STAGE_LABEL]: toLabelValue(call.stage), [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [HOOK_ID_ANNOTATION]: call.hookId, [HOOK_PAYLOAD_ANNOTATION]: payload },
      ownerReferences: [controllerReference({ apiVersion: API_GROUP_VERSION, kind: "Service", name: owner.name, uid: owner.uid })],
    },
    spec: {
      backoffLimit: 0,
      // Finished hook Jobs go after a day; their answer is in status.lifecycleHooks long before.
      ttlSecondsAfterFinished: 86_400,
      ...spec,
      template: {
        ...template,
        metadata: { ...templateMeta, labels: { ...(templateMeta.labels ?? {}), [HOOK_SERVICE_LABEL]: nameLabelValue(owner.name), [HOOK_STAGE_LABEL]: toLabelValue(call.stage) } },
        spec: podSpec,
      },
    },
  };
}

interface EnvLike {
  name: string;
  value?: string;
}
interface PodSpecLike {
  containers?: ({ env?: EnvLike[] } & Record<string, unknown>)[];
  initContainers?: ({ env?: EnvLike[] } & Record<string, unknown>)[];
  restartPolicy?: string;
  [field: string]: unknown;
}
interface PodTemplateLike {
  metadata?: { labels?: Record<string, string>; [field: string]: unknown };
  spec?: PodSpecLike;
  [field: string]: unknown;
}
interface JobSpecTemplate {
  template?: PodTemplateLike;
  [field: string]: unknown;
}
/** A hook Job as written: the user's JobSpec with what the operator sets (the API server checks the rest). */
export type HookJob = KubeObject & { spec: JobSpecTemplate & { template: PodTemplateLike } };

// ---------------------------------------------------------------- the stage machine's gate

/** What the stage machine remembers of a deployment that the gate reads (traffic-shift.ts ShiftState has these fields). */
export interface ShiftStateLike {
  readonly target: { readonly id: string };
  readonly source?: { readonly id: string } | undefined;
  /** Green's share of production and test traffic, percent. */
  readonly production: number;
  readonly test: number;
  /** ms: when this deployment (attempt) began. */
  readonly createdAt: number;
}

/** The hooks' view of a deployment: ARNs of the service and revisions, and the weights ECS sends. */
export function hookDeploymentOf(ref: ServiceArnRef, state: ShiftStateLike): HookDeployment {
  const target = serviceRevisionArn(ref, state.target.id);
  const source = state.source === undefined ? undefined : serviceRevisionArn(ref, state.source.id);
  return {
    deploymentId: state.target.id,
    // Whole seconds: the status keeps createdAt to the second, and the pass that began the deployment had milliseconds.
    attempt: String(Math.floor(state.createdAt / 1000)),
    serviceArn: serviceArn(ref),
    targetServiceRevisionArn: target,
    testTrafficWeights: trafficWeights(source, target, state.test),
    productionTrafficWeights: trafficWeights(source, target, state.production),
  };
}

/** The stage machine's gate answer (rollback always says why). */
export type StageGateAnswer =
  | { readonly outcome: "proceed" }
  | { readonly outcome: "wait"; readonly requeueAfterMs?: number | undefined; readonly reason?: string | undefined }
  | { readonly outcome: "rollback"; readonly reason: string };

/**
 * One pass's hook gate for the stage machine: `gate(stage, state)` answers "may the deployment leave this stage?",
 * and the calls and the memory it produced are collected for the apply phase (runHookCalls) and the status
 * (status.lifecycleHooks = memory, so that a resync of an unchanged service writes nothing).
 */
export class HookGateRun {
  readonly calls: HookCall[] = [];
  /** Events for the Service (a pause began, a person answered one): the plan adds them to its events. */
  readonly events: HookEvent[] = [];
  memory: HookMemory;
  private readonly input: { readonly hooks: readonly ResolvedHook[]; readonly ref: ServiceArnRef; readonly pauseAction?: PauseAction | undefined; readonly now: Date };

  constructor(input: { readonly hooks: readonly ResolvedHook[]; readonly ref: ServiceArnRef; readonly memory: HookMemory; readonly pauseAction?: PauseAction | undefined; readonly now: Date }) {
    this.input = input;
    this.memory = input.memory;
  }

  readonly gate = (stage: LifecycleStage, state: ShiftStateLike, opts: { readonly step?: number; readonly rollback?: boolean } = {}): StageGateAnswer => {
    const g = planHookGate({ hooks: this.input.hooks, stage, deployment: hookDeploymentOf(this.input.ref, state), memory: this.memory, pauseAction: this.input.pauseAction, now: this.input.now, ...opts });
    this.memory = g.memory;
    this.calls.push(...g.calls);
    this.events.push(...g.events);
    if (g.outcome === "rollback") return { outcome: "rollback", reason: g.reason ?? `a lifecycle hook at ${stage} failed` };
    if (g.outcome === "wait") return { outcome: "wait", requeueAfterMs: g.requeueAfterMs, reason: g.reason };
    return { outcome: "proceed" };
  };
}
