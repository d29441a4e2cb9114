// CapacityProvider (cluster-scoped): the CreateCapacityProvider input plus `type` (EC2 or FARGATE), `spot`, and
// `spec.kubernetes`, which says where its tasks land: a node pool (node selector, tolerations, affinity) or a
// serverless pool (FARGATE: one exactly sized pod per task, host features refused, optional runtime class).
import { Conditions, labelMap, observedGeneration, Tags, Toleration } from "./common.ts";
import { boolean, describe, ecsObject, integer, list, object, opaqueObject, optional, type Static, string, stringEnum, stringMap } from "./structural-schema.ts";

export const CAPACITY_PROVIDER_TYPES = ["EC2", "FARGATE"] as const;
export type CapacityProviderType = (typeof CAPACITY_PROVIDER_TYPES)[number];

export const CapacityProviderKubernetes = object(
  {
    nodeSelector: optional(stringMap("Node labels the tasks' pods require.")),
    tolerations: optional(list(Toleration, "Taints of the pool that the pods tolerate.", { maxItems: 50 })),
    affinity: optional(opaqueObject("A core/v1 Affinity added to the pods (merged with placement constraints).")),
    schedulerName: optional(string("The scheduler of the pods (binpack placement uses a MostAllocated profile by default).", { maxLength: 253 })),
    runtimeClassName: optional(string("The RuntimeClass of the pods, for example a sandboxed runtime for FARGATE-like isolation.", { maxLength: 253 })),
    priorityClassName: optional(string("The PriorityClass of the pods.", { maxLength: 253 })),
    labels: optional(labelMap("Labels added to the pods placed on this provider.")),
  },
  "Where the provider's tasks run in Kubernetes terms.",
);
export type CapacityProviderKubernetes = Static<typeof CapacityProviderKubernetes>;

export const CapacityProviderSpec = ecsObject(
  {
    name: optional(
      string("The capacity provider name that strategies and launch types use, for example FARGATE, FARGATE_SPOT or my-ec2-pool. Default: metadata.name.", {
        maxLength: 255,
        pattern: "^[a-zA-Z0-9_-]{1,255}$",
      }),
    ),
    type: optional(stringEnum(CAPACITY_PROVIDER_TYPES, "EC2 (default): a node pool, shared and bin-packed. FARGATE: serverless-like, one pod per task sized exactly to the task, host features refused.")),
    spot: optional(boolean("The capacity can be interrupted (spot); interrupted tasks stop with SpotInterruption. Default false.")),
    cluster: optional(string("The Cluster the provider belongs to (ECS managed instances). Default: usable by every Cluster.", { maxLength: 255 })),
    autoScalingGroupProvider: optional(
      ecsObject(
        {
          autoScalingGroupArn: string("The Auto Scaling group."),
          managedScaling: optional(
            ecsObject(
              {
                status: optional(stringEnum(["ENABLED", "DISABLED"], "Managed scaling on or off.")),
                targetCapacity: optional(integer("Target utilisation in percent, 1 to 100.", { minimum: 1, maximum: 100 })),
                minimumScalingStepSize: optional(integer("Minimum instances added or removed at once.", { minimum: 1, maximum: 10_000 })),
                maximumScalingStepSize: optional(integer("Maximum instances added or removed at once.", { minimum: 1, maximum: 10_000 })),
                instanceWarmupPeriod: optional(integer("Seconds before a new instance counts.", { minimum: 0, maximum: 10_000 })),
              },
              "Managed scaling of the group. Accepted; node autoscaling is the cluster's (Cluster Autoscaler, Karpenter).",
            ),
          ),
          managedTerminationProtection: optional(stringEnum(["ENABLED", "DISABLED"], "Protect instances with tasks from scale-in.")),
          managedDraining: optional(stringEnum(["ENABLED", "DISABLED"], "Drain instances before they terminate.")),
        },
        "An EC2 Auto Scaling group. Accepted for compatibility; spec.kubernetes selects the nodes.",
      ),
    ),
    managedInstancesProvider: optional(
      opaqueObject("ECS Managed Instances settings (infrastructureRoleArn, instanceLaunchTemplate, propagateTags, ...). Accepted for compatibility; spec.kubernetes selects the nodes."),
    ),
    tags: optional(Tags),
    kubernetes: optional(CapacityProviderKubernetes),
  },
  "The CreateCapacityProvider input plus type, spot and kubernetes.",
  {
    rules: [
      {
        rule: "!has(self.autoScalingGroupProvider) || !has(self.managedInstancesProvider)",
        message: "spec.managedInstancesProvider: set either autoScalingGroupProvider or managedInstancesProvider, not both",
        fieldPath: ".managedInstancesProvider",
      },
      {
        rule: "!has(self.type) || self.type != 'FARGATE' || (!has(self.autoScalingGroupProvider) && !has(self.managedInstancesProvider))",
        message: "spec.type: a FARGATE capacity provider has no autoScalingGroupProvider or managedInstancesProvider",
        fieldPath: ".type",
      },
    ],
  },
);
export type CapacityProviderSpec = Static<typeof CapacityProviderSpec>;

/** CPU in ECS units (1024 per CPU) and memory in MiB, as ECS reports instance resources. */
export const EcsResourceAmounts = object(
  {
    cpu: integer("CPU units (1024 per CPU).", { minimum: 0, format: "int64" }),
    memory: integer("Memory in MiB.", { minimum: 0, format: "int64" }),
  },
  "CPU units and MiB.",
);
export type EcsResourceAmounts = Static<typeof EcsResourceAmounts>;

const EcsResource = object(
  {
    name: stringEnum(["CPU", "MEMORY"], "CPU (units, 1024 per CPU) or MEMORY (MiB)."),
    type: stringEnum(["INTEGER"], "Always INTEGER."),
    integerValue: integer("The amount.", { minimum: 0, format: "int64" }),
  },
  "A resource of a container instance, as DescribeContainerInstances shows it.",
);

export const ContainerInstance = object(
  {
    ec2InstanceId: string("The node name.", { maxLength: 253 }),
    status: stringEnum(["ACTIVE", "DRAINING"], "ACTIVE, or DRAINING when the node is cordoned."),
    agentConnected: boolean("The node is Ready."),
    attributes: list(
      object({ name: string("The attribute name (ecs.availability-zone, ecs.instance-type, ecs.os-type, ecs.cpu-architecture, or a node label).", { maxLength: 317 }), value: string("The value.", { maxLength: 63 }) }, "An attribute."),
      "The attributes placement expressions (memberOf) match.",
      { maxItems: 128 },
    ),
    registeredResources: list(EcsResource, "Allocatable CPU and memory of the node.", { maxItems: 2 }),
    remainingResources: list(EcsResource, "Registered minus what the node's running tasks request.", { maxItems: 2 }),
    runningTasksCount: integer("Tasks (pods of ECS tasks) bound to the node and not finished.", { minimum: 0 }),
  },
  "A node as DescribeContainerInstances shows an instance.",
);
export type ContainerInstance = Static<typeof ContainerInstance>;

/** How many container instances a status lists; nodeCount counts them all. */
export const MAX_LISTED_CONTAINER_INSTANCES = 20;

export const CapacityProviderStatus = object(
  {
    observedGeneration: optional(observedGeneration),
    conditions: optional(Conditions),
    name: optional(string("The capacity provider name in use.")),
    status: optional(stringEnum(["ACTIVE", "INACTIVE"], "ACTIVE, or INACTIVE while being deleted.")),
    type: optional(stringEnum(CAPACITY_PROVIDER_TYPES, "The type in effect (an override of FARGATE / FARGATE_SPOT inherits FARGATE).")),
    spot: optional(boolean("Whether the capacity is spot, in effect.")),
    overrides: optional(string("The built-in provider (FARGATE or FARGATE_SPOT) this object replaces, if any.")),
    nodeCount: optional(integer("Ready nodes the provider selects (its container instances).", { minimum: 0 })),
    runningTasksCount: optional(integer("Tasks placed with this provider that are running.", { minimum: 0 })),
    pendingTasksCount: optional(integer("Tasks placed with this provider that are not running yet.", { minimum: 0 })),
    allocatable: optional(describe(EcsResourceAmounts, "Allocatable CPU units and MiB of the provider's Ready nodes.")),
    requested: optional(describe(EcsResourceAmounts, "CPU units and MiB that ECS tasks bound to those nodes request.")),
    containerInstances: optional(
      list(ContainerInstance, `The provider's nodes as ECS container instances, the first ${String(MAX_LISTED_CONTAINER_INSTANCES)} by name.`, { maxItems: MAX_LISTED_CONTAINER_INSTANCES }),
    ),
  },
  "The capacity provider as DescribeCapacityProviders shows it, with its container instances.",
);
export type CapacityProviderStatus = Static<typeof CapacityProviderStatus>;

/** The CamelCase reasons of a CapacityProvider's conditions. */
export const CapacityProviderReason = {
  /** At least one Ready node matches the provider's scheduling. */
  NodesReady: "NodesReady",
  /** No Ready node matches: its tasks stay Pending until one does. */
  NoReadyNodes: "NoReadyNodes",
  /** Another CapacityProvider has the same name (case-insensitively): strategies cannot tell them apart. */
  DuplicateName: "DuplicateName",
  Deleting: "Deleting",
} as const;

export const CAPACITY_PROVIDER_DEFAULTS = { type: "EC2", spot: false } as const;
