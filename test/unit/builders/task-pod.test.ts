// The pod of one task: name, labels, owner, overrides, capacity provider scheduling, Fargate sizing, placement,
// restart policy and dependsOn, one row per rule.
import { SpecError } from "../../../src/api/spec-error.ts";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { ContainerDefinition, TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import { BUILTIN_PROVIDERS, LAUNCH_TYPE_EC2_PROVIDER, schedulingFor, type ResolvedProvider } from "../../../src/builders/capacity/provider.ts";
import { admits } from "../../../src/builders/capacity/container-instances.ts";
import { buildTaskPod, containerRestart, taskGroup, taskPodName, type RunTaskInput, type TaskPodInput } from "../../../src/builders/task/pod.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";

const aContainer = (name: string, fields: Partial<ContainerDefinition> = {}): ContainerDefinition => ({ name, image: `registry.example.com/${name}:1`, memory: 256, ...fields });
const aTaskDefinition = (fields: Partial<TaskDefinitionSpec> = {}, ...containers: ContainerDefinition[]): TaskDefinitionSpec => ({
  family: "batch",
  containerDefinitions: containers.length > 0 ? containers : [aContainer("app")],
  ...fields,
});
const builtIn = (name: string): ResolvedProvider => BUILTIN_PROVIDERS.find((p) => p.name === name) ?? LAUNCH_TYPE_EC2_PROVIDER;
const nodes = TEST_NODES.map(buildNode);

function aTaskPod(spec: Partial<RunTaskInput> = {}, td: TaskDefinitionSpec = aTaskDefinition(), more: Partial<TaskPodInput> = {}) {
  const provider = more.provider ?? LAUNCH_TYPE_EC2_PROVIDER;
  return buildTaskPod({
    owner: { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Task", name: "nightly", uid: "uid-1" },
    namespace: "jobs",
    spec: { taskDefinition: "batch", ...spec },
    index: 0,
    podName: taskPodName("nightly", 0),
    taskDefinition: { family: "batch", revision: 4, spec: td },
    clusterName: "default",
    provider,
    scheduling: schedulingFor(provider),
    nodes,
    ...more,
  });
}
const containerOf = (pod: V1Pod, name: string): V1Container => {
  const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};

describe("taskPodName", () => {
  it.each<[string, string, number, string]>([
    ["a valid name → <task>-<index>", "nightly", 2, "nightly-2"],
    ["index 0 is the first task", "nightly", 0, "nightly-0"],
  ])("%s", (_n, name, index, want) => {
    expect(taskPodName(name, index)).toBe(want);
  });
  it("a name of 253 characters is shortened with a hash, and every index stays distinct and valid", () => {
    const long = "a".repeat(253);
    const names = [0, 1, 9].map((i) => taskPodName(long, i));
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(253);
    expect(names[1]?.endsWith("-1")).toBe(true);
  });
});

describe("buildTaskPod", () => {
  it("name, namespace and a controller owner reference to the Task (garbage-collected with it)", () => {
    const { pod } = aTaskPod();
    expect(pod.metadata).toMatchObject({ name: "nightly-0", namespace: "jobs" });
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "ecs.operator.dev/v1alpha1", kind: "Task", name: "nightly", uid: "uid-1", controller: true, blockOwnerDeletion: true }]);
  });

  it.each<[string, Partial<RunTaskInput>, Partial<TaskPodInput>, Record<string, string>]>([
    [
      "labels: cluster, task, provider, launch type, family, revision and the default group family:<family>",
      {},
      {},
      {
        "ecs.operator.dev/cluster": "default",
        "ecs.operator.dev/task": "nightly",
        "ecs.operator.dev/capacity-provider": "EC2",
        "ecs.operator.dev/launch-type": "EC2",
        "ecs.operator.dev/group": "family.batch",
        "ecs.operator.dev/family": "batch",
        "ecs.operator.dev/revision": "4",
      },
    ],
    ["group → the group label", { group: "migrations" }, {}, { "ecs.operator.dev/group": "migrations" }],
    ["a FARGATE provider → launch type FARGATE and its name", {}, { provider: builtIn("FARGATE"), taskDefinition: { family: "batch", revision: 4, spec: aTaskDefinition({ cpu: "256", memory: "512" }, aContainer("app", { memory: undefined })) } }, { "ecs.operator.dev/capacity-provider": "FARGATE", "ecs.operator.dev/launch-type": "FARGATE" }],
    ["a scheduled run also carries the ScheduledTask label", {}, { scheduledTask: "hourly" }, { "ecs.operator.dev/scheduled-task": "hourly", "ecs.operator.dev/task": "nightly" }],
    ["spec.kubernetes.podLabels are added", { kubernetes: { podLabels: { team: "data" } } }, {}, { team: "data" }],
  ])("%s", (_n, spec, more, want) => {
    const { pod } = aTaskPod(spec, aTaskDefinition(), more);
    expect(pod.metadata.labels).toMatchObject(want);
  });

  it.each<[string, Partial<RunTaskInput>, Record<string, string>]>([
    ["startedBy → the started-by annotation", { startedBy: "ci-pipeline" }, { "ecs.operator.dev/started-by": "ci-pipeline" }],
    ["the index of the task → the task-index annotation", {}, { "ecs.operator.dev/task-index": "0" }],
    [
      "tags → the tags annotation (a JSON object, as on service tasks), and one annotation per tag whose key is a valid name",
      { tags: [{ key: "owner", value: "data" }, { key: "cost center", value: "42" }] },
      { "ecs.operator.dev/tags": '{"cost center":"42","owner":"data"}', "tag.ecs.operator.dev/owner": "data" },
    ],
    ["enableECSManagedTags → the aws:ecs:clusterName tag", { enableECSManagedTags: true }, { "ecs.operator.dev/tags": '{"aws:ecs:clusterName":"default"}' }],
    ["the pod template's annotations stay (task definition, containers)", {}, { "ecs.operator.dev/task-definition": "batch:4" }],
  ])("%s", (_n, spec, want) => {
    expect(aTaskPod(spec).pod.metadata.annotations).toMatchObject(want);
  });

  it("propagateTags TASK_DEFINITION copies the task definition's tags before the run's: the run's value wins for the same key", () => {
    const { pod } = aTaskPod(
      { propagateTags: "TASK_DEFINITION", tags: [{ key: "run", value: "1" }, { key: "team", value: "ops" }] },
      aTaskDefinition(),
      { taskDefinitionTags: [{ key: "app", value: "batch" }, { key: "team", value: "data" }] },
    );
    expect(JSON.parse(pod.metadata.annotations["ecs.operator.dev/tags"] ?? "{}")).toEqual({ app: "batch", run: "1", team: "ops" });
    expect(pod.metadata.annotations["tag.ecs.operator.dev/team"]).toBe("ops");
  });

  it("restartPolicy Never: a task runs once", () => {
    expect(aTaskPod().pod.spec?.restartPolicy).toBe("Never");
  });

  it("overrides are applied before the pod is built (command → args, environment, memory → limit)", () => {
    const { pod } = aTaskPod({ overrides: { containerOverrides: [{ name: "app", command: ["migrate"], environment: [{ name: "STEP", value: "2" }], memory: 512 }] } });
    const app = containerOf(pod, "app");
    expect(app.args).toEqual(["migrate"]);
    expect(app.env).toEqual([{ name: "STEP", value: "2" }]);
    expect(app.resources?.limits?.memory).toBe("512Mi");
  });

  it("an override of an unknown container throws SpecError", () => {
    expect(() => aTaskPod({ overrides: { containerOverrides: [{ name: "nope" }] } })).toThrow(SpecError);
  });

  it("taskRoleArn override → the pod's ServiceAccount (IRSA annotated)", () => {
    const r = aTaskPod({ overrides: { taskRoleArn: "arn:aws:iam::111122223333:role/migrator" } });
    expect(r.pod.spec?.serviceAccountName).toBe("migrator");
    expect(r.serviceAccount).toMatchObject({ name: "migrator", namespace: "jobs", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/migrator" } });
  });

  it("FARGATE: the pod sized exactly to the task (pod-level requests == limits), the Fargate selector and toleration, and the pod lands only on the serverless pool", () => {
    const td = aTaskDefinition({ cpu: "512", memory: "1024", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc" }, aContainer("app", { memory: undefined }));
    const { pod } = aTaskPod({ launchType: "FARGATE" }, td, { provider: builtIn("FARGATE") });
    expect(pod.spec?.resources).toEqual({ requests: { cpu: "500m", memory: "1024Mi" }, limits: { cpu: "500m", memory: "1024Mi" } });
    expect(containerOf(pod, "app").resources).toBeUndefined();
    expect(pod.spec?.nodeSelector).toEqual({ "eks.amazonaws.com/compute-type": "fargate" });
    const pools = new Set(TEST_NODES.filter((n) => admits(schedulingFor(builtIn("FARGATE")), buildNode(n))).map((n) => n.pool));
    expect([...pools]).toEqual(["serverless"]);
  });

  it("FARGATE with --pod-level-resources=false: the task size split into the containers (requests == limits), no pod-level resources", () => {
    const td = aTaskDefinition({ cpu: "512", memory: "1024", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc" }, aContainer("app", { memory: undefined }));
    const { pod } = aTaskPod({ launchType: "FARGATE" }, td, { provider: builtIn("FARGATE"), podLevelResources: false });
    const app = containerOf(pod, "app");
    expect(pod.spec?.resources).toBeUndefined();
    expect(app.resources?.requests).toEqual(app.resources?.limits);
    expect(app.resources?.limits).toMatchObject({ cpu: "500m", memory: "1024Mi" });
  });

  // ECS (API reference, HealthCheck): "If a task is run manually, and not as part of a service, the task will
  // continue its lifecycle regardless of its health status."
  it("a RunTask pod's healthCheck becomes a readiness probe only: health is reported, no probe ever kills the batch job", () => {
    const td = aTaskDefinition({}, aContainer("app", { healthCheck: { command: ["CMD-SHELL", "exit 1"], startPeriod: 10 } }));
    const app = containerOf(aTaskPod({}, td).pod, "app");
    expect(app.readinessProbe?.exec?.command).toEqual(["/bin/sh", "-c", "exit 1"]);
    expect(app.livenessProbe).toBeUndefined();
    expect(app.startupProbe).toBeUndefined();
  });

  it("FARGATE: a task size Fargate refuses throws SpecError (the Task becomes Stalled)", () => {
    const td = aTaskDefinition({ cpu: "256", memory: "4096" });
    expect(() => aTaskPod({}, td, { provider: builtIn("FARGATE") })).toThrow(SpecError);
  });

  it("FARGATE_SPOT: spot tolerations and the spot + fargate selector", () => {
    const td = aTaskDefinition({ cpu: "256", memory: "512" }, aContainer("app", { memory: undefined }));
    const { pod } = aTaskPod({}, td, { provider: builtIn("FARGATE_SPOT") });
    expect(pod.spec?.nodeSelector).toEqual({ "eks.amazonaws.com/compute-type": "fargate", "karpenter.sh/capacity-type": "spot" });
    expect(pod.spec?.tolerations).toContainEqual({ key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" });
  });

  it("runtimePlatform's os/arch selector and the provider's selector are merged", () => {
    const spot: ResolvedProvider = { name: "spot", type: "EC2", spot: true, kubernetes: {} };
    const { pod } = aTaskPod({}, aTaskDefinition({ runtimePlatform: { cpuArchitecture: "ARM64" } }), { provider: spot });
    expect(pod.spec?.nodeSelector).toEqual({ "kubernetes.io/arch": "arm64", "karpenter.sh/capacity-type": "spot" });
  });

  it("placementConstraints memberOf → required node affinity; =~ is expanded over the current nodes", () => {
    const { pod } = aTaskPod({ placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ c5.*" }] });
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["c5.2xlarge"] }] },
    ]);
  });

  it("the task definition's placement constraints apply too", () => {
    const { pod } = aTaskPod({}, aTaskDefinition({ placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.availability-zone == us-east-1b" }] }));
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions?.[0]).toMatchObject({ values: ["us-east-1b"] });
  });

  // ECS (task groups): "All tasks with the same task group name are considered as a set when performing spread placement."
  it("placementStrategy spread by zone → a topology spread over the pods of the task group (family:batch), across Task objects", () => {
    const { pod } = aTaskPod({ placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }] });
    expect(pod.spec?.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "ecs.operator.dev/group": "family.batch" } }, nodeTaintsPolicy: "Honor" },
    ]);
  });

  it("distinctInstance → required anti-affinity against every pod of the task group (group nightly-jobs), not only this Task's", () => {
    const { pod } = aTaskPod({ group: "nightly-jobs", placementConstraints: [{ type: "distinctInstance" }] });
    const terms = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(terms.map((t) => t.labelSelector?.matchLabels)).toEqual([{ "ecs.operator.dev/group": "nightly-jobs" }]);
    expect(pod.metadata.labels["ecs.operator.dev/group"]).toBe("nightly-jobs");
  });

  // ECS (RunTask placementConstraints): "You can specify up to 10 constraints for each task (including constraints in
  // the task definition and those specified at runtime)."
  it("more than 10 placement constraints counting the task definition's and the task's → SpecError naming spec.placementConstraints", () => {
    const memberOf = (i: number) => ({ type: "memberOf" as const, expression: `attribute:ecs.instance-type == t${i}.large` });
    const td = aTaskDefinition({ placementConstraints: Array.from({ length: 6 }, (_, i) => memberOf(i)) });
    expect(() => aTaskPod({ placementConstraints: Array.from({ length: 5 }, (_, i) => memberOf(10 + i)) }, td)).toThrow(/spec\.placementConstraints: the task definition has 6 placement constraints and the task 5: at most 10 in all/);
    expect(() => aTaskPod({ placementConstraints: Array.from({ length: 4 }, (_, i) => memberOf(10 + i)) }, td)).not.toThrow();
  });

  it.each<[string, Partial<RunTaskInput>, RegExp]>([
    ["placement constraints", { placementConstraints: [{ type: "distinctInstance" }] }, /spec\.placementConstraints: FARGATE tasks take no placement constraints/],
    ["a placement strategy", { placementStrategy: [{ type: "spread", field: "instanceId" }] }, /spec\.placementStrategy: FARGATE tasks take no placement strategy/],
  ])("a task on a FARGATE provider (here through a capacity provider strategy) with %s → SpecError", (_n, spec, message) => {
    const td = aTaskDefinition({ cpu: "256", memory: "512" }, aContainer("app", { memory: undefined }));
    expect(() => aTaskPod(spec, td, { provider: builtIn("FARGATE") })).toThrow(message);
  });

  // ECS (RunTask volumeConfigurations): "The details of the volume that was configuredAtLaunch. You can configure the
  // size, volumeType, IOPS, throughput, snapshot and encryption in TaskManagedEBSVolumeConfiguration."
  describe("volumeConfigurations → a generic ephemeral volume per task", () => {
    const withLaunchVolume = aTaskDefinition(
      { volumes: [{ name: "data", configuredAtLaunch: true }] },
      aContainer("app", { mountPoints: [{ sourceVolume: "data", containerPath: "/data" }] }),
    );
    const volumeOf = (pod: V1Pod) => pod.spec?.volumes?.find((v) => v.name === "data");

    it("managedEBSVolume gp3 20 GiB from a snapshot → a claim template of 20Gi, the storage class configured for gp3, the snapshot as data source", () => {
      const { pod, notes } = aTaskPod(
        { volumeConfigurations: [{ name: "data", managedEBSVolume: { volumeType: "gp3", sizeInGiB: 20, snapshotId: "snap-0123abcd" } }] },
        withLaunchVolume,
        { ebsStorageClasses: { gp3: "ebs-gp3" } },
      );
      expect(volumeOf(pod)).toEqual({
        name: "data",
        ephemeral: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: "20Gi" } },
              storageClassName: "ebs-gp3",
              dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap-0123abcd" },
            },
          },
        },
      });
      expect(notes).toEqual([]);
    });

    it("a volume type without a configured class → the default storage class, said in the notes; iops/throughput/encryption named as the class's", () => {
      const { pod, notes } = aTaskPod({ volumeConfigurations: [{ name: "data", managedEBSVolume: { volumeType: "io2", sizeInGiB: 8, iops: 3000, encrypted: true } }] }, withLaunchVolume);
      expect(volumeOf(pod)?.ephemeral?.volumeClaimTemplate?.spec.storageClassName).toBeUndefined();
      expect(notes).toEqual([
        "spec.volumeConfigurations[0].managedEBSVolume.volumeType: no storage class is configured for EBS volume type io2; the cluster's default storage class is used",
        "spec.volumeConfigurations[0].managedEBSVolume.iops: set by the storage class, not per volume",
        "spec.volumeConfigurations[0].managedEBSVolume.encrypted: set by the storage class, not per volume",
      ]);
    });

    it("deleteOnTermination false is named: an ephemeral claim is deleted with the pod", () => {
      const { notes } = aTaskPod({ volumeConfigurations: [{ name: "data", managedEBSVolume: { sizeInGiB: 8, terminationPolicy: { deleteOnTermination: false } } }] }, withLaunchVolume, { ebsStorageClasses: { gp3: "ebs-gp3" } });
      expect(notes).toEqual(["spec.volumeConfigurations[0].managedEBSVolume.terminationPolicy.deleteOnTermination: false is not honoured: the volume is deleted with the task's pod"]);
    });

    it("without volumeConfigurations the configuredAtLaunch volume stays an emptyDir", () => {
      expect(volumeOf(aTaskPod({}, withLaunchVolume).pod)).toEqual({ name: "data", emptyDir: {} });
    });

    it.each<[string, Partial<RunTaskInput>, RegExp]>([
      ["a volume the task definition does not configure at launch", { volumeConfigurations: [{ name: "logs", managedEBSVolume: { sizeInGiB: 8 } }] }, /spec\.volumeConfigurations\[0\]\.name: the task definition has no volume "logs" with configuredAtLaunch: true/],
      ["no size and no snapshot", { volumeConfigurations: [{ name: "data", managedEBSVolume: { volumeType: "gp3" } }] }, /spec\.volumeConfigurations\[0\]\.managedEBSVolume\.sizeInGiB: an EBS volume needs sizeInGiB/],
    ])("%s → SpecError naming the field", (_n, spec, message) => {
      expect(() => aTaskPod(spec, withLaunchVolume)).toThrow(message);
    });
  });

  it("accepted RunTask fields with no counterpart are named in the notes, never dropped silently", () => {
    const { notes } = aTaskPod({ networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, platformVersion: "1.4.0", enableExecuteCommand: true, clientToken: "abc" });
    expect(notes.map((n) => n.slice(0, n.indexOf(":")))).toEqual(["spec.networkConfiguration", "spec.platformVersion", "spec.enableExecuteCommand", "spec.clientToken"]);
    expect(aTaskPod({}).notes).toEqual([]);
  });

  it("a field a newer RunTask API added is accepted and named in the notes", () => {
    const { notes } = aTaskPod({ ...({ futureKnob: true } as Record<string, unknown>) });
    expect(notes).toEqual(["spec.futureKnob: not a RunTask field this version of the operator knows; ignored"]);
  });

  it("a memberOf expression that does not parse throws SpecError naming the field", () => {
    expect(() => aTaskPod({ placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type ==" }] })).toThrow(SpecError);
  });

  it("dependsOn SUCCESS → an init container that must exit 0 (restartPolicy Never fails the pod otherwise); START → a native sidecar", () => {
    const td = aTaskDefinition(
      {},
      aContainer("app", { dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }, { containerName: "envoy", condition: "START" }] }),
      aContainer("migrate", { essential: false }),
      aContainer("envoy", { essential: false }),
    );
    const { pod } = aTaskPod({}, td);
    expect(pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([["migrate", undefined], ["envoy", "Always"]]);
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(["app"]);
    expect(pod.spec?.restartPolicy).toBe("Never");
  });

  it("stopTimeout → terminationGracePeriodSeconds (the grace the remaining containers get when the task stops)", () => {
    const { pod } = aTaskPod({}, aTaskDefinition({}, aContainer("app", { stopTimeout: 90 }), aContainer("sidecar", { essential: false })));
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(90);
  });
});

describe("containerRestart", () => {
  const mapping = (restartPolicy?: { enabled: boolean; ignoredExitCodes?: number[] }, role: "container" | "init" | "sidecar" = "container") => ({
    name: "app",
    container: "app",
    essential: true,
    role,
    ...(restartPolicy === undefined ? {} : { restartPolicy }),
  });
  it.each<[string, ReturnType<typeof mapping>, unknown]>([
    ["no restartPolicy → none (the pod's Never)", mapping(), undefined],
    ["restartPolicy disabled → none", mapping({ enabled: false }), undefined],
    ["restartPolicy enabled → the container restarts on every exit (Always)", mapping({ enabled: true }), { restartPolicy: "Always" }],
    [
      "restartPolicy with ignoredExitCodes → restart rules: restart unless the exit code is ignored",
      mapping({ enabled: true, ignoredExitCodes: [0, 3] }),
      { restartPolicy: "Never", restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "NotIn", values: [0, 3] } }] },
    ],
    ["an init container keeps its role's policy", mapping({ enabled: true }, "init"), undefined],
  ])("%s", (_n, m, want) => {
    expect(containerRestart(m)).toEqual(want);
  });

  it("the pod carries the restart policy of the container that asks for it", () => {
    const { pod } = aTaskPod({}, aTaskDefinition({}, aContainer("app"), aContainer("worker", { essential: false, restartPolicy: { enabled: true } })));
    expect(containerOf(pod, "worker").restartPolicy).toBe("Always");
    expect(containerOf(pod, "app").restartPolicy).toBeUndefined();
  });
});

describe("taskGroup", () => {
  it.each<[string, string | undefined, string]>([
    ["no group → family:<family>, as RunTask defaults it", undefined, "family:batch"],
    ["a group is kept", "service:web", "service:web"],
  ])("%s", (_n, group, want) => {
    expect(taskGroup(group === undefined ? {} : { group }, "batch")).toBe(want);
  });
});
