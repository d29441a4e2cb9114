// The pod of one task of a Task (RunTask) or of a scheduled run: the resolved task definition revision with the
// run's overrides, on the capacity provider the strategy gave that task, with placement, the label contract of
// task-labels.ts and a deterministic name (so a controller that crashes after creating a pod never creates a
// second one). Pure: no client, no clock, no environment.
import type { V1Container, V1Node, V1Pod } from "@kubernetes/client-node";
import type { Tag } from "../../api/common.ts";
import type { TaskDefinitionSpec } from "../../api/task-definition.ts";
import { TaskSpec } from "../../api/task.ts";
import { findUnknownFields } from "../../api/unknown-fields.ts";
import { podTemplateCapacity, type ResolvedProvider, type Scheduling } from "../capacity/provider.ts";
import { toDnsSubdomain } from "../names.ts";
import { applyScheduling, buildPlacement, nodeLabelValues, type PlacementContext } from "../placement/placement.ts";
import { buildPodTemplate, type ContainerMapping, type PodTemplate, type ServiceAccountSpec } from "../pod/template.ts";
import { applyTaskOverrides } from "./overrides.ts";
import { checkPlacementLimits } from "../placement/limits.ts";
import { applyLaunchVolumes } from "../pod/volumes.ts";
import { nameLabelValue, operatorEntries, podMetadata, tagAnnotations, taskGroupLabelValue } from "../pod/labels.ts";
import {
  CAPACITY_PROVIDER_LABEL,
  CLUSTER_LABEL,
  GROUP_LABEL,
  LAUNCH_TYPE_LABEL,
  SCHEDULED_TASK_LABEL,
  STARTED_BY_ANNOTATION,
  TASK_INDEX_ANNOTATION,
  TASK_LABEL,
} from "../../api/keys.ts";
import { type Wire, controllerReference } from "../../runtime/resources.ts";

/** The RunTask input of a pod: a Task's spec, or a ScheduledTask's spec.task. */
export type RunTaskInput = Omit<TaskSpec, "desiredStatus" | "kubernetes"> & { kubernetes?: TaskSpec["kubernetes"] };

export interface TaskPodOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export interface TaskPodInput {
  /** The Task (or the object the run belongs to), the pods' controller owner. */
  readonly owner: TaskPodOwner;
  readonly namespace: string;
  readonly spec: RunTaskInput;
  /** Which task of `count`. */
  readonly index: number;
  /** The pod name (taskPodName for a Task). */
  readonly podName: string;
  readonly taskDefinition: { readonly family: string; readonly revision: number; readonly spec: TaskDefinitionSpec };
  /** metadata.name of the Cluster the task runs in. */
  readonly clusterName: string;
  readonly provider: ResolvedProvider;
  readonly scheduling: Scheduling;
  /** The current nodes, for `=~` / `!~` / wildcards in memberOf expressions. */
  readonly nodes: readonly Wire<V1Node>[];
  /** Task definition tags, propagated when spec.propagateTags is TASK_DEFINITION. */
  readonly taskDefinitionTags?: readonly Tag[];
  /** For a scheduled run (a Task the ScheduledTask created): the ScheduledTask's name, as SCHEDULED_TASK_LABEL. */
  readonly scheduledTask?: string;
  readonly placement?: Pick<PlacementContext, "binpackSchedulerName" | "attributeLabels" | "customAttributePrefix">;
  /** false: the task size split into per-container limits (clusters without PodLevelResources). Default true. */
  readonly podLevelResources?: boolean;
  /** The storage class for each EBS volume type (gp3, io2 ...) of volumeConfigurations; unlisted types get the default class. */
  readonly ebsStorageClasses?: Readonly<Record<string, string>>;
}

export interface TaskPod {
  readonly pod: V1Pod & { metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> } };
  readonly containers: ContainerMapping[];
  /** The ServiceAccount the pod uses for its task role, which must exist before the pod can be created. */
  readonly serviceAccount?: ServiceAccountSpec;
  /** What the pod template and the placement could not map (for the Task's events). */
  readonly notes: string[];
}

/** `<task>-<index>`, a DNS subdomain; a long Task name is shortened with a hash so every index stays distinct. */
export function taskPodName(taskName: string, index: number): string {
  const suffix = `-${index}`;
  return `${toDnsSubdomain(taskName, 253 - suffix.length)}${suffix}`;
}

/** The task group as ECS defaults it: `family:<family>` for RunTask. */
export function taskGroup(spec: Pick<RunTaskInput, "group">, family: string): string {
  return spec.group !== undefined && spec.group !== "" ? spec.group : `family:${family}`;
}

/**
 * ECS's container restartPolicy as Kubernetes per-container restart policy and rules (KEP-5307, feature gate
 * ContainerRestartRules; accepted by the Kubernetes 1.37 API server): restart on every exit, except the ignored exit
 * codes. restartAttemptPeriod has no counterpart (kubelet's back-off applies instead).
 */
export function containerRestart(mapping: ContainerMapping): Pick<V1Container, "restartPolicy" | "restartPolicyRules"> | undefined {
  const rp = mapping.restartPolicy;
  if (rp?.enabled !== true || mapping.role !== "container") return undefined;
  const ignored = rp.ignoredExitCodes ?? [];
  if (ignored.length === 0) return { restartPolicy: "Always" };
  return { restartPolicy: "Never", restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "NotIn", values: [...ignored] } }] };
}

/** RunTask fields accepted for compatibility that change nothing here: named, never dropped silently. */
export function acceptedUnusedNotes(spec: RunTaskInput): string[] {
  const out: string[] = [];
  if (spec.networkConfiguration !== undefined) out.push("spec.networkConfiguration: subnets, security groups and public IPs are not mapped: the pod uses the cluster network (use NetworkPolicies)");
  if (spec.platformVersion !== undefined) out.push("spec.platformVersion: Fargate platform versions have no counterpart; the pod runs on the provider's nodes");
  if (spec.enableExecuteCommand !== undefined) out.push("spec.enableExecuteCommand: ECS Exec is not used; kubectl exec works whatever its value");
  if (spec.clientToken !== undefined) out.push("spec.clientToken: not needed: the Task object itself makes the run idempotent");
  // A field a newer RunTask API added is accepted (the manifest applies) and named, as the task definition's are.
  for (const field of findUnknownFields(spec, TaskSpec, "spec")) out.push(`${field}: not a RunTask field this version of the operator knows; ignored`);
  return out;
}

/** Throws SpecError for what cannot run; the caller reports them. */
export function buildTaskPod(input: TaskPodInput): TaskPod {
  const { spec, taskDefinition: td, provider, scheduling } = input;
  const revision = applyTaskOverrides(td.spec, spec.overrides);
  const template: PodTemplate = buildPodTemplate(revision, {
    namespace: input.namespace,
    family: td.family,
    revision: td.revision,
    ...podTemplateCapacity(provider),
    workload: "task",
    ...(input.podLevelResources === undefined ? {} : { podLevelResources: input.podLevelResources }),
  });
  const podSpec = structuredClone(template.template.spec);

  // Standalone tasks run once: a container that exits stays exited, unless its ECS restartPolicy says otherwise.
  podSpec.restartPolicy = "Never";
  podSpec.containers = podSpec.containers.map((c) => {
    const mapping = template.containers.find((m) => m.container === c.name);
    const restart = mapping === undefined ? undefined : containerRestart(mapping);
    return restart === undefined ? c : Object.assign({}, c, restart);
  });

  const launched = applyLaunchVolumes(podSpec.volumes, template.configuredAtLaunchVolumes, spec.volumeConfigurations, input.ebsStorageClasses ?? {});
  if (launched.volumes !== undefined) podSpec.volumes = launched.volumes;
  const volumeNotes = launched.notes;
  const group = taskGroup(spec, td.family);
  const taskLabel = nameLabelValue(input.owner.name);
  const labels = podMetadata({
    taskDefinition: revision.kubernetes?.podLabels,
    owner: spec.kubernetes?.labels,
    ownerPods: spec.kubernetes?.podLabels,
    provider: scheduling.labels,
    operator: {
      ...operatorEntries(template.template.metadata.labels, revision.kubernetes?.podLabels),
      [CLUSTER_LABEL]: nameLabelValue(input.clusterName),
      [CAPACITY_PROVIDER_LABEL]: nameLabelValue(provider.name),
      [LAUNCH_TYPE_LABEL]: provider.type,
      [GROUP_LABEL]: taskGroupLabelValue(group),
      [TASK_LABEL]: taskLabel,
      ...(input.scheduledTask === undefined ? {} : { [SCHEDULED_TASK_LABEL]: nameLabelValue(input.scheduledTask) }),
    },
  });

  const tags = [...(spec.propagateTags === "TASK_DEFINITION" ? (input.taskDefinitionTags ?? []) : []), ...(spec.tags ?? [])];
  if (spec.enableECSManagedTags === true) tags.push({ key: "aws:ecs:clusterName", value: input.clusterName });
  const annotations = podMetadata({
    taskDefinition: revision.kubernetes?.podAnnotations,
    owner: spec.kubernetes?.annotations,
    ownerPods: spec.kubernetes?.podAnnotations,
    operator: {
      ...operatorEntries(template.template.metadata.annotations, revision.kubernetes?.podAnnotations),
      [TASK_INDEX_ANNOTATION]: String(input.index),
      ...(spec.startedBy !== undefined && spec.startedBy !== "" ? { [STARTED_BY_ANNOTATION]: spec.startedBy } : {}),
      ...tagAnnotations(tags),
    },
  });

  // Where it runs: the provider's pool, then the placement constraints of the task definition and the run.
  checkPlacementLimits(template.placementConstraints.length, { kind: "task", placementConstraints: spec.placementConstraints, placementStrategy: spec.placementStrategy }, [provider]);
  // ECS: "All tasks with the same task group name are considered as a set when performing spread placement", and
  // distinctInstance places "each task in the group" on a different instance: spread and distinctInstance count the
  // pods of the task group, across Task objects, not only this Task's.
  const ownPods = { [GROUP_LABEL]: taskGroupLabelValue(group) };
  const placement = buildPlacement([...template.placementConstraints, ...(spec.placementConstraints ?? [])], spec.placementStrategy, {
    ...input.placement,
    podLabels: ownPods,
    nodeLabelValues: nodeLabelValues(input.nodes),
  });
  applyScheduling(podSpec, scheduling, placement);

  const notes = [
    ...template.unsupported.map((u) => `${u.field}: ${u.reason}`),
    ...placement.unsupported,
    ...placement.notes,
    ...volumeNotes,
    ...acceptedUnusedNotes(spec),
  ];
  return {
    pod: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: input.podName, namespace: input.namespace, labels, annotations, ownerReferences: [controllerReference(input.owner)] },
      spec: podSpec,
    },
    containers: template.containers,
    ...(template.serviceAccount === undefined ? {} : { serviceAccount: template.serviceAccount }),
    notes,
  };
}

