// deploymentConfiguration → maxSurge / maxUnavailable / PodDisruptionBudget / circuit breaker threshold, with ECS's
// rounding (minimum healthy rounded up, maximum rounded down: DeploymentConfiguration in the ECS API reference).
import { describe, expect, it } from "vitest";
import {
  circuitBreakerThreshold,
  type CircuitBreakerThresholdConfig,
  type DeploymentPercents,
  podDisruptionMinAvailable,
  rollingUpdate,
  type SchedulingStrategy,
} from "../../../src/builders/service/deployment-config.ts";

const percents = (minimumHealthyPercent?: number, maximumPercent?: number): DeploymentPercents => ({ minimumHealthyPercent, maximumPercent });

describe("rollingUpdate: ECS percentages → maxSurge / maxUnavailable", () => {
  it.each<[string, number, DeploymentPercents | undefined, SchedulingStrategy, { maxSurge: number; maxUnavailable: number }]>([
    // ECS API reference, minimumHealthyPercent: "desiredCount of four tasks and a minimumHealthyPercent of 50%, the
    // service scheduler may stop two existing tasks ... before starting two new tasks".
    ["ECS doc: desired 4, minimumHealthyPercent 50 → 2 may stop", 4, percents(50, 100), "REPLICA", { maxSurge: 0, maxUnavailable: 2 }],
    // ECS API reference, maximumPercent: "desiredCount of four tasks and a maximumPercent value of 200%, the
    // scheduler may start four new tasks before stopping the four older tasks".
    ["ECS doc: desired 4, maximumPercent 200 → 4 new before stopping", 4, percents(100, 200), "REPLICA", { maxSurge: 4, maxUnavailable: 0 }],
    ["minimum healthy rounds up: desired 3 at 50% keeps ceil(1.5) = 2 → maxUnavailable 1", 3, percents(50, 100), "REPLICA", { maxSurge: 0, maxUnavailable: 1 }],
    ["maximum rounds down: desired 3 at 150% allows floor(4.5) = 4 → maxSurge 1", 3, percents(50, 150), "REPLICA", { maxSurge: 1, maxUnavailable: 1 }],
    ["maximum rounds down where Kubernetes' 10% surge would round up: desired 15 at 110% → floor(16.5) = 16 → maxSurge 1", 15, percents(0, 110), "REPLICA", { maxSurge: 1, maxUnavailable: 15 }],
    ["minimum rounds up: desired 5 at 90% keeps ceil(4.5) = 5 → maxUnavailable 0", 5, percents(90, 200), "REPLICA", { maxSurge: 5, maxUnavailable: 0 }],
    ["minimum rounds up: desired 7 at 50% keeps ceil(3.5) = 4 → maxUnavailable 3", 7, percents(50, 100), "REPLICA", { maxSurge: 0, maxUnavailable: 3 }],
    ["minimum rounds up even a small fraction: desired 3 at 10% keeps ceil(0.3) = 1 → maxUnavailable 2", 3, percents(10, 100), "REPLICA", { maxSurge: 0, maxUnavailable: 2 }],
    ["maximum rounds down even a large fraction: desired 3 at 190% allows floor(5.7) = 5 → maxSurge 2", 3, percents(100, 190), "REPLICA", { maxSurge: 2, maxUnavailable: 0 }],
    ["REPLICA defaults 100 / 200: surge desired, none unavailable", 6, undefined, "REPLICA", { maxSurge: 6, maxUnavailable: 0 }],
    ["DAEMON defaults 0 / 100: every node's task may be replaced in place, no surge", 6, undefined, "DAEMON", { maxSurge: 0, maxUnavailable: 6 }],
    ["only maximumPercent given: minimumHealthyPercent defaults to 100 (REPLICA)", 4, percents(undefined, 150), "REPLICA", { maxSurge: 2, maxUnavailable: 0 }],
    ["minimumHealthyPercent 0: all may stop", 4, percents(0, 100), "REPLICA", { maxSurge: 0, maxUnavailable: 4 }],
    ["maximumPercent below 100 gives no surge (the cap below desired is not expressible)", 4, percents(0, 50), "REPLICA", { maxSurge: 0, maxUnavailable: 4 }],
  ])("%s", (_name, desired, config, strategy, expected) => {
    const result = rollingUpdate(desired, config, strategy);
    expect({ maxSurge: result.maxSurge, maxUnavailable: result.maxUnavailable }).toEqual(expected);
    expect(result.surgeForcedForProgress).toBe(false);
  });

  it.each<[string, number, DeploymentPercents]>([
    ["100 / 100 allows neither surge nor stop: surge 1 keeps the minimum and makes progress", 4, percents(100, 100)],
    ["desired 1 at 100 / 149: floor(1.49) = 1 is no surge", 1, percents(100, 149)],
    ["desired 0 at the defaults: Kubernetes still refuses 0 / 0", 0, percents(100, 200)],
    ["maximum rounds down to no surge: desired 5 at 90 / 110 → ceil(4.5) = 5, floor(5.5) = 5", 5, percents(90, 110)],
  ])("%s", (_name, desired, config) => {
    expect(rollingUpdate(desired, config)).toMatchObject({ maxSurge: 1, maxUnavailable: 0, surgeForcedForProgress: true });
  });

  it("reports the ECS task counts it derived", () => {
    expect(rollingUpdate(3, percents(50, 150))).toEqual({ maxSurge: 1, maxUnavailable: 1, minimumHealthyTasks: 2, maximumTasks: 4, surgeForcedForProgress: false });
  });
});

describe("podDisruptionMinAvailable: drains keep minimumHealthyPercent", () => {
  it.each<[string, number, DeploymentPercents | undefined, SchedulingStrategy, number | undefined]>([
    ["desired 3 at 50% → minAvailable ceil(1.5) = 2", 3, percents(50), "REPLICA", 2],
    ["desired 4 at 50% → 2", 4, percents(50), "REPLICA", 2],
    ["REPLICA default 100% → every task", 5, undefined, "REPLICA", 5],
    ["a fraction of a task rounds up: desired 10 at 1% → 1", 10, percents(1), "REPLICA", 1],
    ["0% → no PodDisruptionBudget", 5, percents(0), "REPLICA", undefined],
    ["DAEMON default 0% → no PodDisruptionBudget", 5, undefined, "DAEMON", undefined],
    ["desired 0 → no PodDisruptionBudget", 0, percents(100), "REPLICA", undefined],
  ])("%s", (_name, desired, config, strategy, expected) => {
    expect(podDisruptionMinAvailable(desired, config, strategy)).toBe(expected);
  });
});

describe("circuitBreakerThreshold: failed tasks that stop a deployment", () => {
  const threshold = (type: "COUNT" | "BOUNDED_PERCENT" | "UNBOUNDED_PERCENT", value: number): CircuitBreakerThresholdConfig => ({ thresholdConfiguration: { type, value } });
  it.each<[string, number, CircuitBreakerThresholdConfig | undefined, number]>([
    ["default, desired 1 → the minimum 3", 1, undefined, 3],
    ["default, desired 6 → 0.5 × 6 = 3", 6, undefined, 3],
    ["default, desired 10 → 5", 10, undefined, 5],
    ["default, desired 25 → ceil(12.5) = 13", 25, undefined, 13],
    ["default, desired 400 → the maximum 200", 400, undefined, 200],
    ["default, desired 1000 → still 200", 1000, undefined, 200],
    ["default, desired 0 → the minimum 3", 0, undefined, 3],
    ["BOUNDED_PERCENT 20, desired 100 → 20", 100, threshold("BOUNDED_PERCENT", 20), 20],
    ["BOUNDED_PERCENT 20, desired 5 → ceil(1) = 1, bounded to 3", 5, threshold("BOUNDED_PERCENT", 20), 3],
    ["UNBOUNDED_PERCENT 20, desired 5 → 1, not bounded", 5, threshold("UNBOUNDED_PERCENT", 20), 1],
    ["UNBOUNDED_PERCENT 100, desired 1000 → 1000, not capped at 200", 1000, threshold("UNBOUNDED_PERCENT", 100), 1000],
    ["UNBOUNDED_PERCENT 10, desired 15 → ceil(1.5) = 2", 15, threshold("UNBOUNDED_PERCENT", 10), 2],
    ["COUNT 7 → 7 whatever desired", 100, threshold("COUNT", 7), 7],
    ["COUNT 0 → 1 (our floor: a threshold of 0 fails a healthy deployment)", 100, threshold("COUNT", 0), 1],
    ["UNBOUNDED_PERCENT of desired 0 → 1", 0, threshold("UNBOUNDED_PERCENT", 50), 1],
  ])("%s", (_name, desired, config, expected) => {
    expect(circuitBreakerThreshold(desired, config)).toBe(expected);
  });
});
