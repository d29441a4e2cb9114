// The namespace-scoped install (controller.watchNamespaces): the chart renders a Role per watched namespace and a
// ClusterRole for cluster-scoped reads only, and the operator runs with exactly those permissions (a ServiceAccount
// token bound to the rendered RBAC, nothing else): it starts, runs a Task in each watched namespace, and never
// touches a namespace it does not watch.
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { CLUSTER_SCOPED_RULES, LEADER_ELECTION_RULES, NAMESPACED_RULES } from "../../src/api/rbac.ts";
import { EcsTasks, TaskDefinitions, type TaskObject } from "../../src/controllers/ecs-resources.ts";
import { registerControllers } from "../../src/controllers/register.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Pods, resourcePath, type ResourceType } from "../../src/runtime/resources.ts";
import { documents, helm, ROOT, serverSideApply, type Manifest } from "../e2e/tools.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const managers: Manager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

async function template(namespace: string, ...set: string[]): Promise<Manifest[]> {
  const res = await helm(["template", "ecsop", join(ROOT, "charts/ecs-operator"), "-n", namespace, ...set.flatMap((s) => ["--set", s])]);
  if (res.status !== 0) throw new Error(`helm template failed:\n${res.stderr}`);
  return documents(res.stdout);
}
const rules = (m: Manifest | undefined): unknown => (m as { rules?: unknown } | undefined)?.rules;
const nsOf = (m: Manifest): string | undefined => (m.metadata as { namespace?: string } | undefined)?.namespace;

/** A KubeConfig that authenticates as `serviceAccount` (a bound token), so the API server applies its RBAC only. */
async function asServiceAccount(namespace: string, serviceAccount: string): Promise<KubeConfig> {
  const token = await core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("no current cluster");
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token: token.status?.token ?? "" }],
    contexts: [{ name: "sa", cluster: cluster.name, user: serviceAccount }],
    currentContext: "sa",
  });
  return out;
}

const post = (client: KubeConfig, rt: ResourceType, ns: string, kind: string, name: string, spec: Record<string, unknown>): Promise<unknown> =>
  apiRequest(client, { method: "POST", path: resourcePath(rt, ns), body: { apiVersion: API_GROUP_VERSION, kind, metadata: { name }, spec } });

describe("namespace-scoped install", () => {
  it("the chart renders a Role per watched namespace, a ClusterRole for cluster-scoped reads only, and --namespace a,b", async () => {
    const docs = await template("ops", "controller.watchNamespaces={team-a,team-b}");
    const roles = docs.filter((d) => d.kind === "Role");
    expect(roles.map(nsOf).sort()).toEqual(["ops", "team-a", "team-b"]);
    for (const ns of ["team-a", "team-b"]) expect(rules(roles.find((r) => nsOf(r) === ns))).toEqual(NAMESPACED_RULES);
    expect(rules(roles.find((r) => nsOf(r) === "ops"))).toEqual(LEADER_ELECTION_RULES);
    expect(docs.filter((d) => d.kind === "RoleBinding").map(nsOf).sort()).toEqual(["ops", "team-a", "team-b"]);
    const clusterRoles = docs.filter((d) => d.kind === "ClusterRole");
    expect(clusterRoles).toHaveLength(1);
    expect(rules(clusterRoles[0])).toEqual(CLUSTER_SCOPED_RULES);
    // Nothing cluster-wide writes pods, ServiceAccounts or Deployments.
    expect(JSON.stringify(rules(clusterRoles[0]))).not.toMatch(/pods|serviceaccounts|deployments/);
    const args = JSON.stringify(docs.find((d) => d.kind === "Deployment"));
    expect(args).toContain("--namespace=team-a,team-b");
  });

  it("the operator runs with only the rendered permissions: tasks run in each watched namespace, none elsewhere", async () => {
    const [home, a, b, outside] = [await testNamespace(kc, "nsi-ops"), await testNamespace(kc, "nsi-a"), await testNamespace(kc, "nsi-b"), await testNamespace(kc, "nsi-out")];
    const docs = await template(home, `controller.watchNamespaces={${a},${b}}`);
    // The rendered RBAC with names of its own (the ClusterRole and its binding are cluster-wide, shared by test runs).
    const suffix = home.slice(-6);
    const rbac = docs.filter((d) => ["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"].includes(d.kind)).map((d) => {
      const text = JSON.stringify(d).replaceAll('"ecsop-ecs-operator-cluster-scoped"', `"ecsop-cluster-scoped-${suffix}"`);
      return JSON.parse(text) as Manifest;
    });
    await serverSideApply(kc, rbac, { dryRun: false, namespace: home });
    const sa = (docs.find((d) => d.kind === "ServiceAccount")?.metadata as { name: string }).name;
    const asOperator = await asServiceAccount(home, sa);

    const mgr = new Manager({ kubeConfig: asOperator, identity: "nsi", logger: createLogger({ level: "error" }), watchNamespaces: [a, b] });
    managers.push(mgr);
    registerControllers(mgr, {});
    await mgr.start();

    const td = { family: "job", cpu: "256", memory: "512", containerDefinitions: [{ name: "main", image: "registry.example.com/job:1" }] };
    for (const ns of [a, b, outside]) {
      await post(kc, TaskDefinitions, ns, "TaskDefinition", "job", td);
      await post(kc, EcsTasks, ns, "Task", "run", { taskDefinition: "job", count: 1 });
    }
    for (const ns of [a, b]) {
      await eventually(`Task run in ${ns} RUNNING`, async () => (await apiRequest<TaskObject>(kc, { method: "GET", path: resourcePath(EcsTasks, ns, "run") })).status?.lastStatus === "RUNNING", 90_000);
    }
    const unwatched = await apiRequest<TaskObject>(kc, { method: "GET", path: resourcePath(EcsTasks, outside, "run") });
    expect(unwatched.status).toBeUndefined();
    expect((await apiRequest<{ items: unknown[] }>(kc, { method: "GET", path: resourcePath(Pods, outside) })).items).toHaveLength(0);
  });
});
