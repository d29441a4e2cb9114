// Fixtures of the Service plan table tests that read like sentences: aService({ desiredCount: 3, strategy:
// [fargate(1), spot(3)] }), aPod({ ready: true, deployment: dep(1) }), observing(svc, { pods, children }).
import { CAPACITY_PROVIDER_LABEL, DEPLOYMENT_ID_ANNOTATION, SERVICE_FINALIZER, SERVICE_LABEL } from "../../../src/api/keys.ts";
import type { V1Node } from "@kubernetes/client-node";
import type { ServiceSpec, ServiceStatus } from "../../../src/api/service.ts";
import type { TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import type { StrategyItem } from "../../../src/builders/capacity/split.ts";
import { deploymentId, serviceSelectorString } from "../../../src/builders/service/deployment.ts";
import type { ServiceDeploymentEntry } from "../../../src/builders/service/rollout.ts";
import type { ServiceObject } from "../../../src/controllers/ecs-resources.ts";
import { NO_MEMORY, type ObservedService, type ServiceMemory } from "../../../src/controllers/service/plan.ts";
import type { PodObject } from "../../../src/controllers/service/resources.ts";
import type { ResolveResult } from "../../../src/controllers/task-definition/resolver.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";

export const NOW = new Date("2026-03-01T12:00:00Z");
export const NAMESPACE = "shop";
export const SERVICE_UID = "uid-web";
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");

/** The ECS deployment id of revision N of web (what the controller derives). */
export const dep = (revision: number): string => deploymentId(SERVICE_UID, `web:${revision}`);

export const fargate = (base?: number, weight = 1): StrategyItem => ({ capacityProvider: "FARGATE", weight, ...(base === undefined ? {} : { base }) });
export const spot = (weight = 1): StrategyItem => ({ capacityProvider: "FARGATE_SPOT", weight });

/** Revision N of the `web` family: one nginx container (a Fargate-sized task). */
export function aRevision(revision: number, fields: Partial<TaskDefinitionSpec> = {}): ResolveResult {
  const spec: TaskDefinitionSpec = { family: "web", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: `nginx:1.${revision}`, portMappings: [{ containerPort: 80 }] }], ...fields };
  return {
    ok: true,
    value: {
      taskDefinition: { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "web", namespace: NAMESPACE, uid: "uid-td" }, spec },
      family: "web",
      revision,
      status: "ACTIVE",
      spec,
      controllerRevision: `web-${revision}`,
      reference: `web:${revision}`,
    },
  };
}

/** A status.deployments[] entry of revision N. */
export function aDeployment(revision: number, status: ServiceDeploymentEntry["status"], rolloutState: ServiceDeploymentEntry["rolloutState"], more: Partial<ServiceDeploymentEntry> = {}): ServiceDeploymentEntry {
  return { id: dep(revision), status, taskDefinition: `web:${revision}`, desiredCount: 2, runningCount: 0, pendingCount: 0, failedTasks: 0, createdAt: ago(600 - revision), updatedAt: ago(60), rolloutState, ...more };
}

export interface ServiceFixture extends ServiceSpec {
  strategy?: StrategyItem[];
  revision?: number;
  deployments?: ServiceDeploymentEntry[];
  circuitBreaker?: { enable: boolean; rollback: boolean };
  deleting?: boolean;
  finalizer?: boolean;
  status?: ServiceStatus;
}

/** The `web` Service of namespace shop (with its finalizer unless told otherwise). */
export function aService(f: ServiceFixture = {}): ServiceObject {
  const { strategy, revision = 1, deployments, circuitBreaker, deleting, finalizer = true, status, ...spec } = f;
  return {
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind: "Service",
    metadata: {
      name: "web",
      namespace: NAMESPACE,
      uid: SERVICE_UID,
      generation: 2,
      creationTimestamp: ago(3600),
      ...(finalizer ? { finalizers: [SERVICE_FINALIZER] } : {}),
      ...(deleting === true ? { deletionTimestamp: ago(1) } : {}),
    },
    spec: {
      taskDefinition: `web:${revision}`,
      desiredCount: 2,
      ...(strategy === undefined ? {} : { capacityProviderStrategy: strategy }),
      ...(circuitBreaker === undefined ? {} : { deploymentConfiguration: { deploymentCircuitBreaker: circuitBreaker } }),
      ...spec,
    },
    ...(status !== undefined || deployments !== undefined ? { status: { ...(status ?? {}), ...(deployments === undefined ? {} : { deployments }), selector: serviceSelectorString("web") } } : {}),
  };
}

export interface PodFixture {
  name?: string;
  deployment?: string;
  provider?: string;
  /** Running and Ready for this many seconds (default 60). */
  ready?: boolean;
  readyFor?: number;
  /** A container waiting with this reason (CrashLoopBackOff, ErrImagePull ...). */
  waiting?: string;
  node?: string;
  unschedulable?: string;
  /** The task's non-essential log-router container crash loops (its app container is up). */
  nonEssentialCrash?: boolean;
}

const LOG_ROUTER_MAPPINGS = JSON.stringify([
  { name: "app", container: "app", essential: true, role: "container" },
  { name: "log-router", container: "log-router", essential: false, role: "container" },
]);

let podSeq = 0;
export function aPod(f: PodFixture = {}): PodObject {
  const name = f.name ?? `web-pod-${++podSeq}`;
  const provider = f.provider ?? "FARGATE";
  const running = f.ready === true || f.waiting !== undefined || f.nonEssentialCrash === true;
  const conditions = [
    { type: "PodScheduled", status: f.unschedulable === undefined ? "True" : "False", ...(f.unschedulable === undefined ? {} : { reason: "Unschedulable", message: f.unschedulable }) },
    ...(f.ready === true ? [{ type: "Ready", status: "True", lastTransitionTime: ago(f.readyFor ?? 60) }] : []),
  ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: `uid-${name}`,
      labels: { [SERVICE_LABEL]: "web", [CAPACITY_PROVIDER_LABEL]: provider },
      annotations: { [DEPLOYMENT_ID_ANNOTATION]: f.deployment ?? dep(1), ...(f.nonEssentialCrash === true ? { "ecs.operator.dev/containers": LOG_ROUTER_MAPPINGS } : {}) },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-fargate-abc", uid: "uid-rs", controller: true }],
    },
    spec: { containers: [], ...(f.unschedulable === undefined ? { nodeName: f.node ?? "fargate-1" } : {}) },
    status: {
      phase: running ? "Running" : "Pending",
      conditions,
      startTime: ago(120),
      ...(f.waiting === undefined ? {} : { containerStatuses: [{ name: "app", image: "nginx", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: f.waiting } } }] }),
      ...(f.nonEssentialCrash === true
        ? {
            containerStatuses: [
              { name: "app", image: "nginx", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: ago(f.readyFor ?? 60) } } },
              { name: "log-router", image: "fluent-bit", imageID: "", ready: false, restartCount: 1, lastState: { terminated: { exitCode: 1 } }, state: { waiting: { reason: "CrashLoopBackOff" } } },
            ],
          }
        : {}),
    },
  };
}

export const aNode = (name: string, labels: Record<string, string> = {}): V1Node => ({ metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } } });

export interface Observation {
  revisions?: ResolveResult[];
  children?: KubeObject[];
  pods?: PodObject[];
  nodes?: V1Node[];
  serviceAccounts?: KubeObject[];
  others?: ObservedService["others"];
  memory?: ServiceMemory;
}

/** What the controller would observe of `service` (in a namespace where nothing else exists unless `others` says). */
export function observing(service: ServiceObject, o: Observation = {}): ObservedService {
  const revisions = o.revisions ?? [aRevision(1), aRevision(2)];
  return {
    service,
    cluster: undefined,
    capacityProviders: [],
    taskDefinitions: Object.fromEntries(revisions.flatMap((r) => (r.ok ? [[r.value.reference, r], [r.value.family, r]] : []))),
    children: o.children ?? [],
    pods: o.pods ?? [],
    nodes: o.nodes ?? [aNode("fargate-1", { "eks.amazonaws.com/compute-type": "fargate" })],
    serviceAccounts: o.serviceAccounts ?? [],
    others: o.others ?? "none",
    memory: o.memory ?? NO_MEMORY,
  };
}

/** A child as the API server would hold it once its controller has caught up: what the plan applied, plus status. */
export function settled(object: KubeObject, status: Record<string, unknown>): KubeObject {
  return { ...object, metadata: { ...object.metadata, generation: 1 }, status: { observedGeneration: 1, ...status } } as KubeObject;
}
