// The TaskDefinition controller's decisions, in two pure phases (as Karpenter's lifecycle runs one per phase):
// planRegistration — which family, whether the spec needs a new revision and under which number (never reused);
// planPruning — which revisions go (beyond the history limit, of an old family, never one in use), the status and
// when to look again. Between the two the reconcile creates the revision, so the status shows what the API server
// registered. The reconcile (controller.ts) only observes, applies and remembers what it registered.
import { TaskDefinitionReason } from "../../api/task-definition.ts";
import { computeTaskDefinitionStatus } from "../../builders/task-definition/status.ts";
import { checkTaskDefinitionSpec } from "../../builders/task-definition/checks.ts";
import { resolveFamily, type TaskDefinitionSpec, type TaskDefinitionStatus } from "../../api/index.ts";
import { SpecError } from "../../api/spec-error.ts";
import { buildPodTemplate, type PodTemplate } from "../../builders/pod/template.ts";
import { buildControllerRevision, needsNewRevision, nextRevisionNumber, normalizeRevisionSpec, pruningBlocked, revisionHash, revisionHistoryLimit, revisionsToPrune, type ControllerRevisionObject, type RevisionRecord } from "../../builders/task-definition/revision.ts";
import { Action } from "../../runtime/controller.ts";
import { TaskDefinitions, type TaskDefinitionObject } from "./resources.ts";

export type FamilyRevision = RevisionRecord & { family: string };

/** What the reconcile read for one TaskDefinition. */
export interface ObservedTaskDefinition {
  readonly taskDefinition: TaskDefinitionObject;
  /** The TaskDefinition that registers its family in the namespace (the oldest that names it). */
  readonly familyOwner: TaskDefinitionObject | undefined;
  /** Its revisions: the cache's, plus those this process registered that the cache does not show yet. */
  readonly revisions: readonly FamilyRevision[];
}

export interface RegistrationPlan {
  readonly family: string;
  /** The revision to create (immutable: created, never applied), when the spec needs one. */
  readonly register: ControllerRevisionObject | undefined;
  /** The pod template of the revision (what it cannot map is reported as Supported=False). */
  readonly template: PodTemplate;
}

/** Phase 1. Throws SpecError for a family another TaskDefinition registers, or a spec that cannot run. */
export function planRegistration(observed: ObservedTaskDefinition): RegistrationPlan {
  const td = observed.taskDefinition;
  const name = td.metadata?.name ?? "";
  const namespace = td.metadata?.namespace ?? "";
  const uid = td.metadata?.uid ?? "";
  const spec = td.spec;
  const family = resolveFamily(spec, name);
  const owner = observed.familyOwner;
  if (owner && owner.metadata?.uid !== uid) {
    throw new SpecError("spec.family", `"${family}" is already registered by TaskDefinition ${owner.metadata?.name ?? ""}; a family belongs to one TaskDefinition, so choose another spec.family`, TaskDefinitionReason.FamilyConflict);
  }
  const problems = checkTaskDefinitionSpec(spec);
  const [first] = problems;
  if (first) throw new SpecError("", problems.map((p) => p.message).join("; "), first.reason);

  const ofFamily = observed.revisions.filter((r) => r.family === family);
  const normalized = normalizeRevisionSpec(spec, family);
  const register = needsNewRevision(ofFamily, revisionHash(normalized));
  // A number is never reused, even after its revision was pruned (status.revision remembers the highest).
  const floor = td.status?.family === family ? (td.status.revision ?? 0) : 0;
  const number = register ? nextRevisionNumber(ofFamily, floor) : Math.max(...ofFamily.map((r) => r.revision));
  // A revision that cannot become a pod is not registered (the builder throws SpecError).
  const template = buildPodTemplate(normalized as unknown as TaskDefinitionSpec, { namespace, family, revision: number });
  const desired = register
    ? buildControllerRevision({ apiVersion: td.apiVersion ?? TaskDefinitions.apiVersion, kind: TaskDefinitions.kind, name, namespace, uid }, family, number, normalized, (n) => observed.revisions.some((r) => r.name === n))
    : undefined;
  return { family, register: desired, template };
}

export interface PruningPlan {
  readonly prunes: readonly FamilyRevision[];
  readonly status: TaskDefinitionStatus;
  readonly next: Action;
}

export interface PruningOptions {
  /** revisionHistoryLimit when the spec sets none. */
  readonly defaultRevisionHistoryLimit?: number | undefined;
  /** Whether a Service or Task still runs a revision (it is then never pruned). */
  readonly inUse: (family: string, revision: number) => boolean;
  /** How soon to look again when pruning waits for a revision to fall out of use. */
  readonly inUseRecheckMs: number;
}

/** Phase 2, once the revision of phase 1 (if any) is registered: `registered` is the record the API server returned. */
export function planPruning(observed: ObservedTaskDefinition, registration: RegistrationPlan, registered: FamilyRevision | undefined, now: Date, options: PruningOptions): PruningPlan {
  const td = observed.taskDefinition;
  const { family } = registration;
  const all = [...observed.revisions, ...(registered === undefined ? [] : [registered])];
  const ofFamily = all.filter((r) => r.family === family);
  // Revisions of an old family (spec.family changed) go when unused; the family's own keep `limit`.
  const limit = revisionHistoryLimit(td.spec, options.defaultRevisionHistoryLimit);
  const used = (r: FamilyRevision): boolean => options.inUse(r.family, r.revision);
  const stale = all.filter((r) => r.family !== family && !used(r));
  const prunes = [...revisionsToPrune(ofFamily, limit, (n) => options.inUse(family, n)), ...stale];
  const pruned = new Set(prunes.map((r) => r.name));
  const kept = ofFamily.filter((r) => !pruned.has(r.name));
  const status = computeTaskDefinitionStatus({ generation: td.metadata?.generation, family, spec: td.spec, revisions: kept, unsupportedFields: registration.template.unsupported, previous: td.status, now });
  const waiting = pruningBlocked(kept, limit, (n) => options.inUse(family, n)) || all.some((r) => r.family !== family && used(r));
  return { prunes, status, next: waiting ? Action.requeueAfter(options.inUseRecheckMs) : Action.done() };
}
