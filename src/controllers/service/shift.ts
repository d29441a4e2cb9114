// The Service plan's part for traffic-shifting strategies (BLUE_GREEN, LINEAR, CANARY): which Deployments run which
// revision at what size while a deployment goes through its stages (traffic-shift.ts), which go, the traffic the
// networking builders route, and the status.serviceDeployments entries. Pure, like plan.ts, which calls it.
import { COLOR_LABEL, DEPLOYMENT_ID_ANNOTATION, ROLLBACK_ANNOTATION } from "../../api/keys.ts";
import type { ServiceDeploymentDescription } from "../../api/service.ts";
import { deploymentLabelValue, servicePodSelector } from "../../builders/service/deployment.ts";
import { fromDescription, stepShift, toDescription, type Color, type RevisionOf, type ShiftConfig, type ShiftState, type ShiftStep, type ShiftTraffic, type StageGate } from "../../builders/service/traffic-shift.ts";
import type { ObservedTask, RolloutResult, ServiceDeploymentEntry } from "../../builders/service/rollout.ts";
import { DEPLOYMENT_LABEL } from "../../api/keys.ts";
import type { ServiceObject } from "../ecs-resources.ts";
import type { DaemonSetObject, DeploymentObject } from "./resources.ts";

/** At most this many deployments are listed in status.serviceDeployments (the current one first). */
const HISTORY = 5;

/** The deployment a traffic-shifting service remembers: status.serviceDeployments[0], when this machine wrote it. */
export const rememberedShift = (svc: ServiceObject): ShiftState | undefined => fromDescription(svc.status?.serviceDeployments?.[0]);

/**
 * A person's rollback request (ROLLBACK_ANNOTATION) not acted on yet: its value, and why to stop. A value is acted
 * on once (status.lastRollbackRequest); one set while nothing is in progress is only recorded.
 */
export function rollbackRequest(svc: ServiceObject): { readonly value: string | undefined; readonly fresh: boolean } {
  const value = svc.metadata.annotations?.[ROLLBACK_ANNOTATION];
  return { value, fresh: value !== undefined && value !== "" && value !== svc.status?.lastRollbackRequest };
}

export const ROLLBACK_REQUESTED = `rollback requested with the ${ROLLBACK_ANNOTATION} annotation`;

/**
 * Why computeDeployments must stop the PRIMARY in progress and return to the last completed deployment: a fresh
 * rollback request, or a shift that decided to roll back (a hook FAILED) while the PRIMARY is still its target.
 */
export function abortReason(svc: ServiceObject, previousPrimary: ServiceDeploymentEntry | undefined, remembered: ShiftState | undefined): string | undefined {
  if (previousPrimary?.rolloutState !== "IN_PROGRESS") return undefined;
  if (rollbackRequest(svc).fresh) return ROLLBACK_REQUESTED;
  if (remembered?.status === "ROLLBACK_IN_PROGRESS" && remembered.target.id === previousPrimary.id) return remembered.rollback?.reason ?? remembered.statusReason ?? "the deployment rolls back";
  return undefined;
}

type Workload = DeploymentObject | DaemonSetObject;

/** The color of the Deployments that run deployment `id` (null: uncolored, from a ROLLING deployment; undefined: none). */
function colorOf(owned: readonly Workload[], id: string): Color | null | undefined {
  const mine = owned.filter((o) => o.kind === "Deployment" && o.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION] === id && o.metadata.deletionTimestamp === undefined);
  if (mine.length === 0) return undefined;
  const c = mine[0]?.metadata?.labels?.[COLOR_LABEL];
  return c === "blue" || c === "green" ? c : null;
}

const other = (c: Color | null | undefined): Color => (c === "green" ? "blue" : "green");

export interface ShiftInput {
  readonly service: ServiceObject;
  readonly serviceName: string;
  readonly config: ShiftConfig;
  readonly rollout: RolloutResult;
  readonly owned: readonly Workload[];
  readonly tasks: readonly ObservedTask[];
  readonly desiredCount: number;
  /** healthyTask(...) of a task: what SCALE_UP waits for. */
  readonly healthy: (t: ObservedTask) => boolean;
  readonly gate?: StageGate | undefined;
  readonly now: Date;
}

export interface ShiftPlan {
  readonly step: ShiftStep;
  /** The revision the workloads built this pass run (rollout.target) and their color (undefined: uncolored names). */
  readonly running: { readonly id: string; readonly color: Color | undefined; readonly replicas: number };
  /** Names of Deployments left as they are (blue while it still serves). */
  readonly keep: readonly string[];
  readonly traffic: ShiftTraffic;
  readonly serviceDeployments: ServiceDeploymentDescription[];
  readonly lastRollbackRequest: string | undefined;
}

/** One pass of a traffic-shifting service's deployment. */
export function planShift(input: ShiftInput): ShiftPlan {
  const { service: svc, config, rollout, owned, now } = input;
  const remembered = rememberedShift(svc);
  const revisionOf = (id: string, taskDefinition: string, fallbackColor: Color | undefined): RevisionOf => {
    const c = colorOf(owned, id);
    const color = c === null ? undefined : (c ?? fallbackColor);
    return { id, taskDefinition, ...(color === undefined ? {} : { color }) };
  };
  // The source: what served production when this deployment began (remembered), else the newest completed deployment.
  const completed = rollout.deployments.filter((d) => d.id !== rollout.target.id && d.rolloutState === "COMPLETED" && ((d.runningCount ?? 0) > 0 || (d.pendingCount ?? 0) > 0));
  const newest = completed.sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))[0];
  const source = newest === undefined ? undefined : revisionOf(newest.id, newest.taskDefinition ?? "", undefined);
  const rememberedColor = remembered?.target.id === rollout.target.id ? remembered.target.color : undefined;
  const target = revisionOf(rollout.target.id, rollout.target.taskDefinition, rememberedColor ?? (source === undefined ? "blue" : other(source.color ?? null)));
  const taskCount = (id: string | undefined, f: (t: ObservedTask) => boolean): number => (id === undefined ? 0 : input.tasks.filter((t) => t.deploymentId === id && f(t)).length);
  const shiftTarget = remembered !== undefined && remembered.status !== "SUCCESSFUL" && remembered.target.id !== rollout.target.id && remembered.source?.id === rollout.target.id ? remembered.target : target;
  const sourceId = remembered?.target.id === shiftTarget.id ? remembered.source?.id : source?.id;
  // The rollout stopped the target (circuit breaker, a person's request): its reason is the rollback's.
  const cbFailed = rollout.deployments.find((d) => d.id === shiftTarget.id && d.rolloutState === "FAILED")?.rolloutStateReason;
  const step = stepShift(
    config,
    remembered,
    {
      target,
      source,
      desiredCount: input.desiredCount,
      greenReady: taskCount(shiftTarget.id, input.healthy),
      greenTasks: taskCount(shiftTarget.id, () => true),
      blueTasks: taskCount(sourceId, () => true),
      ...(cbFailed === undefined ? {} : { rollback: cbFailed }),
      ...(input.gate === undefined ? {} : { gate: input.gate }),
    },
    now,
    input.serviceName,
  );
  const s = step.state;
  const finished = step.finished;
  const rolledBack = s.rollback !== undefined;
  // The workloads built this pass run rollout.target: green while the deployment shifts; blue again after a rollback.
  const runningIsTarget = rollout.target.id === s.target.id;
  const running = runningIsTarget ? s.target : (s.source ?? target);
  const runningReplicas = runningIsTarget && !finished ? step.greenReplicas : input.desiredCount;
  const keepIds = new Set<string>();
  if (!finished && step.keepBlue && s.source !== undefined && s.source.id !== rollout.target.id) keepIds.add(s.source.id);
  const keep = owned.filter((o) => keepIds.has(o.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION] ?? "")).map((o) => o.metadata?.name ?? "");

  const traffic = shiftTraffic(config, svc.metadata.name ?? "", s, rolledBack, finished);
  const counts = { desiredCount: input.desiredCount, greenRunning: taskCount(s.target.id, (t) => t.state === "running"), blueRunning: taskCount(s.source?.id, (t) => t.state === "running") };
  const description = toDescription(s, counts, now);
  const previousList = svc.status?.serviceDeployments ?? [];
  const first = previousList[0];
  // updatedAt moves only when something else did: a resync of an unchanged deployment writes nothing.
  const current = first?.serviceDeploymentArn === description.serviceDeploymentArn && sameDescription(first, description) ? { ...description, updatedAt: first.updatedAt ?? description.updatedAt } : description;
  const history = first === undefined || first.serviceDeploymentArn === current.serviceDeploymentArn ? previousList.slice(1) : previousList.map((d, i) => (i === 0 && !FINISHED_STATUSES.has(d.status) ? { ...d, status: "STOPPED" as const, statusReason: "a newer deployment replaced it", finishedAt: description.createdAt ?? d.updatedAt } : d));
  const request = rollbackRequest(svc);
  return {
    step,
    running: { id: running.id, color: running.color, replicas: runningReplicas },
    keep,
    traffic,
    serviceDeployments: [current, ...history].slice(0, HISTORY),
    lastRollbackRequest: request.value ?? svc.status?.lastRollbackRequest,
  };
}

const FINISHED_STATUSES = new Set<string>(["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"]);

function sameDescription(a: ServiceDeploymentDescription, b: ServiceDeploymentDescription): boolean {
  const { updatedAt: _a, ...x } = a;
  const { updatedAt: _b, ...y } = b;
  return canonical(x) === canonical(y);
}

/** JSON with object keys sorted (the API server returns a status's keys in its own order). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([p], [q]) => p.localeCompare(q)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  return JSON.stringify(v);
}

/** The selectors and weights of a pass (see ShiftTraffic). */
function shiftTraffic(config: ShiftConfig, name: string, s: ShiftState, rolledBack: boolean, finished: boolean): ShiftTraffic {
  const base = servicePodSelector(name);
  const of = (r: RevisionOf | undefined): Record<string, string> => (r === undefined ? base : { ...base, [DEPLOYMENT_LABEL]: deploymentLabelValue(r.id) });
  const targetColor: Color = s.target.color ?? "green";
  const sourceColor: Color = s.source?.color ?? other(targetColor);
  const green = of(s.target);
  const blue = s.source === undefined ? green : of(s.source);
  const production = rolledBack ? 0 : s.production;
  const test = rolledBack ? 0 : s.test;
  // The production Service: blue until green takes production traffic; both while LINEAR/CANARY steps (task counts
  // decide the split there: docs/deployments.md); green from 100%. After a rollback: blue.
  let prod: Record<string, string>;
  if (rolledBack) prod = blue;
  else if (production >= 100 || finished) prod = green;
  else if (production <= 0) prod = blue;
  else prod = base;
  return {
    strategy: config.strategy,
    production: prod,
    preview: rolledBack && finished ? blue : green,
    colors: { [targetColor]: green, [sourceColor]: blue } as Record<Color, Record<string, string>>,
    targetColor,
    sourceColor,
    productionWeight: production,
    testWeight: test,
    inProgress: !finished,
  };
}
