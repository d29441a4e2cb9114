// `ecs-operator render` prints what the controllers make: every file of examples/ applied to a fresh namespace with
// the whole operator running (registerControllers on one Manager, with a clock the test moves), and compared with
// what render printed for the same files (against the same nodes, --nodes, and the same clock): each printed
// object's labels, annotations and spec present with the same values in the live one (the API server's defaults
// may add fields; that is what "the controller would write nothing" means, runtime/apply.ts). Compared:
// - the Service controller's children (Deployments, DaemonSets, Services, Ingresses, HPAs, PDBs, ServiceAccounts),
//   and then that more reconciles of the steady services write none of them again (1024 and 2048 MiB tasks: the API
//   server stores 1Gi and 2Gi, runtime/apply.ts compares quantities by value);
// - the Task example's pods;
// - the ScheduledTask example: the clock is moved to the first run time render printed, and the Task the controller
//   creates then, and that Task's pods, are what render printed.
// Normalised only what render cannot know: the deployment id (from the Service's uid), the applied hash, owner
// references (uids), quantities' spelling (1024Mi is stored as 1Gi) and the tolerations the API server adds to pods.
import { APPLIED_HASH_ANNOTATION, DEPLOYMENT_ID_ANNOTATION, DEPLOYMENT_LABEL, SCHEDULED_TASK_LABEL, SERVICE_LABEL } from "../../src/api/keys.ts";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, loadAll } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/index.ts";
import { main } from "../../src/cli/main.ts";
import { registerControllers } from "../../src/controllers/register.ts";
import { ApiRequestError, apiRequest } from "../../src/runtime/api-request.ts";
import { isSubset } from "../../src/runtime/apply.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { EcsServices, EcsTasks, ScheduledTasks } from "../../src/controllers/ecs-resources.ts";
import { DaemonSets, Deployments, HorizontalPodAutoscalers, HTTPRoutes, Ingresses, Nodes, PodDisruptionBudgets, Pods, resourcePath, ServiceAccounts, Services, type KubeObject, type ResourceType } from "../../src/runtime/resources.ts";
import { documents, ROOT, type Manifest } from "../e2e/tools.ts";
import { eventually, kubeConfig, testNamespace, exists as existsAt } from "./support/cluster.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const created = { namespaces: [] as string[], providers: [] as string[] };
const NAMESPACED_KINDS = ["clusters", "taskdefinitions", "services", "tasks", "scheduledtasks"];
// HTTPRoutes: the blue/green example sits behind a Gateway (the test control plane serves the Gateway API CRDs).
const CHILD_TYPES: readonly ResourceType[] = [Deployments, DaemonSets, Services, Ingresses, HorizontalPodAutoscalers, PodDisruptionBudgets, ServiceAccounts, HTTPRoutes];
const providerPath = (name: string): string => `/apis/${API_GROUP_VERSION}/capacityproviders/${name}`;

const exists = (path: string): Promise<boolean> => existsAt(kc, path);

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

/** A clock the test moves; the controllers read it through Manager.now, render through main's io.now. */
class TestClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advanceTo(t: Date): void {
    this.offsetMs = t.getTime() - Date.now();
  }
}

/** What `ecs-operator render` prints for `argv` at `now`, as objects (PodTemplates, which no controller makes, left out) and its comments. */
async function render(argv: string[], now: () => Date): Promise<{ objects: KubeObject[]; stdout: string; stderr: string }> {
  let stdout = "";
  const errs: string[] = [];
  const code = await main(["render", ...argv], { stdout: (t) => (stdout += t), stderr: (l) => errs.push(l), env: {}, now });
  expect(code, errs.join("\n")).toBe(0);
  return { objects: (loadAll(stdout) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null && o.kind !== "PodTemplate"), stdout, stderr: errs.join("\n") };
}

const get = (rt: ResourceType, ns: string, name: string): Promise<KubeObject | undefined> =>
  apiRequest<KubeObject>(kc, { method: "GET", path: resourcePath(rt, ns, name) }).catch((err: unknown) => {
    if (err instanceof ApiRequestError && err.code === 404) return undefined;
    throw err;
  });

/** The differences between what render printed and what the controllers made of the same names (none: []). */
async function differences(printed: readonly KubeObject[], rt: ResourceType, ns: string): Promise<string[]> {
  const out: string[] = [];
  for (const o of printed) {
    const key = `${o.kind ?? ""}/${o.metadata?.name ?? ""}`;
    const actual = await get(rt, ns, o.metadata?.name ?? "");
    if (actual === undefined) out.push(`${key}: printed, not made`);
    else if (!isSubset(comparable(o), comparable(actual))) out.push(`${key}: differs\n  printed ${JSON.stringify(comparable(o))}\n  made    ${JSON.stringify(comparable(actual))}`);
  }
  return out;
}

const typeOf = (kind: string | undefined): ResourceType => {
  const rt = CHILD_TYPES.find((t) => t.kind === kind);
  if (rt === undefined) throw new Error(`render printed a ${String(kind)}, which no Service child is`);
  return rt;
};

const QUANTITY_KEYS = new Set(["memory", "ephemeral-storage"]);
/**
 * The API server stores a binary quantity in its largest exact unit (1024Mi comes back as 1Gi); render prints what
 * the builders write. (applyIfChanged compares them by value, so the controller does not write them again.)
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

/** The API server's DefaultTolerationSeconds admission adds these to every pod; no controller asks for them. */
const isDefaultToleration = (t: { key?: string; tolerationSeconds?: number }): boolean =>
  (t.key === "node.kubernetes.io/not-ready" || t.key === "node.kubernetes.io/unreachable") && t.tolerationSeconds === 300;

/** The object without what only the cluster knows: the deployment id (from the Service's uid), the applied hash, owners. */
function comparable(o: KubeObject): unknown {
  if (o.kind === "Pod") {
    const spec = (o as { spec?: { tolerations?: { key?: string; tolerationSeconds?: number }[] } }).spec;
    if (spec?.tolerations !== undefined) o = { ...o, spec: { ...spec, tolerations: spec.tolerations.filter((t) => !isDefaultToleration(t)) } } as KubeObject;
  }
  const id = o.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION] ?? (o as { spec?: { template?: KubeObject } }).spec?.template?.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION];
  let text = JSON.stringify({ metadata: { labels: o.metadata?.labels, annotations: o.metadata?.annotations }, spec: (o as { spec?: unknown }).spec, automountServiceAccountToken: (o as { automountServiceAccountToken?: unknown }).automountServiceAccountToken });
  if (id !== undefined) text = text.replaceAll(id, "ID").replaceAll(id.replace(/^ecs-svc\//, ""), "ID");
  // A Service of a traffic-shifting deployment selects a revision by its deployment label (the id's digits).
  const parsed = JSON.parse(text, (k, v: unknown) => (QUANTITY_KEYS.has(k) && typeof v === "string" ? canonicalQuantity(v) : k === DEPLOYMENT_LABEL && typeof v === "string" ? "ID" : v)) as { metadata: { annotations?: Record<string, string> } };
  if (parsed.metadata.annotations !== undefined) Reflect.deleteProperty(parsed.metadata.annotations, APPLIED_HASH_ANNOTATION);
  // A DaemonSet's maxUnavailable is ECS's rounding over the nodes it runs on (desiredNumberScheduled), which only the
  // cluster knows (docs/cli.md, render).
  // (Only DaemonSets have spec.updateStrategy; objects read from a list carry no kind.)
  const rolling = (parsed as { spec?: { updateStrategy?: { rollingUpdate?: { maxUnavailable?: unknown } } } }).spec?.updateStrategy?.rollingUpdate;
  if (rolling?.maxUnavailable !== undefined) rolling.maxUnavailable = "NODES";
  return parsed;
}

describe("render matches the controllers", () => {
  it("every example applied with the whole operator running: the Services' children, the Task's pods and the ScheduledTask's first run are what render printed", async () => {
    const ns = await testNamespace(kc, "render-match");
    created.namespaces.push(ns);
    const dir = join(ROOT, "examples");
    const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(dir, f));
    const byFile = await Promise.all(files.map(async (f) => ({ file: f, docs: documents(await readFile(f, "utf8")) })));
    const manifests = byFile.flatMap((f) => f.docs);

    const clock = new TestClock();
    const serviceReconciles = new Map<string, number>();
    const mgr = new Manager({ kubeConfig: kc, identity: "render-match-test", logger: createLogger({ level: "error" }), now: clock.now });
    managers.push(mgr);
    registerControllers(mgr, { namespace: ns, onServiceReconcile: (key) => serviceReconciles.set(key, (serviceReconciles.get(key) ?? 0) + 1) });
    await mgr.start();
    for (const m of manifests) {
      const clusterScoped = m.kind === "CapacityProvider";
      if (clusterScoped && await exists(providerPath(m.metadata.name))) continue;
      if (clusterScoped) created.providers.push(m.metadata.name);
      const api = m.apiVersion === "v1" ? `/api/v1` : `/apis/${m.apiVersion}`;
      const plural = `${m.kind.toLowerCase()}${m.kind.endsWith("s") ? "es" : "s"}`.replace(/ys$/, "ies");
      await apiRequest(kc, { method: "POST", path: clusterScoped ? `${api}/${plural}` : `${api}/namespaces/${ns}/${plural}`, body: { ...m, metadata: { ...m.metadata, namespace: clusterScoped ? undefined : ns } } });
    }

    // render, offline, from the same files, the cluster's nodes (what memberOf =~ patterns compile against) and the
    // operator's clock (what the ScheduledTask's next run times are counted from; it was created before this).
    const nodes = await apiRequest<{ items: unknown[] }>(kc, { method: "GET", path: resourcePath(Nodes) });
    const nodesFile = join(await mkdtemp(join(tmpdir(), "render-nodes-")), "nodes.yaml");
    await writeFile(nodesFile, dump({ apiVersion: "v1", kind: "List", items: nodes.items }, { noRefs: true }));
    // render reads ecs.operator.dev manifests (and ECS JSON); the example Secrets are for the pods, not for it.
    const ecsFiles = byFile.filter((f) => f.docs.every((d) => d.apiVersion === API_GROUP_VERSION)).map((f) => f.file);
    const { objects: all, stdout, stderr } = await render(["-n", ns, "--nodes", nodesFile, ...ecsFiles.flatMap((f) => ["-f", f])], clock.now);
    expect(stderr).toContain("render: Clusters from the files: default");
    const fromSchedule = (o: KubeObject): boolean => o.kind === "Task" || o.metadata?.labels?.[SCHEDULED_TASK_LABEL] !== undefined;
    const printed = all.filter((o) => o.kind !== "Pod" && o.kind !== "Task");
    const taskPods = all.filter((o) => o.kind === "Pod" && !fromSchedule(o));
    const runTasks = all.filter((o) => o.kind === "Task");
    const runPods = all.filter((o) => o.kind === "Pod" && fromSchedule(o));
    const services = manifests.filter((m) => m.kind === "Service").map((m) => m.metadata.name);
    expect(services.length).toBeGreaterThanOrEqual(4);
    // Every Service printed something: its Deployments or DaemonSet at least.
    for (const name of services) expect(printed.some((o) => o.metadata?.labels?.[SERVICE_LABEL] === name && (o.kind === "Deployment" || o.kind === "DaemonSet")), `render printed the workload of Service ${name}`).toBe(true);
    // The Task example runs count 1; the ScheduledTask's first run is one Task of one pod.
    const tasks = manifests.filter((m) => m.kind === "Task").map((m) => m.metadata.name);
    expect(taskPods.map((p) => p.metadata?.name)).toEqual(tasks.map((t) => `${t}-0`));
    expect(runTasks).toHaveLength(1);
    expect(runPods.map((p) => p.metadata?.name)).toEqual([`${runTasks[0]?.metadata?.name ?? ""}-0`]);

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
        const actual = live.get(key) ?? (o.kind === "ServiceAccount" ? await get(typeOf(o.kind), ns, o.metadata?.name ?? "") : undefined);
        live.delete(key);
        if (actual === undefined) mismatches.push(`${key}: printed, not made`);
        else if (!isSubset(comparable(o), comparable(actual))) mismatches.push(`${key}: differs\n  printed ${JSON.stringify(comparable(o))}\n  made    ${JSON.stringify(comparable(actual))}`);
      }
      for (const key of live.keys()) mismatches.push(`${key}: made, not printed`);
      return mismatches.length === 0;
    }, 120_000, 1_000).catch(() => undefined);
    expect(mismatches).toEqual([]);

    // A reconcile of a service whose children are as printed writes none of them: three more passes of every
    // Service (each woken by a label, which its watch passes; the cache keeps only the operator's own annotations), and no child written. storefront-web's task
    // has 1024 MiB and checkout-api's 2048 MiB, which the API server stores as 1Gi and 2Gi.
    // The write metric counts by kind only, and the ECS Service's own status is a "Service" too (it moves while the
    // tasks start): the v1 Services are checked by their resourceVersion instead (nothing else writes them).
    const childKinds = new Set(CHILD_TYPES.filter((t) => t !== Services).map((t) => t.kind));
    const childWrites = async (): Promise<Record<string, number | string>> => ({
      ...Object.fromEntries((await mgr.metrics.apiWrites.get()).values.filter((v) => childKinds.has(String(v.labels.kind))).map((v) => [`${String(v.labels.verb)} ${String(v.labels.kind)}`, v.value])),
      ...Object.fromEntries((await apiRequest<{ items: KubeObject[] }>(kc, { method: "GET", path: resourcePath(Services, ns), query: { labelSelector: SERVICE_LABEL } })).items.map((o) => [`Service/${o.metadata?.name ?? ""}`, o.metadata?.resourceVersion ?? ""])),
    });
    const writesBefore = await childWrites();
    for (let round = 1; round <= 3; round++) {
      const before = new Map(services.map((s) => [s, serviceReconciles.get(`${ns}/${s}`) ?? 0]));
      for (const name of services) {
        await apiRequest(kc, { method: "PATCH", path: resourcePath(EcsServices, ns, name), contentType: "application/merge-patch+json", body: { metadata: { labels: { "test.ecs-operator.dev/poke": String(round) } } } });
      }
      await eventually(`round ${round}: every Service reconciled again`, () => Promise.resolve(services.every((s) => (serviceReconciles.get(`${ns}/${s}`) ?? 0) > (before.get(s) ?? 0))), 60_000);
    }
    expect(await childWrites()).toEqual(writesBefore);

    // The Task's pods are what render printed.
    await eventually("the Task's pods equal what render printed", async () => (mismatches = await differences(taskPods, Pods, ns)).length === 0, 60_000, 500).catch(() => undefined);
    expect(mismatches).toEqual([]);

    // The ScheduledTask: the clock moves to the first run time render printed; the controller makes that run.
    const at = runTasks[0]?.metadata?.annotations?.["ecs.operator.dev/scheduled-at"] ?? "";
    expect(stdout).toMatch(/^# ScheduledTask nightly-report: cron\(0 3 \* \* \? \*\) in Europe\/Berlin, the next 5 runs:$/m);
    clock.advanceTo(new Date(Date.parse(at) + 1000));
    // Its wake-up timer runs on the real clock (hours away): a change of the ScheduledTask wakes it now.
    const scheduled = manifests.find((m) => m.kind === "ScheduledTask")?.metadata.name ?? "";
    await apiRequest(kc, { method: "PATCH", path: resourcePath(ScheduledTasks, ns, scheduled), contentType: "application/merge-patch+json", body: { metadata: { annotations: { "test.ecs-operator.dev/poke": "run" } } } });
    await eventually("the ScheduledTask's first run is the Task render printed", async () => (mismatches = await differences(runTasks, EcsTasks, ns)).length === 0, 60_000, 500).catch(() => undefined);
    expect(mismatches).toEqual([]);
    await eventually("the run's pods equal what render printed", async () => (mismatches = await differences(runPods, Pods, ns)).length === 0, 60_000, 500).catch(() => undefined);
    expect(mismatches).toEqual([]);
  }, 400_000);
});
