// What the Service and Task controllers need to know about capacity: the Cluster a service or task belongs to,
// the CapacityProviders, and the nodes, read from shared informer caches; and the resolution of a
// strategy / launch type into providers with their pod scheduling. The decisions are the pure builders'
// (resolveCapacity in src/builders/capacity/resolution.ts); this only feeds them from the caches.
import type { V1Node } from "@kubernetes/client-node";
import { CLUSTER_DEFAULTS, clusterNameOf } from "../api/cluster.ts";
import type { CapacityProvider } from "../api/objects.ts";
import { providerOf, type ResolvedProvider } from "../builders/capacity/provider.ts";
import { resolveCapacity, type CapacityInput, type CapacityResolution } from "../builders/capacity/resolution.ts";
import type { Informer } from "../runtime/informer.ts";
import type { Manager } from "../runtime/manager.ts";
import { objectKey, type KubeObject, type Wire } from "../runtime/resources.ts";
import { CapacityProviders, Clusters, Nodes, type CapacityProviderObject, type ClusterObject } from "./ecs-resources.ts";

export type NodeObject = KubeObject & Wire<V1Node>;

export class CapacityContext {
  readonly clusters: Informer<ClusterObject>;
  readonly capacityProviders: Informer<CapacityProviderObject>;
  readonly nodes: Informer<NodeObject>;

  /** Registers (or joins) the shared informers; `namespace` limits the Cluster cache like the controllers'. */
  constructor(mgr: Manager, namespace?: string) {
    this.clusters = mgr.informer<ClusterObject>(Clusters, namespace === undefined ? {} : { namespace });
    this.capacityProviders = mgr.informer<CapacityProviderObject>(CapacityProviders);
    this.nodes = mgr.informer<NodeObject>(Nodes);
  }

  /** The nodes as the pure builders take them (cached JSON: timestamps are strings, which they do not read). */
  nodeList(): NodeObject[] {
    return this.nodes.list();
  }

  node(name: string): NodeObject | undefined {
    return this.nodes.get(name);
  }

  cluster(namespace: string, name: string | undefined): ClusterObject | undefined {
    return this.clusters.get(objectKey({ metadata: { namespace, name: name ?? CLUSTER_DEFAULTS.name } }));
  }

  providerObjects(): CapacityProvider[] {
    return this.capacityProviders.list();
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
