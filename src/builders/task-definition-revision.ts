// TaskDefinition revisions as ECS numbers them, as pure functions: what a revision holds (the normalised spec)
// and its hash, the next number, which revisions to prune, the checks CEL cannot make, the status, and the
// parsing of references (family, family:N, ARNs). The controller reads and writes; this decides.
import { createHash } from "node:crypto";
import {
  COMPATIBILITIES,
  ConditionReason,
  ConditionType,
  DESCRIBE_ONLY_TASK_DEFINITION_FIELDS,
  ECS_NAME_PATTERN,
  TASK_DEFINITION_DEFAULTS,
  normalizeCpu,
  normalizeMemory,
  type ContainerDefinition,
  type TaskDefinitionRevisionStatus,
  type TaskDefinitionSpec,
  type TaskDefinitionStatus,
} from "../api/index.ts";
import { setCondition, setHealthConditions, type Health } from "../runtime/conditions.ts";
import { stableStringify } from "../runtime/apply.ts";
import { isLabelValue } from "./names.ts";
import { FAMILY_ANNOTATION, FAMILY_LABEL, MANAGED_BY, MANAGED_BY_LABEL, REVISION_LABEL, SPEC_HASH_LABEL } from "../api/keys.ts";
import { kubeTime } from "../api/time.ts";
import { controllerReference, type ControllerReference } from "../runtime/resources.ts";
import { TaskDefinitionReason } from "../api/task-definition.ts";
// Re-exported only for src/controllers/task-definition, which imports it from here; it switches to src/api at merge.
export { TaskDefinitionReason } from "../api/task-definition.ts";
// Re-exported only for src/controllers, which import it from here; they switch to src/api/keys.ts at merge.
export { FAMILY_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, SPEC_HASH_LABEL } from "../api/keys.ts";

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
function latestRevision(revisions: readonly RevisionRecord[]): RevisionRecord | undefined {
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

// ---------------------------------------------------------------- what CEL cannot check

/** A spec problem found by the controller: the field it is about and a message that names it. */
export interface SpecProblem {
  path: string;
  reason: string;
  message: string;
}

const containerName = (c: ContainerDefinition | undefined, i: number): string => c?.name ?? `#${i}`;

/**
 * dependsOn cycles (of any length; CEL refuses those of one and two containers at admission, this finds the
 * rest with a depth-first search). Returns the first cycle as container names, first name repeated at the end.
 */
export function findDependsOnCycle(containers: readonly ContainerDefinition[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const c of containers) edges.set(c.name, (c.dependsOn ?? []).map((d) => d.containerName).filter((n) => containers.some((x) => x.name === n)));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === "done") return undefined;
    if (state.get(n) === "visiting") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "visiting");
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const cycle = visit(m);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(n, "done");
    return undefined;
  };
  for (const c of containers) {
    const cycle = visit(c.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The checks of RegisterTaskDefinition that the API server cannot make at admission: dependsOn cycles of
 * three or more containers, and container cpu/memory against the task size. Empty when the spec is fine.
 */
export function checkTaskDefinitionSpec(spec: TaskDefinitionSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const containers = spec.containerDefinitions;
  const cycle = findDependsOnCycle(containers);
  if (cycle) {
    const first = containers.findIndex((c) => c.name === cycle[0]);
    problems.push({
      path: `spec.containerDefinitions[${first}].dependsOn`,
      reason: ConditionReason.DependsOnCycle,
      message:
        `spec.containerDefinitions[${first}].dependsOn: containers ${cycle.map((n) => `"${n}"`).join(" → ")} wait for each other in a cycle, ` +
        "so none of them can start; remove one of these dependsOn entries",
    });
  }
  let taskCpu: number | undefined;
  let taskMemory: number | undefined;
  try {
    if (spec.cpu !== undefined) taskCpu = normalizeCpu(spec.cpu);
  } catch (err) {
    problems.push({ path: "spec.cpu", reason: ConditionReason.InvalidSpec, message: `spec.cpu: ${(err as Error).message}` });
  }
  try {
    if (spec.memory !== undefined) taskMemory = normalizeMemory(spec.memory);
  } catch (err) {
    problems.push({ path: "spec.memory", reason: ConditionReason.InvalidSpec, message: `spec.memory: ${(err as Error).message}` });
  }
  if (taskCpu !== undefined) {
    const sum = containers.reduce((a, c) => a + (c.cpu ?? 0), 0);
    if (sum > taskCpu) {
      problems.push({
        path: "spec.containerDefinitions",
        reason: ConditionReason.InvalidSpec,
        message: `spec.containerDefinitions: the containers' cpu adds up to ${sum} units, more than the task's spec.cpu (${taskCpu}); lower the containers' cpu or raise spec.cpu`,
      });
    }
  }
  if (taskMemory !== undefined) {
    for (const [i, c] of containers.entries()) {
      if (c.memory !== undefined && c.memory > taskMemory) {
        problems.push({
          path: `spec.containerDefinitions[${i}].memory`,
          reason: ConditionReason.InvalidSpec,
          message: `spec.containerDefinitions[${i}].memory: container "${containerName(c, i)}" has a memory limit of ${c.memory} MiB, more than the task's spec.memory (${taskMemory} MiB)`,
        });
      }
    }
    const reserved = containers.reduce((a, c) => a + (c.memoryReservation ?? c.memory ?? 0), 0);
    if (reserved > taskMemory) {
      problems.push({
        path: "spec.containerDefinitions",
        reason: ConditionReason.InvalidSpec,
        message:
          `spec.containerDefinitions: the containers reserve ${reserved} MiB (memoryReservation, else memory), more than the task's spec.memory (${taskMemory} MiB); ` +
          "lower the containers' memoryReservation or raise spec.memory",
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------- status

/** The launch types ECS reports as `compatibilities`: EC2 always, plus those the definition requires. */
export function compatibilities(spec: TaskDefinitionSpec): (typeof COMPATIBILITIES)[number][] {
  const wanted = new Set<string>(["EC2", ...(spec.requiresCompatibilities ?? [])]);
  return COMPATIBILITIES.filter((c) => wanted.has(c));
}

export interface TaskDefinitionStatusInput {
  generation: number | undefined;
  family: string;
  spec: TaskDefinitionSpec;
  /** The revisions that exist (after pruning), in any order; the latest is the current spec. */
  revisions: readonly RevisionRecord[];
  /** Fields present but not mapped (the pod template builder's list, which includes unknown fields), with why. */
  unsupportedFields: readonly (string | { field: string; reason: string })[];
  previous: TaskDefinitionStatus | undefined;
  now: Date;
}

/** status.revisions holds at most this many entries (the CRD's maxItems). */
const MAX_STATUS_REVISIONS = 1000;
const MAX_UNSUPPORTED_FIELDS = 200;

// Kubernetes serialises times with second precision; anything finer would make every pass a change.

export function revisionStatus(spec: TaskDefinitionSpec, revision: number): TaskDefinitionRevisionStatus {
  return spec.kubernetes?.deregisteredRevisions?.includes(revision) ? "INACTIVE" : "ACTIVE";
}

/** The whole status of a TaskDefinition whose latest revision is registered, as DescribeTaskDefinition shows it. */
export function computeTaskDefinitionStatus(input: TaskDefinitionStatusInput): TaskDefinitionStatus {
  const { spec, family, previous, now } = input;
  const latest = latestRevision(input.revisions);
  const previousSummary = new Map((previous?.revisions ?? []).map((r) => [r.revision, r]));
  const revisions = [...input.revisions]
    .sort((a, b) => a.revision - b.revision)
    .slice(-MAX_STATUS_REVISIONS)
    .map((r) => {
      const status = revisionStatus(spec, r.revision);
      const before = previousSummary.get(r.revision);
      const deregisteredAt = status === "INACTIVE" ? (before?.deregisteredAt ?? kubeTime(now)) : undefined;
      return {
        revision: r.revision,
        status,
        controllerRevision: r.name,
        ...(r.registeredAt === undefined ? {} : { registeredAt: r.registeredAt }),
        ...(deregisteredAt === undefined ? {} : { deregisteredAt }),
      };
    });
  const health: Health = latest
    ? { state: "ready", reason: TaskDefinitionReason.RevisionRegistered, message: `revision ${family}:${latest.revision} is registered` }
    : { state: "progressing", reason: ConditionReason.Progressing, message: "registering the first revision" };
  let conditions = setHealthConditions(previous?.conditions, health, input.generation, now);
  const unsupportedList = input.unsupportedFields.map((u) => (typeof u === "string" ? { field: u, reason: "" } : u));
  const unsupported = [...new Set(unsupportedList.map((u) => u.field))].slice(0, MAX_UNSUPPORTED_FIELDS);
  const explained = unsupportedList.map((u) => (u.reason === "" ? u.field : `${u.field} (${u.reason})`));
  conditions = setCondition(
    conditions,
    unsupported.length === 0
      ? { type: ConditionType.Supported, status: "True", reason: ConditionReason.AllFieldsSupported, message: "every field present is mapped to Kubernetes", ...gen(input.generation) }
      : {
          type: ConditionType.Supported,
          status: "False",
          reason: ConditionReason.UnsupportedFields,
          message: `accepted but not mapped to Kubernetes: ${explained.join("; ")}`,
          ...gen(input.generation),
        },
    now,
  );
  const size: { cpu?: string; memory?: string } = {};
  if (spec.cpu !== undefined) size.cpu = String(normalizeCpu(spec.cpu));
  if (spec.memory !== undefined) size.memory = String(normalizeMemory(spec.memory));
  return {
    observedGeneration: input.generation,
    conditions,
    family,
    ...(latest
      ? {
          revision: latest.revision,
          status: revisionStatus(spec, latest.revision),
          taskDefinitionArn: `${family}:${latest.revision}`,
          ...(latest.registeredAt === undefined ? {} : { registeredAt: latest.registeredAt }),
        }
      : {}),
    compatibilities: compatibilities(spec),
    ...size,
    revisions,
    ...(unsupported.length === 0 ? {} : { unsupportedFields: unsupported }),
  };
}

const gen = (generation: number | undefined): { observedGeneration?: number } => (generation === undefined ? {} : { observedGeneration: generation });

// ---------------------------------------------------------------- references

export interface TaskDefinitionRef {
  family: string;
  /** Absent: the latest ACTIVE revision. */
  revision?: number;
}

export type ParsedRef = { ok: true; ref: TaskDefinitionRef } | { ok: false; message: string };

const FAMILY = new RegExp(ECS_NAME_PATTERN);
const ARN = /^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\/(.+)$/;

/**
 * `family`, `family:N` or an ECS ARN ending in `task-definition/family:N` (the region and account are
 * ignored: references are names, never dereferenced against AWS).
 */
export function parseTaskDefinitionRef(text: string): ParsedRef {
  const ref = text.trim();
  const arn = ARN.exec(ref);
  const body = arn ? (arn[1] ?? "") : ref;
  if (!arn && ref.startsWith("arn:")) {
    return { ok: false, message: `"${text}" is not a task definition ARN; use arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION, FAMILY:REVISION or FAMILY` };
  }
  const colon = body.lastIndexOf(":");
  const family = colon < 0 ? body : body.slice(0, colon);
  const rev = colon < 0 ? undefined : body.slice(colon + 1);
  if (!FAMILY.test(family)) {
    return { ok: false, message: `"${text}": the family "${family}" is not valid; use letters, numbers, hyphens and underscores (up to 255)` };
  }
  if (rev === undefined) {
    if (arn) return { ok: false, message: `"${text}": a task definition ARN must end in task-definition/FAMILY:REVISION` };
    return { ok: true, ref: { family } };
  }
  if (!/^[1-9][0-9]{0,9}$/.test(rev)) return { ok: false, message: `"${text}": the revision "${rev}" is not a positive whole number` };
  return { ok: true, ref: { family, revision: Number(rev) } };
}

export function formatTaskDefinitionRef(ref: TaskDefinitionRef): string {
  return ref.revision === undefined ? ref.family : `${ref.family}:${ref.revision}`;
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
