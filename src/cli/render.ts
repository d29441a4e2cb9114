// `ecs-operator render`: the Kubernetes objects the controllers would create for manifests (or ECS JSON), offline.
// All documents of all files are read first (TaskDefinitions, CapacityProviders and Clusters are what the others
// resolve against), then each is printed by the function of its kind: for a TaskDefinition a v1 PodTemplate (the
// pod of every task of its revision), its ServiceAccount and the Secrets it references as comments; for a Service
// exactly what planService would apply in an empty namespace. No cluster is needed, so GitOps reviews can diff it.
import type { V1Node } from "@kubernetes/client-node";
import { CLUSTER_DEFAULTS, clusterNameOf } from "../api/cluster.ts";
import { resolveFamily, type TaskDefinitionSpec } from "../api/index.ts";
import type { CapacityProvider } from "../api/objects.ts";
import { controllerRevisionName, formatTaskDefinitionRef, normalizeRevisionSpec, parseTaskDefinitionRef } from "../builders/task-definition-revision.ts";
import { buildPodTemplate, type PodTemplate, type SecretReference } from "../builders/pod-template.ts";
import type { ClusterLike } from "../builders/service-capacity.ts";
import type { ServiceObject } from "../controllers/ecs-resources.ts";
import { planService, type ServicePlan } from "../controllers/service/plan.ts";
import type { ResolveResult } from "../controllers/task-definition/resolver.ts";
import type { TaskDefinitionObject } from "../controllers/task-definition/resources.ts";
import { admitted, CliError, registrable, type Manifest } from "./convert.ts";

export type BuildPodTemplate = typeof buildPodTemplate;

export interface Rendered {
  /** Objects to print, in order; a string is a YAML comment block. */
  objects: (Record<string, unknown> | string)[];
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
  const spec = m.spec as unknown as TaskDefinitionSpec;
  const family = resolveFamily(spec, m.metadata.name);
  const revision = opts.revision ?? 1;
  const namespace = m.metadata.namespace ?? opts.namespace ?? "default";
  const registered = normalizeRevisionSpec(spec, family) as unknown as TaskDefinitionSpec;
  let result: PodTemplate;
  try {
    result = buildPodTemplate(registered, { namespace, family, revision });
  } catch (err) {
    // The builder's refusals (PodTemplateError) carry the field in their message.
    throw new CliError(`${file}: ${(err as Error).message}\n${who} cannot become a pod template`);
  }
  const notes = result.unsupported.map((u) => `${who}: ${u.field} is not mapped to Kubernetes (the Supported condition lists it): ${u.reason}`);
  const objects: (Record<string, unknown> | string)[] = [];
  const metadata = { name: controllerRevisionName(m.metadata.name, revision), ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) };
  objects.push({ apiVersion: "v1", kind: "PodTemplate", metadata, template: result.template });
  const sa = result.serviceAccount;
  if (sa) {
    objects.push({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: sa.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}), ...(Object.keys(sa.annotations).length > 0 ? { annotations: sa.annotations } : {}) },
      automountServiceAccountToken: sa.automountServiceAccountToken,
    });
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
  /** The clock scheduled scaling is evaluated at. */
  readonly now: Date;
  /** The nodes memberOf `=~` patterns and wildcards compile against (--nodes; default none). */
  readonly nodes?: readonly V1Node[] | undefined;
}

/** What the files define that other kinds resolve against. */
export interface RenderWorld {
  readonly taskDefinitions: readonly Sourced[];
  readonly capacityProviders: readonly CapacityProvider[];
  readonly clusters: readonly Sourced[];
}

type KindRenderer = (m: Manifest, file: string, world: RenderWorld, opts: RenderOptions) => Rendered;

/**
 * How each kind is printed. Tasks and ScheduledTasks get theirs from the Task and ScheduledTask controllers' plan
 * modules (renderTask, renderScheduledTask), added here as `Task: renderTask, ScheduledTask: renderScheduledTask`.
 * CapacityProviders and Clusters make no Kubernetes objects of their own: they are read, not printed.
 */
const RENDERERS: Readonly<Record<string, KindRenderer | "input">> = {
  TaskDefinition: (m, file, _world, opts) => renderTaskDefinition(m, file, opts),
  Service: renderService,
  CapacityProvider: "input",
  Cluster: "input",
};

const namespaceOf = (m: Manifest, opts: Pick<RenderOptions, "namespace">): string => opts.namespace ?? m.metadata.namespace ?? "default";

/** Every manifest of every file, each printed by its kind's function; notes (stderr) say what was assumed. */
export function renderAll(inputs: readonly Sourced[], opts: RenderOptions): Rendered {
  const withNs = inputs.map((s) => (opts.namespace !== undefined && (s.manifest.kind as string) !== "CapacityProvider" ? { ...s, manifest: { ...s.manifest, metadata: { ...s.manifest.metadata, namespace: opts.namespace } } } : s));
  const ofKind = (kind: string): Sourced[] => withNs.filter((s) => (s.manifest.kind as string) === kind);
  const world: RenderWorld = {
    taskDefinitions: ofKind("TaskDefinition"),
    capacityProviders: ofKind("CapacityProvider").map((s) => admitted(s.manifest, s.file) as unknown as CapacityProvider),
    clusters: ofKind("Cluster").map((s) => ({ ...s, manifest: admitted(s.manifest, s.file) })),
  };
  const notes: string[] = [];
  const objects: Rendered["objects"] = [];
  const printed = new Set<string>();
  if (ofKind("Service").length > 0) {
    notes.push(world.capacityProviders.length === 0
      ? "render: no CapacityProvider in the files: Services use the built-in FARGATE, FARGATE_SPOT and EC2 providers"
      : `render: CapacityProviders from the files: ${world.capacityProviders.map((c) => c.metadata.name ?? "").join(", ")} (and the built-ins they do not override)`);
    if (world.clusters.length === 0) notes.push(`render: no Cluster in the files: Services without spec.cluster get no cluster defaults (as when the namespace has no Cluster "${CLUSTER_DEFAULTS.name}")`);
    else notes.push(`render: Clusters from the files: ${world.clusters.map((c) => c.manifest.metadata.name).join(", ")}`);
  }
  for (const { file, manifest } of withNs) {
    const renderer = RENDERERS[manifest.kind as string];
    if (renderer === "input") continue;
    if (renderer === undefined) {
      notes.push(`${file}: ${manifest.kind} ${manifest.metadata.name}: not rendered (render prints TaskDefinitions and Services so far)`);
      continue;
    }
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

const identity = (o: Record<string, unknown>): string => {
  const meta = (o.metadata ?? {}) as { name?: string };
  return `${String(o.kind)}/${meta.name ?? ""}`;
};

/** The revision of the files' TaskDefinition that `ref` names, as the resolver would return it, or why not. */
function resolveFromFiles(ref: string, namespace: string, world: RenderWorld, revision: number): ResolveResult {
  const parsed = parseTaskDefinitionRef(ref);
  if (!parsed.ok) return { ok: false, reason: "InvalidReference", message: `taskDefinition ${parsed.message}` };
  const found = world.taskDefinitions.find((s) => {
    const spec = s.manifest.spec as unknown as TaskDefinitionSpec;
    return resolveFamily(spec, s.manifest.metadata.name) === parsed.ref.family && (s.manifest.metadata.namespace ?? namespace) === namespace;
  });
  if (found === undefined || (parsed.ref.revision !== undefined && parsed.ref.revision !== revision)) {
    return { ok: false, reason: "NotFound", message: `taskDefinition ${JSON.stringify(ref)} is not in the files given` };
  }
  const family = parsed.ref.family;
  const spec = normalizeRevisionSpec(found.manifest.spec as unknown as TaskDefinitionSpec, family) as unknown as TaskDefinitionSpec;
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
  admitted(m, file);
  const namespace = namespaceOf(m, opts);
  const revision = opts.revision ?? 1;
  const spec = m.spec as unknown as ServiceObject["spec"];
  const ref = spec.taskDefinition ?? "";
  const resolved = resolveFromFiles(ref, namespace, world, revision);
  if (!resolved.ok) {
    if (resolved.reason === "NotFound") throw new CliError(`${who}: spec.taskDefinition ${JSON.stringify(ref)} is not in the files given${parsedRevisionHint(ref, revision)}`);
    throw new CliError(`${who}: spec.${resolved.message}`);
  }
  const clusterName = clusterNameOf(spec.cluster);
  const cluster = world.clusters.find((c) => c.manifest.metadata.name === clusterName && (c.manifest.metadata.namespace ?? namespace) === namespace)?.manifest as unknown as ClusterLike | undefined;
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
  return { objects: p.applies.map((a) => withoutOwnerReferences(a.object as unknown as Record<string, unknown>)), notes };
}

function parsedRevisionHint(ref: string, revision: number): string {
  const parsed = parseTaskDefinitionRef(ref);
  return parsed.ok && parsed.ref.revision !== undefined && parsed.ref.revision !== revision ? ` (its TaskDefinition is rendered as revision ${revision}; pass --revision ${parsed.ref.revision})` : "";
}

function withoutOwnerReferences(obj: Record<string, unknown>): Record<string, unknown> {
  const { ownerReferences: _owners, ...metadata } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata };
}
