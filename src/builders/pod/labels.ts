// The values of the labels and annotations every pod (and pod-owning child) the controllers create carries, so that
// the Cluster roll-up, the Service and Task status, `kubectl get pods -l` and placement expressions can find tasks by
// cluster, service, task, provider and group. The keys are in src/api/keys.ts.
import { isAnnotationName, toLabelValue } from "../names.ts";
import { taskGroupLabelValue } from "../placement/query-language.ts";
import { TAGS_ANNOTATION, TAG_ANNOTATION_PREFIX } from "../../api/keys.ts";
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

type Layer = Readonly<Record<string, string>> | undefined;

/**
 * What the operator itself put in a pod template's labels or annotations, given the user layer it was built from:
 * every entry the user layer does not hold with the same value. buildPodTemplate writes its own keys over the
 * TaskDefinition's podLabels/podAnnotations, so an entry whose value differs from the user's is the operator's.
 */
export function operatorEntries(template: Readonly<Record<string, string>>, user: Layer): Record<string, string> {
  return Object.fromEntries(Object.entries(template).filter(([key, value]) => user?.[key] !== value));
}

/** The layers of a Service or Task pod's labels or annotations, lowest first (docs/mapping.md "Pod labels and annotations"). */
export interface PodMetadataLayers {
  /** The TaskDefinition's kubernetes.podLabels (or podAnnotations). */
  readonly taskDefinition?: Layer;
  /** The Service's or Task's kubernetes.labels (or annotations): every object made for it, pods included. */
  readonly owner?: Layer;
  /** The Service's or Task's kubernetes.podLabels (or podAnnotations). */
  readonly ownerPods?: Layer;
  /** The CapacityProvider's kubernetes.labels: Fargate profiles and admission webhooks select the pool's pods by them. */
  readonly provider?: Layer;
  /** The operator's own keys (task labels, task definition, containers, tags, docker labels ...): they always win. */
  readonly operator: Readonly<Record<string, string>>;
}

/**
 * The labels (or annotations) of a Service or Task pod, by one rule for both: a later layer wins a key over an
 * earlier one (TaskDefinition < Service/Task labels < Service/Task podLabels < CapacityProvider), and the operator's
 * keys win over every layer, so that no user value can move a pod out of its service, task, cluster or provider.
 */
export function podMetadata(layers: PodMetadataLayers): Record<string, string> {
  return { ...layers.taskDefinition, ...layers.owner, ...layers.ownerPods, ...layers.provider, ...layers.operator };
}
