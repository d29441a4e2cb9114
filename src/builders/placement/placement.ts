// ECS task placement (placementConstraints and placementStrategy of a service or task) as pod scheduling
// fields: topology spread for spread, a scheduler profile for binpack, pod anti-affinity for distinctInstance,
// and node affinity compiled from the cluster query language for memberOf. See docs/placement.md.
import { SpecError } from "../../api/spec-error.ts";
import type { V1Affinity, V1Node, V1PodAffinityTerm, V1PodSpec, V1Toleration, V1TopologySpreadConstraint, V1WeightedPodAffinityTerm } from "@kubernetes/client-node";
import type { Scheduling } from "../capacity/provider.ts";
import { isLabelKey } from "../names.ts";
import {
  andNodeSelectorTerms,
  attributeLabel,
  compileToNodeAffinity,
  DEFAULT_MAX_TERMS,
  parseQuery,
  QueryError,
  type QueryCompileContext,
  TooManyTermsError,
} from "./query-language.ts";
import { HOSTNAME_LABEL } from "../../api/keys.ts";
import { ConditionReason } from "../../api/conditions.ts";
import type { Wire } from "../../runtime/resources.ts";

/** The ECS shape of a placement constraint (as in the Service, Task and TaskDefinition specs). */
export interface PlacementConstraintInput {
  readonly type: string;
  readonly expression?: string;
}

/** The ECS shape of a placement strategy. */
export interface PlacementStrategyInput {
  readonly type: string;
  readonly field?: string;
}

export const DEFAULT_BINPACK_SCHEDULER = "ecs-binpack";

export interface PlacementContext extends QueryCompileContext {
  /** The labels that select exactly the pods of this service (or task): what spread and distinctInstance count. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * The scheduler for binpack: a KubeSchedulerConfiguration profile whose NodeResourcesFit scores MostAllocated.
   * Default "ecs-binpack". null or "" when the cluster has none: binpack then becomes preferred pod affinity.
   */
  readonly binpackSchedulerName?: string | null;
}

export interface Placement {
  affinity?: V1Affinity;
  topologySpreadConstraints?: V1TopologySpreadConstraint[];
  schedulerName?: string;
  /** Conditions with no Kubernetes counterpart, each ignored and explained. */
  unsupported: string[];
  notes: string[];
  /** Node label keys the memberOf result was computed from: recompile when a node's value of one changes. */
  dependsOnLabels: string[];
}

/** A placement the controller refuses: `field` is below the spec, `column` is set for query language errors. */
const placementError = (field: string, reason: string, column?: number): SpecError => new SpecError(field, reason, ConditionReason.InvalidPlacement, column);

/**
 * Pod scheduling fields for ECS placement constraints and strategies. Pure. Constraints are required (pods stay
 * Pending, as ECS tasks stay PENDING, when no node qualifies); strategies are preferences. Throws SpecError (InvalidPlacement).
 */
export function buildPlacement(
  constraints: readonly PlacementConstraintInput[] | undefined,
  strategies: readonly PlacementStrategyInput[] | undefined,
  ctx: PlacementContext,
): Placement {
  const hostKey = ctx.hostTopologyKey ?? HOSTNAME_LABEL;
  const placement: Placement = { unsupported: [], notes: [], dependsOnLabels: [] };
  const ownPods = (): { matchLabels: Record<string, string> } => {
    // An empty selector would count every pod of the namespace as "ours".
    if (Object.keys(ctx.podLabels).length === 0) throw new Error("buildPlacement: ctx.podLabels is empty; it must select this workload's pods");
    return { matchLabels: { ...ctx.podLabels } };
  };

  const podAffinity: V1PodAffinityTerm[] = [];
  const podAntiAffinity: V1PodAffinityTerm[] = [];
  const preferredPodAffinity: V1WeightedPodAffinityTerm[] = [];
  let nodeSelectorTerms: ReturnType<typeof andNodeSelectorTerms>;
  let distinct = false;

  (constraints ?? []).forEach((constraint, i) => {
    if (constraint.type === "distinctInstance") {
      // One task per node: required anti-affinity of the pods to each other, per node.
      if (!distinct) podAntiAffinity.push({ labelSelector: ownPods(), topologyKey: hostKey });
      distinct = true;
      return;
    }
    if (constraint.type !== "memberOf") {
      throw placementError(`placementConstraints[${i}].type`, `${JSON.stringify(constraint.type)} is not a constraint type: use distinctInstance or memberOf`);
    }
    const field = `placementConstraints[${i}].expression`;
    if (constraint.expression === undefined) throw placementError(field, "a memberOf constraint needs an expression");
    let compiled;
    try {
      compiled = compileToNodeAffinity(parseQuery(constraint.expression), ctx);
    } catch (e) {
      if (e instanceof QueryError) throw placementError(field, e.reason, e.column);
      throw e;
    }
    // Several constraints must all hold: AND their node selectors (and keep every pod affinity term).
    try {
      nodeSelectorTerms = andNodeSelectorTerms(
        nodeSelectorTerms,
        compiled.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
        ctx.maxTerms ?? DEFAULT_MAX_TERMS,
      );
    } catch (e) {
      if (e instanceof TooManyTermsError) {
        throw placementError(
          "placementConstraints",
          `together, the memberOf expressions up to index ${i} expand to ${e.terms} alternatives (nodeSelectorTerms), more than ${e.maxTerms}; simplify them`,
        );
      }
      throw e;
    }
    podAffinity.push(...(compiled.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []));
    podAntiAffinity.push(...(compiled.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []));
    placement.unsupported.push(...compiled.unsupported.map((u) => `${field}: ${u}`));
    placement.notes.push(...compiled.notes.map((n) => `${field}: ${n}`));
    placement.dependsOnLabels.push(...compiled.dependsOnLabels);
  });

  const spread: V1TopologySpreadConstraint[] = [];
  (strategies ?? []).forEach((strategy, i) => {
    const field = `placementStrategy[${i}]`;
    switch (strategy.type) {
      case "random":
        // The scheduler's own choice among the nodes that fit is what ECS random is.
        return;
      case "spread": {
        const topologyKey = spreadKey(strategy.field, ctx, hostKey, `${field}.field`);
        if (spread.some((s) => s.topologyKey === topologyKey)) return;
        // ECS spread is a strategy, not a constraint: it ranks instances and never leaves a task unplaced.
        // ScheduleAnyway is that: skew is scored, not enforced. Honor taints: nodes these pods cannot run on
        // are not domains to balance over (ECS balances over the instances that pass the constraints).
        spread.push({ maxSkew: 1, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: ownPods(), nodeTaintsPolicy: "Honor" });
        return;
      }
      case "binpack": {
        if (strategy.field !== "cpu" && strategy.field !== "memory") {
          throw placementError(`${field}.field`, `binpack packs by cpu or memory, not ${JSON.stringify(strategy.field ?? "")}`);
        }
        const scheduler = ctx.binpackSchedulerName === undefined ? DEFAULT_BINPACK_SCHEDULER : ctx.binpackSchedulerName;
        if (scheduler !== null && scheduler !== "") {
          if (placement.schedulerName === undefined) {
            placement.schedulerName = scheduler;
            placement.notes.push(
              `${field}: binpack by ${strategy.field} uses the scheduler ${JSON.stringify(scheduler)} (NodeResourcesFit MostAllocated), which weighs cpu and memory as its profile says`,
            );
          }
          return;
        }
        if (preferredPodAffinity.length === 0) {
          // Without a packing profile, the nearest preference is "next to the pods already running".
          preferredPodAffinity.push({ weight: 100, podAffinityTerm: { labelSelector: ownPods(), topologyKey: hostKey } });
          placement.notes.push(
            `${field}: no binpack scheduler is configured, so binpack by ${strategy.field} is approximated by preferring nodes that already run this workload's pods`,
          );
        }
        return;
      }
      default:
        throw placementError(`${field}.type`, `${JSON.stringify(strategy.type)} is not a strategy type: use random, spread or binpack`);
    }
  });

  const affinity: V1Affinity = {
    ...(nodeSelectorTerms === undefined ? {} : { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } }),
    ...(podAffinity.length > 0 || preferredPodAffinity.length > 0
      ? {
          podAffinity: {
            ...(podAffinity.length > 0 ? { requiredDuringSchedulingIgnoredDuringExecution: podAffinity } : {}),
            ...(preferredPodAffinity.length > 0 ? { preferredDuringSchedulingIgnoredDuringExecution: preferredPodAffinity } : {}),
          },
        }
      : {}),
    ...(podAntiAffinity.length > 0 ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: podAntiAffinity } } : {}),
  };
  if (Object.keys(affinity).length > 0) placement.affinity = affinity;
  if (spread.length > 0) placement.topologySpreadConstraints = spread;
  placement.dependsOnLabels = [...new Set(placement.dependsOnLabels)].sort();
  return placement;
}

/** `instanceId` / `host` → one node; `attribute:<name>` → that attribute's node label (the memberOf table). */
function spreadKey(field: string | undefined, ctx: PlacementContext, hostKey: string, path: string): string {
  if (field === "instanceId" || field === "host") return hostKey;
  if (field?.startsWith("attribute:") === true && field.length > "attribute:".length) {
    const { key } = attributeLabel(field.slice("attribute:".length), ctx);
    if (!isLabelKey(key)) throw placementError(path, `${JSON.stringify(key)} is not a valid Kubernetes label key, so no node can carry ${field}`);
    return key;
  }
  throw placementError(path, `spread needs instanceId, host or attribute:<name>, not ${JSON.stringify(field ?? "")}`);
}

/** Every value each node label has across the nodes, for memberOf `=~` / `in` compiled against the current nodes. */
export function nodeLabelValues(nodes: readonly Wire<V1Node>[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const n of nodes) for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) (out[k] ??= new Set()).add(v);
  return Object.fromEntries(Object.entries(out).map(([k, set]) => [k, [...set].sort()]));
}

/** The provider's affinity AND the placement's: node affinity terms crossed, pod (anti-)affinity terms joined. */
export function mergeAffinity(provider: V1Affinity | undefined, placement: V1Affinity | undefined): V1Affinity | undefined {
  if (provider === undefined) return placement;
  if (placement === undefined) return provider;
  const required = andNodeSelectorTerms(
    provider.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    placement.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
  );
  const preferred = [...(provider.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []), ...(placement.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])];
  const join = <T>(a: T[] | undefined, b: T[] | undefined): T[] | undefined => (a === undefined && b === undefined ? undefined : [...(a ?? []), ...(b ?? [])]);
  const out: V1Affinity = {};
  if (required !== undefined || preferred.length > 0) {
    out.nodeAffinity = {
      ...(required === undefined ? {} : { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: required } }),
      ...(preferred.length === 0 ? {} : { preferredDuringSchedulingIgnoredDuringExecution: preferred }),
    };
  }
  for (const kind of ["podAffinity", "podAntiAffinity"] as const) {
    const req = join(provider[kind]?.requiredDuringSchedulingIgnoredDuringExecution, placement[kind]?.requiredDuringSchedulingIgnoredDuringExecution);
    const pref = join(provider[kind]?.preferredDuringSchedulingIgnoredDuringExecution, placement[kind]?.preferredDuringSchedulingIgnoredDuringExecution);
    if (req !== undefined || pref !== undefined) {
      out[kind] = { ...(req === undefined ? {} : { requiredDuringSchedulingIgnoredDuringExecution: req }), ...(pref === undefined ? {} : { preferredDuringSchedulingIgnoredDuringExecution: pref }) };
    }
  }
  return out;
}

/**
 * A capacity provider's scheduling and a placement, applied to a pod spec (changed in place): node selectors and
 * tolerations added to the template's, affinities ANDed, spread constraints set. The provider's scheduler (a
 * virtual-node or Fargate-like scheduler) decides where its pods can go at all; a binpack profile only ranks nodes,
 * so it gives way. The Service's and the Task's pods are placed by this one function.
 */
export function applyScheduling(podSpec: V1PodSpec, scheduling: Scheduling, placement: Placement): void {
  const nodeSelector = { ...(podSpec.nodeSelector ?? {}), ...scheduling.nodeSelector };
  if (Object.keys(nodeSelector).length > 0) podSpec.nodeSelector = nodeSelector;
  else delete podSpec.nodeSelector;
  const tolerations: V1Toleration[] = [...(podSpec.tolerations ?? []), ...scheduling.tolerations.map((t) => ({ ...t }))];
  if (tolerations.length > 0) podSpec.tolerations = tolerations;
  const affinity = mergeAffinity(scheduling.affinity, placement.affinity);
  if (affinity !== undefined) podSpec.affinity = affinity;
  if (placement.topologySpreadConstraints !== undefined) podSpec.topologySpreadConstraints = placement.topologySpreadConstraints;
  const schedulerName = scheduling.schedulerName ?? placement.schedulerName;
  if (schedulerName !== undefined) podSpec.schedulerName = schedulerName;
  if (scheduling.runtimeClassName !== undefined && podSpec.runtimeClassName === undefined) podSpec.runtimeClassName = scheduling.runtimeClassName;
  if (scheduling.priorityClassName !== undefined) podSpec.priorityClassName = scheduling.priorityClassName;
}
