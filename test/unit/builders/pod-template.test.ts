// Task definition → pod template, one row per row of docs/mapping.md. Each row's name starts with the field it pins
// (as docs/mapping.md writes it); the last block checks that docs/mapping.md and these rows cover every field of the
// RegisterTaskDefinition schema.
import { SpecError } from "../../../src/api/spec-error.ts";
import { readFileSync } from "node:fs";
import { familyLabelValue } from "../../../src/builders/task-definition/revision.ts";
import type { V1Container } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ContainerDefinition, TaskDefinitionSpec, Volume } from "../../../src/api/task-definition.ts";
import { buildPodTemplate, type PodTemplate, type PodTemplateContext } from "../../../src/builders/pod/template.ts";
import { CONTAINERS_ANNOTATION, DOCKER_LABELS_ANNOTATION, LOG_CONFIGURATION_ANNOTATION } from "../../../src/api/keys.ts";

type Spec = TaskDefinitionSpec;
type Container = ContainerDefinition;

// ---------------------------------------------------------------- fixtures that read like sentences

const CTX: PodTemplateContext = { namespace: "shop", family: "web", revision: 3 };
const onEc2 = CTX;
const onFargate: PodTemplateContext = { ...CTX, capacityProviderType: "FARGATE" };
const inRegion = (region: string): PodTemplateContext => ({ ...CTX, region });

function aContainer(name: string, fields: Partial<Container> = {}): Container {
  return { name, image: `registry.example.com/${name}:1.0`, memory: 256, ...fields };
}
function aTaskDefinition(fields: Partial<Spec> = {}, ...containers: Container[]): Spec {
  return { family: "web", containerDefinitions: containers.length > 0 ? containers : [aContainer("app")], ...fields };
}
/** A task definition whose only container, app, has `fields`. */
const anAppWith = (fields: Partial<Container>, task: Partial<Spec> = {}): Spec => aTaskDefinition(task, aContainer("app", fields));
const aFargateTask = (cpu: string, memory: string, ...containers: Container[]): Spec =>
  aTaskDefinition({ requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu, memory }, ...containers);
const withVolume = (volume: Volume, mount: Partial<{ containerPath: string; readOnly: boolean }> = {}): Spec =>
  aTaskDefinition({ volumes: [volume] }, aContainer("app", { mountPoints: [{ sourceVolume: volume.name, containerPath: "/data", ...mount }] }));

// ---------------------------------------------------------------- reading the result

const all = (r: PodTemplate): V1Container[] => [...(r.template.spec.initContainers ?? []), ...r.template.spec.containers];
function containerOf(r: PodTemplate, name = "app"): V1Container {
  const c = all(r).find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${all(r).map((x) => x.name).join(", ")}`);
  return c;
}
const unsupported = (r: PodTemplate): string[] => r.unsupported.map((u) => u.field);
const containersAnnotation = (r: PodTemplate): unknown => JSON.parse(r.template.metadata.annotations[CONTAINERS_ANNOTATION] ?? "null");

interface Row {
  name: string;
  td: Spec;
  ctx?: PodTemplateContext;
  check: (r: PodTemplate) => void;
}

function rows(list: Row[]): void {
  for (const row of list) {
    it(row.name, () => {
      row.check(buildPodTemplate(row.td, row.ctx ?? CTX));
    });
  }
}

const ROW_NAMES: string[] = [];
const named = (list: Row[]): Row[] => {
  ROW_NAMES.push(...list.map((r) => r.name));
  return list;
};

// ---------------------------------------------------------------- task level

const TASK_ROWS = named([
  {
    name: "family web, revision 3 → labels ecs.operator.dev/family=web, revision=3 and annotation web:3",
    td: aTaskDefinition(),
    check: (r) => {
      expect(r.template.metadata.labels).toEqual({ "ecs.operator.dev/family": "web", "ecs.operator.dev/revision": "3" });
      expect(r.template.metadata.annotations["ecs.operator.dev/task-definition"]).toBe("web:3");
    },
  },
  {
    name: "a family that is no valid label value (_web_) → the same hashed label value as its ControllerRevisions carry",
    td: aTaskDefinition({ family: "_web_" }),
    ctx: { namespace: "shop", family: "_web_", revision: 1 },
    check: (r) => {
      expect(r.template.metadata.labels["ecs.operator.dev/family"]).toBe(familyLabelValue("_web_"));
      expect(r.template.metadata.labels["ecs.operator.dev/family"]).toMatch(/^web-[0-9a-f]{8}$/);
    },
  },
  {
    name: "containerDefinitions → one Kubernetes container each, in the task definition's order",
    td: aTaskDefinition({}, aContainer("app"), aContainer("worker"), aContainer("metrics")),
    check: (r) => {
      expect(r.template.spec.containers.map((c) => [c.name, c.image])).toEqual([
        ["app", "registry.example.com/app:1.0"],
        ["worker", "registry.example.com/worker:1.0"],
        ["metrics", "registry.example.com/metrics:1.0"],
      ]);
      expect(r.template.spec.initContainers).toBeUndefined();
      expect(r.template.spec.enableServiceLinks).toBe(false);
    },
  },
  {
    name: "taskRoleArn of an IAM role → ServiceAccount named after the role, with the IRSA annotation and a mounted token",
    td: aTaskDefinition({ taskRoleArn: "arn:aws:iam::111122223333:role/service-role/Storefront_Task" }),
    check: (r) => {
      expect(r.serviceAccount).toEqual({
        name: "storefront-task",
        namespace: "shop",
        annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/service-role/Storefront_Task" },
        automountServiceAccountToken: true,
      });
      expect(r.template.spec.serviceAccountName).toBe("storefront-task");
      expect(r.template.spec.automountServiceAccountToken).toBe(true);
    },
  },
  {
    name: "taskRoleArn that is not an IAM role ARN → ServiceAccount of that name, no IRSA annotation",
    td: aTaskDefinition({ taskRoleArn: "billing_reader" }),
    check: (r) => {
      expect(r.serviceAccount).toEqual({ name: "billing-reader", namespace: "shop", annotations: {}, automountServiceAccountToken: true });
    },
  },
  {
    name: "taskRoleArn absent → no ServiceAccount and automountServiceAccountToken false",
    td: aTaskDefinition(),
    check: (r) => {
      expect(r.serviceAccount).toBeUndefined();
      expect(r.template.spec.serviceAccountName).toBeUndefined();
      expect(r.template.spec.automountServiceAccountToken).toBe(false);
    },
  },
  {
    name: "kubernetes.serviceAccountName → used instead of the taskRoleArn ServiceAccount",
    td: aTaskDefinition({ taskRoleArn: "arn:aws:iam::111122223333:role/web", kubernetes: { serviceAccountName: "web-identity" } }),
    check: (r) => {
      expect(r.serviceAccount).toBeUndefined();
      expect(r.template.spec.serviceAccountName).toBe("web-identity");
      expect(r.template.spec.automountServiceAccountToken).toBe(true);
    },
  },
  {
    name: "executionRoleArn → accepted, nothing in the pod (image pull secrets and Secrets take its place)",
    td: aTaskDefinition({ executionRoleArn: "arn:aws:iam::111122223333:role/ecsTaskExecutionRole" }),
    check: (r) => {
      expect(r.unsupported).toEqual([]);
      expect(JSON.stringify(r.template)).not.toContain("ecsTaskExecutionRole");
    },
  },
  {
    name: "networkMode awsvpc → the pod network, no host ports",
    td: anAppWith({ portMappings: [{ containerPort: 8080, hostPort: 8080 }] }, { networkMode: "awsvpc" }),
    check: (r) => {
      expect(containerOf(r).ports).toEqual([{ containerPort: 8080, protocol: "TCP" }]);
      expect(r.template.spec.hostNetwork).toBeUndefined();
    },
  },
  {
    name: "networkMode bridge (the default) → the pod network; a fixed hostPort becomes a hostPort, 0 none",
    td: anAppWith({ portMappings: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 443, hostPort: 0 }] }),
    check: (r) => {
      expect(containerOf(r).ports).toEqual([
        { containerPort: 80, protocol: "TCP", hostPort: 8080 },
        { containerPort: 443, protocol: "TCP" },
      ]);
    },
  },
  {
    name: "networkMode host → hostNetwork, each port also a hostPort",
    td: anAppWith({ portMappings: [{ containerPort: 9100 }] }, { networkMode: "host" }),
    check: (r) => {
      expect(r.template.spec.hostNetwork).toBe(true);
      expect(containerOf(r).ports).toEqual([{ containerPort: 9100, protocol: "TCP", hostPort: 9100 }]);
    },
  },
  {
    name: "networkMode none → unsupported (pods always have a network)",
    td: aTaskDefinition({ networkMode: "none" }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.networkMode"]);
    },
  },
  {
    name: 'cpu "1 vCPU" with containers of 256 and none → limits 250m and 750m (the task size bounds the pod)',
    td: aTaskDefinition({ cpu: "1 vCPU" }, aContainer("app", { cpu: 256 }), aContainer("worker")),
    check: (r) => {
      expect(containerOf(r, "app").resources?.limits?.cpu).toBe("250m");
      expect(containerOf(r, "app").resources?.requests?.cpu).toBe("250m");
      expect(containerOf(r, "worker").resources?.limits?.cpu).toBe("750m");
    },
  },
  {
    name: 'memory "2 GB" with containers of 512 MiB and none → limits 512Mi and 1536Mi',
    td: aTaskDefinition({ memory: "2 GB" }, aContainer("app", { memory: 512 }), aContainer("worker", { memory: undefined })),
    check: (r) => {
      expect(containerOf(r, "app").resources?.limits?.memory).toBe("512Mi");
      expect(containerOf(r, "worker").resources?.limits?.memory).toBe("1536Mi");
    },
  },
  {
    name: "memory: what every container's own value leaves over goes to the first essential container",
    td: aTaskDefinition({ memory: "1024" }, aContainer("sidecar", { memory: 256, essential: false }), aContainer("app", { memory: 512 })),
    check: (r) => {
      expect(containerOf(r, "app").resources?.limits?.memory).toBe("768Mi");
      expect(containerOf(r, "sidecar").resources?.limits?.memory).toBe("256Mi");
    },
  },
  {
    name: "memory: memoryReservation on EC2 with a task memory → request, limit from the split",
    td: aTaskDefinition({ memory: "1024" }, aContainer("app", { memory: undefined, memoryReservation: 128 })),
    check: (r) => {
      expect(containerOf(r).resources).toEqual({ requests: { memory: "128Mi" }, limits: { memory: "1024Mi" } });
    },
  },
  {
    name: "requiresCompatibilities [FARGATE] alone sizes nothing: the capacity provider type decides",
    td: aFargateTask("512", "1024", aContainer("app", { cpu: 256, memory: 512, memoryReservation: 256 })),
    ctx: onEc2,
    check: (r) => {
      expect(containerOf(r).resources?.requests?.memory).toBe("256Mi");
    },
  },
  {
    name: "pidMode task → shareProcessNamespace",
    td: aTaskDefinition({ pidMode: "task" }),
    check: (r) => {
      expect(r.template.spec.shareProcessNamespace).toBe(true);
    },
  },
  {
    name: "pidMode host → hostPID",
    td: aTaskDefinition({ pidMode: "host" }),
    check: (r) => {
      expect(r.template.spec.hostPID).toBe(true);
      expect(r.template.spec.shareProcessNamespace).toBeUndefined();
    },
  },
  {
    name: "ipcMode host → hostIPC",
    td: aTaskDefinition({ ipcMode: "host" }),
    check: (r) => {
      expect(r.template.spec.hostIPC).toBe(true);
    },
  },
  {
    name: "ipcMode task → nothing to do (the containers of a pod share IPC)",
    td: aTaskDefinition({ ipcMode: "task" }),
    check: (r) => {
      expect(r.template.spec.hostIPC).toBeUndefined();
      expect(r.unsupported).toEqual([]);
    },
  },
  {
    name: "ipcMode none → unsupported",
    td: aTaskDefinition({ ipcMode: "none" }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.ipcMode"]);
    },
  },
  {
    name: "proxyConfiguration → unsupported (no App Mesh redirection)",
    td: aTaskDefinition({ proxyConfiguration: { type: "APPMESH", containerName: "app" } }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.proxyConfiguration"]);
    },
  },
  {
    name: "inferenceAccelerators → unsupported (Elastic Inference is retired)",
    td: aTaskDefinition({ inferenceAccelerators: [{ deviceName: "eia", deviceType: "eia2.medium" }] }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.inferenceAccelerators"]);
    },
  },
  {
    name: "ephemeralStorage 50 GiB → ephemeral-storage 50Gi requested and limited on the first essential container",
    td: aTaskDefinition({ ephemeralStorage: { sizeInGiB: 50 } }, aContainer("init", { essential: false }), aContainer("app")),
    check: (r) => {
      expect(containerOf(r, "app").resources?.limits?.["ephemeral-storage"]).toBe("50Gi");
      expect(containerOf(r, "app").resources?.requests?.["ephemeral-storage"]).toBe("50Gi");
      expect(containerOf(r, "init").resources?.limits?.["ephemeral-storage"]).toBeUndefined();
    },
  },
  {
    name: "runtimePlatform LINUX / ARM64 → os linux and node selector kubernetes.io/os=linux, kubernetes.io/arch=arm64",
    td: aTaskDefinition({ runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" } }),
    check: (r) => {
      expect(r.template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64" });
      expect(r.template.spec.os).toEqual({ name: "linux" });
    },
  },
  {
    name: "runtimePlatform WINDOWS_SERVER_2019_CORE / X86_64 → os windows, windows-build 10.0.17763, arch amd64",
    td: aTaskDefinition({ runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2019_CORE", cpuArchitecture: "X86_64" } }),
    check: (r) => {
      expect(r.template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "windows", "node.kubernetes.io/windows-build": "10.0.17763", "kubernetes.io/arch": "amd64" });
      expect(r.template.spec.os).toEqual({ name: "windows" });
    },
  },
  {
    name: "enableFaultInjection true → unsupported",
    td: aTaskDefinition({ enableFaultInjection: true }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.enableFaultInjection"]);
    },
  },
  {
    name: "placementConstraints memberOf → handed to the placement compiler (placementConstraints of the result)",
    td: aTaskDefinition({ placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }] }),
    check: (r) => {
      expect(r.placementConstraints).toEqual([{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.*" }]);
      expect(r.template.spec.affinity).toBeUndefined();
    },
  },
  {
    name: "tags → not on the pod template (the Service and Task builders propagate them)",
    td: aTaskDefinition({ tags: [{ key: "team", value: "payments" }] }),
    check: (r) => {
      expect(JSON.stringify(r.template)).not.toContain("payments");
      expect(r.unsupported).toEqual([]);
    },
  },
  {
    name: "volumes host.sourcePath → hostPath",
    td: withVolume({ name: "docker_sock", host: { sourcePath: "/var/run/docker.sock" } }, { containerPath: "/var/run/docker.sock" }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "docker-sock", hostPath: { path: "/var/run/docker.sock" } }]);
      expect(containerOf(r).volumeMounts).toEqual([{ name: "docker-sock", mountPath: "/var/run/docker.sock" }]);
    },
  },
  {
    name: "volumes host {} (a Docker-managed volume) → emptyDir",
    td: withVolume({ name: "scratch", host: {} }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "scratch", emptyDir: {} }]);
    },
  },
  {
    name: "volumes dockerVolumeConfiguration scope task → emptyDir; driverOpts type tmpfs → medium Memory",
    td: withVolume({ name: "cache", dockerVolumeConfiguration: { scope: "task", driver: "local", driverOpts: { type: "tmpfs", device: "tmpfs" } } }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "cache", emptyDir: { medium: "Memory" } }]);
      expect(r.unsupported).toEqual([]);
    },
  },
  {
    name: "volumes dockerVolumeConfiguration other driverOpts and labels → unsupported, the volume stays an emptyDir",
    td: withVolume({ name: "cache", dockerVolumeConfiguration: { scope: "task", driver: "rexray/ebs", driverOpts: { size: "5" }, labels: { a: "b" } } }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "cache", emptyDir: {} }]);
      expect(unsupported(r)).toEqual(["spec.volumes[0].dockerVolumeConfiguration.labels", "spec.volumes[0].dockerVolumeConfiguration.driver", "spec.volumes[0].dockerVolumeConfiguration.driverOpts"]);
    },
  },
  {
    name: "volumes dockerVolumeConfiguration scope shared → PersistentVolumeClaim named after the volume (autoprovision reported)",
    td: withVolume({ name: "Shared_Data", dockerVolumeConfiguration: { scope: "shared", autoprovision: true } }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "shared-data", persistentVolumeClaim: { claimName: "shared-data" } }]);
      expect(r.volumeClaims).toEqual([{ claimName: "shared-data", volume: "Shared_Data", kind: "dockerShared", autoprovision: true }]);
    },
  },
  {
    name: "volumes efsVolumeConfiguration with a region → NFS volume fs-12345678.efs.eu-west-1.amazonaws.com",
    td: withVolume({ name: "assets", efsVolumeConfiguration: { fileSystemId: "fs-12345678", rootDirectory: "/static" } }),
    ctx: inRegion("eu-west-1"),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "assets", nfs: { server: "fs-12345678.efs.eu-west-1.amazonaws.com", path: "/static" } }]);
    },
  },
  {
    name: "volumes efsVolumeConfiguration with an access point (or IAM, TLS) → PersistentVolumeClaim efs-<fs>-<ap>",
    td: withVolume({
      name: "assets",
      efsVolumeConfiguration: { fileSystemId: "fs-12345678", transitEncryption: "ENABLED", authorizationConfig: { accessPointId: "fsap-0abc", iam: "ENABLED" } },
    }),
    ctx: inRegion("eu-west-1"),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "assets", persistentVolumeClaim: { claimName: "efs-fs-12345678-fsap-0abc" } }]);
      expect(r.volumeClaims).toEqual([{ claimName: "efs-fs-12345678-fsap-0abc", volume: "assets", kind: "efs", fileSystemId: "fs-12345678", accessPointId: "fsap-0abc" }]);
    },
  },
  {
    name: "volumes efsVolumeConfiguration without a region → PersistentVolumeClaim efs-<fs>, rootDirectory as the mounts' subPath",
    td: withVolume({ name: "assets", efsVolumeConfiguration: { fileSystemId: "fs-12345678", rootDirectory: "/static/" } }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "assets", persistentVolumeClaim: { claimName: "efs-fs-12345678" } }]);
      expect(containerOf(r).volumeMounts).toEqual([{ name: "assets", mountPath: "/data", subPath: "static" }]);
    },
  },
  {
    name: "volumes fsxWindowsFileServerVolumeConfiguration → unsupported, an emptyDir in its place",
    td: withVolume({ name: "share", fsxWindowsFileServerVolumeConfiguration: { fileSystemId: "fs-0123", rootDirectory: "\\share", authorizationConfig: { credentialsParameter: "arn", domain: "corp.example.com" } } }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "share", emptyDir: {} }]);
      expect(unsupported(r)).toEqual(["spec.volumes[0].fsxWindowsFileServerVolumeConfiguration"]);
    },
  },
  {
    name: "volumes s3filesVolumeConfiguration → unsupported, an emptyDir in its place",
    td: withVolume({ name: "objects", s3filesVolumeConfiguration: { fileSystemArn: "arn:aws:s3files:eu-west-1:111122223333:file-system/fs-1" } }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.volumes[0].s3filesVolumeConfiguration"]);
    },
  },
  {
    name: "volumes configuredAtLaunch → a placeholder the Service or Task builder replaces (configuredAtLaunchVolumes)",
    td: withVolume({ name: "ebs_data", configuredAtLaunch: true }),
    check: (r) => {
      expect(r.configuredAtLaunchVolumes).toEqual([{ volume: "ebs_data", podVolume: "ebs-data" }]);
      expect(r.unsupported).toEqual([]);
    },
  },
  {
    name: "a field ECS does not have (platformFamily) → unsupported, named by its path",
    td: { ...aTaskDefinition(), platformFamily: "Linux" } as Spec,
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.platformFamily"]);
    },
  },
  {
    name: "describe-only fields of a console export (taskDefinitionArn, revision, status) → ignored",
    td: { ...aTaskDefinition(), taskDefinitionArn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3", revision: 3, status: "ACTIVE" } as Spec,
    check: (r) => {
      expect(r.unsupported).toEqual([]);
    },
  },
  {
    name: "kubernetes.podLabels, podAnnotations and imagePullSecrets → on the pod template",
    td: aTaskDefinition({ kubernetes: { podLabels: { tier: "web" }, podAnnotations: { "example.com/owner": "shop" }, imagePullSecrets: ["regcred"] } }),
    check: (r) => {
      expect(r.template.metadata.labels.tier).toBe("web");
      expect(r.template.metadata.annotations["example.com/owner"]).toBe("shop");
      expect(r.template.spec.imagePullSecrets).toEqual([{ name: "regcred" }]);
    },
  },
]);

// ---------------------------------------------------------------- container level

const CONTAINER_ROWS = named([
  {
    name: "name log_router → container log-router, everywhere it is referenced (dependsOn, annotation)",
    td: aTaskDefinition({}, aContainer("log_router", { essential: false }), aContainer("app", { dependsOn: [{ containerName: "log_router", condition: "START" }] })),
    check: (r) => {
      expect(r.template.spec.initContainers?.map((c) => c.name)).toEqual(["log-router"]);
      expect(containersAnnotation(r)).toEqual([
        { name: "log_router", container: "log-router", essential: false, role: "sidecar" },
        { name: "app", container: "app", essential: true, role: "container", dependsOn: [{ container: "log-router", condition: "START" }] },
      ]);
    },
  },
  {
    name: "name Web next to web → web keeps its name, Web becomes web-<hash>",
    td: aTaskDefinition({}, aContainer("Web"), aContainer("web")),
    check: (r) => {
      const names = r.template.spec.containers.map((c) => c.name);
      expect(names[1]).toBe("web");
      expect(names[0]).toMatch(/^web-[0-9a-f]{6}$/);
    },
  },
  {
    name: "name of 80 characters → cut to 63 with a hash",
    td: aTaskDefinition({}, aContainer("a".repeat(80))),
    check: (r) => {
      const name = r.template.spec.containers[0]?.name ?? "";
      expect(name).toHaveLength(63);
      expect(name).toMatch(/^a+-[0-9a-f]{6}$/);
    },
  },
  {
    name: "image → image, as written",
    td: anAppWith({ image: "public.ecr.aws/nginx/nginx:1.27" }),
    check: (r) => {
      expect(containerOf(r).image).toBe("public.ecr.aws/nginx/nginx:1.27");
    },
  },
  {
    name: "repositoryCredentials.credentialsParameter → imagePullSecrets (the Secret named by the secret rule)",
    td: anAppWith({ repositoryCredentials: { credentialsParameter: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:registry/dockerhub-AbCdEf" } }),
    check: (r) => {
      expect(r.template.spec.imagePullSecrets).toEqual([{ name: "registry-dockerhub" }]);
      expect(r.secretRefs).toEqual([
        { secretName: "registry-dockerhub", key: ".dockerconfigjson", type: "kubernetes.io/dockerconfigjson", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:registry/dockerhub-AbCdEf" },
      ]);
    },
  },
  {
    name: "cpu 256 without a task cpu → request 250m, no limit (ECS cpu is a share, not a cap)",
    td: anAppWith({ cpu: 256 }),
    check: (r) => {
      expect(containerOf(r).resources?.requests?.cpu).toBe("250m");
      expect(containerOf(r).resources?.limits?.cpu).toBeUndefined();
    },
  },
  {
    name: "cpu 10 → request 9m (1024 units = 1000m, truncated)",
    td: anAppWith({ cpu: 10 }),
    check: (r) => {
      expect(containerOf(r).resources?.requests?.cpu).toBe("9m");
    },
  },
  {
    name: "memory 512 → limit and request 512Mi",
    td: anAppWith({ memory: 512 }),
    check: (r) => {
      expect(containerOf(r).resources).toEqual({ requests: { memory: "512Mi" }, limits: { memory: "512Mi" } });
    },
  },
  {
    name: "memoryReservation 128 with memory 512 → request 128Mi, limit 512Mi",
    td: anAppWith({ memory: 512, memoryReservation: 128 }),
    check: (r) => {
      expect(containerOf(r).resources).toEqual({ requests: { memory: "128Mi" }, limits: { memory: "512Mi" } });
    },
  },
  {
    name: "memoryReservation 128 alone → request 128Mi, no limit",
    td: anAppWith({ memory: undefined, memoryReservation: 128 }),
    check: (r) => {
      expect(containerOf(r).resources).toEqual({ requests: { memory: "128Mi" } });
    },
  },
  {
    name: "links db:database → hostAliases 127.0.0.1 database (containers of a pod share localhost)",
    td: aTaskDefinition({}, aContainer("db"), aContainer("app", { links: ["db:database"] })),
    check: (r) => {
      expect(r.template.spec.hostAliases).toEqual([{ ip: "127.0.0.1", hostnames: ["database"] }]);
    },
  },
  {
    name: "portMappings name http → container port name http",
    td: anAppWith({ portMappings: [{ containerPort: 8080, name: "http", appProtocol: "http" }] }),
    check: (r) => {
      expect(containerOf(r).ports).toEqual([{ containerPort: 8080, protocol: "TCP", name: "http" }]);
    },
  },
  {
    name: "portMappings name web_http_metrics_port → a ≤ 15-character DNS name with a hash",
    td: anAppWith({ portMappings: [{ containerPort: 9090, name: "web_http_metrics_port" }] }),
    check: (r) => {
      expect(containerOf(r).ports?.[0]?.name).toMatch(/^web-http-[0-9a-f]{6}$/);
    },
  },
  {
    name: "portMappings names that sanitise alike (a_b, a-b) → unique port names",
    td: aTaskDefinition({}, aContainer("app", { portMappings: [{ containerPort: 1, name: "a-b" }] }), aContainer("side", { portMappings: [{ containerPort: 2, name: "a_b" }] })),
    check: (r) => {
      const names = all(r).flatMap((c) => (c.ports ?? []).map((p) => p.name));
      expect(names[0]).toBe("a-b");
      expect(names[1]).not.toBe("a-b");
      expect((names[1] ?? "").length).toBeLessThanOrEqual(15);
    },
  },
  {
    name: "portMappings hostPort 8080 in two containers (bridge) → the second gets no host port, reported",
    td: aTaskDefinition({}, aContainer("app", { portMappings: [{ containerPort: 80, hostPort: 8080 }] }), aContainer("side", { portMappings: [{ containerPort: 81, hostPort: 8080 }] })),
    check: (r) => {
      expect(containerOf(r, "side").ports).toEqual([{ containerPort: 81, protocol: "TCP" }]);
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[1].portMappings[0].hostPort"]);
    },
  },
  {
    name: "portMappings protocol udp → UDP",
    td: anAppWith({ portMappings: [{ containerPort: 53, protocol: "udp" }] }),
    check: (r) => {
      expect(containerOf(r).ports).toEqual([{ containerPort: 53, protocol: "UDP" }]);
    },
  },
  {
    name: "portMappings containerPortRange 8000-8002 → container ports 8000, 8001, 8002",
    td: anAppWith({ portMappings: [{ containerPortRange: "8000-8002" }] }, { networkMode: "awsvpc" }),
    check: (r) => {
      expect(containerOf(r).ports?.map((p) => p.containerPort)).toEqual([8000, 8001, 8002]);
    },
  },
  {
    name: "portMappings containerPortRange of more than 100 ports → unsupported (not listed)",
    td: anAppWith({ portMappings: [{ containerPortRange: "10000-20000" }] }, { networkMode: "awsvpc" }),
    check: (r) => {
      expect(containerOf(r).ports).toBeUndefined();
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].portMappings[0].containerPortRange"]);
    },
  },
  {
    name: "essential false → recorded in the ecs.operator.dev/containers annotation",
    td: aTaskDefinition({}, aContainer("app"), aContainer("metrics", { essential: false })),
    check: (r) => {
      expect(containersAnnotation(r)).toEqual([
        { name: "app", container: "app", essential: true, role: "container" },
        { name: "metrics", container: "metrics", essential: false, role: "container" },
      ]);
    },
  },
  {
    name: "restartPolicy enabled → recorded in the annotation and reported: Tasks map it per container, Service tasks restart on every exit",
    td: anAppWith({ restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 60 } }),
    check: (r) => {
      expect(containersAnnotation(r)).toEqual([{ name: "app", container: "app", essential: true, role: "container", restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 60 } }]);
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].restartPolicy"]);
      expect(r.unsupported[0]?.reason).toBe(
        "standalone Tasks restart the container on every exit except ignoredExitCodes (a per-container restart policy and rule, feature ContainerRestartRules); " +
          "Service tasks restart it in place on every exit (their pods are restartPolicy Always), ignoredExitCodes included; restartAttemptPeriod has no counterpart (kubelet's crash-loop back-off applies); " +
          "recorded in the ecs.operator.dev/containers annotation",
      );
    },
  },
  {
    name: "restartPolicy of a dependsOn START target (a native sidecar) → reported: sidecars always restart",
    td: aTaskDefinition({}, aContainer("app", { dependsOn: [{ containerName: "envoy", condition: "START" }] }), aContainer("envoy", { restartPolicy: { enabled: true, ignoredExitCodes: [0] } })),
    check: (r) => {
      expect(r.unsupported.find((u) => u.field === "spec.containerDefinitions[1].restartPolicy")?.reason).toMatch(/^the container is a dependsOn START\/HEALTHY target, run as a native sidecar, which always restarts/);
    },
  },
  {
    name: "restartPolicy of a dependsOn SUCCESS target (an init container) → reported: it runs once",
    td: aTaskDefinition({}, aContainer("app", { dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] }), aContainer("migrate", { essential: false, restartPolicy: { enabled: true } })),
    check: (r) => {
      expect(r.unsupported.find((u) => u.field === "spec.containerDefinitions[1].restartPolicy")?.reason).toMatch(/^the container is a dependsOn COMPLETE\/SUCCESS target, run once as an init container: it is not restarted/);
    },
  },
  {
    name: "entryPoint → command",
    td: anAppWith({ entryPoint: ["sh", "-c"] }),
    check: (r) => {
      expect(containerOf(r).command).toEqual(["sh", "-c"]);
      expect(containerOf(r).args).toBeUndefined();
    },
  },
  {
    name: "command → args",
    td: anAppWith({ command: ["npm", "start"] }),
    check: (r) => {
      expect(containerOf(r).args).toEqual(["npm", "start"]);
      expect(containerOf(r).command).toBeUndefined();
    },
  },
  {
    name: "environment → env",
    td: anAppWith({ environment: [{ name: "PORT", value: "8080" }, { name: "EMPTY" }] }),
    check: (r) => {
      expect(containerOf(r).env).toEqual([
        { name: "PORT", value: "8080" },
        { name: "EMPTY", value: "" },
      ]);
    },
  },
  {
    name: "environmentFiles arn:aws:s3:::my-bucket/prod/app.env → envFrom ConfigMap my-bucket-prod-app.env",
    td: anAppWith({ environmentFiles: [{ type: "s3", value: "arn:aws:s3:::my-bucket/prod/app.env" }] }),
    check: (r) => {
      expect(containerOf(r).envFrom).toEqual([{ configMapRef: { name: "my-bucket-prod-app.env" } }]);
      expect(r.configMapRefs).toEqual([{ name: "my-bucket-prod-app.env", valueFrom: "arn:aws:s3:::my-bucket/prod/app.env" }]);
    },
  },
  {
    name: "environmentFiles that is not an S3 object ARN → unsupported",
    td: anAppWith({ environmentFiles: [{ type: "s3", value: "s3://my-bucket/app.env" }] }),
    check: (r) => {
      expect(containerOf(r).envFrom).toBeUndefined();
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].environmentFiles[0]"]);
    },
  },
  {
    name: "mountPoints readOnly → a read-only volume mount",
    td: withVolume({ name: "config", host: { sourcePath: "/etc/app" } }, { containerPath: "/etc/app", readOnly: true }),
    check: (r) => {
      expect(containerOf(r).volumeMounts).toEqual([{ name: "config", mountPath: "/etc/app", readOnly: true }]);
    },
  },
  {
    name: "mountPoints of the same volume at two paths → two mounts; the same path twice → the first, reported",
    td: aTaskDefinition(
      { volumes: [{ name: "proc", host: { sourcePath: "/proc" } }] },
      aContainer("app", {
        mountPoints: [
          { sourceVolume: "proc", containerPath: "/host/proc", readOnly: true },
          { sourceVolume: "proc", containerPath: "/rootfs/proc" },
          { sourceVolume: "proc", containerPath: "/rootfs/proc" },
        ],
      }),
    ),
    check: (r) => {
      expect(containerOf(r).volumeMounts).toEqual([
        { name: "proc", mountPath: "/host/proc", readOnly: true },
        { name: "proc", mountPath: "/rootfs/proc" },
      ]);
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].mountPoints"]);
    },
  },
  {
    name: "volumesFrom readOnly → the source container's mounts (and those it inherits), read-only",
    td: aTaskDefinition(
      { volumes: [{ name: "data", host: {} }, { name: "logs", host: {} }] },
      aContainer("writer", { essential: false, mountPoints: [{ sourceVolume: "data", containerPath: "/data" }] }),
      aContainer("relay", { essential: false, mountPoints: [{ sourceVolume: "logs", containerPath: "/logs" }], volumesFrom: [{ sourceContainer: "writer" }] }),
      aContainer("reader", { volumesFrom: [{ sourceContainer: "relay", readOnly: true }] }),
    ),
    check: (r) => {
      expect(containerOf(r, "relay").volumeMounts).toEqual([
        { name: "logs", mountPath: "/logs" },
        { name: "data", mountPath: "/data" },
      ]);
      expect(containerOf(r, "reader").volumeMounts).toEqual([
        { name: "logs", mountPath: "/logs", readOnly: true },
        { name: "data", mountPath: "/data", readOnly: true },
      ]);
    },
  },
  {
    name: "volumesFrom through a read-only volumesFrom → read-only further down the chain",
    td: aTaskDefinition(
      { volumes: [{ name: "data", host: {} }] },
      aContainer("writer", { essential: false, mountPoints: [{ sourceVolume: "data", containerPath: "/data" }] }),
      aContainer("relay", { essential: false, volumesFrom: [{ sourceContainer: "writer", readOnly: true }] }),
      aContainer("reader", { volumesFrom: [{ sourceContainer: "relay" }] }),
    ),
    check: (r) => {
      expect(containerOf(r, "reader").volumeMounts).toEqual([{ name: "data", mountPath: "/data", readOnly: true }]);
    },
  },
  {
    name: "linuxParameters.capabilities add SYS_PTRACE, drop ALL → securityContext.capabilities",
    td: anAppWith({ linuxParameters: { capabilities: { add: ["SYS_PTRACE"], drop: ["ALL"] } } }),
    check: (r) => {
      expect(containerOf(r).securityContext).toEqual({ capabilities: { add: ["SYS_PTRACE"], drop: ["ALL"] } });
    },
  },
  {
    name: "linuxParameters.devices → unsupported (device plugins or privileged containers)",
    td: anAppWith({ linuxParameters: { devices: [{ hostPath: "/dev/fuse", permissions: ["read", "write"] }] } }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].linuxParameters.devices"]);
    },
  },
  {
    name: "linuxParameters.initProcessEnabled → shareProcessNamespace (the pause process is PID 1 and reaps zombies)",
    td: anAppWith({ linuxParameters: { initProcessEnabled: true } }),
    check: (r) => {
      expect(r.template.spec.shareProcessNamespace).toBe(true);
    },
  },
  {
    name: "linuxParameters.sharedMemorySize 256 → a 256Mi memory emptyDir at /dev/shm",
    td: anAppWith({ linuxParameters: { sharedMemorySize: 256 } }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "shm-app", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } }]);
      expect(containerOf(r).volumeMounts).toEqual([{ name: "shm-app", mountPath: "/dev/shm" }]);
    },
  },
  {
    name: "linuxParameters.tmpfs /run 64 MiB → a 64Mi memory emptyDir at /run; mount options other than ro/rw reported",
    td: anAppWith({ linuxParameters: { tmpfs: [{ containerPath: "/run", size: 64, mountOptions: ["rw", "noexec"] }] } }),
    check: (r) => {
      expect(r.template.spec.volumes).toEqual([{ name: "tmpfs-app-0", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }]);
      expect(containerOf(r).volumeMounts).toEqual([{ name: "tmpfs-app-0", mountPath: "/run" }]);
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].linuxParameters.tmpfs[0].mountOptions"]);
    },
  },
  {
    name: "linuxParameters.maxSwap and swappiness → unsupported (swap is a node setting)",
    td: anAppWith({ linuxParameters: { maxSwap: 512, swappiness: 10 } }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].linuxParameters.maxSwap", "spec.containerDefinitions[0].linuxParameters.swappiness"]);
    },
  },
  {
    name: "secrets Secrets Manager ARN with a JSON key → secretKeyRef to Secret prod-db (suffix dropped), key password",
    td: anAppWith({ secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/DB-AbCdEf:password::" }] }),
    check: (r) => {
      expect(containerOf(r).env).toEqual([{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "prod-db", key: "password" } } }]);
      expect(r.secretRefs).toEqual([{ secretName: "prod-db", key: "password", type: "Opaque", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/DB-AbCdEf:password::" }]);
    },
  },
  {
    name: "secrets Secrets Manager ARN without a key → key value (the default)",
    td: anAppWith({ secrets: [{ name: "API_TOKEN", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:api_token-x1Y2z3" }] }),
    check: (r) => {
      expect(containerOf(r).env).toEqual([{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api-token", key: "value" } } }]);
    },
  },
  {
    name: "secrets with secretNaming prefix aws- and default key secret → Secret aws-<name>, key secret",
    td: anAppWith({ secrets: [{ name: "API_TOKEN", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:api-x1Y2z3" }] }),
    ctx: { ...CTX, secretNaming: { prefix: "aws-", defaultKey: "secret" } },
    check: (r) => {
      expect(containerOf(r).env).toEqual([{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "aws-api", key: "secret" } } }]);
    },
  },
  {
    name: "secrets Secrets Manager version stage or id → the current value, reported",
    td: anAppWith({ secrets: [{ name: "OLD", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf:password:AWSPREVIOUS:" }] }),
    check: (r) => {
      expect(containerOf(r).env).toEqual([{ name: "OLD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }]);
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].secrets[0].valueFrom"]);
    },
  },
  {
    name: "secrets SSM parameter ARN → Secret named after the parameter path, key value",
    td: anAppWith({ secrets: [{ name: "DB_HOST", valueFrom: "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/db/HOST" }] }),
    check: (r) => {
      expect(containerOf(r).env).toEqual([{ name: "DB_HOST", valueFrom: { secretKeyRef: { name: "prod-db-host", key: "value" } } }]);
    },
  },
  {
    name: "secrets SSM parameter by bare name → the same rule",
    td: anAppWith({ secrets: [{ name: "CONFIG", valueFrom: "AmazonCloudWatch-Config" }] }),
    check: (r) => {
      expect(containerOf(r).env).toEqual([{ name: "CONFIG", valueFrom: { secretKeyRef: { name: "amazoncloudwatch-config", key: "value" } } }]);
    },
  },
  {
    name: "dependsOn START → the dependency is a native sidecar (init container, restartPolicy Always)",
    td: aTaskDefinition({}, aContainer("app", { dependsOn: [{ containerName: "envoy", condition: "START" }] }), aContainer("envoy")),
    check: (r) => {
      expect(r.template.spec.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([["envoy", "Always"]]);
      expect(r.template.spec.containers.map((c) => c.name)).toEqual(["app"]);
    },
  },
  {
    name: "dependsOn HEALTHY → a native sidecar gated by a startup probe from its healthCheck",
    td: aTaskDefinition(
      {},
      aContainer("app", { dependsOn: [{ containerName: "db", condition: "HEALTHY" }] }),
      aContainer("db", { healthCheck: { command: ["CMD", "pg_isready"], interval: 10, retries: 3 } }),
    ),
    check: (r) => {
      const db = containerOf(r, "db");
      expect(db.restartPolicy).toBe("Always");
      expect(db.startupProbe).toEqual({ exec: { command: ["pg_isready"] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    },
  },
  {
    name: "dependsOn COMPLETE and SUCCESS → plain init containers that run to completion first",
    td: aTaskDefinition(
      {},
      aContainer("app", { dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }, { containerName: "warm", condition: "COMPLETE" }] }),
      aContainer("migrate", { essential: false }),
      aContainer("warm", { essential: false }),
    ),
    check: (r) => {
      expect(r.template.spec.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
        ["migrate", undefined],
        ["warm", undefined],
      ]);
    },
  },
  {
    name: "dependsOn chains → init containers in topological order (dependencies first)",
    td: aTaskDefinition(
      {},
      aContainer("app", { dependsOn: [{ containerName: "proxy", condition: "START" }] }),
      aContainer("proxy", { dependsOn: [{ containerName: "config", condition: "SUCCESS" }] }),
      aContainer("config", { essential: false, dependsOn: [{ containerName: "log_router", condition: "START" }] }),
      aContainer("log_router"),
    ),
    check: (r) => {
      expect(r.template.spec.initContainers?.map((c) => c.name)).toEqual(["log-router", "config", "proxy"]);
      expect(r.template.spec.containers.map((c) => c.name)).toEqual(["app"]);
    },
  },
  {
    name: "startTimeout → recorded in the annotation and reported (no per-container start deadline)",
    td: aTaskDefinition({}, aContainer("app", { dependsOn: [{ containerName: "init", condition: "SUCCESS" }] }), aContainer("init", { essential: false, startTimeout: 30 })),
    check: (r) => {
      expect(containersAnnotation(r)).toContainEqual({ name: "init", container: "init", essential: false, role: "init", startTimeout: 30 });
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[1].startTimeout"]);
    },
  },
  {
    name: "stopTimeout 120 → terminationGracePeriodSeconds 120 (the largest of the containers)",
    td: aTaskDefinition({}, aContainer("app", { stopTimeout: 120 }), aContainer("side", { stopTimeout: 10 })),
    check: (r) => {
      expect(r.template.spec.terminationGracePeriodSeconds).toBe(120);
    },
  },
  {
    name: "stopTimeout absent → terminationGracePeriodSeconds 30 (the ECS default)",
    td: aTaskDefinition(),
    check: (r) => {
      expect(r.template.spec.terminationGracePeriodSeconds).toBe(30);
    },
  },
  {
    name: "versionConsistency → the image is pulled as written",
    td: anAppWith({ versionConsistency: "disabled", image: "nginx:latest" }),
    check: (r) => {
      expect(containerOf(r).image).toBe("nginx:latest");
      expect(r.unsupported).toEqual([]);
    },
  },
  {
    name: "hostname → the pod's hostname",
    td: anAppWith({ hostname: "web-1" }),
    check: (r) => {
      expect(r.template.spec.hostname).toBe("web-1");
    },
  },
  {
    name: "hostname different in two containers → the first, the second reported",
    td: aTaskDefinition({}, aContainer("app", { hostname: "web" }), aContainer("side", { hostname: "side" })),
    check: (r) => {
      expect(r.template.spec.hostname).toBe("web");
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[1].hostname"]);
    },
  },
  {
    name: 'user "1000:2000" → runAsUser 1000, runAsGroup 2000',
    td: anAppWith({ user: "1000:2000" }),
    check: (r) => {
      expect(containerOf(r).securityContext).toEqual({ runAsUser: 1000, runAsGroup: 2000 });
    },
  },
  {
    name: 'user "nginx" → unsupported (Kubernetes needs numeric ids)',
    td: anAppWith({ user: "nginx" }),
    check: (r) => {
      expect(containerOf(r).securityContext).toBeUndefined();
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].user"]);
    },
  },
  {
    name: 'user "ContainerAdministrator" on Windows → windowsOptions.runAsUserName',
    td: anAppWith({ user: "ContainerAdministrator" }, { runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2022_CORE" } }),
    check: (r) => {
      expect(containerOf(r).securityContext).toEqual({ windowsOptions: { runAsUserName: "ContainerAdministrator" } });
    },
  },
  {
    name: "workingDirectory → workingDir",
    td: anAppWith({ workingDirectory: "/srv/app" }),
    check: (r) => {
      expect(containerOf(r).workingDir).toBe("/srv/app");
    },
  },
  {
    name: "disableNetworking true → unsupported",
    td: anAppWith({ disableNetworking: true }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].disableNetworking"]);
    },
  },
  {
    name: "privileged true → securityContext.privileged",
    td: anAppWith({ privileged: true }),
    check: (r) => {
      expect(containerOf(r).securityContext).toEqual({ privileged: true });
    },
  },
  {
    name: "readonlyRootFilesystem true → securityContext.readOnlyRootFilesystem",
    td: anAppWith({ readonlyRootFilesystem: true }),
    check: (r) => {
      expect(containerOf(r).securityContext).toEqual({ readOnlyRootFilesystem: true });
    },
  },
  {
    name: "readonlyRootFilesystem on Windows → unsupported (Linux-only securityContext fields)",
    td: anAppWith({ readonlyRootFilesystem: true }, { runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2022_CORE" } }),
    check: (r) => {
      expect(containerOf(r).securityContext).toBeUndefined();
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].readonlyRootFilesystem"]);
    },
  },
  {
    name: "dnsServers → dnsPolicy None with those nameservers (and the search domains)",
    td: anAppWith({ dnsServers: ["10.0.0.2"], dnsSearchDomains: ["corp.example.com"] }),
    check: (r) => {
      expect(r.template.spec.dnsPolicy).toBe("None");
      expect(r.template.spec.dnsConfig).toEqual({ nameservers: ["10.0.0.2"], searches: ["corp.example.com"] });
    },
  },
  {
    name: "dnsServers more than 3 over the containers → the first 3, the rest reported",
    td: aTaskDefinition({}, aContainer("app", { dnsServers: ["10.0.0.2", "10.0.0.3"] }), aContainer("side", { dnsServers: ["10.0.0.3", "10.0.0.4", "10.0.0.5"] })),
    check: (r) => {
      expect(r.template.spec.dnsConfig).toEqual({ nameservers: ["10.0.0.2", "10.0.0.3", "10.0.0.4"] });
      expect(r.unsupported).toEqual([{ field: "spec.containerDefinitions[].dnsServers", reason: "a pod takes at most 3 DNS servers; dropped: 10.0.0.5" }]);
    },
  },
  {
    name: "dnsSearchDomains alone → dnsConfig.searches added to the cluster DNS settings",
    td: anAppWith({ dnsSearchDomains: ["corp.example.com"] }),
    check: (r) => {
      expect(r.template.spec.dnsPolicy).toBeUndefined();
      expect(r.template.spec.dnsConfig).toEqual({ searches: ["corp.example.com"] });
    },
  },
  {
    name: "extraHosts → hostAliases, grouped by address",
    td: anAppWith({ extraHosts: [{ hostname: "db.local", ipAddress: "10.0.0.5" }, { hostname: "cache.local", ipAddress: "10.0.0.5" }] }),
    check: (r) => {
      expect(r.template.spec.hostAliases).toEqual([{ ip: "10.0.0.5", hostnames: ["db.local", "cache.local"] }]);
    },
  },
  {
    name: "dockerSecurityOptions no-new-privileges, apparmor:, label:type: → allowPrivilegeEscalation, appArmorProfile, seLinuxOptions",
    td: anAppWith({ dockerSecurityOptions: ["no-new-privileges", "apparmor:k8s-web", "label:type:container_t", "label:level:s0:c1"] }),
    check: (r) => {
      expect(containerOf(r).securityContext).toEqual({
        allowPrivilegeEscalation: false,
        appArmorProfile: { type: "Localhost", localhostProfile: "k8s-web" },
        seLinuxOptions: { type: "container_t", level: "s0:c1" },
      });
    },
  },
  {
    name: "dockerSecurityOptions credentialspec: → unsupported (gMSA)",
    td: anAppWith({ dockerSecurityOptions: ["credentialspec:arn:aws:ssm:us-west-2:111122223333:parameter/gmsa"] }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].dockerSecurityOptions[0]"]);
    },
  },
  {
    name: "interactive and pseudoTerminal → stdin and tty",
    td: anAppWith({ interactive: true, pseudoTerminal: true }),
    check: (r) => {
      expect(containerOf(r)).toMatchObject({ stdin: true, tty: true });
    },
  },
  {
    name: "dockerLabels → annotations docker-label.ecs.operator.dev/<key> and the ecs.operator.dev/docker-labels JSON",
    td: anAppWith({ dockerLabels: { "com.datadoghq.ad.check_names": '["nginx"]', "has space": "x" } }),
    check: (r) => {
      expect(r.template.metadata.annotations["docker-label.ecs.operator.dev/com.datadoghq.ad.check_names"]).toBe('["nginx"]');
      expect(Object.keys(r.template.metadata.annotations).some((k) => k.includes("has space"))).toBe(false);
      expect(JSON.parse(r.template.metadata.annotations[DOCKER_LABELS_ANNOTATION] ?? "{}")).toEqual({ app: { "com.datadoghq.ad.check_names": '["nginx"]', "has space": "x" } });
    },
  },
  {
    name: "ulimits → unsupported (no per-container ulimits)",
    td: anAppWith({ ulimits: [{ name: "nofile", softLimit: 65_536, hardLimit: 65_536 }] }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].ulimits"]);
    },
  },
  {
    name: "logConfiguration awslogs → stdout/stderr, kept in the ecs.operator.dev/log-configuration annotation",
    td: anAppWith({ logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/web" } } }),
    check: (r) => {
      expect(JSON.parse(r.template.metadata.annotations[LOG_CONFIGURATION_ANNOTATION] ?? "{}")).toEqual({ app: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/web" } } });
      expect(r.unsupported).toEqual([]);
    },
  },
  {
    name: "logConfiguration splunk (any driver but awslogs and json-file) and secretOptions → unsupported",
    td: anAppWith({ logConfiguration: { logDriver: "splunk", secretOptions: [{ name: "splunk-token", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:splunk-AbCdEf" }] } }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].logConfiguration.logDriver", "spec.containerDefinitions[0].logConfiguration.secretOptions"]);
    },
  },
  {
    name: "healthCheck CMD-SHELL → exec /bin/sh -c liveness and readiness probes (interval, timeout, retries)",
    td: anAppWith({ healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 15, timeout: 3, retries: 4 } }),
    check: (r) => {
      const probe = { exec: { command: ["/bin/sh", "-c", "curl -f http://localhost/ || exit 1"] }, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 };
      expect(containerOf(r).livenessProbe).toEqual(probe);
      expect(containerOf(r).readinessProbe).toEqual(probe);
      expect(containerOf(r).startupProbe).toBeUndefined();
    },
  },
  {
    name: "healthCheck CMD → exec of the arguments; defaults interval 30, timeout 5, retries 3",
    td: anAppWith({ healthCheck: { command: ["CMD", "/bin/check", "--quick"] } }),
    check: (r) => {
      expect(containerOf(r).livenessProbe).toEqual({ exec: { command: ["/bin/check", "--quick"] }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 });
    },
  },
  {
    name: "healthCheck CMD-SHELL on Windows → cmd /S /C",
    td: anAppWith({ healthCheck: { command: ["CMD-SHELL", "exit 0"] } }, { runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2019_FULL" } }),
    check: (r) => {
      expect(containerOf(r).livenessProbe?.exec?.command).toEqual(["cmd", "/S", "/C", "exit 0"]);
    },
  },
  {
    name: "healthCheck startPeriod 60 with interval 10, retries 3 → startupProbe failureThreshold 9 (60 s + 3 checks)",
    td: anAppWith({ healthCheck: { command: ["CMD", "true"], interval: 10, retries: 3, startPeriod: 60 } }),
    check: (r) => {
      expect(containerOf(r).startupProbe).toEqual({ exec: { command: ["true"] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 9 });
    },
  },
  {
    name: "healthCheck startPeriod on a sidecar others wait on to START → initialDelaySeconds (a startup probe would hold them back)",
    td: aTaskDefinition(
      {},
      aContainer("app", { dependsOn: [{ containerName: "xray", condition: "START" }] }),
      aContainer("xray", { healthCheck: { command: ["CMD", "true"], interval: 10, startPeriod: 30 } }),
    ),
    check: (r) => {
      const xray = containerOf(r, "xray");
      expect(xray.startupProbe).toBeUndefined();
      expect(xray.livenessProbe).toEqual({ exec: { command: ["true"] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, initialDelaySeconds: 30 });
      expect(xray.readinessProbe?.initialDelaySeconds).toBe(30);
    },
  },
  {
    name: "healthCheck on a container that runs to completion first (init container) → unsupported (init containers take no probes)",
    td: aTaskDefinition(
      {},
      aContainer("app", { dependsOn: [{ containerName: "migrate", condition: "COMPLETE" }] }),
      aContainer("migrate", { essential: false, healthCheck: { command: ["CMD", "true"] } }),
    ),
    check: (r) => {
      expect(containerOf(r, "migrate").livenessProbe).toBeUndefined();
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[1].healthCheck"]);
    },
  },
  {
    name: "systemControls net.core.somaxconn → pod securityContext.sysctls",
    td: anAppWith({ systemControls: [{ namespace: "net.core.somaxconn", value: "1024" }] }),
    check: (r) => {
      expect(r.template.spec.securityContext).toEqual({ sysctls: [{ name: "net.core.somaxconn", value: "1024" }] });
    },
  },
  {
    name: "systemControls vm.swappiness (not namespaced) → unsupported",
    td: anAppWith({ systemControls: [{ namespace: "vm.swappiness", value: "10" }] }),
    check: (r) => {
      expect(r.template.spec.securityContext).toBeUndefined();
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].systemControls[0]"]);
    },
  },
  {
    name: "systemControls net.* with networkMode host → unsupported (it would change the node)",
    td: anAppWith({ systemControls: [{ namespace: "net.ipv4.tcp_keepalive_time", value: "60" }] }, { networkMode: "host" }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].systemControls[0]"]);
    },
  },
  {
    name: "systemControls kernel.shmmax with ipcMode host → unsupported (it would change the node)",
    td: anAppWith({ systemControls: [{ namespace: "kernel.shmmax", value: "68719476736" }] }, { ipcMode: "host" }),
    check: (r) => {
      expect(r.template.spec.securityContext).toBeUndefined();
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].systemControls[0]"]);
    },
  },
  {
    name: "resourceRequirements GPU 2 → nvidia.com/gpu 2",
    td: anAppWith({ resourceRequirements: [{ type: "GPU", value: "2" }] }),
    check: (r) => {
      expect(containerOf(r).resources?.limits?.["nvidia.com/gpu"]).toBe("2");
    },
  },
  {
    name: "resourceRequirements NeuronDevice 1 → aws.amazon.com/neuron 1",
    td: anAppWith({ resourceRequirements: [{ type: "NeuronDevice", value: "1" }] }),
    check: (r) => {
      expect(containerOf(r).resources?.limits?.["aws.amazon.com/neuron"]).toBe("1");
    },
  },
  {
    name: "resourceRequirements InferenceAccelerator or sharingStrategy → unsupported",
    td: anAppWith({ resourceRequirements: [{ type: "InferenceAccelerator", value: "eia" }, { type: "GPU", sharingStrategy: { nvidiaMps: { memory: 1024 } } }] }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].resourceRequirements[0]", "spec.containerDefinitions[0].resourceRequirements[1].sharingStrategy"]);
    },
  },
  {
    name: "firelensConfiguration → unsupported (the router runs as an ordinary container)",
    td: anAppWith({ firelensConfiguration: { type: "fluentbit" } }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].firelensConfiguration"]);
    },
  },
  {
    name: "credentialSpecs → unsupported (gMSA)",
    td: anAppWith({ credentialSpecs: ["credentialspecdomainless:arn:aws:s3:::bucket/gmsa.json"] }),
    check: (r) => {
      expect(unsupported(r)).toEqual(["spec.containerDefinitions[0].credentialSpecs"]);
    },
  },
]);

// ---------------------------------------------------------------- FARGATE

const FARGATE_ROWS = named([
  {
    name: "FARGATE sizing 1 vCPU / 2 GB: requests = limits; a container of 256 units / 512 MiB keeps them, the other gets the rest",
    td: aFargateTask("1 vCPU", "2 GB", aContainer("app", { memory: undefined }), aContainer("xray", { cpu: 256, memory: 512, essential: false })),
    ctx: onFargate,
    check: (r) => {
      expect(containerOf(r, "app").resources).toEqual({ requests: { cpu: "750m", memory: "1536Mi" }, limits: { cpu: "750m", memory: "1536Mi" } });
      expect(containerOf(r, "xray").resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "250m", memory: "512Mi" } });
    },
  },
  {
    name: "FARGATE sizing: two containers without values share the remainder; rounding leftovers go to the essential container",
    td: aFargateTask("256", "512", aContainer("side", { memory: undefined, essential: false }), aContainer("app", { memory: undefined }), aContainer("third", { memory: undefined, essential: false })),
    ctx: onFargate,
    check: (r) => {
      expect(all(r).map((c) => c.resources?.limits?.memory)).toEqual(["170Mi", "172Mi", "170Mi"]);
    },
  },
  {
    name: "FARGATE runtimeClassName → the pod's runtimeClassName",
    td: aFargateTask("256", "512"),
    ctx: { ...onFargate, fargate: { runtimeClassName: "gvisor" } },
    check: (r) => {
      expect(r.template.spec.runtimeClassName).toBe("gvisor");
    },
  },
  {
    name: "FARGATE runtimeClassName on an EC2 capacity provider → not used",
    td: aFargateTask("256", "512"),
    ctx: { ...onEc2, fargate: { runtimeClassName: "gvisor" } },
    check: (r) => {
      expect(r.template.spec.runtimeClassName).toBeUndefined();
    },
  },
]);

describe("task level", () => {
  rows(TASK_ROWS);
});
describe("container level", () => {
  rows(CONTAINER_ROWS);
});
describe("FARGATE", () => {
  rows(FARGATE_ROWS);
});

// ---------------------------------------------------------------- refusals

function refusal(td: Spec, ctx: PodTemplateContext = CTX): SpecError {
  try {
    buildPodTemplate(td, ctx);
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error("expected a SpecError");
}

const REFUSALS: [string, Spec, PodTemplateContext, string, RegExp][] = [
  [
    "dependsOn cycle a → b → c → a → refused naming the three",
    aTaskDefinition(
      {},
      aContainer("a", { dependsOn: [{ containerName: "b", condition: "START" }] }),
      aContainer("b", { dependsOn: [{ containerName: "c", condition: "START" }] }),
      aContainer("c", { dependsOn: [{ containerName: "a", condition: "START" }] }),
      aContainer("app"),
    ),
    onEc2,
    "spec.containerDefinitions",
    /"a" → "b" → "c" → "a"/,
  ],
  ["cpu: containers reserving more than the task cpu → refused", aTaskDefinition({ cpu: "512" }, aContainer("app", { cpu: 1024 })), onEc2, "spec.cpu", /1024 CPU units.*512/],
  ["cpu \"2 cores\" → refused with the unit grammar", aTaskDefinition({ cpu: "2 cores" }), onEc2, "spec.cpu", /vCPU/],
  ["FARGATE host features: privileged → refused naming the field", aFargateTask("256", "512", aContainer("app", { privileged: true })), onFargate, "spec.containerDefinitions[0].privileged", /FARGATE/],
  [
    "FARGATE host features: host.sourcePath volume → refused naming the field",
    { ...aFargateTask("256", "512"), volumes: [{ name: "logs", host: { sourcePath: "/var/log" } }] },
    onFargate,
    "spec.volumes[0].host.sourcePath",
    /host volume/,
  ],
  [
    "FARGATE host features: hostPort 8080 for containerPort 80 → refused naming the field",
    aFargateTask("256", "512", aContainer("app", { portMappings: [{ containerPort: 80, hostPort: 8080 }] })),
    onFargate,
    "spec.containerDefinitions[0].portMappings[0].hostPort",
    /hostPort 8080/,
  ],
  [
    "FARGATE host features: linuxParameters.devices → refused naming the field",
    aFargateTask("256", "512", aContainer("app", { linuxParameters: { devices: [{ hostPath: "/dev/fuse" }] } })),
    onFargate,
    "spec.containerDefinitions[0].linuxParameters.devices",
    /devices/,
  ],
  ["FARGATE host features: networkMode host → refused", { ...aFargateTask("256", "512"), networkMode: "host" }, onFargate, "spec.networkMode", /networkMode host/],
  ["FARGATE host features: pidMode host → refused", { ...aFargateTask("256", "512"), pidMode: "host" }, onFargate, "spec.pidMode", /pidMode host/],
  ["FARGATE host features: ipcMode → refused", { ...aFargateTask("256", "512"), ipcMode: "host" }, onFargate, "spec.ipcMode", /ipcMode/],
  ["FARGATE sizing: cpu 256 with memory 4096 → refused with the allowed sizes", aFargateTask("256", "4096"), onFargate, "spec.memory", /512, 1024, 2048/],
  ["FARGATE sizing: without a task size → refused", aTaskDefinition(), onFargate, "spec.cpu", /cpu and memory/],
  [
    "FARGATE host features: capabilities add NET_ADMIN → refused (only SYS_PTRACE)",
    aFargateTask("256", "512", aContainer("app", { linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } })),
    onFargate,
    "spec.containerDefinitions[0].linuxParameters.capabilities.add",
    /SYS_PTRACE/,
  ],
  ["FARGATE host features: stopTimeout 300 → refused (at most 120)", aFargateTask("256", "512", aContainer("app", { stopTimeout: 300 })), onFargate, "spec.containerDefinitions[0].stopTimeout", /120/],
];

describe("refusals", () => {
  it.each(REFUSALS)("%s", (_, td, ctx, field, message) => {
    const e = refusal(td, ctx);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it("a dependsOn cycle is a SpecError with reason DependsOnCycle naming the containers in order", () => {
    const e = refusal(REFUSALS[0]?.[1] ?? aTaskDefinition());
    expect(e).toBeInstanceOf(SpecError);
    expect(e.conditionReason).toBe("DependsOnCycle");
    expect(e.message).toContain('"a" → "b" → "c" → "a"');
  });
});

// ---------------------------------------------------------------- purity and coverage of docs/mapping.md

describe("buildPodTemplate", () => {
  it("is pure: the same input gives the same output, and the input is not changed", () => {
    const td = aTaskDefinition(
      { cpu: "1 vCPU", memory: "2 GB", volumes: [{ name: "data", host: {} }] },
      aContainer("app", { dependsOn: [{ containerName: "side", condition: "START" }], mountPoints: [{ sourceVolume: "data", containerPath: "/d" }] }),
      aContainer("side", { volumesFrom: [{ sourceContainer: "app" }] }),
    );
    const copy = structuredClone(td);
    expect(buildPodTemplate(td, CTX)).toEqual(buildPodTemplate(copy, CTX));
    expect(td).toEqual(copy);
  });
});

const MAPPING = readFileSync(new URL("../../../docs/mapping.md", import.meta.url), "utf8");
/** The field tables start at "## Task level" (the context table before it describes the builder's input). */
const FIELD_TABLES = MAPPING.slice(MAPPING.indexOf("## Task level"));
/** The first cell of every field table row of docs/mapping.md (a field such as `linuxParameters.tmpfs`). */
const DOC_FIELDS = [...FIELD_TABLES.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] ?? "");

describe("docs/mapping.md", () => {
  it("lists every field of RegisterTaskDefinition, ContainerDefinition and Volume (the schema)", () => {
    const keys = (schema: unknown): string[] => Object.keys((schema as { properties: Record<string, unknown> }).properties);
    const documented = new Set(DOC_FIELDS.map((f) => f.split(/[ .[]/)[0]));
    const missing = [...keys(TaskDefinitionSpec), ...keys(ContainerDefinition), ...keys(Volume)].filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });

  it("has a table test for every row: some test above is named after the row's field", () => {
    const names = [...ROW_NAMES, ...REFUSALS.map((r) => r[0])];
    const untested = DOC_FIELDS.filter((field) => !names.some((n) => n.startsWith(field) || n.includes(` ${field} `)));
    expect(untested).toEqual([]);
  });
});
