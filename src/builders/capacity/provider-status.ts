// The status of a CapacityProvider object, as DescribeCapacityProviders would show it plus its container
// instances: the Ready nodes it selects, their capacity, the tasks placed with it, and Ready/Reconciling/Stalled.
// Pure: the caller passes the cached objects and the clock. See docs/capacity-providers.md ("Status").
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { CapacityProviderReason, type CapacityProviderStatus, type ContainerInstance, MAX_LISTED_CONTAINER_INSTANCES } from "../../api/capacity-provider.ts";
import type { CapacityProvider } from "../../api/objects.ts";
import { setHealthConditions, type Health } from "../../runtime/conditions.ts";
import { capacityProviderAcceptedUnusedFields, setSupportedCondition } from "./accepted-fields.ts";
import { BUILTIN_PROVIDERS, providerName, providerOf, schedulingFor, type Scheduling } from "./provider.ts";
import { capacitySummary, containerInstanceView, nodesOfProvider } from "./container-instances.ts";
import { nameLabelValue } from "../pod/labels.ts";
import { CAPACITY_PROVIDER_LABEL } from "../../api/keys.ts";
import type { Wire } from "../../runtime/resources.ts";

/** What a task pod counts as: running (phase Running), pending (not yet running), or nothing (finished, terminating). */
export function taskPodState(pod: Pick<Wire<V1Pod>, "metadata" | "status">): "running" | "pending" | undefined {
  if (pod.metadata?.deletionTimestamp !== undefined) return undefined;
  const phase = pod.status?.phase;
  if (phase === "Running") return "running";
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  return "pending";
}

/** Running and pending task pods among `pods` that carry `label` = `value`. */
export function countTasks(pods: readonly Pick<Wire<V1Pod>, "metadata" | "status">[], label: string, value: string): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const p of pods) {
    if (p.metadata?.labels?.[label] !== value) continue;
    const state = taskPodState(p);
    if (state === "running") running++;
    else if (state === "pending") pending++;
  }
  return { running, pending };
}

const byName = (a: Wire<V1Node>, b: Wire<V1Node>): number => {
  const x = a.metadata?.name ?? "";
  const y = b.metadata?.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};

/** `nodeSelector {a=b, c=d}, tolerations [k=v:NoSchedule, k2:Exists]` and the affinity when set: what a user checks nodes against. */
export function describeScheduling(s: Pick<Scheduling, "nodeSelector" | "tolerations" | "affinity">): string {
  const selector = Object.entries(s.nodeSelector).map(([k, v]) => `${k}=${v}`).join(", ");
  const tolerations = s.tolerations
    .map((t) => `${t.key ?? "*"}${(t.operator ?? "Equal") === "Exists" ? " Exists" : `=${t.value ?? ""}`}${t.effect === undefined ? "" : `:${t.effect}`}`)
    .join(", ");
  return `nodeSelector {${selector}}, tolerations [${tolerations}]${s.affinity === undefined ? "" : " and the required node affinity of spec.kubernetes.affinity"}`;
}

/** How many attributes a listed container instance keeps (the CRD's bound): the ecs.* ones first, then by name. */
const MAX_LISTED_ATTRIBUTES = 128;

function boundedView(view: ContainerInstance): ContainerInstance {
  if (view.attributes.length <= MAX_LISTED_ATTRIBUTES) return view;
  const ecs = view.attributes.filter((a) => a.name.startsWith("ecs."));
  const rest = view.attributes.filter((a) => !a.name.startsWith("ecs."));
  return { ...view, attributes: [...ecs, ...rest].slice(0, MAX_LISTED_ATTRIBUTES) };
}

export interface CapacityProviderStatusInput {
  /** Every CapacityProvider object (to detect two with the same name). */
  readonly providers: readonly CapacityProvider[];
  /** The cluster's nodes. */
  readonly nodes: readonly Wire<V1Node>[];
  /** The pods of ECS tasks (any namespace): they count as running tasks and as requested capacity. */
  readonly pods: readonly Wire<V1Pod>[];
  readonly now: Date;
  /** How many container instances to list (default MAX_LISTED_CONTAINER_INSTANCES). */
  readonly maxInstances?: number;
}

/**
 * The whole status of a CapacityProvider. Nothing in it moves unless something observed moved (no timestamps but
 * conditions' lastTransitionTime, which moves only on a flip), so a resync computes the cached status again.
 */
export function computeCapacityProviderStatus(cp: CapacityProvider, input: CapacityProviderStatusInput): CapacityProviderStatus {
  const provider = providerOf(cp);
  const name = provider.name;
  const scheduling = schedulingFor(provider);
  const nodes = nodesOfProvider(input.nodes, scheduling).sort(byName);
  const [summary] = capacitySummary(nodes, input.pods, [{ name, scheduling }]);
  const tasks = countTasks(input.pods, CAPACITY_PROVIDER_LABEL, nameLabelValue(name));
  const max = input.maxInstances ?? MAX_LISTED_CONTAINER_INSTANCES;
  const podsByNode = new Map<string, Wire<V1Pod>[]>();
  for (const p of input.pods) {
    const node = p.spec?.nodeName;
    if (node === undefined || node === "") continue;
    let list = podsByNode.get(node);
    if (!list) podsByNode.set(node, (list = []));
    list.push(p);
  }
  const containerInstances: ContainerInstance[] = nodes.slice(0, max).map((n) => boundedView(containerInstanceView(n, { pods: podsByNode.get(n.metadata?.name ?? "") ?? [] })));
  const overridden = BUILTIN_PROVIDERS.find((b) => b.name.toLowerCase() === name.toLowerCase());
  const objectName = cp.metadata.name ?? "";
  const twins = input.providers
    .filter((o) => o.metadata.name !== objectName && providerName(o).toLowerCase() === name.toLowerCase())
    .map((o) => o.metadata.name ?? "")
    .sort();

  let health: Health;
  if (cp.metadata.deletionTimestamp !== undefined) {
    health = { state: "progressing", reason: CapacityProviderReason.Deleting, message: `CapacityProvider ${objectName} is being deleted` };
  } else if (twins.length > 0) {
    health = {
      state: "stalled",
      reason: CapacityProviderReason.DuplicateName,
      message: `CapacityProvider ${objectName}: the name ${JSON.stringify(name)} is also the name of CapacityProvider ${twins.join(", ")} (names match case-insensitively), so strategies cannot use it; give each a distinct spec.name`,
    };
  } else if (nodes.length === 0) {
    health = {
      state: "progressing",
      reason: CapacityProviderReason.NoReadyNodes,
      message: `no Ready node matches ${describeScheduling(scheduling)}; tasks placed with ${name} stay PENDING until one does (a pool that scales from zero, such as Karpenter or GKE Autopilot, adds nodes when tasks arrive)`,
    };
  } else {
    health = { state: "ready", reason: CapacityProviderReason.NodesReady, message: `${String(nodes.length)} Ready node${nodes.length === 1 ? "" : "s"} match` };
  }
  const generation = cp.metadata.generation;
  return {
    observedGeneration: generation,
    conditions: setSupportedCondition(setHealthConditions(cp.status?.conditions, health, generation, input.now), capacityProviderAcceptedUnusedFields(cp.spec), generation, input.now),
    name,
    status: cp.metadata.deletionTimestamp === undefined ? "ACTIVE" : "INACTIVE",
    type: provider.type,
    spot: provider.spot,
    ...(overridden === undefined ? {} : { overrides: overridden.name }),
    nodeCount: nodes.length,
    runningTasksCount: tasks.running,
    pendingTasksCount: tasks.pending,
    allocatable: summary?.allocatable ?? { cpu: 0, memory: 0 },
    requested: summary?.requested ?? { cpu: 0, memory: 0 },
    containerInstances,
  };
}
