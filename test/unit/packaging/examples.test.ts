// examples/: every document is one of our kinds, starts its file with a comment saying what it shows, and is
// accepted by admit() (the API server's schema and CEL rules, offline). The integration test
// packaging-examples.test.ts holds the real API server to the same.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { admit } from "../../../src/api/admission.ts";
import { API_GROUP_VERSION } from "../../../src/api/common.ts";
import { documents, ROOT } from "../../e2e/tools.ts";

const dir = join(ROOT, "examples");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
const all = files.flatMap((f) => documents(readFileSync(join(dir, f), "utf8")).map((doc) => ({ file: f, doc })));

describe("examples/", () => {
  it("holds the scenarios of the README: cluster, web on FARGATE/FARGATE_SPOT, worker, daemon, sidecar, task, schedule", () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    const kinds = new Set(all.map((d) => d.doc.kind));
    expect([...kinds].sort()).toEqual(["CapacityProvider", "Cluster", "ScheduledTask", "Service", "Task", "TaskDefinition"]);
  });

  it.each(files)("%s starts with a comment saying what it shows", (file) => {
    expect(readFileSync(join(dir, file), "utf8")).toMatch(/^# \S.{20,}/);
  });

  it.each(all.map((d) => [`${d.file}: ${d.doc.kind} ${d.doc.metadata.name}`, d.doc] as const))("%s is accepted by admit()", (_name, doc) => {
    expect(doc.apiVersion).toBe(API_GROUP_VERSION);
    expect(doc.metadata.namespace, "examples are applied into any namespace").toBeUndefined();
    expect(admit(doc)).toEqual([]);
  });

  it("every TaskDefinition a Service, Task or ScheduledTask names is among the examples", () => {
    const families = new Set(all.filter((d) => d.doc.kind === "TaskDefinition").map((d) => d.doc.metadata.name));
    const refs = all.flatMap(({ doc }) => {
      const spec = doc.spec as { taskDefinition?: string; task?: { taskDefinition?: string } };
      return [spec.taskDefinition, spec.task?.taskDefinition].filter((r): r is string => r !== undefined);
    });
    expect(refs.length).toBeGreaterThan(4);
    for (const r of refs) expect(families).toContain(r.split(":")[0]);
  });

  it("every capacity provider a strategy names is built in or among the examples", () => {
    const providers = new Set(["FARGATE", "FARGATE_SPOT", ...all.filter((d) => d.doc.kind === "CapacityProvider").map((d) => (d.doc.spec as { name?: string }).name ?? d.doc.metadata.name)]);
    for (const { doc } of all) {
      const spec = doc.spec as { capacityProviderStrategy?: { capacityProvider: string }[]; defaultCapacityProviderStrategy?: { capacityProvider: string }[] };
      for (const item of [...(spec.capacityProviderStrategy ?? []), ...(spec.defaultCapacityProviderStrategy ?? [])]) expect(providers).toContain(item.capacityProvider);
    }
  });

  it("the FARGATE_SPOT override points at the spot pool (the demo cluster has no spot Fargate node)", () => {
    const cp = all.find((d) => d.doc.kind === "CapacityProvider" && d.doc.metadata.name === "fargate-spot")?.doc.spec as { kubernetes: { nodeSelector: Record<string, string> } };
    expect(cp.kubernetes.nodeSelector).toEqual({ "karpenter.sh/capacity-type": "spot" });
  });
});
