// A REPLICA ECS service as Kubernetes Deployments: one per capacity provider of the effective strategy, each running
// its share of desiredCount with the task definition's pod template, the provider's scheduling and the service's
// placement. Pure: the controller passes the resolved revision, provider, nodes and deployment id. docs/services.md.
import { serviceShardLabel } from "./shard.ts";
import { SpecError } from "../../api/spec-error.ts";
import { createHash } from "node:crypto";
import type { V1Container, V1Node, V1PodTemplateSpec } from "@kubernetes/client-node";
import type { ServiceSpec } from "../../api/service.ts";
import type { TaskDefinitionSpec } from "../../api/task-definition.ts";
import { type Wire, controllerReference, type KubeObject } from "../../runtime/resources.ts";
import { podTemplateCapacity, type ResolvedProvider, type Scheduling } from "../capacity/provider.ts";
import { rollingUpdate } from "./deployment-config.ts";
import { toDnsLabel, toLabelValue } from "../names.ts";
import { applyScheduling, buildPlacement, nodeLabelValues, type Placement } from "../placement/placement.ts";
import { buildPodTemplate, type PodTemplate } from "../pod/template.ts";
import { applyLaunchVolumes } from "../pod/volumes.ts";
import { checkPlacementLimits } from "../placement/limits.ts";
import { ConditionReason } from "../../api/conditions.ts";
import type { QueryCompileContext } from "../placement/query-language.ts";
import { nameLabelValue, operatorEntries, podMetadata, tagAnnotations, taskGroupLabelValue, type TaskTag } from "../pod/labels.ts";
import {
  CAPACITY_PROVIDER_LABEL,
  CLUSTER_LABEL,
  COLOR_LABEL,
  DEPLOYMENT_ID_ANNOTATION,
  DEPLOYMENT_LABEL,
  GROUP_LABEL,
  LAUNCH_TYPE_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  SERVICE_LABEL,
  STARTED_BY_ANNOTATION,
} from "../../api/keys.ts";
type TagList = readonly TaskTag[] | undefined;

/**
 * The tags a service's tasks carry, as ECS propagates them: the task definition's or the service's tags
 * (propagateTags TASK_DEFINITION / SERVICE), plus aws:ecs:clusterName and aws:ecs:serviceName with
 * enableECSManagedTags, as the annotations every task pod carries (tagAnnotations, task-labels.ts).
 */
export function propagatedTagAnnotations(
  spec: Pick<ServiceSpec, "propagateTags" | "enableECSManagedTags" | "tags">,
  taskDefinitionTags: TagList,
  names: { readonly clusterName: string; readonly serviceName: string },
): Record<string, string> {
  const source: TagList = spec.propagateTags === "SERVICE" ? spec.tags : spec.propagateTags === "TASK_DEFINITION" ? taskDefinitionTags : undefined;
  const tags: TaskTag[] = [...(source ?? [])];
  if (spec.enableECSManagedTags === true) tags.push({ key: "aws:ecs:clusterName", value: names.clusterName }, { key: "aws:ecs:serviceName", value: names.serviceName });
  return tagAnnotations(tags);
}

/**
 * The ECS deployment id of (service, revision, forceNewDeployment token): `ecs-svc/` and 19 digits, as ECS writes
 * them. Derived, not random, so a controller restart between applying the Deployments and writing the status finds
 * the same id, and rolling back to a revision returns to that revision's deployment.
 */
export function deploymentId(serviceUid: string, taskDefinition: string, forceToken = ""): string {
  const digest = createHash("sha256").update(`${serviceUid}\u0000${taskDefinition}\u0000${forceToken}`).digest();
  const n = digest.readBigUInt64BE(0) % 10n ** 19n;
  return `ecs-svc/${n.toString().padStart(19, "0")}`;
}

/** The label value of a deployment id (the digits; a label value cannot hold `/`). */
export const deploymentLabelValue = (id: string): string => toLabelValue(id.replace(/^ecs-svc\//, ""));

/**
 * `<service>-<provider>` as a DNS label short enough for the ReplicaSet and pod name suffixes; with a color (traffic-
 * shifting strategies, docs/deployments.md) `<service>-<provider>-<color>`, so blue and green run side by side.
 */
export function serviceDeploymentName(serviceName: string, provider: string, color?: string): string {
  return color === undefined ? toDnsLabel(`${serviceName}-${provider}`, 47) : `${toDnsLabel(`${serviceName}-${provider}`, 47 - color.length - 1)}-${color}`;
}

/** The labels that select every pod of the service (status.selector, the scale subresource, HPA, Service). */
export function servicePodSelector(serviceName: string): Record<string, string> {
  return { [SERVICE_LABEL]: nameLabelValue(serviceName) };
}

/** status.selector: the label selector string of servicePodSelector. */
export function serviceSelectorString(serviceName: string): string {
  return Object.entries(servicePodSelector(serviceName)).map(([k, v]) => `${k}=${v}`).join(",");
}

/** The service as the builders read it. */
export interface ServiceRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** metadata.name. */
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly spec: ServiceSpec;
}

export interface RevisionRef {
  readonly family: string;
  readonly revision: number;
  readonly spec: TaskDefinitionSpec;
}

export interface ServiceDeploymentInput {
  readonly service: ServiceRef;
  /** spec.serviceName or metadata.name. */
  readonly serviceName: string;
  readonly clusterName: string;
  readonly revision: RevisionRef;
  readonly deploymentId: string;
  readonly provider: ResolvedProvider;
  readonly scheduling: Scheduling;
  readonly replicas: number;
  /**
   * The rolling update this pass allows (service/budget.ts: the service's limits shared out over its providers), and
   * whether the Deployment waits paused for its turn. Undefined: its own share's numbers (a service of one provider).
   */
  readonly rollout?: { readonly maxSurge: number; readonly maxUnavailable: number; readonly paused: boolean } | undefined;
  /**
   * The color of the Deployment under a traffic-shifting strategy (blue or green): in its name, its selector and its
   * pods' labels, so that the two revisions' Deployments never select each other's pods. Undefined: ROLLING.
   */
  readonly color?: string | undefined;
  /** The current nodes: memberOf `=~` and wildcards are compiled against their label values. */
  readonly nodes: readonly Wire<V1Node>[];
  readonly placement?: Omit<QueryCompileContext, "nodeLabelValues"> & { readonly binpackSchedulerName?: string | null };
  /** false: the task size split into per-container limits (clusters without PodLevelResources). Default true. */
  readonly podLevelResources?: boolean | undefined;
  /** The storage class of each EBS volume type of spec.volumeConfigurations; unlisted types get the default class. */
  readonly ebsStorageClasses?: Readonly<Record<string, string>> | undefined;
  /**
   * Seconds a new task must have been running before it counts toward minimumHealthyPercent (the Deployment's and
   * DaemonSet's minReadySeconds): ECS's 40-second rule for tasks without an essential health check (plan.ts).
   */
  readonly minReadySeconds?: number | undefined;
}

export interface ServiceDeploymentResult {
  /** The apps/v1 Deployment, ready for server-side apply. */
  deployment: KubeObject & { spec: Record<string, unknown> };
  podTemplate: PodTemplate;
  placement: Placement;
  /** What the Service's own pod settings could not map (volumeConfigurations), for the Supported condition. */
  notes: { field: string; reason: string }[];
}

/**
 * The pod labels of one provider's pods (without the deployment label: the Deployment's selector cannot change), and
 * the color under a traffic-shifting strategy (the Deployment of each color keeps its color, so its selector holds).
 */
function selectorLabels(serviceMetaName: string, provider: string, color?: string): Record<string, string> {
  return { ...servicePodSelector(serviceMetaName), [CAPACITY_PROVIDER_LABEL]: toLabelValue(provider), ...(color === undefined ? {} : { [COLOR_LABEL]: color }) };
}

/**
 * The pod template of a service task on one provider: the revision's template (Fargate semantics switched on for
 * FARGATE-type providers), the task labels, the provider's scheduling and the placement. Throws SpecError
 * (placement errors with `field` below spec, e.g. spec.placementConstraints[0].expression).
 */
export function buildServicePodTemplate(input: Omit<ServiceDeploymentInput, "replicas">): { template: V1PodTemplateSpec; podTemplate: PodTemplate; placement: Placement; notes: { field: string; reason: string }[] } {
  const { service, serviceName, provider, scheduling, revision } = input;
  const spec = service.spec;
  const podTemplate = buildPodTemplate(revision.spec, {
    namespace: service.namespace,
    family: revision.family,
    revision: revision.revision,
    ...podTemplateCapacity(provider),
    ...(input.podLevelResources === undefined ? {} : { podLevelResources: input.podLevelResources }),
  });
  const base = podTemplate.template;
  const tdKnobs = revision.spec.kubernetes;
  const podLabels = podMetadata({
    taskDefinition: tdKnobs?.podLabels,
    owner: spec.kubernetes?.labels,
    ownerPods: spec.kubernetes?.podLabels,
    provider: scheduling.labels,
    operator: {
      ...operatorEntries(base.metadata.labels, tdKnobs?.podLabels),
      [CLUSTER_LABEL]: nameLabelValue(input.clusterName),
      [LAUNCH_TYPE_LABEL]: provider.type,
      [GROUP_LABEL]: taskGroupLabelValue(`service:${serviceName}`),
      [DEPLOYMENT_LABEL]: deploymentLabelValue(input.deploymentId),
      ...serviceShardLabel(service.namespace, service.name),
      ...selectorLabels(service.name, provider.name, input.color),
    },
  });
  const annotations = podMetadata({
    taskDefinition: tdKnobs?.podAnnotations,
    owner: spec.kubernetes?.annotations,
    ownerPods: spec.kubernetes?.podAnnotations,
    operator: {
      ...operatorEntries(base.metadata.annotations, tdKnobs?.podAnnotations),
      ...propagatedTagAnnotations(spec, revision.spec.tags, { clusterName: input.clusterName, serviceName }),
      [STARTED_BY_ANNOTATION]: `ecs-svc/${serviceName}`,
      [DEPLOYMENT_ID_ANNOTATION]: input.deploymentId,
    },
  });

  // Placement: the service's constraints plus the task definition's (ECS applies both), the service's strategies.
  // Spread and distinctInstance count the pods of the whole service, across providers.
  try {
    checkPlacementLimits(podTemplate.placementConstraints.length, { kind: "service", placementConstraints: spec.placementConstraints, placementStrategy: spec.placementStrategy }, [provider]);
  } catch (e) {
    throw e instanceof SpecError ? e.with({ conditionReason: ConditionReason.InvalidPlacement }) : e;
  }
  const constraints = [...(spec.placementConstraints ?? []), ...podTemplate.placementConstraints];
  let placement: Placement;
  try {
    placement = buildPlacement(constraints, spec.placementStrategy ?? defaultPlacementStrategy(spec, scheduling), {
      ...input.placement,
      podLabels: servicePodSelector(service.name),
      taskGroupLabel: GROUP_LABEL,
      nodeLabelValues: nodeLabelValues(input.nodes),
    });
  } catch (e) {
    // Constraints past the service's own come from the task definition: say so in the field.
    if (e instanceof SpecError) {
      const own = spec.placementConstraints?.length ?? 0;
      const m = /^placementConstraints\[(\d+)\](.*)$/.exec(e.field);
      if (m && Number(m[1]) >= own) throw new SpecError(`taskDefinition ${revision.family}:${revision.revision} placementConstraints[${Number(m[1]) - own}]${m[2] ?? ""}`, e.reason, e.conditionReason, e.column);
      throw e.with({ prefix: "spec." });
    }
    throw e;
  }

  const podSpec = structuredClone(base.spec);
  applyScheduling(podSpec, scheduling, placement);
  const grace = spec.healthCheckGracePeriodSeconds ?? 0;
  if (grace > 0) podSpec.containers = podSpec.containers.map((c) => withGracePeriod(c, grace));
  // ECS creates an EBS volume for each task of a service, as for a standalone task: a claim template per pod.
  const launched = applyLaunchVolumes(podSpec.volumes, podTemplate.configuredAtLaunchVolumes, spec.volumeConfigurations, input.ebsStorageClasses ?? {});
  if (launched.volumes !== undefined) podSpec.volumes = launched.volumes;
  const notes = launched.notes.map((n) => ({ field: n.slice(0, Math.max(0, n.indexOf(": "))), reason: n.slice(n.indexOf(": ") + 2) }));

  return { template: { metadata: { labels: podLabels, annotations }, spec: podSpec }, podTemplate, placement, notes };
}

/**
 * ECS, when a service gives no placementStrategy: "the task placement strategy is spread using the
 * attribute:ecs.availability-zone". So tasks are spread over zones (a ScheduleAnyway topology spread: a preference,
 * never a reason to leave a task unplaced). Not for DAEMON (one task per node) and not when the provider names its own
 * scheduler: a binpack profile there would be fought by a spread preference (docs/placement.md).
 */
export function defaultPlacementStrategy(spec: Pick<ServiceSpec, "schedulingStrategy">, scheduling: Pick<Scheduling, "schedulerName">): { type: "spread"; field: string }[] | undefined {
  if (spec.schedulingStrategy === "DAEMON" || scheduling.schedulerName !== undefined) return undefined;
  return [{ type: "spread", field: "attribute:ecs.availability-zone" }];
}

/**
 * healthCheckGracePeriodSeconds: ECS ignores failing health checks for that long after a task starts. Liveness
 * failures must not restart the container before then (initialDelaySeconds of at least the grace period). Readiness
 * is left alone: a task that is not healthy yet does not receive traffic, as behind an ECS load balancer. The circuit
 * breaker, too, counts a task that stays unready only after the grace period (service-rollout.ts).
 */
function withGracePeriod(c: V1Container, grace: number): V1Container {
  if (c.livenessProbe === undefined) return c;
  const out = structuredClone(c);
  if (out.livenessProbe !== undefined) out.livenessProbe.initialDelaySeconds = Math.max(out.livenessProbe.initialDelaySeconds ?? 0, grace);
  return out;
}

/** The Deployment of one provider's share of a REPLICA service. */
export function buildServiceDeployment(input: ServiceDeploymentInput): ServiceDeploymentResult {
  const { service, provider, replicas } = input;
  const spec = service.spec;
  const { template, podTemplate, placement, notes } = buildServicePodTemplate(input);
  // The controller passes `rollout`: the service's limits shared out over its providers' Deployments (service/budget.ts).
  const ru = input.rollout ?? rollingUpdate(replicas, spec.deploymentConfiguration);
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: serviceDeploymentName(service.name, provider.name, input.color),
      namespace: service.namespace,
      labels: {
        ...(spec.kubernetes?.labels ?? {}),
        [MANAGED_BY_LABEL]: MANAGED_BY,
        ...serviceShardLabel(service.namespace, service.name),
        ...selectorLabels(service.name, provider.name, input.color),
      },
      annotations: { ...(spec.kubernetes?.annotations ?? {}), [DEPLOYMENT_ID_ANNOTATION]: input.deploymentId },
      ownerReferences: [controllerReference(service)],
    },
    spec: {
      replicas,
      ...(input.rollout?.paused === true ? { paused: true } : {}),
      ...(input.minReadySeconds === undefined || input.minReadySeconds === 0 ? {} : { minReadySeconds: input.minReadySeconds }),
      selector: { matchLabels: selectorLabels(service.name, provider.name, input.color) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: ru.maxSurge, maxUnavailable: ru.maxUnavailable } },
      // Old ReplicaSets are how Kubernetes returns to a template quickly; the rollback itself is ours.
      revisionHistoryLimit: 3,
      template,
    },
  };
  return { deployment, podTemplate, placement, notes };
}
