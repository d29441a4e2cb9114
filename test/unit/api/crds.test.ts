// The CRDs in crds/ are what src/api generates (run `npm run generate` after changing a schema), and they have
// what kubectl users expect: the ecs category, short names, status (and scale) subresources, printer columns,
// descriptions on every field, bounded lists.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { API_GROUP } from "../../../src/api/common.ts";
import { buildCrd, CATEGORY, crdFileName, KINDS, renderCrdFiles } from "../../../src/api/crds.ts";
import { PRESERVE_UNKNOWN } from "../../../src/api/structural-schema.ts";

const CRD_DIR = fileURLToPath(new URL("../../../crds/", import.meta.url));

describe("crds/", () => {
  it("holds exactly what `npm run generate` writes (regenerate after changing src/api)", () => {
    const generated = renderCrdFiles();
    const onDisk = readdirSync(CRD_DIR).filter((f) => f.endsWith(`.${API_GROUP}.yaml`));
    expect(onDisk.sort()).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) expect(readFileSync(CRD_DIR + name, "utf8"), `crds/${name} is stale: run npm run generate`).toBe(text);
  });

  it("parses back to the CRD objects", () => {
    for (const def of KINDS) expect(load(readFileSync(CRD_DIR + crdFileName(def), "utf8"))).toEqual(buildCrd(def));
  });
});

describe("the kinds", () => {
  it("are the six of DESIGN.md, with their scope and short names", () => {
    expect(KINDS.map((k) => [k.kind, k.plural, k.scope, k.shortNames])).toEqual([
      ["Cluster", "clusters", "Namespaced", ["ecscluster"]],
      ["CapacityProvider", "capacityproviders", "Cluster", ["ecscp"]],
      ["TaskDefinition", "taskdefinitions", "Namespaced", ["taskdef", "td"]],
      ["Service", "services", "Namespaced", ["ecsservice", "ecssvc"]],
      ["Task", "tasks", "Namespaced", ["ecstask"]],
      ["ScheduledTask", "scheduledtasks", "Namespaced", ["ecsschedule"]],
    ]);
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))("%s is in the ecs category and has the status subresource", (_, def) => {
    const crd = buildCrd(def) as { spec: { names: { categories: string[] }; versions: { subresources: Record<string, unknown> }[] } };
    expect(crd.spec.names.categories).toEqual([CATEGORY]);
    expect(crd.spec.versions[0]?.subresources.status).toEqual({});
  });

  it("Service scales like a Deployment: desiredCount, runningCount, selector", () => {
    const service = KINDS.find((k) => k.kind === "Service");
    expect(service?.scale).toEqual({ specReplicasPath: ".spec.desiredCount", statusReplicasPath: ".status.runningCount", labelSelectorPath: ".status.selector" });
    expect(KINDS.filter((k) => k.scale).map((k) => k.kind)).toEqual(["Service"]);
  });

  const columns = (kind: string) => (KINDS.find((k) => k.kind === kind)?.printerColumns ?? []).filter((c) => !c.priority).map((c) => c.name);
  it.each([
    ["Service", ["Desired", "Running", "Pending", "Task Definition", "Rollout", "Stage", "Age"]],
    ["Task", ["Last Status", "Desired Status", "Stop Code", "Age"]],
    ["TaskDefinition", ["Family", "Revision", "Status", "Age"]],
    ["Cluster", ["Status", "Services", "Running", "Pending", "Instances", "Age"]],
    ["CapacityProvider", ["Provider", "Type", "Spot", "Nodes", "Running", "Age"]],
  ])("%s prints %j", (kind, names) => {
    expect(columns(kind)).toEqual(names);
  });
});

type Node = Record<string, unknown>;
function* nodes(schema: unknown, path: string): Generator<[string, Node]> {
  if (typeof schema !== "object" || schema === null) return;
  const n = schema as Node;
  yield [path, n];
  for (const [k, v] of Object.entries((n.properties ?? {}) as Record<string, unknown>)) yield* nodes(v, `${path}.${k}`);
  if (n.items) yield* nodes(n.items, `${path}[]`);
}

describe("schemas", () => {
  const all = KINDS.flatMap((k) => [...nodes(k.spec, `${k.kind}.spec`), ...nodes(k.status, `${k.kind}.status`)]);

  it("describe every field, so kubectl explain is useful (list items are described by their list)", () => {
    const fields = all.filter(([p]) => !p.endsWith("[]"));
    expect(fields.filter(([, n]) => typeof n.description !== "string" || n.description.length < 3).map(([p]) => p)).toEqual([]);
  });

  it("bound every list (the CEL cost budget needs it)", () => {
    expect(all.filter(([, n]) => n.type === "array" && typeof n.maxItems !== "number").map(([p]) => p)).toEqual([]);
  });

  it("keep unknown fields in ECS shapes and refuse them in our own (status, spec.kubernetes)", () => {
    const preserving = all.filter(([, n]) => n[PRESERVE_UNKNOWN] === true && n.properties).map(([p]) => p);
    expect(preserving).toContain("TaskDefinition.spec");
    expect(preserving).toContain("TaskDefinition.spec.containerDefinitions[]");
    expect(preserving).toContain("TaskDefinition.spec.containerDefinitions[].linuxParameters");
    expect(preserving).toContain("Service.spec.deploymentConfiguration");
    expect(preserving.filter((p) => p.includes(".status") || p.includes(".kubernetes"))).toEqual([]);
  });

  it("explain dependsOn at taskdefinition.spec.containerDefinitions.dependsOn", () => {
    const dependsOn = all.find(([p]) => p === "TaskDefinition.spec.containerDefinitions[].dependsOn")?.[1];
    expect(dependsOn?.description).toMatch(/must reach a condition before this one starts/);
    const condition = all.find(([p]) => p === "TaskDefinition.spec.containerDefinitions[].dependsOn[].condition")?.[1];
    expect(condition?.enum).toEqual(["START", "COMPLETE", "SUCCESS", "HEALTHY"]);
  });
});
