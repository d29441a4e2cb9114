// The PodDisruptionBudget of an ECS Service: node drains (kubectl drain, Karpenter, cluster upgrades) keep
// minimumHealthyPercent of desiredCount running, as ECS keeps it while container instances are DRAINING. Pure;
// the arithmetic is podDisruptionMinAvailable's (deployment-config.ts). docs/autoscaling.md ("Node drains").
//
// No PDB when nothing must stay up (minAvailable 0 protects nothing) and none for DAEMON services: a daemon task
// belongs to its node and cannot move to another one, so a budget could only block the drain of its node
// (kubectl drain skips DaemonSet pods anyway, and ECS stops daemon tasks last when an instance drains).
import type { V1PodDisruptionBudgetSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../../runtime/resources.ts";
import { type DeploymentPercents, podDisruptionMinAvailable, type SchedulingStrategy } from "./deployment-config.ts";
import { type ChildMetadata, childMetadata, type ServiceChildContext } from "./networking.ts";

export type PodDisruptionBudgetObject = KubeObject & { apiVersion: "policy/v1"; kind: "PodDisruptionBudget"; metadata: ChildMetadata; spec: V1PodDisruptionBudgetSpec };

export interface ServicePdbInput {
  /** metadata.name of the ECS Service: the PDB's name. */
  readonly name: string;
  /** spec.desiredCount now (after autoscaling): minAvailable is ceil(desiredCount × minimumHealthyPercent / 100). */
  readonly desiredCount: number;
  readonly schedulingStrategy: SchedulingStrategy;
  /** spec.deploymentConfiguration (maximumPercent/minimumHealthyPercent; ECS defaults when absent). */
  readonly deploymentConfiguration?: DeploymentPercents | undefined;
  /** The label selector of all the service's pods, every revision and capacity provider. */
  readonly selector: Readonly<Record<string, string>>;
  readonly child: ServiceChildContext;
}

/**
 * The PDB to apply, or undefined: the controller deletes the one it owns. The controller passes the service's
 * metadata.name, its current desiredCount, scheduling strategy and deploymentConfiguration, the selector of all its
 * pods and the children's namespace/owner/labels; it re-applies when desiredCount changes (kubectl scale, the HPA).
 *
 * unhealthyPodEvictionPolicy AlwaysAllow: pods that are not ready (crash looping, failing health checks) may be
 * evicted even when the budget is short, so a broken revision never blocks a node drain; ECS likewise replaces
 * unhealthy tasks regardless of minimumHealthyPercent.
 */
export function buildServicePdb(input: ServicePdbInput): PodDisruptionBudgetObject | undefined {
  if (input.schedulingStrategy === "DAEMON") return undefined;
  const minAvailable = podDisruptionMinAvailable(input.desiredCount, input.deploymentConfiguration, input.schedulingStrategy);
  if (minAvailable === undefined) return undefined;
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: childMetadata(input.child, input.name),
    spec: { minAvailable, selector: { matchLabels: { ...input.selector } }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
  };
}
