// Which updates of what the Service controller watches requeue a Service: what its plan reads, and nothing else
// (status roll-ups, heartbeats, HPA status, Deployment conditions' timestamps).
import { describe, expect, it } from "vitest";
import { SERVICE_WATCH_PREDICATES as when } from "../../../src/controllers/service/controller.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";

type Obj = KubeObject & { spec?: unknown; status?: unknown };
const obj = (over: Partial<Obj> = {}): Obj => ({ apiVersion: "v1", kind: "X", metadata: { name: "x", namespace: "shop", generation: 1, labels: { a: "1" } }, ...over });
const withMeta = (o: Obj, meta: Record<string, unknown>): Obj => ({ ...o, metadata: { ...o.metadata, ...meta } });

const deployment = obj({ status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2, conditions: [{ type: "Available", status: "True", lastUpdateTime: "2026-01-01T00:00:00Z" }] } });
const cluster = obj({ spec: { capacityProviders: ["FARGATE"] }, status: { runningTasksCount: 3 } });

describe("Service watch predicates", () => {
  it.each([
    ["a Deployment's availableReplicas moving passes (childrenSettled reads it)", when.workload, deployment, obj({ status: { ...(deployment.status as object), availableReplicas: 1 } }), true],
    ["a Deployment's generation moving passes", when.workload, deployment, withMeta(deployment, { generation: 2 }), true],
    ["a Deployment's condition timestamps moving do not pass", when.workload, deployment, obj({ status: { ...(deployment.status as object), conditions: [{ type: "Available", status: "True", lastUpdateTime: "2026-01-01T00:01:00Z" }] } }), false],
    ["an HPA's status moving does not pass", when.child, obj({ spec: { minReplicas: 2 }, status: { currentReplicas: 2 } }), obj({ spec: { minReplicas: 2 }, status: { currentReplicas: 3 } }), false],
    ["an HPA's status moving (replicas, metrics) does not pass its own predicate either", when.hpa, obj({ status: { currentReplicas: 2, conditions: [{ type: "ScalingActive", status: "True", reason: "ValidMetricFound", message: "a" }] } }), obj({ status: { currentReplicas: 3, conditions: [{ type: "ScalingActive", status: "True", reason: "ValidMetricFound", message: "b" }] } }), false],
    ["an HPA's ScalingActive turning False passes (the AutoScaling condition reads it)", when.hpa, obj({ status: { conditions: [{ type: "ScalingActive", status: "True", reason: "ValidMetricFound" }] } }), obj({ status: { conditions: [{ type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric" }] } }), true],
    ["an HPA's ScalingLimited reason moving to TooManyReplicas passes", when.hpa, obj({ status: { conditions: [{ type: "ScalingLimited", status: "True", reason: "TooFewReplicas" }] } }), obj({ status: { conditions: [{ type: "ScalingLimited", status: "True", reason: "TooManyReplicas" }] } }), true],
    ["an HPA's spec change passes its predicate too", when.hpa, obj({ spec: { minReplicas: 2 } }), withMeta(obj({ spec: { minReplicas: 5 } }), { generation: 2 }), true],
    ["an HPA's spec changed by someone else passes (drift is repaired)", when.child, obj({ spec: { minReplicas: 2 } }), withMeta(obj({ spec: { minReplicas: 5 } }), { generation: 2 }), true],
    ["a Kubernetes Service (no generation) whose spec changed passes", when.child, obj({ metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } }), obj({ metadata: { name: "web" }, spec: { ports: [{ port: 81 }] } }), true],
    ["a Kubernetes Service whose applied-hash annotation was removed passes", when.child, withMeta(obj(), { annotations: { "ecs.operator.dev/applied-hash": "abc" } }), obj(), true],
    ["a Cluster's status roll-up moving does not pass", when.capacity, cluster, obj({ ...cluster, status: { runningTasksCount: 4 } }), false],
    ["a Cluster's spec changing passes", when.capacity, cluster, withMeta(cluster, { generation: 2 }), true],
    ["a CapacityProvider being deleted passes", when.capacity, cluster, withMeta(cluster, { deletionTimestamp: "2026-01-01T00:00:00Z" }), true],
    ["a TaskDefinition's status moving does not pass", when.taskDefinition, obj({ status: { revisions: [1] } }), obj({ status: { revisions: [1, 2] } }), false],
    ["a TaskDefinition's generation moving passes", when.taskDefinition, obj(), withMeta(obj(), { generation: 2 }), true],
    ["a node heartbeat does not pass", when.node, obj({ status: { conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "a" }] } }), obj({ status: { conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "b" }] } }), false],
    ["a node tainted passes", when.node, obj({ spec: {} }), obj({ spec: { taints: [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }] } }), true],
    ["a pod turning Ready passes", when.pod, obj({ status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] } }), obj({ status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } }), true],
  ] as const)("%s", (_name, predicate, before, after, want) => {
    expect(predicate(before, after)).toBe(want);
  });
});
