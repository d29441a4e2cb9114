// Resolves what Services and Tasks write in `taskDefinition` (family, family:N, or an ARN ending in
// task-definition/family:N) to a registered revision, from the informer caches: no API call per lookup.
import { revisionStatus } from "../../builders/task-definition/status.ts";
import { formatTaskDefinitionRef, parseTaskDefinitionRef } from "../../builders/task-definition/ref.ts";
import { resolveFamily, type TaskDefinitionRevisionStatus, type TaskDefinitionSpec } from "../../api/index.ts";
import { selectRevision, type RevisionRecord } from "../../builders/task-definition/revision.ts";
import type { Informer } from "../../runtime/informer.ts";
import { revisionRecord, type ControllerRevisionObject, type TaskDefinitionObject } from "./resources.ts";

export const FAMILY_INDEX = "family";
export const OWNER_INDEX = "owner";

/** Index key of a TaskDefinition's family: "namespace/family". */
export const byFamily = (td: TaskDefinitionObject): string[] => [`${td.metadata?.namespace ?? ""}/${resolveFamily(td.spec, td.metadata?.name ?? "")}`];

export interface ResolvedTaskDefinition {
  /** The TaskDefinition object that registers the family. */
  taskDefinition: TaskDefinitionObject;
  family: string;
  revision: number;
  /** ACTIVE, or INACTIVE when deregistered: callers decide whether an INACTIVE revision will do (ECS lets running services keep one). */
  status: TaskDefinitionRevisionStatus;
  /** The spec registered as this revision (normalised: family set, cpu/memory in units/MiB). */
  spec: TaskDefinitionSpec;
  controllerRevision: string;
  /** "family:N". */
  reference: string;
}

export type ResolveResult =
  | { ok: true; value: ResolvedTaskDefinition }
  | { ok: false; reason: "InvalidReference" | "NotFound"; message: string };

const created = (o: TaskDefinitionObject): string => o.metadata?.creationTimestamp ?? "";

/**
 * The TaskDefinition that registers a family in a namespace when several name it: the oldest (then by
 * name). The others are refused (Stalled, FamilyConflict), as ECS has one family per name.
 */
export function familyOwner(candidates: readonly TaskDefinitionObject[]): TaskDefinitionObject | undefined {
  return [...candidates].sort((a, b) => created(a).localeCompare(created(b)) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))[0];
}

export class TaskDefinitionResolver implements TaskDefinitionLookup {
  private readonly taskDefinitions: Informer<TaskDefinitionObject>;
  private readonly revisions: Informer<ControllerRevisionObject>;

  constructor(taskDefinitions: Informer<TaskDefinitionObject>, revisions: Informer<ControllerRevisionObject>) {
    this.taskDefinitions = taskDefinitions;
    this.revisions = revisions;
  }

  /** The TaskDefinitions of a namespace that name `family`. */
  taskDefinitionsOf(namespace: string, family: string): TaskDefinitionObject[] {
    return this.taskDefinitions.byIndex(FAMILY_INDEX, `${namespace}/${family}`);
  }

  /** The ControllerRevisions an object (by uid) owns, as cached. */
  ownedBy(uid: string): ControllerRevisionObject[] {
    return this.revisions.byIndex(OWNER_INDEX, uid);
  }

  /** The revisions of `family` that a TaskDefinition owns, as cached. */
  revisionsOf(td: TaskDefinitionObject, family: string): (RevisionRecord & { data: unknown })[] {
    const out: (RevisionRecord & { data: unknown })[] = [];
    for (const cr of this.ownedBy(td.metadata?.uid ?? "")) {
      const rec = revisionRecord(cr);
      if (rec?.family === family) out.push({ ...rec, data: cr.data });
    }
    return out;
  }

  /** Resolves `ref` (family, family:N or an ARN) in `namespace`, from the caches. */
  resolveTaskDefinition(ref: string, namespace: string): ResolveResult {
    return resolveTaskDefinitionRef(ref, namespace, this);
  }
}

/** Where a resolution looks: the informer caches (TaskDefinitionResolver) or plain lists (lookupOf, for render and tests). */
export interface TaskDefinitionLookup {
  taskDefinitionsOf(namespace: string, family: string): TaskDefinitionObject[];
  ownedBy(uid: string): ControllerRevisionObject[];
}

/** A lookup over plain lists of TaskDefinitions and ControllerRevisions. */
export function lookupOf(taskDefinitions: readonly TaskDefinitionObject[], revisions: readonly ControllerRevisionObject[]): TaskDefinitionLookup {
  return {
    taskDefinitionsOf: (namespace, family) => taskDefinitions.filter((td) => byFamily(td)[0] === `${namespace}/${family}`),
    ownedBy: (uid) => revisions.filter((cr) => (cr.metadata?.ownerReferences ?? []).some((o) => o.uid === uid)),
  };
}

/** Pure: resolves `ref` (family, family:N or an ARN) in `namespace` against `lookup`. */
export function resolveTaskDefinitionRef(ref: string, namespace: string, lookup: TaskDefinitionLookup): ResolveResult {
  const parsed = parseTaskDefinitionRef(ref);
  if (!parsed.ok) return { ok: false, reason: "InvalidReference", message: `taskDefinition ${parsed.message}` };
  const { family } = parsed.ref;
  const td = familyOwner(lookup.taskDefinitionsOf(namespace, family));
  if (!td) return { ok: false, reason: "NotFound", message: `taskDefinition "${ref}": no TaskDefinition in namespace ${namespace} registers the family "${family}"` };
  const revisions: (RevisionRecord & { data: unknown })[] = [];
  for (const cr of lookup.ownedBy(td.metadata?.uid ?? "")) {
    const rec = revisionRecord(cr);
    if (rec?.family === family) revisions.push({ ...rec, data: cr.data });
  }
  const chosen = selectRevision(parsed.ref, revisions, (n) => revisionStatus(td.spec, n));
  if (!chosen) {
    const what = parsed.ref.revision === undefined ? "has no ACTIVE revision" : `has no revision ${parsed.ref.revision}`;
    const known = revisions.map((r) => r.revision).sort((a, b) => a - b).join(", ");
    return {
      ok: false,
      reason: "NotFound",
      message: `taskDefinition "${ref}": the family "${family}" (TaskDefinition ${td.metadata?.name ?? ""}) ${what}${known === "" ? "" : ` (registered: ${known})`}`,
    };
  }
  const full = revisions.find((r) => r.name === chosen.name);
  return {
    ok: true,
    value: {
      taskDefinition: td,
      family,
      revision: chosen.revision,
      status: revisionStatus(td.spec, chosen.revision),
      spec: full?.data as TaskDefinitionSpec,
      controllerRevision: chosen.name,
      reference: formatTaskDefinitionRef({ family, revision: chosen.revision }),
    },
  };
}
