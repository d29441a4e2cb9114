// ECS deploymentConfiguration in Kubernetes numbers: maximumPercent / minimumHealthyPercent → the rolling update's
// maxSurge / maxUnavailable and a PodDisruptionBudget, and the deployment circuit breaker's failure threshold.
// Pure. docs/services.md has the rounding table.
//
// ECS facts used (DeploymentConfiguration and ServiceDeploymentCircuitBreaker / ThresholdConfiguration in the
// ECS API reference):
// - minimumHealthyPercent is "a percentage of the desiredCount (rounded up to the nearest integer)";
//   maximumPercent "(rounded down to the nearest integer)". Defaults 100 / 200 (REPLICA), 0 / 100 (DAEMON).
// - circuit breaker: threshold "0.5 * desired task count", "minimum threshold of 3 and a maximum threshold of
//   200"; thresholdConfiguration default BOUNDED_PERCENT 50; percentage types multiply value by the desired
//   count; COUNT uses value directly.

import { SERVICE_DEFAULTS } from "../../api/service.ts";

export interface DeploymentPercents {
  readonly maximumPercent?: number | undefined;
  readonly minimumHealthyPercent?: number | undefined;
}

export type SchedulingStrategy = "REPLICA" | "DAEMON";

export interface RollingUpdate {
  /** Tasks above desiredCount that may run during a deployment (floor(desired × maximumPercent / 100) − desired). */
  readonly maxSurge: number;
  /** Tasks below desiredCount that may be down (desired − ceil(desired × minimumHealthyPercent / 100)). */
  readonly maxUnavailable: number;
  /** The fewest tasks that stay RUNNING, as ECS computes it. */
  readonly minimumHealthyTasks: number;
  /** The most RUNNING + PENDING tasks, as ECS computes it. */
  readonly maximumTasks: number;
  /**
   * Set when the percentages allow neither a surge nor an unavailable task (e.g. desired 1 at 100/200 floors
   * fine, but 100/100 or desired 3 at 100/120 do not). ECS would leave such a deployment unable to proceed;
   * Kubernetes refuses maxSurge = maxUnavailable = 0. We surge by one task: maximumPercent is exceeded by one
   * task for the length of the rollout, and minimumHealthyPercent (the availability promise) is kept.
   */
  readonly surgeForcedForProgress: boolean;
}

/** ECS's minimum healthy task count: ceil(desired × percent / 100), in integers. */
export function minimumHealthyTasks(desiredCount: number, minimumHealthyPercent: number): number {
  return Math.ceil((desiredCount * minimumHealthyPercent) / 100);
}

/** ECS's maximum task count during a deployment: floor(desired × percent / 100), in integers. */
export function maximumTasks(desiredCount: number, maximumPercent: number): number {
  return Math.floor((desiredCount * maximumPercent) / 100);
}

/** The percentages with ECS's defaults for the scheduling strategy filled in. */
export function effectivePercents(
  config: DeploymentPercents | undefined,
  schedulingStrategy: SchedulingStrategy = "REPLICA",
): { maximumPercent: number; minimumHealthyPercent: number } {
  const defaults = SERVICE_DEFAULTS.deploymentConfiguration[schedulingStrategy];
  return {
    maximumPercent: config?.maximumPercent ?? defaults.maximumPercent,
    minimumHealthyPercent: config?.minimumHealthyPercent ?? defaults.minimumHealthyPercent,
  };
}

/**
 * maxSurge / maxUnavailable (as absolute numbers: the percentages are rounded the way ECS rounds them, which
 * Kubernetes' own percent rounding (surge up, unavailable down) does not reproduce for maximumPercent) for a
 * Deployment or DaemonSet of `desiredCount` tasks. A maximumPercent below 100 cannot cap the running count below
 * desiredCount on Kubernetes; it gives maxSurge 0 (docs/services.md, gaps).
 */
export function rollingUpdate(desiredCount: number, config?: DeploymentPercents, schedulingStrategy: SchedulingStrategy = "REPLICA"): RollingUpdate {
  const { maximumPercent, minimumHealthyPercent } = effectivePercents(config, schedulingStrategy);
  const minHealthy = minimumHealthyTasks(desiredCount, minimumHealthyPercent);
  const maxTasks = maximumTasks(desiredCount, maximumPercent);
  const maxUnavailable = Math.max(0, desiredCount - minHealthy);
  const maxSurge = Math.max(0, maxTasks - desiredCount);
  const stuck = maxSurge === 0 && maxUnavailable === 0;
  return { maxSurge: stuck ? 1 : maxSurge, maxUnavailable, minimumHealthyTasks: minHealthy, maximumTasks: maxTasks, surgeForcedForProgress: stuck };
}

/**
 * The PodDisruptionBudget's minAvailable: node drains keep minimumHealthyPercent, as ECS keeps it while container
 * instances are DRAINING. Undefined when nothing must stay up (a PDB of 0 protects nothing; don't write one).
 */
export function podDisruptionMinAvailable(desiredCount: number, config?: DeploymentPercents, schedulingStrategy: SchedulingStrategy = "REPLICA"): number | undefined {
  const minHealthy = minimumHealthyTasks(desiredCount, effectivePercents(config, schedulingStrategy).minimumHealthyPercent);
  return minHealthy > 0 ? minHealthy : undefined;
}

export interface CircuitBreakerThresholdConfig {
  readonly thresholdConfiguration?: { readonly type: "COUNT" | "BOUNDED_PERCENT" | "UNBOUNDED_PERCENT"; readonly value: number } | undefined;
}

const CIRCUIT_BREAKER_MIN_THRESHOLD = 3;
const CIRCUIT_BREAKER_MAX_THRESHOLD = 200;
const DEFAULT_THRESHOLD = { type: "BOUNDED_PERCENT", value: 50 } as const;

/**
 * How many failed tasks of a new deployment stop it. Default: min(max(ceil(0.5 × desired), 3), 200).
 * Percent types round up (a fraction of a failed task is not tolerated). Our rule where ECS documents none: the
 * threshold is at least 1 (a threshold of 0 would fail a deployment before anything went wrong).
 */
export function circuitBreakerThreshold(desiredCount: number, config?: CircuitBreakerThresholdConfig): number {
  const { type, value } = config?.thresholdConfiguration ?? DEFAULT_THRESHOLD;
  let threshold: number;
  switch (type) {
    case "COUNT":
      threshold = value;
      break;
    case "UNBOUNDED_PERCENT":
      threshold = Math.ceil((desiredCount * value) / 100);
      break;
    case "BOUNDED_PERCENT":
      threshold = Math.min(Math.max(Math.ceil((desiredCount * value) / 100), CIRCUIT_BREAKER_MIN_THRESHOLD), CIRCUIT_BREAKER_MAX_THRESHOLD);
      break;
  }
  return Math.max(1, threshold);
}
