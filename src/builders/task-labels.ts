// The values of the labels and annotations every pod (and pod-owning child) the controllers create carries, so that
// the Cluster roll-up, the Service and Task status, `kubectl get pods -l` and placement expressions can find tasks by
// cluster, service, task, provider and group. The keys are in src/api/keys.ts.
import { isAnnotationName, toLabelValue } from "./names.ts";
import { taskGroupLabelValue } from "./query-language.ts";
import { TAGS_ANNOTATION, TAG_ANNOTATION_PREFIX } from "../api/keys.ts";
// Re-exported only for src/controllers, which import it from here; they switch to src/api/keys.ts at merge.
export { CAPACITY_PROVIDER_LABEL, CLUSTER_LABEL, SCHEDULED_TASK_LABEL, SERVICE_LABEL, TASK_LABEL } from "../api/keys.ts";

export { taskGroupLabelValue };

/** One ECS tag as the API writes it. */
export interface TaskTag {
  readonly key?: string | undefined;
  readonly value?: string | undefined;
}

/**
 * The pod annotations of a task's tags, the same for Service and Task pods: all of them as one JSON object in
 * TAGS_ANNOTATION (keys sorted; a tag has one value per key, so a later tag with the same key wins) and
 * `tag.ecs.operator.dev/<key>` for each key that is a valid annotation name. Annotations, not labels: tags are
 * metadata and never select anything. No tags (or only empty keys): no annotation.
 */
export function tagAnnotations(tags: readonly TaskTag[]): Record<string, string> {
  const byKey: Record<string, string> = {};
  for (const t of tags) if (t.key !== undefined && t.key !== "") byKey[t.key] = t.value ?? "";
  const keys = Object.keys(byKey).sort();
  if (keys.length === 0) return {};
  const out: Record<string, string> = { [TAGS_ANNOTATION]: JSON.stringify(Object.fromEntries(keys.map((k) => [k, byKey[k] ?? ""]))) };
  for (const k of keys) if (isAnnotationName(k)) out[`${TAG_ANNOTATION_PREFIX}${k}`] = byKey[k] ?? "";
  return out;
}

/** The label value of a name that may not be a valid label value (ECS names allow up to 255 characters). */
export const nameLabelValue = (name: string): string => toLabelValue(name);
