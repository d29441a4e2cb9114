// `ecs-operator render` prints what the controllers make: every file of examples/ applied to a fresh namespace with
// the whole operator running (registerControllers on one Manager), and the children the Service controller made
// compared with what render printed for the same files (against the same nodes, --nodes): the same objects, and
// each printed object's labels, annotations and spec present with the same values in the live one (the API
// server's defaults may add fields; that is what "the controller would write nothing" means, runtime/apply.ts).
// Only the deployment id differs: it is derived from the Service's uid, which render cannot know.
// Tasks and ScheduledTasks are applied too but not compared: render does not print them yet.
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, loadAll } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/index.ts";
import { main } from "../../src/cli/main.ts";
import { DEPLOYMENT_ID_ANNOTATION } from "../../src/builders/service-deployment.ts";
import { SERVICE_LABEL } from "../../src/builders/task-labels.ts";
import { registerControllers } from "../../src/controllers/register.ts";
import { ApiRequestError, apiRequest } from "../../src/runtime/api-request.ts";
import { APPLIED_HASH_ANNOTATION, isSubset } from "../../src/runtime/apply.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { DaemonSets, Deployments, HorizontalPodAutoscalers, Ingresses, Nodes, PodDisruptionBudgets, resourcePath, ServiceAccounts, Services, type KubeObject, type ResourceType } from "../../src/runtime/resources.ts";
import { documents, ROOT, type Manifest } from "../e2e/tools.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const created = { namespaces: [] as string[], providers: [] as string[] };
const NAMESPACED_KINDS = ["clusters", "taskdefinitions", "services", "tasks", "scheduledtasks"];
const CHILD_TYPES: readonly ResourceType[] = [Deployments, DaemonSets, Services, Ingresses, HorizontalPodAutoscalers, PodDisruptionBudgets, ServiceAccounts];
const providerPath = (name: string): string => `/apis/${API_GROUP_VERSION}/capacityproviders/${name}`;

async function exists(path: string): Promise<boolean> {
  try {
    await apiRequest(kc, { method: "GET", path });
    return true;
  } catch (err) {
    if (err instanceof ApiRequestError && err.code === 404) return false;
    throw err;
  }
}

// The operator stops first; then the namespace goes (its finalizers released as the stopped controllers would have)
// and the cluster-scoped CapacityProviders this file created (other files expect them absent).
afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  for (const ns of created.namespaces) {
    await apiRequest(kc, { method: "DELETE", path: `/api/v1/namespaces/${ns}` });
    await eventually(`namespace ${ns} deleted`, async () => {
      for (const plural of NAMESPACED_KINDS) {
        const list = await apiRequest<{ items: Manifest[] }>(kc, { method: "GET", path: `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${plural}` });
        for (const o of list.items.filter((i) => (i.metadata as { finalizers?: string[] }).finalizers?.length)) {
          await apiRequest(kc, { method: "PATCH", path: `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${plural}/${o.metadata.name}`, contentType: "application/merge-patch+json", body: { metadata: { finalizers: null } } })
            .catch((err: unknown) => { if (!(err instanceof ApiRequestError && err.code === 404)) throw err; });
        }
      }
      return !(await exists(`/api/v1/namespaces/${ns}`));
    }, 90_000, 500);
  }
  for (const name of created.providers) {
    if (await exists(providerPath(name))) await apiRequest(kc, { method: "DELETE", path: providerPath(name) });
    await eventually(`CapacityProvider/${name} deleted`, async () => !(await exists(providerPath(name))), 30_000, 250);
  }
}, 180_000);

/** What `ecs-operator render` prints for `argv`, as objects (comments and PodTemplates, which no controller makes, left out). */
async function render(argv: string[]): Promise<{ objects: KubeObject[]; stderr: string }> {
  let stdout = "";
  const errs: string[] = [];
  const code = await main(["render", ...argv], { stdout: (t) => (stdout += t), stderr: (l) => errs.push(l), env: {} });
  expect(code, errs.join("\n")).toBe(0);
  return { objects: (loadAll(stdout) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null && o.kind !== "PodTemplate"), stderr: errs.join("\n") };
}

const typeOf = (kind: string | undefined): ResourceType => {
  const rt = CHILD_TYPES.find((t) => t.kind === kind);
  if (rt === undefined) throw new Error(`render printed a ${String(kind)}, which no Service child is`);
  return rt;
};

const QUANTITY_KEYS = new Set(["memory", "ephemeral-storage"]);
/**
 * The API server stores a binary quantity in its largest exact unit (1024Mi comes back as 1Gi). Note: the
 * controller's applyIfChanged compares the strings too, so such a value is re-applied on every pass.
 */
function canonicalQuantity(q: string): string {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(q);
  if (m === null) return q;
  const units = ["Ki", "Mi", "Gi", "Ti"];
  let n = Number(m[1]);
  let u = units.indexOf(m[2] ?? "");
  while (u < units.length - 1 && n % 1024 === 0 && n > 0) {
    n /= 1024;
    u++;
  }
  return `${n}${units[u] ?? ""}`;
}

/** The object without what only the cluster knows: the deployment id (from the Service's uid), the applied hash, owners. */
function comparable(o: KubeObject): unknown {
  const id = o.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION] ?? (o as { spec?: { template?: KubeObject } }).spec?.template?.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION];
  let text = JSON.stringify({ metadata: { labels: o.metadata?.labels, annotations: o.metadata?.annotations }, spec: (o as { spec?: unknown }).spec, automountServiceAccountToken: (o as { automountServiceAccountToken?: unknown }).automountServiceAccountToken });
  if (id !== undefined) text = text.replaceAll(id, "ID").replaceAll(id.replace(/^ecs-svc\//, ""), "ID");
  const parsed = JSON.parse(text, (k, v: unknown) => (QUANTITY_KEYS.has(k) && typeof v === "string" ? canonicalQuantity(v) : v)) as { metadata: { annotations?: Record<string, string> } };
  if (parsed.metadata.annotations !== undefined) Reflect.deleteProperty(parsed.metadata.annotations, APPLIED_HASH_ANNOTATION);
  // A DaemonSet's maxUnavailable is ECS's rounding over the nodes it runs on (desiredNumberScheduled), which only the
  // cluster knows (docs/cli.md, render).
  // (Only DaemonSets have spec.updateStrategy; objects read from a list carry no kind.)
  const rolling = (parsed as { spec?: { updateStrategy?: { rollingUpdate?: { maxUnavailable?: unknown } } } }).spec?.updateStrategy?.rollingUpdate;
  if (rolling?.maxUnavailable !== undefined) rolling.maxUnavailable = "NODES";
  return parsed;
}

describe("render matches the controllers", () => {
  it("every example applied with the whole operator running: the Service controller's children are what render printed", async () => {
    const ns = await testNamespace(kc, "render-match");
    created.namespaces.push(ns);
    const dir = join(ROOT, "examples");
    const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(dir, f));
    const byFile = await Promise.all(files.map(async (f) => ({ file: f, docs: documents(await readFile(f, "utf8")) })));
    const manifests = byFile.flatMap((f) => f.docs);

    const mgr = new Manager({ kubeConfig: kc, identity: "render-match-test", logger: createLogger({ level: "error" }) });
    managers.push(mgr);
    registerControllers(mgr, { namespace: ns });
    await mgr.start();
    for (const m of manifests) {
      const clusterScoped = m.kind === "CapacityProvider";
      if (clusterScoped && await exists(providerPath(m.metadata.name))) continue;
      if (clusterScoped) created.providers.push(m.metadata.name);
      const api = m.apiVersion === "v1" ? `/api/v1` : `/apis/${m.apiVersion}`;
      const plural = `${m.kind.toLowerCase()}${m.kind.endsWith("s") ? "es" : "s"}`.replace(/ys$/, "ies");
      await apiRequest(kc, { method: "POST", path: clusterScoped ? `${api}/${plural}` : `${api}/namespaces/${ns}/${plural}`, body: { ...m, metadata: { ...m.metadata, namespace: clusterScoped ? undefined : ns } } });
    }

    // render, offline, from the same files and the cluster's nodes (what memberOf =~ patterns compile against).
    const nodes = await apiRequest<{ items: unknown[] }>(kc, { method: "GET", path: resourcePath(Nodes) });
    const nodesFile = join(await mkdtemp(join(tmpdir(), "render-nodes-")), "nodes.yaml");
    await writeFile(nodesFile, dump({ apiVersion: "v1", kind: "List", items: nodes.items }, { noRefs: true }));
    // render reads ecs.operator.dev manifests (and ECS JSON); the example Secrets are for the pods, not for it.
    const ecsFiles = byFile.filter((f) => f.docs.every((d) => d.apiVersion === API_GROUP_VERSION)).map((f) => f.file);
    const { objects: printed, stderr } = await render(["-n", ns, "--nodes", nodesFile, ...ecsFiles.flatMap((f) => ["-f", f])]);
    expect(stderr).toContain("render: Clusters from the files: default");
    const services = manifests.filter((m) => m.kind === "Service").map((m) => m.metadata.name);
    expect(services.length).toBeGreaterThanOrEqual(4);
    // Every Service printed something: its Deployments or DaemonSet at least.
    for (const name of services) expect(printed.some((o) => o.metadata?.labels?.[SERVICE_LABEL] === name && (o.kind === "Deployment" || o.kind === "DaemonSet")), `render printed the workload of Service ${name}`).toBe(true);

    // The controllers converge on exactly those objects.
    let mismatches: string[] = [];
    await eventually("the Service controller's children equal what render printed", async () => {
      mismatches = [];
      const live = new Map<string, KubeObject>();
      for (const rt of CHILD_TYPES.filter((t) => t !== ServiceAccounts)) {
        const list = await apiRequest<{ items: KubeObject[] }>(kc, { method: "GET", path: resourcePath(rt, ns), query: { labelSelector: SERVICE_LABEL } });
        for (const o of list.items) live.set(`${rt.kind}/${o.metadata?.name ?? ""}`, o);
      }
      for (const o of printed) {
        const key = `${o.kind ?? ""}/${o.metadata?.name ?? ""}`;
        const actual = live.get(key) ?? (o.kind === "ServiceAccount" ? await apiRequest<KubeObject>(kc, { method: "GET", path: resourcePath(typeOf(o.kind), ns, o.metadata?.name) }).catch(() => undefined) : undefined);
        live.delete(key);
        if (actual === undefined) mismatches.push(`${key}: printed, not made`);
        else if (!isSubset(comparable(o), comparable(actual))) mismatches.push(`${key}: differs\n  printed ${JSON.stringify(comparable(o))}\n  made    ${JSON.stringify(comparable(actual))}`);
      }
      for (const key of live.keys()) mismatches.push(`${key}: made, not printed`);
      return mismatches.length === 0;
    }, 120_000, 1_000).catch(() => undefined);
    expect(mismatches).toEqual([]);
  }, 300_000);
});

