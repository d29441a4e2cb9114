// The shapes of the pods and nodes the Cluster and CapacityProvider controllers read (the pods come from the shared
// cache of ../operator-pods.ts). Their pod watches pass only lifecycle changes (podLifecycleChanged), so pod status
// noise does not wake the controllers.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { KubeObject, Wire } from "../../runtime/resources.ts";

export type TaskPodObject = KubeObject & Pick<Wire<V1Pod>, "metadata" | "spec" | "status">;
export type NodeLike = KubeObject & Pick<Wire<V1Node>, "metadata" | "spec" | "status">;
