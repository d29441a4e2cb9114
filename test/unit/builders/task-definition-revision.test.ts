// Revision numbering, pruning, the checks CEL cannot make, the status, and task definition references.
import { describe, expect, it } from "vitest";
import type { TaskDefinitionSpec } from "../../../src/api/index.ts";
import { checkTaskDefinitionSpec, findDependsOnCycle } from "../../../src/builders/task-definition/checks.ts";
import { parseTaskDefinitionRef } from "../../../src/builders/task-definition/ref.ts";
import {
  buildControllerRevision,
  controllerRevisionName,
  familyLabelValue,
  needsNewRevision,
  nextRevisionNumber,
  normalizeRevisionSpec,
  pruningBlocked,
  revisionHash,
  revisionsToPrune,
  selectRevision,
  type RevisionRecord,
} from "../../../src/builders/task-definition/revision.ts";
import { compatibilities, computeTaskDefinitionStatus } from "../../../src/builders/task-definition/status.ts";

const container = (name: string, fields: Record<string, unknown> = {}) => ({ name, image: `example.com/${name}:1`, ...fields });
const aSpec = (fields: Record<string, unknown> = {}): TaskDefinitionSpec => ({ family: "web", containerDefinitions: [container("app", { memory: 256 })], ...fields });
const rev = (revision: number, hash = `h${revision}`): RevisionRecord => ({ revision, hash, name: `web-${revision}`, registeredAt: `2026-01-0${Math.min(revision, 9)}T00:00:00Z` });
const revs = (...numbers: number[]) => numbers.map((n) => rev(n));
const now = new Date("2026-11-21T12:00:00.123Z");

describe("what a revision holds", () => {
  it("the family is filled in and task cpu/memory are normalised as ECS stores them", () => {
    const n = normalizeRevisionSpec(aSpec({ family: undefined, cpu: "1 vCPU", memory: "2 GB" }), "web");
    expect(n).toMatchObject({ family: "web", cpu: "1024", memory: "2048" });
  });

  it("read-only export fields and the revision bookkeeping knobs do not define a revision", () => {
    const plain = normalizeRevisionSpec(aSpec(), "web");
    const noisy = normalizeRevisionSpec(
      aSpec({ taskDefinitionArn: "arn:aws:ecs:eu-west-1:1:task-definition/web:7", revision: 7, status: "ACTIVE", kubernetes: { revisionHistoryLimit: 3, deregisteredRevisions: [1] } }),
      "web",
    );
    expect(noisy).toEqual(plain);
    expect(revisionHash(noisy)).toBe(revisionHash(plain));
  });

  it("other spec.kubernetes settings change the pods, so they do define a revision", () => {
    const a = normalizeRevisionSpec(aSpec(), "web");
    const b = normalizeRevisionSpec(aSpec({ kubernetes: { podLabels: { team: "a" }, revisionHistoryLimit: 3 } }), "web");
    expect(b.kubernetes).toEqual({ podLabels: { team: "a" } });
    expect(revisionHash(b)).not.toBe(revisionHash(a));
  });

  it("the hash ignores key order and differs for a different spec", () => {
    expect(revisionHash({ a: 1, b: { c: 2, d: 3 } })).toBe(revisionHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(revisionHash({ a: 1 })).not.toBe(revisionHash({ a: 2 }));
    expect(revisionHash({ a: 1 })).toMatch(/^[0-9a-f]{16}$/);
  });

  it("cpu written as units or vCPUs registers the same revision", () => {
    expect(revisionHash(normalizeRevisionSpec(aSpec({ cpu: 1024 }), "web"))).toBe(revisionHash(normalizeRevisionSpec(aSpec({ cpu: "1 vcpu" }), "web")));
  });
});

describe("numbering", () => {
  it("the first revision is 1", () => {
    expect(nextRevisionNumber([])).toBe(1);
  });
  it("the next revision is one past the highest, gaps left by pruning are not refilled", () => {
    expect(nextRevisionNumber(revs(1, 2, 3))).toBe(4);
    expect(nextRevisionNumber(revs(7, 9))).toBe(10);
  });
  it("a number known from status.revision is never reused, even when its revision was deleted", () => {
    expect(nextRevisionNumber(revs(1, 2), 5)).toBe(6);
  });
  it("a spec equal to the latest revision's registers nothing", () => {
    expect(needsNewRevision([rev(1, "a"), rev(2, "b")], "b")).toBe(false);
  });
  it("a changed spec registers a new revision, also when it equals an older one (like RegisterTaskDefinition)", () => {
    expect(needsNewRevision([rev(1, "a"), rev(2, "b")], "a")).toBe(true);
    expect(needsNewRevision([], "a")).toBe(true);
  });
});

describe("pruning", () => {
  const nothingInUse = () => false;
  it("keeps the newest `limit` revisions and prunes the rest, oldest first", () => {
    expect(revisionsToPrune(revs(1, 2, 3, 4, 5), 2, nothingInUse).map((r) => r.revision)).toEqual([1, 2, 3]);
  });
  it("prunes nothing within the limit", () => {
    expect(revisionsToPrune(revs(1, 2, 3), 3, nothingInUse)).toEqual([]);
  });
  it("never prunes a revision in use", () => {
    const inUse = (n: number) => n === 2;
    expect(revisionsToPrune(revs(1, 2, 3, 4), 1, inUse).map((r) => r.revision)).toEqual([1, 3]);
    expect(pruningBlocked(revs(1, 2, 3, 4), 1, inUse)).toBe(true);
    expect(pruningBlocked(revs(1, 2, 3, 4), 3, inUse)).toBe(false);
  });
  it("never prunes the latest revision, whatever the limit", () => {
    expect(revisionsToPrune(revs(3, 1, 2), 0, nothingInUse).map((r) => r.revision)).toEqual([1, 2]);
  });
});

describe("checks the API server cannot make (Stalled)", () => {
  it("a dependsOn cycle of three containers names dependsOn and the containers", () => {
    const spec = aSpec({
      containerDefinitions: [
        container("a", { memory: 64, dependsOn: [{ containerName: "b", condition: "START" }] }),
        container("b", { memory: 64, dependsOn: [{ containerName: "c", condition: "START" }] }),
        container("c", { memory: 64, dependsOn: [{ containerName: "a", condition: "START" }] }),
      ],
    });
    const [p, ...rest] = checkTaskDefinitionSpec(spec);
    expect(rest).toEqual([]);
    expect(p?.reason).toBe("DependsOnCycle");
    expect(p?.path).toBe("spec.containerDefinitions[0].dependsOn");
    expect(p?.message).toContain('"a" → "b" → "c" → "a"');
  });

  it("a dependency chain without a cycle is fine", () => {
    const containers = [container("a", { dependsOn: [{ containerName: "b", condition: "START" }] }), container("b", { dependsOn: [{ containerName: "c", condition: "START" }] }), container("c")];
    expect(findDependsOnCycle(containers as TaskDefinitionSpec["containerDefinitions"])).toBeUndefined();
  });

  it("container cpu adding up to more than the task cpu names spec.cpu", () => {
    const spec = aSpec({ cpu: "512", containerDefinitions: [container("a", { cpu: 256, memory: 64 }), container("b", { cpu: 512, memory: 64 })] });
    const [p] = checkTaskDefinitionSpec(spec);
    expect(p?.path).toBe("spec.containerDefinitions");
    expect(p?.message).toContain("adds up to 768 units, more than the task's spec.cpu (512)");
  });

  it("a container memory limit above the task memory names the container's memory field", () => {
    const spec = aSpec({ memory: "0.5 GB", containerDefinitions: [container("a", { memory: 1024 })] });
    const problems = checkTaskDefinitionSpec(spec);
    expect(problems.map((p) => p.path)).toContain("spec.containerDefinitions[0].memory");
    expect(problems[0]?.message).toContain('container "a" has a memory limit of 1024 MiB, more than the task\'s spec.memory (512 MiB)');
  });

  it("memory reservations adding up to more than the task memory are refused", () => {
    const spec = aSpec({ memory: 512, containerDefinitions: [container("a", { memoryReservation: 300 }), container("b", { memoryReservation: 300 })] });
    expect(checkTaskDefinitionSpec(spec).map((p) => p.message).join()).toContain("reserve 600 MiB");
  });

  it("a task within its size has no problems", () => {
    expect(checkTaskDefinitionSpec(aSpec({ cpu: "1 vCPU", memory: "2 GB", containerDefinitions: [container("a", { cpu: 512, memory: 1024 }), container("b", { cpu: 512, memoryReservation: 1024 })] }))).toEqual([]);
  });
});

describe("status", () => {
  const status = (fields: Partial<Parameters<typeof computeTaskDefinitionStatus>[0]> = {}) =>
    computeTaskDefinitionStatus({ generation: 3, family: "web", spec: aSpec(), revisions: revs(1, 2, 3), unsupportedFields: [], previous: undefined, now, ...fields });

  it("names the latest revision as family:N, ACTIVE, Ready", () => {
    const s = status();
    expect(s).toMatchObject({ family: "web", revision: 3, status: "ACTIVE", taskDefinitionArn: "web:3", registeredAt: "2026-01-03T00:00:00Z", observedGeneration: 3 });
    expect(s.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "RevisionRegistered", message: "revision web:3 is registered" });
    expect(s.conditions?.find((c) => c.type === "Stalled")?.status).toBe("False");
  });

  it("lists the kept revisions oldest first with number, status and registeredAt", () => {
    expect(status({ revisions: [rev(3), rev(1), rev(2)] }).revisions?.map((r) => [r.revision, r.status, r.controllerRevision])).toEqual([
      [1, "ACTIVE", "web-1"],
      [2, "ACTIVE", "web-2"],
      [3, "ACTIVE", "web-3"],
    ]);
  });

  it("a deregistered revision is INACTIVE from the moment it is deregistered, and that moment stays put", () => {
    const spec = aSpec({ kubernetes: { deregisteredRevisions: [2] } });
    const first = status({ spec });
    const two = first.revisions?.find((r) => r.revision === 2);
    expect(two).toMatchObject({ status: "INACTIVE", deregisteredAt: "2026-11-21T12:00:00Z" });
    const later = status({ spec, previous: first, now: new Date("2026-11-22T00:00:00Z") });
    expect(later).toEqual(first);
  });

  it("deregistering the latest revision makes the TaskDefinition INACTIVE", () => {
    expect(status({ spec: aSpec({ kubernetes: { deregisteredRevisions: [3] } }) }).status).toBe("INACTIVE");
  });

  it("unknown fields set Supported=False listing them; the object stays Ready", () => {
    const s = status({ unsupportedFields: [{ field: "spec.platformFamily", reason: "not a RegisterTaskDefinition field" }, "spec.containerDefinitions[0].fooBar"] });
    expect(s.conditions?.find((c) => c.type === "Supported")).toMatchObject({
      status: "False",
      reason: "UnsupportedFields",
      message: "accepted but not mapped to Kubernetes: spec.platformFamily (not a RegisterTaskDefinition field); spec.containerDefinitions[0].fooBar",
    });
    expect(s.unsupportedFields).toEqual(["spec.platformFamily", "spec.containerDefinitions[0].fooBar"]);
    expect(s.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("every field known: Supported=True", () => {
    expect(status().conditions?.find((c) => c.type === "Supported")).toMatchObject({ status: "True", reason: "AllFieldsSupported" });
  });

  it("computing again from its own output changes nothing (a resync writes nothing)", () => {
    const first = status({ spec: aSpec({ cpu: "0.5 vCPU" }) });
    expect(status({ spec: aSpec({ cpu: "0.5 vCPU" }), previous: first, now: new Date("2027-01-01T00:00:00Z") })).toEqual(first);
  });

  it("reports cpu and memory as ECS normalises them, and compatibilities", () => {
    const s = status({ spec: aSpec({ cpu: "1 vCPU", memory: "2GB", requiresCompatibilities: ["FARGATE"] }) });
    expect(s).toMatchObject({ cpu: "1024", memory: "2048", compatibilities: ["EC2", "FARGATE"] });
    expect(compatibilities(aSpec())).toEqual(["EC2"]);
  });
});

describe("references", () => {
  it.each([
    ["web", { family: "web" }],
    ["web:2", { family: "web", revision: 2 }],
    ["my_app-v2:13", { family: "my_app-v2", revision: 13 }],
    ["arn:aws:ecs:eu-west-1:111122223333:task-definition/web:2", { family: "web", revision: 2 }],
    ["arn:aws-cn:ecs:cn-north-1:111122223333:task-definition/web:40", { family: "web", revision: 40 }],
  ])("%s → %j", (text, ref) => {
    expect(parseTaskDefinitionRef(text)).toEqual({ ok: true, ref });
  });

  it.each([
    ["web:0", 'the revision "0" is not a positive whole number'],
    ["web:latest", 'the revision "latest" is not a positive whole number'],
    ["web.app", 'the family "web.app" is not valid'],
    ["", 'the family "" is not valid'],
    ["arn:aws:ecs:eu-west-1:111122223333:task-definition/web", "must end in task-definition/FAMILY:REVISION"],
    ["arn:aws:ecs:eu-west-1:111122223333:service/web", "is not a task definition ARN"],
  ])("%s is refused: %s", (text, message) => {
    const parsed = parseTaskDefinitionRef(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it("family:N selects revision N whatever its status; family selects the latest ACTIVE one", () => {
    const status = (n: number) => (n === 3 ? "INACTIVE" : "ACTIVE");
    expect(selectRevision({ family: "web", revision: 3 }, revs(1, 2, 3), status)?.revision).toBe(3);
    expect(selectRevision({ family: "web" }, revs(1, 2, 3), status)?.revision).toBe(2);
    expect(selectRevision({ family: "web", revision: 9 }, revs(1, 2, 3), status)).toBeUndefined();
  });
});

describe("the ControllerRevision", () => {
  it("is owned by the TaskDefinition and labelled with family, revision and hash", () => {
    const data = normalizeRevisionSpec(aSpec(), "web");
    const cr = buildControllerRevision({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", name: "web", namespace: "shop", uid: "u1" }, "web", 2, data);
    expect(cr).toMatchObject({
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: {
        name: "web-2",
        namespace: "shop",
        labels: { "ecs.operator.dev/family": "web", "ecs.operator.dev/revision": "2", "ecs.operator.dev/spec-hash": revisionHash(data) },
        annotations: { "ecs.operator.dev/family": "web" },
        ownerReferences: [{ kind: "TaskDefinition", name: "web", uid: "u1", controller: true }],
      },
      revision: 2,
      data,
    });
  });

  it("families that are not label values get a label-safe form; the annotation keeps the family", () => {
    expect(familyLabelValue("web_app")).toBe("web_app");
    const long = "a".repeat(100);
    expect(familyLabelValue(long)).toMatch(/^a{50}-[0-9a-f]{8}$/);
    expect(familyLabelValue("_web_")).toMatch(/^web-[0-9a-f]{8}$/);
  });

  it("names stay within 253 characters", () => {
    expect(controllerRevisionName("x".repeat(253), 12)).toHaveLength(253);
    expect(controllerRevisionName("web", 12)).toBe("web-12");
  });
});

describe("the ControllerRevision name after a change of family", () => {
  it("NAME-N, or NAME-N-HASH when a revision of the former family holds NAME-N", () => {
    const data = normalizeRevisionSpec(aSpec({ family: "web2" }), "web2");
    const owner = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", name: "web", uid: "u1" };
    expect(buildControllerRevision(owner, "web2", 1, data).metadata.name).toBe("web-1");
    expect(buildControllerRevision(owner, "web2", 1, data, (n) => n === "web-1").metadata.name).toBe(`web-1-${revisionHash(data).slice(0, 6)}`);
  });
});
