// The status of a Service, as DescribeServices shows it plus kstatus conditions: a pure function of the previous
// status, the deployments bookkeeping (service-rollout.ts) and the clock. Ready=True when the PRIMARY deployment is
// COMPLETED and runningCount == desiredCount, so `kubectl wait --for=condition=Ready ecsservice/web` works.
import { ConditionReason, ConditionType } from "../../api/conditions.ts";
import { ServiceReason, type ServiceDeploymentDescription, type ServiceSpec, type ServiceStatus } from "../../api/service.ts";
import type { ShiftState } from "./traffic-shift.ts";
import { setCondition, setHealthConditions, type Condition, type Health } from "../../runtime/conditions.ts";
import { AUTO_SCALING_CONDITION, type AutoScalingCondition } from "./autoscaling.ts";
import { appendServiceEvents, ServiceMessages, type ServiceEventEntry } from "./events.ts";
import type { RolloutResult, ServiceDeploymentEntry } from "./rollout.ts";
import { effectivePercents, maximumTasks, minimumHealthyTasks } from "./deployment-config.ts";
export interface ServiceStatusInput {
  readonly previous: ServiceStatus | undefined;
  readonly generation: number | undefined;
  readonly serviceName: string;
  readonly clusterName: string;
  readonly desiredCount: number;
  readonly rollout: RolloutResult;
  /** The service's tasks that are neither running nor pending by deployment (all deployments together). */
  readonly selector: string;
  readonly launchType?: string;
  /** Service events that happened outside the rollout (spot replacements, ...), oldest first. */
  readonly extraMessages?: readonly string[];
  /** Set while the Service is being deleted. */
  readonly draining?: boolean;
  /** The scheduler's message for a task no node can take (a pod Unschedulable), if any. */
  readonly unplaceable?: string | undefined;
  /** Fields accepted but not (fully) mapped (serviceUnsupportedFields, the builders' reports): the Supported condition. */
  readonly unsupported?: readonly { readonly field: string; readonly reason: string }[];
  /** BLUE_GREEN, LINEAR, CANARY: the deployment in its stage (traffic-shift.ts), and status.serviceDeployments. */
  readonly shift?: ShiftState | undefined;
  readonly serviceDeployments?: readonly ServiceDeploymentDescription[] | undefined;
  /** The ecs.operator.dev/rollback value acted on (or recorded). */
  readonly lastRollbackRequest?: string | undefined;
  /** status.lifecycleHooks: the hook executions of the latest deployment (lifecycle-hooks.ts). */
  readonly lifecycleHooks?: ServiceStatus["lifecycleHooks"] | undefined;
  /** The AutoScaling condition (autoScalingCondition of the HPA); undefined: the service has no HPA, no condition. */
  readonly autoScaling?: AutoScalingCondition | undefined;
  readonly now: Date;
}

/**
 * The Service fields that are accepted but not (fully) mapped by the Service controller itself (the load balancing,
 * autoscaling and placement builders report their own). Listed in the Supported condition.
 */
export function serviceUnsupportedFields(spec: ServiceSpec): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  const dc = spec.deploymentConfiguration;
  const shifting = dc?.strategy !== undefined && dc.strategy !== "ROLLING";
  if (shifting && spec.schedulingStrategy === "DAEMON") out.push({ field: "spec.deploymentConfiguration.strategy", reason: `${dc.strategy ?? ""} needs a REPLICA service: a DAEMON service rolls` });
  if (!shifting && dc?.bakeTimeInMinutes !== undefined) out.push({ field: "spec.deploymentConfiguration.bakeTimeInMinutes", reason: "only BLUE_GREEN, LINEAR and CANARY bake: a ROLLING deployment stops old tasks as soon as the new ones are ready" });
  if (dc?.alarms?.enable === true) out.push({ field: "spec.deploymentConfiguration.alarms", reason: "CloudWatch alarms are not watched" });
  if ((dc?.lifecycleHooks ?? []).length > 0 && (!shifting || spec.schedulingStrategy === "DAEMON")) out.push({ field: "spec.deploymentConfiguration.lifecycleHooks", reason: "lifecycle hooks run only in BLUE_GREEN, LINEAR and CANARY deployments of a REPLICA service" });
  if (spec.schedulingStrategy !== "DAEMON") {
    // Where Kubernetes cannot hold ECS's limits exactly (docs/services.md, "Progress" and "Gap").
    const { maximumPercent, minimumHealthyPercent } = effectivePercents(dc);
    const d = spec.desiredCount ?? 1;
    if (d > 0 && maximumTasks(d, maximumPercent) <= d && minimumHealthyTasks(d, minimumHealthyPercent) >= d) {
      out.push({ field: "spec.deploymentConfiguration.maximumPercent", reason: `${maximumPercent}% with minimumHealthyPercent ${minimumHealthyPercent}% leaves no room to replace a task of ${d} (ECS could not deploy): one task above maximumPercent runs during rollouts and drains` });
    } else if (maximumPercent < 100) {
      out.push({ field: "spec.deploymentConfiguration.maximumPercent", reason: "below 100% caps the tasks under desiredCount only as far as minimumHealthyPercent lets tasks stop first" });
    }
  }
  if (spec.networkConfiguration !== undefined) out.push({ field: "spec.networkConfiguration", reason: "subnets, security groups and public IPs are not mapped: pods use the cluster network (use NetworkPolicies)" });
  if ((spec.vpcLatticeConfigurations ?? []).length > 0) out.push({ field: "spec.vpcLatticeConfigurations", reason: "VPC Lattice has no Kubernetes counterpart" });
  return out;
}

function health(input: ServiceStatusInput, primary: ServiceDeploymentEntry | undefined, running: number): Health {
  const svc = input.serviceName;
  if (input.draining === true) return { state: "progressing", reason: ServiceReason.Draining, message: `Service ${svc} is DRAINING: stopping ${running} tasks before it is deleted` };
  const shift = input.shift;
  if (shift?.status === "ROLLBACK_FAILED") {
    return { state: "stalled", reason: ServiceReason.RollbackFailed, message: `deployment ${shift.target.id} (${shift.target.taskDefinition}) failed and cannot roll back: ${shift.statusReason ?? ""}; fix the task definition or set a new spec.taskDefinition` };
  }
  if (input.rollout.steady) return { state: "ready", reason: ServiceReason.SteadyState, message: `${running} of ${input.desiredCount} tasks running; deployment ${primary?.id ?? ""} completed` };
  if (shift?.status === "ROLLBACK_IN_PROGRESS") {
    return { state: "progressing", reason: ServiceReason.RollingBack, message: `deployment ${shift.target.id} (${shift.target.taskDefinition}) rolling back to ${shift.source?.taskDefinition ?? ""}: ${shift.rollback?.reason ?? shift.statusReason ?? ""}` };
  }
  if (shift?.status === "IN_PROGRESS") {
    return {
      state: "progressing",
      reason: ServiceReason.DeploymentInProgress,
      message: `${shift.strategy} deployment ${shift.target.id} (${shift.target.taskDefinition}) in ${shift.stage}: production traffic ${shift.production}%, test traffic ${shift.test}% on the new revision${shift.statusReason === undefined ? "" : ` (${shift.statusReason})`}`,
    };
  }
  if (primary?.rolloutState === "FAILED") {
    return { state: "stalled", reason: ServiceReason.DeploymentFailed, message: `deployment ${primary.id} (${primary.taskDefinition ?? ""}) failed: ${primary.rolloutStateReason ?? ""}; fix the task definition or set a new spec.taskDefinition` };
  }
  if (primary?.rolloutStateReason?.includes("rolling back") === true && primary.rolloutState === "IN_PROGRESS") {
    return { state: "progressing", reason: ServiceReason.RollingBack, message: primary.rolloutStateReason };
  }
  if (primary?.rolloutState === "IN_PROGRESS") {
    return { state: "progressing", reason: ServiceReason.DeploymentInProgress, message: `deployment ${primary.id} (${primary.taskDefinition ?? ""}): ${primary.runningCount ?? 0} of ${input.desiredCount} tasks running` };
  }
  return { state: "progressing", reason: ServiceReason.TasksPending, message: `${running} of ${input.desiredCount} tasks running` };
}

/** The whole status; the caller writes it only when it differs from the cached one. */
export function computeServiceStatus(input: ServiceStatusInput): ServiceStatus {
  const prev = input.previous ?? {};
  const deployments = input.rollout.deployments;
  const primary = deployments.find((d) => d.status === "PRIMARY");
  const running = deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0);
  const pending = deployments.reduce((n, d) => n + (d.pendingCount ?? 0), 0);
  const h = health(input, primary, running);
  const wasReady = prev.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const messages = [...input.rollout.messages, ...(input.extraMessages ?? [])];
  if (h.state === "ready" && !wasReady) messages.push(ServiceMessages.steadyState(input.serviceName));
  if (input.draining === true && prev.status !== "DRAINING") messages.push(ServiceMessages.draining(input.serviceName));
  if (input.unplaceable !== undefined && !reportedSinceSteady(prev.events, input.serviceName)) messages.push(ServiceMessages.unableToPlace(input.serviceName, input.unplaceable));
  const events: ServiceEventEntry[] = messages.length === 0 ? (prev.events ?? []) : appendServiceEvents(prev.events, messages, input.now);
  let conditions: Condition[] = setHealthConditions(prev.conditions, h, input.generation, input.now);
  const unsupported = input.unsupported ?? [];
  const gen = input.generation === undefined ? {} : { observedGeneration: input.generation };
  conditions = setCondition(
    conditions,
    unsupported.length === 0
      ? { type: ConditionType.Supported, status: "True", reason: ConditionReason.AllFieldsSupported, message: "every field present is mapped to Kubernetes", ...gen }
      : { type: ConditionType.Supported, status: "False", reason: ConditionReason.UnsupportedFields, message: `accepted but not mapped to Kubernetes: ${unsupported.map((u) => `${u.field} (${u.reason})`).join("; ")}`, ...gen },
    input.now,
  );
  conditions = input.autoScaling === undefined
    ? conditions.filter((c) => c.type !== AUTO_SCALING_CONDITION)
    : setCondition(conditions, { type: AUTO_SCALING_CONDITION, ...input.autoScaling, ...gen }, input.now);
  return {
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    conditions,
    serviceName: input.serviceName,
    cluster: input.clusterName,
    status: input.draining === true ? "DRAINING" : "ACTIVE",
    desiredCount: input.desiredCount,
    runningCount: running,
    pendingCount: pending,
    ...(primary?.taskDefinition === undefined ? {} : { taskDefinition: primary.taskDefinition }),
    ...(input.launchType === undefined ? {} : { launchType: input.launchType }),
    deployments,
    ...(input.serviceDeployments === undefined ? (prev.serviceDeployments === undefined ? {} : { serviceDeployments: prev.serviceDeployments }) : { serviceDeployments: [...input.serviceDeployments] }),
    ...(input.lastRollbackRequest === undefined ? {} : { lastRollbackRequest: input.lastRollbackRequest }),
    ...(input.lifecycleHooks === undefined ? {} : { lifecycleHooks: input.lifecycleHooks }),
    events,
    selector: input.selector,
  };
}

/** Whether an "unable to place" event was written since the service last reached a steady state (ECS repeats it
 * only now and then; we write it once per episode, so a resync never adds one). */
function reportedSinceSteady(events: readonly ServiceEventEntry[] | undefined, service: string): boolean {
  const steadyMessage = ServiceMessages.steadyState(service);
  const prefix = `(service ${service}) was unable to place a task`;
  for (const e of events ?? []) {
    if (e.message === steadyMessage) return false;
    if (e.message?.startsWith(prefix) === true) return true;
  }
  return false;
}

/** The messages of `next.events` that `previous` did not have (to mirror them as Kubernetes Events), oldest first. */
export function newEventMessages(previous: ServiceStatus | undefined, next: ServiceStatus): string[] {
  const known = new Set((previous?.events ?? []).map((e) => e.id));
  return (next.events ?? []).filter((e) => !known.has(e.id)).map((e) => e.message ?? "").reverse();
}
