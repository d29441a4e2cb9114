// The resource types of the six kinds, for informers and REST paths. The TaskDefinition controller defines its
// own next to its cache types; it is re-exported here so that every controller imports kinds from one place.
import { API_GROUP_VERSION } from "../api/common.ts";
import type { CapacityProvider, EcsCluster, EcsService, EcsTask, ScheduledTask } from "../api/objects.ts";
import { Nodes, resource, type KubeObject } from "../runtime/resources.ts";

export { TaskDefinitions } from "./task-definition/resources.ts";
export { Nodes };

export const Clusters = resource(API_GROUP_VERSION, "Cluster", "clusters");
export const CapacityProviders = resource(API_GROUP_VERSION, "CapacityProvider", "capacityproviders", false);
export const EcsServices = resource(API_GROUP_VERSION, "Service", "services");
export const EcsTasks = resource(API_GROUP_VERSION, "Task", "tasks");
export const ScheduledTasks = resource(API_GROUP_VERSION, "ScheduledTask", "scheduledtasks");

/** The kinds as cached: plain JSON (timestamps are strings), with the runtime's metadata type. */
type Cached<T extends { metadata: unknown }> = Omit<T, "metadata"> & KubeObject & { metadata: NonNullable<KubeObject["metadata"]> };
export type ClusterObject = Cached<EcsCluster>;
export type CapacityProviderObject = Cached<CapacityProvider>;
export type ServiceObject = Cached<EcsService>;
export type TaskObject = Cached<EcsTask>;
export type ScheduledTaskObject = Cached<ScheduledTask>;
