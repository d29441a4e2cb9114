// What the Service and Task controllers need to know about capacity: the Cluster a service or task belongs to,
// the CapacityProviders, and the nodes, read from shared informer caches; and the resolution of a
// strategy / launch type into providers with their pod scheduling. The decisions are the pure builders'
// (effectiveStrategy, resolveProvider, schedulingFor, through resolveCapacity); this only feeds them from the caches.
import type { V1Node } from "@kubernetes/client-node";
import { CLUSTER_DEFAULTS, clusterNameOf } from "../api/cluster.ts";
import type { LaunchType } from "../api/common.ts";
import type { CapacityProvider } from "../api/objects.ts";
import { effectiveStrategy, providerOf, resolveProvider, schedulingFor, type EffectiveStrategy, type ResolvedProvider, type Scheduling } from "../builders/capacity-provider.ts";
import type { StrategyItem } from "../builders/capacity-split.ts";
import type { Informer } from "../runtime/informer.ts";
import type { Manager } from "../runtime/manager.ts";
import { objectKey, type KubeObject } from "../runtime/resources.ts";
import { CapacityProviders, Clusters, Nodes, type CapacityProviderObject, type ClusterObject } from "./ecs-resources.ts";

export type NodeObject = KubeObject & Omit<V1Node, "metadata">;

export interface CapacityInput {
  /** spec.cluster (default: the Cluster named `default`). */
  readonly cluster?: string | undefined;
  readonly capacityProviderStrategy?: readonly StrategyItem[] | undefined;
  readonly launchType?: LaunchType | undefined;
}

export interface ProviderPlacement {
  /** The strategy item (from the service, the task, the launch type or the Cluster default). */
  readonly item: StrategyItem;
  readonly provider: ResolvedProvider;
  readonly scheduling: Scheduling;
}

export type CapacityResolution =
  | { readonly ok: true; readonly clusterName: string; readonly cluster?: ClusterObject; readonly strategy: EffectiveStrategy; readonly providers: ProviderPlacement[] }
  | { readonly ok: false; readonly message: string };

export class CapacityContext {
  readonly clusters: Informer<ClusterObject>;
  readonly capacityProviders: Informer<CapacityProviderObject>;
  readonly nodes: Informer<NodeObject>;

  /** Registers (or joins) the shared informers; `namespace` limits the Cluster cache like the controllers'. */
  constructor(mgr: Manager, namespace?: string) {
    this.clusters = mgr.informer<ClusterObject>(Clusters, namespace === undefined ? {} : { namespace });
    this.capacityProviders = mgr.informer<CapacityProviderObject>(CapacityProviders);
    this.nodes = mgr.informer(Nodes);
  }

  /** The nodes as the pure builders take them (cached JSON: timestamps are strings, which they do not read). */
  nodeList(): V1Node[] {
    return this.nodes.list() as unknown as V1Node[];
  }

  node(name: string): V1Node | undefined {
    return this.nodes.get(name) as unknown as V1Node | undefined;
  }

  cluster(namespace: string, name: string | undefined): ClusterObject | undefined {
    return this.clusters.get(objectKey({ metadata: { namespace, name: name ?? CLUSTER_DEFAULTS.name } }));
  }

  providerObjects(): CapacityProvider[] {
    return this.capacityProviders.list() as unknown as CapacityProvider[];
  }

  /**
   * The providers a service or task of `namespace` runs on, with the strategy that chose them (resolveCapacity over
   * the cached Cluster and CapacityProviders).
   */
  resolve(namespace: string, input: CapacityInput, path = "spec"): CapacityResolution {
    const clusterName = clusterNameOf(input.cluster);
    return resolveCapacity(namespace, input, this.cluster(namespace, clusterName), this.providerObjects(), path);
  }

  /** Every provider that objects define plus the built-ins they do not override (for the Cluster roll-up). */
  allProviders(): ResolvedProvider[] {
    return this.providerObjects().map(providerOf);
  }
}

/**
 * Pure: the providers a service or task of `namespace` runs on, given its Cluster (undefined when absent) and the
 * CapacityProvider objects. A Cluster named in spec.cluster must exist; the `default` Cluster may be absent (then
 * there are no cluster defaults). Messages name the field (`<path>.capacityProviderStrategy[1].capacityProvider: ...`).
 * The controllers feed it from their caches; `render` from the manifests it was given.
 */
export function resolveCapacity(namespace: string, input: CapacityInput, cluster: ClusterObject | undefined, objects: readonly CapacityProvider[], path = "spec"): CapacityResolution {
  const clusterName = clusterNameOf(input.cluster);
  if (cluster === undefined && clusterName !== CLUSTER_DEFAULTS.name) {
    return { ok: false, message: `${path}.cluster: Cluster ${JSON.stringify(clusterName)} not found in namespace ${namespace}; create it or leave spec.cluster unset for the default` };
  }
  if (cluster?.metadata.deletionTimestamp !== undefined) {
    return { ok: false, message: `${path}.cluster: Cluster ${JSON.stringify(clusterName)} is being deleted` };
  }
  const clusterProviders = cluster?.spec.capacityProviders;
  const ec2Providers = (clusterProviders ?? [])
    .map((name) => resolveProvider(name, objects))
    .flatMap((r) => (r.ok && r.provider.type === "EC2" ? [r.provider.name] : []));
  const strategy = effectiveStrategy({
    serviceStrategy: input.capacityProviderStrategy,
    launchType: input.launchType,
    clusterDefault: cluster?.spec.defaultCapacityProviderStrategy,
    ec2Providers,
  });
  const field = strategy.source === "clusterDefault" ? `Cluster ${clusterName} spec.defaultCapacityProviderStrategy` : strategy.source === "strategy" ? `${path}.capacityProviderStrategy` : `${path}.launchType`;
  const providers: ProviderPlacement[] = [];
  for (const [i, item] of strategy.strategy.entries()) {
    const r = resolveProvider(item.capacityProvider, objects, {
      field: strategy.source === "launchType" ? field : `${field}[${i}].capacityProvider`,
      ...(clusterProviders === undefined || strategy.source === "launchType" ? {} : { clusterProviders }),
    });
    if (!r.ok) return { ok: false, message: r.message };
    providers.push({ item, provider: r.provider, scheduling: schedulingFor(r.provider) });
  }
  return { ok: true, clusterName, ...(cluster === undefined ? {} : { cluster }), strategy, providers };
}
