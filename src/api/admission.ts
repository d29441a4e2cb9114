// Offline admission: checks an object against its kind's CRD schema and CEL rules the way the API server does,
// with the same messages, so the CLI (convert, render) and unit tests refuse what `kubectl apply` would refuse,
// without a cluster. The API server stays the authority; integration tests hold the two to the same table.
//
// Like the API server, CEL rules only run once the object passes the structural checks (types, required,
// enums, bounds); transition rules (those that read `oldSelf`) only run on updates.
import { celEnv, type CelInput, celMethod, CelScalar, isCelError, isCelList, listType, parse, plan, type CelValue } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { kindDefinition, openApiSchema } from "./crds.ts";
import { type CelRule, INT_OR_STRING, PRESERVE_UNKNOWN, VALIDATIONS } from "./structural-schema.ts";

export interface AdmissionError {
  /** The field path, as the API server prints it (spec.containerDefinitions[0].name). */
  path: string;
  message: string;
  /** The CEL rule that refused the object (absent for structural checks). */
  rule?: string;
}

type Schema = Record<string, unknown>;
type Json = unknown;

function indexOf(list: CelValue, value: CelValue, fromEnd: boolean): bigint {
  if (!isCelList(list)) return -1n;
  const items = [...list];
  for (let n = 0; n < items.length; n++) {
    const i = fromEnd ? items.length - 1 - n : n;
    if (items[i] === value) return BigInt(i);
  }
  return -1n;
}

// The Kubernetes list library's indexOf/lastIndexOf (only what our rules use: scalars compared by value).
const kubernetesLists = [
  celMethod("indexOf", listType(CelScalar.DYN), [CelScalar.DYN], CelScalar.INT, function (this: CelValue, v: CelValue) {
    return indexOf(this, v, false);
  }),
  celMethod("lastIndexOf", listType(CelScalar.DYN), [CelScalar.DYN], CelScalar.INT, function (this: CelValue, v: CelValue) {
    return indexOf(this, v, true);
  }),
];

const env = celEnv({ funcs: [...strings, ...kubernetesLists], variables: { self: CelScalar.DYN, oldSelf: CelScalar.DYN } });

const compile = (expr: string) => plan(env, parse(expr));
const programs = new Map<string, ReturnType<typeof compile>>();
/** Evaluates a CEL expression (compiled once) with `self` and `oldSelf`. */
function evaluate(expr: string, self: unknown, oldSelf: unknown): unknown {
  let p = programs.get(expr);
  if (!p) {
    p = compile(expr);
    programs.set(expr, p);
  }
  return p({ self: self as CelInput, oldSelf: oldSelf as CelInput });
}

const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
const props = (s: Schema) => (s.properties ?? {}) as Record<string, Schema>;
const show = (v: Json): string => (v === undefined ? "undefined" : JSON.stringify(v));
/** Characters, as the API server counts maxLength. */
const length = (v: string) => Array.from(v).length;

/** JSON → CEL input, typed by the schema (integers become CEL ints, objects CEL maps). */
function toCel(value: Json, schema: Schema | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items as Schema | undefined));
  if (isObject(value)) {
    const known = schema ? props(schema) : {};
    const additional = schema?.additionalProperties as Schema | undefined;
    return new Map(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, toCel(v, known[k] ?? additional)]));
  }
  if (typeof value === "number") {
    if (schema?.type === "number") return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  return value;
}

function typeError(v: Json, s: Schema): string | undefined {
  if (s[INT_OR_STRING] === true) return typeof v === "string" || Number.isInteger(v) ? undefined : "integer or string";
  switch (s.type) {
    case "object":
      return isObject(v) ? undefined : "object";
    case "array":
      return Array.isArray(v) ? undefined : "array";
    case "string":
      return typeof v === "string" ? undefined : "string";
    case "integer":
      return Number.isInteger(v) ? undefined : "integer";
    case "number":
      return typeof v === "number" ? undefined : "number";
    case "boolean":
      return typeof v === "boolean" ? undefined : "boolean";
    default:
      return undefined;
  }
}

/** The structural (OpenAPI) checks of one value, as the API server words them. */
function checkSchema(v: Json, s: Schema, path: string, out: AdmissionError[]): void {
  const expected = typeError(v, s);
  if (expected) {
    out.push({ path, message: `Invalid value: ${show(v)}: ${path} in body must be of type ${expected}` });
    return;
  }
  if (typeof v === "string") {
    const e = s.enum as string[] | undefined;
    if (e && !e.includes(v)) out.push({ path, message: `Unsupported value: ${show(v)}: supported values: ${e.map((x) => JSON.stringify(x)).join(", ")}` });
    if (typeof s.maxLength === "number" && length(v) > s.maxLength) out.push({ path, message: `Too long: may not be more than ${s.maxLength} bytes` });
    if (typeof s.minLength === "number" && length(v) < s.minLength) out.push({ path, message: `Invalid value: ${show(v)}: ${path} in body should be at least ${s.minLength} chars long` });
    if (typeof s.pattern === "string" && !new RegExp(s.pattern).test(v)) out.push({ path, message: `Invalid value: ${show(v)}: ${path} in body should match '${s.pattern}'` });
  }
  if (typeof v === "number") {
    if (typeof s.minimum === "number" && v < s.minimum) out.push({ path, message: `Invalid value: ${v}: ${path} in body should be greater than or equal to ${s.minimum}` });
    if (typeof s.maximum === "number" && v > s.maximum) out.push({ path, message: `Invalid value: ${v}: ${path} in body should be less than or equal to ${s.maximum}` });
  }
  if (Array.isArray(v)) {
    if (typeof s.maxItems === "number" && v.length > s.maxItems) out.push({ path, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    if (typeof s.minItems === "number" && v.length < s.minItems) out.push({ path, message: `Invalid value: ${v.length}: ${path} in body should have at least ${s.minItems} items` });
    const item = s.items as Schema | undefined;
    if (item) for (const [i, x] of v.entries()) checkSchema(x, item, `${path}[${i}]`, out);
    const keys = s["x-kubernetes-list-map-keys"] as string[] | undefined;
    if (keys) {
      const seen = new Set<string>();
      for (const [i, x] of v.entries()) {
        const key = JSON.stringify(keys.map((k) => (isObject(x) ? x[k] : undefined)));
        if (seen.has(key)) out.push({ path: `${path}[${i}]`, message: `Duplicate value: ${key}` });
        seen.add(key);
      }
    }
  }
  if (isObject(v)) {
    const entries = Object.keys(v).length;
    if (typeof s.maxProperties === "number" && entries > s.maxProperties) out.push({ path, message: `Too many: ${entries}: must have at most ${s.maxProperties} items` });
    for (const r of (s.required ?? []) as string[]) if (v[r] === undefined || v[r] === null) out.push({ path: `${path}.${r}`, message: "Required value" });
    const known = props(s);
    const additional = s.additionalProperties as Schema | undefined;
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x === undefined) continue; // the API server drops nulls of non-nullable fields
      const child = known[k] ?? additional;
      if (child) checkSchema(x, child, `${path}.${k}`, out);
      // kubectl's default (strict) field validation refuses fields our own (non-ECS) objects do not declare.
      else if (s[PRESERVE_UNKNOWN] !== true) out.push({ path: `${path}.${k}`, message: `unknown field "${path}.${k}"` });
    }
  }
}

function celMessage(rule: CelRule, self: unknown, oldSelf: unknown): string {
  if (rule.messageExpression) {
    const m = evaluate(rule.messageExpression, self, oldSelf);
    if (typeof m === "string" && m.length > 0) return m;
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

/** The CEL rules of one value and of everything below it. */
function checkRules(v: Json, old: Json, s: Schema, path: string, out: AdmissionError[]): void {
  if (v === undefined || v === null) return;
  const rules = (s[VALIDATIONS] ?? []) as CelRule[];
  if (rules.length > 0) {
    const self = toCel(v, s);
    const oldSelf = old === undefined ? undefined : toCel(old, s);
    for (const rule of rules) {
      const transition = /\boldSelf\b/.test(rule.rule);
      if (transition && oldSelf === undefined) continue;
      const result = evaluate(rule.rule, self, oldSelf);
      if (result === true) continue;
      const at = path + (rule.fieldPath ?? "");
      if (isCelError(result)) out.push({ path: at, message: `Invalid value: rule evaluation error: ${result.message}`, rule: rule.rule });
      else out.push({ path: at, message: `Invalid value: ${celMessage(rule, self, oldSelf)}`, rule: rule.rule });
    }
  }
  if (Array.isArray(v)) {
    const item = s.items as Schema | undefined;
    if (item) for (const [i, x] of v.entries()) checkRules(x, undefined, item, `${path}[${i}]`, out);
  } else if (isObject(v)) {
    const known = props(s);
    const additional = s.additionalProperties as Schema | undefined;
    for (const [k, x] of Object.entries(v)) {
      const child = known[k] ?? additional;
      if (child) checkRules(x, isObject(old) ? old[k] : undefined, child, `${path}.${k}`, out);
    }
  }
}

/**
 * Checks `object` (an apiVersion/kind/metadata/spec manifest of one of our kinds) as the API server would on
 * create (or, with `old`, on update). Returns every refusal; an empty list means the API server accepts it.
 */
export function admit(object: Record<string, unknown>, old?: Record<string, unknown>): AdmissionError[] {
  const kind = typeof object.kind === "string" ? object.kind : "";
  const schema = openApiSchema(kindDefinition(kind));
  const out: AdmissionError[] = [];
  const spec = object.spec;
  if (spec === undefined || spec === null) return [{ path: "spec", message: "Required value" }];
  const specSchema = props(schema).spec;
  if (!specSchema) throw new Error(`${kind}: the schema has no spec`);
  checkSchema(spec, specSchema, "spec", out);
  if (out.length > 0) return out;
  checkRules(spec, old?.spec, specSchema, "spec", out);
  return out;
}
