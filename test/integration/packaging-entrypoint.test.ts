// The container's command, run directly (no container engine here): the image's layout (/app with dist/,
// package.json and production-only node_modules, as the Dockerfile's final stage installs them) and its
// ENTRYPOINT `node dist/cli/main.js run`, as the chart's ServiceAccount with the chart's RBAC (a token, not the admin
// certificate) and leader election on. It must become ready, do its job, write nothing into its directory (the
// image's root filesystem is read-only), and exit 0 on SIGTERM. Its job is the whole of examples/ (every kind, the
// cluster-scoped CapacityProviders included): each object becomes Ready, then is deleted and goes (finalizers
// released, children drained), and the log never says "forbidden": the RBAC of src/api/rbac.ts covers the
// controllers' reads and writes.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { IMAGE_NODE_FLAGS } from "../../bench/operator.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/index.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { isReady, type ObservedObject, whyNotReady } from "../../scripts/demo.ts";
import { documents, helm, type Manifest, objectPath, ROOT, serverSideApply } from "../e2e/tools.ts";
import { eventually, kubeConfig, testNamespace, exists as existsAt } from "./support/cluster.ts";

const kc = kubeConfig();
let app = "";
let ns = "";
let proc: ChildProcess | undefined;
let rbac: Manifest[] = [];
/** CapacityProviders this file created (cluster-scoped: other files expect them absent); never ones it found. */
const createdProviders: string[] = [];
const providerPath = (name: string) => `/apis/${API_GROUP_VERSION}/capacityproviders/${name}`;

const exists = (path: string): Promise<boolean> => existsAt(kc, path);

/** Every file under dir with its size and mtime: to show the process wrote nothing there. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.parentPath.includes("node_modules") && e.name !== "node_modules").map((e) => join(e.parentPath, e.name)).sort();
}

beforeAll(async () => {
  // `npm run build`, then the final image stage's layout in a directory of its own.
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")], { encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`npm run build failed:\n${tsc.stdout}${tsc.stderr}`);
  app = await mkdtemp(join(tmpdir(), "ecs-operator-image-"));
  await cp(join(ROOT, "dist"), join(app, "dist"), { recursive: true });
  await cp(join(ROOT, "package.json"), join(app, "package.json"));
  await cp(join(ROOT, "package-lock.json"), join(app, "package-lock.json"));
  // The image's dependency step: production dependencies only, so a runtime import of a dev dependency fails here.
  const npm = spawnSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: app, encoding: "utf8" });
  if (npm.status !== 0) throw new Error(`npm ci --omit=dev failed:\n${npm.stdout}${npm.stderr}`);
  // The Dockerfile's pruning: no type declarations, source maps or docs in node_modules.
  const prune = spawnSync("find", ["node_modules", "-type", "f", "(", "-name", "*.d.ts", "-o", "-name", "*.d.mts", "-o", "-name", "*.d.cts", "-o", "-name", "*.map", "-o", "-name", "*.md", ")", "-delete"], { cwd: app, encoding: "utf8" });
  if (prune.status !== 0) throw new Error(`pruning node_modules failed: ${prune.stderr}`);
}, 240_000);

afterAll(async () => {
  if (proc?.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  for (const name of createdProviders) if (await exists(providerPath(name))) await apiRequest(kc, { method: "DELETE", path: providerPath(name) });
  for (const o of rbac.filter((d) => d.kind === "ClusterRole" || d.kind === "ClusterRoleBinding")) {
    // Cluster-scoped, so not deleted with the test namespace.
    await apiRequest(kc, { method: "DELETE", path: `/apis/${o.apiVersion}/${o.kind === "ClusterRole" ? "clusterroles" : "clusterrolebindings"}/${o.metadata.name}` });
  }
  if (app) await rm(app, { recursive: true, force: true });
});

/** A kubeconfig that authenticates with a token of the ServiceAccount, as in a pod. */
async function serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const token = await core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = kc.getCurrentCluster();
  if (!cluster?.caFile || !token.status?.token) throw new Error("no CA file in the test kubeconfig, or no token");
  const sa = new KubeConfig();
  sa.loadFromOptions({
    clusters: [{ name: "c", server: cluster.server, caFile: cluster.caFile }],
    users: [{ name: "sa", token: token.status.token }],
    contexts: [{ name: "sa", cluster: "c", user: "sa" }],
    currentContext: "sa",
  });
  const file = join(app, "..", `${serviceAccount}-${namespace}.kubeconfig`);
  await writeFile(file, sa.exportConfig(), { mode: 0o600 });
  return file;
}

let lastWaiting = "";

describe("container entrypoint: node dist/cli/main.js run", () => {
  it("runs as the chart's ServiceAccount with leader election, becomes ready, works, writes nothing, exits 0 on SIGTERM", async () => {
    ns = await testNamespace(kc, "pkg-entry");
    const release = `entry-${ns.slice(-6)}`;
    const rendered = await helm(["template", release, join(ROOT, "charts/ecs-operator"), "-n", ns, "--show-only", "templates/serviceaccount.yaml", "--show-only", "templates/rbac.yaml"]);
    if (rendered.status !== 0) throw new Error(rendered.stderr);
    rbac = documents(rendered.stdout);
    await serverSideApply(kc, rbac, { dryRun: false, namespace: ns });
    const saName = rbac.find((d) => d.kind === "ServiceAccount")?.metadata.name ?? "";
    const kubeconfig = await serviceAccountKubeconfig(ns, saName);
    const before = await snapshot(app);

    // The Dockerfile's ENTRYPOINT, node flags included (the bench runs the operator with the same ones).
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(await readFile(join(ROOT, "Dockerfile"), "utf8"))?.[1] ?? "[]") as string[];
    expect(entrypoint).toEqual(["node", ...IMAGE_NODE_FLAGS, "dist/cli/main.js"]);
    proc = spawn(process.execPath, [...entrypoint.slice(1), "run", "--kubeconfig", kubeconfig, "--metrics-bind-address", "127.0.0.1:0", "--leader-elect", "--leader-election-id", release], {
      cwd: app,
      stdio: ["ignore", "ignore", "pipe"],
      // As in the pod: the downward API's name and namespace, no HOME to write to, production mode.
      env: { PATH: process.env.PATH, NODE_ENV: "production", HOME: "/nonexistent", POD_NAME: `${release}-pod`, POD_NAMESPACE: ns },
    });
    let logs = "";
    proc.stderr?.on("data", (d: Buffer) => (logs += d.toString()));
    const port = await eventually("the started log line", () => Promise.resolve(/"msg":"started","metricsPort":(\d+)/.exec(logs)?.[1]).then((p) => (p ? Number(p) : undefined)));
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await eventually(`/readyz 200 (logs: ${logs.slice(-2000)})`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000);

    // It holds the Lease in its namespace and does its job with only the chart's permissions.
    await eventually("the Lease held by this process", async () => {
      const lease = await apiRequest<{ spec?: { holderIdentity?: string } }>(kc, { method: "GET", path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${release}` });
      return lease.spec?.holderIdentity === `${release}-pod`;
    });
    await apiRequest(kc, {
      method: "POST",
      path: `/apis/${API_GROUP_VERSION}/namespaces/${ns}/taskdefinitions`,
      body: { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name: "hello" }, spec: { containerDefinitions: [{ name: "app", image: "busybox:1.36", memory: 64 }] } },
    });
    await eventually("revision hello:1 registered by the entrypoint process", async () => {
      const td = await apiRequest<{ status?: { taskDefinitionArn?: string } }>(kc, { method: "GET", path: `/apis/${API_GROUP_VERSION}/namespaces/${ns}/taskdefinitions/hello` });
      return td.status?.taskDefinitionArn === "hello:1";
    });

    // Every example: all six kinds, with their children (Deployments, DaemonSets, pods, Services, Ingress, HPA, PDBs).
    const dir = join(ROOT, "examples");
    const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
    const examples = (await Promise.all(files.map(async (f) => documents(await readFile(join(dir, f), "utf8"))))).flat();
    const ecs = examples.filter((m) => m.apiVersion === API_GROUP_VERSION);
    expect(new Set(ecs.map((m) => m.kind))).toEqual(new Set(["CapacityProvider", "Cluster", "TaskDefinition", "Service", "Task", "ScheduledTask"]));
    for (const m of ecs.filter((x) => x.kind === "CapacityProvider")) {
      if (!(await exists(providerPath(m.metadata.name)))) createdProviders.push(m.metadata.name);
    }
    await serverSideApply(kc, examples, { dryRun: false, namespace: ns, fieldManager: "ecs-operator-demo" });
    const paths = await Promise.all(ecs.map((m) => objectPath(kc, m, ns)));
    await eventually(
      "every example Ready",
      async () => {
        const objects = await Promise.all(paths.map((path) => apiRequest<ObservedObject>(kc, { method: "GET", path })));
        const waiting = objects.filter((o) => !isReady(o));
        return waiting.length === 0 ? true : (void (lastWaiting = waiting.map((o) => `${o.kind}/${o.metadata.name}: ${whyNotReady(o)}`).join("\n")), false);
      },
      90_000,
      500,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${lastWaiting}\nlog tail: ${logs.slice(-3000)}`, { cause: err });
    });

    // Deleting them exercises the other half of the RBAC: finalizers released, pods drained, children garbage collected.
    // The CapacityProviders go last: the Cluster refers to them.
    const namespaced = ecs.filter((m) => m.kind !== "CapacityProvider");
    const ordered = [...namespaced.filter((m) => m.kind !== "Cluster"), ...namespaced.filter((m) => m.kind === "Cluster")];
    for (const m of ordered) await apiRequest(kc, { method: "DELETE", path: await objectPath(kc, m, ns) });
    for (const m of ordered) {
      const path = await objectPath(kc, m, ns);
      await eventually(`${m.kind}/${m.metadata.name} deleted (finalizers released)`, async () => !(await exists(path)), 60_000, 500);
    }
    for (const name of createdProviders) {
      await apiRequest(kc, { method: "DELETE", path: providerPath(name) });
      await eventually(`CapacityProvider/${name} deleted`, async () => !(await exists(providerPath(name))), 30_000, 500);
    }
    expect(logs).not.toMatch(/forbidden/i);

    const exited = once(proc, "exit");
    proc.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(await snapshot(app)).toEqual(before);
  });
});
