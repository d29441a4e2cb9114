// The one pod cache of the Service, Cluster and CapacityProvider controllers: what it keeps of a pod, and that the
// three controllers get the same informer.
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { CAPACITY_PROVIDER_LABEL, CONTAINERS_ANNOTATION, DEPLOYMENT_ID_ANNOTATION } from "../../../src/api/keys.ts";
import { POD_DELETION_COST_ANNOTATION } from "../../../src/builders/service/budget.ts";
import { registerControllers } from "../../../src/controllers/register.ts";
import { leanOperatorPod, operatorPods } from "../../../src/controllers/operator-pods.ts";
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
