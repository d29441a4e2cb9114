// TaskDefinition: the RegisterTaskDefinition input, verbatim, as the spec (plus `spec.kubernetes`); ECS
// DescribeTaskDefinition facts and the revision history as the status. The admission rules that the API server
// can check (CEL) are declared with the schema; docs/api.md lists them.
import {
  COMPATIBILITIES,
  Conditions,
  annotationMap,
  EnvironmentVariable,
  KeyValuePair,
  LogConfiguration,
  observedGeneration,
  Secret,
  Tags,
} from "./common.ts";
import {
  boolean,
  type CelRule,
  describe,
  ecsObject,
  integer,
  intOrString,
  list,
  object,
  optional,
  type Static,
  string,
  stringEnum,
  stringMap,
} from "./structural-schema.ts";
import { celFirstItem } from "./cel.ts";
import { celCpuIsValid, celCpuUnits, celIsFargateTaskSize, celMemoryIsValid, celMemoryMiB, normalizeCpu, normalizeMemory, TASK_CPU_RANGE } from "./units.ts";

const NETWORK_MODES = ["bridge", "host", "awsvpc", "none"] as const;
const CONTAINER_CONDITIONS = ["START", "COMPLETE", "SUCCESS", "HEALTHY"] as const;
const ULIMIT_NAMES = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"] as const;
const OS_FAMILIES = [
  "LINUX",
  "WINDOWS_SERVER_2019_FULL",
  "WINDOWS_SERVER_2019_CORE",
  "WINDOWS_SERVER_2016_FULL",
  "WINDOWS_SERVER_2004_CORE",
  "WINDOWS_SERVER_2022_CORE",
  "WINDOWS_SERVER_2022_FULL",
  "WINDOWS_SERVER_2025_CORE",
  "WINDOWS_SERVER_2025_FULL",
  "WINDOWS_SERVER_20H2_CORE",
] as const;
const CPU_ARCHITECTURES = ["X86_64", "ARM64"] as const;

/** ECS names (family, container, volume): letters, numbers, hyphens and underscores, 1 to 255. */
export const ECS_NAME_PATTERN = "^[a-zA-Z0-9_-]{1,255}$";

/** The most containers ECS allows in one task definition. */
const MAX_CONTAINERS = 10;
/** Bounds of our own (ECS documents none); they keep the CEL rules within the API server's cost budget. */
const MAX_VOLUMES = 50;
const MAX_MOUNT_POINTS = 50;
const MAX_PORT_MAPPINGS = 50;

// ---------------------------------------------------------------- container definition parts

const PortMapping = ecsObject(
  {
    containerPort: optional(integer("The port the container listens on. Becomes a container port of the pod.", { minimum: 0, maximum: 65_535 })),
    hostPort: optional(
      integer(
        "The port on the node. With awsvpc or host network mode it must equal containerPort (or be omitted); with bridge, 0 or omitted means no fixed host port.",
        { minimum: 0, maximum: 65_535 },
      ),
    ),
    protocol: optional(stringEnum(["tcp", "udp"], "The protocol: tcp (default) or udp.")),
    name: optional(
      string("A name for the port mapping, unique within the task definition: lowercase letters, numbers, underscores and hyphens, not starting with a hyphen. Service Connect and the Kubernetes Service use it.", {
        maxLength: 64,
        pattern: "^[a-z0-9_][a-z0-9_-]*$",
      }),
    ),
    appProtocol: optional(stringEnum(["http", "http2", "grpc"], "The application protocol of the port (http, http2 or grpc); becomes the Service port's appProtocol.")),
    containerPortRange: optional(
      string('A range of container ports, "first-last" (for example "8000-8010"), instead of containerPort.', { maxLength: 11, pattern: "^[0-9]{1,5}-[0-9]{1,5}$" }),
    ),
  },
  "A port the container exposes.",
  {
    rules: [
      {
        rule: "!has(self.containerPort) || !has(self.containerPortRange)",
        message: "portMappings: set containerPort or containerPortRange, not both",
        fieldPath: ".containerPortRange",
      },
    ],
  },
);

const HealthCheck = ecsObject(
  {
    command: list(
      string("One argument."),
      'The command: ["CMD", "executable", "arg", ...] runs the executable directly, ["CMD-SHELL", "command string"] runs it with the container\'s default shell. Exit code 0 is healthy.',
      { maxItems: 100, minItems: 1 },
    ),
    interval: optional(integer("Seconds between checks, 5 to 300. Default 30.", { minimum: 5, maximum: 300 })),
    timeout: optional(integer("Seconds a check may take before it counts as failed, 2 to 120. Default 5.", { minimum: 2, maximum: 120 })),
    retries: optional(integer("Consecutive failures before the container is unhealthy, 1 to 10. Default 3.", { minimum: 1, maximum: 10 })),
    startPeriod: optional(
      integer("Seconds, 0 to 300, during which failures do not count, to let the container start. Default: off.", { minimum: 0, maximum: 300 }),
    ),
  },
  "The container health check. Becomes startup, readiness and liveness probes (see docs/mapping.md); dependsOn HEALTHY waits for it.",
);

const ContainerDependency = ecsObject(
  {
    containerName: string("The name of a container of this task definition that must reach `condition` first.", { maxLength: 255 }),
    condition: stringEnum(
      CONTAINER_CONDITIONS,
      "START: the dependency has started. COMPLETE: it has run to completion (any exit code). SUCCESS: it has exited with code 0. " +
        "HEALTHY: its health check passes (it needs a healthCheck). COMPLETE and SUCCESS can only name non-essential containers.",
    ),
  },
  "A container this one waits for.",
);

const Device = ecsObject(
  {
    hostPath: string("The path of the device on the node."),
    containerPath: optional(string("The path of the device in the container. Default: hostPath.")),
    permissions: optional(list(stringEnum(["read", "write", "mknod"], "read, write or mknod."), "The cgroup permissions of the device. Default: all.", { maxItems: 3 })),
  },
  "A host device exposed to the container.",
);

const Tmpfs = ecsObject(
  {
    containerPath: string("The absolute path where the tmpfs is mounted."),
    size: integer("The size of the tmpfs in MiB.", { minimum: 0 }),
    mountOptions: optional(list(string("A mount option such as ro, noexec, nosuid, size=..."), "tmpfs mount options.", { maxItems: 64 })),
  },
  "A tmpfs mount.",
);

const LinuxParameters = ecsObject(
  {
    capabilities: optional(
      ecsObject(
        {
          add: optional(list(string("A Linux capability without the CAP_ prefix, for example SYS_PTRACE."), "Capabilities added to the container's default set.", { maxItems: 64 })),
          drop: optional(list(string("A Linux capability without the CAP_ prefix, or ALL."), "Capabilities removed from the container's default set.", { maxItems: 64 })),
        },
        "Linux capabilities added to or dropped from the container (securityContext.capabilities).",
      ),
    ),
    devices: optional(list(Device, "Host devices exposed to the container. Not supported on FARGATE.", { maxItems: 64 })),
    initProcessEnabled: optional(boolean("Run an init process as PID 1 that forwards signals and reaps processes.")),
    sharedMemorySize: optional(integer("The size of /dev/shm in MiB (becomes a memory-backed emptyDir).", { minimum: 0 })),
    tmpfs: optional(list(Tmpfs, "tmpfs mounts (become memory-backed emptyDir volumes).", { maxItems: 64 })),
    maxSwap: optional(integer("The swap the container may use, in MiB; 0 disables swap. Not supported on FARGATE.", { minimum: 0 })),
    swappiness: optional(integer("How aggressively the container's memory is swapped, 0 to 100. Default 60. Only with maxSwap.", { minimum: 0, maximum: 100 })),
  },
  "Linux-specific options of the container.",
);

const Ulimit = ecsObject(
  {
    name: stringEnum(ULIMIT_NAMES, "The resource limit."),
    softLimit: integer("The soft limit."),
    hardLimit: integer("The hard limit, at least softLimit."),
  },
  "A resource limit (ulimit) of the container.",
  { rules: [{ rule: "self.softLimit <= self.hardLimit", message: "ulimits: softLimit must not exceed hardLimit", fieldPath: ".softLimit" }] },
);

const ResourceRequirement = ecsObject(
  {
    type: stringEnum(["GPU", "InferenceAccelerator", "NeuronDevice"], "GPU: a number of GPUs (nvidia.com/gpu). InferenceAccelerator: a deviceName of inferenceAccelerators. NeuronDevice: a number of AWS Neuron devices."),
    value: optional(string("For GPU and NeuronDevice: how many (a whole number). For InferenceAccelerator: the deviceName.", { maxLength: 255 })),
    sharingStrategy: optional(
      ecsObject(
        {
          nvidiaMps: optional(
            ecsObject(
              {
                memory: integer("The GPU memory, in MiB, the container may use."),
                maxComputePercent: optional(integer("The share of GPU compute the container may use, in percent.", { minimum: 1, maximum: 100 })),
              },
              "NVIDIA Multi-Process Service sharing.",
            ),
          ),
        },
        "How the container shares a GPU with other containers, instead of `value`.",
      ),
    ),
  },
  "A GPU, Neuron device or inference accelerator the container needs.",
  {
    rules: [
      {
        rule: "!(self.type in ['GPU', 'NeuronDevice']) || !has(self.value) || self.value.matches('^[1-9][0-9]*$')",
        message: "resourceRequirements: the value of a GPU or NeuronDevice requirement must be a whole number of devices",
        fieldPath: ".value",
      },
    ],
  },
);

const ContainerRestartPolicy = ecsObject(
  {
    enabled: boolean("Whether ECS restarts the container when it exits (instead of stopping the task, for a non-essential container or an essential one that restarts in place)."),
    ignoredExitCodes: optional(list(integer("An exit code."), "Exit codes that do not trigger a restart (at most 50).", { maxItems: 50 })),
    restartAttemptPeriod: optional(
      integer("Seconds, 60 to 1800, the container must run before a restart is attempted again. Default 300.", { minimum: 60, maximum: 1800 }),
    ),
  },
  "Restart the container in place when it exits, without replacing the task.",
);

const MountPoint = ecsObject(
  {
    sourceVolume: string("The name of a volume of this task definition.", { maxLength: 255 }),
    containerPath: string("The path in the container where the volume is mounted."),
    readOnly: optional(boolean("Mount read-only. Default false.")),
  },
  "A volume mounted into the container.",
);

const VolumeFrom = ecsObject(
  {
    sourceContainer: string("The name of another container of this task definition whose mount points are mounted here too.", { maxLength: 255 }),
    readOnly: optional(boolean("Mount read-only. Default false.")),
  },
  "Mounts the volumes of another container.",
);

export const ContainerDefinition = ecsObject(
  {
    name: string("The name of the container, unique within the task definition: letters, numbers, hyphens and underscores, up to 255.", {
      maxLength: 255,
      pattern: ECS_NAME_PATTERN,
    }),
    image: string("The image: repository-url/image:tag or repository-url/image@digest. Pulled as written."),
    repositoryCredentials: optional(
      ecsObject(
        { credentialsParameter: string("The ARN (or name) of the secret holding the registry credentials; maps to an image pull secret.") },
        "Credentials of a private registry; become imagePullSecrets.",
      ),
    ),
    cpu: optional(integer("CPU units reserved for the container (1024 = 1 vCPU); becomes the CPU request in millicores.", { minimum: 0 })),
    memory: optional(integer("The hard memory limit in MiB; the container is killed above it. Becomes the memory limit.", { minimum: 4 })),
    memoryReservation: optional(integer("The soft memory limit in MiB, at most `memory`. Becomes the memory request.", { minimum: 4 })),
    links: optional(list(string("container name, or name:alias"), "Containers this one reaches by name (bridge network mode only).", { maxItems: MAX_CONTAINERS })),
    portMappings: optional(
      list(PortMapping, `Ports the container exposes (at most ${MAX_PORT_MAPPINGS}; use containerPortRange for ranges).`, {
        maxItems: MAX_PORT_MAPPINGS,
        rules: [
          {
            rule: "self.all(p, !has(p.name) || self.exists_one(q, has(q.name) && q.name == p.name))",
            message: "portMappings: names must be unique within the task definition",
            messageExpression: `'portMappings: name "' + ${celFirstItem("self", "p", "has(p.name) && !self.exists_one(q, has(q.name) && q.name == p.name)")}.name + '" is used more than once; names must be unique within the task definition'`,
          },
        ],
      }),
    ),
    essential: optional(
      boolean("If true (the default), the task stops, with every other container, when this container stops. At least one container must be essential."),
    ),
    restartPolicy: optional(ContainerRestartPolicy),
    entryPoint: optional(list(string("One argument."), "The entry point; becomes the container's command.", { maxItems: 1000 })),
    command: optional(list(string("One argument."), "The command; becomes the container's args.", { maxItems: 1000 })),
    environment: optional(list(EnvironmentVariable, "Environment variables.", { maxItems: 10_000 })),
    environmentFiles: optional(
      list(
        ecsObject(
          {
            value: string("The ARN of the S3 object holding the variables (maps to a ConfigMap or Secret by documented rule)."),
            type: stringEnum(["s3"], "The type of the file: s3."),
          },
          "A file of environment variables.",
        ),
        "Files of environment variables (at most 10).",
        { maxItems: 10 },
      ),
    ),
    mountPoints: optional(list(MountPoint, `Volumes mounted into the container (at most ${MAX_MOUNT_POINTS}).`, { maxItems: MAX_MOUNT_POINTS })),
    volumesFrom: optional(list(VolumeFrom, "Other containers whose volumes this container mounts.", { maxItems: MAX_CONTAINERS })),
    linuxParameters: optional(LinuxParameters),
    secrets: optional(list(Secret, "Secrets exposed as environment variables.", { maxItems: 10_000 })),
    dependsOn: optional(
      list(ContainerDependency, "Containers that must reach a condition before this one starts (native sidecars and init containers).", { maxItems: MAX_CONTAINERS }),
    ),
    startTimeout: optional(integer("Seconds to wait for this container to reach the condition others depend on before the task gives up.", { minimum: 0 })),
    stopTimeout: optional(
      integer("Seconds the container gets to exit after SIGTERM before it is killed (at most 120 on FARGATE). Default 30.", { minimum: 0 }),
    ),
    versionConsistency: optional(stringEnum(["enabled", "disabled"], "Whether the image tag is resolved to a digest once per deployment (enabled, the default) or pulled as written.")),
    hostname: optional(string("The hostname of the container (not with awsvpc network mode).")),
    user: optional(string("The user (and group) the container runs as: user, user:group, uid, uid:gid, user:gid, uid:group.")),
    workingDirectory: optional(string("The working directory of the command.")),
    disableNetworking: optional(boolean("Turn networking off for the container.")),
    privileged: optional(boolean("Run privileged. Not supported on FARGATE.")),
    readonlyRootFilesystem: optional(boolean("Mount the root filesystem read-only.")),
    dnsServers: optional(list(string("An IP address."), "DNS servers of the container (a pod takes at most 3).", { maxItems: 16 })),
    dnsSearchDomains: optional(list(string("A domain."), "DNS search domains of the container.", { maxItems: 32 })),
    extraHosts: optional(
      list(
        ecsObject({ hostname: string("The hostname."), ipAddress: string("The IP address.") }, "An /etc/hosts entry (becomes a hostAliases entry)."),
        "Entries appended to /etc/hosts.",
        { maxItems: 100 },
      ),
    ),
    dockerSecurityOptions: optional(list(string("A security option, e.g. no-new-privileges, label:..., apparmor:..., credentialspec:..."), "Docker security options.", { maxItems: 100 })),
    interactive: optional(boolean("Keep stdin open (docker run -i).")),
    pseudoTerminal: optional(boolean("Allocate a TTY (docker run -t).")),
    dockerLabels: optional(stringMap("Docker labels of the container (become pod annotations).")),
    ulimits: optional(list(Ulimit, "Resource limits of the container.", { maxItems: ULIMIT_NAMES.length })),
    logConfiguration: optional(LogConfiguration),
    healthCheck: optional(HealthCheck),
    systemControls: optional(
      list(
        ecsObject(
          { namespace: optional(string("The namespaced kernel parameter, for example net.core.somaxconn.")), value: optional(string("Its value.")) },
          "A namespaced kernel parameter (becomes a pod sysctl).",
        ),
        "Namespaced kernel parameters.",
        { maxItems: 100 },
      ),
    ),
    resourceRequirements: optional(list(ResourceRequirement, "GPUs and other devices the container needs.", { maxItems: 3 })),
    firelensConfiguration: optional(
      ecsObject(
        {
          type: stringEnum(["fluentd", "fluentbit"], "The log router: fluentd or fluentbit."),
          options: optional(stringMap("Options of the log router (enable-ecs-log-metadata, config-file-type, config-file-value).")),
        },
        "Makes this container the FireLens log router of the task (at most one container).",
      ),
    ),
    credentialSpecs: optional(
      list(string("credentialspec:ARN or credentialspecdomainless:ARN."), "Active Directory credential specs (gMSA) of the container (at most 1).", { maxItems: 1 }),
    ),
  },
  "A container of the task.",
  {
    rules: [
      {
        rule: "!has(self.memory) || !has(self.memoryReservation) || self.memoryReservation <= self.memory",
        message: "containerDefinitions: memoryReservation must not exceed memory",
        fieldPath: ".memoryReservation",
      },
    ],
  },
);
export type ContainerDefinition = Static<typeof ContainerDefinition>;

// ---------------------------------------------------------------- volumes

export const Volume = ecsObject(
  {
    name: string("The name of the volume, referenced by mountPoints[].sourceVolume: letters, numbers, hyphens and underscores, up to 255.", {
      maxLength: 255,
      pattern: ECS_NAME_PATTERN,
    }),
    host: optional(
      ecsObject(
        { sourcePath: optional(string("A path on the node (becomes a hostPath volume). Without it, the volume lives as long as the task (an emptyDir).")) },
        "A bind mount. Not supported on FARGATE with a sourcePath.",
      ),
    ),
    configuredAtLaunch: optional(boolean("The volume is configured when a Service or Task runs the task definition (volumeConfigurations).")),
    dockerVolumeConfiguration: optional(
      ecsObject(
        {
          scope: optional(stringEnum(["task", "shared"], "task (default): the volume lives and dies with the task (an emptyDir). shared: it outlives the task.")),
          autoprovision: optional(boolean("For shared volumes: create the volume if it does not exist. Default false.")),
          driver: optional(string("The Docker volume driver, for example local.")),
          driverOpts: optional(stringMap("Options of the volume driver.")),
          labels: optional(stringMap("Labels of the Docker volume.")),
        },
        "A Docker volume. Not supported on FARGATE.",
      ),
    ),
    efsVolumeConfiguration: optional(
      ecsObject(
        {
          fileSystemId: string("The EFS file system ID; maps to a PersistentVolumeClaim or an NFS volume by the rule in docs/mapping.md."),
          rootDirectory: optional(string("The directory of the file system mounted as the root. Default /.")),
          transitEncryption: optional(stringEnum(["ENABLED", "DISABLED"], "Encrypt traffic to the file system. Default DISABLED.")),
          transitEncryptionPort: optional(integer("The port of encrypted traffic.", { minimum: 0, maximum: 65_535 })),
          authorizationConfig: optional(
            ecsObject(
              {
                accessPointId: optional(string("The EFS access point to use.")),
                iam: optional(stringEnum(["ENABLED", "DISABLED"], "Use the task role to authorise access. Default DISABLED.")),
              },
              "Authorisation for the EFS file system.",
            ),
          ),
        },
        "An Amazon EFS file system.",
      ),
    ),
    fsxWindowsFileServerVolumeConfiguration: optional(
      ecsObject(
        {
          fileSystemId: string("The FSx for Windows File Server file system ID."),
          rootDirectory: string("The directory mounted as the root."),
          authorizationConfig: ecsObject(
            {
              credentialsParameter: string("The secret or parameter holding the credentials."),
              domain: string("The fully qualified domain name."),
            },
            "Authorisation for the file system.",
          ),
        },
        "An FSx for Windows File Server file system.",
      ),
    ),
    s3filesVolumeConfiguration: optional(
      ecsObject(
        {
          fileSystemArn: string("The ARN of the S3 Files file system."),
          rootDirectory: optional(string("The directory mounted as the root. Default /.")),
          transitEncryptionPort: optional(integer("The port of encrypted traffic.", { minimum: 0, maximum: 65_535 })),
          accessPointArn: optional(string("The ARN of the S3 Files access point.")),
        },
        "An Amazon S3 Files file system.",
      ),
    ),
  },
  "A volume of the task, mounted by containers through mountPoints.",
  {
    rules: [
      {
        rule:
          "[has(self.host), has(self.dockerVolumeConfiguration), has(self.efsVolumeConfiguration), has(self.fsxWindowsFileServerVolumeConfiguration), has(self.s3filesVolumeConfiguration)]" +
          ".filter(x, x).size() <= 1",
        message: "volumes: set at most one of host, dockerVolumeConfiguration, efsVolumeConfiguration, fsxWindowsFileServerVolumeConfiguration and s3filesVolumeConfiguration",
      },
    ],
  },
);
export type Volume = Static<typeof Volume>;

// ---------------------------------------------------------------- the spec

export const TaskDefinitionKubernetes = object(
  {
    serviceAccountName: optional(
      string("The ServiceAccount of the pods, instead of the one derived from taskRoleArn (see docs/mapping.md).", { maxLength: 253 }),
    ),
    imagePullSecrets: optional(list(string("The name of a Secret of type kubernetes.io/dockerconfigjson.", { maxLength: 253 }), "Extra image pull secrets of the pods.", { maxItems: 20 })),
    podLabels: optional(stringMap("Labels added to the pods.")),
    podAnnotations: optional(annotationMap("Annotations added to the pods.")),
    revisionHistoryLimit: optional(
      integer("How many revisions are kept (ControllerRevisions); older ones are pruned unless a Service or Task still uses them. Default 20.", { minimum: 1, maximum: 1000 }),
    ),
    deregisteredRevisions: optional(
      list(integer("A revision number.", { minimum: 1 }), "Revisions to deregister (status INACTIVE), like DeregisterTaskDefinition: new Services and Tasks can no longer use them.", {
        maxItems: 1000,
      }),
    ),
  },
  "Kubernetes-only settings of the task definition.",
);
export type TaskDefinitionKubernetes = Static<typeof TaskDefinitionKubernetes>;

const C = "self.containerDefinitions";
const FARGATE = "(has(self.requiresCompatibilities) && 'FARGATE' in self.requiresCompatibilities)";
const NOT_FARGATE = `!${FARGATE}`;

/**
 * A rule that every container must pass. `ok` is a CEL predicate over the variable `c`; `explain` receives the CEL
 * expression of the first offending container and returns the CEL message.
 */
function everyContainer(ok: string, message: string, explain: (container: string) => string): CelRule {
  return {
    rule: `${C}.all(c, ${ok})`,
    message,
    messageExpression: explain(celFirstItem(C, "c", `!(${ok})`)),
    fieldPath: ".containerDefinitions",
  };
}

/** CEL: the containerName of the first dependsOn entry of `container` that fails `ok` (over `d`). */
const dependency = (container: string, ok: string) => `${celFirstItem(`${container}.dependsOn`, "d", `!(${ok})`)}.containerName`;

const dependsOnExisting = `${C}.exists(x, x.name == d.containerName)`;
const completesOnNonEssential = `!(d.condition in ['COMPLETE', 'SUCCESS']) || ${C}.all(x, x.name != d.containerName || (has(x.essential) && !x.essential))`;
const healthyHasHealthCheck = `d.condition != 'HEALTHY' || ${C}.all(x, x.name != d.containerName || has(x.healthCheck))`;
const notMutual = "!(x.name in c.dependsOn.map(d, d.containerName)) || !has(x.dependsOn) || !(c.name in x.dependsOn.map(d, d.containerName))";

/** Cross-field rules of RegisterTaskDefinition that the API server checks at admission. */
const TASK_DEFINITION_RULES: CelRule[] = [
  // containers
  everyContainer(
    `${C}.exists_one(d, d.name == c.name)`,
    "spec.containerDefinitions: container names must be unique",
    (k) => `'spec.containerDefinitions: container names must be unique, but "' + ${k}.name + '" is used more than once'`,
  ),
  {
    rule: `${C}.exists(c, !has(c.essential) || c.essential)`,
    message: "spec.containerDefinitions: at least one container must be essential (essential defaults to true)",
    fieldPath: ".containerDefinitions",
  },
  // dependsOn
  everyContainer(
    `!has(c.dependsOn) || c.dependsOn.all(d, ${dependsOnExisting})`,
    "spec.containerDefinitions: dependsOn names a container that is not in this task definition",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" dependsOn "' + ${dependency(k, dependsOnExisting)} + '", which is not a container of this task definition'`,
  ),
  everyContainer(
    "!has(c.dependsOn) || c.dependsOn.all(d, d.containerName != c.name)",
    "spec.containerDefinitions: a container cannot depend on itself",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" depends on itself'`,
  ),
  everyContainer(
    `!has(c.dependsOn) || ${C}.all(x, x.name == c.name || ${notMutual})`,
    "spec.containerDefinitions: two containers depend on each other (a dependsOn cycle)",
    (k) =>
      `'spec.containerDefinitions: containers "' + ${k}.name + '" and "' + ${dependency(k, `d.containerName == ${k}.name || !${C}.exists(x, x.name == d.containerName && has(x.dependsOn) && ${k}.name in x.dependsOn.map(e, e.containerName))`)} + '" depend on each other (a dependsOn cycle)'`,
  ),
  everyContainer(
    `!has(c.dependsOn) || c.dependsOn.all(d, ${completesOnNonEssential})`,
    "spec.containerDefinitions: dependsOn with condition COMPLETE or SUCCESS must name a non-essential container",
    (k) =>
      `'spec.containerDefinitions: container "' + ${k}.name + '" waits for "' + ${dependency(k, completesOnNonEssential)} + '" to COMPLETE or SUCCEED, so that container must set essential: false'`,
  ),
  everyContainer(
    `!has(c.dependsOn) || c.dependsOn.all(d, ${healthyHasHealthCheck})`,
    "spec.containerDefinitions: dependsOn with condition HEALTHY must name a container that has a healthCheck",
    (k) =>
      `'spec.containerDefinitions: container "' + ${k}.name + '" waits for "' + ${dependency(k, healthyHasHealthCheck)} + '" to be HEALTHY, but that container has no healthCheck'`,
  ),
  // volumes
  everyContainer(
    `!has(c.volumesFrom) || c.volumesFrom.all(v, ${C}.exists(x, x.name == v.sourceContainer))`,
    "spec.containerDefinitions: volumesFrom names a container that is not in this task definition",
    (k) =>
      `'spec.containerDefinitions: container "' + ${k}.name + '" has volumesFrom "' + ${celFirstItem(`${k}.volumesFrom`, "v", `!${C}.exists(x, x.name == v.sourceContainer)`)}.sourceContainer + '", which is not a container of this task definition'`,
  ),
  everyContainer(
    "!has(c.mountPoints) || c.mountPoints.all(m, has(self.volumes) && self.volumes.exists(v, v.name == m.sourceVolume))",
    "spec.containerDefinitions: mountPoints names a volume that is not in spec.volumes",
    (k) =>
      `'spec.containerDefinitions: container "' + ${k}.name + '" mounts volume "' + ${celFirstItem(`${k}.mountPoints`, "m", "!has(self.volumes) || !self.volumes.exists(v, v.name == m.sourceVolume)")}.sourceVolume + '", which is not in spec.volumes'`,
  ),
  {
    rule: "!has(self.volumes) || self.volumes.all(v, self.volumes.exists_one(w, w.name == v.name))",
    message: "spec.volumes: volume names must be unique",
    messageExpression: `'spec.volumes: volume names must be unique, but "' + ${celFirstItem("self.volumes", "v", "!self.volumes.exists_one(w, w.name == v.name)")}.name + '" is used more than once'`,
    fieldPath: ".volumes",
  },
  // ports (unique within one container: see portMappings)
  everyContainer(
    `!has(c.portMappings) || ${C}.all(x, x.name == c.name || !has(x.portMappings) || c.portMappings.all(p, !has(p.name) || !x.portMappings.exists(q, has(q.name) && q.name == p.name)))`,
    "spec.containerDefinitions: portMappings names must be unique within the task definition",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" uses a portMappings name that another container uses too; names must be unique within the task definition'`,
  ),
  everyContainer(
    "!has(self.networkMode) || !(self.networkMode in ['awsvpc', 'host']) || !has(c.portMappings) || c.portMappings.all(p, !has(p.hostPort) || !has(p.containerPort) || p.hostPort == p.containerPort)",
    "spec.containerDefinitions: with networkMode awsvpc or host, a portMappings hostPort must equal its containerPort (or be omitted)",
    (k) =>
      `'spec.containerDefinitions: container "' + ${k}.name + '" maps a hostPort to a different containerPort, but with networkMode awsvpc or host, hostPort must equal containerPort (or be omitted)'`,
  ),
  everyContainer(
    "!has(c.links) || c.links.size() == 0 || !has(self.networkMode) || self.networkMode == 'bridge'",
    "spec.containerDefinitions: links are only supported with networkMode bridge",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" has links, which only work with networkMode bridge (with awsvpc, host or none, containers reach each other on localhost)'`,
  ),
  // memory
  everyContainer(
    `has(self.memory) || ${FARGATE} || has(c.memory) || has(c.memoryReservation)`,
    "spec.containerDefinitions: without a task-level memory, every container needs memory or memoryReservation",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" sets neither memory nor memoryReservation, and the task sets no memory'`,
  ),
  // firelens, proxy, accelerators
  {
    rule: `${C}.filter(c, has(c.firelensConfiguration)).size() <= 1`,
    message: "spec.containerDefinitions: only one container may have a firelensConfiguration",
    fieldPath: ".containerDefinitions",
  },
  everyContainer(
    `!has(c.logConfiguration) || c.logConfiguration.logDriver != 'awsfirelens' || ${C}.exists(x, has(x.firelensConfiguration))`,
    "spec.containerDefinitions: the awsfirelens log driver needs a container with a firelensConfiguration (the log router)",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" logs to awsfirelens, but no container has a firelensConfiguration (the log router)'`,
  ),
  {
    rule: `!has(self.proxyConfiguration) || ${C}.exists(c, c.name == self.proxyConfiguration.containerName)`,
    message: "spec.proxyConfiguration.containerName: must name a container of this task definition",
    fieldPath: ".proxyConfiguration.containerName",
  },
  everyContainer(
    "!has(c.resourceRequirements) || c.resourceRequirements.all(r, r.type != 'InferenceAccelerator' || (has(r.value) && has(self.inferenceAccelerators) && self.inferenceAccelerators.exists(a, a.deviceName == r.value)))",
    "spec.containerDefinitions: an InferenceAccelerator resourceRequirement must name a deviceName of spec.inferenceAccelerators",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" requires an InferenceAccelerator that is not a deviceName of spec.inferenceAccelerators'`,
  ),
  // FARGATE
  {
    rule: `${NOT_FARGATE} || (has(self.cpu) && has(self.memory))`,
    message: "spec.cpu: with requiresCompatibilities FARGATE, the task needs both cpu and memory",
    fieldPath: ".cpu",
  },
  {
    rule: `${NOT_FARGATE} || !has(self.cpu) || !has(self.memory) || !${celCpuIsValid("self.cpu")} || !${celMemoryIsValid("self.memory")} || [${celCpuUnits("self.cpu")}].all(c, [${celMemoryMiB("self.memory")}].all(m, ${celIsFargateTaskSize("c", "m")}))`,
    message:
      "spec.memory: with requiresCompatibilities FARGATE, cpu and memory must be a Fargate task size: cpu 256 with memory 512, 1024 or 2048; " +
      "512 with 1024-4096; 1024 with 2048-8192; 2048 with 4096-16384 (steps of 1024); 4096 with 8192-30720 (steps of 1024); " +
      "8192 with 16384-61440 (steps of 4096); 16384 with 32768-122880 (steps of 8192)",
    fieldPath: ".memory",
  },
  {
    rule: `${NOT_FARGATE} || !has(self.runtimePlatform) || !has(self.runtimePlatform.operatingSystemFamily) || self.runtimePlatform.operatingSystemFamily == 'LINUX' || !has(self.cpu) || !${celCpuIsValid("self.cpu")} || ${celCpuUnits("self.cpu")} >= 1024`,
    message: "spec.cpu: Windows tasks on FARGATE need at least 1 vCPU (1024)",
    fieldPath: ".cpu",
  },
  {
    rule: `${NOT_FARGATE} || (has(self.networkMode) && self.networkMode == 'awsvpc')`,
    message: "spec.networkMode: requiresCompatibilities FARGATE needs networkMode awsvpc",
    fieldPath: ".networkMode",
  },
  {
    rule: `${NOT_FARGATE} || !has(self.pidMode) || self.pidMode != 'host'`,
    message: "spec.pidMode: FARGATE does not support pidMode host",
    fieldPath: ".pidMode",
  },
  {
    rule: `${NOT_FARGATE} || !has(self.ipcMode)`,
    message: "spec.ipcMode: FARGATE does not support ipcMode",
    fieldPath: ".ipcMode",
  },
  {
    rule: `${NOT_FARGATE} || !has(self.volumes) || self.volumes.all(v, !has(v.dockerVolumeConfiguration) && (!has(v.host) || !has(v.host.sourcePath)))`,
    message: "spec.volumes: FARGATE supports neither dockerVolumeConfiguration nor host volumes with a sourcePath",
    fieldPath: ".volumes",
  },
  {
    rule: `${NOT_FARGATE} || !has(self.placementConstraints) || self.placementConstraints.size() == 0`,
    message: "spec.placementConstraints: FARGATE does not support placement constraints",
    fieldPath: ".placementConstraints",
  },
  everyContainer(
    `${NOT_FARGATE} || !has(c.privileged) || !c.privileged`,
    "spec.containerDefinitions: FARGATE does not support privileged containers",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" is privileged, which FARGATE does not support'`,
  ),
  everyContainer(
    `${NOT_FARGATE} || !has(c.linuxParameters) || !has(c.linuxParameters.devices) || c.linuxParameters.devices.size() == 0`,
    "spec.containerDefinitions: FARGATE does not support linuxParameters.devices",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" uses linuxParameters.devices, which FARGATE does not support'`,
  ),
  everyContainer(
    `${NOT_FARGATE} || !has(c.stopTimeout) || c.stopTimeout <= 120`,
    "spec.containerDefinitions: on FARGATE, stopTimeout is at most 120 seconds",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" has a stopTimeout above 120 seconds, the FARGATE maximum'`,
  ),
  everyContainer(
    `${NOT_FARGATE} || !has(c.linuxParameters) || !has(c.linuxParameters.capabilities) || !has(c.linuxParameters.capabilities.add) || c.linuxParameters.capabilities.add.all(x, x == 'SYS_PTRACE')`,
    "spec.containerDefinitions: FARGATE only allows adding the SYS_PTRACE capability (linuxParameters.capabilities.add)",
    (k) =>
      `'spec.containerDefinitions: container "' + ${k}.name + '" adds the capability ' + ${celFirstItem(`${k}.linuxParameters.capabilities.add`, "x", "x != 'SYS_PTRACE'")} + ' in linuxParameters.capabilities.add, but FARGATE only allows adding SYS_PTRACE'`,
  ),
  everyContainer(
    `${NOT_FARGATE} || !has(c.linuxParameters) || (!has(c.linuxParameters.sharedMemorySize) && (!has(c.linuxParameters.tmpfs) || c.linuxParameters.tmpfs.size() == 0))`,
    "spec.containerDefinitions: FARGATE does not support linuxParameters.sharedMemorySize or linuxParameters.tmpfs",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" sets linuxParameters.' + (has(${k}.linuxParameters.sharedMemorySize) ? 'sharedMemorySize' : 'tmpfs') + ', which FARGATE does not support'`,
  ),
  everyContainer(
    `${NOT_FARGATE} || !has(c.linuxParameters) || (!has(c.linuxParameters.maxSwap) && !has(c.linuxParameters.swappiness))`,
    "spec.containerDefinitions: FARGATE does not support linuxParameters.maxSwap or linuxParameters.swappiness",
    (k) => `'spec.containerDefinitions: container "' + ${k}.name + '" sets linuxParameters.' + (has(${k}.linuxParameters.maxSwap) ? 'maxSwap' : 'swappiness') + ', which FARGATE does not support'`,
  ),
];

export const TaskDefinitionSpec = ecsObject(
  {
    family: optional(
      string("The family of the task definition; revisions are numbered per family. Default: metadata.name. Letters, numbers, hyphens and underscores, up to 255.", {
        maxLength: 255,
        pattern: ECS_NAME_PATTERN,
      }),
    ),
    taskRoleArn: optional(string("The IAM role of the task's containers; becomes the pods' ServiceAccount (with the EKS IRSA annotation for an IAM role ARN).")),
    executionRoleArn: optional(string("The IAM role the ECS agent uses to pull images and fetch secrets. Accepted for compatibility; image pull secrets and Secrets take its place.")),
    networkMode: optional(
      stringEnum(NETWORK_MODES, "bridge (default on Linux EC2), host (hostNetwork), awsvpc (each task gets its own IP: the pod network; required by FARGATE) or none."),
    ),
    containerDefinitions: list(ContainerDefinition, "The containers of the task (1 to 10).", { minItems: 1, maxItems: MAX_CONTAINERS }),
    volumes: optional(list(Volume, `Volumes the containers can mount (at most ${MAX_VOLUMES}).`, { maxItems: MAX_VOLUMES })),
    placementConstraints: optional(
      list(
        ecsObject(
          {
            type: stringEnum(["memberOf"], "memberOf: the tasks run on nodes matching expression."),
            expression: optional(string("A cluster query language expression, compiled to node affinity.", { maxLength: 2000 })),
          },
          "A placement constraint of every task of this task definition.",
          { rules: [{ rule: "has(self.expression)", message: "placementConstraints: a memberOf constraint needs an expression", fieldPath: ".expression" }] },
        ),
        "Placement constraints of the tasks (at most 10). Not supported on FARGATE.",
        { maxItems: 10 },
      ),
    ),
    requiresCompatibilities: optional(
      list(stringEnum(COMPATIBILITIES, "A launch type."), "The launch types the task definition is validated against; FARGATE enforces Fargate task sizes and refuses host features.", {
        maxItems: COMPATIBILITIES.length,
      }),
    ),
    cpu: optional(
      intOrString('Task CPU: units ("1024", 1024) or vCPUs ("1 vCPU", "0.5 vcpu"), normalised to units. 128 to 196608; required by FARGATE, which takes only its task sizes.', {
        maxLength: 32,
        rules: [
          { rule: celCpuIsValid("self"), message: 'spec.cpu: must be CPU units ("1024") or vCPUs ("1 vCPU", "0.5 vcpu")' },
          {
            rule: `!${celCpuIsValid("self")} || (${celCpuUnits("self")} >= ${TASK_CPU_RANGE.min} && ${celCpuUnits("self")} <= ${TASK_CPU_RANGE.max})`,
            message: "spec.cpu: must be between 128 CPU units (0.125 vCPU) and 196608 (192 vCPU)",
          },
        ],
      }),
    ),
    memory: optional(
      intOrString('Task memory: MiB ("2048", 2048) or GB ("2 GB", "2GB"), normalised to MiB. Required by FARGATE, which takes only its task sizes.', {
        maxLength: 32,
        rules: [
          { rule: celMemoryIsValid("self"), message: 'spec.memory: must be MiB ("2048") or GB ("2 GB", "2GB")' },
          { rule: `!${celMemoryIsValid("self")} || ${celMemoryMiB("self")} > 0`, message: "spec.memory: must be greater than 0" },
        ],
      }),
    ),
    tags: optional(Tags),
    pidMode: optional(stringEnum(["host", "task"], "task: the containers share one process namespace (shareProcessNamespace). host: the node's (hostPID). Not host on FARGATE.")),
    ipcMode: optional(stringEnum(["host", "task", "none"], "The IPC namespace: host (hostIPC), task (shared; pods share IPC anyway) or none. Not supported on FARGATE.")),
    proxyConfiguration: optional(
      ecsObject(
        {
          type: optional(stringEnum(["APPMESH"], "APPMESH.")),
          containerName: string("The container that is the proxy.", { maxLength: 255 }),
          properties: optional(list(describe(KeyValuePair, "A proxy setting."), "Proxy settings (IgnoredUID, ProxyIngressPort, AppPorts, ...).", { maxItems: 100 })),
        },
        "The App Mesh proxy configuration. Reported as unsupported.",
      ),
    ),
    inferenceAccelerators: optional(
      list(
        ecsObject({ deviceName: string("The name referenced by resourceRequirements.", { maxLength: 255 }), deviceType: string("The Elastic Inference accelerator type.") }, "An Elastic Inference accelerator."),
        "Elastic Inference accelerators (retired by AWS; reported as unsupported).",
        { maxItems: 10 },
      ),
    ),
    ephemeralStorage: optional(
      ecsObject(
        { sizeInGiB: integer("The ephemeral storage of the task in GiB, 21 to 200 (becomes the pod's ephemeral-storage limit).", { minimum: 21, maximum: 200 }) },
        "The ephemeral storage of the task (FARGATE default 20 GiB).",
      ),
    ),
    runtimePlatform: optional(
      ecsObject(
        {
          cpuArchitecture: optional(stringEnum(CPU_ARCHITECTURES, "X86_64 or ARM64; becomes a kubernetes.io/arch node selector (amd64, arm64).")),
          operatingSystemFamily: optional(stringEnum(OS_FAMILIES, "The operating system; becomes a kubernetes.io/os node selector.")),
        },
        "The operating system and CPU architecture the task needs.",
      ),
    ),
    enableFaultInjection: optional(boolean("Accept fault injection requests from the task's containers. Default false. Reported as unsupported when true.")),
    kubernetes: optional(TaskDefinitionKubernetes),
  },
  "The RegisterTaskDefinition input, as `aws ecs register-task-definition --cli-input-json` takes it. Every change registers a new revision.",
  { rules: TASK_DEFINITION_RULES },
);
export type TaskDefinitionSpec = Static<typeof TaskDefinitionSpec>;

// ---------------------------------------------------------------- status

const TASK_DEFINITION_STATUSES = ["ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"] as const;
export type TaskDefinitionRevisionStatus = (typeof TASK_DEFINITION_STATUSES)[number];

const TaskDefinitionRevisionSummary = object(
  {
    revision: integer("The revision number.", { minimum: 1 }),
    status: stringEnum(TASK_DEFINITION_STATUSES, "ACTIVE, or INACTIVE once deregistered."),
    controllerRevision: optional(string("The ControllerRevision that holds the revision's spec.")),
    registeredAt: optional(string("When the revision was registered.", { format: "date-time" })),
    deregisteredAt: optional(string("When the revision was deregistered.", { format: "date-time" })),
  },
  "One registered revision.",
);

export const TaskDefinitionStatus = object(
  {
    observedGeneration: optional(observedGeneration),
    conditions: optional(Conditions),
    family: optional(string("The family the revisions are registered under.")),
    revision: optional(integer("The latest revision: the current spec.", { minimum: 1 })),
    status: optional(stringEnum(TASK_DEFINITION_STATUSES, "The status of the latest revision.")),
    taskDefinitionArn: optional(string("The reference of the latest revision, family:revision.")),
    registeredAt: optional(string("When the latest revision was registered.", { format: "date-time" })),
    compatibilities: optional(list(stringEnum(COMPATIBILITIES, "A launch type."), "The launch types the latest revision is compatible with.", { maxItems: 4 })),
    cpu: optional(string('The task CPU of the latest revision in CPU units, as ECS normalises it ("1 vCPU" → "1024").')),
    memory: optional(string('The task memory of the latest revision in MiB, as ECS normalises it ("2 GB" → "2048").')),
    revisions: optional(list(TaskDefinitionRevisionSummary, "The revisions kept, oldest first.", { maxItems: 1000 })),
    unsupportedFields: optional(list(string("A field path."), "Fields of the spec that are accepted but not mapped to Kubernetes (see the Supported condition).", { maxItems: 200 })),
  },
  "The registered revisions of the family, as DescribeTaskDefinition shows them.",
);
export type TaskDefinitionStatus = Static<typeof TaskDefinitionStatus>;

/** The CamelCase reasons of a TaskDefinition's conditions (with ConditionReason's UnsupportedFields and AllFieldsSupported). */
export const TaskDefinitionReason = {
  RevisionRegistered: "RevisionRegistered",
  FamilyConflict: "FamilyConflict",
} as const;

// ---------------------------------------------------------------- defaults

/** ECS defaults of RegisterTaskDefinition that the controller applies when a field is absent. */
export const TASK_DEFINITION_DEFAULTS = {
  /** Linux on EC2; FARGATE requires awsvpc (validated). */
  networkMode: "bridge",
  essential: true,
  portProtocol: "tcp",
  healthCheck: { interval: 30, timeout: 5, retries: 3, startPeriod: 0 },
  /** Seconds; the ECS agent's ECS_CONTAINER_STOP_TIMEOUT default and the FARGATE default. */
  stopTimeout: 30,
  dockerVolumeScope: "task",
  efsRootDirectory: "/",
  restartAttemptPeriod: 300,
  versionConsistency: "enabled",
  /** GiB of ephemeral storage of a FARGATE task without ephemeralStorage. */
  fargateEphemeralStorageGiB: 20,
  revisionHistoryLimit: 20,
} as const;

/** Fields of DescribeTaskDefinition output (console exports) that are read-only: accepted and ignored. */
export const DESCRIBE_ONLY_TASK_DEFINITION_FIELDS = [
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "registeredBy",
  "deregisteredAt",
  "deleteRequestedAt",
] as const;

/** The family of a TaskDefinition: spec.family, or metadata.name made a valid ECS name (dots become hyphens). */
export function resolveFamily(spec: Pick<TaskDefinitionSpec, "family">, metadataName: string): string {
  return spec.family ?? metadataName.replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 255);
}

/** The task-level size in CPU units and MiB, normalised as ECS does ("1 vCPU" → 1024, "2 GB" → 2048). */
export function normalizedTaskSize(spec: Pick<TaskDefinitionSpec, "cpu" | "memory">): { cpu?: number; memory?: number } {
  return {
    ...(spec.cpu === undefined ? {} : { cpu: normalizeCpu(spec.cpu) }),
    ...(spec.memory === undefined ? {} : { memory: normalizeMemory(spec.memory) }),
  };
}
