// `ecs-operator convert`: ECS JSON as AWS tools write it (RegisterTaskDefinition or CreateService input, the
// DescribeTaskDefinition envelope, console exports with read-only fields) → TaskDefinition / Service / Task
// manifests. Pure: the caller reads files and prints; input the API server would refuse is refused here.
import {
  API_GROUP_VERSION,
  admit,
  DESCRIBE_ONLY_TASK_DEFINITION_FIELDS,
  findUnknownFields,
  ServiceSpec,
  TaskDefinitionSpec,
  TaskSpec,
  type CapacityProviderSpec,
  type ClusterSpec,
  type ScheduledTaskSpec,
} from "../api/index.ts";
import { toDnsLabel } from "../builders/names.ts";
import { checkTaskDefinitionSpec } from "../builders/task-definition/checks.ts";
import type { TSchema } from "../api/structural-schema.ts";

/** An error a user sees: it names the file and the field, and the command exits 1. */
export class CliError extends Error {
  /** Notes gathered before the error (printed before it). */
  notes: string[] = [];
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

export interface Manifest {
  apiVersion: string;
  kind: keyof SpecOfKind;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export interface Converted {
  manifests: Manifest[];
  /** What was changed or is worth knowing, one line each (printed on stderr). */
  notes: string[];
}

/** Fields of DescribeServices / CreateService output that are not CreateService input. */
const DESCRIBE_ONLY_SERVICE_FIELDS = [
  "serviceArn",
  "clusterArn",
  "status",
  "runningCount",
  "pendingCount",
  "deployments",
  "taskSets",
  "events",
  "createdAt",
  "createdBy",
  "roleArn",
  "currentServiceDeployment",
  "currentServiceRevisions",
  "resourceManagementType",
] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A DNS-1123 label (what every kind's metadata.name can be, and what child objects need) by the naming rule of every
 * builder (toDnsLabel: lowercase, '-', ≤ 63 with a hash when cut); "" when the text has no letter or digit to keep.
 */
export function toManifestName(text: string): string {
  return /[A-Za-z0-9]/.test(text) ? toDnsLabel(text) : "";
}

/** The file name without directories and extension: the name of definitions that carry none. */
export function fileStem(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(json|ya?ml)$/i, "");
}

function nameFrom(preferred: string | undefined, what: string, file: string, notes: string[]): string {
  if (preferred !== undefined && preferred !== "") {
    const name = toManifestName(preferred);
    if (name !== "") return name;
  }
  const name = toManifestName(fileStem(file));
  const missing = preferred === "" ? `${what} is empty` : `no ${what}`;
  if (name === "") throw new CliError(`${file}: ${missing} to name the object after, and the file name gives no usable name; set ${what}`);
  notes.push(`${file}: ${missing}; metadata.name is taken from the file name: ${name}`);
  return name;
}

function describeType(v: unknown): string {
  return Array.isArray(v) ? "a JSON array" : v === null ? "null" : `a JSON ${typeof v}`;
}

type Shape = "TaskDefinition" | "Service" | "Task";

const SERVICE_ONLY = ["serviceName", "desiredCount", "loadBalancers", "serviceRegistries", "deploymentConfiguration", "schedulingStrategy", "deploymentController", "healthCheckGracePeriodSeconds", "serviceConnectConfiguration", "autoScaling", "role"];
const TASK_ONLY = ["count", "overrides", "startedBy", "referenceId"];

function propertiesOf(schema: TSchema): string[] {
  return Object.keys((schema as { properties?: Json }).properties ?? {});
}

function shapeOf(doc: Json): Shape | undefined {
  if ("containerDefinitions" in doc) return "TaskDefinition";
  const keys = Object.keys(doc);
  if (keys.some((k) => SERVICE_ONLY.includes(k))) return "Service";
  if (keys.some((k) => TASK_ONLY.includes(k))) return "Task";
  const service = propertiesOf(ServiceSpec);
  if (keys.some((k) => service.includes(k))) return "Service";
  return undefined;
}

/** Refuses what `kubectl apply` would refuse, naming the file and every field. */
export function admitted(m: Manifest, file: string): Manifest {
  refuseUnadmitted(m, file, admit({ ...m }));
  return m;
}

function refuseUnadmitted(m: Manifest, file: string, errors: readonly { path: string; message: string }[]): void {
  if (errors.length === 0) return;
  const lines = errors.map((e) => `${file}: ${e.path}: ${e.message}`);
  throw new CliError([...lines, `${file}: ${m.kind} ${m.metadata.name} would be refused by the API server`].join("\n"));
}

/** The spec each kind a manifest may hold has once the API server's schema admits it. */
export interface SpecOfKind {
  TaskDefinition: TaskDefinitionSpec;
  Service: ServiceSpec;
  Task: TaskSpec;
  ScheduledTask: ScheduledTaskSpec;
  CapacityProvider: CapacityProviderSpec;
  Cluster: ClusterSpec;
}

/** Every kind a manifest may be, in the order `render` reads them. */
export const MANIFEST_KINDS = ["TaskDefinition", "CapacityProvider", "Cluster", "Service", "Task", "ScheduledTask"] as const satisfies readonly (keyof SpecOfKind)[];

export const isManifestKind = (kind: unknown): kind is keyof SpecOfKind => (MANIFEST_KINDS as readonly unknown[]).includes(kind);

/** A manifest of kind K that the schema admitted: its spec is that kind's spec type. */
export type AdmittedManifest<K extends keyof SpecOfKind> = Omit<Manifest, "apiVersion" | "kind" | "spec"> & { apiVersion: typeof API_GROUP_VERSION; kind: K; spec: SpecOfKind[K] };

/** Given what `admit` said of `m` (checked once), whether `m` is an admitted manifest of kind K. */
function isAdmittedAs<K extends keyof SpecOfKind>(m: Manifest, kind: K, errors: readonly unknown[]): m is Manifest & AdmittedManifest<K> {
  return errors.length === 0 && m.apiVersion === API_GROUP_VERSION && m.kind === kind;
}

/** `m` as the kind K it must be, once admitted (the CliError of `admitted` names every refused field). */
export function admittedAs<K extends keyof SpecOfKind>(m: Manifest, file: string, kind: K): AdmittedManifest<K> {
  const errors = admit({ ...m });
  refuseUnadmitted(m, file, errors);
  if (!isAdmittedAs(m, kind, errors)) throw new CliError(`${file}: ${m.kind} ${m.metadata.name} is not a ${kind}`);
  return m;
}

/** A TaskDefinition manifest whose spec the API server's schema admits: from here on its spec is a TaskDefinitionSpec. */
function isAdmittedTaskDefinition(m: Manifest): m is Manifest & { kind: "TaskDefinition"; spec: TaskDefinitionSpec } {
  return m.kind === "TaskDefinition" && admit({ ...m }).length === 0;
}

/** Refuses what the controller would refuse (Stalled) and ECS refuses at registration, naming file and field. */
export function registrable(m: Manifest, file: string): asserts m is Manifest & { kind: "TaskDefinition"; spec: TaskDefinitionSpec } {
  if (!isAdmittedTaskDefinition(m)) throw new CliError(`${file}: ${m.kind} ${m.metadata.name} is not a TaskDefinition the API server would accept`);
  const problems = checkTaskDefinitionSpec(m.spec);
  if (problems.length > 0) {
    throw new CliError([...problems.map((p) => `${file}: ${p.message}`), `${file}: TaskDefinition ${m.metadata.name} would not register (ECS refuses it too)`].join("\n"));
  }
}

function withoutFields(doc: Json, fields: readonly string[]): { rest: Json; dropped: string[] } {
  const rest: Json = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (fields.includes(k)) dropped.push(k);
    else rest[k] = v;
  }
  return { rest, dropped };
}

function unknownFieldNotes(spec: Json, schema: TSchema, file: string, what: string, ignore: readonly string[] = []): string[] {
  return findUnknownFields(spec, schema, "spec", ignore).map(
    (path) => `${file}: ${path} is not a ${what} field; kept as written, and the controller lists it in the Supported condition`,
  );
}

function convertTaskDefinition(input: Json, file: string, notes: string[], namespace?: string): Manifest {
  const { rest, dropped } = withoutFields(input, DESCRIBE_ONLY_TASK_DEFINITION_FIELDS);
  if (dropped.length > 0) notes.push(`${file}: dropped read-only fields of a DescribeTaskDefinition export: ${dropped.join(", ")}`);
  const family = typeof rest.family === "string" ? rest.family : undefined;
  const m: Manifest = {
    apiVersion: API_GROUP_VERSION,
    kind: "TaskDefinition",
    metadata: { name: nameFrom(family, "family", file, notes), ...(namespace ? { namespace } : {}) },
    spec: rest,
  };
  notes.push(...unknownFieldNotes(rest, TaskDefinitionSpec, file, "RegisterTaskDefinition"));
  admitted(m, file);
  registrable(m, file);
  return m;
}

const CLUSTER_ARN = /^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\/(.+)$/;

function convertService(input: Json, file: string, notes: string[], namespace?: string): Manifest {
  const { rest, dropped } = withoutFields(input, DESCRIBE_ONLY_SERVICE_FIELDS);
  if (dropped.length > 0) notes.push(`${file}: dropped read-only fields of a DescribeServices export: ${dropped.join(", ")}`);
  if (rest.cluster === undefined && typeof input.clusterArn === "string") rest.cluster = input.clusterArn;
  if (typeof rest.cluster === "string") {
    const arn = CLUSTER_ARN.exec(rest.cluster);
    if (arn?.[1]) {
      notes.push(`${file}: spec.cluster: the cluster ARN ${rest.cluster} becomes the Cluster name "${arn[1]}"`);
      rest.cluster = arn[1];
    }
  }
  const serviceName = typeof rest.serviceName === "string" ? rest.serviceName : undefined;
  const m: Manifest = {
    apiVersion: API_GROUP_VERSION,
    kind: "Service",
    metadata: { name: nameFrom(serviceName, "serviceName", file, notes), ...(namespace ? { namespace } : {}) },
    spec: rest,
  };
  notes.push(...unknownFieldNotes(rest, ServiceSpec, file, "CreateService"));
  return admitted(m, file);
}

function convertTask(input: Json, file: string, notes: string[], namespace?: string): Manifest {
  const m: Manifest = {
    apiVersion: API_GROUP_VERSION,
    kind: "Task",
    metadata: { name: nameFrom(undefined, "name", file, notes), ...(namespace ? { namespace } : {}) },
    spec: input,
  };
  notes.push(...unknownFieldNotes(input, TaskSpec, file, "RunTask"));
  return admitted(m, file);
}

/**
 * Converts one parsed ECS JSON document. `file` names the input in every message. Throws CliError for input
 * that is not ECS JSON or that the API server would refuse.
 */
export function convertEcsDocument(doc: unknown, file: string, opts: { namespace?: string } = {}): Converted {
  const notes: string[] = [];
  try {
    return convertDocument(doc, file, notes, opts);
  } catch (err) {
    if (err instanceof CliError) err.notes.unshift(...notes);
    throw err;
  }
}

function convertDocument(doc: unknown, file: string, notes: string[], opts: { namespace?: string }): Converted {
  if (!isObject(doc)) throw new CliError(`${file}: expected a JSON object (a task or service definition), found ${describeType(doc)}`);
  let body: Json = doc;
  if (isObject(doc.taskDefinition) && !("containerDefinitions" in doc)) {
    // DescribeTaskDefinition / RegisterTaskDefinition output: {"taskDefinition": {...}, "tags": [...]}.
    body = { ...doc.taskDefinition };
    if (Array.isArray(doc.tags) && body.tags === undefined && doc.tags.length > 0) body.tags = doc.tags;
    notes.push(`${file}: unwrapped the {"taskDefinition": {...}} envelope of DescribeTaskDefinition output`);
  } else if (isObject(doc.service) && Object.keys(doc).length === 1) {
    body = doc.service;
    notes.push(`${file}: unwrapped the {"service": {...}} envelope of CreateService output`);
  } else if (Array.isArray(doc.services) && !("serviceName" in doc)) {
    const manifests: Manifest[] = [];
    for (const [i, s] of doc.services.entries()) {
      if (!isObject(s)) throw new CliError(`${file}: services[${i}] is ${describeType(s)}, not a service`);
      manifests.push(convertService(s, `${file} (services[${i}])`, notes, opts.namespace));
    }
    notes.push(`${file}: converted the ${manifests.length} services of DescribeServices output`);
    return { manifests, notes };
  }
  const shape = shapeOf(body);
  switch (shape) {
    case "TaskDefinition":
      return { manifests: [convertTaskDefinition(body, file, notes, opts.namespace)], notes };
    case "Service":
      return { manifests: [convertService(body, file, notes, opts.namespace)], notes };
    case "Task":
      return { manifests: [convertTask(body, file, notes, opts.namespace)], notes };
    default: {
      const keys = Object.keys(body).slice(0, 8).join(", ");
      throw new CliError(
        `${file}: neither a task definition (it has no containerDefinitions) nor a service definition (no CreateService field)` +
          (keys === "" ? "; the object is empty" : `; its fields are: ${keys}`),
      );
    }
  }
}

/** Parses JSON text, with an error that names the file and the position. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
}
