// The bucket label of ECS Services, when the Service controller is sharded (docs/operations.md "Sharding"). A
// Service is created without it; the replica of shard 0, which caches every Service for the roll-ups, labels each one
// with its bucket, so that the Service controller of each shard (shard 0's included) lists and watches only its own
// (a label selector the API server applies) instead of every Service and every status write of every Service. No
// Service controller sees a Service before it is labelled, so the label never races its first pass. Deleting
// Services are labelled too: only the owning shard removes their finalizer. A label a user changed is put back at the
// next event or resync.
import { SHARD_BUCKET_LABEL } from "../api/keys.ts";
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

/** Registers the labeller over `services` (every Service: shard 0's roll-up cache). */
export function registerServiceBucketLabels(mgr: Manager, services: Informer<ServiceObject>): Controller<ServiceObject> {
  return mgr
    .controller<ServiceObject>(CONTROLLER_NAME, { workers: 4 })
    .for(services)
    .reconcile(async (key) => {
      const svc = services.get(key);
      const patch = svc === undefined ? undefined : bucketLabelPatch(svc);
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
