// planCluster: the Cluster's status (written at most once per minimum interval, never on resync), its finalizer
// (held while it contains tasks or services, removed when empty) and the one event per reason a deletion waits.
import { CLUSTER_FINALIZER } from "../../../src/api/keys.ts";
import { describe, expect, it } from "vitest";
import type { TaskPodObject } from "../../../src/controllers/capacity-provider/task-pods.ts";
import { planCluster } from "../../../src/controllers/cluster/controller.ts";
import type { ClusterObject } from "../../../src/controllers/ecs-resources.ts";
import { aTaskPod, NODES } from "./roll-up-fixtures.ts";

const T0 = new Date("2026-11-22T01:00:00Z");

const aCluster = (o: { deleting?: boolean; finalizer?: boolean; status?: ClusterObject["status"] } = {}): ClusterObject =>
  ({
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind: "Cluster",
    metadata: {
      name: "prod",
      namespace: "apps",
      generation: 1,
      ...(o.finalizer === false ? {} : { finalizers: [CLUSTER_FINALIZER] }),
      ...(o.deleting === true ? { deletionTimestamp: "2026-11-22T00:00:00Z" } : {}),
    },
    spec: {},
    ...(o.status === undefined ? {} : { status: o.status }),
  });

describe("planCluster", () => {
  const OPTIONS = { minStatusIntervalMs: 2000 };
  const observe = (cluster: ClusterObject, pods: TaskPodObject[] = [], lastWriteMs?: number) => ({ cluster, providers: [], nodes: NODES, pods, services: [], lastWriteMs });

  it("a Cluster: the finalizer is ensured and the status written", () => {
    const p = planCluster(observe(aCluster({ finalizer: false }), [aTaskPod("web-1", "FARGATE", "fargate-a-1")]), T0, OPTIONS);
    expect(p.finalizer).toBe("ensure");
    expect(p.write).toBe(true);
    expect(p.status).toMatchObject({ runningTasksCount: 1 });
  });

  it("being deleted while it still runs a task: it waits, one ClusterContainsTasks event with the status that says so", () => {
    const p = planCluster(observe(aCluster({ deleting: true }), [aTaskPod("web-1", "FARGATE", "fargate-a-1")]), T0, OPTIONS);
    expect(p.finalizer).toBeUndefined();
    expect(p.write).toBe(true);
    expect(p.event?.reason).toBe("ClusterContainsTasks");
    const again = planCluster(observe(aCluster({ deleting: true, status: p.status }), [aTaskPod("web-1", "FARGATE", "fargate-a-1")], T0.getTime()), new Date(T0.getTime() + 5000), OPTIONS);
    expect([again.write, again.event]).toEqual([false, undefined]);
  });

  it("being deleted and empty: the finalizer goes, no status is written", () => {
    const p = planCluster(observe(aCluster({ deleting: true })), T0, OPTIONS);
    expect([p.finalizer, p.write]).toEqual(["remove", false]);
  });

  it("a resync of what was written: 0 writes", () => {
    const first = planCluster(observe(aCluster()), T0, OPTIONS);
    const again = planCluster(observe(aCluster({ status: first.status })), new Date(T0.getTime() + 60_000), OPTIONS);
    expect([again.write, again.next.requeueAfterMs]).toEqual([false, undefined]);
  });
});
