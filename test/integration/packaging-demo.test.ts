// `npm run demo -- --once` against the test control plane (KUBECONFIG set: the demo starts no control plane of its
// own). It runs on examples/ unchanged (every kind, the cluster-scoped CapacityProviders included), waits for Ready,
// prints `kubectl get ecs -A`, and exits 0; an object that cannot become Ready makes it exit 1 and name the object
// with its conditions. Afterwards the test removes what the demo created: its namespace (releasing the finalizers
// no controller is left to release) and the CapacityProviders that did not exist before (other files create
// `fargate-spot` and expect it absent); a provider it found is left alone.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/index.ts";
import { ApiRequestError, apiRequest } from "../../src/runtime/api-request.ts";
import { documents, type Manifest, ROOT } from "../e2e/tools.ts";
import { eventually, kubeConfig, exists as existsAt, kubeconfigPath } from "./support/cluster.ts";

const kc = kubeConfig();
const ALL_KINDS = ["CapacityProvider", "Cluster", "TaskDefinition", "Service", "Task", "ScheduledTask"];
const NAMESPACED = [
  ["clusters", "Cluster"],
  ["taskdefinitions", "TaskDefinition"],
  ["services", "Service"],
  ["tasks", "Task"],
  ["scheduledtasks", "ScheduledTask"],
] as const;

async function examples(): Promise<Manifest[]> {
  const dir = join(ROOT, "examples");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  return (await Promise.all(files.map(async (f) => documents(await readFile(join(dir, f), "utf8"))))).flat();
}

const providerPath = (name: string) => `/apis/${API_GROUP_VERSION}/capacityproviders/${name}`;
const exists = (path: string): Promise<boolean> => existsAt(kc, path);

/** What the demos of this file created: their namespaces, and CapacityProviders that were absent before. */
const created = { namespaces: [] as string[], providers: [] as string[] };

async function cleanUp(): Promise<void> {
  for (const name of created.providers.splice(0)) {
    if (await exists(providerPath(name))) await apiRequest(kc, { method: "DELETE", path: providerPath(name) });
    await eventually(`CapacityProvider/${name} deleted`, async () => !(await exists(providerPath(name))), 30_000, 250);
  }
  for (const ns of created.namespaces.splice(0)) {
    if (!(await exists(`/api/v1/namespaces/${ns}`))) continue;
    await apiRequest(kc, { method: "DELETE", path: `/api/v1/namespaces/${ns}` });
    // The controller stopped with the demo: release the finalizers it would have released (Cluster, Service).
    await eventually(
      `namespace ${ns} deleted`,
      async () => {
        for (const [plural] of NAMESPACED) {
          const list = await apiRequest<{ items: Manifest[] }>(kc, { method: "GET", path: `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${plural}` });
          for (const o of list.items.filter((i) => (i.metadata as { finalizers?: string[] }).finalizers?.length)) {
            await apiRequest(kc, {
              method: "PATCH",
              path: `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${plural}/${o.metadata.name}`,
              contentType: "application/merge-patch+json",
              body: { metadata: { finalizers: null } },
            }).catch((err: unknown) => {
              if (!(err instanceof ApiRequestError && err.code === 404)) throw err;
            });
          }
        }
        return !(await exists(`/api/v1/namespaces/${ns}`));
      },
      90_000,
      500,
    );
  }
}

afterAll(cleanUp, 180_000);

async function demo(manifests: Manifest[], extraArgs: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string; namespace: string }> {
  const dir = await mkdtemp(join(tmpdir(), "ecs-demo-examples-"));
  await writeFile(join(dir, "examples.yaml"), manifests.map((m) => dump(m)).join("---\n"));
  const namespace = `demo-${Math.random().toString(16).slice(2, 8)}`;
  created.namespaces.push(namespace);
  for (const m of manifests.filter((x) => x.kind === "CapacityProvider")) {
    if (!(await exists(providerPath(m.metadata.name)))) created.providers.push(m.metadata.name);
  }
  const child = spawn(process.execPath, [join(ROOT, "scripts/demo.ts"), "--once", "--timeout", "60", "--namespace", namespace, "--examples", dir, ...extraArgs], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  await rm(dir, { recursive: true, force: true });
  return { code, stdout, stderr, namespace };
}

describe("npm run demo -- --once (KUBECONFIG set)", () => {
  it("applies every example, waits until they are Ready, prints kubectl get ecs -A, exits 0; the test removes what it made", async () => {
    const all = await examples();
    const manifests = all.filter((m) => m.apiVersion === API_GROUP_VERSION);
    expect(new Set(manifests.map((m) => m.kind))).toEqual(new Set(ALL_KINDS));
    const res = await demo(all);
    expect(res.stderr).toContain("using the cluster of KUBECONFIG=");
    expect(res.stdout).toContain("$ kubectl get ecs -A");
    for (const m of manifests) expect(res.stdout).toContain(m.metadata.name);
    expect(res.stdout).toContain(`All ${manifests.length} example objects are Ready`);
    expect(res.stdout).toContain(`kubectl get deploy,ds,pods,svc,ingress,hpa,pdb -n ${res.namespace}`);
    expect(res.stdout).toContain(`kubectl get ecstask -n ${res.namespace} -L ecs.operator.dev/scheduled-task`);
    // What to look at next names what the controllers make: no CronJobs or Jobs (ScheduledTask runs are Tasks). Only
    // that section: `kubectl get ecs -A` lists every namespace, where other suites may well have a Task named job.
    const next = res.stdout.slice(res.stdout.indexOf("Where to look next"));
    expect(next.length).toBeGreaterThan("Where to look next".length);
    expect(next).not.toMatch(/cronjob|\bjobs?\b/i);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);

    // Cleaning up leaves nothing of the demo, and no provider it did not create is touched.
    const providers = manifests.filter((m) => m.kind === "CapacityProvider").map((m) => m.metadata.name);
    const createdHere = [...created.providers];
    await cleanUp();
    for (const name of providers) expect(await exists(providerPath(name)), `CapacityProvider/${name} (created here: ${createdHere.includes(name)})`).toBe(!createdHere.includes(name));
    expect(await exists(`/api/v1/namespaces/${res.namespace}`)).toBe(false);
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
