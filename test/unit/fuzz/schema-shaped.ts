// Generated input for the fuzz tests: values shaped by a kind's OpenAPI schema (known fields, enum values,
// bounds' edges), each node sometimes swapped for arbitrary JSON or an unknown field, so that generated
// manifests get past the first type check and reach the deeper rules, CEL and the builders.
import fc from "fast-check";

type Schema = Record<string, unknown>;

/** How many cases a property runs: FUZZ_RUNS (the chaos suite sets 10,000), else 1,000. */
export function fuzzRuns(): number {
  const n = Number(process.env.FUZZ_RUNS ?? "");
  return Number.isSafeInteger(n) && n > 0 ? n : 1_000;
}

/** A test's time bound: generous, since the machine may be shared; grows with the number of cases. */
export function fuzzTimeoutMs(): number {
  return 60_000 + fuzzRuns() * 60;
}

/** A fixed seed inside npm test (failures replay); FUZZ_SEED overrides it, "random" picks one (printed by fast-check on failure). */
export function fuzzSeed(): number | undefined {
  const s = process.env.FUZZ_SEED;
  if (s === "random") return undefined;
  const n = Number(s ?? "");
  return s !== undefined && Number.isSafeInteger(n) ? n : 16_016;
}

const anyJson = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<unknown>;

/** Strings that trip parsers and validators: empty, huge-ish, unicode, names with separators, ARNs. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("", " ", "0", "-1", "a".repeat(300), "web:3", "arn:aws:ecs:us-east-1:1:task-definition/web:1", "FARGATE", "\u0000", "é✓", "${x}", "a=b", "JAVA_OPTS=1", "1e309"),
  fc.string({ unit: "grapheme", maxLength: 8 }),
);

function edgeNumbers(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const edges = [s.minimum, s.maximum].filter((v): v is number => typeof v === "number").flatMap((v) => [v - 1, v, v + 1]);
  const base = integer ? fc.integer({ min: -5, max: 70_000 }) : fc.double({ noNaN: true, min: -10, max: 1e6 });
  return edges.length > 0 ? fc.oneof(base, fc.constantFrom(...edges)) : base;
}

/** Values shaped by `schema` (a structural OpenAPI schema); about one node in ten is arbitrary instead. */
export function schemaShaped(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const shaped = shapedNode(schema, depth);
  return fc.oneof({ arbitrary: shaped, weight: 9 }, { arbitrary: anyJson, weight: 1 });
}

function shapedNode(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 7) return anyJson;
  const e = schema.enum;
  if (Array.isArray(e) && e.length > 0) return fc.oneof({ arbitrary: fc.constantFrom(...(e as unknown[])), weight: 4 }, { arbitrary: nastyString, weight: 1 });
  if (schema["x-kubernetes-int-or-string"] === true) return fc.oneof(fc.integer({ min: -2, max: 70_000 }), nastyString);
  for (const key of ["anyOf", "oneOf"]) {
    const alts = schema[key];
    if (Array.isArray(alts) && alts.length > 0) return fc.oneof(...(alts as Schema[]).map((a) => shapedNode({ ...schema, [key]: undefined, ...a }, depth)));
  }
  switch (schema.type) {
    case "string":
      return nastyString;
    case "integer":
      return edgeNumbers(schema, true);
    case "number":
      return edgeNumbers(schema, false);
    case "boolean":
      return fc.boolean();
    case "array": {
      const items = (schema.items as Schema | undefined) ?? {};
      return fc.array(schemaShaped(items, depth + 1), { maxLength: depth < 3 ? 4 : 2 });
    }
    case "object": {
      const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const names = Object.keys(props);
      if (names.length === 0) {
        const values = typeof schema.additionalProperties === "object" ? schemaShaped(schema.additionalProperties as Schema, depth + 1) : anyJson;
        return fc.dictionary(nastyString, values, { maxKeys: 3 });
      }
      const known = fc.record(Object.fromEntries(names.map((n) => [n, schemaShaped(props[n] ?? {}, depth + 1)])), { requiredKeys: [] });
      // Unknown (future ECS) fields must never break anything either.
      return fc.tuple(known, fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 1 })).map(([k, extra]) => ({ ...extra, ...k }));
    }
    default:
      return anyJson;
  }
}
