// Service status: counts, Ready/Reconciling/Stalled, the steady-state event once, bounded events newest first.
import { describe, expect, it } from "vitest";
import type { ServiceStatus } from "../../../src/api/service.ts";
import { appendServiceEvents, MAX_SERVICE_EVENTS } from "../../../src/builders/service/events.ts";
import type { RolloutResult, ServiceDeploymentEntry } from "../../../src/builders/service/rollout.ts";
import { computeServiceStatus, newEventMessages, serviceUnsupportedFields } from "../../../src/builders/service/status.ts";

const now = new Date("2026-01-01T12:00:00.123Z");
const A = "ecs-svc/1000000000000000001";
const dep = (over: Partial<ServiceDeploymentEntry>): ServiceDeploymentEntry => ({ id: A, status: "PRIMARY", taskDefinition: "web:1", desiredCount: 2, runningCount: 2, pendingCount: 0, rolloutState: "COMPLETED", ...over });
const rollout = (deployments: ServiceDeploymentEntry[], steady: boolean, messages: string[] = []): RolloutResult => ({ deployments, target: { id: A, taskDefinition: "web:1" }, messages, events: [], steady });
const status = (r: RolloutResult, previous?: ServiceStatus, over: { draining?: boolean; extraMessages?: string[]; unsupported?: { field: string; reason: string }[]; unplaceable?: string } = {}) =>
  computeServiceStatus({ previous, generation: 4, serviceName: "web", clusterName: "default", desiredCount: 2, rollout: r, selector: "ecs.operator.dev/service=web", now, ...over });
const cond = (s: ServiceStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe("computeServiceStatus", () => {
  it("steady: Ready=True SteadyState, counts summed over deployments, selector and observedGeneration set", () => {
    const s = status(rollout([dep({})], true));
    expect(s).toMatchObject({ observedGeneration: 4, status: "ACTIVE", desiredCount: 2, runningCount: 2, pendingCount: 0, taskDefinition: "web:1", selector: "ecs.operator.dev/service=web" });
    expect(cond(s, "Ready")).toMatchObject({ status: "True", reason: "SteadyState" });
    expect(cond(s, "Reconciling")?.status).toBe("False");
  });

  it("the steady-state event is written when Ready turns True, not on every resync", () => {
    const first = status(rollout([dep({})], true));
    expect(first.events?.map((e) => e.message)).toEqual(["(service web) has reached a steady state."]);
    const again = status(rollout([dep({})], true), first);
    expect(again).toEqual(first);
  });

  it("rolling: Ready=False, Reconciling=True DeploymentInProgress", () => {
    const s = status(rollout([dep({ rolloutState: "IN_PROGRESS", runningCount: 1, pendingCount: 1 })], false));
    expect(cond(s, "Ready")?.status).toBe("False");
    expect(cond(s, "Reconciling")).toMatchObject({ status: "True", reason: "DeploymentInProgress" });
    expect(s.pendingCount).toBe(1);
  });

  it("rolling back: Reconciling=True RollingBack", () => {
    const s = status(rollout([dep({ rolloutState: "IN_PROGRESS", rolloutStateReason: `ECS deployment circuit breaker: rolling back to deployment ${A}.` })], false));
    expect(cond(s, "Reconciling")).toMatchObject({ status: "True", reason: "RollingBack" });
  });

  it("FAILED without rollback: Stalled=True DeploymentFailed", () => {
    const s = status(rollout([dep({ rolloutState: "FAILED", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start." })], false));
    expect(cond(s, "Stalled")).toMatchObject({ status: "True", reason: "DeploymentFailed" });
  });

  it("draining: status DRAINING, Reconciling=True Draining, one draining event", () => {
    const s = status(rollout([dep({})], true), undefined, { draining: true });
    expect(s.status).toBe("DRAINING");
    expect(cond(s, "Reconciling")).toMatchObject({ status: "True", reason: "Draining" });
    expect(s.events?.map((e) => e.message)).toEqual(["(service web) is draining: stopping its tasks before the service is deleted."]);
  });

  it("events: rollout messages then extra ones, newest first; newEventMessages gives them oldest first", () => {
    const s = status(rollout([dep({ rolloutState: "IN_PROGRESS" })], false, ["one", "two"]), undefined, { extraMessages: ["three"] });
    expect(s.events?.map((e) => e.message)).toEqual(["three", "two", "one"]);
    expect(s.events?.[0]).toMatchObject({ createdAt: "2026-01-01T12:00:00Z", id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-/) as unknown });
    expect(newEventMessages(undefined, s)).toEqual(["one", "two", "three"]);
  });
});

describe("appendServiceEvents", () => {
  it(`keeps at most ${MAX_SERVICE_EVENTS}, dropping the oldest`, () => {
    let events = appendServiceEvents(undefined, Array.from({ length: 90 }, (_, i) => `old ${i}`), now);
    events = appendServiceEvents(events, Array.from({ length: 20 }, (_, i) => `new ${i}`), new Date("2026-01-01T12:01:00Z"));
    expect(events).toHaveLength(MAX_SERVICE_EVENTS);
    expect(events[0]?.message).toBe("new 19");
    expect(events.at(-1)?.message).toBe("old 10");
  });

  it("ids are unique per message and time", () => {
    const e = appendServiceEvents(undefined, ["a", "a"], now);
    expect(e[0]?.id).not.toBe(e[1]?.id);
  });
});

describe("Supported condition", () => {
  it("True when every field is mapped", () => {
    expect(cond(status(rollout([dep({})], true)), "Supported")).toMatchObject({ status: "True", reason: "AllFieldsSupported" });
  });

  it("False listing each field and why", () => {
    const s = status(rollout([dep({})], true), undefined, { unsupported: [{ field: "spec.networkConfiguration", reason: "not mapped" }] });
    expect(cond(s, "Supported")).toMatchObject({ status: "False", reason: "UnsupportedFields", message: "accepted but not mapped to Kubernetes: spec.networkConfiguration (not mapped)" });
  });

  it.each<[string, Parameters<typeof serviceUnsupportedFields>[0], string[]]>([
    ["a plain service: nothing", { taskDefinition: "web" }, []],
    ["BLUE_GREEN is mapped (traffic-shift.ts): nothing", { deploymentConfiguration: { strategy: "BLUE_GREEN" } }, []],
    ["BLUE_GREEN on a DAEMON service rolls", { schedulingStrategy: "DAEMON", deploymentConfiguration: { strategy: "BLUE_GREEN" } }, ["spec.deploymentConfiguration.strategy"]],
    ["bakeTimeInMinutes with ROLLING: nothing bakes", { deploymentConfiguration: { strategy: "ROLLING", bakeTimeInMinutes: 5 } }, ["spec.deploymentConfiguration.bakeTimeInMinutes"]],
    ["bakeTimeInMinutes with CANARY is mapped", { deploymentConfiguration: { strategy: "CANARY", bakeTimeInMinutes: 5 } }, []],
    ["ROLLING is mapped", { deploymentConfiguration: { strategy: "ROLLING" } }, []],
    ["alarms enabled are not watched", { deploymentConfiguration: { alarms: { alarmNames: ["a"], enable: true, rollback: true } } }, ["spec.deploymentConfiguration.alarms"]],
    ["awsvpc networkConfiguration is not mapped", { networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }, ["spec.networkConfiguration"]],
    ["propagateTags is mapped (pod annotations)", { propagateTags: "SERVICE" }, []],
    ["100 / 100 leaves no room to replace a task: one above maximumPercent, said", { desiredCount: 4, deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 100 } }, ["spec.deploymentConfiguration.maximumPercent"]],
    ["maximumPercent below 100 is held only as far as tasks may stop first, said", { desiredCount: 4, deploymentConfiguration: { maximumPercent: 50, minimumHealthyPercent: 0 } }, ["spec.deploymentConfiguration.maximumPercent"]],
    ["50 / 100 is held exactly: nothing", { desiredCount: 3, deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 50 } }, []],
    ["DAEMON (maximumPercent is 100 by admission): nothing", { schedulingStrategy: "DAEMON", deploymentConfiguration: { minimumHealthyPercent: 100 } }, []],
  ])("serviceUnsupportedFields: %s", (_n, spec, fields) => {
    expect(serviceUnsupportedFields(spec).map((u) => u.field)).toEqual(fields);
  });
});

describe("unable to place", () => {
  const pending = rollout([dep({ rolloutState: "IN_PROGRESS", runningCount: 0, pendingCount: 2 })], false);
  const msg = "(service web) was unable to place a task because no container instance met all of its requirements. Reason: 0/9 nodes are available";
  it("is written once per episode, not on every resync", () => {
    const first = status(pending, undefined, { unplaceable: "0/9 nodes are available" });
    expect(first.events?.map((e) => e.message)).toEqual([msg]);
    expect(status(pending, first, { unplaceable: "0/9 nodes are available" }).events).toEqual(first.events);
  });
  it("is written again after the service was steady in between", () => {
    const first = status(pending, undefined, { unplaceable: "0/9 nodes are available" });
    const steadyAgain = status(rollout([dep({})], true), first);
    const again = status(pending, steadyAgain, { unplaceable: "0/9 nodes are available" });
    expect(again.events?.[0]?.message).toBe(msg);
    expect(again.events).toHaveLength(3);
  });
});
