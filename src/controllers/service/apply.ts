// Carries out a Service plan: the finalizer, server-side apply of what changed, the scale-subresource patch, deletes,
// the status written once (and its events), then the pod stops the status accounts for. No decisions here.
import { SERVICE_FINALIZER } from "../../api/keys.ts";
import { applyIfChanged, writeChild } from "../../runtime/apply.ts";
import type { ReconcileContext } from "../../runtime/controller.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { ensureFinalizer, removeFinalizer } from "../../runtime/finalizers.ts";
import { isNotFound, type KubeClient } from "../../runtime/kube-client.ts";
import { errorText } from "../../runtime/logger.ts";
import { Pods } from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import { EcsServices, type ServiceObject } from "../ecs-resources.ts";
import type { ServiceStatus } from "../../api/service.ts";
import type { HookGateOptions } from "../../builders/service/lifecycle-hooks.ts";
import { applyPlannedHooks } from "./hooks.ts";
import { type ServicePlan } from "./plan.ts";

export interface ApplyIo {
  readonly client: KubeClient;
  readonly events: Pick<EventRecorder, "record">;
  /** The clock the lifecycle hooks' answers are recorded with, and the hooks' default delays. */
  readonly now?: (() => Date) | undefined;
  readonly hookOptions?: HookGateOptions | undefined;
}

/** Applies the plan; returns the status the next pass must plan from (the plan's, with the answers of its hook calls). */
export async function applyServicePlan(svc: ServiceObject, plan: ServicePlan, io: ApplyIo, ctx: ReconcileContext): Promise<ServiceStatus | undefined> {
  const { client } = io;
  if (plan.lookups.length > 0) throw new Error(`the plan still needs ${plan.lookups.map((l) => `${l.resource.kind} ${l.name}`).join(", ")} observed`);
  if (plan.finalizer === "add") await ensureFinalizer(client, EcsServices, svc, SERVICE_FINALIZER);
  if (plan.stalled !== undefined) throw plan.stalled;
  for (const a of plan.applies) await applyIfChanged(client, a.resource, a.object, a.cached);
  if (plan.scale !== undefined) {
    await client.patch(EcsServices, svc.metadata.name ?? "", svc.metadata.namespace, { spec: { replicas: plan.scale } }, "merge", "scale");
    ctx.log.info("scaled to the capacity limits in force", { desiredCount: plan.scale });
  }
  for (const p of plan.patches) await writeChild(p.resource.kind, p.name, () => client.patch(p.resource, p.name, p.namespace, p.patch));
  for (const d of plan.deletes.filter((x) => x.resource !== Pods)) {
    await client.delete(d.resource, d.name, d.namespace);
    ctx.log.info("deleted child", { kind: d.resource.kind, name: d.name, why: d.why });
  }
  if (plan.status !== undefined) await writeStatus(svc, plan, io);
  // Lifecycle hooks are called once the status that records their start is written (hooks.ts).
  const status = await applyPlannedHooks(svc, plan.status, plan.hooks, { client, now: io.now ?? (() => new Date()), options: io.hookOptions });
  for (const d of plan.deletes.filter((x) => x.resource === Pods)) {
    try {
      await client.delete(Pods, d.name, d.namespace, { preconditionUid: d.uid ?? "", ...(d.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: d.gracePeriodSeconds }) });
    } catch (err) {
      // The next pass sees the pod again and decides again.
      ctx.log.warn("could not stop a task", { pod: d.name, why: d.why, error: errorText(err) });
    }
  }
  if (plan.finalizer === "remove") {
    try {
      await removeFinalizer(client, EcsServices, svc, SERVICE_FINALIZER);
      ctx.log.info("drained; finalizer removed");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return status;
}

async function writeStatus(svc: ServiceObject, plan: ServicePlan, io: ApplyIo): Promise<void> {
  let wrote: boolean;
  try {
    wrote = await writeStatusIfChanged(io.client, EcsServices, svc, plan.status);
  } catch (err) {
    // Deleted while we looked (the last finalizer went): nothing left to report on.
    if (isNotFound(err)) return;
    throw err;
  }
  if (!wrote) return;
  for (const e of plan.events) await io.events.record(svc, e.type, e.reason, e.message);
}
