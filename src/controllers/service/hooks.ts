// The lifecycle hook executor (apply phase): performs the calls planHookGate returns — POSTs ECS's payload to an
// HTTP(S) endpoint, or creates (then reads) a Kubernetes Job — records each answer into the hook memory, and writes
// that memory to status.lifecycleHooks at once, so a restart never repeats a SUCCEEDED hook nor forgets an IN_PROGRESS
// one. No decisions here: the gate decides, this only asks. docs/lifecycle-hooks.md.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { V1JobStatus } from "@kubernetes/client-node";
import { CONTINUE_DEPLOYMENT_ANNOTATION } from "../../api/keys.ts";
import type { ServiceStatus } from "../../api/service.ts";
import { buildHookJob, hookJobName, jobAnswer, parseHookAnswer, parsePauseAction, recordHookAnswer, type HookAnswer, type HookCall, type HookGateOptions, type HookJobOwner, type HookMemory, type PauseAction } from "../../builders/service/lifecycle-hooks.ts";
import { isConflict, type KubeClient } from "../../runtime/kube-client.ts";
import { Jobs, type KubeObject, type Wire } from "../../runtime/resources.ts";
import { EcsServices, type ServiceObject } from "../ecs-resources.ts";

/** At most this much of an answer is read: ECS's answer is a few fields, and a hook must not fill the controller's memory. */
const MAX_ANSWER_BYTES = 256 * 1024;

type JobObject = KubeObject & { status?: Wire<V1JobStatus> };

export interface HookIo {
  readonly client: Pick<KubeClient, "get" | "create" | "patch">;
  readonly now: () => Date;
  readonly options?: HookGateOptions | undefined;
}

/** A person's continue (or roll back) of a PAUSE hook: the Service's continue annotation (docs/lifecycle-hooks.md). */
export function pauseActionOf(svc: Pick<ServiceObject, "metadata">): PauseAction | undefined {
  return parsePauseAction(svc.metadata.annotations?.[CONTINUE_DEPLOYMENT_ANNOTATION]);
}

/** The owner of a service's hook Jobs. */
export function hookJobOwner(svc: Pick<ServiceObject, "metadata">): HookJobOwner {
  return { name: svc.metadata.name ?? "", namespace: svc.metadata.namespace ?? "", uid: svc.metadata.uid ?? "" };
}

/**
 * Performs `calls` (concurrently: ECS runs a stage's hooks side by side), records every answer into `memory`, writes
 * the result to the Service's status.lifecycleHooks, and returns it. An endpoint that cannot be reached or does not
 * answer in time is FAILED: ECS rolls back "if your function doesn't return a valid hookStatus, or if it fails".
 */
export async function runHookCalls(svc: ServiceObject, calls: readonly HookCall[], memory: HookMemory, io: HookIo): Promise<HookMemory> {
  if (calls.length === 0) return memory;
  const owner = hookJobOwner(svc);
  const answers = await Promise.all(calls.map(async (call) => ({ call, answer: await performHookCall(call, owner, io.client) })));
  let next = memory;
  const now = io.now();
  for (const { call, answer } of answers) next = recordHookAnswer(next, call, answer, now, io.options);
  await writeHookMemory(svc, next, io.client);
  return next;
}

/** What a pass planned for the hooks: the calls to make and the memory they start from (HookGateRun's calls and memory). */
export interface PlannedHooks {
  readonly calls: readonly HookCall[];
  readonly memory: HookMemory;
}

/**
 * The apply phase's last step: performs the pass's hook calls and returns the status the next pass must plan from —
 * the planned status with the answers in lifecycleHooks. Hand it to WrittenStatuses.remember in place of plan.status:
 * the cache may not have caught up with the answers' write, and planning from the status before them would call a
 * hook again.
 */
export async function applyPlannedHooks(svc: ServiceObject, status: ServiceStatus | undefined, hooks: PlannedHooks | undefined, io: HookIo): Promise<ServiceStatus | undefined> {
  if (hooks === undefined || hooks.calls.length === 0) return status;
  const memory = await runHookCalls(svc, hooks.calls, hooks.memory, io);
  return { ...(status ?? svc.status ?? {}), lifecycleHooks: memory };
}

/**
 * status.lifecycleHooks alone, by a merge patch on the status subresource: the rest of the status is the plan's, and
 * the list inside is replaced whole.
 */
export async function writeHookMemory(svc: Pick<ServiceObject, "metadata">, memory: HookMemory, client: Pick<KubeClient, "patch">): Promise<void> {
  await client.patch(EcsServices, svc.metadata.name ?? "", svc.metadata.namespace, { status: { lifecycleHooks: memory } }, "merge", "status");
}

/** One call: the endpoint's answer, or the Job's state (created on the first call). */
export async function performHookCall(call: HookCall, owner: HookJobOwner, client: Pick<KubeClient, "get" | "create">): Promise<HookAnswer> {
  if (call.target.kind === "http") return callEndpoint(call.name, call.target, JSON.stringify(call.payload));
  return runJob(call, owner, client);
}

async function runJob(call: HookCall, owner: HookJobOwner, client: Pick<KubeClient, "get" | "create">): Promise<HookAnswer> {
  const name = hookJobName(owner.name, call.hookId);
  let job = await client.get<JobObject>(Jobs, name, owner.namespace);
  if (job === undefined) {
    try {
      job = await client.create<JobObject>(Jobs, buildHookJob(call, owner));
    } catch (err) {
      // Created by an earlier pass whose answer was not recorded (a restart): read it.
      if (!isConflict(err)) return { hookStatus: "FAILED", reason: `${call.name}: the Job ${name} could not be created: ${(err as Error).message}` };
      job = await client.get<JobObject>(Jobs, name, owner.namespace);
    }
  }
  // A Job of the same name that is not this execution's (the owner was recreated) is not an answer.
  const ownerUid = job?.metadata?.ownerReferences?.find((r) => r.controller === true)?.uid;
  if (job !== undefined && ownerUid !== owner.uid) return { hookStatus: "FAILED", reason: `${call.name}: a Job ${name} exists that this Service does not own` };
  return jobAnswer(`${call.name}: Job ${name}`, job);
}

/** POSTs the payload; resolves with the parsed answer, or FAILED when the endpoint fails or says nothing in time. */
function callEndpoint(name: string, target: Extract<HookCall["target"], { kind: "http" }>, body: string): Promise<HookAnswer> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      resolve({ hookStatus: "FAILED", reason: `${name}: ${target.url} is not a URL` });
      return;
    }
    const https = url.protocol === "https:";
    const send = https ? httpsRequest : httpRequest;
    let settled = false;
    const done = (a: HookAnswer): void => {
      if (settled) return;
      settled = true;
      resolve(a);
    };
    const req = send(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), accept: "application/json" },
        timeout: target.timeoutSeconds * 1000,
        ...(https && target.caBundle !== undefined ? { ca: Buffer.from(target.caBundle, "base64").toString("utf8") } : {}),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy();
            done({ hookStatus: "FAILED", reason: `${name} answered more than ${MAX_ANSWER_BYTES} bytes` });
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => { done(parseHookAnswer(name, res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))); });
        res.on("error", (err) => { done({ hookStatus: "FAILED", reason: `${name}: the answer broke off (${errorCode(err)})` }); });
      },
    );
    // The whole call, not only idle socket time, is bounded: a hook that trickles bytes still ends.
    const timer = setTimeout(() => {
      req.destroy();
      done({ hookStatus: "FAILED", reason: `${name} did not answer within ${target.timeoutSeconds} s` });
    }, target.timeoutSeconds * 1000);
    req.on("timeout", () => {
      req.destroy();
      done({ hookStatus: "FAILED", reason: `${name} did not answer within ${target.timeoutSeconds} s` });
    });
    // The URL's host and the error code only: never the payload or headers.
    req.on("error", (err) => { done({ hookStatus: "FAILED", reason: `${name}: ${url.host} could not be reached (${errorCode(err)})` }); });
    req.on("close", () => { clearTimeout(timer); });
    req.end(body);
  });
}

const errorCode = (err: unknown): string => (err as { code?: string }).code ?? (err as Error).message;
