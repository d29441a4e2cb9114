// A REPLICA service → one Deployment per capacity provider: names, labels, replicas, rolling update, provider
// scheduling, placement, grace period, deployment ids and the selector of the scale subresource.
import { SpecError } from "../../../src/api/spec-error.ts";
import type { V1Node, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../../src/api/service.ts";
import type { TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import { BUILTIN_PROVIDERS, LAUNCH_TYPE_EC2_PROVIDER, schedulingFor, type ResolvedProvider } from "../../../src/builders/capacity/provider.ts";
import { mergeAffinity } from "../../../src/builders/placement/placement.ts";
import {
  buildServiceDeployment,
  deploymentId,
  propagatedTagAnnotations,
  serviceDeploymentName,
  serviceSelectorString,
  type ServiceDeploymentInput,
} from "../../../src/builders/service/deployment.ts";
import { DEPLOYMENT_ID_ANNOTATION, DEPLOYMENT_LABEL } from "../../../src/api/keys.ts";

type PodSpec = V1PodSpec & { containers: { resources: { requests: unknown; limits: unknown }; livenessProbe: { initialDelaySeconds: number } }[] };
const [FARGATE, FARGATE_SPOT] = BUILTIN_PROVIDERS as [ResolvedProvider, ResolvedProvider];
const td = (fields: Partial<TaskDefinitionSpec> = {}): TaskDefinitionSpec =>
  ({ family: "web", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx:1", portMappings: [{ containerPort: 80 }] }], ...fields });
const node = (name: string, labels: Record<string, string>): V1Node => ({ metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } } });

function aService(spec: ServiceSpec = {}, over: Partial<ServiceDeploymentInput> = {}): ServiceDeploymentInput {
  const provider = over.provider ?? LAUNCH_TYPE_EC2_PROVIDER;
  return {
    service: { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", namespace: "apps", uid: "uid-1", spec: { taskDefinition: "web", ...spec } },
    serviceName: "web",
    clusterName: "default",
    revision: { family: "web", revision: 3, spec: td() },
    deploymentId: deploymentId("uid-1", "web:3"),
    provider,
    scheduling: schedulingFor(provider),
    replicas: 4,
    nodes: [],
    ...over,
  };
}
const build = (spec: ServiceSpec = {}, over: Partial<ServiceDeploymentInput> = {}) => buildServiceDeployment(aService(spec, over)).deployment as unknown as {
  metadata: { name: string; labels: Record<string, string>; ownerReferences: unknown[] };
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; strategy: { rollingUpdate: unknown }; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } };
};

describe("buildServiceDeployment", () => {
  it("names the Deployment <service>-<provider>, DNS-safe", () => {
    expect(build({}, { provider: FARGATE_SPOT }).metadata.name).toBe("web-fargate-spot");
    expect(serviceDeploymentName("web", "FARGATE")).toBe("web-fargate");
    expect(serviceDeploymentName("a".repeat(60), "FARGATE").length).toBeLessThanOrEqual(47);
  });

  it("replicas are the provider's share; the selector is service + provider (immutable across revisions)", () => {
    const d = build({}, { replicas: 6, provider: FARGATE_SPOT });
    expect(d.spec.replicas).toBe(6);
    expect(d.spec.selector.matchLabels).toEqual({ "ecs.operator.dev/service": "web", "ecs.operator.dev/capacity-provider": "FARGATE_SPOT" });
    expect(d.metadata.ownerReferences).toEqual([{ apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "uid-1", controller: true, blockOwnerDeletion: true }]);
  });

  it.each<[string, ServiceSpec, number, { maxSurge: number; maxUnavailable: number }]>([
    ["defaults 100/200, share 4 → surge 4, none unavailable", {}, 4, { maxSurge: 4, maxUnavailable: 0 }],
    ["50/100, share 3 → ceil(1.5) = 2 stay → maxUnavailable 1", { deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 } }, 3, { maxSurge: 0, maxUnavailable: 1 }],
  ])("rolling update by ECS rounding: %s", (_n, spec, replicas, expected) => {
    expect(build(spec, { replicas }).spec.strategy.rollingUpdate).toEqual(expected);
  });

  it("pods carry the task labels: cluster, service, provider, launch type, group, deployment; startedBy and deployment id annotations", () => {
    const id = deploymentId("uid-1", "web:3");
    const t = build({}, { provider: FARGATE }).spec.template;
    expect(t.metadata.labels).toMatchObject({
      "ecs.operator.dev/cluster": "default",
      "ecs.operator.dev/service": "web",
      "ecs.operator.dev/capacity-provider": "FARGATE",
      "ecs.operator.dev/launch-type": "FARGATE",
      "ecs.operator.dev/group": "service.web",
      [DEPLOYMENT_LABEL]: id.slice("ecs-svc/".length),
      "ecs.operator.dev/family": "web",
      "ecs.operator.dev/revision": "3",
    });
    expect(t.metadata.annotations).toMatchObject({ "ecs.operator.dev/started-by": "ecs-svc/web", [DEPLOYMENT_ID_ANNOTATION]: id });
  });

  it("FARGATE provider: Fargate node selector and toleration, the pod sized exactly to the task (pod-level requests = limits)", () => {
    const s = build({}, { provider: FARGATE }).spec.template.spec;
    expect(s.nodeSelector).toEqual({ "eks.amazonaws.com/compute-type": "fargate" });
    expect(s.tolerations).toContainEqual({ key: "eks.amazonaws.com/compute-type", operator: "Equal", value: "fargate", effect: "NoSchedule" });
    expect(s.resources?.requests).toBeDefined();
    expect(s.resources?.requests).toEqual(s.resources?.limits);
  });

  it("FARGATE_SPOT provider pointed at a spot pool by its CapacityProvider tolerates spot", () => {
    const spotPool: ResolvedProvider = { ...FARGATE_SPOT, kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "spot" } }, objectName: "fargate-spot" };
    const s = build({}, { provider: spotPool, scheduling: schedulingFor(spotPool) }).spec.template.spec;
    expect(s.nodeSelector).toEqual({ "karpenter.sh/capacity-type": "spot" });
    expect(s.tolerations).toContainEqual({ key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" });
  });

  it("memberOf =~ compiles against the current node label values", () => {
    const nodes = [node("a", { "node.kubernetes.io/instance-type": "m5.large" }), node("b", { "node.kubernetes.io/instance-type": "c5.large" })];
    const s = build({ placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ m5.*" }] }, { nodes }).spec.template.spec;
    expect(s.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] }] },
    ]);
  });

  it("a bad memberOf expression is a SpecError naming spec.placementConstraints[i].expression and the column", () => {
    let err: unknown;
    try {
      build({ placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type == " }] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).field).toBe("spec.placementConstraints[0].expression");
    expect((err as SpecError).column).toBeTypeOf("number");
  });

  it("spread on instanceId counts the pods of the whole service", () => {
    const s = build({ placementStrategy: [{ type: "spread", field: "instanceId" }] }).spec.template.spec;
    expect(s.topologySpreadConstraints?.[0]).toMatchObject({ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "ecs.operator.dev/service": "web" } } });
  });

  it("healthCheckGracePeriodSeconds 90 → liveness initialDelaySeconds at least 90", () => {
    const hc = { command: ["CMD-SHELL", "true"], interval: 10, timeout: 5, retries: 3, startPeriod: 0 };
    const over = { revision: { family: "web", revision: 3, spec: td({ containerDefinitions: [{ name: "app", image: "nginx:1", healthCheck: hc }] }) } };
    const c = build({ healthCheckGracePeriodSeconds: 90 }, over).spec.template.spec.containers[0];
    expect(c?.livenessProbe.initialDelaySeconds).toBe(90);
  });

  it("a new revision or force token changes the deployment id; the same inputs give the same id", () => {
    expect(deploymentId("u", "web:1")).toMatch(/^ecs-svc\/\d{19}$/);
    expect(deploymentId("u", "web:1")).toBe(deploymentId("u", "web:1"));
    expect(deploymentId("u", "web:1")).not.toBe(deploymentId("u", "web:2"));
    expect(deploymentId("u", "web:1", "restart-1")).not.toBe(deploymentId("u", "web:1"));
  });

  it("status.selector selects every pod of the service", () => {
    expect(serviceSelectorString("web")).toBe("ecs.operator.dev/service=web");
  });

  it("mergeAffinity ANDs the provider's required node terms with the placement's", () => {
    const term = (key: string) => ({ matchExpressions: [{ key, operator: "Exists" }] });
    const merged = mergeAffinity(
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term("a")] } } },
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term("b")] } } },
    );
    expect(merged?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "a", operator: "Exists" }, { key: "b", operator: "Exists" }] },
    ]);
  });
});

// ECS, a service without placementStrategy: "the task placement strategy is spread using the
// attribute:ecs.availability-zone".
describe("default placement: spread across availability zones", () => {
  type Spread = { topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; labelSelector: unknown }[]; schedulerName?: string };
  const spreadOf = (spec: ServiceSpec, over: Partial<ServiceDeploymentInput> = {}): Spread => (build(spec, over).spec.template.spec as unknown as Spread);
  it("no placementStrategy → a zone spread of the service's pods that never leaves a task unplaced (ScheduleAnyway)", () => {
    expect(spreadOf({}).topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "ecs.operator.dev/service": "web" } }, nodeTaintsPolicy: "Honor" },
    ]);
  });
  it("an explicit placementStrategy (even empty) replaces the default", () => {
    expect(spreadOf({ placementStrategy: [] }).topologySpreadConstraints).toBeUndefined();
    expect(spreadOf({ placementStrategy: [{ type: "spread", field: "instanceId" }] }).topologySpreadConstraints?.map((c) => c.topologyKey)).toEqual(["kubernetes.io/hostname"]);
  });
  it("binpack keeps its scheduler profile and gets no zone spread that would fight it", () => {
    const binpack = spreadOf({ placementStrategy: [{ type: "binpack", field: "memory" }] });
    expect(binpack.topologySpreadConstraints).toBeUndefined();
    expect(binpack.schedulerName).toBeDefined();
  });
  it("a provider that names its own scheduler (a packing profile) gets no default spread", () => {
    const provider: ResolvedProvider = { name: "packed", type: "EC2", spot: false, kubernetes: { schedulerName: "bin-packing-scheduler" } };
    const packed = spreadOf({}, { provider, scheduling: schedulingFor(provider) });
    expect(packed.topologySpreadConstraints).toBeUndefined();
    expect(packed.schedulerName).toBe("bin-packing-scheduler");
  });
});

describe("propagatedTagAnnotations", () => {
  const names = { clusterName: "prod", serviceName: "web" };
  const svcTags = [{ key: "team", value: "payments" }];
  const tdTags = [{ key: "app", value: "web" }, { key: "cost center", value: "42" }];
  it.each<[string, Parameters<typeof propagatedTagAnnotations>[0], Record<string, string>]>([
    ["propagateTags NONE (default): nothing", { tags: svcTags }, {}],
    ["SERVICE: the service's tags", { propagateTags: "SERVICE", tags: svcTags }, { "ecs.operator.dev/tags": '{"team":"payments"}', "tag.ecs.operator.dev/team": "payments" }],
    [
      "TASK_DEFINITION: the task definition's tags; a key that is no annotation name is only in the JSON",
      { propagateTags: "TASK_DEFINITION", tags: svcTags },
      { "ecs.operator.dev/tags": '{"app":"web","cost center":"42"}', "tag.ecs.operator.dev/app": "web" },
    ],
    [
      "enableECSManagedTags: aws:ecs:clusterName and aws:ecs:serviceName",
      { enableECSManagedTags: true },
      { "ecs.operator.dev/tags": '{"aws:ecs:clusterName":"prod","aws:ecs:serviceName":"web"}' },
    ],
  ])("%s", (_n, spec, expected) => {
    expect(propagatedTagAnnotations(spec, tdTags, names)).toEqual(expected);
  });

  it("the pods carry them", () => {
    expect(build({ propagateTags: "SERVICE", tags: svcTags }).spec.template.metadata.annotations["tag.ecs.operator.dev/team"]).toBe("payments");
  });
});

// Issue 13 items 3, 10, 11 and 12 for a Service's tasks, which the Task builder pins for standalone tasks.
describe("ECS semantics of a service's tasks", () => {
  // app + a sidecar on a 1 vCPU / 2 GB task: the sidecar's cpu share and 128 MiB reservation are soft inside the task.
  const sized = td({
    cpu: "1024",
    memory: "2048",
    containerDefinitions: [
      { name: "app", image: "app:1", cpu: 512 },
      { name: "envoy", image: "envoy:1", essential: false, cpu: 128, memoryReservation: 128 },
    ],
  });
  const containers = (spec: PodSpec) => Object.fromEntries(spec.containers.map((c) => [(c as { name?: string }).name ?? "", c.resources]));

  it('task size is the pod\'s boundary (ECS: "the total amount of CPU and memory ... the task" uses; container cpu is a share, memoryReservation soft): pod-level resources, container requests only', () => {
    const spec = build({}, { revision: { family: "web", revision: 3, spec: sized } }).spec.template.spec;
    expect(spec.resources).toEqual({ requests: { cpu: "1", memory: "2048Mi" }, limits: { cpu: "1", memory: "2048Mi" } });
    expect(containers(spec)).toEqual({ app: { requests: { cpu: "500m" } }, envoy: { requests: { cpu: "125m", memory: "128Mi" } } });
  });

  it("--pod-level-resources=false (clusters without PodLevelResources): the documented fallback splits the task size into per-container limits", () => {
    const spec = build({}, { revision: { family: "web", revision: 3, spec: sized }, podLevelResources: false }).spec.template.spec;
    expect(spec.resources).toBeUndefined();
    expect(containers(spec)).toEqual({
      app: { requests: { cpu: "875m", memory: "1024Mi" }, limits: { cpu: "875m", memory: "1024Mi" } },
      envoy: { requests: { cpu: "125m", memory: "128Mi" }, limits: { cpu: "125m", memory: "1024Mi" } },
    });
  });

  it("minReadySeconds (the 40-second rule, computed by the plan) is the Deployment's; 0 leaves it unset", () => {
    const withWait = buildServiceDeployment(aService({}, { minReadySeconds: 40 })).deployment.spec;
    expect(withWait.minReadySeconds).toBe(40);
    expect(buildServiceDeployment(aService({}, { minReadySeconds: 0 })).deployment.spec.minReadySeconds).toBeUndefined();
  });

  const ebsTd = td({ volumes: [{ name: "data", configuredAtLaunch: true }], containerDefinitions: [{ name: "app", image: "app:1", mountPoints: [{ sourceVolume: "data", containerPath: "/data" }] }] });
  // ECS (Developer Guide, "Use Amazon EBS volumes with Amazon ECS"): "During service creation or update, you can provide
  // the configuration that will be used to attach one EBS volume per task to each task managed by the Amazon ECS
  // service", and such a volume is "Ephemeral when attached to a task maintained by a service".
  it("volumeConfigurations managedEBSVolume → a generic ephemeral volume: one claim per task, storage class by volume type", () => {
    const r = buildServiceDeployment(aService(
      { volumeConfigurations: [{ name: "data", managedEBSVolume: { sizeInGiB: 20, volumeType: "io2", iops: 3000 } }] },
      { revision: { family: "web", revision: 3, spec: ebsTd }, ebsStorageClasses: { io2: "ebs-io2" } },
    ));
    const volumes = (r.deployment.spec.template as { spec: V1PodSpec }).spec.volumes ?? [];
    expect(volumes.find((v) => v.name === "data")).toEqual({
      name: "data",
      ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } }, storageClassName: "ebs-io2" } } },
    });
    expect(r.notes).toEqual([{ field: "spec.volumeConfigurations[0].managedEBSVolume.iops", reason: "set by the storage class ebs-io2, not per volume" }]);
  });

  it("volumeConfigurations naming a volume the task definition does not configure at launch is a SpecError naming the field", () => {
    expect(() => buildServiceDeployment(aService({ volumeConfigurations: [{ name: "logs", managedEBSVolume: { sizeInGiB: 1 } }] }, { revision: { family: "web", revision: 3, spec: ebsTd } })))
      .toThrow(/spec\.volumeConfigurations\[0\]\.name: the task definition has no volume "logs" with configuredAtLaunch: true/);
  });

  const memberOf = (i: number) => ({ type: "memberOf" as const, expression: `attribute:ecs.instance-type == t${i}.large` });
  it.each<[string, ServiceSpec, Partial<ServiceDeploymentInput>, RegExp]>([
    [
      'at most 10 placement constraints, the task definition\'s and the service\'s together (ECS: "up to 10 constraints for each task (including constraints in the task definition and those specified at runtime)")',
      { placementConstraints: Array.from({ length: 4 }, (_, i) => memberOf(i)) },
      { revision: { family: "web", revision: 3, spec: td({ placementConstraints: Array.from({ length: 7 }, (_, i) => memberOf(10 + i)) }) } },
      /spec\.placementConstraints: the task definition has 7 placement constraints and the service 4: at most 10 in all/,
    ],
    [
      'placement constraints on a FARGATE-type provider reached through a strategy (ECS: "Task placement strategies and constraints aren\'t supported for tasks using the Fargate launch type.")',
      { placementConstraints: [{ type: "distinctInstance" }] },
      { provider: FARGATE },
      /spec\.placementConstraints: FARGATE services take no placement constraints \(capacity provider FARGATE is FARGATE\)/,
    ],
    ["a placement strategy on a FARGATE-type provider", { placementStrategy: [{ type: "spread", field: "instanceId" }] }, { provider: FARGATE_SPOT }, /spec\.placementStrategy: FARGATE services take no placement strategy/],
  ])("refused: %s", (_n, spec, over, message) => {
    let caught: unknown;
    try {
      buildServiceDeployment(aService(spec, over));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SpecError);
    expect((caught as SpecError).conditionReason).toBe("InvalidPlacement");
    expect((caught as SpecError).message).toMatch(message);
  });

  it("10 constraints in all, or none on FARGATE with the default zone spread, are accepted", () => {
    expect(() => buildServiceDeployment(aService({ placementConstraints: Array.from({ length: 3 }, (_, i) => memberOf(i)) }, { revision: { family: "web", revision: 3, spec: td({ placementConstraints: Array.from({ length: 7 }, (_, i) => memberOf(10 + i)) }) } }))).not.toThrow();
    expect(() => buildServiceDeployment(aService({}, { provider: FARGATE }))).not.toThrow();
  });
});
