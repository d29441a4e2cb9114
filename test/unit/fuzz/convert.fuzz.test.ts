// `convert` and `render` take files from anywhere (AWS exports, pull requests): for any JSON document they either
// convert/render or refuse with a CliError naming the file; no other exception escapes. Documents are shaped by
// the TaskDefinition, Service and Task schemas (with the envelopes of AWS CLI output), or arbitrary.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kindDefinition, openApiSchema } from "../../../src/api/crds.ts";
import { CliError, convertEcsDocument, parseJson, type Manifest } from "../../../src/cli/convert.ts";
import { renderTaskDefinition } from "../../../src/cli/render.ts";
import { fuzzRuns, fuzzSeed, fuzzTimeoutMs, schemaShaped } from "./schema-shaped.ts";

const specSchema = (kind: string): Record<string, unknown> =>
  (openApiSchema(kindDefinition(kind)).properties as Record<string, Record<string, unknown>>).spec ?? {};
const params = <T>(): fc.Parameters<T> => ({ numRuns: fuzzRuns(), ...(fuzzSeed() === undefined ? {} : { seed: fuzzSeed() }) });

const taskDefinition = schemaShaped(specSchema("TaskDefinition"));
const service = schemaShaped(specSchema("Service"));
const ecsDocument = fc.oneof(
  taskDefinition,
  taskDefinition.map((td) => ({ taskDefinition: td, tags: [{ key: "k", value: "v" }] })),
  service,
  service.map((s) => ({ service: s })),
  fc.array(service, { maxLength: 3 }).map((services) => ({ services })),
  schemaShaped(specSchema("Task")),
  fc.jsonValue({ maxDepth: 4 }),
);

/** Runs `fn`; a CliError that names the file is a refusal, anything else fails the property. */
function convertsOrRefuses(fn: () => void, file: string): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    expect(err.message).toContain(file);
  }
}

describe("convert and render never throw anything but a CliError naming the file", () => {
  it("convert: generated ECS documents", () => {
    fc.assert(fc.property(ecsDocument, (doc) => { convertsOrRefuses(() => convertEcsDocument(doc, "fuzz.json", { namespace: "team" }), "fuzz.json"); }), params<[unknown]>());
  }, fuzzTimeoutMs());

  it("convert: arbitrary text as a JSON file", () => {
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), ecsDocument.map((d) => JSON.stringify(d)));
    fc.assert(fc.property(text, (t) => { convertsOrRefuses(() => convertEcsDocument(parseJson(t, "in.json"), "in.json"), "in.json"); }), params<[string]>());
  }, fuzzTimeoutMs());

  it("render: generated TaskDefinition manifests", () => {
    fc.assert(fc.property(taskDefinition, fc.integer({ min: 1, max: 5 }), (spec, revision) => {
      const m = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "fuzz" }, spec } as unknown as Manifest;
      convertsOrRefuses(() => renderTaskDefinition(m, "td.yaml", { revision }), "td.yaml");
    }), params<[unknown, number]>());
  }, fuzzTimeoutMs());
});
