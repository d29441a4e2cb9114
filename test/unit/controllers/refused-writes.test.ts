// Writes the API server refuses: what a refusal becomes for the owner (runtime/apply.ts), a Task whose pod is refused
// (STOPPED, TaskFailedToStart), a Service whose ReplicaSet cannot create pods (failed launches counted toward the
// circuit breaker, an ECS event), and status that never copies unknown input.
import { describe, expect, it } from "vitest";
import { SpecError } from "../../../src/api/spec-error.ts";
import { MAX_SERVICE_EVENT_MESSAGE_CHARS, appendServiceEvents } from "../../../src/builders/service/events.ts";
import { planService } from "../../../src/controllers/service/plan.ts";
import { planTask } from "../../../src/controllers/task/plan.ts";
import { lookupOf, resolveTaskDefinitionRef } from "../../../src/controllers/task-definition/resolver.ts";
import { resolveCapacity } from "../../../src/builders/capacity/resolution.ts";
import type { TaskDefinitionObject } from "../../../src/controllers/task-definition/resources.ts";
import type { TaskObject } from "../../../src/controllers/ecs-resources.ts";
import { buildControllerRevision, normalizeRevisionSpec } from "../../../src/builders/task-definition/revision.ts";
import { ApiRequestError } from "../../../src/runtime/api-request.ts";
import { MAX_REFUSAL_MESSAGE_CHARS, refusalOf, RefusalReason, TransientRefusal, writeChild } from "../../../src/runtime/apply.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";
import { aDeployment, aService, dep, fargate, NOW, observing, settled } from "./service-plan-fixtures.ts";

const status = (code: number, reason: string, message: string): ApiRequestError => new ApiRequestError(code, reason, `PATCH /x: HTTP ${code}: ${message}`, { kind: "Status", code, reason, message });

describe("refusalOf: what a refused child write is for its owner", () => {
  it.each([
    {
      name: "422 Invalid (an env name Kubernetes refuses) → Stalled ChildInvalid, quoting the API server's field",
      err: status(422, "Invalid", 'Deployment.apps "web-fargate" is invalid: spec.template.spec.containers[0].env[0].name: Invalid value: "JAVA_OPTS=1": a valid environment variable name must consist only of printable ASCII characters other than \'=\''),
      want: { type: SpecError, reason: RefusalReason.ChildInvalid, contains: ["Deployment web-fargate was refused by the API server (HTTP 422 Invalid)", "spec.template.spec.containers[0].env[0].name"] },
    },
    {
      name: "403 Pod Security → Stalled ChildForbidden",
      err: status(403, "Forbidden", 'pods "migrate-0" is forbidden: violates PodSecurity "restricted:latest": privileged (container "app" must not set securityContext.privileged=true)'),
      want: { type: SpecError, reason: RefusalReason.ChildForbidden, contains: ["violates PodSecurity", "HTTP 403 Forbidden"] },
    },
    {
      name: "403 exceeded quota → TransientRefusal QuotaExceeded (Ready=False, retried)",
      err: status(403, "Forbidden", 'pods "web-0" is forbidden: exceeded quota: compute, requested: cpu=1, used: cpu=4, limited: cpu=4'),
      want: { type: TransientRefusal, reason: RefusalReason.QuotaExceeded, contains: ["waits for quota", "exceeded quota"] },
    },
    {
      name: "413 → Stalled ChildTooLarge",
      err: status(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"),
      want: { type: SpecError, reason: RefusalReason.ChildTooLarge, contains: ["too large"] },
    },
    {
      name: "400 from a webhook → Stalled ChildRefused",
      err: status(400, "BadRequest", 'admission webhook "policy.example.com" denied the request: images must come from registry.example.com'),
      want: { type: SpecError, reason: RefusalReason.ChildRefused, contains: ["denied the request"] },
    },
  ])("$name", ({ err, want }) => {
    const r = refusalOf(err, err.message.includes("pods") ? "Pod" : "Deployment", err.message.includes("pods") ? "migrate-0" : "web-fargate");
    expect(r).toBeInstanceOf(want.type);
    expect(r?.conditionReason).toBe(want.reason);
    for (const c of want.contains) expect(r?.message).toContain(c);
  });

  it.each([
    ["409 Conflict", status(409, "AlreadyExists", "exists")],
    ["500 from an API server restarting", status(500, "InternalError", "etcd leader changed")],
    ["a network error", new Error("connect ECONNREFUSED")],
  ])("%s is no refusal: retried with backoff", (_, err) => {
    expect(refusalOf(err, "Deployment", "web")).toBeUndefined();
  });

  it("quotes a long message clipped to its bound, saying how much was left out", () => {
    const r = refusalOf(status(422, "Invalid", `x: Invalid value: "${"v".repeat(1_000_000)}"`), "Deployment", "web");
    expect(r?.message.length).toBeLessThan(MAX_REFUSAL_MESSAGE_CHARS + 200);
    expect(r?.message).toMatch(/more characters\)$/);
  });

  it("writeChild passes through what is no refusal, and turns a refusal into the owner's error", async () => {
    await expect(writeChild("Pod", "p", () => Promise.resolve(7))).resolves.toBe(7);
    await expect(writeChild("Pod", "p", () => Promise.reject(status(500, "InternalError", "boom")))).rejects.toBeInstanceOf(ApiRequestError);
    await expect(writeChild("Pod", "p", () => Promise.reject(status(422, "Invalid", "bad")))).rejects.toBeInstanceOf(SpecError);
  });
});

// ---------------------------------------------------------------- Task: a refused pod

const T0 = new Date("2026-03-01T10:00:00Z");
function aTaskWorld(): { task: TaskObject; observed: Parameters<typeof planTask>[0] } {
  const spec = { family: "batch", containerDefinitions: [{ name: "app", image: "registry.example.com/app:1", memory: 256, privileged: true }] } as unknown as TaskDefinitionObject["spec"];
  const td: TaskDefinitionObject = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "batch", namespace: "jobs", uid: "td-uid" }, spec };
  const rev = buildControllerRevision({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", name: "batch", namespace: "jobs", uid: "td-uid" }, "batch", 1, normalizeRevisionSpec(spec, "batch"));
  const task: TaskObject = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Task", metadata: { name: "migrate", namespace: "jobs", uid: "task-uid", generation: 1 }, spec: { taskDefinition: "batch", count: 2 } };
  return {
    task,
    observed: {
      task,
      written: undefined,
      taskDefinition: resolveTaskDefinitionRef("batch", "jobs", lookupOf([td], [rev])),
      capacity: resolveCapacity("jobs", task.spec, undefined, []),
      pods: [],
      nodes: TEST_NODES.map(buildNode),
    },
  };
}
const OPTIONS = { ttlSecondsAfterStopped: 3600, recheckMs: 30_000 };
const REFUSAL = 'Pod migrate-0 was refused by the API server (HTTP 403 Forbidden): pods "migrate-0" is forbidden: violates PodSecurity "restricted:latest": privileged';

describe("a Task whose pod the API server refuses", () => {
  it("first creates its pods; a refused one is STOPPED with TaskFailedToStart quoting the refusal, and not created again", () => {
    const { observed } = aTaskWorld();
    const first = planTask(observed, T0, OPTIONS);
    expect(first.creates.map((c) => c.pod.metadata.name)).toEqual(["migrate-0", "migrate-1"]);

    const second = planTask({ ...observed, written: first.status, refused: { "migrate-0": REFUSAL } }, T0, OPTIONS);
    expect(second.creates.map((c) => c.pod.metadata.name)).toEqual(["migrate-1"]);
    const refused = second.status?.tasks?.find((t) => t.podName === "migrate-0");
    expect(refused).toMatchObject({ lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "TaskFailedToStart", stoppedReason: `ResourceInitializationError: ${REFUSAL}` });
    expect(second.writeStatus).toBe(true);

    // Once written, the stop code is the memory: no refusal handed in, still no create.
    const third = planTask({ ...observed, written: second.status }, T0, OPTIONS);
    expect(third.creates.map((c) => c.pod.metadata.name)).toEqual(["migrate-1"]);
    expect(third.status?.tasks?.find((t) => t.podName === "migrate-0")?.stopCode).toBe("TaskFailedToStart");
  });

  it("every pod refused: the Task is STOPPED with TaskFailedToStart", () => {
    const { observed } = aTaskWorld();
    const first = planTask(observed, T0, OPTIONS);
    const second = planTask({ ...observed, written: first.status, refused: { "migrate-0": REFUSAL, "migrate-1": REFUSAL } }, T0, OPTIONS);
    expect(second.creates).toEqual([]);
    expect(second.status).toMatchObject({ lastStatus: "STOPPED", stopCode: "TaskFailedToStart" });
    expect(second.status?.stoppedReason).toContain("violates PodSecurity");
  });
});

// ---------------------------------------------------------------- Service: FailedCreate

const cb = { enable: true, rollback: false };

/** The Deployment the plan applies, as the API server holds it when its ReplicaSet cannot create pods. */
function refusedDeployment(since: Date, replicas = 2): KubeObject {
  const plan = planService(observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] })), NOW);
  const applied = plan.applies.find((a) => a.object.kind === "Deployment")?.object;
  if (applied === undefined) throw new Error("the plan applies no Deployment");
  const d = settled({ ...applied, metadata: { ...applied.metadata, uid: "uid-deploy" } }, {
    replicas: 0,
    conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: 'pods "web-fargate-abc-" is forbidden: violates PodSecurity "restricted:latest": privileged', lastUpdateTime: since.toISOString(), lastTransitionTime: since.toISOString() }],
  });
  return { ...d, spec: { ...(d as { spec?: object }).spec, replicas } } as KubeObject;
}

describe("a Service whose ReplicaSet cannot create pods (FailedCreate)", () => {
  it("counts every missing task as a failed launch once per recheck, reports it as ECS does, and trips the circuit breaker", () => {
    const since = new Date(NOW.getTime() - 1_000);
    const observed = observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] }), { children: [refusedDeployment(since)] });
    const first = planService(observed, NOW, { progressRecheckMs: 10_000 });
    expect(first.status?.deployments?.find((d) => d.id === dep(2))).toMatchObject({ rolloutState: "IN_PROGRESS", failedTasks: 2 });
    expect(first.events.map((e) => `${e.type} ${e.reason}`)).toContain("Warning TaskFailedToStart");
    expect(first.status?.events?.[0]?.message).toMatch(/^\(service web\) failed to launch a task with \(error ResourceInitializationError: FailedCreate: pods .* violates PodSecurity/);

    // The same round again (a watch event, a resync): nothing counted twice.
    const again = planService({ ...observed, service: { ...observed.service, status: first.status }, memory: first.memory }, NOW, { progressRecheckMs: 10_000 });
    expect(again.status?.deployments?.find((d) => d.id === dep(2))?.failedTasks).toBe(2);

    // The next round: two more failed launches, the threshold (3) is passed, the deployment FAILED.
    const later = new Date(NOW.getTime() + 10_000);
    const next = planService({ ...observed, service: { ...observed.service, status: first.status }, memory: first.memory }, later, { progressRecheckMs: 10_000 });
    expect(next.status?.deployments?.find((d) => d.id === dep(2))).toMatchObject({ rolloutState: "FAILED", failedTasks: 4 });
    expect(next.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "True", reason: "DeploymentFailed" });
  });

  it("a Deployment without ReplicaFailure counts nothing", () => {
    const d = refusedDeployment(NOW);
    (d as { status: { conditions: unknown[] } }).status.conditions = [];
    const plan = planService(observing(aService({ revision: 2, circuitBreaker: cb, deployments: [aDeployment(2, "PRIMARY", "IN_PROGRESS")] }), { children: [d] }), NOW);
    expect(plan.status?.deployments?.find((x) => x.id === dep(2))?.failedTasks ?? 0).toBe(0);
  });
});

describe("status never carries unbounded input", () => {
  it("an unknown field inside a capacityProviderStrategy item (1 MiB of it) is not copied into status.deployments", () => {
    const huge = "x".repeat(1024 * 1024);
    const item = { ...fargate(), futureField: huge } as ReturnType<typeof fargate>;
    const plan = planService(observing(aService({ strategy: [item], deployments: [] })), NOW);
    const strategy = plan.status?.deployments?.[0]?.capacityProviderStrategy;
    expect(strategy).toEqual([{ capacityProvider: "FARGATE", weight: 1 }]);
    expect(JSON.stringify(plan.status).length).toBeLessThan(64 * 1024);
  });

  it("status.events messages are cut to their bound", () => {
    const events = appendServiceEvents(undefined, ["m".repeat(100_000)], NOW);
    expect(events[0]?.message?.length).toBeLessThanOrEqual(MAX_SERVICE_EVENT_MESSAGE_CHARS + 30);
  });
});
