// planRegistration and planPruning: which revision a TaskDefinition registers (numbers never reused), which ones
// go (history limit, old family, never one in use), and the SpecErrors. One row per rule.
import { describe, expect, it } from "vitest";
import { SpecError } from "../../../src/api/spec-error.ts";
import { normalizeRevisionSpec, revisionHash } from "../../../src/builders/task-definition/revision.ts";
import { planPruning, planRegistration, type FamilyRevision, type ObservedTaskDefinition } from "../../../src/controllers/task-definition/plan.ts";
import type { TaskDefinitionObject } from "../../../src/controllers/task-definition/resources.ts";

const NOW = new Date("2026-11-22T01:00:00Z");
const SPEC = { family: "batch", containerDefinitions: [{ name: "app", image: "registry.example.com/app:1", memory: 256 }] };
const EDITED = { ...SPEC, containerDefinitions: [{ name: "app", image: "registry.example.com/app:2", memory: 256 }] };

/** TaskDefinition `batch` (uid td-uid) with `spec`; `status.revision` when it registered before. */
function aTaskDefinition(spec: Record<string, unknown> = SPEC, o: { uid?: string; statusRevision?: number; name?: string; historyLimit?: number } = {}): TaskDefinitionObject {
  const kubernetes = o.historyLimit === undefined ? {} : { kubernetes: { revisionHistoryLimit: o.historyLimit } };
  return {
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind: "TaskDefinition",
    metadata: { name: o.name ?? "batch", namespace: "jobs", uid: o.uid ?? "td-uid", generation: 1 },
    spec: { ...spec, ...kubernetes },
    ...(o.statusRevision === undefined ? {} : { status: { family: "batch", revision: o.statusRevision } }),
  } as TaskDefinitionObject;
}
/** Revision `n` of `family`, registered with `spec`. */
const revision = (n: number, spec: Record<string, unknown> = SPEC, family = "batch"): FamilyRevision => ({ revision: n, hash: revisionHash(normalizeRevisionSpec({ ...spec, family } as TaskDefinitionObject["spec"], family)), name: `batch-${n}`, family });
const observe = (td: TaskDefinitionObject, revisions: FamilyRevision[] = [], owner: TaskDefinitionObject | undefined = td): ObservedTaskDefinition => ({ taskDefinition: td, familyOwner: owner, revisions });

describe("planRegistration", () => {
  it.each<[string, ObservedTaskDefinition, { name: string; revision: number } | undefined]>([
    ["a new TaskDefinition registers revision 1 (batch-1)", observe(aTaskDefinition()), { name: "batch-1", revision: 1 }],
    ["an unchanged spec registers nothing", observe(aTaskDefinition(), [revision(1)]), undefined],
    ["an edited spec registers the next number", observe(aTaskDefinition(EDITED), [revision(1)]), { name: "batch-2", revision: 2 }],
    ["an edit back to an older spec is a new revision, as RegisterTaskDefinition does", observe(aTaskDefinition(SPEC), [revision(1), revision(2, EDITED)]), { name: "batch-3", revision: 3 }],
    ["numbers are never reused: status says 5 was registered (since pruned) → 6", observe(aTaskDefinition(EDITED, { statusRevision: 5 }), [revision(3)]), { name: "batch-6", revision: 6 }],
  ])("%s", (_name, observed, want) => {
    const r = planRegistration(observed);
    expect(r.register === undefined ? undefined : { name: r.register.metadata.name, revision: r.register.revision }).toEqual(want);
  });

  it("a family an older TaskDefinition registers → SpecError FamilyConflict naming spec.family", () => {
    const older = aTaskDefinition(SPEC, { uid: "older", name: "reports" });
    expect(() => planRegistration(observe(aTaskDefinition(), [], older))).toThrow(SpecError);
    try {
      planRegistration(observe(aTaskDefinition(), [], older));
    } catch (err) {
      expect((err as SpecError).conditionReason).toBe("FamilyConflict");
      expect((err as SpecError).message).toMatch(/^spec\.family: "batch" is already registered by TaskDefinition reports/);
    }
  });
});

describe("planPruning", () => {
  const OPTIONS = { inUseRecheckMs: 300_000 };
  const prune = (observed: ObservedTaskDefinition, inUse: (family: string, n: number) => boolean = () => false) => {
    const registration = planRegistration(observed);
    const registered = registration.register === undefined ? undefined : { revision: registration.register.revision, hash: "h", name: registration.register.metadata.name, family: registration.family };
    return planPruning(observed, registration, registered, NOW, { ...OPTIONS, inUse });
  };

  it("history limit 2 with revisions 1..3 and a 4th registered: 1 and 2 go, the status lists 3 and 4", () => {
    const p = prune(observe(aTaskDefinition(EDITED, { historyLimit: 2 }), [revision(1), revision(2), revision(3)]));
    expect(p.prunes.map((r) => r.revision)).toEqual([1, 2]);
    expect(p.status.revisions?.map((r) => r.revision)).toEqual([3, 4]);
    expect(p.status).toMatchObject({ revision: 4, taskDefinitionArn: "batch:4" });
    expect(p.next.requeueAfterMs).toBeUndefined();
  });

  it("a revision past the limit that a Task still runs is kept, and the plan looks again later", () => {
    const p = prune(observe(aTaskDefinition(EDITED, { historyLimit: 2 }), [revision(1), revision(2), revision(3)]), (_f, n) => n === 1);
    expect(p.prunes.map((r) => r.revision)).toEqual([2]);
    expect(p.next.requeueAfterMs).toBe(300_000);
  });

  it("revisions of the family it named before go once unused", () => {
    const p = prune(observe(aTaskDefinition({ ...SPEC, family: "reports" }), [revision(1, SPEC, "batch")], undefined));
    expect(p.prunes.map((r) => `${r.family}:${r.revision}`)).toEqual(["batch:1"]);
  });
});
