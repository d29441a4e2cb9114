// One precedence rule for the labels and annotations of Service and Task pods (docs/mapping.md "Pod labels and
// annotations"): TaskDefinition < Service/Task labels < Service/Task podLabels < CapacityProvider < the operator's keys.
// The same layers given to a Service and to a Task give the same winners.
import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../../src/api/service.ts";
import type { TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import { LAUNCH_TYPE_EC2_PROVIDER, schedulingFor } from "../../../src/builders/capacity/provider.ts";
import { buildServicePodTemplate, deploymentId } from "../../../src/builders/service/deployment.ts";
import { operatorEntries, podMetadata } from "../../../src/builders/pod/labels.ts";
import { buildTaskPod, taskPodName, type RunTaskInput } from "../../../src/builders/task/pod.ts";

describe("podMetadata", () => {
  it.each<[string, Parameters<typeof podMetadata>[0], Record<string, string>]>([
    ["a key only one layer sets keeps its value", { taskDefinition: { a: "td" }, operator: {} }, { a: "td" }],
    ["Service/Task labels beat the TaskDefinition's podLabels", { taskDefinition: { a: "td" }, owner: { a: "owner" }, operator: {} }, { a: "owner" }],
    ["Service/Task podLabels beat their labels", { owner: { a: "owner" }, ownerPods: { a: "pods" }, operator: {} }, { a: "pods" }],
    ["the CapacityProvider's labels beat the Service/Task podLabels", { ownerPods: { a: "pods" }, provider: { a: "pool" }, operator: {} }, { a: "pool" }],
    ["the operator's keys beat every layer", { taskDefinition: { k: "td" }, owner: { k: "o" }, ownerPods: { k: "p" }, provider: { k: "pool" }, operator: { k: "operator" } }, { k: "operator" }],
    ["a user key in the operator's domain that the operator does not set passes (a Fargate profile label)", { provider: { "ecs.operator.dev/fargate-profile": "tasks" }, operator: {} }, { "ecs.operator.dev/fargate-profile": "tasks" }],
  ])("%s", (_, layers, want) => {
    expect(podMetadata(layers)).toEqual(want);
  });
});

describe("operatorEntries", () => {
  it.each<[string, Record<string, string>, Record<string, string> | undefined, Record<string, string>]>([
    ["no user layer: everything is the operator's", { a: "1", b: "2" }, undefined, { a: "1", b: "2" }],
    ["an entry the user layer holds with the same value is the user's", { team: "x", fam: "web" }, { team: "x" }, { fam: "web" }],
    ["an entry whose value differs from the user's is the operator's (it wrote over it)", { fam: "web" }, { fam: "mine" }, { fam: "web" }],
  ])("%s", (_, template, user, want) => {
    expect(operatorEntries(template, user)).toEqual(want);
  });
});

describe("Service and Task pods follow the same rule", () => {
  const taskDefinition: TaskDefinitionSpec = {
    family: "web",
    containerDefinitions: [{ name: "app", image: "nginx:1", memory: 256 }],
    kubernetes: {
      podLabels: { "td-only": "td", "td-vs-owner": "td", "ecs.operator.dev/family": "spoofed" },
      podAnnotations: { "td-only": "td", "td-vs-owner": "td", "ecs.operator.dev/containers": "spoofed" },
    },
  };
  const knobs = {
    labels: { "td-vs-owner": "owner", "owner-vs-pods": "owner", "ecs.operator.dev/cluster": "spoofed" },
    annotations: { "td-vs-owner": "owner", "owner-vs-pods": "owner" },
    podLabels: { "owner-vs-pods": "pods", "pods-vs-pool": "pods", "ecs.operator.dev/capacity-provider": "spoofed" },
    podAnnotations: { "owner-vs-pods": "pods", "ecs.operator.dev/started-by": "spoofed" },
  };
  const scheduling = { ...schedulingFor(LAUNCH_TYPE_EC2_PROVIDER), labels: { "pods-vs-pool": "pool" } };

  const servicePod = () => {
    const spec: ServiceSpec = { taskDefinition: "web", kubernetes: knobs };
    return buildServicePodTemplate({
      service: { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", namespace: "apps", uid: "uid-1", spec },
      serviceName: "web",
      clusterName: "default",
      revision: { family: "web", revision: 3, spec: taskDefinition },
      deploymentId: deploymentId("uid-1", "web:3"),
      provider: LAUNCH_TYPE_EC2_PROVIDER,
      scheduling,
      nodes: [],
    }).template.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
  };
  const taskPod = () => {
    const spec: RunTaskInput = { taskDefinition: "web", startedBy: "nightly-job", kubernetes: knobs };
    return buildTaskPod({
      owner: { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Task", name: "once", uid: "uid-2" },
      namespace: "apps",
      spec,
      index: 0,
      podName: taskPodName("once", 0),
      taskDefinition: { family: "web", revision: 3, spec: taskDefinition },
      clusterName: "default",
      provider: LAUNCH_TYPE_EC2_PROVIDER,
      scheduling,
      nodes: [],
    }).pod.metadata;
  };

  it.each([
    ["Service", servicePod],
    ["Task", taskPod],
  ])("%s pod labels", (_, pod) => {
    expect(pod().labels).toMatchObject({
      "td-only": "td",
      "td-vs-owner": "owner",
      "owner-vs-pods": "pods",
      "pods-vs-pool": "pool",
      "ecs.operator.dev/family": "web",
      "ecs.operator.dev/revision": "3",
      "ecs.operator.dev/cluster": "default",
      "ecs.operator.dev/capacity-provider": "EC2",
    });
  });

  it.each([
    ["Service", servicePod, "ecs-svc/web"],
    ["Task", taskPod, "nightly-job"],
  ])("%s pod annotations", (_, pod, startedBy) => {
    const annotations = pod().annotations;
    expect(annotations).toMatchObject({ "td-only": "td", "td-vs-owner": "owner", "owner-vs-pods": "pods" });
    expect(JSON.parse(annotations["ecs.operator.dev/containers"] ?? "[]")).toMatchObject([{ name: "app", container: "app" }]);
    expect(annotations["ecs.operator.dev/started-by"]).toBe(startedBy);
  });
});
