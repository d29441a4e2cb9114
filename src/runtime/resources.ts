// The Kubernetes resource types the controllers read and write, with what a raw REST path needs.
export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** Kubernetes object metadata as it comes over the wire (plain JSON, not client-node's model classes). */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  managedFields?: unknown[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * A client-node model as the operator reads it: the informers cache plain JSON, so its Date fields hold RFC 3339
 * strings (client-node types them Date). Builders take Wire<V1Pod> and read times with timeMs, so one type serves
 * from the informer to the builder and a test writes times as the API server does, without casts.
 */
export type Wire<T> = T extends Date ? Date | string : T extends readonly (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

/** Milliseconds since the epoch of a time as read (a string from the wire or a Date); undefined when absent or invalid. */
export function timeMs(time: Date | string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = typeof time === "string" ? Date.parse(time) : time.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export const resource = (apiVersion: string, kind: string, plural: string, namespaced = true): ResourceType => ({ apiVersion, kind, plural, namespaced });

export const ConfigMaps = resource("v1", "ConfigMap", "configmaps");
export const Secrets = resource("v1", "Secret", "secrets");
export const Pods = resource("v1", "Pod", "pods");
export const Services = resource("v1", "Service", "services");
export const ServiceAccounts = resource("v1", "ServiceAccount", "serviceaccounts");
export const Nodes = resource("v1", "Node", "nodes", false);
export const Namespaces = resource("v1", "Namespace", "namespaces", false);
export const Deployments = resource("apps/v1", "Deployment", "deployments");
export const DaemonSets = resource("apps/v1", "DaemonSet", "daemonsets");
export const ControllerRevisions = resource("apps/v1", "ControllerRevision", "controllerrevisions");
export const Jobs = resource("batch/v1", "Job", "jobs");
export const CronJobs = resource("batch/v1", "CronJob", "cronjobs");
export const Ingresses = resource("networking.k8s.io/v1", "Ingress", "ingresses");
export const HorizontalPodAutoscalers = resource("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers");
export const PodDisruptionBudgets = resource("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets");
/** Gateway API (standard channel): written only for services behind a Gateway, never cached (it may not be installed). */
export const HTTPRoutes = resource("gateway.networking.k8s.io/v1", "HTTPRoute", "httproutes");
export const Leases = resource("coordination.k8s.io/v1", "Lease", "leases");
export const Events = resource("events.k8s.io/v1", "Event", "events");

/** REST path of a collection (namespace undefined: all namespaces) or, with a name, of one object. */
export function resourcePath(rt: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = rt.apiVersion.includes("/") ? `/apis/${rt.apiVersion}` : `/api/${rt.apiVersion}`;
  const ns = rt.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const obj = name === undefined ? "" : `/${encodeURIComponent(name)}`;
  const sub = subresource === undefined ? "" : `/${subresource}`;
  return `${base}${ns}/${rt.plural}${obj}${sub}`;
}

/** Cache and queue key: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ""}` : (obj.metadata?.name ?? "");
}

export function parseKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The controller owner reference of an object, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Who owns a child: enough of the owner to reference it. */
export type OwnerIdentity = Pick<OwnerReference, "apiVersion" | "kind" | "name" | "uid">;

/** A controller owner reference that blocks the owner's foreground deletion: the only kind the operator writes. */
export type ControllerReference = OwnerIdentity & { controller: true; blockOwnerDeletion: true };

/**
 * The owner reference every child the operator makes carries: controller, so that Kubernetes garbage-collects the
 * child with its owner and no other controller adopts it; blockOwnerDeletion, so that a foreground deletion of the
 * owner waits for it.
 */
export function controllerReference(owner: OwnerIdentity): ControllerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

/** controllerReference to an object as read from the API server. */
export function ownerReferenceTo(owner: KubeObject): ControllerReference {
  return controllerReference({ apiVersion: owner.apiVersion ?? "", kind: owner.kind ?? "", name: owner.metadata?.name ?? "", uid: owner.metadata?.uid ?? "" });
}
