// References to a TaskDefinition revision as ECS takes them (family, family:N, task definition ARNs): parsed and
// formatted. Which revision a reference selects is selectRevision in task-definition-revision.ts.
import { ECS_NAME_PATTERN } from "../../api/index.ts";

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
