// The status of a Cluster, as DescribeClusters shows it: container instances, running and pending tasks, active
// services, the capacity providers (built-ins included) with their capacity, and whether a deletion must wait
// because services or tasks are still there (ECS refuses DeleteCluster then). Pure. See docs/clusters.md.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { type ClusterCapacityProvider, clusterNameOf, ClusterReason, type ClusterStatus } from "../../api/cluster.ts";
import type { CapacityProvider, EcsCluster } from "../../api/objects.ts";
import { setHealthConditions, type Health } from "../../runtime/conditions.ts";
import { clusterAcceptedUnusedFields, setSupportedCondition } from "../capacity/accepted-fields.ts";
import { BUILTIN_PROVIDERS, LAUNCH_TYPE_EC2_PROVIDER, providerName, resolveProvider, schedulingFor, type ResolvedProvider } from "../capacity/provider.ts";
import { capacitySummary, nodesOfProvider } from "../capacity/container-instances.ts";
import { countTasks, taskPodState } from "../capacity/provider-status.ts";
import { nameLabelValue } from "../pod/labels.ts";
import { CAPACITY_PROVIDER_LABEL, CLUSTER_LABEL } from "../../api/keys.ts";
import type { Wire } from "../../runtime/resources.ts";

/** An ECS Service as the Cluster roll-up sees it. */
export interface ServiceRef {
  readonly name: string;
  /** spec.cluster as written (a name or an ARN; default: the Cluster named `default`). */
  readonly cluster?: string | undefined;
  readonly deleting: boolean;
}

export interface ClusterProvider {
  readonly provider: ResolvedProvider;
  readonly source: ClusterCapacityProvider["source"];
}

/**
 * The providers a Cluster's services and tasks may use: spec.capacityProviders when set, else every
 * CapacityProvider object not dedicated to another Cluster (spec.cluster) and the built-ins no object overrides; plus the implicit `EC2` provider (plain nodes,
 * what launchType EC2 means) when none of them is EC2-type. Names that do not resolve are problems.
 */
export function clusterProviders(cluster: Pick<EcsCluster, "spec" | "metadata">, objects: readonly CapacityProvider[]): { providers: ClusterProvider[]; problems: string[] } {
  const providers: ClusterProvider[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (provider: ResolvedProvider): void => {
    const key = provider.name.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    const source = provider.objectName !== undefined ? "Object" : provider === LAUNCH_TYPE_EC2_PROVIDER ? "Implicit" : "BuiltIn";
    providers.push({ provider, source });
  };
  // Unlisted, the cluster may use every provider that is not dedicated to another cluster (spec.cluster).
  const usable = objects.filter((o) => o.spec.cluster === undefined || o.spec.cluster === "" || clusterNameOf(o.spec.cluster) === cluster.metadata.name);
  const names = cluster.spec.capacityProviders ?? [...usable.map(providerName), ...BUILTIN_PROVIDERS.map((b) => b.name)];
  for (const [i, name] of names.entries()) {
    const r = resolveProvider(name, objects, { field: `spec.capacityProviders[${String(i)}]` });
    if (r.ok) add(r.provider);
    // Without spec.capacityProviders only duplicate objects fail to resolve; their own status says so.
    else if (cluster.spec.capacityProviders !== undefined) problems.push(r.message);
  }
  if (!providers.some((p) => p.provider.type === "EC2")) {
    const ec2 = resolveProvider(LAUNCH_TYPE_EC2_PROVIDER.name, objects);
    if (ec2.ok) add(ec2.provider);
  }
  return { providers, problems };
}

export interface ClusterStatusInput {
  readonly providers: readonly CapacityProvider[];
  readonly nodes: readonly Wire<V1Node>[];
  /** Pods of ECS tasks (labelled ecs.operator.dev/cluster), of any cluster: requested capacity counts them all. */
  readonly pods: readonly Wire<V1Pod>[];
  /** The ECS Services of the Cluster's namespace. */
  readonly services: readonly ServiceRef[];
  readonly now: Date;
}

/** What keeps a Cluster from being deleted, as ECS refuses DeleteCluster: active services and running/pending tasks. */
export interface ClusterContents {
  readonly services: string[];
  readonly running: number;
  readonly pending: number;
  /** Names of the tasks' pods, sorted. */
  readonly tasks: string[];
}

const sorted = (xs: string[]): string[] => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The services (not being deleted) and task pods (not finished, not terminating) of the cluster. */
export function clusterContents(cluster: Pick<EcsCluster, "metadata">, pods: readonly Wire<V1Pod>[], services: readonly ServiceRef[]): ClusterContents {
  const name = cluster.metadata.name ?? "";
  const namespace = cluster.metadata.namespace;
  const label = nameLabelValue(name);
  const own = pods.filter((p) => p.metadata?.namespace === namespace && p.metadata?.labels?.[CLUSTER_LABEL] === label);
  let running = 0;
  let pending = 0;
  const tasks: string[] = [];
  for (const p of own) {
    const state = taskPodState(p);
    if (state === undefined) continue;
    if (state === "running") running++;
    else pending++;
    tasks.push(p.metadata?.name ?? "");
  }
  const active = services.filter((s) => !s.deleting && clusterNameOf(s.cluster) === name).map((s) => s.name);
  return { services: sorted(active), running, pending, tasks: sorted(tasks) };
}

/** How many providers a Cluster status lists. */
const MAX_LISTED_PROVIDERS = 100;

const LISTED = 10;
const listed = (names: readonly string[]): string => (names.length <= LISTED ? names.join(", ") : `${names.slice(0, LISTED).join(", ")} and ${String(names.length - LISTED)} more`);
const plural = (n: number, word: string): string => `${String(n)} ${word}${n === 1 ? "" : "s"}`;

/** Why a deletion waits, or undefined when the cluster is empty. */
export function deletionBlocked(clusterName: string, contents: ClusterContents): { reason: string; message: string } | undefined {
  const parts: string[] = [];
  if (contents.services.length > 0) parts.push(`${plural(contents.services.length, "active service")} (${listed(contents.services)})`);
  const tasks = contents.running + contents.pending;
  if (tasks > 0) parts.push(`${plural(tasks, "task")}, ${String(contents.running)} running and ${String(contents.pending)} pending (${listed(contents.tasks)})`);
  if (parts.length === 0) return undefined;
  return {
    reason: contents.services.length > 0 ? ClusterReason.ContainsServices : ClusterReason.ContainsTasks,
    message: `Cluster ${clusterName} is being deleted and waits, as ECS refuses to delete a cluster that contains services or tasks: it still contains ${parts.join(" and ")}; delete them (or scale the services to 0 and stop the tasks) and the Cluster goes`,
  };
}

/** The containerInsights setting (the only cluster setting ECS has); ECS's default is disabled. */
function containerInsightsOf(cluster: Pick<EcsCluster, "spec">): "enabled" | "disabled" | "enhanced" {
  // settings holds at most one item, and its name can only be containerInsights (schema).
  return cluster.spec.settings?.[0]?.value ?? "disabled";
}

/** The whole status of a Cluster, and what it contains (for the deletion decision). */
export function computeClusterStatus(cluster: EcsCluster, input: ClusterStatusInput): { status: ClusterStatus; contents: ClusterContents } {
  const name = cluster.metadata.name ?? "";
  const namespace = cluster.metadata.namespace;
  const { providers, problems } = clusterProviders(cluster, input.providers);
  const scheduled = providers.map(({ provider }) => ({ name: provider.name, scheduling: schedulingFor(provider) }));
  const summaries = capacitySummary(input.nodes, input.pods, scheduled);
  const instances = new Set<string>();
  for (const s of scheduled) for (const n of nodesOfProvider(input.nodes, s.scheduling)) instances.add(n.metadata?.name ?? "");
  const own = input.pods.filter((p) => p.metadata?.namespace === namespace && p.metadata?.labels?.[CLUSTER_LABEL] === nameLabelValue(name));
  const details: ClusterCapacityProvider[] = providers.map(({ provider, source }, i) => {
    const summary = summaries[i];
    const tasks = countTasks(own, CAPACITY_PROVIDER_LABEL, nameLabelValue(provider.name));
    return {
      capacityProvider: provider.name,
      type: provider.type,
      spot: provider.spot,
      source,
      registeredContainerInstancesCount: summary?.readyNodes ?? 0,
      runningTasksCount: tasks.running,
      pendingTasksCount: tasks.pending,
      allocatable: summary?.allocatable ?? { cpu: 0, memory: 0 },
      requested: summary?.requested ?? { cpu: 0, memory: 0 },
    };
  });
  const contents = clusterContents(cluster, input.pods, input.services);
  const deleting = cluster.metadata.deletionTimestamp !== undefined;
  const blocked = deleting ? deletionBlocked(name, contents) : undefined;

  let health: Health;
  if (blocked !== undefined) health = { state: "progressing", ...blocked };
  else if (problems.length > 0) health = { state: "stalled", reason: ClusterReason.CapacityProviderNotFound, message: `Cluster ${name}: ${problems.join("; ")}` };
  else health = { state: "ready", reason: ClusterReason.Active, message: `Cluster ${name} is ACTIVE` };

  const insights = containerInsightsOf(cluster);
  const generation = cluster.metadata.generation;
  const status: ClusterStatus = {
    observedGeneration: generation,
    conditions: setSupportedCondition(setHealthConditions(cluster.status?.conditions, health, generation, input.now), clusterAcceptedUnusedFields(cluster.spec), generation, input.now),
    clusterName: cluster.spec.clusterName ?? name,
    status: deleting ? "DEPROVISIONING" : "ACTIVE",
    registeredContainerInstancesCount: instances.size,
    runningTasksCount: contents.running,
    pendingTasksCount: contents.pending,
    activeServicesCount: contents.services.length,
    // The CRD bounds both lists; spec.capacityProviders holds at most 100 names, but "every object" may be more.
    capacityProviders: providers.slice(0, MAX_LISTED_PROVIDERS).map((p) => p.provider.name),
    capacityProviderDetails: details.slice(0, MAX_LISTED_PROVIDERS),
    containerInsights: insights,
    ...(cluster.spec.serviceConnectDefaults === undefined ? {} : { serviceConnectDefaults: { namespace: cluster.spec.serviceConnectDefaults.namespace } }),
  };
  return { status, contents };
}
