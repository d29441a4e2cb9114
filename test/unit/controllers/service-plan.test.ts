// planService row by row, as knative's TableTest: what is observed (the service, its pods, its children, the nodes,
// the memory of the last pass) → what the pass applies, deletes, scales, writes as status and records as events.
// The children a row observes are built by the plan itself (workloadsOf), as the controller would have applied them.
import { DEPLOYMENT_ID_ANNOTATION } from "../../../src/api/keys.ts";
import { describe, expect, it } from "vitest";
import type { AutoScaling } from "../../../src/api/service.ts";
import { minimumHealthyWaitSeconds, planService, type ObservedService, type ServiceMemory, type ServicePlan } from "../../../src/controllers/service/plan.ts";
import { needsApply, withAppliedHash } from "../../../src/runtime/apply.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";
import { aDeployment, aNode, aPod, aRevision, aService, dep, fargate, NOW, observing, settled, spot, type ServiceFixture } from "./service-plan-fixtures.ts";

/** The Deployments/DaemonSets the plan applies for `f` on an empty namespace, as their controllers report them once rolled out. */
function workloadsOf(f: ServiceFixture, status: Record<string, unknown> = {}): KubeObject[] {
  const plan = planService(observing(aService({ ...f, deployments: [] })), NOW);
  return plan.applies.filter((a) => a.resource.kind === "Deployment" || a.resource.kind === "DaemonSet").map((a) => {
    const replicas = (a.object as { spec?: { replicas?: number } }).spec?.replicas ?? 0;
    return settled(a.object, { replicas, updatedReplicas: replicas, availableReplicas: replicas, ...status });
  });
}

interface Row {
  name: string;
  observed: ObservedService;
  now?: Date;
  /** Kind/name of every apply, in order. */
  wantApplies?: string[];
  /** Replicas of the Deployments applied, by name. */
  wantReplicas?: Record<string, number>;
  /** The ECS deployment id every applied workload runs. */
  wantRunning?: string;
  /** Kind/name of every delete (" grace N" when set). */
  wantDeletes?: string[];
  wantPatches?: string[];
  /** Each Deployment's rolling update ("surge N unavailable M") or "paused". */
  wantRollouts?: Record<string, string>;
  wantScale?: number | undefined;
  wantFinalizer?: "add" | "remove" | undefined;
  /** A subset of status.deployments[], in order. */
  wantDeployments?: Record<string, unknown>[];
  /** A subset of the status. */
  wantStatus?: Record<string, unknown>;
  /** condition type → reason (and status). */
  wantConditions?: Record<string, { status: string; reason: string }>;
  /** "Type Reason" of each event, oldest first. */
  wantEvents?: string[];
  /** The condition reason and a part of the message of a spec the service cannot run. */
  wantStalled?: { reason: string; message: string };
  wantNext?: number | undefined;
  wantCounted?: string[];
  wantLookups?: string[];
  /** The messages of the events, oldest first (each is also in status.events). */
  wantMessages?: string[];
  /** The task ids of memory.tasks (undefined: the memory holds no task set). */
  wantTaskSet?: string[];
}

const kindName = (o: { resource: { kind: string }; name: string }): string => `${o.resource.kind}/${o.name}`;
const crash = (name: string, deployment: string): ReturnType<typeof aPod> => aPod({ name, deployment, waiting: "CrashLoopBackOff" });
const cb = { enable: true, rollback: true };
const fargateNodes = [aNode("fargate-1", { "eks.amazonaws.com/compute-type": "fargate" }), aNode("spot-1", { "eks.amazonaws.com/compute-type": "fargate", "karpenter.sh/capacity-type": "spot" })];

/** The task set a pass remembers of these pods (what memory.tasks holds after it). */
const taskSetOf = (...pods: ReturnType<typeof aPod>[]): ServiceMemory => ({ counted: {}, tasks: Object.fromEntries(pods.map((p) => [p.metadata?.uid ?? "", { name: p.metadata?.name ?? "" }])) });
const terminating = (pod: ReturnType<typeof aPod>): ReturnType<typeof aPod> => ({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date(NOW.getTime() - 1000).toISOString() } });
const [taskA, taskB, taskC] = ["web-a", "web-b", "web-c"].map((name) => aPod({ name, ready: true })) as [ReturnType<typeof aPod>, ReturnType<typeof aPod>, ReturnType<typeof aPod>];
const cpuScaling: AutoScaling = { minCapacity: 2, maxCapacity: 6, targetTrackingScalingPolicies: [{ policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } }] };
/** The HPA the plan applies for `cpuScaling`, as the HPA controller reports it with these conditions. */
function hpaWith(conditions: { type: string; status: string; reason: string; message?: string }[]): KubeObject {
  const hpa = planService(observing(aService({ autoScaling: cpuScaling })), NOW).applies.find((a) => a.resource.kind === "HorizontalPodAutoscaler")?.object;
  if (hpa === undefined) throw new Error("the plan applied no HPA");
  return { ...hpa, status: { currentReplicas: 2, desiredReplicas: 2, conditions: conditions.map((c) => ({ message: "", lastTransitionTime: "2026-03-01T11:00:00Z", ...c })) } } as KubeObject;
}
const hpaAble = { type: "AbleToScale", status: "True", reason: "ReadyForNewScale" };
const steadyWeb = { deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] };

const rows: Row[] = [
  {
    name: "FARGATE base 1 weight 1 + FARGATE_SPOT weight 3, desiredCount 9 → Deployments of 3 and 6 replicas, a PRIMARY deployment IN_PROGRESS, the finalizer",
    observed: observing(aService({ desiredCount: 9, strategy: [fargate(1, 1), spot(3)], finalizer: false })),
    wantApplies: ["Deployment/web-fargate", "Deployment/web-fargate-spot", "PodDisruptionBudget/web"],
    wantReplicas: { "web-fargate": 3, "web-fargate-spot": 6 },
    wantRunning: dep(1),
    wantFinalizer: "add",
    wantDeployments: [{ id: dep(1), status: "PRIMARY", rolloutState: "IN_PROGRESS", desiredCount: 9, launchType: "FARGATE" }],
    wantStatus: { desiredCount: 9, runningCount: 0, status: "ACTIVE", taskDefinition: "web:1" },
    wantConditions: { Ready: { status: "False", reason: "DeploymentInProgress" } },
    wantEvents: [],
    wantNext: 10_000,
  },
  {
    name: "rollout: a new revision starts a new PRIMARY deployment; the old one becomes ACTIVE and its tasks keep counting",
    observed: observing(aService({ revision: 2, deployments: [aDeployment(1, "PRIMARY", "COMPLETED", { runningCount: 2 })] }), {
      children: workloadsOf({ revision: 1 }),
      pods: [aPod({ ready: true, deployment: dep(1) }), aPod({ ready: true, deployment: dep(1) })],
    }),
    wantApplies: ["Deployment/web-ec2", "PodDisruptionBudget/web"],
    wantRunning: dep(2),
    wantDeletes: [],
    wantDeployments: [
      { id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS", taskDefinition: "web:2", runningCount: 0 },
      { id: dep(1), status: "ACTIVE", rolloutState: "COMPLETED", runningCount: 2 },
    ],
    wantStatus: { runningCount: 2, taskDefinition: "web:2" },
    wantEvents: [],
  },
  {
    name: "rollout: the PRIMARY is COMPLETED once the Deployments are settled and every task has been Ready for the stable window",
    observed: observing(aService({ revision: 2, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS"), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      children: workloadsOf({ revision: 2 }),
      pods: [aPod({ ready: true, deployment: dep(2), readyFor: 60 }), aPod({ ready: true, deployment: dep(2), readyFor: 60 })],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "COMPLETED", runningCount: 2 }],
    wantConditions: { Ready: { status: "True", reason: "SteadyState" } },
    wantEvents: ["Normal DeploymentCompleted", "Normal SteadyState"],
    wantNext: 5 * 60_000,
  },
  {
    name: "rollout: tasks Ready for 2 s of the 5 s window keep the PRIMARY IN_PROGRESS, and the pass looks again when the window ends",
    observed: observing(aService({ revision: 2, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS"), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      children: workloadsOf({ revision: 2 }),
      pods: [aPod({ ready: true, deployment: dep(2), readyFor: 2 }), aPod({ ready: true, deployment: dep(2), readyFor: 60 })],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS" }, { id: dep(1), status: "ACTIVE" }],
    wantEvents: [],
    wantNext: 3_000,
  },
  {
    name: "failed tasks: a task of the deployment IN_PROGRESS that fails is counted once and stopped so that it is relaunched",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS"), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [crash("web-crash", dep(2)), aPod({ ready: true, deployment: dep(1) })],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS", failedTasks: 1 }],
    wantDeletes: ["Pod/web-crash"],
    wantCounted: ["uid-web-crash"],
    wantEvents: [],
  },
  {
    // ECS API reference, ContainerDefinition.essential: "If the essential parameter of a container is marked as false,
    // then its failure does not affect the rest of the containers in a task."
    name: "non-essential container: a task whose non-essential log-router crash loops is RUNNING, not counted, not stopped; the deployment completes",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] }), {
      children: workloadsOf({ revision: 2 }),
      pods: [aPod({ name: "web-sidecar-down", nonEssentialCrash: true, deployment: dep(2) }), aPod({ ready: true, deployment: dep(2) })],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "COMPLETED", failedTasks: 0, runningCount: 2 }],
    wantDeletes: [],
    wantCounted: [],
    wantStatus: { runningCount: 2 },
  },
  {
    // ECS API reference, DeploymentCircuitBreaker.resetOnHealthyTask: "When set to true, a task that reaches a healthy
    // state resets the failure count to 0. [...] The default is true."
    name: "resetOnHealthyTask (default true): a task of the new deployment newly healthy resets its 2 failures to 0, and the pass remembers it",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 2 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [aPod({ name: "web-new", ready: true, readyFor: 30, deployment: dep(2) }), aPod({ ready: true, deployment: dep(1) })],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS", failedTasks: 0 }],
  },
  {
    name: "resetOnHealthyTask: a healthy task already seen (the memory of the last pass) does not reset failures counted since",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 2 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [aPod({ name: "web-new", ready: true, readyFor: 30, deployment: dep(2) }), aPod({ ready: true, deployment: dep(1) })],
      memory: { counted: {}, healthy: ["uid-web-new"] },
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS", failedTasks: 2 }],
  },
  {
    name: "resetOnHealthyTask false: a newly healthy task resets nothing and the third failure trips the breaker",
    observed: observing(aService({ revision: 2, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false, resetOnHealthyTask: false } }, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 2 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [aPod({ name: "web-new", ready: true, readyFor: 30, deployment: dep(2) }), crash("web-crash", dep(2))],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "FAILED", failedTasks: 3 }],
  },
  {
    name: "resetOnHealthyTask: a task Ready for less than the stable window has not reached a healthy state",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 2 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [aPod({ name: "web-new", ready: true, readyFor: 1, deployment: dep(2) }), aPod({ ready: true, deployment: dep(1) })],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS", failedTasks: 2 }],
  },
  {
    name: "failed tasks: a failure already counted (the memory of the last pass) is not counted again nor stopped again",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 1 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [crash("web-crash", dep(2)), aPod({ ready: true, deployment: dep(1) })],
      memory: { counted: { "uid-web-crash": NOW.getTime() - 30_000 } },
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS", failedTasks: 1 }],
    wantDeletes: [],
    wantCounted: ["uid-web-crash"],
  },
  {
    name: "failed tasks: the memory forgets a counted pod after 10 minutes (it was deleted long ago)",
    observed: observing(aService({ revision: 2, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] }), {
      memory: { counted: { "uid-gone": NOW.getTime() - 11 * 60_000 } },
    }),
    wantCounted: [],
  },
  {
    name: "failed tasks: the failed tasks of a FAILED deployment are not stopped (its ReplicaSet would only replace them)",
    observed: observing(aService({ revision: 2, circuitBreaker: { enable: true, rollback: false }, deployments: [aDeployment(2, "PRIMARY", "FAILED", { failedTasks: 3 })] }), {
      pods: [crash("web-crash", dep(2))],
    }),
    wantDeletes: [],
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "FAILED", failedTasks: 3 }],
    wantConditions: { Stalled: { status: "True", reason: "DeploymentFailed" } },
  },
  {
    name: "circuit breaker: the third failure trips it and, with rollback, the last COMPLETED revision becomes PRIMARY again and is what the Deployments run",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 2 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [crash("web-crash", dep(2)), aPod({ ready: true, deployment: dep(1) })],
    }),
    wantRunning: dep(1),
    wantDeployments: [
      { id: dep(1), status: "PRIMARY", rolloutState: "IN_PROGRESS", taskDefinition: "web:1" },
      { id: dep(2), status: "ACTIVE", rolloutState: "FAILED", failedTasks: 3 },
    ],
    wantDeletes: [],
    wantConditions: { Reconciling: { status: "True", reason: "RollingBack" } },
    wantEvents: ["Warning DeploymentFailed", "Warning RollingBack"],
  },
  {
    name: "circuit breaker without rollback: the deployment is FAILED, the service Stalled (DeploymentFailed), the Deployments keep the failed revision",
    observed: observing(aService({ revision: 2, circuitBreaker: { enable: true, rollback: false }, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 2 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      pods: [crash("web-crash", dep(2))],
    }),
    wantRunning: dep(2),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "FAILED", failedTasks: 3 }],
    wantConditions: { Stalled: { status: "True", reason: "DeploymentFailed" } },
    wantEvents: ["Warning DeploymentFailed"],
  },
  {
    name: "circuit breaker: a rollback target whose revision is gone is a spec error TaskDefinitionNotFound naming it",
    observed: observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS", { failedTasks: 2 }), aDeployment(1, "ACTIVE", "COMPLETED")] }), {
      revisions: [aRevision(2)],
      pods: [crash("web-crash", dep(2))],
    }),
    wantApplies: [],
    wantStalled: { reason: "TaskDefinitionNotFound", message: "cannot roll back to web:1" },
  },
  {
    name: "a new force-new-deployment value starts a new deployment of the same revision",
    observed: observing({ ...aService({ deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), metadata: { ...aService().metadata, annotations: { "ecs.operator.dev/force-new-deployment": "2026-03-01" } } }),
    wantDeployments: [{ status: "PRIMARY", rolloutState: "IN_PROGRESS", taskDefinition: "web:1" }, { id: dep(1), status: "ACTIVE" }],
  },
  {
    name: "fields accepted but not mapped are listed in Supported=False, and the service still runs",
    observed: observing(aService({ networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } })),
    wantApplies: ["Deployment/web-ec2", "PodDisruptionBudget/web"],
    wantConditions: { Supported: { status: "False", reason: "UnsupportedFields" } },
  },
  {
    // ECS API reference, DeploymentConfiguration.maximumPercent: "the upper limit on the number of your service's tasks
    // that are allowed in the RUNNING or PENDING state during a deployment, as a percentage of the desiredCount".
    name: "strategy change at 100 / 200: the new provider's Deployment starts its whole share (2 + 2 ≤ 4) while the old one keeps its tasks",
    observed: observing(aService({ strategy: [spot()], deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      children: workloadsOf({ strategy: [fargate()] }),
      pods: [aPod({ ready: true }), aPod({ ready: true })],
      nodes: fargateNodes,
    }),
    wantApplies: ["Deployment/web-fargate-spot", "PodDisruptionBudget/web"],
    wantReplicas: { "web-fargate-spot": 2 },
    wantPatches: [],
    wantDeletes: [],
  },
  {
    name: "strategy change at max 100: the new provider's Deployment waits (0) and the old one gives up one task first (min 50 of 2)",
    observed: observing(aService({ strategy: [spot()], deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 50 }, deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      children: workloadsOf({ strategy: [fargate()] }),
      pods: [aPod({ ready: true }), aPod({ ready: true })],
      nodes: fargateNodes,
    }),
    wantReplicas: { "web-fargate-spot": 0 },
    wantPatches: ["Deployment/web-fargate replicas 1"],
    wantDeletes: [],
  },
  {
    name: "obsolete children: the old provider's Deployment is scaled to 0 once the new provider's ready tasks keep minimumHealthyPercent (100% of 2)",
    observed: observing(aService({ strategy: [spot()], deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      children: [...workloadsOf({ strategy: [fargate()] }), ...workloadsOf({ strategy: [spot()] })],
      pods: [aPod({ ready: true }), aPod({ ready: true }), aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true }), aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true })],
      nodes: fargateNodes,
    }),
    wantPatches: ["Deployment/web-fargate replicas 0"],
    wantDeletes: [],
  },
  // ECS Developer Guide ("Deploy Amazon ECS services by replacing tasks"): "If a task has no essential containers with a
  // health check defined, the service scheduler will wait for 40 seconds after a task reaches a RUNNING state before
  // the task is counted towards the minimum healthy percent total."
  ...([
    ["no essential health check, the new tasks RUNNING 10 s: not counted yet, the old provider keeps its 2 tasks", 10, {}, {}, []],
    ["no essential health check, the new tasks RUNNING 41 s: counted, the old provider's Deployment goes to 0", 41, {}, {}, ["Deployment/web-fargate replicas 0"]],
    ["an essential container's health check: a task counts once it is healthy (RUNNING 10 s), no 40-second wait", 10, { containerDefinitions: [{ name: "app", image: "nginx:1.1", healthCheck: { command: ["CMD-SHELL", "true"] } }] }, {}, ["Deployment/web-fargate replicas 0"]],
    ["spec.kubernetes.minReadySeconds 5 overrides the 40-second rule (RUNNING 10 s counts)", 10, {}, { kubernetes: { minReadySeconds: 5 } }, ["Deployment/web-fargate replicas 0"]],
  ] satisfies [string, number, Parameters<typeof aRevision>[1], ServiceFixture, string[]][]).map(([name, readyFor, td, more, patches]): Row => ({
    name: `40-second rule: ${name}`,
    observed: observing(aService({ strategy: [spot()], deployments: [aDeployment(1, "PRIMARY", "COMPLETED")], ...more }), {
      revisions: [aRevision(1, td), aRevision(2)],
      children: [...workloadsOf({ strategy: [fargate()] }), ...workloadsOf({ strategy: [spot()] })],
      pods: [aPod({ ready: true }), aPod({ ready: true }), aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true, readyFor }), aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true, readyFor })],
      nodes: fargateNodes,
    }),
    wantPatches: patches,
    wantDeletes: [],
  })),
  {
    name: "obsolete children: an old provider's Deployment with no replica and no task left is deleted",
    observed: observing(aService({ strategy: [spot()], deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      children: [...workloadsOf({ strategy: [fargate()] }).map((d) => ({ ...d, spec: { ...(d as { spec: object }).spec, replicas: 0 } }) as KubeObject), ...workloadsOf({ strategy: [spot()] })],
      pods: [aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true }), aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true })],
      nodes: fargateNodes,
    }),
    wantDeletes: ["Deployment/web-fargate"],
  },
  {
    name: "deployment limits across providers: desired 2 over FARGATE and FARGATE_SPOT at min 50 / max 100, a new revision: one Deployment rolls (maxUnavailable 1), the other waits paused",
    observed: observing(aService({ revision: 2, strategy: [fargate(), spot()], deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 50 }, deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      children: workloadsOf({ revision: 1, strategy: [fargate(), spot()], deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 50 } }),
      pods: [aPod({ ready: true }), aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true })],
      nodes: fargateNodes,
    }),
    wantRunning: dep(2),
    wantRollouts: { "web-fargate": "surge 0 unavailable 1", "web-fargate-spot": "paused" },
  },
  {
    // ECS Developer Guide, "Draining Amazon ECS container instances": "If the minimum is 100%, the service scheduler
    // can't remove existing tasks until the replacement tasks are considered healthy."
    name: "drain at 100 / 200: a task on a cordoned node is marked (deletion cost) and its Deployment gets one more replica for the replacement",
    observed: observing(aService({ deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      children: workloadsOf({}),
      pods: [aPod({ name: "web-on-cordoned", provider: "EC2", ready: true, node: "node-2" }), aPod({ provider: "EC2", ready: true, node: "node-1" })],
      nodes: [aNode("node-1"), Object.assign(aNode("node-2"), { spec: { unschedulable: true } })],
    }),
    wantReplicas: { "web-ec2": 3 },
    wantPatches: ["Pod/web-on-cordoned annotation -1000"],
    wantDeletes: [],
  },
  {
    name: "drain at 100 / 200: once the replacement runs elsewhere, the Deployment goes back to 2 (the ReplicaSet stops the marked task first)",
    observed: observing(aService({ deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      children: workloadsOf({}).map((d) => ({ ...d, spec: { ...(d as { spec: object }).spec, replicas: 3 } }) as KubeObject),
      pods: [
        { ...aPod({ name: "web-on-cordoned", provider: "EC2", ready: true, node: "node-2" }), metadata: { ...aPod({ name: "web-on-cordoned", provider: "EC2" }).metadata, annotations: { [DEPLOYMENT_ID_ANNOTATION]: dep(1), "controller.kubernetes.io/pod-deletion-cost": "-1000" } } },
        aPod({ provider: "EC2", ready: true, node: "node-1" }),
        aPod({ provider: "EC2", ready: true, node: "node-1" }),
      ],
      nodes: [aNode("node-1"), Object.assign(aNode("node-2"), { spec: { unschedulable: true } })],
    }),
    wantReplicas: { "web-ec2": 2 },
    wantPatches: [],
    wantDeletes: [],
  },
  {
    name: "DAEMON: one DaemonSet per EC2-type provider, no Deployment, no PDB; desiredCount is what the DaemonSet schedules",
    observed: observing(aService({ schedulingStrategy: "DAEMON", launchType: "EC2" }), {
      children: workloadsOf({ schedulingStrategy: "DAEMON", launchType: "EC2" }, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }),
    }),
    wantApplies: ["DaemonSet/web-ec2"],
    wantDeployments: [{ id: dep(1), status: "PRIMARY", desiredCount: 3 }],
    wantStatus: { desiredCount: 3 },
  },
  {
    name: "DAEMON on a FARGATE-type provider is a spec error naming spec.schedulingStrategy",
    observed: observing(aService({ schedulingStrategy: "DAEMON", strategy: [fargate()] })),
    wantApplies: [],
    wantStalled: { reason: "UnsupportedSchedulingStrategy", message: "spec.schedulingStrategy: DAEMON cannot run on FARGATE" },
  },
  {
    name: "draining: a deleted service scales its Deployments to 0, is DRAINING and holds its finalizer while tasks remain",
    observed: observing(aService({ deleting: true, deployments: [aDeployment(1, "PRIMARY", "COMPLETED", { runningCount: 2 })], status: { status: "ACTIVE" } }), {
      children: workloadsOf({}),
      pods: [aPod({ ready: true }), aPod({ ready: true })],
    }),
    wantApplies: [],
    wantPatches: ["Deployment/web-ec2 replicas 0"],
    wantFinalizer: undefined,
    wantStatus: { status: "DRAINING", desiredCount: 0, runningCount: 2 },
    wantConditions: { Reconciling: { status: "True", reason: "Draining" } },
    wantEvents: ["Normal Draining"],
    wantNext: 2_000,
  },
  {
    name: "draining: the status keeps the record of hook executions and the last rollback request (a drain runs no hooks)",
    observed: observing(aService({ deleting: true, deployments: [aDeployment(1, "PRIMARY", "COMPLETED")], status: { status: "DRAINING", lifecycleHooks: { deploymentId: "d-1", lifecycleHookDetails: [] }, lastRollbackRequest: "1764900000" } }), {
      children: workloadsOf({}),
      pods: [aPod({ ready: true })],
    }),
    wantStatus: { status: "DRAINING", lifecycleHooks: { deploymentId: "d-1", lifecycleHookDetails: [] }, lastRollbackRequest: "1764900000" },
  },
  {
    name: "draining: once no task is left the finalizer goes",
    observed: observing(aService({ deleting: true, deployments: [aDeployment(1, "PRIMARY", "COMPLETED")], status: { status: "DRAINING" } }), {
      children: workloadsOf({}).map((d) => ({ ...d, spec: { ...(d as { spec: object }).spec, replicas: 0 } })),
    }),
    wantPatches: [],
    wantFinalizer: "remove",
    wantNext: undefined,
  },
  {
    name: "spot interruption: a task whose spot node is gone is stopped at once (grace 0), reported as SpotInterruption, and is no failure",
    observed: observing(aService({ strategy: [spot()], circuitBreaker: cb, deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      pods: [aPod({ name: "web-on-reclaimed", provider: "FARGATE_SPOT", node: "spot-gone", ready: true }), aPod({ provider: "FARGATE_SPOT", node: "spot-1", ready: true })],
      nodes: fargateNodes,
    }),
    wantDeletes: ["Pod/web-on-reclaimed grace 0"],
    wantDeployments: [{ id: dep(1), status: "PRIMARY", failedTasks: 0, runningCount: 1 }],
    wantEvents: ["Warning TasksStopped"],
  },
  {
    name: "spot interruption: a task on a node tainted by an interruption handler is stopped with its grace period",
    observed: observing(aService({ strategy: [spot()], deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      pods: [aPod({ name: "web-on-tainted", provider: "FARGATE_SPOT", node: "spot-1", ready: true })],
      nodes: [{ metadata: { name: "spot-1", labels: { "karpenter.sh/capacity-type": "spot" } }, spec: { taints: [{ key: "aws-node-termination-handler/spot-itn", effect: "NoSchedule" }] } }],
    }),
    wantDeletes: ["Pod/web-on-tainted"],
    wantEvents: ["Warning TasksStopped"],
  },
  {
    name: "a task no node can take: one UnableToPlaceTask warning",
    observed: observing(aService({ deployments: [aDeployment(1, "PRIMARY", "IN_PROGRESS")] }), { pods: [aPod({ unschedulable: "0/3 nodes are available" })] }),
    wantEvents: ["Warning UnableToPlaceTask"],
  },
  {
    name: "a TaskDefinition that does not exist: a spec error TaskDefinitionNotFound naming spec.taskDefinition, nothing applied, the finalizer still added",
    observed: observing(aService({ taskDefinition: "web:7", finalizer: false })),
    wantApplies: [],
    wantFinalizer: "add",
    wantStalled: { reason: "TaskDefinitionNotFound", message: 'spec.taskDefinition "web:7"' },
  },
  {
    name: "NotOwned: a Deployment of the same name that the service does not control is never adopted",
    observed: observing(aService(), {
      others: { "Deployment/web-ec2": { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web-ec2", namespace: "shop", uid: "theirs" } }, "PodDisruptionBudget/web": null },
    }),
    wantApplies: [],
    wantStalled: { reason: "NotOwned", message: "Deployment web-ec2 already exists and is not owned by this service" },
  },
  {
    name: "names the observation does not cover are asked for before anything is decided about them",
    observed: observing(aService(), { others: {} }),
    wantLookups: ["Deployment/web-ec2", "PodDisruptionBudget/web"],
  },
  {
    name: "scheduled scaling: a minCapacity raised by a scheduled action scales the service through the scale subresource",
    observed: observing(aService({
      autoScaling: { minCapacity: 1, maxCapacity: 10, scheduledActions: [{ scheduledActionName: "morning", schedule: "at(2026-03-01T11:00:00)", scalableTargetAction: { minCapacity: 5, maxCapacity: 10 } }] },
    })),
    wantScale: 5,
  },
  {
    name: "autoScaling with a target tracking policy: an HPA aimed at the scale subresource, and no scale patch",
    observed: observing(aService({
      autoScaling: { minCapacity: 2, maxCapacity: 10, targetTrackingScalingPolicies: [{ policyName: "cpu", targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } }] },
    })),
    wantApplies: ["Deployment/web-ec2", "HorizontalPodAutoscaler/web", "PodDisruptionBudget/web"],
    wantScale: undefined,
  },
  {
    name: "task role: a taskRoleArn gets its ServiceAccount, owned by the TaskDefinition",
    observed: observing(aService(), { revisions: [aRevision(1, { taskRoleArn: "arn:aws:iam::123456789012:role/web-role" })] }),
    wantApplies: ["Deployment/web-ec2", "ServiceAccount/web-role", "PodDisruptionBudget/web"],
  },
  {
    name: "task role: a ServiceAccount of that name the user made is theirs and left alone",
    observed: observing(aService(), {
      revisions: [aRevision(1, { taskRoleArn: "arn:aws:iam::123456789012:role/web-role" })],
      serviceAccounts: [{ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "web-role", namespace: "shop" } }],
    }),
    wantApplies: ["Deployment/web-ec2", "PodDisruptionBudget/web"],
  },
];

rows.push(
  {
    name: "task set: tasks that were not there last pass are reported once, ECS-worded: has started 2 tasks: (task …) (task …).",
    observed: observing(aService(steadyWeb), { pods: [taskA, taskB, taskC], memory: taskSetOf(taskA) }),
    wantEvents: ["Normal TasksStarted"],
    wantMessages: ["(service web) has started 2 tasks: (task web-b) (task web-c)."],
    wantTaskSet: ["web-a", "web-b", "web-c"],
  },
  {
    name: "task set: scale-in — a task gone and one terminating since last pass: has stopped 2 running tasks, and they leave the set",
    observed: observing(aService(steadyWeb), { pods: [taskA, terminating(taskB)], memory: taskSetOf(taskA, taskB, taskC) }),
    wantEvents: ["Normal TasksStopped"],
    wantMessages: ["(service web) has stopped 2 running tasks: (task web-b) (task web-c)."],
    wantTaskSet: ["web-a"],
  },
  {
    name: "task set: a task no node can take is not started yet (ECS reports it unable to place instead); placed next pass, it has started",
    observed: observing(aService(steadyWeb), { pods: [taskA, aPod({ name: "web-waiting", unschedulable: "0/3 nodes are available" })], memory: taskSetOf(taskA) }),
    wantEvents: ["Warning UnableToPlaceTask"],
    wantTaskSet: ["web-a"],
  },
  {
    name: "task set: the task placed since last pass has started",
    observed: observing(aService(steadyWeb), { pods: [taskA, aPod({ name: "web-waiting" })], memory: taskSetOf(taskA) }),
    wantEvents: ["Normal TasksStarted"],
    wantMessages: ["(service web) has started 1 tasks: (task web-waiting)."],
    wantTaskSet: ["web-a", "web-waiting"],
  },
  {
    name: "task set: the same set as last pass reports nothing",
    observed: observing(aService(steadyWeb), { pods: [taskA, taskB], memory: taskSetOf(taskA, taskB) }),
    wantEvents: [],
    wantTaskSet: ["web-a", "web-b"],
  },
  {
    name: "task set: the first pass of a controller (no task set remembered) only takes the set: no task is reported as started",
    observed: observing(aService(steadyWeb), { pods: [taskA, taskB] }),
    wantEvents: [],
    wantTaskSet: ["web-a", "web-b"],
  },
  {
    name: "task set: no set remembered, but the Service has never written a deployment (its first pass did not land): its tasks are reported as started",
    observed: observing(aService({ desiredCount: 2 }), { pods: [taskA, taskB] }),
    wantEvents: ["Normal TasksStarted"],
    wantMessages: ["(service web) has started 2 tasks: (task web-a) (task web-b)."],
    wantTaskSet: ["web-a", "web-b"],
  },
  {
    name: "task set: 12 new tasks are reported in messages of at most 10 task ids",
    observed: observing(aService({ ...steadyWeb, desiredCount: 12 }), { pods: Array.from({ length: 12 }, (_, i) => aPod({ name: `web-n${String(i).padStart(2, "0")}` })), memory: taskSetOf() }),
    wantEvents: ["Normal TasksStarted", "Normal TasksStarted"],
    wantMessages: [
      `(service web) has started 10 tasks: ${Array.from({ length: 10 }, (_, i) => `(task web-n${String(i).padStart(2, "0")})`).join(" ")}.`,
      "(service web) has started 2 tasks: (task web-n10) (task web-n11).",
    ],
  },
  {
    name: "task set: a task this pass stops itself (spot interrupted) is reported as interrupted only, and leaves the set (no has stopped next pass)",
    observed: observing(aService({ strategy: [spot()], deployments: [aDeployment(1, "PRIMARY", "COMPLETED")] }), {
      pods: [aPod({ name: "web-reclaimed", provider: "FARGATE_SPOT", node: "spot-gone", ready: true }), aPod({ name: "web-spot", provider: "FARGATE_SPOT", node: "spot-1", ready: true })],
      nodes: fargateNodes,
      memory: { counted: {}, tasks: { "uid-web-reclaimed": { name: "web-reclaimed" }, "uid-web-spot": { name: "web-spot" } } },
    }),
    wantEvents: ["Warning TasksStopped"],
    wantTaskSet: ["web-spot"],
  },
  {
    name: "clock behind the kubelet's: a Ready time in the future of now counts from when the controller first saw the task Ready (60 s ago): COMPLETED",
    observed: observing(aService({ revision: 2, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] }), {
      children: workloadsOf({ revision: 2 }),
      pods: [aPod({ name: "web-future-1", ready: true, deployment: dep(2), readyFor: -3600 }), aPod({ name: "web-future-2", ready: true, deployment: dep(2), readyFor: -3600 })],
      memory: { counted: {}, tasks: { "uid-web-future-1": { name: "web-future-1", readySeenAt: NOW.getTime() - 60_000 }, "uid-web-future-2": { name: "web-future-2", readySeenAt: NOW.getTime() - 60_000 } } },
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "COMPLETED" }],
    wantEvents: ["Normal DeploymentCompleted", "Normal SteadyState"],
  },
  {
    name: "clock behind the kubelet's: first seen Ready now, the stable window starts now and the pass looks again when it ends",
    observed: observing(aService({ revision: 2, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] }), {
      children: workloadsOf({ revision: 2 }),
      pods: [aPod({ ready: true, deployment: dep(2), readyFor: -3600 }), aPod({ ready: true, deployment: dep(2), readyFor: 60 })],
    }),
    wantDeployments: [{ id: dep(2), status: "PRIMARY", rolloutState: "IN_PROGRESS" }],
    wantNext: 5_000,
  },
  {
    name: "autoScaling: an HPA that cannot read its metric → AutoScaling=False MetricsUnavailable quoting the HPA, and one Warning",
    observed: observing(aService({ ...steadyWeb, autoScaling: cpuScaling }), {
      children: [...workloadsOf({ autoScaling: cpuScaling }), hpaWith([hpaAble, { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message: "the HPA was unable to compute the replica count: no metrics returned from resource metrics API" }])],
    }),
    wantConditions: { AutoScaling: { status: "False", reason: "MetricsUnavailable" } },
    wantEvents: ["Warning MetricsUnavailable"],
  },
  {
    name: "autoScaling: an HPA held at its maximum → AutoScaling=True AtMaxCapacity naming maxCapacity, and one Normal event",
    observed: observing(aService({ ...steadyWeb, autoScaling: cpuScaling }), {
      children: [...workloadsOf({ autoScaling: cpuScaling }), hpaWith([hpaAble, { type: "ScalingActive", status: "True", reason: "ValidMetricFound" }, { type: "ScalingLimited", status: "True", reason: "TooManyReplicas" }])],
    }),
    wantConditions: { AutoScaling: { status: "True", reason: "AtMaxCapacity" } },
    wantEvents: ["Normal AtMaxCapacity"],
  },
  {
    name: "autoScaling: already AtMaxCapacity last pass → no second event",
    observed: observing(aService({ ...steadyWeb, autoScaling: cpuScaling, status: { conditions: [{ type: "AutoScaling", status: "True", reason: "AtMaxCapacity", message: "", lastTransitionTime: "2026-03-01T11:00:00Z" }] } }), {
      children: [...workloadsOf({ autoScaling: cpuScaling }), hpaWith([hpaAble, { type: "ScalingActive", status: "True", reason: "ValidMetricFound" }, { type: "ScalingLimited", status: "True", reason: "TooManyReplicas" }])],
    }),
    wantConditions: { AutoScaling: { status: "True", reason: "AtMaxCapacity" } },
    wantEvents: [],
  },
  {
    name: "autoScaling: an idle service at minCapacity → AutoScaling=True AtMinCapacity, no event (the usual state)",
    observed: observing(aService({ ...steadyWeb, autoScaling: cpuScaling }), {
      children: [...workloadsOf({ autoScaling: cpuScaling }), hpaWith([hpaAble, { type: "ScalingActive", status: "True", reason: "ValidMetricFound" }, { type: "ScalingLimited", status: "True", reason: "TooFewReplicas" }])],
    }),
    wantConditions: { AutoScaling: { status: "True", reason: "AtMinCapacity" } },
    wantEvents: [],
  },
  {
    name: "autoScaling: the HPA not created yet → AutoScaling=Unknown Pending",
    observed: observing(aService({ ...steadyWeb, autoScaling: cpuScaling }), { children: workloadsOf({ autoScaling: cpuScaling }) }),
    wantConditions: { AutoScaling: { status: "Unknown", reason: "Pending" } },
    wantEvents: [],
  },
);

function check(row: Row, plan: ServicePlan): void {
  if (row.wantStalled !== undefined) {
    expect(plan.stalled?.conditionReason).toBe(row.wantStalled.reason);
    expect(plan.stalled?.message).toContain(row.wantStalled.message);
  } else {
    expect(plan.stalled?.message).toBeUndefined();
  }
  if (row.wantLookups !== undefined) expect(plan.lookups.map(kindName)).toEqual(row.wantLookups);
  else expect(plan.lookups).toEqual([]);
  if (row.wantApplies !== undefined) expect(plan.applies.map((a) => `${a.resource.kind}/${a.object.metadata?.name ?? ""}`)).toEqual(row.wantApplies);
  const workloads = plan.applies.filter((a) => a.resource.kind === "Deployment" || a.resource.kind === "DaemonSet").map((a) => a.object as KubeObject & { spec: { replicas?: number } });
  if (row.wantReplicas !== undefined) expect(Object.fromEntries(workloads.map((w) => [w.metadata?.name, w.spec.replicas]))).toEqual(row.wantReplicas);
  if (row.wantRunning !== undefined) {
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of workloads) expect(w.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION]).toBe(row.wantRunning);
  }
  if (row.wantDeletes !== undefined) expect(plan.deletes.map((d) => `${kindName(d)}${d.gracePeriodSeconds === undefined ? "" : ` grace ${d.gracePeriodSeconds}`}`)).toEqual(row.wantDeletes);
  if (row.wantPatches !== undefined) {
    const describe = (p: ServicePlan["patches"][number]): string => {
      const cost = (p.patch.metadata as { annotations?: Record<string, string | null> } | undefined)?.annotations?.["controller.kubernetes.io/pod-deletion-cost"];
      return cost === undefined ? `${kindName(p)} replicas ${String((p.patch.spec as { replicas?: number } | undefined)?.replicas)}` : `${kindName(p)} annotation ${String(cost)}`;
    };
    expect(plan.patches.map(describe)).toEqual(row.wantPatches);
  }
  if (row.wantRollouts !== undefined) {
    const rollouts = workloads.map((w) => {
      const spec = w.spec as { paused?: boolean; strategy?: { rollingUpdate?: { maxSurge?: number; maxUnavailable?: number } } };
      return [w.metadata?.name, spec.paused === true ? "paused" : `surge ${String(spec.strategy?.rollingUpdate?.maxSurge)} unavailable ${String(spec.strategy?.rollingUpdate?.maxUnavailable)}`];
    });
    expect(Object.fromEntries(rollouts)).toEqual(row.wantRollouts);
  }
  if ("wantScale" in row) expect(plan.scale).toBe(row.wantScale);
  if ("wantFinalizer" in row) expect(plan.finalizer).toBe(row.wantFinalizer);
  if (row.wantDeployments !== undefined) expect(plan.status?.deployments?.slice(0, row.wantDeployments.length)).toMatchObject(row.wantDeployments);
  if (row.wantStatus !== undefined) expect(plan.status).toMatchObject(row.wantStatus);
  for (const [type, want] of Object.entries(row.wantConditions ?? {})) expect(plan.status?.conditions?.find((c) => c.type === type)).toMatchObject(want);
  if (row.wantEvents !== undefined) expect(plan.events.map((e) => `${e.type} ${e.reason}`)).toEqual(row.wantEvents);
  if ("wantNext" in row) expect(plan.next.requeueAfterMs).toBe(row.wantNext);
  if (row.wantCounted !== undefined) expect(Object.keys(plan.memory.counted)).toEqual(row.wantCounted);
  if (row.wantMessages !== undefined) {
    expect(plan.events.map((e) => e.message)).toEqual(row.wantMessages);
    expect(plan.status?.events?.slice(0, row.wantMessages.length).map((e) => e.message).reverse()).toEqual(row.wantMessages);
  }
  if (row.wantTaskSet !== undefined) expect(Object.values(plan.memory.tasks ?? {}).map((m) => m.name).sort()).toEqual(row.wantTaskSet);
}

describe("planService", () => {
  it.each(rows)("$name", (row) => {
    check(row, planService(row.observed, row.now ?? NOW));
  });

  it("autoScaling removed from the spec: the AutoScaling condition goes with the HPA", () => {
    const stale = { type: "AutoScaling", status: "True" as const, reason: "AtMaxCapacity", message: "", lastTransitionTime: "2026-03-01T11:00:00Z" };
    const plan = planService(observing(aService({ ...steadyWeb, status: { conditions: [stale] } }), { children: [hpaWith([hpaAble])] }), NOW);
    expect(plan.deletes.map(kindName)).toContain("HorizontalPodAutoscaler/web");
    expect(plan.status?.conditions?.map((c) => c.type)).not.toContain("AutoScaling");
  });

  it("--pod-disruption-budgets=false: no PodDisruptionBudget is applied, and one made before is deleted", () => {
    const pdb = planService(observing(aService(steadyWeb)), NOW).applies.find((a) => a.resource.kind === "PodDisruptionBudget")?.object;
    expect(pdb).toBeDefined();
    const plan = planService(observing(aService(steadyWeb), { children: pdb === undefined ? [] : [pdb] }), NOW, { podDisruptionBudgets: false });
    expect(plan.applies.map((a) => a.resource.kind)).not.toContain("PodDisruptionBudget");
    expect(plan.deletes.map(kindName)).toEqual(["PodDisruptionBudget/web"]);
  });

  it("is pure: the same observation planned twice gives the same plan", () => {
    const observed = observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS"), aDeployment(1, "ACTIVE", "COMPLETED")] }), { pods: [crash("web-crash", dep(2))] });
    expect(planService(observed, NOW)).toEqual(planService(observed, NOW));
  });

  it("a steady service whose children match plans no write: every apply's cached object already satisfies it", () => {
    const children = workloadsOf({ revision: 2 });
    const first = planService(observing(aService({ revision: 2, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] }), { children, pods: [aPod({ ready: true, deployment: dep(2) }), aPod({ ready: true, deployment: dep(2) })] }), NOW);
    // What the API server holds after applyIfChanged: the object with the hash it stamps.
    const applied = first.applies.map((a) => withAppliedHash(a.object));
    const second = planService(observing(aService({ revision: 2, deployments: first.status?.deployments ?? [], status: first.status }), {
      children: applied.map((o) => settled(o, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 })),
      pods: [aPod({ ready: true, deployment: dep(2) }), aPod({ ready: true, deployment: dep(2) })],
    }), NOW);
    expect(second.applies.filter((a) => needsApply(a.object, a.cached)).map((a) => a.object.metadata?.name)).toEqual([]);
    expect(second.deletes).toEqual([]);
    expect(second.events).toEqual([]);
  });

  it("memberOf compiled against node labels: the plan hands back the label keys and their values, to requeue when they change", () => {
    const observed = observing(aService({ placementConstraints: [{ type: "memberOf", expression: "attribute:zone =~ eu-.*" }] }), { nodes: [aNode("n1", { zone: "eu-1" }), aNode("n2", { zone: "us-1" })] });
    const plan = planService(observed, NOW);
    expect(plan.memory.labelDeps?.keys).toEqual(["zone"]);
    const relabelled = planService({ ...observed, nodes: [aNode("n1", { zone: "eu-1" }), aNode("n2", { zone: "eu-2" })] }, NOW);
    expect(relabelled.memory.labelDeps?.fingerprint).not.toBe(plan.memory.labelDeps?.fingerprint);
  });
});

describe("the 40-second rule: minimumHealthyWaitSeconds → the workloads' minReadySeconds", () => {
  const checked = { containerDefinitions: [{ name: "app", image: "app:1", healthCheck: { command: ["CMD-SHELL", "true"] } }] };
  const sidecarChecked = { containerDefinitions: [{ name: "app", image: "app:1" }, { name: "envoy", image: "envoy:1", essential: false, healthCheck: { command: ["CMD-SHELL", "true"] } }] };
  it.each<[string, { containerDefinitions: { name: string; image: string; essential?: boolean; healthCheck?: { command: string[] } }[] }, ServiceFixture, number | undefined]>([
    ["no health check at all: 40 s (ECS waits 40 seconds after RUNNING)", { containerDefinitions: [{ name: "app", image: "app:1" }] }, {}, 40],
    ["only a non-essential container has a health check: still 40 s (the rule asks for an essential container's)", sidecarChecked, {}, 40],
    ["an essential container has a health check: none (the task counts when healthy)", checked, {}, undefined],
    ["spec.kubernetes.minReadySeconds overrides: 0", { containerDefinitions: [{ name: "app", image: "app:1" }] }, { kubernetes: { minReadySeconds: 0 } }, undefined],
    ["spec.kubernetes.minReadySeconds overrides: 90 with a health check", checked, { kubernetes: { minReadySeconds: 90 } }, 90],
  ])("%s", (_n, td, f, want) => {
    expect(minimumHealthyWaitSeconds(td, f)).toBe(want ?? 0);
    const plan = planService(observing(aService(f), { revisions: [aRevision(1, td)] }), NOW);
    const deployment = plan.applies.find((a) => a.resource.kind === "Deployment")?.object as { spec?: { minReadySeconds?: number } } | undefined;
    expect(deployment?.spec?.minReadySeconds).toBe(want);
  });

  it("DAEMON: the DaemonSet gets the same minReadySeconds", () => {
    const plan = planService(observing(aService({ schedulingStrategy: "DAEMON", launchType: "EC2" })), NOW);
    const ds = plan.applies.find((a) => a.resource.kind === "DaemonSet")?.object as { spec?: { minReadySeconds?: number } } | undefined;
    expect(ds?.spec?.minReadySeconds).toBe(40);
  });
});

describe("scheduled scaling acts at the scheduled time, never retroactively (the HPA keeps when each action was first seen)", () => {
  // NOW is 2026-03-01T12:00Z; the service exists since 11:00Z; `morning` last ran at 11:30Z.
  const morning = { scheduledActionName: "morning", schedule: "cron(30 11 * * ? *)", scalableTargetAction: { minCapacity: 4 } };
  const scaling = { ...cpuScaling, scheduledActions: [morning] };
  const hpaOf = (plan: ServicePlan) => plan.applies.find((a) => a.resource.kind === "HorizontalPodAutoscaler")?.object;
  const minOf = (plan: ServicePlan) => (hpaOf(plan) as { spec?: { minReplicas?: number } } | undefined)?.spec?.minReplicas;
  const SEEN = "ecs.operator.dev/scheduled-actions-seen";

  it("an action added to a running service (its HPA records no such action) does not apply its 11:30 run at 12:00; the HPA records it as seen now", () => {
    const first = planService(observing(aService({ ...steadyWeb, autoScaling: cpuScaling }), { children: workloadsOf({ autoScaling: cpuScaling }) }), NOW);
    const hpa = hpaOf(first);
    if (hpa === undefined) throw new Error("no HPA applied");
    // Every HPA carries the record, empty while the service has no scheduled action.
    expect(hpa.metadata?.annotations?.[SEEN]).toBe("{}");
    const plan = planService(observing(aService({ ...steadyWeb, autoScaling: scaling }), { children: [...workloadsOf({ autoScaling: cpuScaling }), hpa] }), NOW);
    expect(minOf(plan)).toBe(2);
    expect(Object.values(JSON.parse(hpaOf(plan)?.metadata?.annotations?.[SEEN] ?? "{}") as Record<string, string>)).toEqual(["2026-03-01T12:00:00Z"]);
  });

  it("an HPA without any record (made by a version before records): actions count from the Service's creation, so nothing applied before is undone", () => {
    const first = hpaOf(planService(observing(aService({ ...steadyWeb, autoScaling: cpuScaling }), { children: workloadsOf({ autoScaling: cpuScaling }) }), NOW));
    if (first === undefined) throw new Error("no HPA applied");
    const old = { ...first, metadata: { ...first.metadata, annotations: {} } };
    expect(minOf(planService(observing(aService({ ...steadyWeb, autoScaling: scaling }), { children: [...workloadsOf({ autoScaling: cpuScaling }), old] }), NOW))).toBe(4);
  });

  it("an action recorded as seen before its run applies it (a restart of the controller loses nothing)", () => {
    const added = planService(observing(aService({ ...steadyWeb, autoScaling: scaling }), { children: workloadsOf({ autoScaling: cpuScaling }) }), new Date("2026-03-01T11:10:00Z"));
    const recorded = hpaOf(added);
    if (recorded === undefined) throw new Error("no HPA applied");
    expect(recorded.metadata?.annotations?.[SEEN]).toContain("2026-03-01T11:10:00Z");
    const plan = planService(observing(aService({ ...steadyWeb, autoScaling: scaling }), { children: [...workloadsOf({ autoScaling: cpuScaling }), recorded] }), NOW);
    expect(minOf(plan)).toBe(4);
  });
});
