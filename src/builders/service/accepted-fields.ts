// CreateService fields that are accepted (a real service definition must apply) but change nothing on Kubernetes, and
// fields a newer ECS API added that this operator does not know: each is named in the Service's Supported condition,
// never dropped silently (issue 13). The deployment strategy fields are reported by serviceUnsupportedFields.
import { ServiceSpec } from "../../api/service.ts";
import { findUnknownFields } from "../../api/unknown-fields.ts";

export function serviceAcceptedUnusedFields(spec: ServiceSpec): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  // ECS (CreateService availabilityZoneRebalancing): ENABLED moves running tasks to even out the zones. Here the zone
  // spread places new tasks evenly, but running tasks are not moved.
  if (spec.availabilityZoneRebalancing === "ENABLED") {
    out.push({ field: "spec.availabilityZoneRebalancing", reason: "running tasks are not moved between zones; new tasks are spread over zones when they are placed (docs/placement.md)" });
  }
  const early = spec.deploymentConfiguration?.earlySuccessCriteria;
  if (early !== undefined && early.enable !== false) {
    out.push({ field: "spec.deploymentConfiguration.earlySuccessCriteria", reason: "a deployment completes when every new task runs; it does not end early" });
  }
  if (spec.clientToken !== undefined) out.push({ field: "spec.clientToken", reason: "not needed: the Service object itself makes creation idempotent" });
  if (spec.platformVersion !== undefined) out.push({ field: "spec.platformVersion", reason: "Fargate platform versions have no counterpart; the pods run on the provider's nodes" });
  if (spec.role !== undefined) out.push({ field: "spec.role", reason: "the load balancer's IAM role has no counterpart: the Kubernetes Service routes to the pods" });
  if (spec.enableExecuteCommand !== undefined) out.push({ field: "spec.enableExecuteCommand", reason: "ECS Exec is not used; kubectl exec works whatever its value" });
  for (const field of findUnknownFields(spec, ServiceSpec, "spec")) out.push({ field, reason: "not a CreateService field this version of the operator knows; ignored" });
  return out;
}
