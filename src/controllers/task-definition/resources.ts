// The objects the TaskDefinition controller reads and writes, as they come from the informer caches.
import { FAMILY_ANNOTATION, SPEC_HASH_LABEL } from "../../api/keys.ts";
import { API_GROUP_VERSION, type TaskDefinitionSpec, type TaskDefinitionStatus } from "../../api/index.ts";
import { controllerOf, resource, type KubeObject } from "../../runtime/resources.ts";
import { type RevisionRecord } from "../../builders/task-definition/revision.ts";

export const TaskDefinitions = resource(API_GROUP_VERSION, "TaskDefinition", "taskdefinitions");

/** A TaskDefinition as cached (plain JSON: timestamps are strings). */
export type TaskDefinitionObject = KubeObject & { spec: TaskDefinitionSpec; status?: TaskDefinitionStatus };

/** A ControllerRevision as cached. */
export type ControllerRevisionObject = KubeObject & { data?: unknown; revision?: number };

/** Only our revisions are cached: DaemonSets and StatefulSets write ControllerRevisions too. */
export const REVISION_SELECTOR = SPEC_HASH_LABEL;

/** The revision record of a ControllerRevision owned by a TaskDefinition, or undefined when it is not one. */
export function revisionRecord(cr: ControllerRevisionObject): (RevisionRecord & { family: string }) | undefined {
  const owner = controllerOf(cr);
  const hash = cr.metadata?.labels?.[SPEC_HASH_LABEL];
  const family = cr.metadata?.annotations?.[FAMILY_ANNOTATION];
  if (owner?.kind !== "TaskDefinition" || hash === undefined || family === undefined || typeof cr.revision !== "number") return undefined;
  return {
    revision: cr.revision,
    hash,
    name: cr.metadata?.name ?? "",
    family,
    ...(cr.metadata?.creationTimestamp === undefined ? {} : { registeredAt: cr.metadata.creationTimestamp }),
  };
}
