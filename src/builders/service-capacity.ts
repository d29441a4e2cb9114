// The providers a Service runs on, from the Cluster and the CapacityProviders it can see: the same resolution as
// CapacityContext.resolve, but from objects passed in, so that the Service plan and `ecs-operator render` (which has
// no caches, only files) decide alike. Pure.
import { CLUSTER_DEFAULTS, clusterNameOf } from "../api/cluster.ts";
import type { LaunchType } from "../api/common.ts";
import type { CapacityProvider, EcsCluster } from "../api/objects.ts";
import { effectiveStrategy, resolveProvider, schedulingFor, type EffectiveStrategy, type ResolvedProvider, type Scheduling } from "./capacity-provider.ts";
import type { StrategyItem } from "./capacity-split.ts";

export interface ServiceCapacityInput {
  readonly namespace: string;
  /** spec.cluster (default: the Cluster named `default`). */
  readonly cluster?: string | undefined;
  readonly capacityProviderStrategy?: readonly StrategyItem[] | undefined;
  readonly launchType?: LaunchType | undefined;
}

export interface ProviderChoice {
  readonly item: StrategyItem;
  readonly provider: ResolvedProvider;
  readonly scheduling: Scheduling;
}

/** A Cluster as the resolution reads it (cached JSON or a manifest). */
export type ClusterLike = Pick<EcsCluster, "spec"> & { metadata: { name?: string | undefined; deletionTimestamp?: unknown } };

export type ServiceCapacity =
  | { readonly ok: true; readonly clusterName: string; readonly cluster?: ClusterLike; readonly strategy: EffectiveStrategy; readonly providers: ProviderChoice[] }
  | { readonly ok: false; readonly message: string };

/**
 * `cluster` is the Cluster the input names (undefined when there is none). A Cluster named in spec.cluster must
 * exist; the `default` one may be absent (no cluster defaults then). Messages name the field.
 */
export function resolveServiceCapacity(input: ServiceCapacityInput, cluster: ClusterLike | undefined, providerObjects: readonly CapacityProvider[], path = "spec"): ServiceCapacity {
  const clusterName = clusterNameOf(input.cluster);
  if (cluster === undefined && clusterName !== CLUSTER_DEFAULTS.name) {
    return { ok: false, message: `${path}.cluster: Cluster ${JSON.stringify(clusterName)} not found in namespace ${input.namespace}; create it or leave spec.cluster unset for the default` };
  }
  if (cluster?.metadata.deletionTimestamp !== undefined) return { ok: false, message: `${path}.cluster: Cluster ${JSON.stringify(clusterName)} is being deleted` };
  const clusterProviders = cluster?.spec.capacityProviders;
  const ec2Providers = (clusterProviders ?? [])
    .map((name) => resolveProvider(name, providerObjects))
    .flatMap((r) => (r.ok && r.provider.type === "EC2" ? [r.provider.name] : []));
  const strategy = effectiveStrategy({
    serviceStrategy: input.capacityProviderStrategy,
    launchType: input.launchType,
    clusterDefault: cluster?.spec.defaultCapacityProviderStrategy,
    ec2Providers,
  });
  const field = strategy.source === "clusterDefault" ? `Cluster ${clusterName} spec.defaultCapacityProviderStrategy` : strategy.source === "strategy" ? `${path}.capacityProviderStrategy` : `${path}.launchType`;
  const providers: ProviderChoice[] = [];
  for (const [i, item] of strategy.strategy.entries()) {
    const r = resolveProvider(item.capacityProvider, providerObjects, {
      field: strategy.source === "launchType" ? field : `${field}[${i}].capacityProvider`,
      ...(clusterProviders === undefined || strategy.source === "launchType" ? {} : { clusterProviders }),
    });
    if (!r.ok) return { ok: false, message: r.message };
    providers.push({ item, provider: r.provider, scheduling: schedulingFor(r.provider) });
  }
  return { ok: true, clusterName, ...(cluster === undefined ? {} : { cluster }), strategy, providers };
}
