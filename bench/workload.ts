// What the bench creates, as pure functions: per service i an ECS TaskDefinition and Service, and a plain Deployment
// whose pod spec is the one the operator renders from the same TaskDefinition (so both sides run identical pods),
// with the rolling update ECS's default deployment configuration gives (maximumPercent 200, minimumHealthyPercent
// 100: surge by the whole count, none unavailable). Also the kwok nodes a run needs.
import { API_GROUP_VERSION } from "../src/api/common.ts";
import { renderTaskDefinition } from "../src/cli/render.ts";
import type { Manifest } from "../src/cli/convert.ts";
import { buildNode } from "../test/controlplane/nodes.ts";
import type { KubeObject } from "../src/runtime/resources.ts";

export const IMAGES = ["registry.example.com/bench/app:1", "registry.example.com/bench/app:2"] as const;
/** Label of the nodes a bench adds, so that they are found and removed even after an interrupted run. */
export const BENCH_NODE_LABEL = "bench.ecs-operator.dev/node";
/** Pods a bench node takes (kwok nodes cost the scheduler per node, so few large ones). */
export const BENCH_NODE_PODS = 1000;

export const serviceName = (i: number): string => `svc-${String(i).padStart(5, "0")}`;

function container(image: string): Record<string, unknown> {
  // memoryReservation gives every pod a request, as real services have; no cpu, so CPU never limits the pod count.
  // A health check, as real services have: without one ECS (and the operator) counts a new task toward minimum healthy
  // only 40 s after it runs, and the rollouts would measure that wait instead of the operator (both sides get the
  // same probes from the rendered pod spec; kwok runs none).
  return { name: "app", image, memoryReservation: 64, portMappings: [{ containerPort: 8080, name: "http" }], healthCheck: { command: ["CMD-SHELL", "true"], interval: 10, timeout: 5, retries: 3 } };
}

export function taskDefinition(ns: string, name: string, image: string): Manifest {
  return { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name, namespace: ns }, spec: { family: name, containerDefinitions: [container(image)] } };
}

/** The spec change that makes a new revision: a new image. */
export const newRevisionPatch = (image: string): Record<string, unknown> => ({ spec: { containerDefinitions: [container(image)] } });

export function ecsService(ns: string, name: string, tasks: number): Manifest {
  return { apiVersion: API_GROUP_VERSION, kind: "Service", metadata: { name, namespace: ns }, spec: { taskDefinition: name, desiredCount: tasks } };
}

export const ecsCluster = (ns: string): KubeObject & Record<string, unknown> => ({ apiVersion: API_GROUP_VERSION, kind: "Cluster", metadata: { name: "default", namespace: ns }, spec: {} });

/** The pod spec of revision 1 of the TaskDefinition, as the operator renders it. */
export function renderedPodSpec(ns: string, name: string, image: string): Record<string, unknown> {
  const rendered = renderTaskDefinition(taskDefinition(ns, name, image), "bench", { namespace: ns, revision: 1 });
  const template = rendered.objects[0] as { template?: { spec?: Record<string, unknown> } } | undefined;
  if (template?.template?.spec === undefined) throw new Error(`bench: TaskDefinition ${name} rendered no pod template`);
  return template.template.spec;
}

export function plainDeployment(ns: string, name: string, tasks: number, podSpec: Record<string, unknown>): KubeObject & Record<string, unknown> {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: tasks,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: tasks, maxUnavailable: 0 } },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}

/** The merge patch that rolls a plain Deployment to `image` (containers is replaced whole, so it is sent whole). */
export function newImagePatch(podSpec: Record<string, unknown>, image: string): Record<string, unknown> {
  const containers = (podSpec.containers as Record<string, unknown>[]).map((c) => ({ ...c, image }));
  return { spec: { template: { spec: { containers } } } };
}

/**
 * Nodes to add so that `pods` more pods fit: at the peak both sides' tasks run and one side surges by its whole
 * count. `free` is the room the cluster's untainted nodes already have.
 */
export function nodesNeeded(services: number, tasks: number, free: number): number {
  const peak = 3 * services * tasks;
  return Math.max(0, Math.ceil((peak - free) / BENCH_NODE_PODS));
}

/** A kwok node for the bench: untainted, large, labelled so that it can be found and removed. */
export function benchNode(index: number): KubeObject & Record<string, unknown> {
  const name = `bench-${index}`;
  const node = buildNode({ name, pool: "on-demand", zone: "us-east-1a", instanceType: "m5.24xlarge", arch: "amd64", cpu: "1000", memory: "4000Gi", pods: BENCH_NODE_PODS }) as unknown as KubeObject & { status: { addresses: { type: string; address: string }[] } };
  node.metadata = { ...node.metadata, labels: { ...node.metadata?.labels, [BENCH_NODE_LABEL]: "true" } };
  node.status.addresses = [{ type: "InternalIP", address: `10.241.${Math.floor(index / 250)}.${(index % 250) + 1}` }, { type: "Hostname", address: name }];
  return node as unknown as KubeObject & Record<string, unknown>;
}
