// Constructors for Kubernetes structural OpenAPI v3 schemas that also carry their TypeScript type (TypeBox), so
// the CRDs in crds/ and the types the controllers use come from one definition.
//
// Every node is emitted exactly as the API server wants it (no anyOf-of-consts, no patternProperties), so
// generating a CRD is a plain JSON copy. ECS-shaped objects keep unknown fields
// (`x-kubernetes-preserve-unknown-fields`): a task definition written for a newer ECS API must still apply,
// and the controller reports what it does not understand. Kubernetes-only objects are strict.
import Type, { type Static, type TArray, type TObject, type TProperties, type TSchema, type TUnsafe } from "typebox";

export type { Static, TSchema };

/** One `x-kubernetes-validations` entry. Messages name the field they are about. */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** Relative path (from the node that holds the rule) of the field the error is reported on. */
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

export const VALIDATIONS = "x-kubernetes-validations";
export const PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields";
export const INT_OR_STRING = "x-kubernetes-int-or-string";

interface WithRules {
  rules?: CelRule[];
}
export interface StringConstraints extends WithRules {
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: "date-time" | "date";
}
export interface NumberConstraints extends WithRules {
  minimum?: number;
  maximum?: number;
  format?: "int32" | "int64" | "double";
}
export interface ListConstraints extends WithRules {
  /** Required: unbounded lists make CEL cost estimates explode and the API server refuses the CRD. */
  maxItems: number;
  minItems?: number;
  /** Makes the list a map keyed by these fields (server-side apply merges items by key; keys must be unique). */
  listMapKeys?: string[];
}
export interface ObjectConstraints extends WithRules {
  maxProperties?: number;
}

function options(description: string, c: WithRules & Record<string, unknown> = {}): Record<string, unknown> {
  const { rules, ...rest } = c;
  const out: Record<string, unknown> = { description, ...rest };
  if (rules && rules.length > 0) out[VALIDATIONS] = rules;
  return out;
}

export function string(description: string, c: StringConstraints = {}) {
  return Type.String(options(description, { ...c }));
}

export function integer(description: string, c: NumberConstraints = {}) {
  return Type.Integer(options(description, { ...c }));
}

export function number(description: string, c: NumberConstraints = {}) {
  return Type.Number(options(description, { ...c }));
}

export function boolean(description: string) {
  return Type.Boolean({ description });
}

/** A string restricted to `values` (ECS enums are case-sensitive, as here). */
export function stringEnum<const V extends readonly string[]>(values: V, description: string, c: WithRules = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: "string", enum: [...values], ...options(description, { ...c }) });
}

/** ECS task-level cpu/memory: `1024` or `"1024"` or `"1 vCPU"`. */
export function intOrString(description: string, c: { maxLength: number } & WithRules): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({
    [INT_OR_STRING]: true,
    anyOf: [{ type: "integer" }, { type: "string" }],
    ...options(description, { ...c }),
  });
}

export function list<T extends TSchema>(items: T, description: string, c: ListConstraints): TArray<T> {
  const { listMapKeys, ...rest } = c;
  const mapKeys = listMapKeys ? { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": listMapKeys } : {};
  // kubectl explain prints the list's description and then the item's; the list's says it all.
  const { description: _itemDescription, ...item } = items as T & { description?: string };
  return Type.Array(item as T, { ...options(description, { ...rest }), ...mapKeys });
}

/** A string → string map (docker labels, log driver options, Kubernetes labels). */
export function stringMap(description: string, c: ObjectConstraints = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ type: "object", additionalProperties: { type: "string" }, ...options(description, { ...c }) });
}

/** An ECS input structure: typed, and unknown (newer) fields are kept for the controller to report. */
export function ecsObject<P extends TProperties>(properties: P, description: string, c: ObjectConstraints = {}): TObject<P> {
  return Type.Object(properties, { ...options(description, { ...c }), [PRESERVE_UNKNOWN]: true });
}

/** A structure of our own (status, `spec.kubernetes`): unknown fields are refused by strict clients and pruned. */
export function object<P extends TProperties>(properties: P, description: string, c: ObjectConstraints = {}): TObject<P> {
  return Type.Object(properties, options(description, { ...c }));
}

/** An object passed through untyped (for example a core/v1 Affinity); the API server validates it where it lands. */
export function opaqueObject<T = Record<string, unknown>>(description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: "object", [PRESERVE_UNKNOWN]: true, description });
}

export const optional = Type.Optional;

/** The same schema with another description (shared shapes read differently in different places). */
export function describe<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

/** A plain JSON copy of a schema, as it goes into a CRD. */
export function toJsonSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
