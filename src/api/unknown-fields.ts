// Fields of a spec that the schema does not declare. ECS-shaped objects keep unknown fields (a task definition
// written for a newer ECS API must apply); the controller reports them in the Supported condition instead.
import { PRESERVE_UNKNOWN, type TSchema } from "./structural-schema.ts";

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Paths (spec.containerDefinitions[0].fooBar) of fields in `value` that `schema` does not declare, in document
 * order. Objects declared opaque (no properties) and maps are not searched. `ignore` lists top-level field names
 * that are known to be harmless (for example read-only fields of a DescribeTaskDefinition export).
 */
export function findUnknownFields(value: unknown, schema: TSchema, path = "spec", ignore: readonly string[] = []): string[] {
  const out: string[] = [];
  walk(value, schema as Schema, path, out, new Set(ignore), true);
  return out;
}

function walk(value: unknown, s: Schema, path: string, out: string[], ignore: Set<string>, top: boolean): void {
  if (Array.isArray(value)) {
    const items = s.items as Schema | undefined;
    if (items) for (const [i, v] of value.entries()) walk(v, items, `${path}[${i}]`, out, ignore, false);
    return;
  }
  if (!isObject(value)) return;
  const properties = s.properties as Record<string, Schema> | undefined;
  if (!properties) return; // a map or an opaque object
  for (const [k, v] of Object.entries(value)) {
    const child = properties[k];
    if (child) walk(v, child, `${path}.${k}`, out, ignore, false);
    else if (s[PRESERVE_UNKNOWN] === true && !(top && ignore.has(k))) out.push(`${path}.${k}`);
  }
}
