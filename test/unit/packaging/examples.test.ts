// examples/: every document is one of our kinds, starts its file with a comment saying what it shows, and is
// accepted by admit() (the API server's schema and CEL rules, offline). The integration test
// packaging-examples.test.ts holds the real API server to the same.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { admit } from "../../../src/api/admission.ts";
import { API_GROUP_VERSION } from "../../../src/api/common.ts";
import { renderTaskDefinition } from "../../../src/cli/render.ts";
import { documents, ROOT } from "../../e2e/tools.ts";

const dir = join(ROOT, "examples");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
const all = files.flatMap((f) => documents(readFileSync(join(dir, f), "utf8")).map((doc) => ({ file: f, doc })));
/** The ecs.operator.dev objects; the rest are the Secrets they read. */
const ecs = all.filter((d) => d.doc.apiVersion === API_GROUP_VERSION);

describe("examples/", () => {
  it("holds the scenarios of the README: cluster, web on FARGATE/FARGATE_SPOT, worker, daemon, sidecar, task, schedule", () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    const kinds = new Set(ecs.map((d) => d.doc.kind));
    expect([...kinds].sort()).toEqual(["CapacityProvider", "Cluster", "ScheduledTask", "Service", "Task", "TaskDefinition"]);
    expect(all.filter((d) => d.doc.apiVersion !== API_GROUP_VERSION).map((d) => `${d.doc.apiVersion} ${d.doc.kind}`)).toEqual(["v1 Secret", "v1 Secret"]);
  });

  it.each(files)("%s starts with a comment saying what it shows", (file) => {
    expect(readFileSync(join(dir, file), "utf8")).toMatch(/^# \S.{20,}/);
  });

  it.each(ecs.map((d) => [`${d.file}: ${d.doc.kind} ${d.doc.metadata.name}`, d.doc] as const))("%s is accepted by admit()", (_name, doc) => {
    expect(doc.metadata.namespace, "examples are applied into any namespace").toBeUndefined();
    expect(admit(doc)).toEqual([]);
  });

  it("every Secret a task definition reads (as ecs-operator render lists them) is among the examples", () => {
    const secrets = new Set(all.filter((d) => d.doc.kind === "Secret").flatMap((d) => Object.keys((d.doc as unknown as { stringData: Record<string, string> }).stringData).map((k) => `${d.doc.metadata.name} key ${k}`)));
    const needed = ecs
      .filter((d) => d.doc.kind === "TaskDefinition")
      .flatMap((d) => renderTaskDefinition(d.doc as unknown as Parameters<typeof renderTaskDefinition>[0], d.file).objects)
      .filter((o): o is string => typeof o === "string")
      .flatMap((text) => [...text.matchAll(/Secret (\S+ key \S+),/g)].map((m) => m[1] ?? ""));
    expect(needed.length).toBeGreaterThanOrEqual(2);
    for (const n of needed) expect(secrets).toContain(n);
  });

  it("every TaskDefinition a Service, Task or ScheduledTask names is among the examples", () => {
    const families = new Set(all.filter((d) => d.doc.kind === "TaskDefinition").map((d) => d.doc.metadata.name));
    const refs = ecs.flatMap(({ doc }) => {
      const spec = doc.spec as { taskDefinition?: string; task?: { taskDefinition?: string } };
      return [spec.taskDefinition, spec.task?.taskDefinition].filter((r): r is string => r !== undefined);
    });
    expect(refs.length).toBeGreaterThan(4);
    for (const r of refs) expect(families).toContain(r.split(":")[0]);
  });

  it("every capacity provider a strategy names is built in or among the examples", () => {
    const providers = new Set(["FARGATE", "FARGATE_SPOT", ...all.filter((d) => d.doc.kind === "CapacityProvider").map((d) => (d.doc.spec as { name?: string }).name ?? d.doc.metadata.name)]);
    for (const { doc } of ecs) {
      const spec = doc.spec as { capacityProviderStrategy?: { capacityProvider: string }[]; defaultCapacityProviderStrategy?: { capacityProvider: string }[] };
      for (const item of [...(spec.capacityProviderStrategy ?? []), ...(spec.defaultCapacityProviderStrategy ?? [])]) expect(providers).toContain(item.capacityProvider);
    }
  });

  it("the FARGATE_SPOT override points at the spot pool (the demo cluster has no spot Fargate node)", () => {
    const cp = all.find((d) => d.doc.kind === "CapacityProvider" && d.doc.metadata.name === "fargate-spot")?.doc.spec as { kubernetes: { nodeSelector: Record<string, string> } };
    expect(cp.kubernetes.nodeSelector).toEqual({ "karpenter.sh/capacity-type": "spot" });
  });
});
