// Sharding the Service controller across replicas (docs/operations.md "Sharding"). Every Service hashes into one of
// SHARD_BUCKETS buckets (builders/service/shard.ts) and everything the Service controller makes carries the bucket
// as a label; so does the Service itself, once the replica of shard 0 has labelled it (service-buckets.ts). With
// `count` shards, shard `index` owns the buckets b with b % count === index: its replica lists and watches only the
// Services, pods and children of those buckets (a server-side label selector) and reconciles only those keys. The
// replica of shard 0 also runs the cluster-wide controllers (Cluster, CapacityProvider, TaskDefinition, Task,
// ScheduledTask), whose roll-ups read every task pod and every Service: it caches those apart, cut down to what the
// roll-ups read (operator-pods.ts, rollupPods and rollupServices). One Lease per shard fences each.
import { CAPACITY_PROVIDER_LABEL, SERVICE_LABEL, SHARD_BUCKET_LABEL } from "../api/keys.ts";
import { SHARD_BUCKETS, serviceShardBucket } from "../builders/service/shard.ts";
import { parseKey } from "../runtime/resources.ts";

export interface Shard {
  /** 0-based: which shard this replica runs. */
  readonly index: number;
  /** How many shards there are (1: not sharded). */
  readonly count: number;
}

export const UNSHARDED: Shard = { index: 0, count: 1 };

/** A shard from its index and count, or an error naming the flag that is wrong. */
export function shardOf(index: number, count: number): Shard {
  if (!Number.isInteger(count) || count < 1 || count > SHARD_BUCKETS) throw new RangeError(`--shards must be a whole number from 1 to ${SHARD_BUCKETS}, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`--shard must be a whole number from 0 to ${count - 1} (--shards ${count}), got ${index}`);
  return { index, count };
}

/** The buckets shard `index` of `count` owns. */
export function shardBuckets(shard: Shard): number[] {
  return Array.from({ length: SHARD_BUCKETS }, (_, b) => b).filter((b) => b % shard.count === shard.index);
}

/** Whether the shard reconciles the Service `<namespace>/<name>` (always, unsharded). */
export function ownsServiceKey(shard: Shard, key: string): boolean {
  if (shard.count === 1) return true;
  const { namespace = "", name } = parseKey(key);
  return serviceShardBucket(namespace, name) % shard.count === shard.index;
}

/** What one replica lists, watches and reconciles of the Service controller's objects. */
export interface ShardSelection {
  readonly shard: Shard;
  /** The label selector of the task pods the Service controller caches (its buckets' when sharded). */
  readonly podSelector: string;
  /** The label selector of the Service controller's children (Deployments, DaemonSets, Services, ...). */
  readonly childSelector: string;
  /** The label selector of the Services the Service controller caches (undefined: all). */
  readonly serviceSelector: string | undefined;
  /** The Service keys the replica reconciles. */
  readonly ownsService: (key: string) => boolean;
  /** Whether this replica runs the cluster-wide controllers. */
  readonly runsClusterWide: boolean;
}

/** The selection of a shard; made once per process, so that every caller shares the same caches. */
export function shardSelection(shard: Shard): ShardSelection {
  const buckets = `${SHARD_BUCKET_LABEL} in (${shardBuckets(shard).join(",")})`;
  const sharded = shard.count > 1;
  const ownsService = (key: string): boolean => ownsServiceKey(shard, key);
  return {
    shard,
    podSelector: sharded ? `${CAPACITY_PROVIDER_LABEL},${buckets}` : CAPACITY_PROVIDER_LABEL,
    childSelector: sharded ? `${SERVICE_LABEL},${buckets}` : SERVICE_LABEL,
    serviceSelector: sharded ? buckets : undefined,
    ownsService,
    runsClusterWide: shard.index === 0,
  };
}
