// `ecs-operator render`: the Kubernetes objects the controllers would create for manifests (or ECS JSON), offline.
// All documents of all files are read first (TaskDefinitions, CapacityProviders and Clusters are what the others
// resolve against), then each is printed by the function of its kind: for a TaskDefinition a v1 PodTemplate (the
// pod of every task of its revision), its ServiceAccount and the Secrets it references as comments; for a Service
// exactly what planService would apply in an empty namespace; for a Task its pods (renderTask); for a ScheduledTask
// its next run times and the Task of the first with that Task's pods (renderScheduledTask). No cluster is needed,
// so GitOps reviews can diff it.
import { formatTaskDefinitionRef, parseTaskDefinitionRef } from "../builders/task-definition/ref.ts";
import type { V1Node } from "@kubernetes/client-node";
import { CLUSTER_DEFAULTS, clusterNameOf } from "../api/cluster.ts";
import { API_GROUP_VERSION, resolveFamily } from "../api/index.ts";
import type { CapacityProvider } from "../api/objects.ts";
import { controllerRevisionName, normalizeRevisionSpec } from "../builders/task-definition/revision.ts";
import { buildPodTemplate, type PodTemplate, type SecretReference } from "../builders/pod/template.ts";
import type { ClusterLike } from "../builders/capacity/resolution.ts";
import { buildTaskRoleServiceAccount } from "../builders/task/role-service-account.ts";
import { SpecError } from "../api/spec-error.ts";
import type { ScheduledTaskObject, ServiceObject, TaskObject } from "../controllers/ecs-resources.ts";
import { renderScheduledTask } from "../controllers/scheduled-task/plan.ts";
import { planService, type ServicePlan } from "../controllers/service/plan.ts";
import { renderTask, type RenderTaskContext } from "../controllers/task/plan.ts";
import type { ResolveResult } from "../controllers/task-definition/resolver.ts";
import type { TaskDefinitionObject } from "../controllers/task-definition/resources.ts";
import { admitted, admittedAs, CliError, registrable, type AdmittedManifest, type Manifest } from "./convert.ts";
import type { KubeObject, Wire } from "../runtime/resources.ts";

export type BuildPodTemplate = typeof buildPodTemplate;

export interface Rendered {
  /** Objects to print, in order; a string is a YAML comment block. */
  objects: (KubeObject | string)[];
  notes: string[];
}

const secretRefText = (r: SecretReference): string => `Secret ${r.secretName} key ${r.key}${r.type === "Opaque" ? "" : ` (${r.type})`}, for ${r.valueFrom}`;

/**
 * Renders one TaskDefinition manifest as revision `revision`. Refuses (CliError naming the file and field) what
 * the API server or the controller would refuse.
 */
export function renderTaskDefinition(m: Manifest, file: string, opts: { namespace?: string; revision?: number } = {}): Rendered {
  const who = `${file}: TaskDefinition ${m.metadata.name}`;
  admitted(m, file);
  registrable(m, file);
  const spec = m.spec;
  const family = resolveFamily(spec, m.metadata.name);
  const revision = opts.revision ?? 1;
  const namespace = m.metadata.namespace ?? opts.namespace ?? "default";
  const registered = normalizeRevisionSpec(spec, family);
  let result: PodTemplate;
  try {
    result = buildPodTemplate(registered, { namespace, family, revision });
  } catch (err) {
    // The builder's refusals (PodTemplateError) carry the field in their message.
    throw new CliError(`${file}: ${(err as Error).message}\n${who} cannot become a pod template`);
  }
  const notes = result.unsupported.map((u) => `${who}: ${u.field} is not mapped to Kubernetes (the Supported condition lists it): ${u.reason}`);
  const objects: Rendered["objects"] = [];
  const metadata = { name: controllerRevisionName(m.metadata.name, revision), ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) };
  const podTemplate: KubeObject & Pick<PodTemplate, "template"> = { apiVersion: "v1", kind: "PodTemplate", metadata, template: result.template };
  objects.push(podTemplate);
  if (result.serviceAccount) {
    // The object the Service and Task controllers apply (without the owner reference: a manifest has no uid), in the
    // manifest's namespace only when it names one, like the PodTemplate, so that `kubectl apply -n NS` takes it.
    const sa = buildTaskRoleServiceAccount(result.serviceAccount, undefined);
    if (!metadata.namespace) Reflect.deleteProperty(sa.metadata, "namespace");
    objects.push(sa);
  }
  // What the pods need and nobody creates for them (the operator never reads AWS): listed, as comments.
  const needs = [
    ...result.secretRefs.map(secretRefText),
    ...result.configMapRefs.map((c) => `ConfigMap ${c.name}, for ${c.valueFrom}`),
    ...result.volumeClaims.map((c) => `PersistentVolumeClaim ${c.claimName}, for volume "${c.volume}"${c.fileSystemId ? ` (${c.fileSystemId}${c.accessPointId ? `, ${c.accessPointId}` : ""})` : ""}`),
  ];
  if (needs.length > 0) {
    objects.push([`TaskDefinition ${m.metadata.name} (${family}:${revision}) needs these, which must exist in the namespace:`, ...needs.map((n) => `  ${n}`)].map((l) => `# ${l}`).join("\n"));
  }
  return { objects, notes };
}

/** A manifest and the file it came from. */
export interface Sourced {
  readonly file: string;
  readonly manifest: Manifest;
}

export interface RenderOptions {
  /** -n: the namespace of manifests that name none (default: none, rendered as "default" where one is needed). */
  readonly namespace?: string | undefined;
  /** --revision: the revision TaskDefinitions are rendered as (default 1). */
  readonly revision?: number | undefined;
  /** The clock scheduled scaling and ScheduledTasks' next run times are evaluated at (the real clock in the CLI). */
  readonly now: Date;
  /** How many next run times a ScheduledTask lists (default 5). */
  readonly runTimes?: number | undefined;
  /** The nodes memberOf `=~` patterns and wildcards compile against (--nodes; default none). */
  readonly nodes?: readonly Wire<V1Node>[] | undefined;
}

/** What the files define that other kinds resolve against. */
export interface RenderWorld {
  readonly taskDefinitions: readonly { readonly file: string; readonly manifest: AdmittedManifest<"TaskDefinition"> }[];
  readonly capacityProviders: readonly CapacityProvider[];
  readonly clusters: readonly { readonly file: string; readonly manifest: AdmittedManifest<"Cluster"> }[];
}

type KindRenderer = (m: Manifest, file: string, world: RenderWorld, opts: RenderOptions) => Rendered;

/**
 * How each kind is printed: by the same plan functions the controllers run. CapacityProviders and Clusters make no
 * Kubernetes objects of their own: they are read, not printed.
 */
const RENDERERS: Readonly<Record<Manifest["kind"], KindRenderer | "input">> = {
  TaskDefinition: (m, file, _world, opts) => renderTaskDefinition(m, file, opts),
  Service: renderService,
  Task: renderTaskManifest,
  ScheduledTask: renderScheduledTaskManifest,
  CapacityProvider: "input",
  Cluster: "input",
};

const namespaceOf = (m: Manifest, opts: Pick<RenderOptions, "namespace">): string => opts.namespace ?? m.metadata.namespace ?? "default";

/** Every manifest of every file, each printed by its kind's function; notes (stderr) say what was assumed. */
export function renderAll(inputs: readonly Sourced[], opts: RenderOptions): Rendered {
  const withNs = inputs.map((s) => (opts.namespace !== undefined && s.manifest.kind !== "CapacityProvider" ? { ...s, manifest: { ...s.manifest, metadata: { ...s.manifest.metadata, namespace: opts.namespace } } } : s));
  const ofKind = (kind: Manifest["kind"]): Sourced[] => withNs.filter((s) => s.manifest.kind === kind);
  const world: RenderWorld = {
    taskDefinitions: ofKind("TaskDefinition").map((s) => ({ ...s, manifest: admittedAs(s.manifest, s.file, "TaskDefinition") })),
    capacityProviders: ofKind("CapacityProvider").map((s) => admittedAs(s.manifest, s.file, "CapacityProvider")),
    clusters: ofKind("Cluster").map((s) => ({ ...s, manifest: admittedAs(s.manifest, s.file, "Cluster") })),
  };
  const notes: string[] = [];
  const objects: Rendered["objects"] = [];
  const printed = new Set<string>();
  if (ofKind("Service").length + ofKind("Task").length + ofKind("ScheduledTask").length > 0) {
    notes.push(world.capacityProviders.length === 0
      ? "render: no CapacityProvider in the files: Services and Tasks use the built-in FARGATE, FARGATE_SPOT and EC2 providers"
      : `render: CapacityProviders from the files: ${world.capacityProviders.map((c) => c.metadata.name ?? "").join(", ")} (and the built-ins they do not override)`);
    if (world.clusters.length === 0) notes.push(`render: no Cluster in the files: Services and Tasks without spec.cluster get no cluster defaults (as when the namespace has no Cluster "${CLUSTER_DEFAULTS.name}")`);
    else notes.push(`render: Clusters from the files: ${world.clusters.map((c) => c.manifest.metadata.name).join(", ")}`);
  }
  for (const { file, manifest } of withNs) {
    // Every ecs.operator.dev kind has a renderer; the files' reader refuses anything else before this.
    const renderer = RENDERERS[manifest.kind];
    if (renderer === "input") continue;
    let res: Rendered;
    try {
      res = renderer(manifest, file, world, opts);
    } catch (err) {
      if (err instanceof CliError) err.notes.unshift(...notes);
      throw err;
    }
    notes.push(...res.notes);
    // One object under one name: the task role's ServiceAccount comes with its TaskDefinition and every Service of it.
    for (const o of res.objects) {
      if (typeof o !== "string") {
        if (printed.has(identity(o))) continue;
        printed.add(identity(o));
      }
      objects.push(o);
    }
  }
  return { objects, notes };
}

const identity = (o: KubeObject): string => `${o.kind ?? ""}/${o.metadata?.name ?? ""}`;

/** The revision of the files' TaskDefinition that `ref` names, as the resolver would return it, or why not. */
function resolveFromFiles(ref: string, namespace: string, world: RenderWorld, revision: number): ResolveResult {
  const parsed = parseTaskDefinitionRef(ref);
  if (!parsed.ok) return { ok: false, reason: "InvalidReference", message: `taskDefinition ${parsed.message}` };
  const found = world.taskDefinitions.find((s) => resolveFamily(s.manifest.spec, s.manifest.metadata.name) === parsed.ref.family && (s.manifest.metadata.namespace ?? namespace) === namespace);
  if (found === undefined || (parsed.ref.revision !== undefined && parsed.ref.revision !== revision)) {
    return { ok: false, reason: "NotFound", message: `taskDefinition ${JSON.stringify(ref)} is not in the files given` };
  }
  const family = parsed.ref.family;
  const spec = normalizeRevisionSpec(found.manifest.spec, family);
  const taskDefinition = { apiVersion: found.manifest.apiVersion, kind: "TaskDefinition", metadata: { name: found.manifest.metadata.name, namespace }, spec } as TaskDefinitionObject;
  return {
    ok: true,
    value: { taskDefinition, family, revision, status: "ACTIVE", spec, controllerRevision: controllerRevisionName(found.manifest.metadata.name, revision), reference: formatTaskDefinitionRef({ family, revision }) },
  };
}

/**
 * One Service as planService would apply it in a namespace where nothing else exists yet (no pods, no children, no
 * nodes): its Deployments (one per provider, with the ECS split) or DaemonSets, Service, Ingress, HPA, PDB and the
 * task role's ServiceAccount. Owner references are left out: they carry uids that only the cluster knows.
 */
export function renderService(m: Manifest, file: string, world: RenderWorld, opts: RenderOptions): Rendered {
  const who = `${file}: Service ${m.metadata.name}`;
  const spec = admittedAs(m, file, "Service").spec;
  const namespace = namespaceOf(m, opts);
  const revision = opts.revision ?? 1;
  const ref = spec.taskDefinition ?? "";
  const resolved = resolveFromFilesOrRefuse(who, "spec.taskDefinition", ref, namespace, world, revision);
  const cluster = clusterFromFiles(spec.cluster, namespace, world);
  let service = { apiVersion: m.apiVersion, kind: "Service", metadata: { name: m.metadata.name, namespace, uid: "", generation: 1 }, spec } as ServiceObject;
  const plan = (svc: ServiceObject): ServicePlan => planService({
    service: svc,
    cluster,
    capacityProviders: world.capacityProviders,
    taskDefinitions: { [ref]: resolved },
    children: [],
    pods: [],
    nodes: opts.nodes ?? [],
    serviceAccounts: [],
    others: "none",
    memory: { counted: {} },
  }, opts.now);
  let p = plan(service);
  const notes: string[] = [];
  // The scale-subresource patch (capacity limits in force) changes desiredCount; the pass after it is what stays.
  if (p.scale !== undefined && p.stalled === undefined) {
    notes.push(`${who}: desiredCount ${spec.desiredCount ?? 1} is outside the capacity limits in force now: the controller sets it to ${p.scale}`);
    service = { ...service, spec: { ...spec, desiredCount: p.scale } };
    p = plan(service);
  }
  if (p.stalled !== undefined) throw new CliError(`${who}: ${p.stalled.message}`);
  const dependsOn = p.memory.labelDeps?.keys ?? [];
  if (dependsOn.length > 0 && opts.nodes === undefined) {
    notes.push(`${who}: placement patterns compile against the cluster's node labels (${dependsOn.join(", ")}); without --nodes they matched no node here`);
  }
  const supported = p.status?.conditions?.find((c) => c.type === "Supported");
  if (supported?.status === "False") notes.push(`${who}: ${supported.message}`);
  return { objects: p.applies.map((a) => withoutOwnerReferences(a.object)), notes };
}

/** The files' revision `ref` names, or the CliError that says it is not there (naming `field`). */
function resolveFromFilesOrRefuse(who: string, field: string, ref: string, namespace: string, world: RenderWorld, revision: number): Extract<ResolveResult, { ok: true }> {
  const resolved = resolveFromFiles(ref, namespace, world, revision);
  if (resolved.ok) return resolved;
  if (resolved.reason === "NotFound") throw new CliError(`${who}: ${field} ${JSON.stringify(ref)} is not in the files given${parsedRevisionHint(ref, revision)}`);
  throw new CliError(`${who}: ${field.replace(/taskDefinition$/, "")}${resolved.message}`);
}

/** The Cluster `name` (else `default`) of `namespace` from the files, when they hold it. */
function clusterFromFiles(name: string | undefined, namespace: string, world: RenderWorld): ClusterLike | undefined {
  const clusterName = clusterNameOf(name);
  return world.clusters.find((c) => c.manifest.metadata.name === clusterName && (c.manifest.metadata.namespace ?? namespace) === namespace)?.manifest;
}

/** What renderTask needs from the files: the TaskDefinitions of `namespace`, the providers, the Cluster, the nodes. */
function taskContext(cluster: string | undefined, namespace: string, world: RenderWorld, opts: RenderOptions): RenderTaskContext {
  const found = clusterFromFiles(cluster, namespace, world);
  return {
    taskDefinitions: world.taskDefinitions
      .filter((s) => (s.manifest.metadata.namespace ?? namespace) === namespace)
      .map((s): TaskDefinitionObject => ({ apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name: s.manifest.metadata.name, namespace }, spec: s.manifest.spec })),
    revision: opts.revision ?? 1,
    capacityProviders: world.capacityProviders,
    ...(found === undefined ? {} : { cluster: found }),
    ...(opts.nodes === undefined ? {} : { nodes: opts.nodes }),
  };
}

/** A SpecError of a plan as the CLI shows it: the file, the object, the field and why. */
function refused(who: string, err: unknown): unknown {
  return err instanceof SpecError ? new CliError(`${who}: ${err.message}`) : err;
}

/**
 * One Task as the Task controller starts it in a namespace where nothing else exists yet: the task role's
 * ServiceAccount, then its `count` pods (the capacity provider split of the strategy), without owner references.
 */
export function renderTaskManifest(m: Manifest, file: string, world: RenderWorld, opts: RenderOptions): Rendered {
  const who = `${file}: Task ${m.metadata.name}`;
  const spec = admittedAs(m, file, "Task").spec;
  const namespace = namespaceOf(m, opts);
  resolveFromFilesOrRefuse(who, "spec.taskDefinition", spec.taskDefinition, namespace, world, opts.revision ?? 1);
  const task = { apiVersion: m.apiVersion, kind: "Task", metadata: { name: m.metadata.name, namespace, generation: 1 }, spec } as TaskObject;
  try {
    const r = renderTask(task, taskContext(spec.cluster, namespace, world, opts));
    return { objects: r.objects, notes: r.notes.map((n) => `${who}: ${n}`) };
  } catch (err) {
    throw refused(who, err);
  }
}

/**
 * One ScheduledTask: its next run times after `now`, in its time zone, as a comment block; then the Task the
 * controller creates at the first of them (without the owner reference) and what that Task creates.
 */
export function renderScheduledTaskManifest(m: Manifest, file: string, world: RenderWorld, opts: RenderOptions): Rendered {
  const who = `${file}: ScheduledTask ${m.metadata.name}`;
  const spec = admittedAs(m, file, "ScheduledTask").spec;
  const namespace = namespaceOf(m, opts);
  const st: ScheduledTaskObject = { apiVersion: API_GROUP_VERSION, kind: "ScheduledTask", metadata: { name: m.metadata.name, namespace, generation: 1 }, spec };
  const taskSpec = st.spec.task;
  resolveFromFilesOrRefuse(who, "spec.task.taskDefinition", taskSpec.taskDefinition, namespace, world, opts.revision ?? 1);
  let r: ReturnType<typeof renderScheduledTask>;
  try {
    r = renderScheduledTask(st, taskContext(taskSpec.cluster, namespace, world, opts), opts.now, opts.runTimes ?? 5);
  } catch (err) {
    throw refused(who, err);
  }
  const notes: string[] = [];
  if ((st.spec.state ?? "ENABLED") === "DISABLED") notes.push(`${who}: state is DISABLED: no run is made until it is ENABLED; the times printed are when it would run`);
  const header = `ScheduledTask ${m.metadata.name}: ${st.spec.scheduleExpression} in ${r.timeZone}`;
  const times = r.runTimes.length === 0 ? [`${header}: no run is left after ${opts.now.toISOString()}`] : [`${header}, the next ${r.runTimes.length} runs:`, ...r.runTimes.map((t) => `  ${t}`)];
  const objects: Rendered["objects"] = [times.map((l) => `# ${l}`).join("\n")];
  if (r.task !== undefined) {
    const { ownerReferences: _owners, ...metadata } = r.task.metadata;
    objects.push({ ...r.task, metadata });
  }
  objects.push(...(r.rendered?.objects ?? []));
  notes.push(...(r.rendered?.notes ?? []).map((n) => `${who}: ${n}`));
  return { objects, notes };
}

function parsedRevisionHint(ref: string, revision: number): string {
  const parsed = parseTaskDefinitionRef(ref);
  return parsed.ok && parsed.ref.revision !== undefined && parsed.ref.revision !== revision ? ` (its TaskDefinition is rendered as revision ${revision}; pass --revision ${parsed.ref.revision})` : "";
}

function withoutOwnerReferences(obj: KubeObject): KubeObject {
  const { ownerReferences: _owners, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}
