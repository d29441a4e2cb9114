// Task: the RunTask input, verbatim (plus `desiredStatus` to stop it, and `spec.kubernetes`); it runs `count`
// pods and its status mirrors DescribeTasks. ScheduledTask reuses the RunTask input as `spec.task`.
import { ConditionReason } from "./conditions.ts";
import {
  capacityProviderStrategy,
  Conditions,
  EnvironmentVariable,
  KubernetesMetadataKnobs,
  LAUNCH_TYPES,
  launchTypeXorStrategyRule,
  NetworkConfiguration,
  observedGeneration,
  PlacementConstraints,
  PlacementStrategies,
  PROPAGATE_TAGS,
  Tags,
  TaskVolumeConfiguration,
} from "./common.ts";
import {
  boolean,
  type CelRule,
  describe,
  ecsObject,
  integer,
  list,
  object,
  optional,
  type Static,
  string,
  stringEnum,
} from "./structural-schema.ts";

export const TASK_LAST_STATUSES = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"] as const;
export type TaskLastStatus = (typeof TASK_LAST_STATUSES)[number];
const TASK_DESIRED_STATUSES = ["RUNNING", "STOPPED"] as const;
export const STOP_CODES = ["TaskFailedToStart", "EssentialContainerExited", "UserInitiated", "ServiceSchedulerInitiated", "SpotInterruption", "TerminationNotice"] as const;
export type StopCode = (typeof STOP_CODES)[number];
const HEALTH_STATUSES = ["HEALTHY", "UNHEALTHY", "UNKNOWN"] as const;

/** The most tasks one RunTask call (and so one Task) starts. */
const MAX_TASK_COUNT = 10;

const ContainerOverride = ecsObject(
  {
    name: string("The name of the container to override.", { maxLength: 255 }),
    command: optional(list(string("One argument."), "Replaces the container's command.", { maxItems: 1000 })),
    environment: optional(list(describe(EnvironmentVariable, "An environment variable."), "Environment variables added or replaced.", { maxItems: 10_000 })),
    environmentFiles: optional(
      list(
        ecsObject({ value: string("The ARN of the S3 object."), type: stringEnum(["s3"], "s3.") }, "A file of environment variables."),
        "Files of environment variables added.",
        { maxItems: 10 },
      ),
    ),
    cpu: optional(integer("Replaces the container's cpu units.", { minimum: 0 })),
    memory: optional(integer("Replaces the container's hard memory limit (MiB).", { minimum: 4 })),
    memoryReservation: optional(integer("Replaces the container's soft memory limit (MiB).", { minimum: 4 })),
    resourceRequirements: optional(
      list(
        ecsObject(
          {
            type: stringEnum(["GPU", "InferenceAccelerator", "NeuronDevice"], "The resource type."),
            value: optional(string("How many, or the device name.")),
          },
          "A resource requirement.",
        ),
        "Replaces the container's resource requirements.",
        { maxItems: 3 },
      ),
    ),
  },
  "Overrides of one container.",
  {
    rules: [
      {
        // ECS (ContainerDefinition.memoryReservation): "If you specify both, memory must be greater than memoryReservation."
        rule: "!has(self.memory) || !has(self.memoryReservation) || self.memoryReservation < self.memory",
        message: "containerOverrides: memory must be greater than memoryReservation",
        fieldPath: ".memoryReservation",
      },
    ],
  },
);

export const TaskOverride = ecsObject(
  {
    containerOverrides: optional(list(ContainerOverride, "Overrides per container.", { maxItems: 10 })),
    cpu: optional(string('Replaces the task cpu ("1024", "1 vCPU").', { maxLength: 32 })),
    memory: optional(string('Replaces the task memory ("2048", "2 GB").', { maxLength: 32 })),
    inferenceAcceleratorOverrides: optional(
      list(ecsObject({ deviceName: optional(string("Device name.")), deviceType: optional(string("Device type.")) }, "An accelerator override."), "Accelerator overrides.", {
        maxItems: 10,
      }),
    ),
    executionRoleArn: optional(string("Replaces the execution role.")),
    taskRoleArn: optional(string("Replaces the task role (and so the ServiceAccount).")),
    ephemeralStorage: optional(ecsObject({ sizeInGiB: integer("GiB, 21 to 200.", { minimum: 21, maximum: 200 }) }, "Replaces the ephemeral storage.")),
  },
  "Overrides applied to the task definition for this run.",
);

function runTaskRules(path: string): CelRule[] {
  return [
    launchTypeXorStrategyRule(path),
    {
      rule: "!has(self.overrides) || !has(self.overrides.containerOverrides) || self.overrides.containerOverrides.all(o, self.overrides.containerOverrides.exists_one(p, p.name == o.name))",
      message: `${path}.overrides.containerOverrides: each container may be overridden once`,
      fieldPath: ".overrides",
    },
    // ECS: "Task placement constraints and strategies aren't supported for tasks running on Fargate."
    {
      rule: "!has(self.launchType) || self.launchType != 'FARGATE' || !has(self.placementConstraints) || self.placementConstraints.size() == 0",
      message: `${path}.placementConstraints: FARGATE tasks take no placement constraints`,
      fieldPath: ".placementConstraints",
    },
    {
      rule: "!has(self.launchType) || self.launchType != 'FARGATE' || !has(self.placementStrategy) || self.placementStrategy.size() == 0",
      message: `${path}.placementStrategy: FARGATE tasks take no placement strategy`,
      fieldPath: ".placementStrategy",
    },
  ];
}

/** The RunTask input fields (without `kubernetes` and `desiredStatus`), for Task.spec and ScheduledTask.spec.task. */
function runTaskProperties(path: string) {
  return {
    cluster: optional(string("The Cluster (in this namespace) the task runs in. Default: the Cluster named default.", { maxLength: 255 })),
    taskDefinition: string("The TaskDefinition to run: family (latest ACTIVE revision), family:revision, or an ECS ARN ending in task-definition/family:revision.", {
      maxLength: 2048,
    }),
    count: optional(integer("How many tasks (pods) to run, 1 to 10. Default 1.", { minimum: 1, maximum: MAX_TASK_COUNT })),
    capacityProviderStrategy: optional(
      capacityProviderStrategy(`${path}.capacityProviderStrategy`, "How the tasks are split over CapacityProviders. Default: the Cluster's defaultCapacityProviderStrategy."),
    ),
    launchType: optional(stringEnum(LAUNCH_TYPES, "Where the tasks run, instead of capacityProviderStrategy.")),
    group: optional(string("The task group (family:name by default); becomes a pod label.", { maxLength: 255 })),
    networkConfiguration: optional(NetworkConfiguration),
    overrides: optional(TaskOverride),
    placementConstraints: optional(PlacementConstraints),
    placementStrategy: optional(PlacementStrategies),
    platformVersion: optional(string("The Fargate platform version. Accepted and ignored.")),
    propagateTags: optional(stringEnum(PROPAGATE_TAGS, "Copy the task definition's tags to the tasks (as pod annotations).")),
    referenceId: optional(string("A reference ID for the task.", { maxLength: 1024 })),
    startedBy: optional(string("Who started the task (shown in status and as a pod label).", { maxLength: 128 })),
    tags: optional(Tags),
    enableECSManagedTags: optional(boolean("Tag the tasks with the cluster name.")),
    enableExecuteCommand: optional(boolean("Allow ECS Exec into the tasks (kubectl exec works regardless).")),
    clientToken: optional(string("An idempotency token. Accepted and ignored.")),
    volumeConfigurations: optional(list(TaskVolumeConfiguration, "Volumes of the task definition with configuredAtLaunch.", { maxItems: 1 })),
  };
}

/** A RunTask input as a nested object (ScheduledTask.spec.task), with its rules naming `path`. */
export function runTaskInput(path: string, description: string) {
  return ecsObject(runTaskProperties(path), description, { rules: runTaskRules(path) });
}

const TaskKubernetes = object(
  {
    ...KubernetesMetadataKnobs,
    ttlSecondsAfterStopped: optional(
      integer("How long the Task (and its pods) is kept after it stops. Default: the controller's setting (1 hour, like ECS).", { minimum: 0 }),
    ),
  },
  "Kubernetes-only settings of the task.",
);

export const TaskSpec = ecsObject(
  {
    ...runTaskProperties("spec"),
    desiredStatus: optional(
      stringEnum(TASK_DESIRED_STATUSES, "RUNNING (default), or STOPPED to stop the tasks, like StopTask. A stopped Task cannot run again: create a new one."),
    ),
    kubernetes: optional(TaskKubernetes),
  },
  "The RunTask input, as `aws ecs run-task --cli-input-json` takes it, plus desiredStatus (StopTask) and kubernetes.",
  {
    rules: [
      ...runTaskRules("spec"),
      {
        rule: "!has(oldSelf.desiredStatus) || oldSelf.desiredStatus != 'STOPPED' || (has(self.desiredStatus) && self.desiredStatus == 'STOPPED')",
        message: "spec.desiredStatus: a stopped task cannot run again; create a new Task",
        fieldPath: ".desiredStatus",
      },
      {
        rule: "self.taskDefinition == oldSelf.taskDefinition && (has(self.count) ? self.count : 1) == (has(oldSelf.count) ? oldSelf.count : 1)",
        message: "spec: taskDefinition and count of a Task cannot change once it runs; create a new Task",
      },
    ],
  },
);
export type TaskSpec = Static<typeof TaskSpec>;

// ---------------------------------------------------------------- status

const ContainerStatus = object(
  {
    name: string("The container name."),
    image: optional(string("The image.")),
    imageDigest: optional(string("The digest of the image that runs.")),
    runtimeId: optional(string("The container runtime ID.")),
    lastStatus: optional(string("PENDING, RUNNING or STOPPED.")),
    exitCode: optional(integer("The exit code, once stopped.", { format: "int32" })),
    reason: optional(string("Why the container stopped or failed to start.")),
    healthStatus: optional(stringEnum(HEALTH_STATUSES, "The health check result: HEALTHY, UNHEALTHY, or UNKNOWN (being evaluated, or no health check).")),
  },
  "A container of a task, as DescribeTasks shows it.",
);

const taskFacts = {
  lastStatus: optional(stringEnum(TASK_LAST_STATUSES, "The lifecycle state: PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING or STOPPED.")),
  desiredStatus: optional(stringEnum(TASK_DESIRED_STATUSES, "RUNNING or STOPPED.")),
  stopCode: optional(stringEnum(STOP_CODES, "Why the task stopped, as an ECS stop code.")),
  stoppedReason: optional(string("Why the task stopped, in words.")),
  healthStatus: optional(stringEnum(HEALTH_STATUSES, "From the essential containers: UNHEALTHY if one is, else UNKNOWN if one is (no check, or not evaluated yet), else HEALTHY.")),
  capacityProviderName: optional(string("The CapacityProvider the task runs on.")),
  availabilityZone: optional(string("The zone of the node.")),
  createdAt: optional(string("When the task was created.", { format: "date-time" })),
  startedAt: optional(string("When the task started running.", { format: "date-time" })),
  stoppingAt: optional(string("When the task began to stop.", { format: "date-time" })),
  stoppedAt: optional(string("When the task stopped.", { format: "date-time" })),
  pullStartedAt: optional(string("When image pulls started.", { format: "date-time" })),
  pullStoppedAt: optional(string("When image pulls finished.", { format: "date-time" })),
  executionStoppedAt: optional(string("When the essential containers exited.", { format: "date-time" })),
};

const TaskInstance = object(
  {
    podName: string("The pod that runs this task."),
    ...taskFacts,
    containers: optional(list(ContainerStatus, "The containers.", { maxItems: 10 })),
  },
  "One of the `count` tasks, as DescribeTasks shows it.",
);

export const TaskStatus = object(
  {
    observedGeneration: optional(observedGeneration),
    conditions: optional(Conditions),
    taskDefinition: optional(string("The resolved task definition revision, family:revision.")),
    cluster: optional(string("The Cluster the tasks run in.")),
    group: optional(string("The task group.")),
    startedBy: optional(string("Who started the task.")),
    launchType: optional(string("The launch type in use.")),
    cpu: optional(string("The task CPU units.")),
    memory: optional(string("The task memory in MiB.")),
    ...taskFacts,
    runningCount: optional(integer("Tasks that are RUNNING.", { minimum: 0 })),
    pendingCount: optional(integer("Tasks that are not yet RUNNING.", { minimum: 0 })),
    tasks: optional(list(TaskInstance, "Each task (pod) started.", { maxItems: MAX_TASK_COUNT })),
    failures: optional(
      list(
        object(
          { arn: optional(string("What failed.")), reason: optional(string("Why (for example RESOURCE:MEMORY).")), detail: optional(string("Details.")) },
          "A task that could not be started.",
        ),
        "Tasks that could not be started, as RunTask reports them.",
        { maxItems: MAX_TASK_COUNT },
      ),
    ),
  },
  "The tasks as DescribeTasks shows them: lastStatus, desiredStatus, stopCode and stoppedReason summarise all `count` tasks, tasks[] lists each.",
);
export type TaskStatus = Static<typeof TaskStatus>;

/** The CamelCase reasons of a Task's conditions: its lifecycle, then why it cannot run (Stalled). */
export const TaskReason = {
  TasksStarting: "TasksStarting",
  TasksRunning: "TasksRunning",
  TasksStopping: "TasksStopping",
  TaskStopped: "TaskStopped",
  TaskDefinitionNotFound: "TaskDefinitionNotFound",
  InvalidReference: "InvalidReference",
  TaskDefinitionInactive: "TaskDefinitionInactive",
  CapacityUnavailable: "CapacityUnavailable",
  InvalidOverrides: "InvalidOverrides",
  InvalidPlacement: ConditionReason.InvalidPlacement,
  NotOwned: ConditionReason.NotOwned,
} as const;

export const TASK_DEFAULTS = {
  count: 1,
  desiredStatus: "RUNNING",
  cluster: "default",
  /** Seconds a stopped Task is kept (ECS shows stopped tasks for about an hour). */
  ttlSecondsAfterStopped: 3600,
} as const;
