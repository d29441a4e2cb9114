// The `ecs-operator` command as a process against the real control plane: `run` registers revisions and stops
// cleanly on SIGTERM; `convert` output is accepted by the API server as it is.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/index.ts";
import { TaskDefinitions, type TaskDefinitionObject } from "../../src/controllers/task-definition/resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { resource, resourcePath, ServiceAccounts, type KubeObject } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace, kubeconfigPath } from "./support/cluster.ts";
import { load, loadAll } from "js-yaml";

const kc = kubeConfig();
const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../unit/cli/fixtures/${name}`, import.meta.url));
const children: ReturnType<typeof spawn>[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("ecs-operator run", () => {
  it("serves health and metrics, registers revisions, and exits 0 on SIGTERM", async () => {
    const ns = await testNamespace(kc, "cli-run");
    const proc = spawn(process.execPath, [main, "run", "--kubeconfig", kubeconfigPath(), "--namespace", ns, "--metrics-bind-address", "127.0.0.1:0", "--log-level", "info"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, KUBECONFIG: "" },
    });
    children.push(proc);
    let logs = "";
    proc.stderr.on("data", (d: Buffer) => (logs += d.toString()));
    const port = await eventually("the started log line", () => {
      const m = /"msg":"started","metricsPort":(\d+)/.exec(logs);
      return Promise.resolve(m ? Number(m[1]) : undefined);
    });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain("ecs_operator_reconcile_total");

    await apiRequest(kc, {
      method: "POST",
      path: resourcePath(TaskDefinitions, ns),
      body: { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name: "hello" }, spec: { containerDefinitions: [{ name: "app", image: "busybox:1.36", memory: 64 }] } },
    });
    await eventually("revision 1", async () => (await apiRequest<TaskDefinitionObject>(kc, { method: "GET", path: resourcePath(TaskDefinitions, ns, "hello") })).status?.taskDefinitionArn === "hello:1");

    const exited = once(proc, "exit");
    proc.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(logs).toContain('"signal":"SIGTERM"');
  });

  it("a bad flag exits 1 with a message naming it", () => {
    const res = spawnSync(process.execPath, [main, "run", "--metrics-bind-address", "nowhere"], { encoding: "utf8" });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('--metrics-bind-address: "nowhere" is not host:port');
  });
});

describe("ecs-operator convert", () => {
  it("prints manifests the API server accepts as they are", async () => {
    const ns = await testNamespace(kc, "cli-convert");
    const res = spawnSync(process.execPath, [main, "convert", "-f", fixture("checkout-api-described.json")], { encoding: "utf8" });
    expect(res.status).toBe(0);
    const manifest = load(res.stdout) as TaskDefinitionObject;
    const created = await apiRequest<TaskDefinitionObject>(kc, { method: "POST", path: resourcePath(TaskDefinitions, ns), body: manifest, query: { fieldValidation: "Strict" } });
    expect(created.spec.family).toBe("checkout_api");
  });
});

describe("ecs-operator render", () => {
  it("prints objects the API server accepts (server-side dry run)", async () => {
    const ns = await testNamespace(kc, "cli-render");
    const res = spawnSync(process.execPath, [main, "render", "-n", ns, "-f", fixture("payments-worker.yaml"), "-f", fixture("checkout-api.json")], { encoding: "utf8" });
    expect(res.status).toBe(0);
    const objects = (loadAll(res.stdout) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null);
    expect(objects.map((o) => o.kind)).toEqual(["PodTemplate", "ServiceAccount", "PodTemplate"]);
    const types = { PodTemplate: resource("v1", "PodTemplate", "podtemplates"), ServiceAccount: ServiceAccounts };
    for (const o of objects) {
      const rt = types[o.kind as keyof typeof types];
      await apiRequest(kc, { method: "POST", path: resourcePath(rt, ns), body: o, query: { dryRun: "All", fieldValidation: "Strict" } });
    }
  });
});
