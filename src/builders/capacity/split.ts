// How a service's desiredCount is split over the capacity providers of its strategy, as ECS splits it: the
// one provider with a base gets up to `base` tasks first, the rest is shared in proportion to the weights.
// Pure: the controller realises each share as one Deployment (docs/services.md has the rule and examples).
//
// ECS documents the proportions (CapacityProviderStrategyItem: "weight 1 for A and 4 for B: for every one
// task on A, four on B"), not what happens to a remainder. Ours: each weighted provider first gets the whole
// part of its exact share, and the tasks left over go one each to the largest fractional parts, ties to the
// earlier item of the strategy (largest remainder). So every provider is within one task of its exact share,
// the split always sums to desiredCount, and the same input always gives the same output. Arithmetic is on
// integers (remaining × weight, modulo the weight sum): no floating-point ties.
import { SpecError } from "../../api/spec-error.ts";
import { ConditionReason } from "../../api/conditions.ts";

export interface StrategyItem {
  readonly capacityProvider: string;
  readonly base?: number | undefined;
  readonly weight?: number | undefined;
}

export interface CapacityShare {
  readonly capacityProvider: string;
  readonly count: number;
}

/** A strategy ECS would refuse, or a split it cannot make; the message names the field and the fix. */
const strategyError = (message: string): SpecError => new SpecError("", message, ConditionReason.InvalidCapacity);

/**
 * Why ECS would refuse this strategy, or undefined when it is valid. `path` prefixes the messages
 * (e.g. `spec.capacityProviderStrategy`). The API server refuses the same mistakes at admission; this check
 * covers strategies that never went through it (a Cluster's default applied to a service, the CLI).
 */
export function strategyProblem(strategy: readonly StrategyItem[], path = "capacityProviderStrategy"): string | undefined {
  if (strategy.length === 0) return `${path}: is empty; name at least one capacity provider`;
  const seen = new Map<string, number>();
  let baseAt: number | undefined;
  for (const [i, item] of strategy.entries()) {
    const { base = 0, weight = 0 } = item;
    if (!Number.isInteger(base) || base < 0) return `${path}[${i}].base: must be a whole number of tasks, 0 or more (is ${base})`;
    if (!Number.isInteger(weight) || weight < 0) return `${path}[${i}].weight: must be a whole number, 0 or more (is ${weight})`;
    const first = seen.get(item.capacityProvider);
    if (first !== undefined) return `${path}[${i}]: capacity provider "${item.capacityProvider}" is already listed at index ${first}; list each provider once`;
    seen.set(item.capacityProvider, i);
    if (base > 0) {
      if (baseAt !== undefined) return `${path}[${i}].base: is set, but only one provider may set base (index ${baseAt} does)`;
      baseAt = i;
    }
  }
  if (strategy.length > 1 && !strategy.some((item) => (item.weight ?? 0) > 0)) {
    return `${path}: with more than one capacity provider, at least one needs a weight above 0`;
  }
  return undefined;
}

/**
 * Split `desiredCount` tasks over `strategy`, one share per item, in the strategy's order (providers that get
 * nothing are listed with count 0, so their Deployments scale to zero). Throws SpecError (InvalidCapacity) for a
 * strategy ECS refuses.
 */
export function splitDesiredCount(desiredCount: number, strategy: readonly StrategyItem[], path = "capacityProviderStrategy"): CapacityShare[] {
  if (!Number.isInteger(desiredCount) || desiredCount < 0) {
    throw strategyError(`desiredCount: must be a whole number of tasks, 0 or more (is ${desiredCount})`);
  }
  const problem = strategyProblem(strategy, path);
  if (problem !== undefined) throw strategyError(problem);

  const counts = strategy.map((item) => Math.min(item.base ?? 0, desiredCount));
  let remaining = desiredCount - counts.reduce((sum, n) => sum + n, 0);
  if (remaining === 0) return shares(strategy, counts);

  // A lone provider takes every task whatever its weight (ECS only asks for a weight when there are several).
  const weights = strategy.length === 1 ? [1] : strategy.map((item) => item.weight ?? 0);
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  const remainders: { index: number; remainder: number }[] = [];
  const shared = remaining;
  for (const [i, w] of weights.entries()) {
    if (w === 0) continue;
    const whole = Math.floor((shared * w) / totalWeight);
    counts[i] = (counts[i] ?? 0) + whole;
    remaining -= whole;
    remainders.push({ index: i, remainder: (shared * w) % totalWeight });
  }
  // Largest fractional part first; Array.prototype.sort is stable, so equal parts keep the strategy order.
  remainders.sort((a, b) => b.remainder - a.remainder);
  for (const { index } of remainders.slice(0, remaining)) counts[index] = (counts[index] ?? 0) + 1;
  return shares(strategy, counts);
}

function shares(strategy: readonly StrategyItem[], counts: readonly number[]): CapacityShare[] {
  return strategy.map((item, i) => ({ capacityProvider: item.capacityProvider, count: counts[i] ?? 0 }));
}
