// The one ServiceAccount a task role (taskRoleArn) becomes, for Tasks, Services and `render` alike: owned (not
// controlled) by the TaskDefinition that registers the family, so it is garbage-collected with it, and labelled
// managed-by so that a ServiceAccount of that name the user made is recognised as theirs and left alone. Pure.
import { MANAGED_BY, MANAGED_BY_LABEL } from "../../api/keys.ts";
import type { V1ServiceAccount } from "@kubernetes/client-node";
import type { Wire } from "../../runtime/resources.ts";
import { API_GROUP_VERSION } from "../../api/index.ts";
import type { ServiceAccountSpec } from "../pod/template.ts";

/** The TaskDefinition object the ServiceAccount goes with. */
export interface TaskDefinitionOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export type TaskRoleServiceAccount = Omit<Wire<V1ServiceAccount>, "metadata"> & {
  apiVersion: "v1";
  kind: "ServiceAccount";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: TaskDefinitionOwner[] };
};

/** The owner of a TaskDefinition object's ServiceAccount; none without a uid (render's manifests: nothing to point at). */
export function taskDefinitionOwner(td: { metadata?: { name?: string | undefined; uid?: string | undefined } | undefined }): TaskDefinitionOwner | undefined {
  const uid = td.metadata?.uid ?? "";
  return uid === "" ? undefined : { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", name: td.metadata?.name ?? "", uid };
}

/**
 * The ServiceAccount of `sa` (PodTemplate.serviceAccount), owned by `owner`. Every service and task of the family
 * writes the same object, so server-side apply by any of them converges on one. Without an owner (render, which has
 * no uid to point at) it carries no owner reference.
 */
export function buildTaskRoleServiceAccount(sa: ServiceAccountSpec, owner: TaskDefinitionOwner | undefined): TaskRoleServiceAccount {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: {
      name: sa.name,
      namespace: sa.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      ...(Object.keys(sa.annotations).length === 0 ? {} : { annotations: { ...sa.annotations } }),
      ...(owner === undefined ? {} : { ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid }] }),
    },
    automountServiceAccountToken: sa.automountServiceAccountToken,
  };
}

/**
 * Whether the ServiceAccount found under that name (undefined when none) may be written: ours (managed-by) or absent.
 * A user's own ServiceAccount of that name is theirs to configure; the pods use it as it is.
 */
export function mayWriteTaskRoleServiceAccount(existing: { metadata?: { labels?: Record<string, string> | undefined } | undefined } | undefined): boolean {
  return existing === undefined || existing.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
}
