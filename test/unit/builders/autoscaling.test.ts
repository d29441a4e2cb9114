// spec.autoScaling (Application Auto Scaling, camelCase) → autoscaling/v2 HPA spec on the Service's scale
// subresource, and the report of what the HPA cannot express.
import { describe, expect, it } from "vitest";
import type { AutoScaling } from "../../../src/api/service.ts";
import { type AutoScalingOptions, buildAutoScaling } from "../../../src/builders/service/autoscaling-policies.ts";

type TargetTracking = NonNullable<AutoScaling["targetTrackingScalingPolicies"]>[number];
type TargetTrackingConfig = TargetTracking["targetTrackingScalingPolicyConfiguration"];
type StepPolicy = NonNullable<AutoScaling["stepScalingPolicies"]>[number];
type StepConfig = StepPolicy["stepScalingPolicyConfiguration"];

const OPTIONS: AutoScalingOptions = { serviceName: "web" };

const tracking = (policyName: string, predefinedMetricType: string, targetValue: number, more: Partial<TargetTrackingConfig> = {}): TargetTracking =>
  ({
    policyName,
    targetTrackingScalingPolicyConfiguration: {
      targetValue,
      predefinedMetricSpecification: { predefinedMetricType, ...(predefinedMetricType === "ALBRequestCountPerTarget" ? { resourceLabel: "app/web/1/targetgroup/web/2" } : {}) },
      ...more,
    },
  }) as TargetTracking;
const cpu = (targetValue: number, more: Partial<TargetTrackingConfig> = {}) => tracking("cpu", "ECSServiceAverageCPUUtilization", targetValue, more);
const memory = (targetValue: number, more: Partial<TargetTrackingConfig> = {}) => tracking("memory", "ECSServiceAverageMemoryUtilization", targetValue, more);
const step = (policyName: string, config: StepConfig): StepPolicy => ({ policyName, stepScalingPolicyConfiguration: config });

const anAutoScaling = (more: Partial<AutoScaling> = {}): AutoScaling => ({ minCapacity: 2, maxCapacity: 10, targetTrackingScalingPolicies: [cpu(75)], ...more });
const build = (more: Partial<AutoScaling> = {}, options: AutoScalingOptions = OPTIONS) => buildAutoScaling(anAutoScaling(more), options);
const hpaOf = (more: Partial<AutoScaling> = {}, options: AutoScalingOptions = OPTIONS) => {
  const { hpa } = build(more, options);
  if (hpa === undefined) throw new Error("no HPA");
  return hpa;
};

describe("buildAutoScaling: the scale target and capacity", () => {
  it("targets the ECS Service's scale subresource", () => {
    expect(hpaOf().scaleTargetRef).toEqual({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web" });
  });

  it.each<[string, Partial<AutoScaling>, number, number, string[]]>([
    ["minCapacity 2 / maxCapacity 10 → minReplicas 2 / maxReplicas 10", { minCapacity: 2, maxCapacity: 10 }, 2, 10, []],
    ["minCapacity 0 → minReplicas 1, reported", { minCapacity: 0, maxCapacity: 4 }, 1, 4, ["spec.autoScaling.minCapacity"]],
    ["maxCapacity 0 → maxReplicas 1, reported with minCapacity", { minCapacity: 0, maxCapacity: 0 }, 1, 1, ["spec.autoScaling.minCapacity", "spec.autoScaling.maxCapacity"]],
  ])("%s", (_name, more, min, max, reported) => {
    const { hpa, unsupported } = build(more);
    expect([hpa?.minReplicas, hpa?.maxReplicas]).toEqual([min, max]);
    expect(unsupported.map((u) => u.field)).toEqual(reported);
  });
});

describe("buildAutoScaling: target tracking metrics", () => {
  it.each<[string, TargetTracking, unknown]>([
    ["ECSServiceAverageCPUUtilization 75 → Resource cpu averageUtilization 75", cpu(75), { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 75 } } }],
    ["ECSServiceAverageMemoryUtilization 60 → Resource memory averageUtilization 60", memory(60), { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 60 } } }],
    ["CPU high resolution → the same Resource cpu metric", tracking("hr", "ECSServiceAverageCPUUtilizationHighResolution", 50), { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
    ["memory high resolution → the same Resource memory metric", tracking("hr", "ECSServiceAverageMemoryUtilizationHighResolution", 50), { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 50 } } }],
    ["a fractional utilization rounds to a whole percent: 62.5 → 63", cpu(62.5), { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 63 } } }],
    ["ALBRequestCountPerTarget 1000 → Pods metric alb_request_count_per_target averageValue 1000", tracking("req", "ALBRequestCountPerTarget", 1000), { type: "Pods", pods: { metric: { name: "alb_request_count_per_target" }, target: { type: "AverageValue", averageValue: "1000" } } }],
    ["ALBRequestCountPerTarget 2.5 → averageValue 2500m", tracking("req", "ALBRequestCountPerTarget", 2.5), { type: "Pods", pods: { metric: { name: "alb_request_count_per_target" }, target: { type: "AverageValue", averageValue: "2500m" } } }],
  ])("%s", (_name, policy, metric) => {
    expect(hpaOf({ targetTrackingScalingPolicies: [policy] }).metrics).toEqual([metric]);
  });

  it("ALBRequestCountPerTarget → the configured External metric, selected by the service label", () => {
    const hpa = hpaOf({ targetTrackingScalingPolicies: [tracking("req", "ALBRequestCountPerTarget", 500)] }, { serviceName: "web", requestCountMetric: { type: "External", name: "ingress_requests" } });
    expect(hpa.metrics).toEqual([
      {
        type: "External",
        external: { metric: { name: "ingress_requests", selector: { matchLabels: { "ecs.operator.dev/service": "web" } } }, target: { type: "AverageValue", averageValue: "500" } },
      },
    ]);
  });

  it("ALBRequestCountPerTarget → the configured Pods metric name", () => {
    const hpa = hpaOf({ targetTrackingScalingPolicies: [tracking("req", "ALBRequestCountPerTarget", 500)] }, { serviceName: "web", requestCountMetric: { type: "Pods", name: "http_requests" } });
    expect(hpa.metrics?.[0]?.pods?.metric.name).toBe("http_requests");
  });

  it("several policies → one metric each, in order (the HPA takes the largest recommendation, as AAS scales out on any)", () => {
    expect(hpaOf({ targetTrackingScalingPolicies: [cpu(70), memory(80)] }).metrics?.map((m) => m.resource?.name)).toEqual(["cpu", "memory"]);
  });

  it("customizedMetricSpecification → reported, the other policies still mapped", () => {
    const custom = { policyName: "queue", targetTrackingScalingPolicyConfiguration: { targetValue: 10, customizedMetricSpecification: { metricName: "Backlog", namespace: "App", statistic: "Average" as const } } };
    const { hpa, unsupported } = build({ targetTrackingScalingPolicies: [custom, cpu(70)] });
    expect(hpa?.metrics?.map((m) => m.resource?.name)).toEqual(["cpu"]);
    expect(unsupported).toEqual([{ field: "spec.autoScaling.targetTrackingScalingPolicies[0].targetTrackingScalingPolicyConfiguration.customizedMetricSpecification", reason: expect.stringContaining("policy queue") as unknown }]);
  });

  it("only customized metrics → no HPA (an HPA without metrics scales on 80% CPU)", () => {
    const custom = { policyName: "queue", targetTrackingScalingPolicyConfiguration: { targetValue: 10, customizedMetricSpecification: { metricName: "Backlog" } } };
    const { hpa, unsupported } = build({ targetTrackingScalingPolicies: [custom] });
    expect(hpa).toBeUndefined();
    expect(unsupported).toHaveLength(1);
  });

  it.each<[string, TargetTracking]>([
    ["a utilization below 1 percent is reported", cpu(0.2)],
    ["a request count of 0 is reported", tracking("req", "ALBRequestCountPerTarget", 0)],
  ])("%s", (_name, policy) => {
    const { hpa, unsupported } = build({ targetTrackingScalingPolicies: [policy] });
    expect(hpa).toBeUndefined();
    expect(unsupported.map((u) => u.field)).toEqual([`spec.autoScaling.targetTrackingScalingPolicies[0].targetTrackingScalingPolicyConfiguration.targetValue`]);
  });
});

describe("buildAutoScaling: cooldowns, disableScaleIn and suspension → behavior", () => {
  it.each<[string, TargetTracking[], Partial<AutoScaling>, { up?: number; down?: number; upSelect?: string; downSelect?: string }]>([
    ["scaleOutCooldown 60 → scaleUp stabilizationWindowSeconds 60", [cpu(70, { scaleOutCooldown: 60 })], {}, { up: 60 }],
    ["scaleInCooldown 120 → scaleDown stabilizationWindowSeconds 120", [cpu(70, { scaleInCooldown: 120 })], {}, { down: 120 }],
    ["no scaleInCooldown → AAS's 300 for ECS services", [cpu(70)], {}, { down: 300 }],
    ["no scaleOutCooldown → 0 (a window would delay the first scale-out too)", [cpu(70)], {}, { up: 0 }],
    ["several policies: scale out on the shortest scaleOutCooldown", [cpu(70, { scaleOutCooldown: 30 }), memory(80, { scaleOutCooldown: 90 })], {}, { up: 30 }],
    ["several policies: scale in after the longest scaleInCooldown", [cpu(70, { scaleInCooldown: 30 }), memory(80, { scaleInCooldown: 600 })], {}, { down: 600 }],
    ["a cooldown above an hour → 3600", [cpu(70, { scaleInCooldown: 7200 })], {}, { down: 3600 }],
    ["disableScaleIn → scaleDown selectPolicy Disabled", [cpu(70, { disableScaleIn: true })], {}, { downSelect: "Disabled" }],
    ["disableScaleIn on every policy → scaleDown Disabled", [cpu(70, { disableScaleIn: true }), memory(80, { disableScaleIn: true })], {}, { downSelect: "Disabled" }],
    ["disableScaleIn on one of two policies → scale-in stays enabled", [cpu(70, { disableScaleIn: true }), memory(80)], {}, { downSelect: undefined }],
    ["suspendedState.dynamicScalingInSuspended → scaleDown Disabled", [cpu(70)], { suspendedState: { dynamicScalingInSuspended: true } }, { downSelect: "Disabled" }],
    ["suspendedState.dynamicScalingOutSuspended → scaleUp Disabled", [cpu(70)], { suspendedState: { dynamicScalingOutSuspended: true } }, { upSelect: "Disabled" }],
  ])("%s", (_name, policies, more, expected) => {
    const behavior = hpaOf({ targetTrackingScalingPolicies: policies, ...more }).behavior;
    if ("up" in expected) expect(behavior?.scaleUp?.stabilizationWindowSeconds).toBe(expected.up);
    if ("down" in expected) expect(behavior?.scaleDown?.stabilizationWindowSeconds).toBe(expected.down);
    if ("upSelect" in expected) expect(behavior?.scaleUp?.selectPolicy).toBe(expected.upSelect);
    if ("downSelect" in expected) expect(behavior?.scaleDown?.selectPolicy).toBe(expected.downSelect);
  });

  it.each<[string, TargetTracking[], string]>([
    ["disableScaleIn on some policies only is reported", [cpu(70, { disableScaleIn: true }), memory(80)], "spec.autoScaling.targetTrackingScalingPolicies"],
    ["a cooldown above an hour is reported", [cpu(70, { scaleInCooldown: 7200 })], "spec.autoScaling: scaleInCooldown"],
  ])("%s", (_name, policies, field) => {
    expect(build({ targetTrackingScalingPolicies: policies }).unsupported.map((u) => u.field)).toEqual([field]);
  });

  it("a plain policy reports nothing", () => {
    expect(build().unsupported).toEqual([]);
  });
});

describe("buildAutoScaling: step scaling, as closely as the HPA allows", () => {
  const HPA_UP_DEFAULTS = [
    { type: "Percent", value: 100, periodSeconds: 15 },
    { type: "Pods", value: 4, periodSeconds: 15 },
  ];
  const HPA_DOWN_DEFAULTS = [{ type: "Percent", value: 100, periodSeconds: 15 }];

  it.each<[string, StepConfig, unknown, unknown]>([
    [
      "ChangeInCapacity +2 / +5 with cooldown 120 → scaleUp Pods 5 per 120s, beside the HPA defaults",
      { adjustmentType: "ChangeInCapacity", cooldown: 120, stepAdjustments: [{ metricIntervalLowerBound: 0, metricIntervalUpperBound: 10, scalingAdjustment: 2 }, { metricIntervalLowerBound: 10, scalingAdjustment: 5 }] },
      [...HPA_UP_DEFAULTS, { type: "Pods", value: 5, periodSeconds: 120 }],
      undefined,
    ],
    [
      "ChangeInCapacity −3 → scaleDown Pods 3 per cooldown (default 300)",
      { adjustmentType: "ChangeInCapacity", stepAdjustments: [{ metricIntervalUpperBound: 0, scalingAdjustment: -3 }] },
      undefined,
      [...HPA_DOWN_DEFAULTS, { type: "Pods", value: 3, periodSeconds: 300 }],
    ],
    [
      "PercentChangeInCapacity +50 with minAdjustmentMagnitude 2 → Percent 50 and Pods 2, whichever is more",
      { adjustmentType: "PercentChangeInCapacity", cooldown: 60, minAdjustmentMagnitude: 2, stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 50 }] },
      [...HPA_UP_DEFAULTS, { type: "Percent", value: 50, periodSeconds: 60 }, { type: "Pods", value: 2, periodSeconds: 60 }],
      undefined,
    ],
    [
      "a cooldown above 30 minutes → period 1800",
      { adjustmentType: "ChangeInCapacity", cooldown: 3600, stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }] },
      [...HPA_UP_DEFAULTS, { type: "Pods", value: 1, periodSeconds: 1800 }],
      undefined,
    ],
  ])("%s", (_name, config, upPolicies, downPolicies) => {
    const behavior = hpaOf({ stepScalingPolicies: [step("steps", config)] }).behavior;
    expect(behavior?.scaleUp?.policies).toEqual(upPolicies);
    expect(behavior?.scaleDown?.policies).toEqual(downPolicies);
    if (upPolicies !== undefined) expect(behavior?.scaleUp?.selectPolicy).toBe("Max");
    if (downPolicies !== undefined) expect(behavior?.scaleDown?.selectPolicy).toBe("Max");
  });

  it("the alarm that triggers a step policy is reported", () => {
    const { unsupported } = build({ stepScalingPolicies: [step("steps", { stepAdjustments: [{ scalingAdjustment: 1 }] })] });
    expect(unsupported).toEqual([{ field: "spec.autoScaling.stepScalingPolicies[0]", reason: expect.stringContaining("CloudWatch alarm") as unknown }]);
  });

  it.each<[string, StepConfig, string]>([
    ["ExactCapacity is reported and adds no policy", { adjustmentType: "ExactCapacity", stepAdjustments: [{ scalingAdjustment: 4 }] }, "spec.autoScaling.stepScalingPolicies[0].stepScalingPolicyConfiguration.adjustmentType"],
    ["metricAggregationType is reported", { metricAggregationType: "Maximum", stepAdjustments: [{ scalingAdjustment: 1 }] }, "spec.autoScaling.stepScalingPolicies[0].stepScalingPolicyConfiguration.metricAggregationType"],
  ])("%s", (name, config, field) => {
    const { hpa, unsupported } = build({ stepScalingPolicies: [step("steps", config)] });
    expect(unsupported.map((u) => u.field)).toEqual(["spec.autoScaling.stepScalingPolicies[0]", field]);
    if (name.startsWith("ExactCapacity")) expect(hpa?.behavior?.scaleUp?.policies).toBeUndefined();
  });

  it("step policies without target tracking → no HPA (nothing to measure), each reported", () => {
    const { hpa, unsupported } = build({ targetTrackingScalingPolicies: [], stepScalingPolicies: [step("a", { stepAdjustments: [{ scalingAdjustment: 1 }] }), step("b", { stepAdjustments: [{ scalingAdjustment: -1 }] })] });
    expect(hpa).toBeUndefined();
    expect(unsupported.map((u) => u.field)).toEqual(["spec.autoScaling.stepScalingPolicies[0]", "spec.autoScaling.stepScalingPolicies[1]"]);
  });

  it("disableScaleIn still wins over a step policy's scale-in rate", () => {
    const behavior = hpaOf({ targetTrackingScalingPolicies: [cpu(70, { disableScaleIn: true })], stepScalingPolicies: [step("in", { stepAdjustments: [{ scalingAdjustment: -2 }] })] }).behavior;
    expect(behavior?.scaleDown?.selectPolicy).toBe("Disabled");
  });
});
