// The one pod cache of the Service, Cluster and CapacityProvider controllers: what it keeps of a pod, and that the
// three controllers get the same informer.
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { CAPACITY_PROVIDER_LABEL, CONTAINERS_ANNOTATION, DEPLOYMENT_ID_ANNOTATION } from "../../../src/api/keys.ts";
import { POD_DELETION_COST_ANNOTATION } from "../../../src/builders/service/budget.ts";
import { registerControllers } from "../../../src/controllers/register.ts";
import { leanOperatorPod, operatorPods, rollupPod, rollupService } from "../../../src/controllers/operator-pods.ts";
import { podRequests } from "../../../src/builders/capacity/container-instances.ts";
import { taskPodState } from "../../../src/builders/capacity/provider-status.ts";
import { aService } from "./service-plan-fixtures.ts";
import type { PodObject } from "../../../src/controllers/service/resources.ts";
import { createLogger } from "../../../src/runtime/logger.ts";
import { Manager } from "../../../src/runtime/manager.ts";
import { Pods } from "../../../src/runtime/resources.ts";

const pod: PodObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-abc",
    namespace: "ns",
    uid: "u",
    labels: { [CAPACITY_PROVIDER_LABEL]: "fargate", team: "a" },
    annotations: {
      [DEPLOYMENT_ID_ANNOTATION]: "ecs-svc/1",
      [POD_DELETION_COST_ANNOTATION]: "-5",
      [CONTAINERS_ANNOTATION]: JSON.stringify([{ container: "app", essential: true, role: "main", dockerLabels: { big: "x".repeat(1000) } }]),
      "ecs.operator.dev/log-configuration": "x".repeat(2000),
    },
    managedFields: [{ manager: "kube-controller-manager" }],
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "rs", controller: true }],
  },
  spec: {
    nodeName: "node-1",
    overhead: { cpu: "10m" },
    containers: [{ name: "app", image: "registry.example.com/web:1", env: [{ name: "A", value: "1" }], resources: { requests: { cpu: "250m" }, limits: { memory: "512Mi" } } }],
    initContainers: [{ name: "init", image: "busybox", restartPolicy: "Always" }],
    volumes: [{ name: "v", emptyDir: {} }],
  },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "app", ready: true, restartCount: 0, image: "i", imageID: "", state: { running: {} } }] },
};

describe("leanOperatorPod", () => {
  const lean = leanOperatorPod(pod);
  it.each([
    { name: "labels whole (a Cluster and a provider select on ours, a service's pods keep the user's)", got: lean.metadata?.labels, want: pod.metadata?.labels },
    { name: "annotations: the deployment id, the deletion cost, the container mappings cut to name, essential and role", got: lean.metadata?.annotations, want: { [DEPLOYMENT_ID_ANNOTATION]: "ecs-svc/1", [POD_DELETION_COST_ANNOTATION]: "-5", [CONTAINERS_ANNOTATION]: JSON.stringify([{ container: "app", essential: true, role: "main" }]) } },
    { name: "no managedFields", got: lean.metadata?.managedFields, want: undefined },
    { name: "owner references kept (a service's pods are told from others by them)", got: lean.metadata?.ownerReferences, want: pod.metadata?.ownerReferences },
    { name: "spec: node, overhead, each container's name, requests, limits and restart policy", got: lean.spec, want: { nodeName: "node-1", overhead: { cpu: "10m" }, containers: [{ name: "app", resources: { requests: { cpu: "250m" }, limits: { memory: "512Mi" } } }], initContainers: [{ name: "init", restartPolicy: "Always" }] } },
    { name: "status whole", got: lean.status, want: pod.status },
  ])("$name", ({ got, want }) => {
    expect(got).toEqual(want);
  });

  it("container mappings that are not JSON are left out, not passed on", () => {
    const bad = leanOperatorPod({ ...pod, metadata: { ...pod.metadata, annotations: { [CONTAINERS_ANNOTATION]: "{not json" } } });
    expect(bad.metadata.annotations).toEqual({});
  });
});

describe("rollupPod: what shard 0's roll-ups keep of every pod when the Service controller is sharded", () => {
  const slim = rollupPod({ ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata?.labels, "ecs.operator.dev/cluster": "default" }, resourceVersion: "7", deletionTimestamp: "2026-01-01T00:00:00Z" } });
  it.each([
    { name: "identity and deletion", got: [slim.metadata.name, slim.metadata.namespace, slim.metadata.uid, slim.metadata.resourceVersion, slim.metadata.deletionTimestamp], want: ["web-abc", "ns", "u", "7", "2026-01-01T00:00:00Z"] },
    { name: "the operator's labels only (a Cluster and a provider count by them)", got: slim.metadata.labels, want: { [CAPACITY_PROVIDER_LABEL]: "fargate", "ecs.operator.dev/cluster": "default" } },
    { name: "no annotations, owner references or managedFields", got: [slim.metadata.annotations, slim.metadata.ownerReferences, slim.metadata.managedFields], want: [undefined, undefined, undefined] },
    { name: "spec: what capacity counts, as the lean pod keeps it", got: slim.spec, want: leanOperatorPod(pod).spec },
    { name: "status: the phase only", got: slim.status, want: { phase: "Running" } },
  ])("$name", ({ got, want }) => {
    expect(got).toEqual(want);
  });

  it("is what the roll-ups read: the same task state and requests as from the whole pod", () => {
    expect(taskPodState(rollupPod(pod))).toBe(taskPodState(pod));
    expect(podRequests(rollupPod(pod))).toEqual(podRequests(pod));
  });
});

describe("rollupService: what shard 0 keeps of every Service when the Service controller is sharded", () => {
  const svc = aService({ cluster: "prod", status: { deployments: [{ id: "ecs-svc/1", status: "PRIMARY", taskDefinition: "web:1", rolloutState: "COMPLETED", desiredCount: 2 }], runningCount: 2, events: [{ id: "e", message: "m", createdAt: "2026-01-01T00:00:00Z" }] } as never });
  const slim = rollupService(svc);
  it.each([
    { name: "identity, labels, finalizers (the bucket labeller), generation", got: [slim.metadata.name, slim.metadata.namespace, slim.metadata.generation, slim.metadata.finalizers], want: ["web", "shop", 2, svc.metadata.finalizers] },
    { name: "spec: the cluster only", got: slim.spec, want: { cluster: "prod" } },
    { name: "status: each deployment's revision and status (pruning)", got: slim.status, want: { deployments: [{ taskDefinition: "web:1", status: "PRIMARY" }] } },
  ])("$name", ({ got, want }) => {
    expect(got).toEqual(want);
  });
});

describe("operatorPods", () => {
  it("the Service, Cluster and CapacityProvider controllers share one pod informer", () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: "c", server: "https://127.0.0.1:1" }], users: [{ name: "u" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
    const mgr = new Manager({ kubeConfig: kc, identity: "unit", logger: createLogger({ level: "error" }) });
    registerControllers(mgr, {});
    const shared = operatorPods(mgr, undefined);
    // Every pod informer the controllers made: the shared one, and the Task controller's own (whole task pods).
    const podInformers = [...(mgr as unknown as { informers: Map<string, { run: unknown }> }).informers.entries()].filter(([k]) => k.startsWith(`${Pods.apiVersion}/${Pods.plural}|`));
    expect(podInformers.map(([, v]) => v.run)).toContain(shared);
    expect(podInformers).toHaveLength(2);
  });
});
