// The files derived from one source (CRDs, RBAC, config/samples, the argocd-cm snippet) are up to date, and the
// RBAC source keeps its promises: no wildcards, no Secrets or ConfigMaps, every kind and its status covered.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KINDS } from "../../../src/api/crds.ts";
import { buildConfigRbac, CLUSTER_RULES, LEADER_ELECTION_RULES, renderHelmRbacTemplate } from "../../../src/api/rbac.ts";
import { generatedFiles } from "../../../scripts/generated-files.ts";
import { documents, ROOT } from "../../e2e/tools.ts";

const allowed = (group: string, resource: string, verb: string): boolean =>
  CLUSTER_RULES.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

describe("generated files", () => {
  it("every generated file on disk equals what npm run generate writes", async () => {
    const files = await generatedFiles(ROOT);
    expect(files.size).toBeGreaterThan(20);
    const stale: string[] = [];
    for (const [path, text] of files) if ((await readFile(join(ROOT, path), "utf8").catch(() => "")) !== text) stale.push(path);
    expect(stale, "run npm run generate").toEqual([]);
  });

  it("the chart's crds/, config/crd/ and crds/ hold the same CRD files", async () => {
    const files = await generatedFiles(ROOT);
    for (const def of KINDS) {
      const name = `${def.plural}.ecs.operator.dev.yaml`;
      const texts = ["crds", "charts/ecs-operator/crds", "config/crd"].map((d) => files.get(`${d}/${name}`));
      expect(texts[0]).toBeDefined();
      expect(texts[1]).toBe(texts[0]);
      expect(texts[2]).toBe(texts[0]);
    }
  });
});

describe("Argo CD snippet", () => {
  it("argocd-cm holds one health check per kind under resource.customizations.health.<group>_<Kind>", async () => {
    const files = await generatedFiles(ROOT);
    const cm = documents(files.get("charts/ecs-operator/argocd/argocd-cm.yaml") ?? "")[0] as unknown as { data: Record<string, string> };
    expect(Object.keys(cm.data).sort()).toEqual(KINDS.map((k) => `resource.customizations.health.ecs.operator.dev_${k.kind}`).sort());
    for (const [key, script] of Object.entries(cm.data)) expect(script, key).toContain(`ecs.operator.dev/${key.split("_")[1] ?? ""}`);
  });
});

describe("RBAC source", () => {
  it("has no wildcard group, resource or verb", () => {
    for (const r of [...CLUSTER_RULES, ...LEADER_ELECTION_RULES]) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain("*");
    }
  });

  it("grants nothing on Secrets or ConfigMaps (the controller never reads them)", () => {
    const core = CLUSTER_RULES.filter((r) => r.apiGroups.includes(""));
    expect(core.flatMap((r) => r.resources)).not.toContain("secrets");
    expect(core.flatMap((r) => r.resources)).not.toContain("configmaps");
  });

  // What each kind's object needs beyond reading: patch where a controller keeps a finalizer (Cluster, Service) or
  // stops a run (Task, by the ScheduledTask controller); create and delete only for the runs.
  const WRITES: Record<string, string[]> = {
    clusters: ["patch"],
    services: ["patch"],
    tasks: ["create", "patch", "delete"],
    capacityproviders: [],
    taskdefinitions: [],
    scheduledtasks: [],
  };
  it.each(KINDS.map((k) => k.plural))("%s: read the kind, write its status by patch, and no verb more than the controllers use", (plural) => {
    expect(Object.keys(WRITES)).toContain(plural);
    const verbs = CLUSTER_RULES.filter((r) => r.apiGroups.includes("ecs.operator.dev") && r.resources.includes(plural)).flatMap((r) => r.verbs);
    expect(verbs.sort()).toEqual(["get", "list", "watch", ...(WRITES[plural] ?? [])].sort());
    const status = CLUSTER_RULES.filter((r) => r.resources.includes(`${plural}/status`)).flatMap((r) => r.verbs);
    expect(status).toEqual(["patch"]);
  });

  it("no update verb except on finalizers (owner references) and the Lease: every write is a patch, create or delete", () => {
    const updates = CLUSTER_RULES.filter((r) => r.verbs.includes("update")).flatMap((r) => r.resources);
    expect(updates.every((res) => res.endsWith("/finalizers"))).toBe(true);
  });

  it("services/scale: patch only (desiredCount writes), no other subresource of a kind", () => {
    expect(allowed("ecs.operator.dev", "services/scale", "patch")).toBe(true);
    expect(allowed("ecs.operator.dev", "tasks/scale", "patch")).toBe(false);
  });

  it("leases only in the Role of the release namespace, with get, create, update", () => {
    expect(CLUSTER_RULES.some((r) => r.resources.includes("leases"))).toBe(false);
    expect(LEADER_ELECTION_RULES).toEqual([{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }]);
  });

  it("nothing on replicasets or cronjobs (Deployments own ReplicaSets; scheduled runs are Tasks)", () => {
    expect(allowed("apps", "replicasets", "list")).toBe(false);
    expect(allowed("batch", "cronjobs", "list")).toBe(false);
  });

  it("jobs: created, read and deleted for Job lifecycle hooks (docs/lifecycle-hooks.md), never updated or patched", () => {
    for (const verb of ["create", "get", "list", "watch", "delete"]) expect(allowed("batch", "jobs", verb)).toBe(true);
    expect(allowed("batch", "jobs", "update")).toBe(false);
    expect(allowed("batch", "jobs", "patch")).toBe(false);
  });

  it("config/rbac binds the ServiceAccount to both roles", () => {
    const rbac = buildConfigRbac("ops");
    const binding = rbac.get("role_binding.yaml") as { subjects: { name: string; namespace: string }[]; roleRef: { name: string } };
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "ecs-operator", namespace: "ops" }]);
    expect(binding.roleRef.name).toBe((rbac.get("role.yaml") as { metadata: { name: string } }).metadata.name);
  });

  it("the chart template is guarded by rbac.create and names its roles after the release", () => {
    const t = renderHelmRbacTemplate();
    expect(t).toMatch(/^\{\{\/\*.*\*\/\}\}\n\{\{- if \.Values\.rbac\.create \}\}/);
    expect(t.trimEnd().endsWith("{{- end }}")).toBe(true);
    expect(t).toContain('name: {{ include "ecs-operator.fullname" . }}-leader-election');
  });
});
