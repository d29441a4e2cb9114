// The objects of the six kinds as controllers read them from the API server. Cluster, Service and Task carry an
// Ecs prefix in TypeScript so they do not read like their Kubernetes namesakes (`buildDeployment(svc: EcsService)`).
import type { ObjectMeta } from "../runtime/resources.ts";
import type { CapacityProviderSpec, CapacityProviderStatus } from "./capacity-provider.ts";
import type { ClusterSpec, ClusterStatus } from "./cluster.ts";
import type { API_GROUP_VERSION } from "./common.ts";
import type { ScheduledTaskSpec, ScheduledTaskStatus } from "./scheduled-task.ts";
import type { ServiceSpec, ServiceStatus } from "./service.ts";
import type { TaskDefinitionSpec, TaskDefinitionStatus } from "./task-definition.ts";
import type { TaskSpec, TaskStatus } from "./task.ts";

interface ApiObject<K extends string, Spec, Status> {
  apiVersion: typeof API_GROUP_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

export type EcsCluster = ApiObject<"Cluster", ClusterSpec, ClusterStatus>;
export type CapacityProvider = ApiObject<"CapacityProvider", CapacityProviderSpec, CapacityProviderStatus>;
export type TaskDefinition = ApiObject<"TaskDefinition", TaskDefinitionSpec, TaskDefinitionStatus>;
export type EcsService = ApiObject<"Service", ServiceSpec, ServiceStatus>;
export type EcsTask = ApiObject<"Task", TaskSpec, TaskStatus>;
export type ScheduledTask = ApiObject<"ScheduledTask", ScheduledTaskSpec, ScheduledTaskStatus>;
