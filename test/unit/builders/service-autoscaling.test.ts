// The HPA object of a Service with spec.autoScaling, and when the controller must set desiredCount itself (where
// Application Auto Scaling scales and an HPA does not). The metric/behavior rows are in autoscaling.test.ts.
import { describe, expect, it } from "vitest";
import type { AutoScaling } from "../../../src/api/service.ts";
import { buildAutoScaling } from "../../../src/builders/service/autoscaling-policies.ts";
import { autoScalingCondition, buildServiceAutoscaling, type ServiceAutoscalingInput } from "../../../src/builders/service/autoscaling.ts";

const OWNER = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "uid-1", controller: true, blockOwnerDeletion: true };
const LABELS = { "ecs.operator.dev/service": "web" };
const CHILD = { namespace: "shop", ownerReference: OWNER, labels: LABELS };

const cpu = (targetValue: number) => ({
  policyName: "cpu",
  targetTrackingScalingPolicyConfiguration: { targetValue, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" as const } },
});
const requests = (targetValue: number) => ({
  policyName: "requests",
  targetTrackingScalingPolicyConfiguration: {
    targetValue,
    predefinedMetricSpecification: { predefinedMetricType: "ALBRequestCountPerTarget" as const, resourceLabel: "app/web/1/targetgroup/web/2" },
  },
});
const anAutoScaling = (more: Partial<AutoScaling> = {}): AutoScaling => ({ minCapacity: 2, maxCapacity: 10, targetTrackingScalingPolicies: [cpu(75)], ...more });
const scheduledOnly = (more: Partial<AutoScaling> = {}): AutoScaling => ({
  minCapacity: 2,
  maxCapacity: 10,
  scheduledActions: [{ scheduledActionName: "night", schedule: "cron(0 20 * * ? *)", scalableTargetAction: { minCapacity: 0, maxCapacity: 0 } }],
  ...more,
});

const build = (more: Partial<ServiceAutoscalingInput> = {}) => buildServiceAutoscaling({ name: "web", autoScaling: anAutoScaling(), desiredCount: 3, child: CHILD, ...more });

describe("buildServiceAutoscaling: the HPA object", () => {
  it("an HPA named after the Service, aimed at its scale subresource, with the owner reference and labels", () => {
    const { hpa, desiredCount, unsupported } = build();
    expect(hpa).toEqual({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: "shop", labels: LABELS, ownerReferences: [OWNER] },
      spec: buildAutoScaling(anAutoScaling(), { serviceName: "web" }).hpa,
    });
    expect(hpa?.spec.scaleTargetRef).toEqual({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web" });
    expect([desiredCount, unsupported]).toEqual([undefined, []]);
  });

  it.each<[string, { minCapacity: number; maxCapacity: number } | undefined, [number, number]]>([
    ["no scheduled capacity → minCapacity/maxCapacity of spec.autoScaling", undefined, [2, 10]],
    ["a scheduled capacity → its min/max", { minCapacity: 5, maxCapacity: 20 }, [5, 20]],
  ])("%s", (_name, capacity, [min, max]) => {
    const { hpa } = build({ capacity });
    expect([hpa?.spec.minReplicas, hpa?.spec.maxReplicas]).toEqual([min, max]);
  });

  it("ALBRequestCountPerTarget → the configured External metric", () => {
    const { hpa } = build({ autoScaling: anAutoScaling({ targetTrackingScalingPolicies: [requests(100)] }), requestCountMetric: { type: "External", name: "alb_requests" } });
    expect(hpa?.spec.metrics?.[0]?.external?.metric).toEqual({ name: "alb_requests", selector: { matchLabels: { "ecs.operator.dev/service": "web" } } });
  });

  it("what the HPA cannot express is passed on", () => {
    const custom = { policyName: "q", targetTrackingScalingPolicyConfiguration: { targetValue: 5, customizedMetricSpecification: { metricName: "Backlog" } } };
    const { unsupported } = build({ autoScaling: anAutoScaling({ targetTrackingScalingPolicies: [custom, cpu(70)] }) });
    expect(unsupported.map((u) => u.field)).toEqual(["spec.autoScaling.targetTrackingScalingPolicies[0].targetTrackingScalingPolicyConfiguration.customizedMetricSpecification"]);
  });
});

describe("buildServiceAutoscaling: when the controller sets desiredCount (AAS scales, an HPA would not)", () => {
  it.each<[string, Partial<ServiceAutoscalingInput>, boolean, number | undefined]>([
    ["an HPA and desiredCount inside the limits → the HPA decides", { desiredCount: 3 }, true, undefined],
    ["an HPA and desiredCount above max → the HPA scales in itself", { desiredCount: 30 }, true, undefined],
    ["maxCapacity 0 (scheduled off) → no HPA, desiredCount 0", { capacity: { minCapacity: 0, maxCapacity: 0 }, desiredCount: 4 }, false, 0],
    ["maxCapacity 0 and already 0 → no HPA, nothing to write", { capacity: { minCapacity: 0, maxCapacity: 0 }, desiredCount: 0 }, false, undefined],
    ["back from 0 with minCapacity 2 → desiredCount 2 (an HPA does not act on 0 replicas)", { desiredCount: 0 }, true, 2],
    ["at 0 with minCapacity 0 → stays 0 (AAS target tracking has no metric without tasks)", { capacity: { minCapacity: 0, maxCapacity: 5 }, desiredCount: 0 }, true, undefined],
    ["no HPA (scheduled actions only), desiredCount below min → min", { autoScaling: scheduledOnly(), capacity: { minCapacity: 4, maxCapacity: 10 }, desiredCount: 1 }, false, 4],
    ["no HPA, desiredCount above max → max", { autoScaling: scheduledOnly(), capacity: { minCapacity: 1, maxCapacity: 3 }, desiredCount: 7 }, false, 3],
    ["no HPA, desiredCount inside → untouched", { autoScaling: scheduledOnly(), desiredCount: 5 }, false, undefined],
    ["spec maxCapacity 0 → no HPA, desiredCount 0", { autoScaling: anAutoScaling({ minCapacity: 0, maxCapacity: 0 }), desiredCount: 2 }, false, 0],
  ])("%s", (_name, more, hasHpa, desiredCount) => {
    const result = build(more);
    expect(result.hpa !== undefined).toBe(hasHpa);
    expect(result.desiredCount).toBe(desiredCount);
  });
});

describe("autoScalingCondition: the HPA's conditions in the terms of spec.autoScaling", () => {
  const hpa = (conditions: { type: string; status: string; reason: string; message?: string }[] | undefined) =>
    ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: "shop" }, spec: { minReplicas: 2, maxReplicas: 6 }, ...(conditions === undefined ? {} : { status: { conditions } }) });
  const able = { type: "AbleToScale", status: "True", reason: "ReadyForNewScale" };
  const valid = { type: "ScalingActive", status: "True", reason: "ValidMetricFound" };
  it.each([
    ["no HPA yet → Unknown Pending", undefined, "Unknown", "Pending", "has not evaluated"],
    ["an HPA without conditions → Unknown Pending", hpa(undefined), "Unknown", "Pending", "HorizontalPodAutoscaler web has not evaluated"],
    ["AbleToScale=False FailedGetScale → False UnableToScale quoting it", hpa([{ type: "AbleToScale", status: "False", reason: "FailedGetScale", message: "the HPA controller was unable to get the target's current scale" }]), "False", "UnableToScale", "(HorizontalPodAutoscaler web: AbleToScale=False FailedGetScale: the HPA controller was unable to get the target's current scale)"],
    ["ScalingActive=False FailedGetResourceMetric → False MetricsUnavailable", hpa([able, { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message: "no metrics returned" }]), "False", "MetricsUnavailable", "a metric of the scaling policies cannot be read"],
    ["ScalingActive=False FailedGetExternalMetric → False MetricsUnavailable", hpa([able, { type: "ScalingActive", status: "False", reason: "FailedGetExternalMetric" }]), "False", "MetricsUnavailable", "FailedGetExternalMetric"],
    ["ScalingActive=False ScalingDisabled → False ScalingInactive", hpa([able, { type: "ScalingActive", status: "False", reason: "ScalingDisabled", message: "scaling is disabled since the replica count of the target is zero" }]), "False", "ScalingInactive", "the scaling policies are not evaluated"],
    ["ScalingLimited TooManyReplicas → True AtMaxCapacity naming maxCapacity", hpa([able, valid, { type: "ScalingLimited", status: "True", reason: "TooManyReplicas" }]), "True", "AtMaxCapacity", "more tasks than maxCapacity 6: desiredCount stays at 6"],
    ["ScalingLimited TooFewReplicas → True AtMinCapacity naming minCapacity", hpa([able, valid, { type: "ScalingLimited", status: "True", reason: "TooFewReplicas" }]), "True", "AtMinCapacity", "fewer tasks than minCapacity 2"],
    ["ScalingLimited ScaleDownLimit (disableScaleIn, a cooldown) → True Active", hpa([able, valid, { type: "ScalingLimited", status: "True", reason: "ScaleDownLimit" }]), "True", "Active", "within minCapacity 2 and maxCapacity 6"],
    ["DesiredWithinRange → True Active", hpa([able, valid, { type: "ScalingLimited", status: "False", reason: "DesiredWithinRange" }]), "True", "Active", "within minCapacity 2 and maxCapacity 6"],
  ] as const)("%s", (_name, object, status, reason, message) => {
    const c = autoScalingCondition(object);
    expect([c.status, c.reason]).toEqual([status, reason]);
    expect(c.message).toContain(message);
  });
});
