// Sharding the Service controller: the bucket of a Service (stable), which shard owns it (exactly one, for every
// shard count), what each replica selects, and that everything the Service plan applies carries the bucket.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SERVICE_LABEL, SHARD_BUCKET_LABEL } from "../../../src/api/keys.ts";
import { SHARD_BUCKETS, serviceShardBucket, serviceShardLabel } from "../../../src/builders/service/shard.ts";
import { bucketLabelPatch } from "../../../src/controllers/service-buckets.ts";
import { planService } from "../../../src/controllers/service/plan.ts";
import { ownsServiceKey, shardBuckets, shardOf, shardSelection, UNSHARDED } from "../../../src/controllers/shards.ts";
import type { AutoScaling } from "../../../src/api/service.ts";
import { aService, fargate, NOW, observing, spot, type ServiceFixture } from "./service-plan-fixtures.ts";

const cpuScaling: AutoScaling = { minCapacity: 2, maxCapacity: 6, targetTrackingScalingPolicies: [{ policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } }] };

describe("serviceShardBucket", () => {
  // FNV-1a of "<namespace>/<name>" modulo 64, computed apart: a bucket must never change between versions, or an
  // upgrade would move every Service's objects to other shards.
  it.each([
    ["default", "web", 59],
    ["team-a", "api", 41],
    ["bench", "svc-00042", 15],
    ["", "x", 18],
  ])("%s/%s → bucket %i", (namespace, name, bucket) => {
    expect(serviceShardBucket(namespace, name)).toBe(bucket);
    expect(serviceShardLabel(namespace, name)).toEqual({ [SHARD_BUCKET_LABEL]: String(bucket) });
  });

  it("spreads Services over every bucket", () => {
    const counts = new Array<number>(SHARD_BUCKETS).fill(0);
    for (let i = 0; i < 6400; i++) counts[serviceShardBucket("ns", `svc-${i}`)] = (counts[serviceShardBucket("ns", `svc-${i}`)] ?? 0) + 1;
    // 100 per bucket on average; a hash this even keeps every bucket within a factor of two.
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(200);
  });
});

const BUCKETS_0_OF_3 = `${SHARD_BUCKET_LABEL} in (0,3,6,9,12,15,18,21,24,27,30,33,36,39,42,45,48,51,54,57,60,63)`;
const BUCKETS_2_OF_3 = `${SHARD_BUCKET_LABEL} in (2,5,8,11,14,17,20,23,26,29,32,35,38,41,44,47,50,53,56,59,62)`;

describe("shards", () => {
  it("every bucket belongs to exactly one shard, for every shard count", () => {
    for (let count = 1; count <= SHARD_BUCKETS; count++) {
      const all = Array.from({ length: count }, (_, index) => shardBuckets({ index, count })).flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: SHARD_BUCKETS }, (_, b) => b));
    }
  });

  it("exactly one shard owns each Service", () => {
    fc.assert(fc.property(fc.string(), fc.string({ minLength: 1 }), fc.integer({ min: 1, max: SHARD_BUCKETS }), (namespace, name, count) => {
      const owners = Array.from({ length: count }, (_, index) => index).filter((index) => ownsServiceKey({ index, count }, `${namespace}/${name}`));
      expect(owners).toEqual([serviceShardBucket(namespace, name) % count]);
    }));
  });

  it.each([
    [{ index: 0, count: 1 }, "ecs.operator.dev/capacity-provider", SERVICE_LABEL, undefined, true],
    [{ index: 0, count: 3 }, `ecs.operator.dev/capacity-provider,${BUCKETS_0_OF_3}`, `${SERVICE_LABEL},${BUCKETS_0_OF_3}`, BUCKETS_0_OF_3, true],
    [{ index: 2, count: 3 }, `ecs.operator.dev/capacity-provider,${BUCKETS_2_OF_3}`, `${SERVICE_LABEL},${BUCKETS_2_OF_3}`, BUCKETS_2_OF_3, false],
  ])("shard %j: pods %s, children %s, Services %s, cluster-wide controllers %s", (shard, pods, children, services, clusterWide) => {
    const s = shardSelection(shard);
    expect(s.podSelector).toBe(pods);
    expect(s.childSelector).toBe(children);
    expect(s.serviceSelector).toBe(services);
    expect(s.runsClusterWide).toBe(clusterWide);
  });

  it("shard 0 of several reconciles only its own Services", () => {
    const s = shardSelection({ index: 0, count: 2 });
    const mine = ["a", "b", "c", "d", "e", "f"].filter((n) => serviceShardBucket("ns", n) % 2 === 0);
    const theirs = ["a", "b", "c", "d", "e", "f"].filter((n) => serviceShardBucket("ns", n) % 2 === 1);
    expect(mine.length).toBeGreaterThan(0);
    expect(theirs.length).toBeGreaterThan(0);
    for (const n of mine) expect(s.ownsService(`ns/${n}`)).toBe(true);
    for (const n of theirs) expect(s.ownsService(`ns/${n}`)).toBe(false);
  });

  it("unsharded owns everything", () => {
    expect(shardSelection(UNSHARDED).ownsService("any/thing")).toBe(true);
  });

  it.each([
    [0, 0, "--shards must be a whole number from 1 to 64, got 0"],
    [0, 65, "--shards must be a whole number from 1 to 64, got 65"],
    [3, 3, "--shard must be a whole number from 0 to 2 (--shards 3), got 3"],
    [-1, 2, "--shard must be a whole number from 0 to 1 (--shards 2), got -1"],
    [0.5, 2, "--shard must be a whole number from 0 to 1 (--shards 2), got 0.5"],
  ])("shardOf(%d, %d) is refused: %s", (index, count, message) => {
    expect(() => shardOf(index, count)).toThrow(message);
  });
});

describe("bucketLabelPatch: the label shard 0 puts on each Service", () => {
  const svc = (labels?: Record<string, string>) => ({ ...aService(), metadata: { ...aService().metadata, ...(labels === undefined ? {} : { labels }) } });
  const bucket = String(serviceShardBucket("shop", "web"));
  it.each([
    ["no labels", undefined, { metadata: { labels: { [SHARD_BUCKET_LABEL]: bucket } } }],
    ["other labels only", { team: "a" }, { metadata: { labels: { [SHARD_BUCKET_LABEL]: bucket } } }],
    ["a wrong bucket (set by hand)", { [SHARD_BUCKET_LABEL]: "99" }, { metadata: { labels: { [SHARD_BUCKET_LABEL]: bucket } } }],
    ["its bucket", { [SHARD_BUCKET_LABEL]: bucket }, undefined],
  ])("%s → %j", (_, labels, patch) => {
    expect(bucketLabelPatch(svc(labels))).toEqual(patch);
  });
});

describe("the Service plan labels what it applies with the Service's bucket", () => {
  it.each([
    ["one provider", { strategy: [fargate(1)] }],
    ["two providers, a load balancer, autoscaling", { strategy: [fargate(1), spot()], loadBalancers: [{ containerName: "app", containerPort: 80 }], autoScaling: cpuScaling }],
  ])("%s: every child and every pod template", (_, f: ServiceFixture) => {
    const svc = aService(f);
    const plan = planService(observing(svc), NOW);
    const bucket = String(serviceShardBucket(svc.metadata.namespace ?? "", svc.metadata.name ?? ""));
    const children = plan.applies.filter((a) => a.resource.kind !== "ServiceAccount");
    expect(children.length).toBeGreaterThan(1);
    for (const a of children) {
      expect([a.resource.kind, a.object.metadata?.labels?.[SHARD_BUCKET_LABEL]]).toEqual([a.resource.kind, bucket]);
      const template = (a.object as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template;
      if (a.resource.kind === "Deployment" || a.resource.kind === "DaemonSet") expect(template?.metadata?.labels?.[SHARD_BUCKET_LABEL]).toBe(bucket);
    }
  });
});
