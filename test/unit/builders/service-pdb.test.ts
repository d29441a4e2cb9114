// The PodDisruptionBudget that keeps minimumHealthyPercent of desiredCount through node drains, one row per rule.
import { describe, expect, it } from "vitest";
import { buildServicePdb, type ServicePdbInput } from "../../../src/builders/service/pdb.ts";

const OWNER = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "uid-1", controller: true, blockOwnerDeletion: true };
const LABELS = { "ecs.operator.dev/service": "web", "ecs.operator.dev/cluster": "default" };
const SELECTOR = { "ecs.operator.dev/service": "web" };

const build = (more: Partial<ServicePdbInput> = {}) =>
  buildServicePdb({ name: "web", desiredCount: 4, schedulingStrategy: "REPLICA", selector: SELECTOR, child: { namespace: "shop", ownerReference: OWNER, labels: LABELS }, ...more });

describe("buildServicePdb", () => {
  it("REPLICA with the ECS defaults (minimumHealthyPercent 100) → minAvailable = desiredCount, all the service's pods, unhealthy pods evictable", () => {
    expect(build()).toEqual({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web", namespace: "shop", labels: LABELS, ownerReferences: [OWNER] },
      spec: { minAvailable: 4, selector: { matchLabels: SELECTOR }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    });
  });

  it.each<[string, Partial<ServicePdbInput>, number | undefined]>([
    ["minimumHealthyPercent 50 of 4 → 2", { deploymentConfiguration: { minimumHealthyPercent: 50 } }, 2],
    ["minimumHealthyPercent 50 of 3 → 2 (ECS rounds up)", { desiredCount: 3, deploymentConfiguration: { minimumHealthyPercent: 50 } }, 2],
    ["minimumHealthyPercent 75 of 10 → 8", { desiredCount: 10, deploymentConfiguration: { minimumHealthyPercent: 75 } }, 8],
    ["minimumHealthyPercent 1 of 1 → 1", { desiredCount: 1, deploymentConfiguration: { minimumHealthyPercent: 1 } }, 1],
    ["minimumHealthyPercent 0 → no PDB (it would protect nothing)", { deploymentConfiguration: { minimumHealthyPercent: 0 } }, undefined],
    ["desiredCount 0 → no PDB", { desiredCount: 0 }, undefined],
    ["DAEMON → no PDB, even with minimumHealthyPercent 100 (a daemon task cannot move off its node)", { schedulingStrategy: "DAEMON", deploymentConfiguration: { minimumHealthyPercent: 100 } }, undefined],
    ["DAEMON with the ECS default (0) → no PDB", { schedulingStrategy: "DAEMON" }, undefined],
    ["maximumPercent does not matter", { deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 50 } }, 2],
  ])("%s", (_name, more, minAvailable) => {
    expect(build(more)?.spec.minAvailable).toBe(minAvailable);
  });

  it("follows desiredCount: the controller re-applies it when the HPA or kubectl scale moves the count", () => {
    expect([build({ desiredCount: 2 })?.spec.minAvailable, build({ desiredCount: 9 })?.spec.minAvailable]).toEqual([2, 9]);
  });
});
