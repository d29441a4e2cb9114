// The roll-up write throttle (once per minimum interval under churn, the last change never lost, nothing on
// resync) and planCapacityProviderStatus. planCluster is in cluster-plan.test.ts.
import { describe, expect, it } from "vitest";
import { planCapacityProviderStatus } from "../../../src/controllers/capacity-provider/controller.ts";
import { statusWriteDecision, type StatusWriteDecision } from "../../../src/controllers/capacity-provider/status-throttle.ts";
import type { TaskPodObject } from "../../../src/controllers/capacity-provider/task-pods.ts";
import type { CapacityProviderObject } from "../../../src/controllers/ecs-resources.ts";
import { aTaskPod, NODES } from "./roll-up-fixtures.ts";

const T0 = new Date("2026-11-22T01:00:00Z");
const ms = (n: number): number => T0.getTime() + n;
const OLD = { nodeCount: 1 };
const NEW = { nodeCount: 2 };

describe("statusWriteDecision", () => {
  it.each<[string, { cached: unknown; computed: unknown; lastWriteMs: number | undefined; nowMs: number }, StatusWriteDecision]>([
    ["unchanged (a resync): no write, no requeue", { cached: NEW, computed: NEW, lastWriteMs: undefined, nowMs: ms(0) }, { write: false, changed: false }],
    ["unchanged right after a write: still nothing", { cached: NEW, computed: NEW, lastWriteMs: ms(0), nowMs: ms(100) }, { write: false, changed: false }],
    ["undefined fields do not count as a change", { cached: { nodeCount: 2 }, computed: { nodeCount: 2, spot: undefined }, lastWriteMs: undefined, nowMs: ms(0) }, { write: false, changed: false }],
    ["changed, never written by this process: write now", { cached: OLD, computed: NEW, lastWriteMs: undefined, nowMs: ms(0) }, { write: true, changed: true }],
    ["changed, last write 2 s ago: write now", { cached: OLD, computed: NEW, lastWriteMs: ms(0), nowMs: ms(2000) }, { write: true, changed: true }],
    ["changed 500 ms after a write: wait the remaining 1.5 s, then write", { cached: OLD, computed: NEW, lastWriteMs: ms(0), nowMs: ms(500) }, { write: false, changed: true, requeueAfterMs: 1500 }],
    ["a clock that went back: write rather than wait for ever", { cached: OLD, computed: NEW, lastWriteMs: ms(10_000), nowMs: ms(0) }, { write: true, changed: true }],
  ])("%s", (_name, input, want) => {
    expect(statusWriteDecision({ ...input, minIntervalMs: 2000 })).toEqual(want);
  });

  it("under churn (a pod transition every 100 ms for 5 s) a roll-up is written 3 times, the last with the last change", () => {
    let cached: unknown = { v: -1 };
    let lastWriteMs: number | undefined;
    let pendingUntil: number | undefined;
    const writes: number[] = [];
    for (let t = 0; t <= 5000; t += 100) {
      const computed = { v: t };
      // A pass runs on each event and when a requested requeue is due.
      const d = statusWriteDecision({ cached, computed, lastWriteMs, nowMs: ms(t), minIntervalMs: 2000 });
      if (d.write) {
        cached = computed;
        lastWriteMs = ms(t);
        writes.push(t);
      } else if ("requeueAfterMs" in d) pendingUntil = ms(t) + d.requeueAfterMs;
    }
    // The churn ends at 5000; the requeue at 6000 writes the last value.
    const final = { v: 5000 };
    if (pendingUntil !== undefined) {
      const d = statusWriteDecision({ cached, computed: final, lastWriteMs, nowMs: pendingUntil, minIntervalMs: 2000 });
      if (d.write) {
        cached = final;
        writes.push(pendingUntil - T0.getTime());
      }
    }
    expect(writes).toEqual([0, 2000, 4000, 6000]);
    expect(cached).toEqual(final);
  });
});

const aProvider = (name: string, status?: CapacityProviderObject["status"]): CapacityProviderObject =>
  ({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "CapacityProvider", metadata: { name, generation: 1 }, spec: { spot: true }, ...(status === undefined ? {} : { status }) });

describe("planCapacityProviderStatus", () => {
  const OPTIONS = { minStatusIntervalMs: 2000 };
  const observed = (cp: CapacityProviderObject, pods: TaskPodObject[], lastWriteMs?: number) => ({ capacityProvider: cp, providers: [cp], nodes: NODES, pods, lastWriteMs });

  it("a new provider: its status is written at once", () => {
    const p = planCapacityProviderStatus(observed(aProvider("spot-pool"), []), T0, OPTIONS);
    expect(p.write).toBe(true);
    expect(p.status).toMatchObject({ nodeCount: 2, spot: true });
    expect(p.next.requeueAfterMs).toBeUndefined();
  });

  it("a resync of what was written: 0 writes", () => {
    const first = planCapacityProviderStatus(observed(aProvider("spot-pool"), []), T0, OPTIONS);
    const again = planCapacityProviderStatus(observed(aProvider("spot-pool", first.status), []), new Date(T0.getTime() + 60_000), OPTIONS);
    expect(again.write).toBe(false);
    expect(again.next.requeueAfterMs).toBeUndefined();
  });

  it("a task placed 1 s after the last write: not written yet, looked at again when the interval ends", () => {
    const first = planCapacityProviderStatus(observed(aProvider("spot-pool"), []), T0, OPTIONS);
    const busy = planCapacityProviderStatus(observed(aProvider("spot-pool", first.status), [aTaskPod("web-1", "spot-pool", "spot-a-1")], T0.getTime()), new Date(T0.getTime() + 1000), OPTIONS);
    expect(busy.write).toBe(false);
    expect(busy.status.runningTasksCount).toBe(1);
    expect(busy.next.requeueAfterMs).toBe(1000);
  });
});
