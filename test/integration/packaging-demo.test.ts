// `npm run demo -- --once` against the test control plane (KUBECONFIG set: the demo starts no control plane of its
// own). It applies the examples of the kinds whose controllers exist (KINDS_WITH_CONTROLLERS: once every controller
// is registered in `ecs-operator run`, this list is all six kinds and the demo runs on examples/ unchanged), waits
// for Ready, prints `kubectl get ecs -A`, and exits 0; an object that cannot become Ready makes it exit 1 and name
// the object with its conditions.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { describe, expect, inject, it } from "vitest";
import { documents, type Manifest, ROOT } from "../e2e/tools.ts";

const KINDS_WITH_CONTROLLERS = ["TaskDefinition"];

async function examplesOf(kinds: string[]): Promise<Manifest[]> {
  const dir = join(ROOT, "examples");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  const docs = (await Promise.all(files.map(async (f) => documents(await readFile(join(dir, f), "utf8"))))).flat();
  return docs.filter((d) => kinds.includes(d.kind));
}

async function demo(manifests: Manifest[], extraArgs: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string; namespace: string }> {
  const dir = await mkdtemp(join(tmpdir(), "ecs-demo-examples-"));
  await writeFile(join(dir, "examples.yaml"), manifests.map((m) => dump(m)).join("---\n"));
  const namespace = `demo-${Math.random().toString(16).slice(2, 8)}`;
  const child = spawn(process.execPath, [join(ROOT, "scripts/demo.ts"), "--once", "--timeout", "60", "--namespace", namespace, "--examples", dir, ...extraArgs], {
    env: { ...process.env, KUBECONFIG: inject("kubeconfig") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr, namespace };
}

describe("npm run demo -- --once (KUBECONFIG set)", () => {
  it("applies the examples, waits until they are Ready, prints kubectl get ecs -A, exits 0", async () => {
    const manifests = await examplesOf(KINDS_WITH_CONTROLLERS);
    expect(manifests.length).toBeGreaterThan(0);
    const res = await demo(manifests);
    expect(res.stderr).toContain("using the cluster of KUBECONFIG=");
    expect(res.stdout).toContain("$ kubectl get ecs -A");
    for (const m of manifests) expect(res.stdout).toContain(m.metadata.name);
    expect(res.stdout).toContain(`All ${manifests.length} example objects are Ready`);
    expect(res.stdout).toContain(`kubectl get deploy,ds,cronjobs,pods,svc,ingress,hpa -n ${res.namespace}`);
    expect(res.code, res.stderr).toBe(0);
  });

  it("exits 1 and names what is not Ready with its conditions", async () => {
    const loop: Manifest = {
      apiVersion: "ecs.operator.dev/v1alpha1",
      kind: "TaskDefinition",
      metadata: { name: "loop" },
      spec: {
        containerDefinitions: ["a", "b", "c"].map((name, i) => ({ name, image: "busybox:1.36", memory: 64, dependsOn: [{ containerName: ["b", "c", "a"][i], condition: "START" }] })),
      },
    };
    const res = await demo([loop], ["--timeout", "15"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/NOT READY after 15s \(1 of 1\):\n {2}TaskDefinition\/loop: .*Stalled=True DependsOnCycle/);
  });
});
