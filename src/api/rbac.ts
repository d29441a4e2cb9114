// The permissions the controller process needs, as data: the one source that `npm run generate` renders into
// config/rbac/ (kustomize) and the Helm chart's RBAC template. Only the resources and verbs the controllers use;
// no wildcards, and no access to Secrets or ConfigMaps (the controller never reads them: pods do).
import { dump } from "js-yaml";
import { API_GROUP } from "./common.ts";

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const READ = ["get", "list", "watch"];
/**
 * Children the controllers own: read from caches (and get to check an object before taking it over), written by
 * server-side apply (patch; create when the object is new), deleted when no longer wanted. No update: nothing PUTs.
 */
const OWN = ["get", "list", "watch", "create", "patch", "delete"];

/** Cluster-wide rules (a ClusterRole): the six kinds, their children, and nodes for capacity providers. */
export const CLUSTER_RULES: readonly PolicyRule[] = [
  { apiGroups: [API_GROUP], resources: ["capacityproviders", "taskdefinitions", "scheduledtasks"], verbs: READ },
  // patch adds and removes the controllers' finalizers (a Cluster is deleted when empty, a Service after draining).
  { apiGroups: [API_GROUP], resources: ["clusters", "services"], verbs: [...READ, "patch"] },
  // The ScheduledTask controller creates one Task per run, stops the runs a Replace policy replaces, and deletes runs beyond its history limits.
  { apiGroups: [API_GROUP], resources: ["tasks"], verbs: [...READ, "create", "patch", "delete"] },
  // The Service controller writes desiredCount through the scale subresource (scheduled min/max, min/max clamps).
  { apiGroups: [API_GROUP], resources: ["services/scale"], verbs: ["patch"] },
  // Status is written by server-side apply on the status subresource, once when it changed.
  {
    apiGroups: [API_GROUP],
    resources: ["clusters/status", "capacityproviders/status", "taskdefinitions/status", "services/status", "tasks/status", "scheduledtasks/status"],
    verbs: ["patch"],
  },
  // Owner references with blockOwnerDeletion need update on the owner's finalizers subresource.
  { apiGroups: [API_GROUP], resources: ["clusters/finalizers", "services/finalizers", "tasks/finalizers", "taskdefinitions/finalizers"], verbs: ["update"] },
  // A Task's pods are created whole and deleted (stop, retention); the Service controller deletes pods of interrupted nodes.
  { apiGroups: [""], resources: ["pods"], verbs: [...READ, "create", "delete"] },
  { apiGroups: [""], resources: ["services", "serviceaccounts"], verbs: OWN },
  { apiGroups: [""], resources: ["nodes"], verbs: READ },
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
  { apiGroups: ["apps"], resources: ["deployments", "daemonsets"], verbs: OWN },
  // TaskDefinition revisions: immutable, created once and pruned.
  { apiGroups: ["apps"], resources: ["controllerrevisions"], verbs: [...READ, "create", "delete"] },
  // Job lifecycle hooks (docs/lifecycle-hooks.md): the Service controller creates one Job per hook execution, reads
  // whether it finished; finished ones go by their TTL or with the Service.
  { apiGroups: ["batch"], resources: ["jobs"], verbs: [...READ, "create", "delete"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: OWN },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: OWN },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: OWN },
  // The HTTPRoute of a BLUE_GREEN, LINEAR or CANARY service behind a Gateway (docs/deployments.md).
  { apiGroups: ["gateway.networking.k8s.io"], resources: ["httproutes"], verbs: OWN },
];

/** Cluster-scoped resources among CLUSTER_RULES: a namespace-scoped install still needs these cluster-wide. */
const CLUSTER_SCOPED_RESOURCES = new Set(["capacityproviders", "capacityproviders/status", "nodes"]);

const partition = (keep: (resource: string) => boolean): PolicyRule[] =>
  CLUSTER_RULES.map((r) => ({ ...r, resources: r.resources.filter(keep) })).filter((r) => r.resources.length > 0);

/**
 * A namespace-scoped install (`controller.watchNamespaces`): these rules go into a Role in each watched namespace, so
 * the operator can write pods, ServiceAccounts and Deployments there and nowhere else.
 */
export const NAMESPACED_RULES: readonly PolicyRule[] = partition((r) => !CLUSTER_SCOPED_RESOURCES.has(r));

/** A namespace-scoped install's only ClusterRole: CapacityProviders (read, status) and nodes (read), which have no namespace. */
export const CLUSTER_SCOPED_RULES: readonly PolicyRule[] = partition((r) => CLUSTER_SCOPED_RESOURCES.has(r));

/** Rules in the operator's own namespace (a Role): the leader election Lease. */
export const LEADER_ELECTION_RULES: readonly PolicyRule[] = [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }];

/** Names and labels of the RBAC objects in config/ (kustomize adds the namespace). */
const RBAC_NAMES = {
  serviceAccount: "ecs-operator",
  clusterRole: "ecs-operator-manager",
  clusterRoleBinding: "ecs-operator-manager",
  leaderElectionRole: "ecs-operator-leader-election",
  leaderElectionRoleBinding: "ecs-operator-leader-election",
} as const;

const LABELS = { "app.kubernetes.io/name": "ecs-operator", "app.kubernetes.io/part-of": "ecs-operator" };
const RBAC_V1 = "rbac.authorization.k8s.io/v1";

const copyRules = (rules: readonly PolicyRule[]): PolicyRule[] => rules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] }));

/** The rules as YAML (a list), for generated files and templates. */
function rulesYaml(rules: readonly PolicyRule[]): string {
  return dump(copyRules(rules), { noRefs: true, lineWidth: -1, flowLevel: 2 });
}

/** config/rbac/: file name → object. The namespace of the namespaced objects comes from kustomize. */
export function buildConfigRbac(namespace = "system"): Map<string, Record<string, unknown>> {
  const meta = (name: string, namespaced: boolean) => ({ name, ...(namespaced ? { namespace } : {}), labels: { ...LABELS } });
  const sa = { kind: "ServiceAccount", name: RBAC_NAMES.serviceAccount, namespace };
  return new Map<string, Record<string, unknown>>([
    ["service_account.yaml", { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(RBAC_NAMES.serviceAccount, true) }],
    ["role.yaml", { apiVersion: RBAC_V1, kind: "ClusterRole", metadata: meta(RBAC_NAMES.clusterRole, false), rules: copyRules(CLUSTER_RULES) }],
    [
      "role_binding.yaml",
      {
        apiVersion: RBAC_V1,
        kind: "ClusterRoleBinding",
        metadata: meta(RBAC_NAMES.clusterRoleBinding, false),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: RBAC_NAMES.clusterRole },
        subjects: [sa],
      },
    ],
    ["leader_election_role.yaml", { apiVersion: RBAC_V1, kind: "Role", metadata: meta(RBAC_NAMES.leaderElectionRole, true), rules: copyRules(LEADER_ELECTION_RULES) }],
    [
      "leader_election_role_binding.yaml",
      {
        apiVersion: RBAC_V1,
        kind: "RoleBinding",
        metadata: meta(RBAC_NAMES.leaderElectionRoleBinding, true),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: RBAC_NAMES.leaderElectionRole },
        subjects: [sa],
      },
    ],
  ]);
}

const indent = (text: string, spaces: number): string =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => " ".repeat(spaces) + l)
    .join("\n");

/**
 * The Helm chart's templates/rbac.yaml: the same rules, with names, labels and the namespace from the release.
 * The ServiceAccount is templates/serviceaccount.yaml (users may bring their own).
 */
export function renderHelmRbacTemplate(): string {
  const header = "{{/* Generated from src/api/rbac.ts by `npm run generate`. Do not edit: change the rules there and regenerate. */}}\n";
  const sa = [
    "subjects:",
    "  - kind: ServiceAccount",
    '    name: {{ include "ecs-operator.serviceAccountName" . }}',
    "    namespace: {{ .Release.Namespace }}",
  ].join("\n");
  const meta = (suffix: string, namespaced: boolean) =>
    [
      "metadata:",
      `  name: {{ include "ecs-operator.fullname" . }}${suffix}`,
      ...(namespaced ? ["  namespace: {{ .Release.Namespace }}"] : []),
      "  labels:",
      '    {{- include "ecs-operator.labels" . | nindent 4 }}',
    ].join("\n");
  const inNamespace = [
    "metadata:",
    '  name: {{ include "ecs-operator.fullname" $ }}-manager',
    "  namespace: {{ $ns }}",
    "  labels:",
    '    {{- include "ecs-operator.labels" $ | nindent 4 }}',
  ].join("\n");
  const saOf = sa.replaceAll(" . }}", " $ }}").replace("{{ .Release.Namespace }}", "{{ $.Release.Namespace }}");
  return [
    header.trimEnd(),
    "{{- if .Values.rbac.create }}",
    "{{- if .Values.controller.watchNamespaces }}",
    "{{- /* Namespace-scoped install: a Role per watched namespace, and cluster-wide only what has no namespace. */}}",
    "{{- range $ns := .Values.controller.watchNamespaces }}",
    `apiVersion: ${RBAC_V1}`,
    "kind: Role",
    inNamespace,
    "rules:",
    indent(rulesYaml(NAMESPACED_RULES), 2),
    "---",
    `apiVersion: ${RBAC_V1}`,
    "kind: RoleBinding",
    inNamespace,
    "roleRef:",
    "  apiGroup: rbac.authorization.k8s.io",
    "  kind: Role",
    '  name: {{ include "ecs-operator.fullname" $ }}-manager',
    saOf,
    "---",
    "{{- end }}",
    `apiVersion: ${RBAC_V1}`,
    "kind: ClusterRole",
    meta("-cluster-scoped", false),
    "rules:",
    indent(rulesYaml(CLUSTER_SCOPED_RULES), 2),
    "---",
    `apiVersion: ${RBAC_V1}`,
    "kind: ClusterRoleBinding",
    meta("-cluster-scoped", false),
    "roleRef:",
    "  apiGroup: rbac.authorization.k8s.io",
    "  kind: ClusterRole",
    '  name: {{ include "ecs-operator.fullname" . }}-cluster-scoped',
    sa,
    "{{- else }}",
    `apiVersion: ${RBAC_V1}`,
    "kind: ClusterRole",
    meta("-manager", false),
    "rules:",
    indent(rulesYaml(CLUSTER_RULES), 2),
    "---",
    `apiVersion: ${RBAC_V1}`,
    "kind: ClusterRoleBinding",
    meta("-manager", false),
    "roleRef:",
    "  apiGroup: rbac.authorization.k8s.io",
    "  kind: ClusterRole",
    '  name: {{ include "ecs-operator.fullname" . }}-manager',
    sa,
    "{{- end }}",
    "---",
    `apiVersion: ${RBAC_V1}`,
    "kind: Role",
    meta("-leader-election", true),
    "rules:",
    indent(rulesYaml(LEADER_ELECTION_RULES), 2),
    "---",
    `apiVersion: ${RBAC_V1}`,
    "kind: RoleBinding",
    meta("-leader-election", true),
    "roleRef:",
    "  apiGroup: rbac.authorization.k8s.io",
    "  kind: Role",
    '  name: {{ include "ecs-operator.fullname" . }}-leader-election',
    sa,
    "{{- end }}",
    "",
  ].join("\n");
}
