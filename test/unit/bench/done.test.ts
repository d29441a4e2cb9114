import { describe, expect, it } from "vitest";
import { ecsSteady, idleWindowDelayMs, plainRolledOut } from "../../../bench/harness.ts";

const service = (status: Record<string, unknown>, generation = 1) => ({ metadata: { name: "svc-00001", generation }, status });
const steadyStatus = (revision: number) => ({
  observedGeneration: 1, runningCount: 3, pendingCount: 0,
  deployments: [{ rolloutState: "COMPLETED", taskDefinition: `svc-00001:${revision}` }],
  conditions: [{ type: "Ready", status: "True" }],
});

describe("bench: when a side is done", () => {
  it.each([
    { name: "every task running on the revision, one deployment, Ready", status: steadyStatus(2), want: true },
    { name: "still on the old revision", status: steadyStatus(1), want: false },
    { name: "two deployments (the old one draining)", status: { ...steadyStatus(2), deployments: [{ rolloutState: "IN_PROGRESS", taskDefinition: "svc-00001:2" }, { rolloutState: "COMPLETED", taskDefinition: "svc-00001:1" }] }, want: false },
    { name: "a task pending", status: { ...steadyStatus(2), pendingCount: 1 }, want: false },
    { name: "2 of 3 running", status: { ...steadyStatus(2), runningCount: 2 }, want: false },
    { name: "not Ready", status: { ...steadyStatus(2), conditions: [{ type: "Ready", status: "False" }] }, want: false },
  ])("ECS Service on revision 2: $name → $want", ({ status, want }) => {
    expect(ecsSteady(3, 2)(service(status))).toBe(want);
  });

  it("an ECS Service status of an older generation is not done", () => {
    expect(ecsSteady(3, 2)(service(steadyStatus(2), 2))).toBe(false);
  });

  const deployment = (image: string, status: Record<string, unknown>) => ({ metadata: { generation: 2 }, spec: { template: { spec: { containers: [{ image }] } } }, status: { observedGeneration: 2, ...status } });
  it.each([
    { name: "3 updated, ready, available, none old", image: "b", status: { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }, want: true },
    { name: "an old replica left (surge)", image: "b", status: { replicas: 4, updatedReplicas: 3, readyReplicas: 4, availableReplicas: 4 }, want: false },
    { name: "2 of 3 updated ready", image: "b", status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 }, want: false },
    { name: "another image", image: "a", status: { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }, want: false },
  ])("plain Deployment on image b: $name → $want", ({ image, status, want }) => {
    expect(plainRolledOut(3, "b")(deployment(image, status))).toBe(want);
  });
});

describe("bench: the idle window opens half a resync period after a resync", () => {
  it.each([
    { elapsed: 0, want: 15_000 },
    { elapsed: 10_000, want: 5_000 },
    { elapsed: 15_000, want: 0 },
    { elapsed: 16_000, want: 29_000 },
    { elapsed: 29_000, want: 16_000 },
    { elapsed: 31_000, want: 14_000 },
    { elapsed: 95_000, want: 10_000 },
  ])("$elapsed ms after the start, with a 30 s period: wait $want ms", ({ elapsed, want }) => {
    expect(idleWindowDelayMs(elapsed, 30_000)).toBe(want);
  });
});
