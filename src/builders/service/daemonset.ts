// A DAEMON ECS service as a DaemonSet: one task on every node of an EC2-type capacity provider (the provider's node
// selector, tolerations and affinity, and the service's placement constraints choose the nodes). Pure. The controller
// refuses FARGATE-type providers before calling this. docs/services.md.
import { effectivePercents } from "./deployment-config.ts";
import { toLabelValue } from "../names.ts";
import { buildServicePodTemplate, serviceDeploymentName, servicePodSelector, type ServiceDeploymentInput } from "./deployment.ts";
import type { Placement } from "../placement/placement.ts";
import type { PodTemplate } from "../pod/template.ts";
import { controllerReference, type KubeObject } from "../../runtime/resources.ts";
import { CAPACITY_PROVIDER_LABEL, DEPLOYMENT_ID_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL } from "../../api/keys.ts";

/**
 * The DaemonSet's rolling update from the DAEMON percentages (defaults 0 / 100): maxUnavailable = 100 −
 * minimumHealthyPercent and maxSurge = maximumPercent − 100, as percentages of the nodes. Kubernetes refuses both at
 * zero; then one task at a time is replaced (maxUnavailable 1), the way ECS replaces daemon tasks node by node.
 */
export function daemonRollingUpdate(config: ServiceDeploymentInput["service"]["spec"]["deploymentConfiguration"]): { maxUnavailable: string | number; maxSurge: string | number } {
  const { minimumHealthyPercent, maximumPercent } = effectivePercents(config, "DAEMON");
  const unavailable = Math.max(0, 100 - minimumHealthyPercent);
  const surge = Math.max(0, maximumPercent - 100);
  if (unavailable === 0 && surge === 0) return { maxUnavailable: 1, maxSurge: 0 };
  // A surge needs maxUnavailable 0 on a DaemonSet when it is used; Kubernetes allows both set otherwise.
  return { maxUnavailable: `${unavailable}%`, maxSurge: `${surge}%` };
}

export function buildServiceDaemonSet(input: Omit<ServiceDeploymentInput, "replicas">): { daemonSet: KubeObject & { spec: Record<string, unknown> }; podTemplate: PodTemplate; placement: Placement } {
  const { service, provider } = input;
  const spec = service.spec;
  const { template, podTemplate, placement } = buildServicePodTemplate(input);
  const selector = { ...servicePodSelector(service.name), [CAPACITY_PROVIDER_LABEL]: toLabelValue(provider.name) };
  const daemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: serviceDeploymentName(service.name, provider.name),
      namespace: service.namespace,
      labels: { ...(spec.kubernetes?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY, ...selector },
      annotations: { ...(spec.kubernetes?.annotations ?? {}), [DEPLOYMENT_ID_ANNOTATION]: input.deploymentId },
      ownerReferences: [controllerReference(service)],
    },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: daemonRollingUpdate(spec.deploymentConfiguration) },
      revisionHistoryLimit: 3,
      template,
    },
  };
  return { daemonSet, podTemplate, placement };
}
