// A DAEMON ECS service as a DaemonSet: one task on every node of an EC2-type capacity provider (the provider's node
// selector, tolerations and affinity, and the service's placement constraints choose the nodes). Pure. The controller
// refuses FARGATE-type providers before calling this. docs/services.md.
import { serviceShardLabel } from "./shard.ts";
import { effectivePercents, minimumHealthyTasks } from "./deployment-config.ts";
import { toLabelValue } from "../names.ts";
import { buildServicePodTemplate, serviceDeploymentName, servicePodSelector, type ServiceDeploymentInput } from "./deployment.ts";
import type { Placement } from "../placement/placement.ts";
import type { PodTemplate } from "../pod/template.ts";
import { controllerReference, type KubeObject } from "../../runtime/resources.ts";
import { CAPACITY_PROVIDER_LABEL, DEPLOYMENT_ID_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL } from "../../api/keys.ts";

/**
 * The DaemonSet's rolling update in absolute numbers, rounded as ECS rounds over the eligible nodes (one task each):
 * at most n − ceil(n × minimumHealthyPercent / 100) tasks down at once, no surge (a DAEMON service keeps maximumPercent
 * at 100; admission refuses anything else). Kubernetes' own percent rounding (maxUnavailable rounds down, with a floor
 * of 1) would differ. When the minimum leaves nothing to stop (100% of n), one task at a time is replaced: a daemon
 * task cannot start beside the old one on its node, so ECS could not proceed either (docs/services.md).
 * `eligibleNodes`: the nodes the DaemonSet schedules on (its desiredNumberScheduled; 0 before it reports).
 */
export function daemonRollingUpdate(config: ServiceDeploymentInput["service"]["spec"]["deploymentConfiguration"], eligibleNodes = 0): { maxUnavailable: number; maxSurge: number } {
  const { minimumHealthyPercent } = effectivePercents(config, "DAEMON");
  const down = eligibleNodes - minimumHealthyTasks(eligibleNodes, minimumHealthyPercent);
  return { maxUnavailable: Math.max(1, down), maxSurge: 0 };
}

export function buildServiceDaemonSet(input: Omit<ServiceDeploymentInput, "replicas"> & { readonly eligibleNodes?: number | undefined }): { daemonSet: KubeObject & { spec: Record<string, unknown> }; podTemplate: PodTemplate; placement: Placement; notes: { field: string; reason: string }[] } {
  const { service, provider } = input;
  const spec = service.spec;
  const { template, podTemplate, placement, notes } = buildServicePodTemplate(input);
  const selector = { ...servicePodSelector(service.name), [CAPACITY_PROVIDER_LABEL]: toLabelValue(provider.name) };
  const daemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: serviceDeploymentName(service.name, provider.name),
      namespace: service.namespace,
      labels: { ...(spec.kubernetes?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY, ...serviceShardLabel(service.namespace, service.name), ...selector },
      annotations: { ...(spec.kubernetes?.annotations ?? {}), [DEPLOYMENT_ID_ANNOTATION]: input.deploymentId },
      ownerReferences: [controllerReference(service)],
    },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: daemonRollingUpdate(spec.deploymentConfiguration, input.eligibleNodes) },
      ...(input.minReadySeconds === undefined || input.minReadySeconds === 0 ? {} : { minReadySeconds: input.minReadySeconds }),
      revisionHistoryLimit: 3,
      template,
    },
  };
  return { daemonSet, podTemplate, placement, notes };
}
