// The bucket label of ECS Services, when the Service controller is sharded (docs/operations.md "Sharding"). A
// Service is created without it; the replica of shard 0, which caches every Service, labels each one with its bucket,
// so that the replicas of the other shards list and watch only theirs (a label selector the API server applies)
// instead of every Service and every status write of every Service. Deleting Services are labelled too: only the
// owning shard removes their finalizer. A label a user changed is put back at the next event or resync. A Service of
// shard 0's own is labelled once its Service controller has added the finalizer (that first patch is preconditioned
// on the resourceVersion, which a label written just before would move: a conflict and a retry for nothing).
import { SERVICE_FINALIZER, SHARD_BUCKET_LABEL } from "../api/keys.ts";
import { serviceShardBucket } from "../builders/service/shard.ts";
import { Action, type Controller } from "../runtime/controller.ts";
import type { Informer } from "../runtime/informer.ts";
import { isNotFound } from "../runtime/kube-client.ts";
import type { Manager } from "../runtime/manager.ts";
import { parseKey } from "../runtime/resources.ts";
import { EcsServices, type ServiceObject } from "./ecs-resources.ts";

export const CONTROLLER_NAME = "servicebucket";

/** The label patch a Service needs, or undefined when it carries its bucket. */
export function bucketLabelPatch(svc: ServiceObject): { metadata: { labels: Record<string, string> } } | undefined {
  const want = String(serviceShardBucket(svc.metadata.namespace ?? "", svc.metadata.name ?? ""));
  return svc.metadata.labels?.[SHARD_BUCKET_LABEL] === want ? undefined : { metadata: { labels: { [SHARD_BUCKET_LABEL]: want } } };
}

/** Whether to label now: another shard's Service at once, one of this shard's once the finalizer is on (or deleting). */
export function labelNow(svc: ServiceObject, ownedHere: boolean): boolean {
  return !ownedHere || svc.metadata.deletionTimestamp !== undefined || (svc.metadata.finalizers ?? []).includes(SERVICE_FINALIZER);
}

/** Registers the labeller over `services` (every Service: shard 0's cache); `ownedHere`: the keys shard 0 reconciles. */
export function registerServiceBucketLabels(mgr: Manager, services: Informer<ServiceObject>, ownedHere: (key: string) => boolean): Controller<ServiceObject> {
  return mgr
    .controller<ServiceObject>(CONTROLLER_NAME, { workers: 2 })
    .for(services)
    .reconcile(async (key) => {
      const svc = services.get(key);
      // The finalizer's arrival is an update of this Service: it comes back then.
      const patch = svc === undefined || !labelNow(svc, ownedHere(key)) ? undefined : bucketLabelPatch(svc);
      if (patch === undefined) return Action.done();
      const { namespace, name } = parseKey(key);
      try {
        await mgr.client.patch(EcsServices, name, namespace, patch, "merge");
      } catch (err) {
        // Gone meanwhile: nothing to label.
        if (!isNotFound(err)) throw err;
      }
      return Action.done();
    });
}
