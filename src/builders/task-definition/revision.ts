// A TaskDefinition revision as ECS numbers it, as pure functions: what a revision holds (the normalised spec) and its
// hash, the next number, which revisions to prune, which revision a reference selects, and the ControllerRevision
// that stores it. References are parsed in task-definition-ref.ts, the checks CEL cannot make are in
// task-definition-checks.ts, the status in task-definition-status.ts. The controller reads and writes; these decide.
import { createHash } from "node:crypto";
import {
  DESCRIBE_ONLY_TASK_DEFINITION_FIELDS,
  TASK_DEFINITION_DEFAULTS,
  normalizeCpu,
  normalizeMemory,
  type TaskDefinitionRevisionStatus,
  type TaskDefinitionSpec,
} from "../../api/index.ts";
import { stableStringify } from "../../runtime/apply.ts";
import { isLabelValue } from "../names.ts";
import { FAMILY_ANNOTATION, FAMILY_LABEL, MANAGED_BY, MANAGED_BY_LABEL, REVISION_LABEL, SPEC_HASH_LABEL } from "../../api/keys.ts";
import { controllerReference, type ControllerReference } from "../../runtime/resources.ts";
import type { TaskDefinitionRef } from "./ref.ts";
// ---------------------------------------------------------------- what a revision holds

/**
 * The spec a revision registers: the RegisterTaskDefinition input with the family filled in, task cpu/memory
 * normalised as ECS stores them ("1 vCPU" → "1024"), and without what does not define a revision: the
 * read-only fields of a console export and the revision bookkeeping knobs (revisionHistoryLimit,
 * deregisteredRevisions). Changing only those registers nothing.
 */
export function normalizeRevisionSpec(spec: TaskDefinitionSpec, family: string): Record<string, unknown> {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  for (const f of DESCRIBE_ONLY_TASK_DEFINITION_FIELDS) Reflect.deleteProperty(out, f);
  out.family = family;
  if (spec.cpu !== undefined) out.cpu = String(normalizeCpu(spec.cpu));
  if (spec.memory !== undefined) out.memory = String(normalizeMemory(spec.memory));
  const k = out.kubernetes as Record<string, unknown> | undefined;
  if (k) {
    const { revisionHistoryLimit: _limit, deregisteredRevisions: _dereg, ...rest } = k;
    if (Object.keys(rest).length === 0) Reflect.deleteProperty(out, "kubernetes");
    else out.kubernetes = rest;
  }
  return out;
}

/** A short, stable hash of a normalised spec (key order does not matter): the revision's identity. */
export function revisionHash(normalized: Record<string, unknown>): string {
  return createHash("sha256").update(stableStringify(normalized)).digest("hex").slice(0, 16);
}

// ---------------------------------------------------------------- numbering and pruning

/** One registered revision as the controller found it (a ControllerRevision). */
export interface RevisionRecord {
  revision: number;
  hash: string;
  /** The ControllerRevision's name. */
  name: string;
  registeredAt?: string;
}

/** The newest revision, if any. */
export function latestRevision(revisions: readonly RevisionRecord[]): RevisionRecord | undefined {
  let latest: RevisionRecord | undefined;
  for (const r of revisions) if (!latest || r.revision > latest.revision) latest = r;
  return latest;
}

/**
 * The number of the next revision: one past every number ever seen. `floor` is the highest number known from
 * elsewhere (status.revision), so a number is never reused even after the revision holding it was deleted,
 * as ECS never reuses one.
 */
export function nextRevisionNumber(revisions: readonly RevisionRecord[], floor = 0): number {
  return Math.max(floor, ...revisions.map((r) => r.revision)) + 1;
}

/**
 * What a spec with `hash` needs: nothing when the latest revision already holds it, else a new revision
 * (an edit back to an older spec registers a new revision, as RegisterTaskDefinition does).
 */
export function needsNewRevision(revisions: readonly RevisionRecord[], hash: string): boolean {
  return latestRevision(revisions)?.hash !== hash;
}

/**
 * Revisions to delete: those beyond the newest `limit`, never the latest and never one that `inUse` says a
 * Service or Task still runs. Oldest first.
 */
export function revisionsToPrune<R extends RevisionRecord>(revisions: readonly R[], limit: number, inUse: (revision: number) => boolean): R[] {
  const newestFirst = [...revisions].sort((a, b) => b.revision - a.revision);
  return newestFirst
    .slice(Math.max(1, limit))
    .filter((r) => !inUse(r.revision))
    .reverse();
}

/** True when some revision past the limit is kept only because it is in use (worth looking at again later). */
export function pruningBlocked(revisions: readonly RevisionRecord[], limit: number, inUse: (revision: number) => boolean): boolean {
  const newestFirst = [...revisions].sort((a, b) => b.revision - a.revision);
  return newestFirst.slice(Math.max(1, limit)).some((r) => inUse(r.revision));
}

export function revisionHistoryLimit(spec: TaskDefinitionSpec, controllerDefault: number = TASK_DEFINITION_DEFAULTS.revisionHistoryLimit): number {
  return spec.kubernetes?.revisionHistoryLimit ?? controllerDefault;
}

/**
 * The revision a reference names among a family's revisions: `family:N` that one (whatever its status; the
 * caller decides whether INACTIVE will do), `family` the latest ACTIVE one.
 */
export function selectRevision(
  ref: TaskDefinitionRef,
  revisions: readonly RevisionRecord[],
  statusOf: (revision: number) => TaskDefinitionRevisionStatus,
): RevisionRecord | undefined {
  if (ref.revision !== undefined) return revisions.find((r) => r.revision === ref.revision);
  return latestRevision(revisions.filter((r) => statusOf(r.revision) === "ACTIVE"));
}

// ---------------------------------------------------------------- the ControllerRevision

/**
 * A label-safe form of a family: the family itself when it is a valid label value (most are), else a
 * truncated form with a hash suffix. The exact family is in the FAMILY_ANNOTATION.
 */
export function familyLabelValue(family: string): string {
  if (family !== "" && isLabelValue(family)) return family;
  const hash = createHash("sha256").update(family).digest("hex").slice(0, 8);
  const stem = family.replace(/^[^A-Za-z0-9]+/, "").slice(0, 50).replace(/[^A-Za-z0-9]+$/, "");
  return stem === "" ? `f-${hash}` : `${stem}-${hash}`;
}

/**
 * The ControllerRevision name of revision `revision` of TaskDefinition `name` (at most 253 characters):
 * NAME-N, or NAME-N-DISAMBIGUATOR when NAME-N is taken (a revision of the family the spec named before).
 */
export function controllerRevisionName(name: string, revision: number, disambiguator?: string): string {
  const suffix = disambiguator === undefined ? `-${revision}` : `-${revision}-${disambiguator}`;
  return name.slice(0, 253 - suffix.length) + suffix;
}

export interface ControllerRevisionObject {
  apiVersion: "apps/v1";
  kind: "ControllerRevision";
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: ControllerReference[];
  };
  data: Record<string, unknown>;
  revision: number;
}

/**
 * The immutable revision `revision` of a TaskDefinition: its normalised spec, labelled with family, number and
 * hash. `taken` says which names existing revisions use (after a change of spec.family, NAME-N may be one).
 */
export function buildControllerRevision(
  owner: { apiVersion: string; kind: string; name: string; namespace?: string; uid: string },
  family: string,
  revision: number,
  normalized: Record<string, unknown>,
  taken: (name: string) => boolean = () => false,
): ControllerRevisionObject {
  const plain = controllerRevisionName(owner.name, revision);
  const name = taken(plain) ? controllerRevisionName(owner.name, revision, revisionHash(normalized).slice(0, 6)) : plain;
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name,
      ...(owner.namespace === undefined ? {} : { namespace: owner.namespace }),
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [FAMILY_LABEL]: familyLabelValue(family),
        [REVISION_LABEL]: String(revision),
        [SPEC_HASH_LABEL]: revisionHash(normalized),
      },
      annotations: { [FAMILY_ANNOTATION]: family },
      ownerReferences: [controllerReference(owner)],
    },
    data: normalized,
    revision,
  };
}
