// Which shard bucket an ECS Service belongs to, and the label that carries it on everything the Service controller
// makes (Deployments, DaemonSets, their pods, Services, Ingresses, HTTPRoutes, HPAs, PDBs). A replica that runs one
// shard of the Service controller lists and watches only the objects of its buckets (controllers/shards.ts), so it
// holds a share of the pods and children, not all of them. docs/operations.md "Sharding".
import { SHARD_BUCKET_LABEL } from "../../api/keys.ts";

/**
 * Buckets a Service hashes into. A shard owns the buckets whose number modulo the shard count is its index, so the
 * label of an object never depends on the shard count: changing the number of shards relabels nothing and rolls no
 * task. The most shards a deployment of the operator can have.
 */
export const SHARD_BUCKETS = 64;

/** FNV-1a (32 bit) of `<namespace>/<name>`, modulo SHARD_BUCKETS: stable across processes, versions and platforms. */
export function serviceShardBucket(namespace: string, name: string): number {
  let h = 0x811c9dc5;
  const key = `${namespace}/${name}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % SHARD_BUCKETS;
}

/** The label an object of the Service `<namespace>/<name>` carries. */
export function serviceShardLabel(namespace: string, name: string): Record<string, string> {
  return { [SHARD_BUCKET_LABEL]: String(serviceShardBucket(namespace, name)) };
}
