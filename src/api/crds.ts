// The six kinds of the API and the CustomResourceDefinitions generated from their schemas. `npm run generate`
// writes these to crds/; a unit test fails when crds/ and this module disagree.
import { dump } from "js-yaml";
import { CapacityProviderSpec, CapacityProviderStatus } from "./capacity-provider.ts";
import { ClusterSpec, ClusterStatus } from "./cluster.ts";
import { API_GROUP, API_VERSION } from "./common.ts";
import { ScheduledTaskSpec, ScheduledTaskStatus } from "./scheduled-task.ts";
import { ServiceSpec, ServiceStatus } from "./service.ts";
import { type TSchema, toJsonSchema } from "./structural-schema.ts";
import { TaskDefinitionSpec, TaskDefinitionStatus } from "./task-definition.ts";
import { TaskSpec, TaskStatus } from "./task.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  /** 0: always shown; 1: only with -o wide. */
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: TSchema;
  status: TSchema;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

export const CATEGORY = "ecs";

const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };
const ready: PrinterColumn = { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1 };

export const KINDS: readonly KindDefinition[] = [
  {
    kind: "Cluster",
    plural: "clusters",
    singular: "cluster",
    shortNames: ["ecscluster"],
    scope: "Namespaced",
    description: "An ECS cluster (CreateCluster): groups services and tasks, and gives them a default capacity provider strategy.",
    spec: ClusterSpec,
    status: ClusterStatus,
    printerColumns: [
      { name: "Status", type: "string", jsonPath: ".status.status" },
      { name: "Services", type: "integer", jsonPath: ".status.activeServicesCount" },
      { name: "Running", type: "integer", jsonPath: ".status.runningTasksCount" },
      { name: "Pending", type: "integer", jsonPath: ".status.pendingTasksCount" },
      { name: "Instances", type: "integer", jsonPath: ".status.registeredContainerInstancesCount" },
      ready,
      age,
    ],
  },
  {
    kind: "CapacityProvider",
    plural: "capacityproviders",
    singular: "capacityprovider",
    shortNames: ["ecscp"],
    scope: "Cluster",
    description: "An ECS capacity provider (CreateCapacityProvider): a pool of nodes (EC2-like) or a serverless pool (FARGATE-like) that tasks are placed on.",
    spec: CapacityProviderSpec,
    status: CapacityProviderStatus,
    printerColumns: [
      { name: "Provider", type: "string", jsonPath: ".status.name" },
      { name: "Type", type: "string", jsonPath: ".status.type" },
      { name: "Spot", type: "boolean", jsonPath: ".status.spot" },
      { name: "Nodes", type: "integer", jsonPath: ".status.nodeCount" },
      { name: "Running", type: "integer", jsonPath: ".status.runningTasksCount" },
      { name: "Requested CPU", type: "integer", jsonPath: ".status.requested.cpu", description: "CPU units (1024 per CPU) that tasks on the provider's nodes request.", priority: 1 },
      { name: "Allocatable CPU", type: "integer", jsonPath: ".status.allocatable.cpu", description: "CPU units (1024 per CPU) of the provider's Ready nodes.", priority: 1 },
      ready,
      age,
    ],
  },
  {
    kind: "TaskDefinition",
    plural: "taskdefinitions",
    singular: "taskdefinition",
    shortNames: ["taskdef", "td"],
    scope: "Namespaced",
    description: "An ECS task definition family (RegisterTaskDefinition): every spec change registers a new immutable revision.",
    spec: TaskDefinitionSpec,
    status: TaskDefinitionStatus,
    printerColumns: [
      { name: "Family", type: "string", jsonPath: ".status.family" },
      { name: "Revision", type: "integer", jsonPath: ".status.revision" },
      { name: "Status", type: "string", jsonPath: ".status.status" },
      { name: "CPU", type: "string", jsonPath: ".status.cpu", priority: 1 },
      { name: "Memory", type: "string", jsonPath: ".status.memory", priority: 1 },
      ready,
      age,
    ],
  },
  {
    kind: "Service",
    plural: "services",
    singular: "service",
    shortNames: ["ecsservice", "ecssvc"],
    scope: "Namespaced",
    description: "An ECS service (CreateService + Application Auto Scaling): keeps desiredCount tasks of a task definition running and rolls out new revisions.",
    spec: ServiceSpec,
    status: ServiceStatus,
    printerColumns: [
      { name: "Desired", type: "integer", jsonPath: ".status.desiredCount" },
      { name: "Running", type: "integer", jsonPath: ".status.runningCount" },
      { name: "Pending", type: "integer", jsonPath: ".status.pendingCount" },
      { name: "Task Definition", type: "string", jsonPath: ".status.taskDefinition" },
      { name: "Rollout", type: "string", jsonPath: '.status.deployments[?(@.status=="PRIMARY")].rolloutState' },
      // BLUE_GREEN, LINEAR, CANARY: the lifecycle stage of the current deployment (RECONCILE_SERVICE ... CLEAN_UP).
      { name: "Stage", type: "string", jsonPath: ".status.serviceDeployments[0].lifecycleStage" },
      // Why desiredCount is not following the scaling policies (MetricsUnavailable, AtMaxCapacity, ...): `-o wide`.
      { name: "Auto Scaling", type: "string", jsonPath: '.status.conditions[?(@.type=="AutoScaling")].reason', priority: 1 },
      ready,
      age,
    ],
    scale: { specReplicasPath: ".spec.desiredCount", statusReplicasPath: ".status.runningCount", labelSelectorPath: ".status.selector" },
  },
  {
    kind: "Task",
    plural: "tasks",
    singular: "task",
    shortNames: ["ecstask"],
    scope: "Namespaced",
    description: "A standalone ECS task run (RunTask): runs count tasks (pods) of a task definition once; set spec.desiredStatus STOPPED to stop them.",
    spec: TaskSpec,
    status: TaskStatus,
    printerColumns: [
      { name: "Last Status", type: "string", jsonPath: ".status.lastStatus" },
      { name: "Desired Status", type: "string", jsonPath: ".status.desiredStatus" },
      { name: "Stop Code", type: "string", jsonPath: ".status.stopCode" },
      { name: "Task Definition", type: "string", jsonPath: ".status.taskDefinition", priority: 1 },
      { name: "Stopped Reason", type: "string", jsonPath: ".status.stoppedReason", priority: 1 },
      age,
    ],
  },
  {
    kind: "ScheduledTask",
    plural: "scheduledtasks",
    singular: "scheduledtask",
    shortNames: ["ecsschedule"],
    scope: "Namespaced",
    description: "An EventBridge schedule that runs an ECS task (RunTask) at rate(...), cron(...) or at(...) times; each run is a Task.",
    spec: ScheduledTaskSpec,
    status: ScheduledTaskStatus,
    printerColumns: [
      { name: "Schedule", type: "string", jsonPath: ".spec.scheduleExpression" },
      { name: "State", type: "string", jsonPath: ".status.state" },
      { name: "Last Schedule", type: "date", jsonPath: ".status.lastScheduleTime" },
      { name: "Last Run", type: "string", jsonPath: ".status.runs[0].lastStatus" },
      { name: "Next Schedule", type: "date", jsonPath: ".status.nextScheduleTime", priority: 1 },
      ready,
      age,
    ],
  },
];

export function kindDefinition(kind: string): KindDefinition {
  const def = KINDS.find((k) => k.kind === kind);
  if (!def) throw new Error(`unknown kind ${kind}`);
  return def;
}

/** The openAPIV3Schema of a kind: apiVersion, kind, metadata, spec (required) and status. */
export function openApiSchema(def: KindDefinition): Record<string, unknown> {
  return {
    type: "object",
    description: def.description,
    required: ["spec"],
    properties: {
      apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." },
      kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents." },
      metadata: { type: "object" },
      spec: toJsonSchema(def.spec),
      status: toJsonSchema(def.status),
    },
  };
}

/** The CustomResourceDefinition of a kind, as it goes into crds/<plural>.<group>.yaml. */
export function buildCrd(def: KindDefinition): Record<string, unknown> {
  const subresources: Record<string, unknown> = { status: {} };
  if (def.scale) subresources.scale = { ...def.scale };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${def.plural}.${API_GROUP}`,
      labels: { "app.kubernetes.io/name": "ecs-operator", "app.kubernetes.io/part-of": "ecs-operator" },
    },
    spec: {
      group: API_GROUP,
      names: { kind: def.kind, listKind: `${def.kind}List`, plural: def.plural, singular: def.singular, shortNames: def.shortNames, categories: [CATEGORY] },
      scope: def.scope,
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources,
          additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: openApiSchema(def) },
        },
      ],
    },
  };
}

/** File name of a kind's CRD in crds/. */
export function crdFileName(def: KindDefinition): string {
  return `${def.plural}.${API_GROUP}.yaml`;
}

/** The YAML text of a kind's CRD file. */
function renderCrdYaml(def: KindDefinition): string {
  const header = "# Generated from src/api by `npm run generate`. Do not edit: change the schema in src/api and regenerate.\n";
  return header + dump(buildCrd(def), { noRefs: true, lineWidth: -1 });
}

/** Every CRD file: name → YAML text. */
export function renderCrdFiles(): Map<string, string> {
  return new Map(KINDS.map((def) => [crdFileName(def), renderCrdYaml(def)]));
}
