// The Helm chart and config/ (kustomize) against the real API server: helm lint, server-side dry runs of what
// `helm template` and `kubectl kustomize config/default` print, the two rendering the same CRDs and RBAC (one
// source: src/api), and a real `helm install` whose controller pod passes the restricted Pod Security Standard
// and becomes Running on a kwok node (kwok "runs" it: the image is never pulled here).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, PolicyV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KINDS } from "../../src/api/crds.ts";
import { CLUSTER_RULES, LEADER_ELECTION_RULES } from "../../src/api/rbac.ts";
import { documents, helm, kubectl, type Manifest, ROOT, serverSideApply } from "../e2e/tools.ts";
import { eventually, kubeConfig, testNamespace, kubeconfigPath } from "./support/cluster.ts";

const kc = kubeConfig();
const CHART = join(ROOT, "charts/ecs-operator");
const byKind = (docs: Manifest[], kind: string): Manifest[] => docs.filter((d) => d.kind === kind);
const one = (docs: Manifest[], kind: string): Manifest => {
  const [first, ...rest] = byKind(docs, kind);
  if (!first || rest.length > 0) throw new Error(`expected one ${kind}, found ${rest.length + (first ? 1 : 0)}`);
  return first;
};

async function template(namespace: string, ...set: string[]): Promise<Manifest[]> {
  const res = await helm(["template", "ecsop", CHART, "-n", namespace, "--include-crds", ...set.flatMap((s) => ["--set", s])]);
  if (res.status !== 0) throw new Error(`helm template failed:\n${res.stderr}`);
  return documents(res.stdout);
}

describe("Helm chart", () => {
  it("passes helm lint --strict", async () => {
    const res = await helm(["lint", CHART, "--strict"]);
    expect(res.stderr + res.stdout).toContain("0 chart(s) failed");
    expect(res.status).toBe(0);
  });

  it("refuses values the schema does not allow, naming the key", async () => {
    const res = await helm(["template", "x", CHART, "--set", "controller.logLevel=loud"]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("/controller/logLevel");
  });

  it("without a ServiceAccount to create, one must be named", async () => {
    const res = await helm(["template", "x", CHART, "--set", "serviceAccount.create=false"]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("serviceAccount.name is required when serviceAccount.create is false");
  });

  it("helm template output is accepted by the API server (server-side dry run), defaults and HA", async () => {
    const ns = await testNamespace(kc, "pkg-helm");
    for (const set of [[], ["replicaCount=3", "controller.watchNamespace=shop", "capacityProviders.extra[0].name=ec2-general", "capacityProviders.extra[0].spec.type=EC2"]]) {
      const docs = (await template(ns, ...set)).filter((d) => d.kind !== "CustomResourceDefinition");
      // The CRDs are those the global setup installed (the same files: see the comparison below).
      await serverSideApply(kc, docs, { dryRun: true, namespace: ns });
      expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment", "CapacityProvider"]));
    }
  });

  it("leader election, PDB and rolling updates only with more than one replica", async () => {
    const single = await template("ops");
    const singleArgs = (one(single, "Deployment") as unknown as { spec: { strategy: { type: string }; template: { spec: { containers: { args: string[] }[] } } } }).spec;
    expect(singleArgs.template.spec.containers[0]?.args).not.toContain("--leader-elect");
    expect(singleArgs.strategy.type).toBe("Recreate");
    expect(byKind(single, "PodDisruptionBudget")).toEqual([]);

    const ha = await template("ops", "replicaCount=2", "metrics.serviceMonitor.enabled=true");
    const haSpec = (one(ha, "Deployment") as unknown as { spec: { strategy: { type: string }; template: { spec: { containers: { args: string[] }[] } } } }).spec;
    expect(haSpec.template.spec.containers[0]?.args).toEqual(expect.arrayContaining(["--leader-elect", "--leader-election-namespace=ops", "--leader-election-id=ecsop-ecs-operator"]));
    expect(haSpec.strategy.type).toBe("RollingUpdate");
    expect(byKind(ha, "PodDisruptionBudget")).toHaveLength(1);
    expect(byKind(ha, "ServiceMonitor")).toHaveLength(1);
  });

  it("controller.shards > 1: a StatefulSet of one replica per shard, the shard from the pod index, a Lease each, accepted by the API server", async () => {
    const ns = await testNamespace(kc, "pkg-shards");
    const docs = (await template(ns, "controller.shards=3")).filter((d) => d.kind !== "CustomResourceDefinition");
    await serverSideApply(kc, docs, { dryRun: true, namespace: ns });
    expect(byKind(docs, "Deployment")).toEqual([]);
    type Sts = { spec: { replicas: number; podManagementPolicy: string; template: { spec: { containers: { args: string[]; env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] }[] } } } };
    const sts = (one(docs, "StatefulSet") as unknown as Sts).spec;
    expect(sts.replicas).toBe(3);
    expect(sts.podManagementPolicy).toBe("Parallel");
    const container = sts.template.spec.containers[0];
    expect(container?.args).toEqual(expect.arrayContaining(["--shards=3", "--leader-elect", `--leader-election-namespace=${ns}`]));
    expect(container?.env.find((e) => e.name === "SHARD")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
    expect(byKind(docs, "PodDisruptionBudget")).toHaveLength(1);
    const refused = await helm(["template", "ecsop", CHART, "--set", "controller.shards=65"]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("shards");
  });

  it("the controller flags come from values: binpack scheduler only when named; the schema refuses bad ones", async () => {
    type Dep = { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const argsOf = (docs: Manifest[]) => (one(docs, "Deployment") as unknown as Dep).spec.template.spec.containers[0]?.args ?? [];
    const defaults = argsOf(await template("ops"));
    expect(defaults).toEqual(expect.arrayContaining(["--revision-history-limit=20", "--stopped-task-retention=3600", "--cluster-domain=cluster.local", "--pod-level-resources=true"]));
    expect(defaults.some((a) => a.startsWith("--binpack-scheduler-name"))).toBe(false);
    expect(defaults.some((a) => a.startsWith("--ebs-storage-classes"))).toBe(false);
    const storage = argsOf(await template("ops", "controller.podLevelResources=false", "controller.ebsStorageClasses.io2=ebs-io2", "controller.ebsStorageClasses.gp3=ebs-gp3"));
    expect(storage).toEqual(expect.arrayContaining(["--pod-level-resources=false", "--ebs-storage-classes=gp3=ebs-gp3,io2=ebs-io2"]));
    expect(defaults.some((a) => a.startsWith("--workers"))).toBe(false);
    expect(defaults).toContain("--resync-period=600");
    expect(defaults).toEqual(expect.arrayContaining(["--events=all", "--pod-disruption-budgets=true"]));
    const lighter = argsOf(await template("ops", "controller.events=warnings", "controller.podDisruptionBudgets=false"));
    expect(lighter).toEqual(expect.arrayContaining(["--events=warnings", "--pod-disruption-budgets=false"]));
    const tuned = argsOf(await template("tuned", "controller.workers.taskdefinition=4", "controller.workers.service=8", "controller.resyncPeriodSeconds=300"));
    expect(tuned).toEqual(expect.arrayContaining(["--workers=service=8,taskdefinition=4", "--resync-period=300"]));
    const set = argsOf(await template("ops", "controller.binpackSchedulerName=ecs-binpack", "controller.stoppedTaskRetentionSeconds=0", "controller.clusterDomain=k8s.internal"));
    expect(set).toEqual(expect.arrayContaining(["--binpack-scheduler-name=ecs-binpack", "--stopped-task-retention=0", "--cluster-domain=k8s.internal"]));
    for (const [value, key] of [
      ["controller.binpackSchedulerName=Bin_Pack", "/controller/binpackSchedulerName"],
      ["controller.stoppedTaskRetentionSeconds=-1", "/controller/stoppedTaskRetentionSeconds"],
      ["controller.clusterDomain=.local", "/controller/clusterDomain"],
      ["controller.events=none", "/controller/events"],
      ["controller.podDisruptionBudgets=maybe", "/controller/podDisruptionBudgets"],
    ] as const) {
      const res = await helm(["template", "x", CHART, "--set", value]);
      expect(res.status, value).not.toBe(0);
      expect(res.stderr).toContain(key);
    }
  });

  it("the FARGATE / FARGATE_SPOT capacity providers come from values and can be turned off", async () => {
    const docs = await template("ops", "capacityProviders.fargate.kubernetes.runtimeClassName=gvisor");
    const cps = byKind(docs, "CapacityProvider") as unknown as { metadata: { name: string }; spec: { name: string; spot: boolean; kubernetes: { runtimeClassName?: string } } }[];
    expect(cps.map((c) => [c.metadata.name, c.spec.name, c.spec.spot])).toEqual([["fargate", "FARGATE", false], ["fargate-spot", "FARGATE_SPOT", true]]);
    expect(cps[0]?.spec.kubernetes.runtimeClassName).toBe("gvisor");
    const none = await template("ops", "capacityProviders.fargate.enabled=false", "capacityProviders.fargateSpot.enabled=false");
    expect(byKind(none, "CapacityProvider")).toEqual([]);
  });
});

describe("config/ (kustomize)", () => {
  afterAll(async () => {
    // Created for real so that the namespaced objects could be dry-run into it.
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: "ecs-operator-system" }).catch(() => undefined);
  });

  it("kubectl kustomize config/default is accepted by the API server (server-side dry run)", async () => {
    const docs = documents(kubectl(["kustomize", join(ROOT, "config/default")]));
    const namespace = one(docs, "Namespace");
    // Namespaced objects can only be dry-run into a namespace that exists.
    await serverSideApply(kc, [namespace], { dryRun: false });
    await serverSideApply(kc, docs.filter((d) => d.kind !== "CustomResourceDefinition" && d.kind !== "Namespace"), { dryRun: true });
    await serverSideApply(kc, byKind(docs, "CustomResourceDefinition"), { dryRun: true });
    expect(docs.filter((d) => d.metadata.namespace !== undefined).every((d) => d.metadata.namespace === "ecs-operator-system")).toBe(true);
  });
});

describe("one source: chart and config/ render the same CRDs and RBAC", () => {
  const rulesOf = (docs: Manifest[], kind: string) => (one(docs, kind) as unknown as { rules: unknown }).rules;
  let chart: Manifest[];
  let config: Manifest[];
  beforeAll(async () => {
    chart = await template("ops");
    config = documents(kubectl(["kustomize", join(ROOT, "config/default")]));
  });

  it("the same six CRDs, equal to crds/", async () => {
    const names = KINDS.map((k) => `${k.plural}.ecs.operator.dev`).sort();
    const fromChart = byKind(chart, "CustomResourceDefinition").sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const fromConfig = byKind(config, "CustomResourceDefinition").sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(fromChart.map((c) => c.metadata.name)).toEqual(names);
    expect(fromConfig).toEqual(fromChart);
    for (const crd of fromChart) {
      expect(documents(await readFile(join(ROOT, "crds", `${crd.metadata.name}.yaml`), "utf8"))).toEqual([crd]);
    }
  });

  it("the same ClusterRole and Role rules, equal to src/api/rbac.ts", () => {
    expect(rulesOf(chart, "ClusterRole")).toEqual(CLUSTER_RULES);
    expect(rulesOf(config, "ClusterRole")).toEqual(CLUSTER_RULES);
    expect(rulesOf(chart, "Role")).toEqual(LEADER_ELECTION_RULES);
    expect(rulesOf(config, "Role")).toEqual(LEADER_ELECTION_RULES);
  });

  it("the same controller container: args, probes and security context", () => {
    type Dep = { spec: { template: { spec: { securityContext: unknown; containers: { securityContext: unknown; livenessProbe: unknown; readinessProbe: unknown; ports: unknown }[] } } } };
    const a = (one(chart, "Deployment") as unknown as Dep).spec.template.spec;
    const b = (one(config, "Deployment") as unknown as Dep).spec.template.spec;
    expect(b.securityContext).toEqual(a.securityContext);
    expect(b.containers[0]?.securityContext).toEqual(a.containers[0]?.securityContext);
    expect(b.containers[0]?.livenessProbe).toEqual(a.containers[0]?.livenessProbe);
    expect(b.containers[0]?.readinessProbe).toEqual(a.containers[0]?.readinessProbe);
    expect(b.containers[0]?.ports).toEqual(a.containers[0]?.ports);
    // config/ spells out the chart's default flags (minus leader election, which config/ turns on).
    type Args = { containers: { args: string[] }[] };
    const flags = (spec: unknown) => ((spec as Args).containers[0]?.args ?? []).filter((x) => !x.startsWith("--leader-elect"));
    expect(flags(b).sort()).toEqual(flags(a).sort());
  });
});

describe("helm install into the test control plane", () => {
  let ns = "";
  const release = "ecsop-it";
  afterAll(async () => {
    if (ns) await helm(["uninstall", release, "-n", ns, "--wait", "--timeout", "60s"], { KUBECONFIG: kubeconfigPath() });
  });

  it("installs; the controller pod passes the restricted Pod Security Standard and runs on a kwok node", async () => {
    ns = await testNamespace(kc, "pkg-install");
    const core = kc.makeApiClient(CoreV1Api);
    // Enforce the restricted profile: a pod that is not non-root, read-only, capability-free and seccomp'd is refused.
    await core.patchNamespace({ name: ns, body: [{ op: "add", path: "/metadata/labels/pod-security.kubernetes.io~1enforce", value: "restricted" }] });
    const res = await helm(
      // The cluster-scoped fargate / fargate-spot providers would change what other suites on this control plane see.
      ["install", release, CHART, "-n", ns, "--set", "capacityProviders.fargate.enabled=false", "--set", "capacityProviders.fargateSpot.enabled=false", "--timeout", "60s"],
      { KUBECONFIG: kubeconfigPath() },
    );
    expect(res.stderr).not.toContain("Error");
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("kubectl get ecscp");

    const pod = await eventually("the controller pod Running on a kwok node", async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/component=controller" });
      return pods.items.find((p) => p.status?.phase === "Running");
    });
    const node = await core.readNode({ name: pod.spec?.nodeName ?? "" });
    expect(node.metadata?.annotations?.["kwok.x-k8s.io/node"]).toBe("fake");
    const container = pod.spec?.containers[0];
    expect(container?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container?.args?.[0]).toBe("run");
    expect(pod.spec?.serviceAccountName).toBe(`${release}-ecs-operator`);

    const apps = kc.makeApiClient(AppsV1Api);
    const dep = await apps.readNamespacedDeployment({ name: `${release}-ecs-operator`, namespace: ns });
    expect(dep.spec?.template.spec?.containers[0]?.image).toBe("ghcr.io/ecs-operator/ecs-operator:0.1.0");
  });

  it("helm upgrade to two replicas: leader election on, a PDB, both pods Running", async () => {
    expect(ns).not.toBe("");
    const res = await helm(
      ["upgrade", release, CHART, "-n", ns, "--reuse-values", "--set", "replicaCount=2", "--timeout", "60s"],
      { KUBECONFIG: kubeconfigPath() },
    );
    expect(res.status, res.stderr).toBe(0);
    const core = kc.makeApiClient(CoreV1Api);
    const running = await eventually("two controller pods Running with --leader-elect", async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/component=controller" });
      const elect = pods.items.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp && p.spec?.containers[0]?.args?.includes("--leader-elect"));
      return elect.length === 2 ? elect : undefined;
    });
    expect(running.map((p) => p.spec?.containers[0]?.args)).toContainEqual(expect.arrayContaining([`--leader-election-namespace=${ns}`]));
    const pdb = await kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: `${release}-ecs-operator`, namespace: ns });
    expect(pdb.spec?.maxUnavailable).toBe(1);
  });
});
