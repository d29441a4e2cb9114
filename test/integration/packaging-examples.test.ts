// examples/ and config/samples against the real API server: every document is accepted as written (server-side
// apply, dry run, strict field validation), so a user's `kubectl apply -f examples/` cannot be refused.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { documents, kubectl, ROOT, serverSideApply } from "../e2e/tools.ts";
import { kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const dir = join(ROOT, "examples");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

describe("examples/ on the real API server", () => {
  it.each(files)("%s is accepted (server-side dry run, strict)", async (file) => {
    const ns = await testNamespace(kc, "pkg-examples");
    const docs = documents(readFileSync(join(dir, file), "utf8"));
    expect(docs.length).toBeGreaterThan(0);
    await serverSideApply(kc, docs, { dryRun: true, namespace: ns, fieldManager: "ecs-operator-demo" });
  });

  it("config/samples (kubectl kustomize) holds the same objects as examples/", () => {
    const samples = documents(kubectl(["kustomize", join(ROOT, "config/samples")]));
    const examples = files.flatMap((f) => documents(readFileSync(join(dir, f), "utf8")));
    const key = (d: { kind: string; metadata: { name: string } }) => `${d.kind}/${d.metadata.name}`;
    expect(samples.map(key).sort()).toEqual(examples.map(key).sort());
  });
});
