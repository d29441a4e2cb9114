// CapacityProvider (cluster-scoped): the CreateCapacityProvider input plus `type` (EC2 or FARGATE), `spot`, and
// `spec.kubernetes`, which says where its tasks land: a node pool (node selector, tolerations, affinity) or a
// serverless pool (FARGATE: one exactly sized pod per task, host features refused, optional runtime class).
import { Conditions, observedGeneration, Tags, Toleration } from "./common.ts";
import { boolean, ecsObject, integer, list, object, opaqueObject, optional, type Static, string, stringEnum, stringMap } from "./structural-schema.ts";

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
    labels: optional(stringMap("Labels added to the pods placed on this provider.")),
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

export const CapacityProviderStatus = object(
  {
    observedGeneration: optional(observedGeneration),
    conditions: optional(Conditions),
    name: optional(string("The capacity provider name in use.")),
    status: optional(stringEnum(["ACTIVE", "INACTIVE"], "ACTIVE, or INACTIVE while being deleted.")),
    nodeCount: optional(integer("Ready nodes the provider selects.", { minimum: 0 })),
  },
  "The capacity provider as DescribeCapacityProviders shows it.",
);
export type CapacityProviderStatus = Static<typeof CapacityProviderStatus>;

export const CAPACITY_PROVIDER_DEFAULTS = { type: "EC2", spot: false } as const;
