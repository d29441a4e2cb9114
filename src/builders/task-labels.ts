// The labels and annotations every pod (and pod-owning child) the controllers create carries, so that the
// Cluster roll-up, the Service and Task status, `kubectl get pods -l` and placement expressions can find
// tasks by cluster, service, task, provider and group. One module, so that writers and readers agree.
import { isAnnotationName, toLabelValue } from "./names.ts";
import { DEFAULT_TASK_GROUP_LABEL, taskGroupLabelValue } from "./query-language.ts";

/** The ECS task group (`service:web`, `family:nginx`, RunTask's group), as taskGroupLabelValue writes it. */
export const GROUP_LABEL = DEFAULT_TASK_GROUP_LABEL;
export { taskGroupLabelValue };

/** The Cluster (metadata.name) a task belongs to. */
export const CLUSTER_LABEL = "ecs.operator.dev/cluster";
/** The ECS Service (metadata.name) whose deployment runs the task. */
export const SERVICE_LABEL = "ecs.operator.dev/service";
/** The Task object (metadata.name) the pod is one of the tasks of. */
export const TASK_LABEL = "ecs.operator.dev/task";
/** The ScheduledTask (metadata.name) whose run created the task. */
export const SCHEDULED_TASK_LABEL = "ecs.operator.dev/scheduled-task";
/** The capacity provider name (as strategies use it) the pod was placed with. */
export const CAPACITY_PROVIDER_LABEL = "ecs.operator.dev/capacity-provider";
/** Set on pods of FARGATE-type providers ("FARGATE") and EC2-type ones ("EC2"). */
export const LAUNCH_TYPE_LABEL = "ecs.operator.dev/launch-type";
/** Who started the task (RunTask's startedBy; `ecs-svc/<service>` for service tasks, as ECS writes it). */
export const STARTED_BY_ANNOTATION = "ecs.operator.dev/started-by";
/** A task's tags (RunTask's, the propagated ones, the ECS-managed ones) as one JSON object, key → value. */
export const TAGS_ANNOTATION = "ecs.operator.dev/tags";
/** Each tag whose key is a valid annotation name is also an annotation with this prefix. */
export const TAG_ANNOTATION_PREFIX = "tag.ecs.operator.dev/";

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
