// CreateCapacityProvider and CreateCluster fields that are accepted (real definitions must apply) but change nothing on
// Kubernetes, and fields a newer ECS API added: named in the object's Supported condition, never dropped silently
// (issue 13), as a Service's and a TaskDefinition's are. Pure.
import { ConditionReason, ConditionType } from "../../api/conditions.ts";
import { CapacityProviderSpec } from "../../api/capacity-provider.ts";
import { ClusterSpec } from "../../api/cluster.ts";
import type { CapacityProvider, EcsCluster } from "../../api/objects.ts";
import { findUnknownFields } from "../../api/unknown-fields.ts";
import { setCondition, type Condition } from "../../runtime/conditions.ts";

export interface AcceptedUnusedField {
  readonly field: string;
  readonly reason: string;
}

export function capacityProviderAcceptedUnusedFields(spec: CapacityProvider["spec"]): AcceptedUnusedField[] {
  const out: AcceptedUnusedField[] = [];
  if (spec.autoScalingGroupProvider !== undefined) {
    out.push({ field: "spec.autoScalingGroupProvider", reason: "the Auto Scaling group and its managed scaling are not used: spec.kubernetes selects the nodes, and the cluster's autoscaler (Cluster Autoscaler, Karpenter) adds and removes them" });
  }
  if (spec.managedInstancesProvider !== undefined) {
    out.push({ field: "spec.managedInstancesProvider", reason: "ECS Managed Instances settings are not used: spec.kubernetes selects the nodes" });
  }
  for (const field of findUnknownFields(spec, CapacityProviderSpec, "spec")) out.push({ field, reason: "not a CreateCapacityProvider field this version of the operator knows; ignored" });
  return out;
}

export function clusterAcceptedUnusedFields(spec: EcsCluster["spec"]): AcceptedUnusedField[] {
  const out: AcceptedUnusedField[] = [];
  if (spec.configuration?.executeCommandConfiguration !== undefined) {
    out.push({ field: "spec.configuration.executeCommandConfiguration", reason: "ECS Exec is not used (kubectl exec works); its key and log destinations have no counterpart" });
  }
  if (spec.configuration?.managedStorageConfiguration !== undefined) {
    out.push({ field: "spec.configuration.managedStorageConfiguration", reason: "storage encryption keys are the storage classes' and the nodes', not the cluster's" });
  }
  for (const field of findUnknownFields(spec, ClusterSpec, "spec")) out.push({ field, reason: "not a CreateCluster field this version of the operator knows; ignored" });
  return out;
}

/** The Supported condition of `unsupported`: True when empty, else False naming each field and why. */
export function setSupportedCondition(conditions: Condition[], unsupported: readonly AcceptedUnusedField[], generation: number | undefined, now: Date): Condition[] {
  const gen = generation === undefined ? {} : { observedGeneration: generation };
  return setCondition(
    conditions,
    unsupported.length === 0
      ? { type: ConditionType.Supported, status: "True", reason: ConditionReason.AllFieldsSupported, message: "every field present is mapped to Kubernetes", ...gen }
      : { type: ConditionType.Supported, status: "False", reason: ConditionReason.UnsupportedFields, message: `accepted but not mapped to Kubernetes: ${unsupported.map((u) => `${u.field} (${u.reason})`).join("; ")}`, ...gen },
    now,
  );
}
