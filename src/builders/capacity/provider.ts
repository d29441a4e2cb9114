// Capacity providers as Kubernetes scheduling: the built-in FARGATE / FARGATE_SPOT providers, how strategy
// references resolve to CapacityProvider objects, which strategy a service or task ends up with, and the pod
// scheduling fields of a provider. Pure: no client, no clock, no environment. See docs/capacity-providers.md.
import { CAPACITY_PROVIDER_DEFAULTS, type CapacityProviderKubernetes, type CapacityProviderType } from "../../api/capacity-provider.ts";
import type { LaunchType } from "../../api/common.ts";
import type { CapacityProvider } from "../../api/objects.ts";
import type { PodTemplateContext } from "../pod/template.ts";
import type { StrategyItem } from "./split.ts";

export const FARGATE = "FARGATE";
export const FARGATE_SPOT = "FARGATE_SPOT";
/** The provider that launchType EC2 means when the cluster has no EC2-type CapacityProvider: any ordinary node. */
export const EC2 = "EC2";

/** EKS Fargate's node label and taint (`eks.amazonaws.com/compute-type=fargate:NoSchedule`). */
const FARGATE_COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type";
/** Karpenter's capacity-type node label (`spot` or `on-demand`). */
export const CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type";

type ProviderToleration = NonNullable<CapacityProviderKubernetes["tolerations"]>[number];

const FARGATE_TOLERATION: ProviderToleration = { key: FARGATE_COMPUTE_TYPE_LABEL, operator: "Equal", value: "fargate", effect: "NoSchedule" };

/**
 * Tolerations every spot provider gets: the spot taints of Karpenter (by convention), AKS spot node pools (set by
 * AKS) and GKE spot node pools (when the pool is created with it). A toleration only permits, so tolerating a
 * taint a cluster does not use changes nothing.
 */
export const SPOT_TOLERATIONS: readonly ProviderToleration[] = [
  { key: CAPACITY_TYPE_LABEL, operator: "Equal", value: "spot", effect: "NoSchedule" },
  { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" },
  { key: "cloud.google.com/gke-spot", operator: "Equal", value: "true", effect: "NoSchedule" },
];

/** A capacity provider as strategies see it: a CapacityProvider object or a built-in. */
export interface ResolvedProvider {
  /** The name strategies use (spec.name, default metadata.name; `FARGATE` / `FARGATE_SPOT` for the built-ins). */
  readonly name: string;
  readonly type: CapacityProviderType;
  readonly spot: boolean;
  readonly kubernetes: CapacityProviderKubernetes;
  /** metadata.name of the CapacityProvider object; undefined for a built-in that no object overrides. */
  readonly objectName?: string;
}

/** The built-in providers: always resolvable, overridden by CapacityProvider objects of the same name. */
export const BUILTIN_PROVIDERS: readonly ResolvedProvider[] = [
  { name: FARGATE, type: "FARGATE", spot: false, kubernetes: { nodeSelector: { [FARGATE_COMPUTE_TYPE_LABEL]: "fargate" }, tolerations: [FARGATE_TOLERATION] } },
  {
    name: FARGATE_SPOT,
    type: "FARGATE",
    spot: true,
    kubernetes: {
      nodeSelector: { [FARGATE_COMPUTE_TYPE_LABEL]: "fargate", [CAPACITY_TYPE_LABEL]: "spot" },
      tolerations: [FARGATE_TOLERATION, { key: CAPACITY_TYPE_LABEL, operator: "Equal", value: "spot", effect: "NoSchedule" }],
    },
  },
];

/** What launchType EC2 means on a cluster without EC2-type providers: ordinary nodes (no selector, no tolerations). */
export const LAUNCH_TYPE_EC2_PROVIDER: ResolvedProvider = { name: EC2, type: "EC2", spot: false, kubernetes: {} };

const FALLBACKS: readonly ResolvedProvider[] = [...BUILTIN_PROVIDERS, LAUNCH_TYPE_EC2_PROVIDER];

/** Objects named `fargate` / `fargate-spot` without spec.name override the built-ins. */
const OVERRIDE_OBJECT_NAMES: Readonly<Record<string, string>> = { fargate: FARGATE, "fargate-spot": FARGATE_SPOT };

/** The name strategies use for a CapacityProvider object. */
export function providerName(cp: CapacityProvider): string {
  if (cp.spec.name !== undefined && cp.spec.name !== "") return cp.spec.name;
  const objectName = cp.metadata.name ?? "";
  return OVERRIDE_OBJECT_NAMES[objectName] ?? objectName;
}

/** A CapacityProvider object as a provider. One that overrides a built-in inherits its type and spot unless it sets them. */
export function providerOf(cp: CapacityProvider): ResolvedProvider {
  const name = providerName(cp);
  const builtIn = BUILTIN_PROVIDERS.find((b) => b.name.toLowerCase() === name.toLowerCase());
  return {
    name,
    type: cp.spec.type ?? builtIn?.type ?? CAPACITY_PROVIDER_DEFAULTS.type,
    spot: cp.spec.spot ?? builtIn?.spot ?? CAPACITY_PROVIDER_DEFAULTS.spot,
    kubernetes: cp.spec.kubernetes ?? {},
    ...(cp.metadata.name === undefined ? {} : { objectName: cp.metadata.name }),
  };
}

export type ProviderResolution = { readonly ok: true; readonly provider: ResolvedProvider } | { readonly ok: false; readonly message: string };

export interface ResolveOptions {
  /** The field the name came from, for messages: `capacityProviderStrategy[1].capacityProvider`. */
  readonly field?: string;
  /** The Cluster's spec.capacityProviders: when set, only these names may be used (case-insensitively). */
  readonly clusterProviders?: readonly string[];
}

/**
 * The provider a strategy item names: CapacityProvider objects matched case-insensitively on their name
 * (spec.name, default metadata.name), then the built-ins. An unknown, ambiguous or not-associated name gives a
 * message naming the field and the known names.
 */
export function resolveProvider(name: string, providers: readonly CapacityProvider[], options: ResolveOptions = {}): ProviderResolution {
  const field = options.field ?? "capacityProvider";
  const key = name.toLowerCase();
  const matches = providers.filter((cp) => providerName(cp).toLowerCase() === key);
  if (matches.length > 1) {
    const names = matches.map((cp) => cp.metadata.name ?? "").sort();
    return { ok: false, message: `${field}: ${JSON.stringify(name)} matches several CapacityProviders (${names.join(", ")}); give each a distinct spec.name` };
  }
  const first = matches[0];
  const provider = first === undefined ? FALLBACKS.find((b) => b.name.toLowerCase() === key) : providerOf(first);
  if (provider === undefined) {
    const known = [...new Set([...BUILTIN_PROVIDERS.map((b) => b.name), ...providers.map(providerName)])].sort();
    return { ok: false, message: `${field}: ${JSON.stringify(name)} is not a CapacityProvider; known: ${known.join(", ")}` };
  }
  if (options.clusterProviders !== undefined && provider !== LAUNCH_TYPE_EC2_PROVIDER && !options.clusterProviders.some((n) => n.toLowerCase() === key)) {
    return { ok: false, message: `${field}: ${JSON.stringify(name)} is not in the Cluster's spec.capacityProviders (${options.clusterProviders.join(", ")}); add it there` };
  }
  return { ok: true, provider };
}

export interface StrategyInput {
  readonly serviceStrategy?: readonly StrategyItem[] | undefined;
  readonly launchType?: LaunchType | undefined;
  /** The Cluster's spec.defaultCapacityProviderStrategy. */
  readonly clusterDefault?: readonly StrategyItem[] | undefined;
  /** Names of the EC2-type providers the Cluster may use (what launchType EC2 spreads over), in a stable order. */
  readonly ec2Providers?: readonly string[] | undefined;
}

export interface EffectiveStrategy {
  readonly strategy: StrategyItem[];
  /** Where it came from: the service's or task's own strategy, its launch type, or the Cluster's default. */
  readonly source: "strategy" | "launchType" | "clusterDefault";
  /** The launch type that decided it (given, or EC2 when neither strategy, launch type nor cluster default is set). */
  readonly launchType?: LaunchType;
}

/**
 * The strategy a service or task runs with, as ECS decides it: its own capacityProviderStrategy; else its launchType
 * (FARGATE → FARGATE; EC2, EXTERNAL, MANAGED_INSTANCES → the Cluster's EC2-type providers, weight 1 each, or plain
 * nodes when it has none); else the Cluster's defaultCapacityProviderStrategy; else launch type EC2.
 */
export function effectiveStrategy(input: StrategyInput): EffectiveStrategy {
  if (input.serviceStrategy !== undefined && input.serviceStrategy.length > 0) return { strategy: [...input.serviceStrategy], source: "strategy" };
  if (input.launchType !== undefined) return { strategy: launchTypeStrategy(input.launchType, input.ec2Providers), source: "launchType", launchType: input.launchType };
  if (input.clusterDefault !== undefined && input.clusterDefault.length > 0) return { strategy: [...input.clusterDefault], source: "clusterDefault" };
  return { strategy: launchTypeStrategy("EC2", input.ec2Providers), source: "launchType", launchType: "EC2" };
}

function launchTypeStrategy(launchType: LaunchType, ec2Providers: readonly string[] = []): StrategyItem[] {
  if (launchType === "FARGATE") return [{ capacityProvider: FARGATE, weight: 1 }];
  if (ec2Providers.length === 0) return [{ capacityProvider: EC2, weight: 1 }];
  return ec2Providers.map((capacityProvider) => ({ capacityProvider, weight: 1 }));
}

/** The pod scheduling fields of a provider's pods. */
export interface Scheduling {
  nodeSelector: Record<string, string>;
  tolerations: ProviderToleration[];
  affinity?: Record<string, unknown>;
  schedulerName?: string;
  runtimeClassName?: string;
  priorityClassName?: string;
  labels: Record<string, string>;
}

/**
 * Where a provider's pods go. Each field of spec.kubernetes that is set replaces the built-in default of a
 * FARGATE-type provider (FARGATE_SPOT's when spot), so `nodeSelector: {}` removes the EKS Fargate selector; unset
 * fields keep the default. A spot provider also tolerates SPOT_TOLERATIONS and, without a nodeSelector of its own
 * or a FARGATE default, selects `karpenter.sh/capacity-type: spot`.
 */
export function schedulingFor(provider: ResolvedProvider): Scheduling {
  const defaults: CapacityProviderKubernetes =
    provider.type === "FARGATE" ? (BUILTIN_PROVIDERS.find((b) => b.spot === provider.spot)?.kubernetes ?? {}) : provider.spot ? { nodeSelector: { [CAPACITY_TYPE_LABEL]: "spot" } } : {};
  const k = provider.kubernetes;
  const pick = <F extends keyof CapacityProviderKubernetes>(f: F): CapacityProviderKubernetes[F] => k[f] ?? defaults[f];
  const tolerations: ProviderToleration[] = (pick("tolerations") ?? []).map((t) => ({ ...t }));
  if (provider.spot) {
    for (const t of SPOT_TOLERATIONS) if (!tolerations.some((have) => sameToleration(have, t))) tolerations.push({ ...t });
  }
  const out: Scheduling = { nodeSelector: { ...pick("nodeSelector") }, tolerations, labels: { ...pick("labels") } };
  const affinity = pick("affinity");
  if (affinity !== undefined) out.affinity = affinity;
  const schedulerName = pick("schedulerName");
  if (schedulerName !== undefined && schedulerName !== "") out.schedulerName = schedulerName;
  const runtimeClassName = pick("runtimeClassName");
  if (runtimeClassName !== undefined && runtimeClassName !== "") out.runtimeClassName = runtimeClassName;
  const priorityClassName = pick("priorityClassName");
  if (priorityClassName !== undefined && priorityClassName !== "") out.priorityClassName = priorityClassName;
  return out;
}

function sameToleration(a: ProviderToleration, b: ProviderToleration): boolean {
  return a.key === b.key && (a.operator ?? "Equal") === (b.operator ?? "Equal") && (a.value ?? "") === (b.value ?? "") && (a.effect ?? "") === (b.effect ?? "");
}

/**
 * The part of buildPodTemplate's context a provider decides. The Fargate semantics themselves (requests = limits,
 * the Fargate size table, host features refused, runtime class) live in buildPodTemplate; this only switches them on.
 */
export function podTemplateCapacity(provider: ResolvedProvider): Pick<PodTemplateContext, "capacityProviderType" | "fargate"> {
  if (provider.type !== "FARGATE") return { capacityProviderType: "EC2" };
  const runtimeClassName = schedulingFor(provider).runtimeClassName;
  return { capacityProviderType: "FARGATE", fargate: runtimeClassName === undefined ? {} : { runtimeClassName } };
}
