// resolveCapacity: the one resolution of a strategy / launch type into providers that the Service and Task plans and
// render share. One row per rule, with the field its refusals name.
import { describe, expect, it } from "vitest";
import type { CapacityProvider } from "../../../src/api/objects.ts";
import { resolveCapacity, type CapacityInput, type ClusterLike } from "../../../src/builders/capacity/resolution.ts";

const provider = (name: string, type: "EC2" | "FARGATE" = "EC2"): CapacityProvider =>
  ({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "CapacityProvider", metadata: { name }, spec: { type, kubernetes: { nodeSelector: { pool: name } } } }) as unknown as CapacityProvider;
const cluster = (name: string, spec: ClusterLike["spec"], deleting = false): ClusterLike => ({ metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) }, spec });

interface Row {
  name: string;
  input: CapacityInput;
  cluster?: ClusterLike;
  providers?: CapacityProvider[];
  /** The providers chosen, in order, with where the strategy came from; or the refusal's message (a part of it). */
  want: { providers: string[]; source: string; clusterName: string } | { message: string };
}

const rows: Row[] = [
  { name: "no strategy, no launch type, no Cluster → the built-in EC2 (launch type EC2)", input: {}, want: { providers: ["EC2"], source: "launchType", clusterName: "default" } },
  { name: "launchType FARGATE → the built-in FARGATE", input: { launchType: "FARGATE" }, want: { providers: ["FARGATE"], source: "launchType", clusterName: "default" } },
  {
    name: "the spec's strategy wins over the Cluster default",
    input: { capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] },
    cluster: cluster("default", { defaultCapacityProviderStrategy: [{ capacityProvider: "pool", weight: 1 }], capacityProviders: ["pool", "FARGATE_SPOT"] }),
    providers: [provider("pool")],
    want: { providers: ["FARGATE_SPOT"], source: "strategy", clusterName: "default" },
  },
  {
    name: "no strategy → the Cluster's defaultCapacityProviderStrategy, resolved against the CapacityProvider objects",
    input: {},
    cluster: cluster("default", { defaultCapacityProviderStrategy: [{ capacityProvider: "pool", weight: 1 }], capacityProviders: ["pool"] }),
    providers: [provider("pool")],
    want: { providers: ["pool"], source: "clusterDefault", clusterName: "default" },
  },
  { name: "a Cluster named in spec.cluster must exist", input: { cluster: "prod" }, want: { message: 'spec.cluster: Cluster "prod" not found in namespace shop; create it or leave spec.cluster unset for the default' } },
  { name: "a Cluster being deleted is refused", input: {}, cluster: cluster("default", {}, true), want: { message: 'spec.cluster: Cluster "default" is being deleted' } },
  {
    name: "an unknown provider in the strategy is refused, naming its index",
    input: { capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }, { capacityProvider: "nowhere", weight: 1 }] },
    want: { message: "spec.capacityProviderStrategy[1].capacityProvider" },
  },
  {
    name: "a provider of the Cluster default that does not exist names the Cluster's field",
    input: {},
    cluster: cluster("default", { defaultCapacityProviderStrategy: [{ capacityProvider: "gone", weight: 1 }], capacityProviders: ["gone"] }),
    want: { message: "Cluster default spec.defaultCapacityProviderStrategy[0].capacityProvider" },
  },
];

describe("resolveCapacity", () => {
  it.each(rows)("$name", ({ input, cluster: c, providers = [], want }) => {
    const r = resolveCapacity("shop", input, c, providers);
    if ("message" in want) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toContain(want.message);
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect({ providers: r.providers.map((p) => p.provider.name), source: r.strategy.source, clusterName: r.clusterName }).toEqual(want);
  });

  it("a path other than spec names the fields below it (a ScheduledTask's task)", () => {
    const r = resolveCapacity("shop", { capacityProviderStrategy: [{ capacityProvider: "nowhere", weight: 1 }] }, undefined, [], "spec.task");
    expect(r.ok ? "" : r.message).toContain("spec.task.capacityProviderStrategy[0].capacityProvider");
  });
});
