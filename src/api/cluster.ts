// Cluster: the CreateCluster input, verbatim; a status roll-up of its services and tasks and the defaults
// (capacity provider strategy) they inherit. Services and tasks name it in `spec.cluster` (default: "default").
import { CAPACITY_PROVIDER_TYPES, EcsResourceAmounts } from "./capacity-provider.ts";
import { celFirstItem } from "./cel.ts";
import { capacityProviderStrategy, Conditions, observedGeneration, Tags } from "./common.ts";
import { boolean, describe, ecsObject, integer, list, object, optional, type Static, string, stringEnum } from "./structural-schema.ts";

const CLUSTER_STATUSES = ["ACTIVE", "PROVISIONING", "DEPROVISIONING", "FAILED", "INACTIVE"] as const;

export const ClusterSpec = ecsObject(
  {
    clusterName: optional(string("The name of the cluster in ECS terms. Default: metadata.name.", { maxLength: 255, pattern: "^[a-zA-Z0-9_-]{1,255}$" })),
    tags: optional(Tags),
    settings: optional(
      list(
        ecsObject(
          {
            name: stringEnum(["containerInsights"], "containerInsights."),
            value: stringEnum(["enabled", "disabled", "enhanced"], "Whether Container Insights is on. Accepted; Kubernetes metrics take its place."),
          },
          "A cluster setting.",
        ),
        "Cluster settings.",
        { maxItems: 1 },
      ),
    ),
    configuration: optional(
      ecsObject(
        {
          executeCommandConfiguration: optional(
            ecsObject(
              {
                kmsKeyId: optional(string("The KMS key for ECS Exec sessions.")),
                logging: optional(stringEnum(["NONE", "DEFAULT", "OVERRIDE"], "Where ECS Exec output is logged.")),
                logConfiguration: optional(
                  ecsObject(
                    {
                      cloudWatchLogGroupName: optional(string("Log group.")),
                      cloudWatchEncryptionEnabled: optional(boolean("Encrypt the log group.")),
                      s3BucketName: optional(string("S3 bucket.")),
                      s3EncryptionEnabled: optional(boolean("Encrypt the S3 objects.")),
                      s3KeyPrefix: optional(string("S3 key prefix.")),
                    },
                    "Where ECS Exec output goes.",
                  ),
                ),
              },
              "ECS Exec settings. Accepted for compatibility.",
            ),
          ),
          managedStorageConfiguration: optional(
            ecsObject(
              {
                kmsKeyId: optional(string("KMS key for managed storage.")),
                fargateEphemeralStorageKmsKeyId: optional(string("KMS key for Fargate ephemeral storage.")),
              },
              "Managed storage encryption. Accepted for compatibility.",
            ),
          ),
        },
        "Cluster configuration. Accepted for compatibility.",
      ),
    ),
    capacityProviders: optional(
      list(string("The spec.name of a CapacityProvider.", { maxLength: 255 }), "The CapacityProviders services and tasks of this cluster may use. Default: all of them.", { maxItems: 100 }),
    ),
    defaultCapacityProviderStrategy: optional(
      capacityProviderStrategy(
        "spec.defaultCapacityProviderStrategy",
        "The strategy of services and tasks that set neither launchType nor capacityProviderStrategy.",
      ),
    ),
    serviceConnectDefaults: optional(
      ecsObject({ namespace: string("The default Service Connect namespace of the cluster's services.") }, "Service Connect defaults of the cluster."),
    ),
  },
  "The CreateCluster input, as `aws ecs create-cluster --cli-input-json` takes it.",
  {
    rules: [
      {
        rule: "!has(self.capacityProviders) || !has(self.defaultCapacityProviderStrategy) || self.defaultCapacityProviderStrategy.all(i, i.capacityProvider in self.capacityProviders)",
        message: "spec.defaultCapacityProviderStrategy: every capacityProvider must be listed in spec.capacityProviders",
        messageExpression: `'spec.defaultCapacityProviderStrategy: capacity provider "' + ${celFirstItem("self.defaultCapacityProviderStrategy", "i", "!(i.capacityProvider in self.capacityProviders)")}.capacityProvider + '" is not listed in spec.capacityProviders'`,
        fieldPath: ".defaultCapacityProviderStrategy",
      },
    ],
  },
);
export type ClusterSpec = Static<typeof ClusterSpec>;

const CAPACITY_PROVIDER_SOURCES = ["Object", "BuiltIn", "Implicit"] as const;

export const ClusterCapacityProvider = object(
  {
    capacityProvider: string("The provider name, as strategies use it.", { maxLength: 255 }),
    type: stringEnum(CAPACITY_PROVIDER_TYPES, "EC2 or FARGATE."),
    spot: boolean("Spot capacity."),
    source: stringEnum(CAPACITY_PROVIDER_SOURCES, "Object: a CapacityProvider; BuiltIn: FARGATE / FARGATE_SPOT without an overriding object; Implicit: the plain nodes launchType EC2 uses when the cluster has no EC2-type provider."),
    registeredContainerInstancesCount: integer("Ready nodes the provider selects.", { minimum: 0 }),
    runningTasksCount: integer("The cluster's running tasks placed with this provider.", { minimum: 0 }),
    pendingTasksCount: integer("The cluster's pending tasks placed with this provider.", { minimum: 0 }),
    allocatable: describe(EcsResourceAmounts, "Allocatable CPU units and MiB of those nodes."),
    requested: describe(EcsResourceAmounts, "CPU units and MiB that ECS tasks (of every cluster) bound to those nodes request."),
  },
  "A capacity provider the cluster's services and tasks may use, with its capacity.",
);
export type ClusterCapacityProvider = Static<typeof ClusterCapacityProvider>;

export const ClusterStatus = object(
  {
    observedGeneration: optional(observedGeneration),
    conditions: optional(Conditions),
    clusterName: optional(string("The name of the cluster.")),
    status: optional(stringEnum(CLUSTER_STATUSES, "ACTIVE; DEPROVISIONING while a deletion waits for services and tasks to go.")),
    registeredContainerInstancesCount: optional(integer("Ready nodes that the cluster's capacity providers select (each node once).", { minimum: 0 })),
    runningTasksCount: optional(integer("Tasks in RUNNING state.", { minimum: 0 })),
    pendingTasksCount: optional(integer("Tasks in PENDING state.", { minimum: 0 })),
    activeServicesCount: optional(integer("Services in ACTIVE state.", { minimum: 0 })),
    capacityProviders: optional(list(string("A capacity provider name."), "The capacity providers in use.", { maxItems: 100 })),
    capacityProviderDetails: optional(
      list(ClusterCapacityProvider, "Each capacity provider the cluster may use (built-ins included), with node counts and capacity.", { maxItems: 102, listMapKeys: ["capacityProvider"] }),
    ),
    containerInsights: optional(stringEnum(["enabled", "disabled", "enhanced"], "Container Insights in effect: per-service and per-task metrics on the controller's /metrics.")),
    serviceConnectDefaults: optional(
      object({ namespace: string("The default Service Connect namespace of the cluster's services.") }, "The Service Connect defaults in effect."),
    ),
  },
  "The cluster as DescribeClusters shows it.",
);
export type ClusterStatus = Static<typeof ClusterStatus>;

/** The CamelCase reasons of a Cluster's conditions. */
export const ClusterReason = {
  Active: "ClusterActive",
  /** A deletion waits: ECS services of the cluster are not deleted yet. */
  ContainsServices: "ClusterContainsServices",
  /** A deletion waits: tasks of the cluster still run or wait to run. */
  ContainsTasks: "ClusterContainsTasks",
  /** spec.capacityProviders names a provider that does not resolve. */
  CapacityProviderNotFound: "CapacityProviderNotFound",
} as const;

export const CLUSTER_DEFAULTS = {
  /** The Cluster that services and tasks without spec.cluster belong to. */
  name: "default",
} as const;

/**
 * The Cluster a spec.cluster names: a name or an ECS cluster ARN (`arn:aws:ecs:region:account:cluster/name`);
 * unset or empty is the `default` Cluster.
 */
export function clusterNameOf(reference: string | undefined): string {
  if (reference === undefined || reference === "") return CLUSTER_DEFAULTS.name;
  const slash = reference.lastIndexOf("/");
  return reference.startsWith("arn:") && slash >= 0 ? reference.slice(slash + 1) : reference;
}
