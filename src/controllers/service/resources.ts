// The objects the Service controller reads and writes, as cached, and the indexes that map pods, task definitions and
// nodes back to services.
import { DEPLOYMENT_ID_ANNOTATION, SERVICE_LABEL } from "../../api/keys.ts";
import { parseTaskDefinitionRef } from "../../builders/task-definition/ref.ts";
import type { V1DaemonSet, V1Deployment, V1Pod } from "@kubernetes/client-node";
import { nameLabelValue } from "../../builders/pod/labels.ts";
import { CONTAINERS_ANNOTATION as ANNOTATION_CONTAINERS } from "../../api/keys.ts";
import { POD_DELETION_COST_ANNOTATION } from "../../builders/service/budget.ts";
import { stripManagedFields } from "../../runtime/informer.ts";
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

/**
 * What the Service controller keeps of a pod: metadata without the large annotations (Docker labels, log
 * configuration) except the deployment id, the deletion cost and which containers are essential (the container
 * mappings cut down to that), spec.nodeName, and the status. Memory per cached pod stays small and flat.
 */
export function slimPod(pod: PodObject): PodObject {
  const stripped = stripManagedFields(pod) as PodObject;
  const meta = stripped.metadata ?? {};
  const kept: Record<string, string> = {};
  const id = meta.annotations?.[DEPLOYMENT_ID_ANNOTATION];
  if (id !== undefined) kept[DEPLOYMENT_ID_ANNOTATION] = id;
  const cost = meta.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (cost !== undefined) kept[POD_DELETION_COST_ANNOTATION] = cost;
  const containers = essentialMappings(meta.annotations?.[ANNOTATION_CONTAINERS]);
  if (containers !== undefined) kept[ANNOTATION_CONTAINERS] = containers;
  return {
    ...(stripped.apiVersion === undefined ? {} : { apiVersion: stripped.apiVersion }),
    ...(stripped.kind === undefined ? {} : { kind: stripped.kind }),
    metadata: { ...meta, annotations: kept },
    spec: { containers: [], ...(stripped.spec?.nodeName === undefined ? {} : { nodeName: stripped.spec.nodeName }) },
    ...(stripped.status === undefined ? {} : { status: stripped.status }),
  };
}

/** The container mappings cut down to what observeTask reads: each container's name, essential and role. */
function essentialMappings(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const mappings = JSON.parse(raw) as { container?: string; essential?: boolean; role?: string }[];
    return JSON.stringify(mappings.map((m) => ({ container: m.container, essential: m.essential, role: m.role })));
  } catch {
    return undefined;
  }
}
