// The objects the Task controller reads, as they come from the informer caches.
import type { V1Pod } from "@kubernetes/client-node";
import type { Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { ControllerRevisions, type KubeObject, type Wire } from "../../runtime/resources.ts";
import { REVISION_SELECTOR, TaskDefinitions, type ControllerRevisionObject, type TaskDefinitionObject } from "../task-definition/resources.ts";

/** A pod as cached (plain JSON: timestamps are strings, which the status builder reads as such). */
export type PodObject = KubeObject & Wire<V1Pod>;

/**
 * The TaskDefinition controller's informers (the same shared caches: same resource, namespace and selector), so that
 * a Task waiting for its task definition is looked at again when a revision registers.
 */
export function taskDefinitionInformers(mgr: Manager, namespace?: string): { taskDefinitions: Informer<TaskDefinitionObject>; revisions: Informer<ControllerRevisionObject> } {
  const ns = namespace === undefined ? {} : { namespace };
  return {
    taskDefinitions: mgr.informer<TaskDefinitionObject>(TaskDefinitions, ns),
    revisions: mgr.informer<ControllerRevisionObject>(ControllerRevisions, { ...ns, labelSelector: REVISION_SELECTOR }),
  };
}
