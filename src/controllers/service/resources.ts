// The objects the Service controller reads and writes, as cached, and the indexes that map pods, task definitions and
// nodes back to services.
import { SERVICE_LABEL } from "../../api/keys.ts";
import { parseTaskDefinitionRef } from "../../builders/task-definition/ref.ts";
import type { V1DaemonSet, V1Deployment, V1Pod } from "@kubernetes/client-node";
import { nameLabelValue } from "../../builders/pod/labels.ts";
import type { KubeObject, Wire } from "../../runtime/resources.ts";
import type { ServiceObject } from "../ecs-resources.ts";

export type PodObject = KubeObject & Wire<V1Pod>;
export type DeploymentObject = KubeObject & Omit<V1Deployment, "metadata">;
export type DaemonSetObject = KubeObject & Omit<V1DaemonSet, "metadata">;

export const SERVICE_FAMILY_INDEX = "taskDefinitionFamily";
export const SERVICE_LABEL_INDEX = "serviceLabel";
export const POD_SERVICE_INDEX = "service";
export const POD_NODE_INDEX = "node";
export const OWNER_UID_INDEX = "owner";
export const NAMESPACE_INDEX = "namespace";

export const byNamespace = (o: KubeObject): string[] => [o.metadata?.namespace ?? ""];

/** "namespace/family" of the task definition a service names (nothing for a reference that does not parse). */
export function byTaskDefinitionFamily(svc: ServiceObject): string[] {
  const ref = svc.spec.taskDefinition;
  if (ref === undefined) return [];
  const parsed = parseTaskDefinitionRef(ref);
  return parsed.ok ? [`${svc.metadata.namespace ?? ""}/${parsed.ref.family}`] : [];
}

/** "namespace/<service label value>": how pods name their service. */
export const byServiceLabelValue = (svc: ServiceObject): string[] => [`${svc.metadata.namespace ?? ""}/${nameLabelValue(svc.metadata.name ?? "")}`];

export function podServiceKey(pod: KubeObject): string[] {
  const v = pod.metadata?.labels?.[SERVICE_LABEL];
  return v === undefined ? [] : [`${pod.metadata?.namespace ?? ""}/${v}`];
}

export const podNodeName = (pod: PodObject): string[] => (pod.spec?.nodeName === undefined ? [] : [pod.spec.nodeName]);
