// The providers a Service or a Task runs on, from its Cluster and the CapacityProviders: the one resolution that
// the Service and Task plans and `ecs-operator render` (which has only files, no caches) share, so they decide
// alike. Pure: the controllers feed it from their caches (CapacityContext.resolve), render from the manifests.
import { CLUSTER_DEFAULTS, clusterNameOf } from "../../api/cluster.ts";
import type { LaunchType } from "../../api/common.ts";
import type { CapacityProvider, EcsCluster } from "../../api/objects.ts";
import { effectiveStrategy, resolveProvider, schedulingFor, type EffectiveStrategy, type ResolvedProvider, type Scheduling } from "./provider.ts";
import type { StrategyItem } from "./split.ts";

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

/** A Cluster as the resolution reads it (cached JSON or a manifest). */
export type ClusterLike = Pick<EcsCluster, "spec"> & { metadata: { name?: string | undefined; deletionTimestamp?: unknown } };

export type CapacityResolution =
  | { readonly ok: true; readonly clusterName: string; readonly cluster?: ClusterLike; readonly strategy: EffectiveStrategy; readonly providers: ProviderPlacement[] }
  | { readonly ok: false; readonly message: string };

/**
 * The providers a service or task of `namespace` runs on, given its Cluster (undefined when absent) and the
 * CapacityProvider objects. A Cluster named in spec.cluster must exist; the `default` Cluster may be absent (then
 * there are no cluster defaults). Messages name the field (`<path>.capacityProviderStrategy[1].capacityProvider: ...`).
 */
export function resolveCapacity(namespace: string, input: CapacityInput, cluster: ClusterLike | undefined, objects: readonly CapacityProvider[], path = "spec"): CapacityResolution {
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
