// The stage machine of ECS's traffic-shifting deployments (strategy BLUE_GREEN, LINEAR, CANARY): given the strategy,
// the deployment remembered in status.serviceDeployments[0] and what was observed, the next lifecycle stage, the
// production and test traffic weights of the new (green) revision, how many tasks green runs and whether blue stays,
// and when to look again. Pure: the clock comes in as `now`. docs/deployments.md describes the stages.
//
// One stage transition per pass: the pass that enters a stage applies that stage's objects (weights, workloads)
// before the next pass may leave it, so every stage's traffic is really in place for at least one pass.
import { LIFECYCLE_STAGES, type DeploymentConfiguration, type LifecycleStage, type ServiceDeploymentDescription } from "../../api/service.ts";
import { kubeTime } from "../../api/time.ts";

export const SHIFT_STRATEGIES = ["BLUE_GREEN", "LINEAR", "CANARY"] as const;
export type ShiftStrategy = (typeof SHIFT_STRATEGIES)[number];


export type ServiceDeploymentStatusName = ServiceDeploymentDescription["status"];
export type Color = "blue" | "green";

/** The bake and step times in ms (the operator may scale a minute down for tests: ServicePlanOptions.minuteMs). */
export interface ShiftConfig {
  readonly strategy: ShiftStrategy;
  readonly bakeMs: number;
  readonly stepPercent: number;
  readonly stepBakeMs: number;
  readonly canaryPercent: number;
  readonly canaryBakeMs: number;
}

/**
 * ECS's defaults (API reference): LinearConfiguration "stepPercent ... The default value is 10.0",
 * "stepBakeTimeInMinutes ... The default value is 6"; CanaryConfiguration "canaryPercent ... The default value is 5.0",
 * "canaryBakeTimeInMinutes ... The default value is 10". bakeTimeInMinutes absent: 0 (blue goes once traffic has shifted).
 */
export const SHIFT_DEFAULTS = { stepPercent: 10, stepBakeTimeInMinutes: 6, canaryPercent: 5, canaryBakeTimeInMinutes: 10, bakeTimeInMinutes: 0 } as const;

/** The shift configuration of a deployment configuration, or undefined for ROLLING (and no strategy). */
export function shiftConfig(dc: DeploymentConfiguration | undefined, minuteMs = 60_000): ShiftConfig | undefined {
  const strategy = dc?.strategy;
  if (strategy === undefined || strategy === "ROLLING") return undefined;
  return {
    strategy,
    bakeMs: (dc?.bakeTimeInMinutes ?? SHIFT_DEFAULTS.bakeTimeInMinutes) * minuteMs,
    stepPercent: dc?.linearConfiguration?.stepPercent ?? SHIFT_DEFAULTS.stepPercent,
    stepBakeMs: (dc?.linearConfiguration?.stepBakeTimeInMinutes ?? SHIFT_DEFAULTS.stepBakeTimeInMinutes) * minuteMs,
    canaryPercent: dc?.canaryConfiguration?.canaryPercent ?? SHIFT_DEFAULTS.canaryPercent,
    canaryBakeMs: (dc?.canaryConfiguration?.canaryBakeTimeInMinutes ?? SHIFT_DEFAULTS.canaryBakeTimeInMinutes) * minuteMs,
  };
}

export interface RevisionOf {
  /** The ECS deployment id (ecs-svc/<digits>). */
  readonly id: string;
  readonly taskDefinition: string;
  /** The color of its Deployments; undefined: Deployments of a ROLLING deployment (no color in their names). */
  readonly color?: Color | undefined;
}

/** A deployment as the machine remembers it (status.serviceDeployments[0], read by fromDescription). */
export interface ShiftState {
  readonly strategy: ShiftStrategy;
  readonly target: RevisionOf;
  readonly source: RevisionOf | undefined;
  readonly status: ServiceDeploymentStatusName;
  readonly statusReason?: string | undefined;
  readonly stage: LifecycleStage;
  /** ms: when the deployment entered `stage`. */
  readonly stageStartedAt: number;
  /** ms: when the production weight last moved (LINEAR and CANARY count their step bake times from here). */
  readonly shiftedAt?: number | undefined;
  /** Green's share of production traffic, percent. */
  readonly production: number;
  /** Green's share of test traffic, percent. */
  readonly test: number;
  readonly createdAt: number;
  readonly finishedAt?: number | undefined;
  readonly rollback?: { readonly reason: string; readonly startedAt: number } | undefined;
}

/**
 * A hook gate's answer to "may the deployment leave this stage?" (lifecycle hooks, the `hooks` module): proceed, wait
 * (ask again after requeueAfterMs), or roll back.
 */
export type GateAnswer =
  | { readonly outcome: "proceed" }
  | { readonly outcome: "wait"; readonly requeueAfterMs?: number | undefined; readonly reason?: string | undefined }
  | { readonly outcome: "rollback"; readonly reason: string };
/** `step`: LINEAR and CANARY pass PRODUCTION_TRAFFIC_SHIFT once per traffic step, each its own hook execution (1, 2, ...). */
export type StageGate = (stage: LifecycleStage, state: ShiftState, opts?: { readonly step?: number }) => GateAnswer;
const PROCEED: GateAnswer = { outcome: "proceed" };

export interface ShiftObserved {
  /** The revision the spec asks for now (the PRIMARY of status.deployments, unless the rollout rolled back). */
  readonly target: RevisionOf;
  /** The revision serving production before this deployment began (undefined: the service's first deployment). */
  readonly source: RevisionOf | undefined;
  readonly desiredCount: number;
  /** Green's tasks that are RUNNING and healthy. */
  readonly greenReady: number;
  /** Green's tasks of any state (a rollback is over once they are gone). */
  readonly greenTasks: number;
  /** Blue's tasks of any state (CLEAN_UP is over once they are gone). */
  readonly blueTasks: number;
  /** Why the deployment must roll back now (the circuit breaker, a person's request), if it must. */
  readonly rollback?: string | undefined;
  /** The lifecycle hooks' gate at each stage boundary; absent: every stage may be left. */
  readonly gate?: StageGate | undefined;
}

export interface ShiftEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

export interface ShiftStep {
  readonly state: ShiftState;
  /** The tasks green's Deployments run (split over the capacity providers as usual). */
  readonly greenReplicas: number;
  /** Whether blue's Deployments stay (false: they are removed). */
  readonly keepBlue: boolean;
  /** Whether the deployment is over (SUCCESSFUL, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED, STOPPED). */
  readonly finished: boolean;
  readonly requeueAfterMs?: number | undefined;
  readonly events: readonly ShiftEvent[];
}

/** How soon the next pass comes after a stage transition (the objects of the new stage are applied in between). */
export const STAGE_RECHECK_MS = 500;

const FINISHED: readonly ServiceDeploymentStatusName[] = ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"];
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The next step of the deployment `previous` (undefined: none remembered) toward `observed.target`. */
export function stepShift(config: ShiftConfig, previous: ShiftState | undefined, observed: ShiftObserved, now: Date, service: string): ShiftStep {
  const t = now.getTime();
  const events: ShiftEvent[] = [];
  const say = (type: ShiftEvent["type"], reason: string, message: string): void => { events.push({ type, reason, message: `(service ${service}) ${message}` }); };
  const inFlight = previous !== undefined && !FINISHED.includes(previous.status);

  // The rollout returned to the revision this deployment shifts away from: the circuit breaker (or a request) rolled back.
  const returnedToSource = inFlight && observed.target.id === previous.source?.id && previous.target.id !== observed.target.id;
  // After a rollback the service runs the source again: that is the end of this deployment, not a new one.
  const backOnSource = previous?.rollback !== undefined && observed.target.id === previous.source?.id;
  const fresh = previous === undefined ? observed.source !== undefined : previous.target.id !== observed.target.id && !returnedToSource && !backOnSource;
  if (fresh) {
    // A new deployment: the one in flight (if any) is STOPPED, as ECS stops a deployment that a newer one replaces.
    if (inFlight) say("Warning", "DeploymentStopped", `deployment ${previous.target.id} stopped: a newer deployment (${observed.target.taskDefinition}) replaces it.`);
    const source = inFlight ? previous.source : observed.source;
    say("Normal", "DeploymentStarted", `${config.strategy} deployment ${observed.target.id} started: ${observed.target.taskDefinition}${source === undefined ? "" : ` replaces ${source.taskDefinition}`}.`);
    const state: ShiftState = {
      strategy: config.strategy,
      target: observed.target,
      source,
      status: "IN_PROGRESS",
      stage: "RECONCILE_SERVICE",
      stageStartedAt: t,
      production: source === undefined ? 100 : 0,
      test: source === undefined ? 100 : 0,
      createdAt: t,
    };
    return { state, greenReplicas: 0, keepBlue: true, finished: false, requeueAfterMs: STAGE_RECHECK_MS, events };
  }
  if (previous === undefined) {
    // Nothing remembered and the target is what runs: a service already steady (a controller that starts, a strategy
    // switched from ROLLING with no new revision) is a finished deployment of its current revision.
    const state: ShiftState = { strategy: config.strategy, target: observed.target, source: undefined, status: "SUCCESSFUL", stage: "CLEAN_UP", stageStartedAt: t, production: 100, test: 100, createdAt: t, finishedAt: t };
    return { state, greenReplicas: observed.desiredCount, keepBlue: false, finished: true, events };
  }

  const s = { ...previous, target: { ...previous.target, ...(observed.target.id === previous.target.id ? observed.target : {}) } };
  const enter = (stage: LifecycleStage, more: Partial<ShiftState> = {}): ShiftState => ({ ...s, stage, stageStartedAt: t, ...more });
  const step = (state: ShiftState, greenReplicas: number, keepBlue: boolean, requeueAfterMs?: number): ShiftStep =>
    ({ state, greenReplicas, keepBlue, finished: FINISHED.includes(state.status), ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }), events });
  const full = observed.desiredCount;

  if (FINISHED.includes(s.status)) {
    // Steady after the deployment: green is what runs; after a rollback the target is blue again and runs as it is.
    return step(s, full, false);
  }

  // Rolling back: production and test traffic go back to blue at once, green is removed; over when green is gone.
  if (s.status === "ROLLBACK_IN_PROGRESS" || s.status === "ROLLBACK_REQUESTED") {
    if (observed.greenTasks === 0) {
      say("Normal", "RolledBack", `deployment ${s.target.id} rolled back to ${s.source?.taskDefinition ?? "the previous revision"}.`);
      return step({ ...s, status: "ROLLBACK_SUCCESSFUL", statusReason: s.rollback?.reason, finishedAt: t }, 0, true);
    }
    return step({ ...s, status: "ROLLBACK_IN_PROGRESS" }, 0, true, STAGE_RECHECK_MS);
  }

  // In progress: a reason to roll back wins over every stage before CLEAN_UP (blue still runs, so it is instant).
  const rollbackReason = returnedToSource ? (observed.rollback ?? "the deployment failed and the service returned to the previous revision") : observed.rollback;
  if (rollbackReason !== undefined && s.stage !== "CLEAN_UP") {
    if (s.source === undefined) {
      say("Warning", "RollbackFailed", `deployment ${s.target.id} cannot roll back: ${rollbackReason}; there is no previous revision to return to.`);
      return step({ ...s, status: "ROLLBACK_FAILED", statusReason: rollbackReason, rollback: { reason: rollbackReason, startedAt: t }, finishedAt: t }, full, false);
    }
    say("Warning", "RollingBack", `deployment ${s.target.id} rolling back to ${s.source.taskDefinition}: ${rollbackReason}.`);
    return step({ ...s, status: "ROLLBACK_IN_PROGRESS", statusReason: rollbackReason, production: 0, test: 0, rollback: { reason: rollbackReason, startedAt: t } }, 0, true, STAGE_RECHECK_MS);
  }

  // May the deployment leave its stage? The stage's own condition first, then the hooks' gate.
  const stepOf = (state: ShiftState): number | undefined => {
    if (state.stage !== "PRODUCTION_TRAFFIC_SHIFT" || config.strategy === "BLUE_GREEN" || noBlue) return undefined;
    if (config.strategy === "CANARY") return state.production >= 100 ? 2 : 1;
    return state.production >= 100 ? Math.ceil(100 / config.stepPercent - 1e-9) : Math.round(state.production / config.stepPercent);
  };
  const gate = (): GateAnswer => {
    const step = stepOf(s);
    return observed.gate?.(s.stage, s, step === undefined ? {} : { step }) ?? PROCEED;
  };
  const noBlue = s.source === undefined;
  const greenFor = (stage: LifecycleStage): number => (LIFECYCLE_STAGES.indexOf(stage) >= LIFECYCLE_STAGES.indexOf("SCALE_UP") ? full : 0);
  const leave = (next: () => ShiftStep, waitMs?: number): ShiftStep => {
    if (waitMs !== undefined && waitMs > 0) return step(s, greenFor(s.stage), s.stage !== "CLEAN_UP" || observed.blueTasks > 0, waitMs);
    const g = gate();
    if (g.outcome === "wait") return step({ ...s, ...(g.reason === undefined ? {} : { statusReason: g.reason }) }, greenFor(s.stage), s.stage !== "CLEAN_UP", g.requeueAfterMs ?? STAGE_RECHECK_MS * 4);
    if (g.outcome === "rollback") {
      if (noBlue) {
        say("Warning", "RollbackFailed", `deployment ${s.target.id} cannot roll back: ${g.reason}; there is no previous revision to return to.`);
        return step({ ...s, status: "ROLLBACK_FAILED", statusReason: g.reason, rollback: { reason: g.reason, startedAt: t }, finishedAt: t }, full, false);
      }
      say("Warning", "RollingBack", `deployment ${s.target.id} rolling back to ${s.source?.taskDefinition ?? ""}: ${g.reason}.`);
      return step({ ...s, status: "ROLLBACK_IN_PROGRESS", statusReason: g.reason, production: 0, test: 0, rollback: { reason: g.reason, startedAt: t } }, 0, true, STAGE_RECHECK_MS);
    }
    return next();
  };
  const go = (stage: LifecycleStage, more: Partial<ShiftState> = {}): ShiftStep => step(enter(stage, more), greenFor(stage), true, STAGE_RECHECK_MS);

  switch (s.stage) {
    case "RECONCILE_SERVICE":
      return leave(() => go("PRE_SCALE_UP"));
    case "PRE_SCALE_UP":
      return leave(() => go("SCALE_UP"));
    case "SCALE_UP":
      // "The stage when the green service revision scales up to 100% and launches new tasks."
      if (observed.greenReady < full) return step(s, full, true);
      return leave(() => go("POST_SCALE_UP"));
    case "POST_SCALE_UP":
      // "TEST_TRAFFIC_SHIFT: ... The green service revision is migrating from 0% to 100% of test traffic."
      return leave(() => go("TEST_TRAFFIC_SHIFT", { test: 100 }));
    case "TEST_TRAFFIC_SHIFT":
      return leave(() => go("POST_TEST_TRAFFIC_SHIFT"));
    case "POST_TEST_TRAFFIC_SHIFT":
      return leave(() => go("PRODUCTION_TRAFFIC_SHIFT", { production: noBlue ? 100 : firstWeight(config), shiftedAt: t }));
    case "PRODUCTION_TRAFFIC_SHIFT": {
      if (s.production < 100) {
        // LINEAR: "the amount of time in minutes to wait between each traffic shifting step"; CANARY: the canary bake.
        const bake = config.strategy === "LINEAR" ? config.stepBakeMs : config.canaryBakeMs;
        const waited = t - (s.shiftedAt ?? s.stageStartedAt);
        // Each step's hooks answer before the next step (the bake first, then the gate).
        return leave(() => {
          const production = config.strategy === "LINEAR" ? Math.min(100, round1(s.production + config.stepPercent)) : 100;
          return step({ ...s, production, shiftedAt: t }, full, true, STAGE_RECHECK_MS);
        }, bake - waited);
      }
      return leave(() => go("POST_PRODUCTION_TRAFFIC_SHIFT"));
    }
    case "POST_PRODUCTION_TRAFFIC_SHIFT":
      return leave(() => go("BAKE_TIME"));
    case "BAKE_TIME": {
      // "BAKE_TIME: The stage when both blue and green service revisions are running simultaneously after the production traffic has shifted."
      const waited = t - s.stageStartedAt;
      const bake = noBlue ? 0 : config.bakeMs;
      return leave(() => step(enter("CLEAN_UP"), full, false, STAGE_RECHECK_MS), bake - waited);
    }
    case "CLEAN_UP":
      if (observed.blueTasks > 0 || observed.greenReady < full) return step(s, full, false);
      say("Normal", "DeploymentSuccessful", `deployment ${s.target.id} completed: ${s.target.taskDefinition} serves all traffic.`);
      return step({ ...s, status: "SUCCESSFUL", statusReason: undefined, finishedAt: t }, full, false);
  }
}

/** The first production weight of green: everything (BLUE_GREEN), one step (LINEAR), the canary (CANARY). */
export function firstWeight(config: ShiftConfig): number {
  if (config.strategy === "LINEAR") return Math.min(100, round1(config.stepPercent));
  if (config.strategy === "CANARY") return Math.min(100, round1(config.canaryPercent));
  return 100;
}

/**
 * What the networking builders route while the service shifts traffic: the selectors of the production Service (the
 * one named after the service), of the preview Service (green only) and of the color Services an HTTPRoute weights,
 * and green's production and test weights. docs/deployments.md "Traffic".
 */
export interface ShiftTraffic {
  readonly strategy: ShiftStrategy;
  readonly production: Readonly<Record<string, string>>;
  readonly preview: Readonly<Record<string, string>>;
  /** The Service of each color selects the revision of that color. */
  readonly colors: Readonly<Record<Color, Readonly<Record<string, string>>>>;
  /** The colors of the revision traffic moves to and away from. */
  readonly targetColor: Color;
  readonly sourceColor: Color;
  /** The target's share of production and test traffic, percent. */
  readonly productionWeight: number;
  readonly testWeight: number;
  /** A deployment is under way (not SUCCESSFUL, STOPPED or rolled back): an nginx canary Ingress may exist. */
  readonly inProgress: boolean;
}

// ------------------------------------------------------------------------------------------------ status

const ms = (time: string | undefined): number | undefined => {
  if (time === undefined) return undefined;
  const v = Date.parse(time);
  return Number.isNaN(v) ? undefined : v;
};

/** The state remembered in a status.serviceDeployments entry (undefined: not one this machine wrote). */
export function fromDescription(d: ServiceDeploymentDescription | undefined): ShiftState | undefined {
  if (d?.lifecycleStage === undefined || d.strategy === undefined || d.strategy === "ROLLING") return undefined;
  const target = d.targetServiceRevision;
  const source = d.sourceServiceRevisions?.[0];
  const rev = (r: NonNullable<typeof target>): RevisionOf => ({ id: r.arn, taskDefinition: r.taskDefinition ?? "", ...(r.color === undefined ? {} : { color: r.color }) });
  const created = ms(d.createdAt) ?? 0;
  const rollbackAt = ms(d.rollback?.startedAt);
  return {
    strategy: d.strategy,
    target: target === undefined ? { id: d.serviceDeploymentArn, taskDefinition: "" } : rev(target),
    source: source === undefined ? undefined : rev(source),
    status: d.status,
    ...(d.statusReason === undefined ? {} : { statusReason: d.statusReason }),
    stage: d.lifecycleStage,
    stageStartedAt: ms(d.lifecycleStageStartedAt) ?? created,
    ...(ms(d.lastTrafficShiftAt) === undefined ? {} : { shiftedAt: ms(d.lastTrafficShiftAt) }),
    production: target?.requestedProductionTrafficWeight ?? 0,
    test: target?.requestedTestTrafficWeight ?? 0,
    createdAt: created,
    ...(ms(d.finishedAt) === undefined ? {} : { finishedAt: ms(d.finishedAt) }),
    ...(d.rollback === undefined || rollbackAt === undefined ? {} : { rollback: { reason: d.rollback.reason, startedAt: rollbackAt } }),
  };
}

/** The status.serviceDeployments entry of a state (DescribeServiceDeployments' shape). */
export function toDescription(s: ShiftState, counts: { readonly desiredCount: number; readonly greenRunning: number; readonly blueRunning: number }, updatedAt: Date): ServiceDeploymentDescription {
  const time = (v: number): string => kubeTime(new Date(v));
  return {
    serviceDeploymentArn: s.target.id,
    strategy: s.strategy,
    status: s.status,
    ...(s.statusReason === undefined ? {} : { statusReason: s.statusReason }),
    lifecycleStage: s.stage,
    lifecycleStageStartedAt: time(s.stageStartedAt),
    ...(s.shiftedAt === undefined ? {} : { lastTrafficShiftAt: time(s.shiftedAt) }),
    ...(s.source === undefined
      ? {}
      : {
          sourceServiceRevisions: [{
            arn: s.source.id,
            taskDefinition: s.source.taskDefinition,
            ...(s.source.color === undefined ? {} : { color: s.source.color }),
            runningTaskCount: counts.blueRunning,
            requestedProductionTrafficWeight: round1(100 - s.production),
            requestedTestTrafficWeight: round1(100 - s.test),
          }],
        }),
    targetServiceRevision: {
      arn: s.target.id,
      taskDefinition: s.target.taskDefinition,
      ...(s.target.color === undefined ? {} : { color: s.target.color }),
      requestedTaskCount: counts.desiredCount,
      runningTaskCount: counts.greenRunning,
      requestedProductionTrafficWeight: s.production,
      requestedTestTrafficWeight: s.test,
    },
    createdAt: time(s.createdAt),
    updatedAt: kubeTime(updatedAt),
    ...(s.finishedAt === undefined ? {} : { finishedAt: time(s.finishedAt) }),
    ...(s.rollback === undefined ? {} : { rollback: { reason: s.rollback.reason, startedAt: time(s.rollback.startedAt), ...(s.source === undefined ? {} : { serviceRevisionArn: s.source.id }) } }),
  };
}
