// The status of a TaskDefinition, as DescribeTaskDefinition would show it for the latest revision, with the revisions
// that exist, the fields that are not mapped (the Supported condition) and the kstatus conditions.
import {
  COMPATIBILITIES,
  ConditionReason,
  ConditionType,
  normalizeCpu,
  normalizeMemory,
  type TaskDefinitionRevisionStatus,
  type TaskDefinitionSpec,
  type TaskDefinitionStatus,
} from "../../api/index.ts";
import { setCondition, setHealthConditions, type Health } from "../../runtime/conditions.ts";
import { kubeTime } from "../../api/time.ts";
import { TaskDefinitionReason } from "../../api/task-definition.ts";
import { latestRevision, type RevisionRecord } from "./revision.ts";

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
