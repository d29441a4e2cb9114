// One bad manifest per admission rule, with the message that refuses it. The unit tests check them against the
// offline admission (src/api/admission.ts) and the integration tests against the real API server, so the two
// cannot drift apart; a unit test also fails when a CEL rule of the CRDs has no row here.
import {
  aCapacityProvider,
  aCluster,
  aContainer,
  aFargateTaskDefinition,
  aScheduledTask,
  aService,
  aTask,
  aTaskDefinition,
  fargate,
  type Manifest,
  spot,
} from "./fixtures.ts";

export interface Refusal {
  /** What the row pins, as a sentence. */
  name: string;
  manifest: Manifest;
  /** For rules about changes: the object as it was before. */
  old?: Manifest;
  /** The field path the API server reports. */
  path: string;
  /** A part of the message the API server reports. */
  message: string;
}

const c = aContainer;
const healthy = { healthCheck: { command: ["CMD-SHELL", "true"] } };

export const REFUSALS: Refusal[] = [
  // ---------------------------------------------------------------- TaskDefinition: containers
  {
    name: "container names are unique",
    manifest: aTaskDefinition({ containerDefinitions: [c("app"), c("app", { essential: false })] }),
    path: "spec.containerDefinitions",
    message: 'container names must be unique, but "app" is used more than once',
  },
  {
    name: "at least one container is essential",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { essential: false }), c("sidecar", { essential: false })] }),
    path: "spec.containerDefinitions",
    message: "spec.containerDefinitions: at least one container must be essential",
  },
  {
    name: "at most 10 containers",
    manifest: aTaskDefinition({ containerDefinitions: Array.from({ length: 11 }, (_, i) => c(`c${i}`)) }),
    path: "spec.containerDefinitions",
    message: "must have at most 10 items",
  },
  {
    name: "container names are letters, numbers, hyphens and underscores",
    manifest: aTaskDefinition({ containerDefinitions: [c("my.app")] }),
    path: "spec.containerDefinitions[0].name",
    message: "should match '^[a-zA-Z0-9_-]{1,255}$'",
  },
  {
    name: "memory is greater than memoryReservation (ECS: \"If you specify both, memory must be greater than memoryReservation.\")",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { memory: 256, memoryReservation: 512 })] }),
    path: "spec.containerDefinitions[0].memoryReservation",
    message: "memory must be greater than memoryReservation",
  },
  {
    name: "memory equal to memoryReservation is refused too (greater, not equal)",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { memory: 256, memoryReservation: 256 })] }),
    path: "spec.containerDefinitions[0].memoryReservation",
    message: "memory must be greater than memoryReservation",
  },
  {
    name: "without task memory every container sets memory or memoryReservation",
    manifest: aTaskDefinition({ containerDefinitions: [c("app"), { name: "sidecar", image: "busybox" }] }),
    path: "spec.containerDefinitions",
    message: 'container "sidecar" sets neither memory nor memoryReservation, and the task sets no memory',
  },
  // ---------------------------------------------------------------- TaskDefinition: dependsOn
  {
    name: "dependsOn names an existing container",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { dependsOn: [{ containerName: "db", condition: "START" }] })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" dependsOn "db", which is not a container of this task definition',
  },
  {
    name: "a container does not depend on itself",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { dependsOn: [{ containerName: "app", condition: "START" }] })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" depends on itself',
  },
  {
    name: "two containers do not depend on each other",
    manifest: aTaskDefinition({
      containerDefinitions: [
        c("app", { dependsOn: [{ containerName: "proxy", condition: "START" }] }),
        c("proxy", { essential: false, dependsOn: [{ containerName: "app", condition: "START" }] }),
      ],
    }),
    path: "spec.containerDefinitions",
    message: 'containers "app" and "proxy" depend on each other (a dependsOn cycle)',
  },
  {
    name: "COMPLETE and SUCCESS wait only for non-essential containers",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] }), c("migrate")] }),
    path: "spec.containerDefinitions",
    message: 'container "app" waits for "migrate" to COMPLETE or SUCCEED, so that container must set essential: false',
  },
  {
    name: "HEALTHY waits only for containers with a healthCheck",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { dependsOn: [{ containerName: "db", condition: "HEALTHY" }] }), c("db", { essential: false })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" waits for "db" to be HEALTHY, but that container has no healthCheck',
  },
  {
    name: "dependsOn conditions are START, COMPLETE, SUCCESS or HEALTHY",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { dependsOn: [{ containerName: "db", condition: "READY" }] }), c("db", healthy)] }),
    path: "spec.containerDefinitions[0].dependsOn[0].condition",
    message: 'Unsupported value: "READY"',
  },
  // ---------------------------------------------------------------- TaskDefinition: health checks
  {
    name: "healthCheck interval is 5 to 300 seconds",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { healthCheck: { command: ["CMD", "true"], interval: 2 } })] }),
    path: "spec.containerDefinitions[0].healthCheck.interval",
    message: "should be greater than or equal to 5",
  },
  {
    name: "healthCheck timeout is 2 to 120 seconds",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { healthCheck: { command: ["CMD", "true"], timeout: 121 } })] }),
    path: "spec.containerDefinitions[0].healthCheck.timeout",
    message: "should be less than or equal to 120",
  },
  {
    name: "healthCheck retries are 1 to 10",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { healthCheck: { command: ["CMD", "true"], retries: 0 } })] }),
    path: "spec.containerDefinitions[0].healthCheck.retries",
    message: "should be greater than or equal to 1",
  },
  {
    name: "healthCheck startPeriod is 0 to 300 seconds",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { healthCheck: { command: ["CMD", "true"], startPeriod: 301 } })] }),
    path: "spec.containerDefinitions[0].healthCheck.startPeriod",
    message: "should be less than or equal to 300",
  },
  {
    name: "healthCheck needs a command",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { healthCheck: { interval: 30 } })] }),
    path: "spec.containerDefinitions[0].healthCheck.command",
    message: "Required value",
  },
  // ---------------------------------------------------------------- TaskDefinition: volumes and ports
  {
    name: "volumesFrom names an existing container",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { volumesFrom: [{ sourceContainer: "data" }] })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" has volumesFrom "data", which is not a container of this task definition',
  },
  {
    name: "mountPoints name a volume of the task definition",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { mountPoints: [{ sourceVolume: "cache", containerPath: "/cache" }] })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" mounts volume "cache", which is not in spec.volumes',
  },
  {
    name: "volume names are unique",
    manifest: aTaskDefinition({ volumes: [{ name: "data" }, { name: "data", host: { sourcePath: "/data" } }] }),
    path: "spec.volumes",
    message: 'volume names must be unique, but "data" is used more than once',
  },
  {
    name: "a volume has one type",
    manifest: aTaskDefinition({ volumes: [{ name: "data", host: { sourcePath: "/data" }, efsVolumeConfiguration: { fileSystemId: "fs-1" } }] }),
    path: "spec.volumes[0]",
    message: "volumes: set at most one of host, dockerVolumeConfiguration, efsVolumeConfiguration",
  },
  {
    name: "port names are unique within a container",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { portMappings: [{ containerPort: 80, name: "http" }, { containerPort: 81, name: "http" }] })] }),
    path: "spec.containerDefinitions[0].portMappings",
    message: 'portMappings: name "http" is used more than once',
  },
  {
    name: "port names are unique across containers",
    manifest: aTaskDefinition({
      containerDefinitions: [c("app", { portMappings: [{ containerPort: 80, name: "http" }] }), c("admin", { portMappings: [{ containerPort: 81, name: "http" }] })],
    }),
    path: "spec.containerDefinitions",
    message: 'container "app" uses a portMappings name that another container uses too',
  },
  {
    name: "containerPort and containerPortRange exclude each other",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { portMappings: [{ containerPort: 80, containerPortRange: "80-90" }] })] }),
    path: "spec.containerDefinitions[0].portMappings[0].containerPortRange",
    message: "set containerPort or containerPortRange, not both",
  },
  {
    name: "awsvpc hostPort equals containerPort",
    manifest: aTaskDefinition({ networkMode: "awsvpc", containerDefinitions: [c("app", { portMappings: [{ containerPort: 80, hostPort: 8080 }] })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" maps a hostPort to a different containerPort, but with networkMode awsvpc or host, hostPort must equal containerPort',
  },
  {
    name: "links only with bridge networking",
    manifest: aTaskDefinition({ networkMode: "awsvpc", containerDefinitions: [c("app", { links: ["db"] }), c("db", { essential: false })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" has links, which only work with networkMode bridge',
  },
  {
    name: "ulimit soft limit does not exceed the hard limit",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { ulimits: [{ name: "nofile", softLimit: 2048, hardLimit: 1024 }] })] }),
    path: "spec.containerDefinitions[0].ulimits[0].softLimit",
    message: "softLimit must not exceed hardLimit",
  },
  {
    name: "GPU requirements are whole numbers",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { resourceRequirements: [{ type: "GPU", value: "half" }] })] }),
    path: "spec.containerDefinitions[0].resourceRequirements[0].value",
    message: "must be a whole number of devices",
  },
  {
    name: "inference accelerators are declared",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { resourceRequirements: [{ type: "InferenceAccelerator", value: "device_1" }] })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" requires an InferenceAccelerator that is not a deviceName of spec.inferenceAccelerators',
  },
  // ---------------------------------------------------------------- TaskDefinition: logging, proxy, placement
  {
    name: "one FireLens log router at most",
    manifest: aTaskDefinition({
      containerDefinitions: [c("app", { firelensConfiguration: { type: "fluentbit" } }), c("router", { firelensConfiguration: { type: "fluentd" } })],
    }),
    path: "spec.containerDefinitions",
    message: "only one container may have a firelensConfiguration",
  },
  {
    name: "awsfirelens needs a log router",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { logConfiguration: { logDriver: "awsfirelens" } })] }),
    path: "spec.containerDefinitions",
    message: 'container "app" logs to awsfirelens, but no container has a firelensConfiguration',
  },
  {
    name: "log drivers are ECS's",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { logConfiguration: { logDriver: "loki" } })] }),
    path: "spec.containerDefinitions[0].logConfiguration.logDriver",
    message: 'Unsupported value: "loki"',
  },
  {
    name: "the proxy container exists",
    manifest: aTaskDefinition({ proxyConfiguration: { type: "APPMESH", containerName: "envoy" } }),
    path: "spec.proxyConfiguration.containerName",
    message: "spec.proxyConfiguration.containerName: must name a container of this task definition",
  },
  {
    name: "task definition placement constraints are memberOf",
    manifest: aTaskDefinition({ placementConstraints: [{ type: "distinctInstance" }] }),
    path: "spec.placementConstraints[0].type",
    message: 'Unsupported value: "distinctInstance"',
  },
  {
    name: "a memberOf constraint has an expression",
    manifest: aTaskDefinition({ placementConstraints: [{ type: "memberOf" }] }),
    path: "spec.placementConstraints[0].expression",
    message: "a memberOf constraint needs an expression",
  },
  // ---------------------------------------------------------------- TaskDefinition: task size
  {
    name: "task cpu is CPU units or vCPUs",
    manifest: aTaskDefinition({ cpu: "1 core" }),
    path: "spec.cpu",
    message: 'spec.cpu: must be CPU units ("1024") or vCPUs ("1 vCPU", "0.5 vcpu")',
  },
  {
    name: "task cpu is 128 to 196608 units",
    manifest: aTaskDefinition({ cpu: "64" }),
    path: "spec.cpu",
    message: "spec.cpu: must be between 128 CPU units (0.125 vCPU) and 196608 (192 vCPU)",
  },
  {
    name: "task memory is MiB or GB",
    manifest: aTaskDefinition({ memory: "2 GiB" }),
    path: "spec.memory",
    message: 'spec.memory: must be MiB ("2048") or GB ("2 GB", "2GB")',
  },
  {
    name: "task memory is above zero",
    manifest: aTaskDefinition({ memory: "0 GB" }),
    path: "spec.memory",
    message: "spec.memory: must be greater than 0",
  },
  // ---------------------------------------------------------------- TaskDefinition: FARGATE
  {
    name: "FARGATE needs task cpu and memory",
    manifest: aTaskDefinition({ requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc" }),
    path: "spec.cpu",
    message: "spec.cpu: with requiresCompatibilities FARGATE, the task needs both cpu and memory",
  },
  {
    name: "FARGATE takes only its cpu/memory pairs",
    manifest: aFargateTaskDefinition("1 vCPU", "1 GB"),
    path: "spec.memory",
    message: "spec.memory: with requiresCompatibilities FARGATE, cpu and memory must be a Fargate task size",
  },
  {
    name: "Windows on FARGATE needs 1 vCPU",
    manifest: aFargateTaskDefinition("512", "1024", { runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2022_CORE" } }),
    path: "spec.cpu",
    message: "spec.cpu: Windows tasks on FARGATE take 1, 2 or 4 vCPU (1024, 2048 or 4096)",
  },
  {
    name: "Windows on FARGATE takes 1, 2 or 4 vCPU only: 8 vCPU is refused",
    manifest: aFargateTaskDefinition("8192", "16384", { runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2022_CORE" } }),
    path: "spec.cpu",
    message: "spec.cpu: Windows tasks on FARGATE take 1, 2 or 4 vCPU (1024, 2048 or 4096)",
  },
  {
    name: "FARGATE needs awsvpc",
    manifest: aFargateTaskDefinition(256, 512, { networkMode: "bridge" }),
    path: "spec.networkMode",
    message: "spec.networkMode: requiresCompatibilities FARGATE needs networkMode awsvpc",
  },
  {
    name: "FARGATE refuses pidMode host",
    manifest: aFargateTaskDefinition(256, 512, { pidMode: "host" }),
    path: "spec.pidMode",
    message: "spec.pidMode: FARGATE does not support pidMode host",
  },
  {
    name: "FARGATE refuses ipcMode",
    manifest: aFargateTaskDefinition(256, 512, { ipcMode: "task" }),
    path: "spec.ipcMode",
    message: "spec.ipcMode: FARGATE does not support ipcMode",
  },
  {
    name: "FARGATE refuses host paths and docker volumes",
    manifest: aFargateTaskDefinition(256, 512, { volumes: [{ name: "docker", host: { sourcePath: "/var/run/docker.sock" } }] }),
    path: "spec.volumes",
    message: "spec.volumes: FARGATE supports neither dockerVolumeConfiguration nor host volumes with a sourcePath",
  },
  {
    name: "FARGATE refuses placement constraints",
    manifest: aFargateTaskDefinition(256, 512, { placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.os-type == linux" }] }),
    path: "spec.placementConstraints",
    message: "spec.placementConstraints: FARGATE does not support placement constraints",
  },
  {
    name: "FARGATE refuses privileged containers",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", privileged: true }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" is privileged, which FARGATE does not support',
  },
  {
    name: "FARGATE refuses host devices",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", linuxParameters: { devices: [{ hostPath: "/dev/fuse" }] } }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" uses linuxParameters.devices, which FARGATE does not support',
  },
  {
    name: "FARGATE stopTimeout is at most 120 seconds",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", stopTimeout: 300 }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" has a stopTimeout above 120 seconds, the FARGATE maximum',
  },
  {
    name: "FARGATE refuses networkMode host (it needs awsvpc)",
    manifest: aFargateTaskDefinition(256, 512, { networkMode: "host" }),
    path: "spec.networkMode",
    message: "spec.networkMode: requiresCompatibilities FARGATE needs networkMode awsvpc",
  },
  {
    name: "FARGATE refuses a hostPort different from its containerPort",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", portMappings: [{ containerPort: 80, hostPort: 8080 }] }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" maps a hostPort to a different containerPort',
  },
  {
    name: "FARGATE refuses docker volumes",
    manifest: aFargateTaskDefinition(256, 512, { volumes: [{ name: "data", dockerVolumeConfiguration: { scope: "task", driver: "local" } }] }),
    path: "spec.volumes",
    message: "spec.volumes: FARGATE supports neither dockerVolumeConfiguration nor host volumes with a sourcePath",
  },
  {
    name: "FARGATE only allows adding SYS_PTRACE",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", linuxParameters: { capabilities: { add: ["SYS_PTRACE", "NET_ADMIN"] } } }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" adds the capability NET_ADMIN in linuxParameters.capabilities.add, but FARGATE only allows adding SYS_PTRACE',
  },
  {
    name: "FARGATE refuses linuxParameters.sharedMemorySize",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", linuxParameters: { sharedMemorySize: 64 } }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" sets linuxParameters.sharedMemorySize, which FARGATE does not support',
  },
  {
    name: "FARGATE refuses linuxParameters.tmpfs",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", linuxParameters: { tmpfs: [{ containerPath: "/tmp", size: 64 }] } }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" sets linuxParameters.tmpfs, which FARGATE does not support',
  },
  {
    name: "FARGATE refuses linuxParameters.maxSwap",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", linuxParameters: { maxSwap: 0 } }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" sets linuxParameters.maxSwap, which FARGATE does not support',
  },
  {
    name: "FARGATE refuses linuxParameters.swappiness",
    manifest: aFargateTaskDefinition(256, 512, { containerDefinitions: [{ name: "app", image: "app", linuxParameters: { swappiness: 10 } }] }),
    path: "spec.containerDefinitions",
    message: 'container "app" sets linuxParameters.swappiness, which FARGATE does not support',
  },
  {
    name: "ephemeral storage is 21 to 200 GiB",
    manifest: aFargateTaskDefinition(256, 512, { ephemeralStorage: { sizeInGiB: 500 } }),
    path: "spec.ephemeralStorage.sizeInGiB",
    message: "should be less than or equal to 200",
  },
  {
    name: "an environment variable name Kubernetes refuses (JAVA_OPTS=1)",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { environment: [{ name: "PORT", value: "80" }, { name: "JAVA_OPTS=1", value: "-Xmx1g" }] })] }),
    path: "spec.containerDefinitions[0].environment[1].name",
    message: "should match '^[ -<>-~]+$'",
  },
  {
    name: "a secret's variable name Kubernetes refuses",
    manifest: aTaskDefinition({ containerDefinitions: [c("app", { secrets: [{ name: "DB PASSWORD\u00e9", valueFrom: "arn:aws:ssm:eu-west-1:1:parameter/db" }] })] }),
    path: "spec.containerDefinitions[0].secrets[0].name",
    message: "should match '^[ -<>-~]+$'",
  },
  {
    name: "pod annotation keys are qualified names",
    manifest: aTaskDefinition({ kubernetes: { podAnnotations: { "example.com/ok": "1", "not a key": "x" } } }),
    path: "spec.kubernetes.podAnnotations",
    message: "annotation keys must be qualified names",
  },
  {
    name: "spec.kubernetes knobs are strict",
    manifest: aTaskDefinition({ kubernetes: { serviceAccount: "web" } }),
    path: "spec.kubernetes.serviceAccount",
    message: 'unknown field "spec.kubernetes.serviceAccount"',
  },
  // ---------------------------------------------------------------- Service
  {
    name: "only one provider of a strategy sets base",
    manifest: aService({ capacityProviderStrategy: [fargate(1, 2), spot(3, 1)] }),
    path: "spec.capacityProviderStrategy",
    message: 'spec.capacityProviderStrategy: only one item may set base, but "FARGATE_SPOT" sets it too',
  },
  {
    name: "a provider appears once in a strategy",
    manifest: aService({ capacityProviderStrategy: [fargate(1), fargate(2)] }),
    path: "spec.capacityProviderStrategy",
    message: 'spec.capacityProviderStrategy: capacity provider "FARGATE" is listed more than once',
  },
  {
    name: "a strategy of several providers has a weight",
    manifest: aService({ capacityProviderStrategy: [fargate(0, 1), spot(0)] }),
    path: "spec.capacityProviderStrategy",
    message: "spec.capacityProviderStrategy: with more than one capacity provider, at least one must have a weight greater than 0",
  },
  {
    name: "strategy weight is 0 to 1000",
    manifest: aService({ capacityProviderStrategy: [fargate(1001)] }),
    path: "spec.capacityProviderStrategy[0].weight",
    message: "should be less than or equal to 1000",
  },
  {
    name: "strategy base is 0 to 100000",
    manifest: aService({ capacityProviderStrategy: [fargate(1, 100_001)] }),
    path: "spec.capacityProviderStrategy[0].base",
    message: "should be less than or equal to 100000",
  },
  {
    name: "launchType and capacityProviderStrategy exclude each other",
    manifest: aService({ launchType: "FARGATE", capacityProviderStrategy: [fargate(1)] }),
    path: "spec.launchType",
    message: "spec.launchType: set either launchType or capacityProviderStrategy, not both",
  },
  {
    name: "a service names its task definition",
    manifest: aService({ taskDefinition: undefined }),
    path: "spec.taskDefinition",
    message: "spec.taskDefinition: required (family, family:revision or an ARN), unless deploymentController is EXTERNAL",
  },
  {
    name: "placement constraint types are distinctInstance and memberOf",
    manifest: aService({ placementConstraints: [{ type: "sameZone" }] }),
    path: "spec.placementConstraints[0].type",
    message: 'Unsupported value: "sameZone"',
  },
  {
    name: "a service memberOf constraint has an expression",
    manifest: aService({ placementConstraints: [{ type: "memberOf" }] }),
    path: "spec.placementConstraints[0].expression",
    message: "placementConstraints: a memberOf constraint needs an expression",
  },
  {
    name: "distinctInstance takes no expression",
    manifest: aService({ placementConstraints: [{ type: "distinctInstance", expression: "attribute:x == y" }] }),
    path: "spec.placementConstraints[0].expression",
    message: "placementConstraints: a distinctInstance constraint takes no expression",
  },
  {
    name: "placement strategy types are random, spread and binpack",
    manifest: aService({ placementStrategy: [{ type: "pack", field: "cpu" }] }),
    path: "spec.placementStrategy[0].type",
    message: 'Unsupported value: "pack"',
  },
  {
    name: "binpack packs by cpu or memory",
    manifest: aService({ placementStrategy: [{ type: "binpack", field: "instanceId" }] }),
    path: "spec.placementStrategy[0].field",
    message: "placementStrategy: binpack needs field cpu or memory",
  },
  {
    name: "spread needs a field",
    manifest: aService({ placementStrategy: [{ type: "spread" }] }),
    path: "spec.placementStrategy[0].field",
    message: "placementStrategy: spread needs a field",
  },
  {
    name: "random takes no field",
    manifest: aService({ placementStrategy: [{ type: "random", field: "cpu" }] }),
    path: "spec.placementStrategy[0].field",
    message: "placementStrategy: random takes no field",
  },
  {
    name: "at most 5 placement strategies",
    manifest: aService({ placementStrategy: Array.from({ length: 6 }, () => ({ type: "random" })) }),
    path: "spec.placementStrategy",
    message: "must have at most 5 items",
  },
  {
    name: "launchType FARGATE refuses a service's placement constraints (ECS: \"Task placement strategies and constraints aren't supported for tasks using the Fargate launch type.\")",
    manifest: aService({ launchType: "FARGATE", placementConstraints: [{ type: "distinctInstance" }] }),
    path: "spec.placementConstraints",
    message: "spec.placementConstraints: FARGATE services take no placement constraints",
  },
  {
    name: "launchType FARGATE refuses a service's placement strategy",
    manifest: aService({ launchType: "FARGATE", placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }] }),
    path: "spec.placementStrategy",
    message: "spec.placementStrategy: FARGATE services take no placement strategy",
  },
  {
    name: "DAEMON does not run on FARGATE",
    manifest: aService({ schedulingStrategy: "DAEMON", launchType: "FARGATE", desiredCount: undefined }),
    path: "spec.schedulingStrategy",
    message: "spec.schedulingStrategy: FARGATE does not support the DAEMON scheduling strategy",
  },
  {
    name: "DAEMON needs the ECS deployment controller",
    manifest: aService({ schedulingStrategy: "DAEMON", deploymentController: { type: "CODE_DEPLOY" } }),
    path: "spec.schedulingStrategy",
    message: "spec.schedulingStrategy: DAEMON needs the ECS deployment controller",
  },
  {
    // ECS keeps maximumPercent at 100 for DAEMON (one task per instance); min 50 / max 200 made a DaemonSet the API server refused.
    name: "DAEMON keeps maximumPercent at 100",
    manifest: aService({ schedulingStrategy: "DAEMON", deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 200 } }),
    path: "spec.deploymentConfiguration.maximumPercent",
    message: "spec.deploymentConfiguration.maximumPercent: a DAEMON service runs one task per node and keeps maximumPercent at 100 (ECS); remove it or set 100, and use minimumHealthyPercent to pace the rollout",
  },
  {
    name: "DAEMON services are not auto scaled",
    manifest: aService({ schedulingStrategy: "DAEMON", autoScaling: { minCapacity: 1, maxCapacity: 3 } }),
    path: "spec.autoScaling",
    message: "spec.autoScaling: a DAEMON service runs one task per node and cannot be auto scaled",
  },
  {
    name: "the circuit breaker needs the ECS deployment controller",
    manifest: aService({ deploymentController: { type: "EXTERNAL" }, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } }),
    path: "spec.deploymentConfiguration",
    message: "spec.deploymentConfiguration.deploymentCircuitBreaker: only with the ECS deployment controller",
  },
  {
    name: "minimumHealthyPercent is at most 100",
    manifest: aService({ deploymentConfiguration: { minimumHealthyPercent: 150 } }),
    path: "spec.deploymentConfiguration.minimumHealthyPercent",
    message: "should be less than or equal to 100",
  },
  {
    name: "linearConfiguration goes with strategy LINEAR",
    manifest: aService({ deploymentConfiguration: { strategy: "CANARY", linearConfiguration: { stepPercent: 10 } } }),
    path: "spec.deploymentConfiguration.linearConfiguration",
    message: "spec.deploymentConfiguration.linearConfiguration: only with strategy LINEAR",
  },
  {
    name: "canaryConfiguration goes with strategy CANARY",
    manifest: aService({ deploymentConfiguration: { canaryConfiguration: { canaryPercent: 5 } } }),
    path: "spec.deploymentConfiguration.canaryConfiguration",
    message: "spec.deploymentConfiguration.canaryConfiguration: only with strategy CANARY",
  },
  {
    name: "the ingress container is behind a load balancer",
    manifest: aService({ loadBalancers: [{ containerName: "web", containerPort: 80 }], kubernetes: { ingress: { host: "shop.example.com", containerName: "admin" } } }),
    path: "spec.kubernetes.ingress.containerName",
    message: "spec.kubernetes.ingress.containerName: must be the containerName of a loadBalancers entry",
  },
  {
    name: "each ingress path's container is behind a load balancer",
    manifest: aService({ loadBalancers: [{ containerName: "web", containerPort: 80 }], kubernetes: { ingress: { paths: [{ path: "/" }, { path: "/admin", containerName: "admin" }] } } }),
    path: "spec.kubernetes.ingress.paths",
    message: "spec.kubernetes.ingress.paths: each containerName must be the containerName of a loadBalancers entry",
  },
  {
    name: "ECS: an AWS_LAMBDA lifecycle hook needs a hookTargetArn (\"You must provide this parameter when configuring an AWS_LAMBDA lifecycle hook\")",
    manifest: aService({ deploymentConfiguration: { strategy: "BLUE_GREEN", lifecycleHooks: [{ lifecycleStages: ["POST_SCALE_UP"] }] } }),
    path: "spec.deploymentConfiguration.lifecycleHooks[0].hookTargetArn",
    message: "spec.deploymentConfiguration.lifecycleHooks[].hookTargetArn: required for an AWS_LAMBDA hook",
  },
  {
    name: "ECS: \"PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages\"",
    manifest: aService({ deploymentConfiguration: { strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP", "TEST_TRAFFIC_SHIFT"] }] } }),
    path: "spec.deploymentConfiguration.lifecycleHooks[0].lifecycleStages",
    message: "a PAUSE hook cannot run at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT",
  },
  {
    name: "a lifecycle hook target runs an http endpoint or a job, not both",
    manifest: aService({
      kubernetes: { lifecycleHookTargets: [{ hookTargetArn: "arn:aws:lambda:us-east-1:123456789012:function:smoke", http: { url: "http://smoke.test/hook" }, job: { template: {} } }] },
    }),
    path: "spec.kubernetes.lifecycleHookTargets[0]",
    message: "spec.kubernetes.lifecycleHookTargets[]: set exactly one of http or job",
  },
  {
    name: "a lifecycle hook target runs something",
    manifest: aService({ kubernetes: { lifecycleHookTargets: [{ hookTargetArn: "arn:aws:lambda:us-east-1:123456789012:function:smoke" }] } }),
    path: "spec.kubernetes.lifecycleHookTargets[0]",
    message: "spec.kubernetes.lifecycleHookTargets[]: set exactly one of http or job",
  },
  {
    name: "a lifecycle hook target's url is http or https",
    manifest: aService({ kubernetes: { lifecycleHookTargets: [{ hookTargetArn: "arn:aws:lambda:us-east-1:123456789012:function:smoke", http: { url: "ftp://smoke.test/hook" } }] } }),
    path: "spec.kubernetes.lifecycleHookTargets[0].http.url",
    message: "should match",
  },
  {
    name: "the ingress class is a DNS subdomain",
    manifest: aService({ kubernetes: { ingress: { className: "Nginx_Public" } } }),
    path: "spec.kubernetes.ingress.className",
    message: "should match",
  },
  {
    name: "label keys are qualified names",
    manifest: aService({ kubernetes: { labels: { "team/a/b": "shop" } } }),
    path: "spec.kubernetes.labels",
    message: "label keys must be qualified names",
  },
  {
    name: "label values are at most 63 characters",
    manifest: aService({ kubernetes: { podLabels: { team: "x".repeat(64) } } }),
    path: "spec.kubernetes.podLabels.team",
    message: "Too long: may not be more than 63",
  },
  {
    name: "label values are alphanumeric at both ends",
    manifest: aService({ kubernetes: { labels: { team: "shop-" } } }),
    path: "spec.kubernetes.labels.team",
    message: "should match",
  },
  {
    name: "at most 64 labels",
    manifest: aService({ kubernetes: { labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "v"])) } }),
    path: "spec.kubernetes.labels",
    message: "must have at most 64",
  },
  {
    name: "autoScaling minCapacity does not exceed maxCapacity",
    manifest: aService({ autoScaling: { minCapacity: 5, maxCapacity: 2 } }),
    path: "spec.autoScaling.minCapacity",
    message: "spec.autoScaling.minCapacity: must not exceed maxCapacity",
  },
  {
    name: "a target tracking policy has exactly one metric",
    manifest: aService({
      autoScaling: { minCapacity: 1, maxCapacity: 4, targetTrackingScalingPolicies: [{ policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60 } }] },
    }),
    path: "spec.autoScaling.targetTrackingScalingPolicies[0].targetTrackingScalingPolicyConfiguration",
    message: "set exactly one of predefinedMetricSpecification and customizedMetricSpecification",
  },
  {
    name: "ALBRequestCountPerTarget needs a resource label",
    manifest: aService({
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 4,
        targetTrackingScalingPolicies: [
          { policyName: "rps", targetTrackingScalingPolicyConfiguration: { targetValue: 100, predefinedMetricSpecification: { predefinedMetricType: "ALBRequestCountPerTarget" } } },
        ],
      },
    }),
    path: "spec.autoScaling.targetTrackingScalingPolicies[0].targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel",
    message: "ALBRequestCountPerTarget needs a resourceLabel",
  },
  {
    name: "scaling policy names are unique",
    manifest: aService({
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 4,
        targetTrackingScalingPolicies: [
          { policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } },
        ],
        stepScalingPolicies: [{ policyName: "cpu", stepScalingPolicyConfiguration: { adjustmentType: "ChangeInCapacity" } }],
      },
    }),
    path: "spec.autoScaling",
    message: "spec.autoScaling: policy names must be unique",
  },
  {
    name: "scheduled action names are unique",
    manifest: aService({
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 4,
        scheduledActions: [
          { scheduledActionName: "night", schedule: "cron(0 22 * * ? *)", scalableTargetAction: { maxCapacity: 1 } },
          { scheduledActionName: "night", schedule: "cron(0 23 * * ? *)", scalableTargetAction: { maxCapacity: 2 } },
        ],
      },
    }),
    path: "spec.autoScaling.scheduledActions",
    message: "spec.autoScaling.scheduledActions: scheduledActionName must be unique",
  },
  {
    name: "scheduled action schedules are at(), rate() or cron()",
    manifest: aService({
      autoScaling: { minCapacity: 1, maxCapacity: 4, scheduledActions: [{ scheduledActionName: "night", schedule: "0 22 * * *", scalableTargetAction: { maxCapacity: 1 } }] },
    }),
    path: "spec.autoScaling.scheduledActions[0].schedule",
    message: "autoScaling.scheduledActions: schedule must be at(...), rate(...) or cron(...) with six fields",
  },
  {
    name: "scheduled action minCapacity does not exceed maxCapacity",
    manifest: aService({
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 4,
        scheduledActions: [{ scheduledActionName: "peak", schedule: "rate(1 day)", scalableTargetAction: { minCapacity: 6, maxCapacity: 3 } }],
      },
    }),
    path: "spec.autoScaling.scheduledActions[0].scalableTargetAction",
    message: "scalableTargetAction.minCapacity must not exceed maxCapacity",
  },
  // ---------------------------------------------------------------- Task
  {
    name: "a task runs 1 to 10 copies",
    manifest: aTask({ count: 11 }),
    path: "spec.count",
    message: "should be less than or equal to 10",
  },
  {
    name: "a task takes launchType or a strategy",
    manifest: aTask({ launchType: "EC2", capacityProviderStrategy: [{ capacityProvider: "on-demand", weight: 1 }] }),
    path: "spec.launchType",
    message: "spec.launchType: set either launchType or capacityProviderStrategy, not both",
  },
  {
    name: "a task's strategy follows the strategy rules",
    manifest: aTask({ capacityProviderStrategy: [fargate(1, 1), spot(1, 1)] }),
    path: "spec.capacityProviderStrategy",
    message: 'spec.capacityProviderStrategy: only one item may set base, but "FARGATE_SPOT" sets it too',
  },
  {
    name: "a container is overridden once",
    manifest: aTask({ overrides: { containerOverrides: [{ name: "app", command: ["a"] }, { name: "app", command: ["b"] }] } }),
    path: "spec.overrides",
    message: "spec.overrides.containerOverrides: each container may be overridden once",
  },
  {
    name: "a container override's memory is greater than its memoryReservation (ECS: \"If you specify both, memory must be greater than memoryReservation.\")",
    manifest: aTask({ overrides: { containerOverrides: [{ name: "app", memory: 256, memoryReservation: 256 }] } }),
    path: "spec.overrides.containerOverrides[0].memoryReservation",
    message: "containerOverrides: memory must be greater than memoryReservation",
  },
  {
    name: "launchType FARGATE refuses placement constraints (ECS: not supported for tasks on Fargate)",
    manifest: aTask({ launchType: "FARGATE", placementConstraints: [{ type: "distinctInstance" }] }),
    path: "spec.placementConstraints",
    message: "spec.placementConstraints: FARGATE tasks take no placement constraints",
  },
  {
    name: "launchType FARGATE refuses placement strategies",
    manifest: aTask({ launchType: "FARGATE", placementStrategy: [{ type: "spread", field: "instanceId" }] }),
    path: "spec.placementStrategy",
    message: "spec.placementStrategy: FARGATE tasks take no placement strategy",
  },
  {
    name: "a stopped task does not run again",
    old: aTask({ desiredStatus: "STOPPED" }),
    manifest: aTask({ desiredStatus: "RUNNING" }),
    path: "spec.desiredStatus",
    message: "spec.desiredStatus: a stopped task cannot run again; create a new Task",
  },
  {
    name: "a running task keeps its task definition and count",
    old: aTask({ count: 1 }),
    manifest: aTask({ count: 3 }),
    path: "spec",
    message: "spec: taskDefinition and count of a Task cannot change once it runs; create a new Task",
  },
  // ---------------------------------------------------------------- ScheduledTask
  {
    name: "schedules are rate() or six-field cron()",
    manifest: aScheduledTask({ scheduleExpression: "cron(0 3 * * *)" }),
    path: "spec.scheduleExpression",
    message: "spec.scheduleExpression: must be rate(value unit), e.g. rate(5 minutes), or cron() with six fields",
  },
  {
    name: "a schedule ends after it starts",
    manifest: aScheduledTask({ startDate: "2030-01-02T00:00:00Z", endDate: "2030-01-01T00:00:00Z" }),
    path: "spec.endDate",
    message: "spec.endDate: must be after startDate",
  },
  {
    name: "a scheduled task's strategy follows the strategy rules",
    manifest: aScheduledTask({ task: { taskDefinition: "report", capacityProviderStrategy: [fargate(1), fargate(1)] } }),
    path: "spec.task.capacityProviderStrategy",
    message: 'spec.task.capacityProviderStrategy: capacity provider "FARGATE" is listed more than once',
  },
  {
    name: "a scheduled task takes launchType or a strategy",
    manifest: aScheduledTask({ task: { taskDefinition: "report", launchType: "FARGATE", capacityProviderStrategy: [fargate(1)] } }),
    path: "spec.task.launchType",
    message: "spec.task.launchType: set either launchType or capacityProviderStrategy, not both",
  },
  // ---------------------------------------------------------------- Cluster
  {
    name: "the default strategy uses the cluster's providers",
    manifest: aCluster({ capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: [fargate(1), spot(1)] }),
    path: "spec.defaultCapacityProviderStrategy",
    message: 'spec.defaultCapacityProviderStrategy: capacity provider "FARGATE_SPOT" is not listed in spec.capacityProviders',
  },
  {
    name: "the default strategy follows the strategy rules",
    manifest: aCluster({ defaultCapacityProviderStrategy: [fargate(0), spot(0)] }),
    path: "spec.defaultCapacityProviderStrategy",
    message: "spec.defaultCapacityProviderStrategy: with more than one capacity provider, at least one must have a weight greater than 0",
  },
  // ---------------------------------------------------------------- CapacityProvider
  {
    name: "a provider has one kind of ECS infrastructure",
    manifest: aCapacityProvider({ autoScalingGroupProvider: { autoScalingGroupArn: "arn:aws:autoscaling:x" }, managedInstancesProvider: {} }),
    path: "spec.managedInstancesProvider",
    message: "spec.managedInstancesProvider: set either autoScalingGroupProvider or managedInstancesProvider, not both",
  },
  {
    name: "a FARGATE provider has no Auto Scaling group",
    manifest: aCapacityProvider({ type: "FARGATE", autoScalingGroupProvider: { autoScalingGroupArn: "arn:aws:autoscaling:x" } }),
    path: "spec.type",
    message: "spec.type: a FARGATE capacity provider has no autoScalingGroupProvider or managedInstancesProvider",
  },
  {
    name: "capacity provider types are EC2 and FARGATE",
    manifest: aCapacityProvider({ type: "FARGATE_SPOT" }),
    path: "spec.type",
    message: 'Unsupported value: "FARGATE_SPOT"',
  },
];
