// ECS shapes shared by several kinds (tags, capacity provider strategies, placement, networking, logging,
// EBS volume configurations), the kstatus conditions every status carries, and the Kubernetes-only knobs that
// several `spec.kubernetes` objects share.
import { celFirstItem, celLastItem } from "./cel.ts";
import {
  boolean,
  type CelRule,
  ecsObject,
  integer,
  list,
  object,
  optional,
  type Static,
  string,
  stringEnum,
  stringMap,
  VALIDATIONS,
} from "./structural-schema.ts";
import Type, { type TUnsafe } from "typebox";

export const API_GROUP = "ecs.operator.dev";
export const API_VERSION = "v1alpha1";
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

// ---------------------------------------------------------------- enums

export const LAUNCH_TYPES = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"] as const;
export type LaunchType = (typeof LAUNCH_TYPES)[number];
export const COMPATIBILITIES = LAUNCH_TYPES;
export const PROPAGATE_TAGS = ["TASK_DEFINITION", "SERVICE", "NONE"] as const;
const PLACEMENT_CONSTRAINT_TYPES = ["distinctInstance", "memberOf"] as const;
const PLACEMENT_STRATEGY_TYPES = ["random", "spread", "binpack"] as const;
const LOG_DRIVERS = ["json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens"] as const;

// ---------------------------------------------------------------- small shapes

export const Tag = ecsObject(
  {
    key: string("One part of a key-value pair that make up a tag: a label that acts like a category. Up to 128 characters.", { maxLength: 128 }),
    value: optional(string("The optional part of a key-value pair that make up a tag. Up to 256 characters.", { maxLength: 256 })),
  },
  "Metadata applied to the resource. Propagated to Kubernetes as annotations; never used for selection.",
);
export type Tag = Static<typeof Tag>;

export const Tags = list(Tag, "Tags (at most 50) that help categorise the resource. Kept as metadata; AWS tag semantics do not apply.", { maxItems: 50 });

export const KeyValuePair = ecsObject(
  {
    name: optional(string("The name of the key-value pair. For environment variables, the name of the variable.")),
    value: optional(string("The value of the key-value pair. For environment variables, the value of the variable.")),
  },
  "A name and a value.",
);
export type KeyValuePair = Static<typeof KeyValuePair>;

// What the API server would refuse in a child object is refused here, at admission, with the field's path: otherwise
// the object is accepted and its Deployment, Ingress or pod is not (docs/operations.md, "Failure reporting").

/** Kubernetes' rule for an environment variable name: printable ASCII characters other than '=' (not empty). */
export const ENV_NAME_PATTERN = "^[ -<>-~]+$";
/** An RFC 1123 subdomain (an IngressClass, a Secret's name). */
export const DNS_SUBDOMAIN_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/** A label value: at most 63 characters, alphanumeric at both ends, '-', '_' and '.' inside. */
export const LABEL_VALUE_PATTERN = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
/** CEL: `k` is a qualified name (a label or annotation key): an optional DNS-subdomain prefix and '/', then a name of at most 63. */
const QUALIFIED_NAME_RULE = (k: string): string =>
  `${k}.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$') && ` +
  `(${k}.contains('/') ? (${k}.split('/')[0].size() <= 253 && ${k}.split('/')[1].size() <= 63) : ${k}.size() <= 63)`;

/** At most this many labels or annotations in one map (keeps the admission rules' cost bounded). */
export const MAX_METADATA_ENTRIES = 64;

export const EnvironmentVariable = ecsObject(
  {
    name: optional(string("The name of the variable: printable ASCII characters other than '=', as Kubernetes requires.", { pattern: ENV_NAME_PATTERN, maxLength: 4096 })),
    value: optional(string("The value of the variable.")),
  },
  "An environment variable.",
);

/** A map that becomes Kubernetes labels: keys and values as the API server checks them, so a bad one is refused here. */
export function labelMap(description: string): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: "object",
    additionalProperties: { type: "string", maxLength: 63, pattern: LABEL_VALUE_PATTERN },
    maxProperties: MAX_METADATA_ENTRIES,
    description: `${description} Keys are qualified names (an optional DNS prefix and '/', then at most 63 characters); values at most 63 characters, alphanumeric at both ends.`,
    [VALIDATIONS]: [{ rule: `self.all(k, ${QUALIFIED_NAME_RULE("k")})`, message: "label keys must be qualified names: an optional DNS-subdomain prefix and '/', then at most 63 characters, alphanumeric at both ends ('-', '_', '.' inside)" }],
  });
}

/** A map that becomes Kubernetes annotations: keys are qualified names, as the API server checks them. */
export function annotationMap(description: string): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: "object",
    additionalProperties: { type: "string", maxLength: 65_536 },
    maxProperties: MAX_METADATA_ENTRIES,
    description: `${description} Keys are qualified names (an optional DNS prefix and '/', then at most 63 characters).`,
    [VALIDATIONS]: [{ rule: `self.all(k, ${QUALIFIED_NAME_RULE("k")})`, message: "annotation keys must be qualified names: an optional DNS-subdomain prefix and '/', then at most 63 characters, alphanumeric at both ends ('-', '_', '.' inside)" }],
  });
}

export const Secret = ecsObject(
  {
    name: string("The name of the environment variable (or log driver option) that receives the secret: printable ASCII characters other than '='.", { pattern: ENV_NAME_PATTERN, maxLength: 4096 }),
    valueFrom: string(
      "The secret to expose: the full ARN of a Secrets Manager secret (optionally with :json-key:version-stage:version-id) " +
        "or an SSM Parameter Store parameter (ARN or name). Never dereferenced against AWS: it maps to a key of a Kubernetes " +
        "Secret by the rule documented in docs/mapping.md.",
    ),
  },
  "A secret exposed to the container, referenced the way ECS does.",
);
export type Secret = Static<typeof Secret>;

// ---------------------------------------------------------------- capacity provider strategy

export const CapacityProviderStrategyItem = ecsObject(
  {
    capacityProvider: string(
      "The name of the capacity provider: the `spec.name` (default: metadata.name) of a CapacityProvider, for example FARGATE or FARGATE_SPOT.",
      { minLength: 1, maxLength: 255 },
    ),
    weight: optional(
      integer(
        "The relative share of tasks placed on this provider once every base is satisfied, 0 to 1000. Default 0. " +
          "With several providers, at least one needs a weight above 0.",
        { minimum: 0, maximum: 1000 },
      ),
    ),
    base: optional(
      integer("How many tasks, at least, run on this provider before weights apply, 0 to 100000. Only one provider of a strategy may set a base above 0. Default 0.", {
        minimum: 0,
        maximum: 100_000,
      }),
    ),
  },
  "One capacity provider of a strategy, with its base and weight.",
);
export type CapacityProviderStrategyItem = Static<typeof CapacityProviderStrategyItem>;

const MAX_STRATEGY_ITEMS = 20;

/** Rules of a capacity provider strategy, with messages naming `path` (e.g. spec.capacityProviderStrategy). */
function capacityProviderStrategyRules(path: string): CelRule[] {
  return [
    {
      rule: "self.filter(i, has(i.base) && i.base > 0).size() <= 1",
      message: `${path}: only one item may set base`,
      messageExpression: `'${path}: only one item may set base, but "' + ${celLastItem("self", "i", "has(i.base) && i.base > 0")}.capacityProvider + '" sets it too'`,
    },
    {
      rule: "self.all(i, self.exists_one(j, j.capacityProvider == i.capacityProvider))",
      message: `${path}: each capacity provider may be listed once`,
      messageExpression: `'${path}: capacity provider "' + ${celFirstItem("self", "i", "!self.exists_one(j, j.capacityProvider == i.capacityProvider)")}.capacityProvider + '" is listed more than once'`,
    },
    {
      rule: "self.size() <= 1 || self.exists(i, has(i.weight) && i.weight > 0)",
      message: `${path}: with more than one capacity provider, at least one must have a weight greater than 0`,
    },
  ];
}

export function capacityProviderStrategy(path: string, description: string) {
  return list(CapacityProviderStrategyItem, description, { maxItems: MAX_STRATEGY_ITEMS, rules: capacityProviderStrategyRules(path) });
}

/** Rule at the parent of `launchType` and `capacityProviderStrategy`: ECS takes one or the other. */
export function launchTypeXorStrategyRule(path: string): CelRule {
  return {
    rule: "!has(self.launchType) || !has(self.capacityProviderStrategy) || self.capacityProviderStrategy.size() == 0",
    message: `${path}.launchType: set either launchType or capacityProviderStrategy, not both`,
    fieldPath: ".launchType",
  };
}

// ---------------------------------------------------------------- placement

export const PlacementConstraint = ecsObject(
  {
    type: stringEnum(PLACEMENT_CONSTRAINT_TYPES, "distinctInstance places each task on a different node (required pod anti-affinity); memberOf restricts tasks to nodes matching `expression`."),
    expression: optional(
      string(
        "A cluster query language expression (for example `attribute:ecs.instance-type =~ t3.*`), compiled to node affinity. Only with memberOf.",
        { maxLength: 2000 },
      ),
    ),
  },
  "A placement constraint for the tasks.",
  {
    rules: [
      { rule: "self.type != 'memberOf' || has(self.expression)", message: "placementConstraints: a memberOf constraint needs an expression", fieldPath: ".expression" },
      { rule: "self.type != 'distinctInstance' || !has(self.expression)", message: "placementConstraints: a distinctInstance constraint takes no expression", fieldPath: ".expression" },
    ],
  },
);
export type PlacementConstraint = Static<typeof PlacementConstraint>;

export const PlacementConstraints = list(PlacementConstraint, "Placement constraints for the tasks (at most 10, including those of the task definition).", { maxItems: 10 });

export const PlacementStrategy = ecsObject(
  {
    type: stringEnum(PLACEMENT_STRATEGY_TYPES, "random places tasks anywhere; spread spreads them evenly over `field` (topology spread constraints); binpack packs them by `field` (cpu or memory) onto the fewest nodes (a MostAllocated scheduler profile)."),
    field: optional(
      string("For spread: instanceId (or host), or a node attribute such as attribute:ecs.availability-zone. For binpack: cpu or memory. Not used with random.", { maxLength: 255 }),
    ),
  },
  "A placement strategy for the tasks.",
  {
    rules: [
      { rule: "self.type != 'binpack' || (has(self.field) && self.field in ['cpu', 'memory'])", message: "placementStrategy: binpack needs field cpu or memory", fieldPath: ".field" },
      { rule: "self.type != 'spread' || has(self.field)", message: "placementStrategy: spread needs a field (instanceId, host or attribute:<name>)", fieldPath: ".field" },
      { rule: "self.type != 'random' || !has(self.field)", message: "placementStrategy: random takes no field", fieldPath: ".field" },
    ],
  },
);
export type PlacementStrategy = Static<typeof PlacementStrategy>;

export const PlacementStrategies = list(PlacementStrategy, "Placement strategies, applied in order (at most 5).", { maxItems: 5 });

// ---------------------------------------------------------------- networking

export const NetworkConfiguration = ecsObject(
  {
    awsvpcConfiguration: optional(
      ecsObject(
        {
          subnets: optional(list(string("A subnet ID."), "The subnets of the task (at most 16). Accepted for compatibility; pods use the cluster network.", { maxItems: 16 })),
          securityGroups: optional(list(string("A security group ID."), "The security groups of the task (at most 5). Accepted for compatibility; see docs/mapping.md.", { maxItems: 5 })),
          assignPublicIp: optional(stringEnum(["ENABLED", "DISABLED"], "Whether the task's network interface gets a public IP. Accepted for compatibility. Default DISABLED.")),
        },
        "The VPC subnets and security groups of a task in awsvpc network mode.",
      ),
    ),
  },
  "The network configuration of tasks that use the awsvpc network mode.",
);
export type NetworkConfiguration = Static<typeof NetworkConfiguration>;

// ---------------------------------------------------------------- logging

export const LogConfiguration = ecsObject(
  {
    logDriver: stringEnum(LOG_DRIVERS, "The log driver. awslogs and json-file mean the container's stdout/stderr, which Kubernetes collects; others are reported in the Supported condition."),
    options: optional(stringMap("Options for the log driver (for awslogs: awslogs-group, awslogs-region, awslogs-stream-prefix, mode, ...).")),
    secretOptions: optional(list(Secret, "Secrets passed to the log driver configuration.", { maxItems: 100 })),
  },
  "The log configuration of a container.",
);
export type LogConfiguration = Static<typeof LogConfiguration>;

// ---------------------------------------------------------------- EBS volumes configured at launch

const EbsTagSpecification = ecsObject(
  {
    resourceType: stringEnum(["volume"], "The type of volume resource: volume."),
    tags: optional(Tags),
    propagateTags: optional(stringEnum(PROPAGATE_TAGS, "Whether tags of the task definition or service are copied to the volume.")),
  },
  "Tags applied to an Amazon EBS volume.",
);

const managedEbsVolumeFields = {
  encrypted: optional(boolean("Whether the volume is encrypted.")),
  kmsKeyId: optional(string("The KMS key used to encrypt the volume.")),
  volumeType: optional(string("The EBS volume type (gp3, gp2, io1, io2, st1, sc1, standard). Mapped to a storage class by documented rule.")),
  sizeInGiB: optional(integer("The size of the volume in GiB.", { minimum: 1, maximum: 65_536 })),
  snapshotId: optional(string("The snapshot the volume is created from.")),
  volumeInitializationRate: optional(integer("The rate, in MiB/s, at which data is fetched from the snapshot.")),
  iops: optional(integer("The provisioned IOPS of the volume.")),
  throughput: optional(integer("The throughput of a gp3 volume, in MiB/s.")),
  tagSpecifications: optional(list(EbsTagSpecification, "Tags applied to the volume.", { maxItems: 10 })),
  roleArn: optional(string("The infrastructure IAM role that manages the volume. Accepted for compatibility.")),
  filesystemType: optional(stringEnum(["ext3", "ext4", "xfs", "ntfs"], "The filesystem type of the volume.")),
};

export const ServiceVolumeConfiguration = ecsObject(
  {
    name: string("The name of a task definition volume with configuredAtLaunch: true.", { maxLength: 255 }),
    managedEBSVolume: optional(ecsObject(managedEbsVolumeFields, "An Amazon EBS volume created for each task; becomes a PersistentVolumeClaim per pod.")),
  },
  "The configuration of a volume that the task definition marks as configuredAtLaunch.",
);

export const TaskVolumeConfiguration = ecsObject(
  {
    name: string("The name of a task definition volume with configuredAtLaunch: true.", { maxLength: 255 }),
    managedEBSVolume: optional(
      ecsObject(
        {
          ...managedEbsVolumeFields,
          terminationPolicy: optional(
            ecsObject({ deleteOnTermination: boolean("Whether the volume is deleted when the task stops.") }, "What happens to the volume when the task stops."),
          ),
        },
        "An Amazon EBS volume created for the task; becomes a PersistentVolumeClaim.",
      ),
    ),
  },
  "The configuration of a volume that the task definition marks as configuredAtLaunch.",
);

// ---------------------------------------------------------------- conditions (kstatus)

const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;

export const Condition = object(
  {
    type: string("The condition type: Ready, Reconciling, Stalled (kstatus) or a kind-specific one such as Supported.", { maxLength: 316 }),
    status: stringEnum(CONDITION_STATUSES, "True, False or Unknown."),
    reason: string("A CamelCase reason for the last transition.", { maxLength: 1024 }),
    message: string("A human-readable message about the last transition (may be empty).", { maxLength: 32_768 }),
    lastTransitionTime: string("When the status last changed.", { format: "date-time" }),
    observedGeneration: optional(integer("The metadata.generation the condition was computed from.", { minimum: 0, format: "int64" })),
  },
  "A condition (metav1.Condition).",
);
export type Condition = Static<typeof Condition>;

export const Conditions = list(Condition, "Ready, Reconciling and Stalled (kstatus), understood by kubectl wait, Argo CD and Flux.", {
  maxItems: 16,
  listMapKeys: ["type"],
});

export const observedGeneration = integer("The metadata.generation this status describes.", { minimum: 0, format: "int64" });

export const ServiceEvent = object(
  {
    id: optional(string("The ID of the event.")),
    createdAt: optional(string("When the event happened.", { format: "date-time" })),
    message: optional(string("What happened.")),
  },
  "An event, as in ECS Describe* output.",
);

// ---------------------------------------------------------------- Kubernetes-only knobs

export const KubernetesMetadataKnobs = {
  labels: optional(labelMap("Labels added to every Kubernetes object created for this resource.")),
  annotations: optional(annotationMap("Annotations added to every Kubernetes object created for this resource.")),
  podLabels: optional(labelMap("Labels added to the pods.")),
  podAnnotations: optional(annotationMap("Annotations added to the pods.")),
};

export const Toleration = object(
  {
    key: optional(string("The taint key the toleration applies to; empty with operator Exists matches every taint.")),
    operator: optional(stringEnum(["Exists", "Equal"], "Exists or Equal. Default Equal.")),
    value: optional(string("The taint value the toleration matches (operator Equal).")),
    effect: optional(stringEnum(["NoSchedule", "PreferNoSchedule", "NoExecute"], "The taint effect to match; empty matches all effects.")),
    tolerationSeconds: optional(integer("For NoExecute: how long the pod stays bound after the taint appears.", { format: "int64" })),
  },
  "A core/v1 Toleration.",
);
