// The autoscaling/v2 HorizontalPodAutoscaler of an ECS Service with spec.autoScaling, aimed at the Service's scale
// subresource, and the desiredCount the controller must set itself where an HPA does not act (Application Auto
// Scaling does). Pure. The metric and behavior mapping is buildAutoScaling's (autoscaling.ts); min/max in force come
// from scheduledCapacity (scheduled-scaling.ts). docs/autoscaling.md has the tables and the gaps.
//
// Where the controller sets desiredCount (AAS semantics: when the capacity limits move, AAS scales the target into
// them at once; an HPA does so too, except from 0 replicas, where it stops acting):
// - maxCapacity 0 (a scheduled "off" window): no HPA (its maxReplicas is at least 1), desiredCount 0;
// - desiredCount 0 with minCapacity ≥ 1 (the window is over): desiredCount minCapacity, which restarts the HPA;
// - no HPA (only scheduled actions, or no policy with a metric): desiredCount clamped into [min, max].
import type { V2HorizontalPodAutoscalerSpec } from "@kubernetes/client-node";
import type { AutoScaling } from "../../api/service.ts";
import type { KubeObject } from "../../runtime/resources.ts";
import { buildAutoScaling, type RequestCountMetric } from "./autoscaling-policies.ts";
import { type ChildMetadata, childMetadata, type ServiceChildContext, type UnsupportedField } from "./networking.ts";

export type HorizontalPodAutoscalerObject = KubeObject & {
  apiVersion: "autoscaling/v2";
  kind: "HorizontalPodAutoscaler";
  metadata: ChildMetadata;
  spec: V2HorizontalPodAutoscalerSpec;
};

export interface Capacity {
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

export interface ServiceAutoscalingInput {
  /** metadata.name of the ECS Service: the HPA's name and its scaleTargetRef. */
  readonly name: string;
  readonly autoScaling: AutoScaling;
  /** The limits in force now: scheduledCapacity(autoScaling, now, …) (moved by scheduled actions). Default: autoScaling's. */
  readonly capacity?: Capacity | undefined;
  /** spec.desiredCount as it is now (what the scale subresource shows). */
  readonly desiredCount: number;
  /** Where ALBRequestCountPerTarget comes from (operator configuration). Default: Pods metric alb_request_count_per_target. */
  readonly requestCountMetric?: RequestCountMetric | undefined;
  readonly child: ServiceChildContext;
}

export interface ServiceAutoscaling {
  /** The HPA to apply, or undefined: the controller deletes the one it owns. */
  readonly hpa: HorizontalPodAutoscalerObject | undefined;
  /**
   * Set when the controller must write spec.desiredCount (through the scale subresource, as `kubectl scale` does):
   * the value AAS would scale to and no HPA will. Undefined: leave desiredCount to the HPA and the user.
   */
  readonly desiredCount: number | undefined;
  /** What the HPA cannot express: the controller lists it in status/events. */
  readonly unsupported: UnsupportedField[];
}

/**
 * The HPA of an ECS Service with spec.autoScaling. The controller passes the service's metadata.name, its
 * spec.autoScaling and spec.desiredCount, the capacity that scheduledCapacity computed at `now` (when there are
 * scheduled actions), the operator's request count metric, and the children's namespace/owner/labels. It applies
 * `hpa` (or deletes its HPA when undefined) and, when `desiredCount` is set, scales the Service to it.
 */
export function buildServiceAutoscaling(input: ServiceAutoscalingInput): ServiceAutoscaling {
  const { autoScaling } = input;
  const minCapacity = input.capacity?.minCapacity ?? autoScaling.minCapacity;
  const maxCapacity = Math.max(input.capacity?.maxCapacity ?? autoScaling.maxCapacity, 0);

  if (maxCapacity === 0) {
    return { hpa: undefined, desiredCount: input.desiredCount === 0 ? undefined : 0, unsupported: [] };
  }

  const { hpa: spec, unsupported } = buildAutoScaling(
    { ...autoScaling, minCapacity, maxCapacity },
    { serviceName: input.name, ...(input.requestCountMetric === undefined ? {} : { requestCountMetric: input.requestCountMetric }) },
  );
  if (spec === undefined) {
    const clamped = Math.min(Math.max(input.desiredCount, minCapacity), maxCapacity);
    return { hpa: undefined, desiredCount: clamped === input.desiredCount ? undefined : clamped, unsupported };
  }
  // An HPA does not act on a target at 0 replicas ("scaling is disabled since the replica count of the target is
  // zero"); AAS scales out to a raised minCapacity.
  const desiredCount = input.desiredCount === 0 && minCapacity >= 1 ? minCapacity : undefined;
  return {
    hpa: { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: childMetadata(input.child, input.name), spec },
    desiredCount,
    unsupported,
  };
}

/** The Service condition that reports whether its Application Auto Scaling (the HPA) can scale it. */
export const AUTO_SCALING_CONDITION = "AutoScaling";

/** Reasons of the AutoScaling condition, as an ECS user reads them (AAS's minCapacity/maxCapacity, not replicas). */
export const AutoScalingReason = {
  /** The policies are evaluated and desiredCount follows them within minCapacity..maxCapacity. */
  Active: "Active",
  /** The policies ask for more tasks than maxCapacity: desiredCount stays at maxCapacity. */
  AtMaxCapacity: "AtMaxCapacity",
  /** The policies ask for fewer tasks than minCapacity (an idle service): desiredCount stays at minCapacity. */
  AtMinCapacity: "AtMinCapacity",
  /** A metric of the policies cannot be read (no metrics pipeline, no usage yet): desiredCount does not move. */
  MetricsUnavailable: "MetricsUnavailable",
  /** The policies are not evaluated for another reason (e.g. desiredCount 0 switches the HPA off). */
  ScalingInactive: "ScalingInactive",
  /** The HPA cannot read or write the service's scale subresource. */
  UnableToScale: "UnableToScale",
  /** The HPA has not reported yet. */
  Pending: "Pending",
} as const;
export type AutoScalingReason = (typeof AutoScalingReason)[keyof typeof AutoScalingReason];

export interface AutoScalingCondition {
  readonly status: "True" | "False" | "Unknown";
  readonly reason: AutoScalingReason;
  readonly message: string;
}

interface HpaCondition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * The AutoScaling condition of a Service from the status of its HPA (undefined: not yet created). The HPA's own
 * conditions say it in replicas and HPA terms (AbleToScale, ScalingActive, ScalingLimited TooManyReplicas); this says
 * it in the terms of spec.autoScaling, and quotes the HPA's reason so that nothing is lost.
 */
export function autoScalingCondition(hpa: KubeObject | undefined): AutoScalingCondition {
  const name = hpa?.metadata?.name ?? "";
  const spec = (hpa as { spec?: { minReplicas?: number; maxReplicas?: number } } | undefined)?.spec;
  const status = (hpa as { status?: { conditions?: HpaCondition[]; desiredReplicas?: number } } | undefined)?.status;
  const conditions = status?.conditions ?? [];
  const of = (type: string): HpaCondition | undefined => conditions.find((c) => c.type === type);
  const quote = (c: HpaCondition): string => `(HorizontalPodAutoscaler ${name}: ${c.type ?? ""}=${c.status ?? ""} ${c.reason ?? ""}: ${c.message ?? ""})`;
  const able = of("AbleToScale");
  const active = of("ScalingActive");
  const limited = of("ScalingLimited");
  if (hpa === undefined || (able === undefined && active === undefined)) {
    return { status: "Unknown", reason: AutoScalingReason.Pending, message: `the HorizontalPodAutoscaler ${name === "" ? "of spec.autoScaling" : name} has not evaluated the scaling policies yet` };
  }
  if (able?.status === "False") return { status: "False", reason: AutoScalingReason.UnableToScale, message: `desiredCount cannot be changed ${quote(able)}` };
  if (active?.status === "False") {
    const metrics = /^FailedGet.*Metric$/.test(active.reason ?? "");
    return {
      status: "False",
      reason: metrics ? AutoScalingReason.MetricsUnavailable : AutoScalingReason.ScalingInactive,
      message: `${metrics ? "a metric of the scaling policies cannot be read, so" : "the scaling policies are not evaluated, so"} desiredCount does not follow them ${quote(active)}`,
    };
  }
  const min = spec?.minReplicas ?? 1;
  const max = spec?.maxReplicas ?? 0;
  if (limited?.status === "True" && limited.reason === "TooManyReplicas") {
    return { status: "True", reason: AutoScalingReason.AtMaxCapacity, message: `the scaling policies ask for more tasks than maxCapacity ${max}: desiredCount stays at ${max} ${quote(limited)}` };
  }
  if (limited?.status === "True" && limited.reason === "TooFewReplicas") {
    return { status: "True", reason: AutoScalingReason.AtMinCapacity, message: `the scaling policies ask for fewer tasks than minCapacity ${min}: desiredCount stays at ${min} ${quote(limited)}` };
  }
  return { status: "True", reason: AutoScalingReason.Active, message: `the scaling policies set desiredCount within minCapacity ${min} and maxCapacity ${max}` };
}
