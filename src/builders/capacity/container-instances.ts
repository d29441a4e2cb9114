// Nodes as ECS container instances: the attributes placement expressions match (ecs.availability-zone, ...),
// registered and remaining CPU (1024 units per CPU) and memory (MiB), which nodes a provider's scheduling admits,
// and the per-provider capacity that Cluster and CapacityProvider status show. Pure. See docs/capacity-providers.md.
import type { V1Container, V1Node, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1Pod, V1Taint } from "@kubernetes/client-node";
import { DEFAULT_ATTRIBUTE_LABELS } from "../placement/query-language.ts";
import type { Scheduling } from "./provider.ts";
import type { Wire } from "../../runtime/resources.ts";

// ---------------------------------------------------------------- quantities

export class QuantityError extends Error {
  override name = "QuantityError";
}

const SUFFIXES: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** A Kubernetes resource quantity ("3800m", "16Gi", "1.5", "1e3") as a number of base units (cores, bytes). */
export function parseQuantity(text: string): number {
  const m = QUANTITY.exec(text.trim());
  if (m === null) throw new QuantityError(`${JSON.stringify(text)} is not a Kubernetes quantity`);
  const [, number = "", exponent, suffix = ""] = m;
  const scale = exponent === undefined ? (SUFFIXES[suffix] ?? 1) : 10 ** Number(exponent.slice(1));
  return Number(number) * scale;
}

/** CPU in whole millicores (rounded up, as Kubernetes rounds a request). */
export function cpuMillis(text: string): number {
  return Math.ceil(Math.round(parseQuantity(text) * 1e6) / 1e3);
}

/** Memory in whole bytes (rounded up). */
export function memoryBytes(text: string): number {
  return Math.ceil(parseQuantity(text));
}

const MIB = 2 ** 20;
/** Millicores → ECS CPU units (1 CPU = 1024 units), truncated. */
export const ecsCpuUnits = (millis: number): number => Math.floor((millis * 1024) / 1000);
/** Bytes → MiB, truncated. */
export const ecsMemoryMiB = (bytes: number): number => Math.floor(bytes / MIB);

// ---------------------------------------------------------------- pod requests

export interface Resources {
  /** Millicores. */
  cpu: number;
  /** Bytes. */
  memory: number;
}

function containerRequests(c: V1Container): Resources {
  const r = c.resources?.requests ?? {};
  const l = c.resources?.limits ?? {};
  // A limit without a request is the request (the API server defaults it so).
  const cpu = r.cpu ?? l.cpu;
  const memory = r.memory ?? l.memory;
  return { cpu: cpu === undefined ? 0 : cpuMillis(cpu), memory: memory === undefined ? 0 : memoryBytes(memory) };
}

const add = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory });
const max = (a: Resources, b: Resources): Resources => ({ cpu: Math.max(a.cpu, b.cpu), memory: Math.max(a.memory, b.memory) });
const ZERO: Resources = { cpu: 0, memory: 0 };

/**
 * What the scheduler reserves for a pod: the sum of its containers and sidecars (init containers with
 * restartPolicy Always), or more if an init container needs more while it runs (with the sidecars started before
 * it), plus the pod overhead; pod-level resources (spec.resources) when set.
 */
export function podRequests(pod: Wire<V1Pod>): Resources {
  const known = requestsOf.get(pod);
  if (known !== undefined) return known;
  const r = computePodRequests(pod);
  requestsOf.set(pod, r);
  return r;
}

/**
 * podRequests of each pod object already seen. Cached pods are never changed in place (an informer replaces the
 * object on every change), so the object is the key: the Cluster and CapacityProvider roll-ups read every task pod on
 * every pass, and parsing their quantities again was 9 % of the operator's CPU in a 5,000-service creation.
 */
const requestsOf = new WeakMap<object, Resources>();

function computePodRequests(pod: Wire<V1Pod>): Resources {
  const spec = pod.spec;
  if (spec === undefined) return ZERO;
  const podLevel = spec.resources?.requests ?? spec.resources?.limits;
  let total: Resources;
  if (podLevel !== undefined && (podLevel.cpu !== undefined || podLevel.memory !== undefined)) {
    total = { cpu: podLevel.cpu === undefined ? 0 : cpuMillis(podLevel.cpu), memory: podLevel.memory === undefined ? 0 : memoryBytes(podLevel.memory) };
  } else {
    let sidecars = ZERO;
    let initPeak = ZERO;
    for (const c of spec.initContainers ?? []) {
      const r = containerRequests(c);
      if (c.restartPolicy === "Always") {
        sidecars = add(sidecars, r);
        initPeak = max(initPeak, sidecars);
      } else {
        initPeak = max(initPeak, add(sidecars, r));
      }
    }
    const regular = spec.containers.reduce((s, c) => add(s, containerRequests(c)), ZERO);
    total = max(add(regular, sidecars), initPeak);
  }
  const overhead = spec.overhead ?? {};
  return add(total, { cpu: overhead.cpu === undefined ? 0 : cpuMillis(overhead.cpu), memory: overhead.memory === undefined ? 0 : memoryBytes(overhead.memory) });
}

/** Pods that hold resources on their node: bound and not finished. */
function holdsResources(pod: Wire<V1Pod>): boolean {
  const phase = pod.status?.phase;
  return pod.spec?.nodeName !== undefined && pod.spec.nodeName !== "" && phase !== "Succeeded" && phase !== "Failed";
}

// ---------------------------------------------------------------- nodes a provider admits

export function isNodeReady(node: Wire<V1Node>): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function tolerates(tolerations: Scheduling["tolerations"], taint: Wire<V1Taint>): boolean {
  return tolerations.some((t) => {
    if (t.effect !== undefined && t.effect !== taint.effect) return false;
    if ((t.operator ?? "Equal") === "Exists") return t.key === undefined || t.key === "" || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function requirementMet(req: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || !/^-?[0-9]+$/.test(value) || values.length !== 1) return false;
      const have = Number(value);
      const want = Number(values[0]);
      return req.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

function termMet(term: V1NodeSelectorTerm, node: Wire<V1Node>): boolean {
  const labels = node.metadata?.labels ?? {};
  const fields: Record<string, string | undefined> = { "metadata.name": node.metadata?.name };
  const exprs = term.matchExpressions ?? [];
  const fieldExprs = term.matchFields ?? [];
  // An empty term matches no node (as the scheduler treats it).
  if (exprs.length === 0 && fieldExprs.length === 0) return false;
  return exprs.every((r) => requirementMet(r, labels[r.key])) && fieldExprs.every((r) => requirementMet(r, fields[r.key]));
}

/** Whether a provider's pods may be scheduled on the node: selector, NoSchedule/NoExecute taints, required node affinity. */
export function admits(scheduling: Pick<Scheduling, "nodeSelector" | "tolerations" | "affinity">, node: Wire<V1Node>): boolean {
  const labels = node.metadata?.labels ?? {};
  if (!Object.entries(scheduling.nodeSelector).every(([k, v]) => labels[k] === v)) return false;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === "PreferNoSchedule") continue;
    if (!tolerates(scheduling.tolerations, taint)) return false;
  }
  const affinity = scheduling.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: V1NodeSelectorTerm[] } } } | undefined;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms !== undefined && !terms.some((t) => termMet(t, node))) return false;
  return true;
}

/** The Ready nodes a provider's scheduling admits: its container instances. */
export function nodesOfProvider(nodes: readonly Wire<V1Node>[], scheduling: Pick<Scheduling, "nodeSelector" | "tolerations" | "affinity">): Wire<V1Node>[] {
  return nodes.filter((n) => isNodeReady(n) && admits(scheduling, n));
}

// ---------------------------------------------------------------- the container instance view

export interface Attribute {
  name: string;
  value: string;
}

export interface EcsResource {
  name: "CPU" | "MEMORY";
  type: "INTEGER";
  integerValue: number;
}

export interface ContainerInstanceView {
  /** The node name (ECS: ec2InstanceId). */
  ec2InstanceId: string;
  capacityProviderName?: string;
  /** ACTIVE, or DRAINING when the node is cordoned (spec.unschedulable). */
  status: "ACTIVE" | "DRAINING";
  /** The node is Ready. */
  agentConnected: boolean;
  attributes: Attribute[];
  registeredResources: EcsResource[];
  remainingResources: EcsResource[];
  /** Pods on the node that hold resources. */
  runningTasksCount: number;
}

export interface ContainerInstanceOptions {
  /** The pods of the cluster (or just those on this node); pods on other nodes are ignored. */
  readonly pods?: readonly Wire<V1Pod>[];
  readonly capacityProviderName?: string;
  /**
   * Custom attributes come from the node labels under this prefix, with the prefix removed (as the query language
   * reads them). Unset: every label outside the kubernetes.io and k8s.io namespaces, named by its key.
   */
  readonly customAttributePrefix?: string;
}

const ARCHITECTURES: Readonly<Record<string, string>> = { amd64: "x86_64", arm64: "arm64" };

/** Label keys in the kubernetes.io / k8s.io namespaces (`kubernetes.io/os`, `node.kubernetes.io/...`, `k8s.io/...`). */
function isKubernetesLabel(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  return ["kubernetes.io", "k8s.io"].some((ns) => prefix === ns || prefix.endsWith(`.${ns}`));
}

/** ECS attributes of a node, sorted by name: the four built-ins that have a well-known label, then custom ones. */
export function nodeAttributes(node: Wire<V1Node>, customAttributePrefix?: string): Attribute[] {
  const labels = node.metadata?.labels ?? {};
  const out = new Map<string, string>();
  const builtIn = (name: string, transform: (v: string) => string = (v) => v) => {
    const key = DEFAULT_ATTRIBUTE_LABELS[name]?.key;
    const value = key === undefined ? undefined : labels[key];
    if (value !== undefined && value !== "") out.set(name, transform(value));
  };
  builtIn("ecs.availability-zone");
  builtIn("ecs.instance-type");
  builtIn("ecs.os-type");
  builtIn("ecs.cpu-architecture", (v) => ARCHITECTURES[v] ?? v);
  for (const [key, value] of Object.entries(labels)) {
    if (customAttributePrefix !== undefined && customAttributePrefix !== "") {
      if (!key.startsWith(customAttributePrefix) || key.length === customAttributePrefix.length) continue;
      const name = key.slice(customAttributePrefix.length);
      if (!out.has(name)) out.set(name, value);
    } else if (!isKubernetesLabel(key) && !out.has(key)) {
      out.set(key, value);
    }
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
}

export function allocatable(node: Wire<V1Node>): Resources {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { cpu: a.cpu === undefined ? 0 : cpuMillis(a.cpu), memory: a.memory === undefined ? 0 : memoryBytes(a.memory) };
}

function requestedOn(nodeName: string, pods: readonly Wire<V1Pod>[]): { requested: Resources; count: number } {
  let requested = ZERO;
  let count = 0;
  for (const p of pods) {
    if (!holdsResources(p) || p.spec?.nodeName !== nodeName) continue;
    requested = add(requested, podRequests(p));
    count++;
  }
  return { requested, count };
}

const ecsResources = (r: Resources): EcsResource[] => [
  { name: "CPU", type: "INTEGER", integerValue: ecsCpuUnits(r.cpu) },
  { name: "MEMORY", type: "INTEGER", integerValue: ecsMemoryMiB(r.memory) },
];

/** A node as DescribeContainerInstances shows an instance. Remaining resources never go below 0. */
export function containerInstanceView(node: Wire<V1Node>, options: ContainerInstanceOptions = {}): ContainerInstanceView {
  const name = node.metadata?.name ?? "";
  const registered = allocatable(node);
  const { requested, count } = requestedOn(name, options.pods ?? []);
  const remaining = { cpu: Math.max(0, registered.cpu - requested.cpu), memory: Math.max(0, registered.memory - requested.memory) };
  return {
    ec2InstanceId: name,
    ...(options.capacityProviderName === undefined ? {} : { capacityProviderName: options.capacityProviderName }),
    status: node.spec?.unschedulable === true ? "DRAINING" : "ACTIVE",
    agentConnected: isNodeReady(node),
    attributes: nodeAttributes(node, options.customAttributePrefix),
    registeredResources: ecsResources(registered),
    remainingResources: ecsResources(remaining),
    runningTasksCount: count,
  };
}

// ---------------------------------------------------------------- capacity per provider

export interface ProviderCapacity {
  capacityProvider: string;
  /** Ready nodes the provider admits (registeredContainerInstancesCount). */
  readyNodes: number;
  /** ECS CPU units and MiB: allocatable of those nodes, and requested by the pods bound to them. */
  allocatable: { cpu: number; memory: number };
  requested: { cpu: number; memory: number };
}

/** Requests of the resource-holding pods, by node name: one pass over the pods. */
function requestsByNode(pods: readonly Wire<V1Pod>[]): Map<string, Resources> {
  const out = new Map<string, Resources>();
  for (const p of pods) {
    if (!holdsResources(p)) continue;
    const node = p.spec?.nodeName ?? "";
    out.set(node, add(out.get(node) ?? ZERO, podRequests(p)));
  }
  return out;
}

/** Capacity of each provider, in the given order. A node two providers admit counts for both. */
export function capacitySummary(
  nodes: readonly Wire<V1Node>[],
  pods: readonly Wire<V1Pod>[],
  providers: readonly { readonly name: string; readonly scheduling: Pick<Scheduling, "nodeSelector" | "tolerations" | "affinity"> }[],
): ProviderCapacity[] {
  // Pods are summed per node once, not once per provider and node: clusters have thousands of task pods.
  const byNode = requestsByNode(pods);
  return providers.map(({ name, scheduling }) => {
    const admitted = nodesOfProvider(nodes, scheduling);
    let alloc = ZERO;
    let requested = ZERO;
    for (const n of admitted) {
      alloc = add(alloc, allocatable(n));
      requested = add(requested, byNode.get(n.metadata?.name ?? "") ?? ZERO);
    }
    return {
      capacityProvider: name,
      readyNodes: admitted.length,
      allocatable: { cpu: ecsCpuUnits(alloc.cpu), memory: ecsMemoryMiB(alloc.memory) },
      requested: { cpu: ecsCpuUnits(requested.cpu), memory: ecsMemoryMiB(requested.memory) },
    };
  });
}
