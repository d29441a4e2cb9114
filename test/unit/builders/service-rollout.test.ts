// status.deployments[] bookkeeping and the circuit breaker: one row per rule, pods described by their state.
import type { V1Pod } from "@kubernetes/client-node";
import type { Wire } from "../../../src/runtime/resources.ts";
import { describe, expect, it } from "vitest";
import {
  childrenSettled,
  computeDeployments,
  healthyTask,
  observeTask,
  unschedulableReason,
  type ObservedChild,
  type ObservedTask,
  type RolloutInput,
  type ServiceDeploymentEntry,
} from "../../../src/builders/service/rollout.ts";

const now = new Date("2026-01-01T12:00:00Z");
const A = "ecs-svc/1000000000000000001";
const B = "ecs-svc/2000000000000000002";
const tasks = (id: string, running: number, pending = 0): ObservedTask[] => [
  ...Array.from({ length: running }, (_, i) => ({ uid: `${id}-r${i}`, name: `r${i}`, deploymentId: id, state: "running" as const })),
  ...Array.from({ length: pending }, (_, i) => ({ uid: `${id}-p${i}`, name: `p${i}`, deploymentId: id, state: "pending" as const })),
];
const completed = (id: string, td: string, count: number): ServiceDeploymentEntry => ({
  id, status: "PRIMARY", taskDefinition: td, desiredCount: count, runningCount: count, pendingCount: 0, failedTasks: 0, createdAt: "2026-01-01T10:00:00Z", updatedAt: "2026-01-01T10:00:00Z", rolloutState: "COMPLETED", rolloutStateReason: `ECS deployment ${id} completed.`,
});
const step = (over: Partial<RolloutInput>) =>
  computeDeployments({ serviceName: "web", previous: [], desired: { id: A, taskDefinition: "web:1", desiredCount: 2 }, tasks: [], newFailures: {}, threshold: 3, settled: true, now, ...over });
const brief = (ds: ServiceDeploymentEntry[]) => ds.map((d) => `${d.status} ${d.id === A ? "A" : "B"} ${d.rolloutState} run=${d.runningCount} failed=${d.failedTasks}`);

describe("computeDeployments", () => {
  it("first reconcile: one PRIMARY deployment IN_PROGRESS", () => {
    const r = step({ tasks: tasks(A, 0, 2) });
    expect(brief(r.deployments)).toEqual(["PRIMARY A IN_PROGRESS run=0 failed=0"]);
    expect(r.target).toEqual({ id: A, taskDefinition: "web:1" });
    expect(r.steady).toBe(false);
  });

  it("COMPLETED when desiredCount tasks run and the objects are settled, with ECS's message", () => {
    const r = step({ previous: step({}).deployments, tasks: tasks(A, 2) });
    expect(brief(r.deployments)).toEqual(["PRIMARY A COMPLETED run=2 failed=0"]);
    expect(r.messages).toEqual([`(service web) (deployment ${A}) deployment completed.`]);
    expect(r.steady).toBe(true);
  });

  it("not COMPLETED while a task has been Ready for less than the stable window; says how soon to look again", () => {
    const fresh = tasks(A, 2).map((t, i) => ({ ...t, readyForSeconds: i === 0 ? 1.5 : 10 }));
    const r = step({ previous: step({}).deployments, tasks: fresh });
    expect(brief(r.deployments)).toEqual(["PRIMARY A IN_PROGRESS run=2 failed=0"]);
    expect(r.stableInMs).toBe(3500);
    expect(r.steady).toBe(false);
    const later = step({ previous: r.deployments, tasks: fresh.map((t) => ({ ...t, readyForSeconds: 5 })) });
    expect(brief(later.deployments)).toEqual(["PRIMARY A COMPLETED run=2 failed=0"]);
    expect(later.stableInMs).toBeUndefined();
  });

  it("a crash right after the first Ready is caught by the circuit breaker, not hidden by a COMPLETED deployment", () => {
    const first = step({ previous: step({}).deployments, tasks: tasks(A, 2).map((t) => ({ ...t, readyForSeconds: 0.1 })), circuitBreaker: { enable: true, rollback: false } });
    expect(brief(first.deployments)).toEqual(["PRIMARY A IN_PROGRESS run=2 failed=0"]);
    const crashed = step({ previous: first.deployments, tasks: tasks(A, 0, 2), newFailures: { [A]: 3 }, circuitBreaker: { enable: true, rollback: false } });
    expect(brief(crashed.deployments)).toEqual(["PRIMARY A FAILED run=0 failed=3"]);
  });

  it("stableSeconds 0: COMPLETED as soon as the tasks are Ready", () => {
    const r = step({ previous: step({}).deployments, tasks: tasks(A, 2).map((t) => ({ ...t, readyForSeconds: 0 })), stableSeconds: 0 });
    expect(brief(r.deployments)).toEqual(["PRIMARY A COMPLETED run=2 failed=0"]);
  });

  it("not COMPLETED while the Kubernetes objects are still rolling", () => {
    expect(step({ previous: step({}).deployments, tasks: tasks(A, 2), settled: false }).deployments[0]?.rolloutState).toBe("IN_PROGRESS");
  });

  it("a new revision: new PRIMARY IN_PROGRESS, the old one ACTIVE with its tasks", () => {
    const r = step({ previous: [completed(A, "web:1", 2)], desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: [...tasks(A, 2), ...tasks(B, 0, 2)] });
    expect(brief(r.deployments)).toEqual(["PRIMARY B IN_PROGRESS run=0 failed=0", "ACTIVE A COMPLETED run=2 failed=0"]);
    expect(r.deployments[1]?.desiredCount).toBe(2);
    expect(r.target.taskDefinition).toBe("web:2");
  });

  it("the old deployment stays listed until the new one completes; then it is gone", () => {
    const started = step({ previous: [completed(A, "web:1", 2)], desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2) });
    const drained = step({ previous: started.deployments, desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(B, 1, 1) });
    expect(brief(drained.deployments)).toEqual(["PRIMARY B IN_PROGRESS run=1 failed=0", "ACTIVE A COMPLETED run=0 failed=0"]);
    const done = step({ previous: drained.deployments, desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(B, 2) });
    expect(brief(done.deployments)).toEqual(["PRIMARY B COMPLETED run=2 failed=0"]);
  });

  it("failed tasks of the new deployment add up across steps", () => {
    const started = step({ previous: [completed(A, "web:1", 2)], desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2), newFailures: { [B]: 1 } });
    const again = step({ previous: started.deployments, desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2), newFailures: { [B]: 1 } });
    expect(again.deployments[0]?.failedTasks).toBe(2);
  });

  it("circuit breaker without rollback: FAILED at the threshold, the deployment stays PRIMARY", () => {
    const r = step({ previous: [completed(A, "web:1", 2)], desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2), newFailures: { [B]: 3 }, circuitBreaker: { enable: true, rollback: false } });
    expect(brief(r.deployments)).toEqual(["PRIMARY B FAILED run=0 failed=3", "ACTIVE A COMPLETED run=2 failed=0"]);
    expect(r.messages).toEqual([`(service web) deployment ${B} deployment failed: tasks failed to start.`]);
    expect(r.target.taskDefinition).toBe("web:2");
  });

  it("below the threshold nothing fails; with the circuit breaker off nothing ever fails", () => {
    expect(step({ desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, previous: [completed(A, "web:1", 2)], newFailures: { [B]: 2 }, circuitBreaker: { enable: true, rollback: true } }).deployments[0]?.rolloutState).toBe("IN_PROGRESS");
    expect(step({ desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, previous: [completed(A, "web:1", 2)], newFailures: { [B]: 50 } }).deployments[0]?.rolloutState).toBe("IN_PROGRESS");
  });

  it("circuit breaker with rollback: the last COMPLETED deployment is PRIMARY again, and the events tell the story", () => {
    const r = step({ previous: [completed(A, "web:1", 2)], desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2), newFailures: { [B]: 3 }, circuitBreaker: { enable: true, rollback: true } });
    expect(brief(r.deployments)).toEqual(["PRIMARY A IN_PROGRESS run=2 failed=0", "ACTIVE B FAILED run=0 failed=3"]);
    expect(r.target).toEqual({ id: A, taskDefinition: "web:1" });
    expect(r.messages).toEqual([`(service web) deployment ${B} deployment failed: tasks failed to start.`, `(service web) rolling back to deployment ${A}.`]);
    expect(r.deployments[0]?.rolloutStateReason).toBe(`ECS deployment circuit breaker: rolling back to deployment ${A}.`);
  });

  it("after the rollback completes, the failed deployment is kept INACTIVE and is not retried while the spec still asks for it", () => {
    const rolled = step({ previous: [completed(A, "web:1", 2)], desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2), newFailures: { [B]: 3 }, circuitBreaker: { enable: true, rollback: true } });
    const done = step({ previous: rolled.deployments, desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2), circuitBreaker: { enable: true, rollback: true } });
    expect(brief(done.deployments)).toEqual(["PRIMARY A COMPLETED run=2 failed=0", "INACTIVE B FAILED run=0 failed=3"]);
    expect(done.target.id).toBe(A);
    const later = step({ previous: done.deployments, desired: { id: B, taskDefinition: "web:2", desiredCount: 2 }, tasks: tasks(A, 2), circuitBreaker: { enable: true, rollback: true } });
    expect(later.target.id).toBe(A);
    expect(later.messages).toEqual([]);
  });

  it("a new revision after a failure starts a new deployment again", () => {
    const C = "ecs-svc/3000000000000000003";
    const prev: ServiceDeploymentEntry[] = [completed(A, "web:1", 2), { id: B, status: "INACTIVE", taskDefinition: "web:2", rolloutState: "FAILED", failedTasks: 3 }];
    const r = step({ previous: prev, desired: { id: C, taskDefinition: "web:3", desiredCount: 2 }, tasks: tasks(A, 2) });
    expect(r.deployments.map((d) => [d.status, d.taskDefinition])).toEqual([["PRIMARY", "web:3"], ["ACTIVE", "web:1"], ["INACTIVE", "web:2"]]);
  });

  it("scaling a COMPLETED deployment changes desiredCount, not the deployment", () => {
    const r = step({ previous: [completed(A, "web:1", 2)], desired: { id: A, taskDefinition: "web:1", desiredCount: 5 }, tasks: tasks(A, 2, 3) });
    expect(r.deployments.map((d) => [d.status, d.rolloutState, d.desiredCount])).toEqual([["PRIMARY", "COMPLETED", 5]]);
    expect(r.steady).toBe(false);
  });

  it("updatedAt moves only when the entry changes", () => {
    const prev = [completed(A, "web:1", 2)];
    expect(step({ previous: prev, tasks: tasks(A, 2) }).deployments[0]?.updatedAt).toBe("2026-01-01T10:00:00Z");
    expect(step({ previous: prev, tasks: tasks(A, 1, 1) }).deployments[0]?.updatedAt).toBe("2026-01-01T12:00:00Z");
  });
});

/** A pod as the informer caches it: times are strings. */
type Pod = Wire<V1Pod>;
const pod = (status: Pod["status"], annotations: Record<string, string> = { "ecs.operator.dev/deployment-id": A }): Pod => ({ metadata: { uid: "u", name: "p", annotations }, status });
const running = (ready: boolean, startedAt = "2026-01-01T11:59:50Z"): Pod["status"] => ({
  phase: "Running",
  conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  containerStatuses: [{ name: "app", image: "x", imageID: "", ready, restartCount: 0, state: { running: { startedAt } } }],
});
const waiting = (reason: string): Pod["status"] => ({ phase: "Pending", containerStatuses: [{ name: "app", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason } } }] });

describe("observeTask", () => {
  it.each<[string, Pod, string, string | undefined]>([
    ["Running and Ready → running", pod(running(true)), "running", undefined],
    ["scheduled, not started → pending", pod({ phase: "Pending" }), "pending", undefined],
    ["ErrImagePull → failed, CannotPullContainerError", pod(waiting("ErrImagePull")), "failed", "CannotPullContainerError"],
    ["ImagePullBackOff → failed", pod(waiting("ImagePullBackOff")), "failed", "CannotPullContainerError"],
    ["CrashLoopBackOff → failed, essential container exited", pod(waiting("CrashLoopBackOff")), "failed", "Essential container in task exited"],
    ["a container terminated → failed", pod({ phase: "Running", containerStatuses: [{ name: "app", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 1 } } }] }), "failed", "exit code 1"],
    ["a container restarted → failed", pod({ phase: "Running", containerStatuses: [{ name: "app", image: "x", imageID: "", ready: true, restartCount: 1, lastState: { terminated: { exitCode: 137 } }, state: { running: {} } }] }), "failed", "exit code 137"],
    ["pod Failed → failed", pod({ phase: "Failed", reason: "Evicted" }), "failed", "Evicted"],
    ["unready within grace + 60 s → pending", pod(running(false)), "pending", undefined],
    ["unready past grace + 60 s → failed health checks", pod(running(false, "2026-01-01T11:58:00Z")), "failed", "health checks"],
  ])("%s", (_n, p, state, failure) => {
    const t = observeTask(p, now);
    expect(t.state).toBe(state);
    if (failure !== undefined) expect(t.failure).toContain(failure);
    expect(t.deploymentId).toBe(A);
  });

  it("a running task says how long it has been Ready (the Ready condition's lastTransitionTime)", () => {
    const status: Pod["status"] = { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T11:59:57Z" }] };
    expect(observeTask(pod(status), now).readyForSeconds).toBe(3);
    expect(observeTask(pod(running(true)), now).readyForSeconds).toBeUndefined();
  });

  it("healthCheckGracePeriodSeconds extends the time an unready task is given", () => {
    expect(observeTask(pod(running(false, "2026-01-01T11:58:00Z")), now, { healthCheckGracePeriodSeconds: 300 }).state).toBe("pending");
  });

  it("a pod being deleted is stopping, whatever its containers say", () => {
    expect(observeTask({ metadata: { deletionTimestamp: now }, status: waiting("ErrImagePull") }, now).state).toBe("stopping");
  });
});

// ECS API reference, ContainerDefinition.essential: "If the essential parameter of a container is marked as false, then
// its failure does not affect the rest of the containers in a task."
describe("observeTask: only essential containers fail a service task", () => {
  const mappings = JSON.stringify([
    { name: "app", container: "app", essential: true, role: "container" },
    { name: "log-router", container: "log-router", essential: false, role: "container" },
    { name: "envoy", container: "envoy", essential: true, role: "sidecar" },
  ]);
  const withMappings = (status: Pod["status"]): Pod => pod(status, { "ecs.operator.dev/deployment-id": A, "ecs.operator.dev/containers": mappings });
  type Cs = NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>[number];
  const up = (name: string): Cs => ({ name, image: "x", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: "2026-01-01T11:59:50Z" } } });
  const crashed = (name: string, code = 1): Cs => ({ name, image: "x", imageID: "", ready: false, restartCount: 1, lastState: { terminated: { exitCode: code } }, state: { waiting: { reason: "CrashLoopBackOff" } } });
  const exited = (name: string, code = 0): Cs => ({ name, image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: code } } });
  // The pod's Ready condition goes False when any container is not ready; the task's health is its essential containers'.
  const podStatus = (containers: Cs[], sidecars: Cs[] = [up("envoy")]): Pod["status"] => ({
    phase: "Running",
    conditions: [{ type: "Ready", status: containers.every((c) => c.ready) && sidecars.every((c) => c.ready) ? "True" : "False" }],
    containerStatuses: containers,
    initContainerStatuses: sidecars,
  });
  it.each<[string, Pod, string, string | undefined]>([
    ["non-essential log-router exited 0: the task stays RUNNING", withMappings(podStatus([up("app"), exited("log-router")])), "running", undefined],
    ["non-essential log-router exited 1 and crash loops: the task stays RUNNING", withMappings(podStatus([up("app"), crashed("log-router")])), "running", undefined],
    ["essential app crash loops: the task failed (Essential container in task exited)", withMappings(podStatus([crashed("app"), up("log-router")])), "failed", "Essential container in task exited: container app"],
    ["essential app exited: the task failed", withMappings(podStatus([exited("app", 2), up("log-router")])), "failed", "exit code 2"],
    ["essential sidecar envoy (a native sidecar) crash loops: the task failed", withMappings(podStatus([up("app"), up("log-router")], [crashed("envoy")])), "failed", "container envoy"],
    ["a non-essential container that cannot pull its image: the task cannot start (failed)", withMappings({ phase: "Pending", containerStatuses: [{ name: "log-router", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ErrImagePull" } } }] }), "failed", "CannotPullContainerError"],
    ["no container annotation (an older pod): every container counts as essential", pod(podStatus([up("app"), crashed("log-router")])), "failed", "container log-router"],
  ])("%s", (_n, p, state, failure) => {
    const t = observeTask(p, now);
    expect(t.state).toBe(state);
    if (failure !== undefined) expect(t.failure).toContain(failure);
  });

  it("a RUNNING task whose pod is unready only because of a non-essential container is healthy since its essential containers started", () => {
    const t = observeTask(withMappings(podStatus([up("app"), crashed("log-router")])), now);
    expect(t.readyForSeconds).toBe(10);
  });
});

// ECS API reference, DeploymentCircuitBreaker.resetOnHealthyTask: "When set to true, a task that reaches a healthy state
// resets the failure count to 0. When set to false, Amazon ECS does not reset the failure count. The default is true."
describe("computeDeployments: resetOnHealthyTask", () => {
  const inProgress = (failed: number): ServiceDeploymentEntry[] => [{ ...completed(A, "web:1", 2), rolloutState: "IN_PROGRESS", failedTasks: failed }];
  it.each<[string, boolean | undefined, Record<string, number>, Record<string, number>, number, string]>([
    ["default (true): a task that reached a healthy state resets 2 failures to 0", undefined, { [A]: 1 }, {}, 0, "IN_PROGRESS"],
    ["true: the reset comes first, a failure seen in the same step still counts", true, { [A]: 1 }, { [A]: 1 }, 1, "IN_PROGRESS"],
    ["false: failures keep adding up; the third trips the breaker", false, { [A]: 1 }, { [A]: 1 }, 3, "FAILED"],
    ["a healthy task of another deployment resets nothing", true, { [B]: 1 }, { [A]: 1 }, 3, "FAILED"],
    ["no healthy task: 2 + 1 failures trip the breaker", true, {}, { [A]: 1 }, 3, "FAILED"],
  ])("%s", (_n, reset, newlyHealthy, newFailures, failed, state) => {
    const r = step({ previous: inProgress(2), tasks: tasks(A, 1, 1), newlyHealthy, newFailures, circuitBreaker: { enable: true, rollback: false, resetOnHealthyTask: reset } });
    expect(r.deployments[0]).toMatchObject({ failedTasks: failed, rolloutState: state });
  });

  it("healthyTask: RUNNING for the stable window (a task Ready for a moment before it crashes was never healthy)", () => {
    const t = tasks(A, 1)[0];
    if (t === undefined) throw new Error("no task");
    expect(healthyTask({ ...t, readyForSeconds: 0.5 })).toBe(false);
    expect(healthyTask({ ...t, readyForSeconds: 5 })).toBe(true);
    expect(healthyTask({ ...t })).toBe(true);
    expect(healthyTask({ ...t, state: "pending" })).toBe(false);
  });
});

describe("childrenSettled", () => {
  const rolled = (name: string, replicas: number, over: Partial<ObservedChild> = {}): ObservedChild => ({
    kind: "Deployment", name, generation: 2, deploymentId: A, status: { observedGeneration: 2, replicas, updatedReplicas: replicas, availableReplicas: replicas }, ...over,
  });
  type Wanted = { kind: "Deployment" | "DaemonSet"; name: string; replicas: number };
  const want = (name: string, replicas: number): Wanted => ({ kind: "Deployment", name, replicas });
  it.each<[string, ObservedChild[], Wanted[], boolean]>([
    ["every Deployment rolled out with the deployment id", [rolled("web-fargate", 3), rolled("web-fargate-spot", 6)], [want("web-fargate", 3), want("web-fargate-spot", 6)], true],
    ["a Deployment still running another deployment id", [rolled("web-fargate", 3, { deploymentId: B })], [want("web-fargate", 3)], false],
    ["generation not observed yet", [rolled("web-fargate", 3, { generation: 3 })], [want("web-fargate", 3)], false],
    ["old replicas still up (replicas above the share)", [rolled("web-fargate", 3, { status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 } })], [want("web-fargate", 3)], false],
    // Whether the tasks are healthy is observeTask's (essential containers only), checked by computeDeployments.
    ["a replica the Deployment counts unavailable (a non-essential container not ready) does not unsettle it", [rolled("web-fargate", 3, { status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 } })], [want("web-fargate", 3)], true],
    ["a wanted Deployment missing", [], [want("web-fargate", 3)], false],
    ["an obsolete Deployment left (strategy change)", [rolled("web-fargate", 3), rolled("web-ec2", 3)], [want("web-fargate", 3)], false],
    ["a share of 0 with no status is settled", [rolled("web-fargate", 0, { status: { observedGeneration: 2 } })], [want("web-fargate", 0)], true],
    [
      "a DaemonSet with every node's task updated and available",
      [{ kind: "DaemonSet", name: "agent-ec2", generation: 1, deploymentId: A, status: { observedGeneration: 1, desiredNumberScheduled: 5, updatedNumberScheduled: 5, numberAvailable: 5 } }],
      [{ kind: "DaemonSet", name: "agent-ec2", replicas: 0 }],
      true,
    ],
  ])("%s", (_n, children, wanted, expected) => {
    expect(childrenSettled(children, wanted, A)).toBe(expected);
  });
});

describe("unschedulableReason", () => {
  it("gives the scheduler's message of an unschedulable pod", () => {
    expect(unschedulableReason({ status: { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/9 nodes are available" }] } })).toBe("0/9 nodes are available");
  });
  it("nothing for a scheduled pod or one being deleted", () => {
    expect(unschedulableReason({ spec: { nodeName: "n", containers: [] }, status: {} })).toBeUndefined();
    expect(unschedulableReason({ metadata: { deletionTimestamp: now }, status: { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] } })).toBeUndefined();
  });
});
