// Application Auto Scaling of a service (spec.autoScaling, camelCase) as an autoscaling/v2 HorizontalPodAutoscaler
// aimed at the ECS Service's scale subresource, plus what the HPA cannot express. Pure. Scheduled actions are the
// controller's (they move min/max at their times) and are not mapped here. docs/autoscaling.md has the table and gaps.
//
// AAS facts used (Application Auto Scaling API reference and user guide; CDK BaseTargetTrackingProps for defaults):
// - with several target tracking policies, AAS scales out when any policy asks and in only when all agree: the
//   HPA's rule for several metrics (the largest recommendation wins) is the same;
// - scaleInCooldown / scaleOutCooldown default to 300 seconds for ECS services;
// - disableScaleIn: the policy never removes capacity.
import type { V2HorizontalPodAutoscalerSpec, V2HPAScalingPolicy, V2HPAScalingRules, V2MetricSpec } from "@kubernetes/client-node";
import type { AutoScaling } from "../../api/service.ts";
import { API_GROUP_VERSION } from "../../api/common.ts";
import { nameLabelValue } from "../pod/labels.ts";
import { SERVICE_LABEL } from "../../api/keys.ts";

export interface UnsupportedAutoScaling {
  readonly field: string;
  readonly reason: string;
}

/**
 * Where ALBRequestCountPerTarget comes from: a per-pod metric (requests per pod) or an external metric (the
 * service's total requests, which the HPA divides by the number of pods), served by a metrics adapter. An External
 * metric is selected by the service label (SERVICE_LABEL: <service>), so one adapter rule serves every service.
 */
export interface RequestCountMetric {
  readonly type: "Pods" | "External";
  readonly name: string;
}

const DEFAULT_REQUEST_COUNT_METRIC: RequestCountMetric = { type: "Pods", name: "alb_request_count_per_target" };

export interface AutoScalingOptions {
  /** metadata.name of the ECS Service (the scale target). */
  readonly serviceName: string;
  readonly requestCountMetric?: RequestCountMetric | undefined;
}

export interface AutoScalingTranslation {
  /** Undefined when no policy gives the HPA a metric (an HPA without metrics would scale on 80% CPU). */
  readonly hpa: V2HorizontalPodAutoscalerSpec | undefined;
  readonly unsupported: UnsupportedAutoScaling[];
}

/** AAS's cooldown default for ECS services; also the HPA's own scale-down stabilization default. */
const AAS_DEFAULT_COOLDOWN_SECONDS = 300;
/** The HPA refuses stabilization windows above one hour. */
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** HPA's default scale-up policies (Kubernetes docs): double, or 4 pods, per 15 seconds, whichever is more. */
const HPA_DEFAULT_SCALE_UP: V2HPAScalingPolicy[] = [
  { type: "Percent", value: 100, periodSeconds: 15 },
  { type: "Pods", value: 4, periodSeconds: 15 },
];
/** HPA's default scale-down policy: everything above minReplicas may go in 15 seconds. */
const HPA_DEFAULT_SCALE_DOWN: V2HPAScalingPolicy[] = [{ type: "Percent", value: 100, periodSeconds: 15 }];
/** The HPA refuses policy periods above 30 minutes. */
const MAX_POLICY_PERIOD_SECONDS = 1800;

const FIELD = "spec.autoScaling";

export function buildAutoScaling(autoScaling: AutoScaling, options: AutoScalingOptions): AutoScalingTranslation {
  const unsupported: UnsupportedAutoScaling[] = [];
  const metrics: V2MetricSpec[] = [];
  const scaleOutCooldowns: number[] = [];
  const scaleInCooldowns: number[] = [];
  let scaleInPolicies = 0;
  const disablesScaleIn: string[] = [];

  for (const [i, policy] of (autoScaling.targetTrackingScalingPolicies ?? []).entries()) {
    const path = `${FIELD}.targetTrackingScalingPolicies[${i}].targetTrackingScalingPolicyConfiguration`;
    const config = policy.targetTrackingScalingPolicyConfiguration;
    if (config.customizedMetricSpecification !== undefined) {
      unsupported.push({
        field: `${path}.customizedMetricSpecification`,
        reason: `policy ${policy.policyName}: a CloudWatch metric has no Kubernetes source; use a predefined metric, or an HPA of your own on a metrics adapter`,
      });
      continue;
    }
    const predefined = config.predefinedMetricSpecification;
    if (predefined === undefined) continue;
    const metric = metricFor(predefined.predefinedMetricType, config.targetValue, options.requestCountMetric ?? DEFAULT_REQUEST_COUNT_METRIC, options.serviceName);
    if (typeof metric === "string") {
      unsupported.push({ field: `${path}.targetValue`, reason: `policy ${policy.policyName}: ${metric}` });
      continue;
    }
    metrics.push(metric);
    // Absent scaleOutCooldown stays at the HPA's 0, not AAS's 300: a stabilization window delays even the first
    // scale-out, where an AAS cooldown only spaces the later ones.
    scaleOutCooldowns.push(config.scaleOutCooldown ?? 0);
    scaleInCooldowns.push(config.scaleInCooldown ?? AAS_DEFAULT_COOLDOWN_SECONDS);
    if (config.disableScaleIn === true) disablesScaleIn.push(policy.policyName);
    else scaleInPolicies++;
  }

  if (metrics.length === 0) {
    for (const [i, policy] of (autoScaling.stepScalingPolicies ?? []).entries()) {
      unsupported.push({ field: `${FIELD}.stepScalingPolicies[${i}]`, reason: `policy ${policy.policyName}: ${STEP_TRIGGER_REASON}` });
    }
    return { hpa: undefined, unsupported };
  }

  // The HPA has one behavior for all metrics. Scale out when any policy would (the shortest window), scale in
  // only after every policy's cooldown (the longest), as AAS only scales in when every policy agrees.
  const scaleUp: V2HPAScalingRules = { stabilizationWindowSeconds: window(Math.min(...scaleOutCooldowns), `${FIELD}: scaleOutCooldown`, unsupported) };
  const scaleDown: V2HPAScalingRules = { stabilizationWindowSeconds: window(Math.max(...scaleInCooldowns), `${FIELD}: scaleInCooldown`, unsupported) };

  if (disablesScaleIn.length > 0 && scaleInPolicies > 0) {
    unsupported.push({
      field: `${FIELD}.targetTrackingScalingPolicies`,
      reason: `disableScaleIn is set on ${disablesScaleIn.join(", ")} but not on every policy; the HPA cannot disable scale-in for one metric, so scale-in stays enabled`,
    });
  }
  const scaleInDisabled = (disablesScaleIn.length > 0 && scaleInPolicies === 0) || autoScaling.suspendedState?.dynamicScalingInSuspended === true;
  const scaleOutDisabled = autoScaling.suspendedState?.dynamicScalingOutSuspended === true;

  mapStepPolicies(autoScaling, scaleUp, scaleDown, unsupported);

  if (scaleInDisabled) scaleDown.selectPolicy = "Disabled";
  if (scaleOutDisabled) scaleUp.selectPolicy = "Disabled";

  let minReplicas = autoScaling.minCapacity;
  if (minReplicas < 1) {
    unsupported.push({ field: `${FIELD}.minCapacity`, reason: "an HPA scales down to 1 task at the least (0 needs the HPAScaleToZero feature gate); using 1" });
    minReplicas = 1;
  }
  let maxReplicas = autoScaling.maxCapacity;
  if (maxReplicas < minReplicas) {
    unsupported.push({ field: `${FIELD}.maxCapacity`, reason: `an HPA needs maxReplicas >= minReplicas; using ${minReplicas}` });
    maxReplicas = minReplicas;
  }

  return {
    hpa: {
      scaleTargetRef: { apiVersion: API_GROUP_VERSION, kind: "Service", name: options.serviceName },
      minReplicas,
      maxReplicas,
      metrics,
      behavior: { scaleUp, scaleDown },
    },
    unsupported,
  };
}

function metricFor(type: string, targetValue: number, requestCount: RequestCountMetric, serviceName: string): V2MetricSpec | string {
  switch (type) {
    case "ECSServiceAverageCPUUtilization":
    case "ECSServiceAverageCPUUtilizationHighResolution":
      return utilization("cpu", targetValue);
    case "ECSServiceAverageMemoryUtilization":
    case "ECSServiceAverageMemoryUtilizationHighResolution":
      return utilization("memory", targetValue);
    case "ALBRequestCountPerTarget": {
      if (!(targetValue > 0)) return `targetValue ${targetValue}: requests per target must be above 0`;
      const target = { type: "AverageValue", averageValue: quantity(targetValue) };
      if (requestCount.type === "Pods") return { type: "Pods", pods: { metric: { name: requestCount.name }, target } };
      const metric = { name: requestCount.name, selector: { matchLabels: { [SERVICE_LABEL]: nameLabelValue(serviceName) } } };
      return { type: "External", external: { metric, target } };
    }
    default:
      return `predefinedMetricType ${type} is not known`;
  }
}

function utilization(name: "cpu" | "memory", targetValue: number): V2MetricSpec | string {
  // averageUtilization is a whole percent of the pods' requests (the task's reservation, as in ECS).
  const percent = Math.round(targetValue);
  if (percent < 1) return `targetValue ${targetValue}: utilization must be at least 1 percent`;
  return { type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization: percent } } };
}

/** A Kubernetes quantity for a positive number: whole numbers as is, fractions in thousandths. */
function quantity(value: number): string {
  return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
}

function window(seconds: number, field: string, unsupported: UnsupportedAutoScaling[]): number {
  if (seconds <= MAX_STABILIZATION_WINDOW_SECONDS) return seconds;
  unsupported.push({ field, reason: `${seconds} seconds: an HPA stabilization window is at most ${MAX_STABILIZATION_WINDOW_SECONDS} seconds; using ${MAX_STABILIZATION_WINDOW_SECONDS}` });
  return MAX_STABILIZATION_WINDOW_SECONDS;
}

const STEP_ALARM = "step scaling is triggered by a CloudWatch alarm, which is not part of the spec and has no HPA equivalent";
const STEP_TRIGGER_REASON = `${STEP_ALARM}; without a target tracking policy there is no metric to scale on, so no HPA is made`;

/**
 * Step scaling → HPA rate policies, the closest the HPA comes: its steps are "add N tasks" (or N%) per cooldown,
 * which an HPA policy expresses as "at most N (or N%) per period". They are added next to the HPA's defaults
 * with selectPolicy Max, so, like an extra AAS policy, they can only let scaling go faster, never hold target
 * tracking back. What triggers the steps (the alarm and its breach size) cannot be expressed and is reported.
 */
function mapStepPolicies(autoScaling: AutoScaling, scaleUp: V2HPAScalingRules, scaleDown: V2HPAScalingRules, unsupported: UnsupportedAutoScaling[]): void {
  const up: V2HPAScalingPolicy[] = [];
  const down: V2HPAScalingPolicy[] = [];
  for (const [i, policy] of (autoScaling.stepScalingPolicies ?? []).entries()) {
    const path = `${FIELD}.stepScalingPolicies[${i}]`;
    const config = policy.stepScalingPolicyConfiguration;
    unsupported.push({ field: path, reason: `policy ${policy.policyName}: ${STEP_ALARM}; its step sizes only raise the HPA's scaling rate limits` });
    const adjustmentType = config.adjustmentType ?? "ChangeInCapacity";
    if (adjustmentType === "ExactCapacity") {
      unsupported.push({ field: `${path}.stepScalingPolicyConfiguration.adjustmentType`, reason: `policy ${policy.policyName}: ExactCapacity sets a task count; an HPA only limits how fast the count changes` });
      continue;
    }
    const periodSeconds = Math.min(Math.max(config.cooldown ?? AAS_DEFAULT_COOLDOWN_SECONDS, 1), MAX_POLICY_PERIOD_SECONDS);
    const type = adjustmentType === "PercentChangeInCapacity" ? "Percent" : "Pods";
    const steps = config.stepAdjustments ?? [];
    const largestOut = Math.max(0, ...steps.map((s) => s.scalingAdjustment));
    const largestIn = Math.max(0, ...steps.map((s) => -s.scalingAdjustment));
    if (largestOut > 0) up.push({ type, value: largestOut, periodSeconds });
    if (largestIn > 0) down.push({ type, value: largestIn, periodSeconds });
    // minAdjustmentMagnitude: a percent step moves at least this many tasks.
    if (type === "Percent" && config.minAdjustmentMagnitude !== undefined && config.minAdjustmentMagnitude > 0) {
      if (largestOut > 0) up.push({ type: "Pods", value: config.minAdjustmentMagnitude, periodSeconds });
      if (largestIn > 0) down.push({ type: "Pods", value: config.minAdjustmentMagnitude, periodSeconds });
    }
    if (config.metricAggregationType !== undefined) {
      unsupported.push({ field: `${path}.stepScalingPolicyConfiguration.metricAggregationType`, reason: `policy ${policy.policyName}: the HPA averages metrics over pods; other aggregations are not available` });
    }
  }
  if (up.length > 0) Object.assign(scaleUp, { policies: [...HPA_DEFAULT_SCALE_UP, ...up], selectPolicy: "Max" });
  if (down.length > 0) Object.assign(scaleDown, { policies: [...HPA_DEFAULT_SCALE_DOWN, ...down], selectPolicy: "Max" });
}
