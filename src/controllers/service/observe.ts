// What one pass of the Service controller reads, gathered from the informer caches (no API call): the service, what
// it names (Cluster, CapacityProviders, task definition revisions, nodes), what it controls and its pods. The plan
// decides from this alone.
import type { WrittenStatuses } from "../../runtime/status.ts";
import type { ServiceStatus } from "../../api/service.ts";
import { nameLabelValue } from "../../builders/pod/labels.ts";
import type { Informer } from "../../runtime/informer.ts";
import type { KubeClient } from "../../runtime/kube-client.ts";
import { ApiRequestError } from "../../runtime/api-request.ts";
import { controllerOf, type KubeObject } from "../../runtime/resources.ts";
import type { CapacityContext } from "../capacity-context.ts";
import type { ServiceObject } from "../ecs-resources.ts";
import type { ResolveResult, TaskDefinitionResolver } from "../task-definition/resolver.ts";
import type { ObservedService, ServiceMemory, ServicePlan } from "./plan.ts";
import { NAMESPACE_INDEX, OWNER_UID_INDEX, POD_SERVICE_INDEX, type DaemonSetObject, type DeploymentObject, type PodObject } from "./resources.ts";

export interface ServiceCaches {
  readonly services: Informer<ServiceObject>;
  readonly deployments: Informer<DeploymentObject>;
  readonly daemonSets: Informer<DaemonSetObject>;
  readonly pods: Informer<PodObject>;
  /** Services, Ingresses, HPAs and PDBs with the service label. */
  readonly children: readonly Informer<KubeObject>[];
  /** Every ServiceAccount (indexed by namespace). */
  readonly serviceAccounts: Informer<KubeObject>;
  readonly capacity: CapacityContext;
  readonly resolver: Pick<TaskDefinitionResolver, "resolveTaskDefinition">;
}

/**
 * The observation of `key`, or undefined when the service is gone. `others` starts empty: the plan asks for names.
 * The service carries the status this process last wrote when the cache has not caught up with it yet.
 */
export function observeService(key: string, caches: ServiceCaches, memory: ServiceMemory, written: WrittenStatuses<ServiceStatus>): ObservedService | undefined {
  const cached = caches.services.get(key);
  if (cached === undefined) return undefined;
  const service = written.latest(cached);
  const namespace = service.metadata.namespace ?? "";
  const uid = service.metadata.uid ?? "";
  const taskDefinitions: Record<string, ResolveResult> = {};
  for (const ref of [service.spec.taskDefinition ?? "", ...(service.status?.deployments ?? []).map((d) => d.taskDefinition)]) {
    if (ref !== undefined && !(ref in taskDefinitions)) taskDefinitions[ref] = caches.resolver.resolveTaskDefinition(ref, namespace);
  }
  const controlled = (o: KubeObject): boolean => controllerOf(o)?.uid === uid;
  const children = [caches.deployments, caches.daemonSets, ...caches.children].flatMap((i) => (i as Informer<KubeObject>).byIndex(OWNER_UID_INDEX, uid).filter(controlled));
  return {
    service,
    cluster: caches.capacity.cluster(namespace, service.spec.cluster),
    capacityProviders: caches.capacity.capacityProviders.list(),
    taskDefinitions,
    children,
    pods: caches.pods.byIndex(POD_SERVICE_INDEX, `${namespace}/${nameLabelValue(service.metadata.name ?? "")}`).filter((p) => podIsOurs(p, uid, caches)),
    nodes: caches.capacity.nodeList(),
    serviceAccounts: caches.serviceAccounts.byIndex(NAMESPACE_INDEX, namespace),
    others: {},
    memory,
  };
}

/**
 * The objects of the names a plan asked about: from the caches where they hold them, else from the API server (the
 * caches hold only objects with our labels, and a foreign object of the same name must still be seen).
 */
export async function lookUp(lookups: ServicePlan["lookups"], caches: ServiceCaches, client: KubeClient): Promise<Record<string, KubeObject | null>> {
  const informers = [caches.deployments, caches.daemonSets, ...caches.children] as Informer<KubeObject>[];
  const out: Record<string, KubeObject | null> = {};
  for (const l of lookups) {
    const cached = informers.find((i) => i.resource.kind === l.resource.kind)?.get(`${l.namespace}/${l.name}`);
    out[`${l.resource.kind}/${l.name}`] = cached ?? (await client.get<KubeObject>(l.resource, l.name, l.namespace)) ?? null;
  }
  return out;
}

/** Pods of a ReplicaSet or DaemonSet of this service: the service label alone could be copied by anyone. */
function podIsOurs(pod: PodObject, uid: string, caches: ServiceCaches): boolean {
  const ref = controllerOf(pod);
  if (ref === undefined) return false;
  if (ref.kind === "DaemonSet") return caches.daemonSets.get(`${pod.metadata?.namespace ?? ""}/${ref.name}`)?.metadata?.ownerReferences?.some((r) => r.uid === uid) ?? false;
  // ReplicaSets are not cached; their names are `<deployment>-<hash>`.
  if (ref.kind !== "ReplicaSet") return false;
  const dep = ref.name.slice(0, ref.name.lastIndexOf("-"));
  const d = caches.deployments.get(`${pod.metadata?.namespace ?? ""}/${dep}`);
  // A Deployment already deleted (obsolete, or the service draining) leaves pods that are still ours to count.
  return d === undefined ? true : controllerOf(d)?.uid === uid;
}

/**
 * Whether the cluster serves the Gateway API's HTTPRoute (its CRDs may be absent): asked through discovery, at most
 * once per `ttlMs`, and only for services that name a Gateway. Without it such a service shifts traffic through the
 * Service selector, and its Supported condition says why.
 */
export class GatewayApiProbe {
  private known: { readonly at: number; readonly available: boolean } | undefined;
  private readonly ttlMs: number;

  constructor(ttlMs = 30_000) {
    this.ttlMs = ttlMs;
  }

  async available(client: Pick<KubeClient, "request">, now: Date): Promise<boolean> {
    if (this.known !== undefined && now.getTime() - this.known.at < this.ttlMs) return this.known.available;
    let available: boolean;
    try {
      const list = await client.request<{ resources?: { name?: string }[] }>({ method: "GET", path: "/apis/gateway.networking.k8s.io/v1" });
      available = (list.resources ?? []).some((r) => r.name === "httproutes");
    } catch (err) {
      if (!(err instanceof ApiRequestError) || err.code !== 404) throw err;
      available = false;
    }
    this.known = { at: now.getTime(), available };
    return available;
  }
}
