// splitDesiredCount: base first, then weights, as ECS documents it (CapacityProviderStrategyItem in the ECS API
// reference); remainders by largest remainder, ties to the earlier item (our rule, docs/services.md).
import { SpecError } from "../../../src/api/spec-error.ts";
import { describe, expect, it } from "vitest";
import { splitDesiredCount, type StrategyItem, strategyProblem } from "../../../src/builders/capacity/split.ts";

const provider =
  (capacityProvider: string) =>
  (weight?: number, base?: number): StrategyItem => ({ capacityProvider, ...(weight === undefined ? {} : { weight }), ...(base === undefined ? {} : { base }) });
const fargate = provider("FARGATE");
const spot = provider("FARGATE_SPOT");
const a = provider("A");
const b = provider("B");
const c = provider("C");

/** The split as "name=count" pairs, in strategy order: rows read like the docs. */
const split = (desiredCount: number, strategy: StrategyItem[]): string =>
  splitDesiredCount(desiredCount, strategy)
    .map((s) => `${s.capacityProvider}=${s.count}`)
    .join(" ");

describe("splitDesiredCount: the ECS documentation's examples", () => {
  it.each<[string, number, StrategyItem[], string]>([
    // The operator integration test's case: base 1 on FARGATE, the other 8 split 1:3.
    ["FARGATE base 1 weight 1 + FARGATE_SPOT weight 3, desired 9 → 3 and 6", 9, [fargate(1, 1), spot(3)], "FARGATE=3 FARGATE_SPOT=6"],
    // API reference, weight: "both have a weight of 1 ... split evenly across the two capacity providers".
    ["weights 1 and 1 split evenly", 10, [a(1), b(1)], "A=5 B=5"],
    // API reference, weight: "weight of 1 for capacityProviderA and 4 for capacityProviderB: for every one task on A, four on B".
    ["weights 1 and 4: one task on A for every four on B", 10, [a(1), b(4)], "A=2 B=8"],
    // EC2 Spot workshop (ecs-spot-capacity-providers): "ECS first places 2 tasks (base=2) to CP-OD and then splits the remaining 1:3".
    ["base 2 weight 1 on-demand + weight 3 spot, desired 10 → 2 + 2 on-demand, 6 spot", 10, [provider("CP-OD")(1, 2), provider("CP-SPOT")(3)], "CP-OD=4 CP-SPOT=6"],
  ])("%s", (_name, desired, strategy, expected) => {
    expect(split(desired, strategy)).toBe(expected);
  });
});

describe("splitDesiredCount: base", () => {
  it.each<[string, number, StrategyItem[], string]>([
    ["desired below base: every task on the base provider", 2, [fargate(1, 5), spot(3)], "FARGATE=2 FARGATE_SPOT=0"],
    ["desired equal to base: nothing left for weights", 5, [fargate(1, 5), spot(3)], "FARGATE=5 FARGATE_SPOT=0"],
    ["base on a weight-0 provider: base only, the rest by weight", 7, [fargate(0, 2), spot(1)], "FARGATE=2 FARGATE_SPOT=5"],
    ["base on the later item is satisfied before the earlier item's weight", 6, [spot(1), fargate(1, 4)], "FARGATE_SPOT=1 FARGATE=5"],
    ["base 0 on several items is allowed and gives nothing", 4, [a(1, 0), b(1, 0)], "A=2 B=2"],
    ["desired 0: every provider gets 0", 0, [fargate(1, 1), spot(3)], "FARGATE=0 FARGATE_SPOT=0"],
  ])("%s", (_name, desired, strategy, expected) => {
    expect(split(desired, strategy)).toBe(expected);
  });
});

describe("splitDesiredCount: weights", () => {
  it.each<[string, number, StrategyItem[], string]>([
    ["weight 0 gets nothing beyond its base", 9, [a(0), b(2), c(1)], "A=0 B=6 C=3"],
    ["a lone provider takes every task, weight or not", 7, [fargate()], "FARGATE=7"],
    ["a lone provider with a base takes the rest too", 7, [fargate(0, 2)], "FARGATE=7"],
    ["weights are relative: 500 and 500 is 1 and 1", 3, [a(500), b(500)], "A=2 B=1"],
    ["remainder to the largest fractional part (5 × 2/3 = 3.33 vs 5 × 1/3 = 1.67)", 5, [a(2), b(1)], "A=3 B=2"],
    ["remainder tie goes to the earlier item", 1, [a(1), b(1)], "A=1 B=0"],
    ["remainder tie goes to the earlier item, whatever its name", 1, [b(1), a(1)], "B=1 A=0"],
    ["two leftover tasks go to the two largest fractional parts", 5, [a(1), b(1), c(1)], "A=2 B=2 C=1"],
    ["leftover skips a smaller fractional part that comes first", 4, [a(1), b(3), c(3)], "A=0 B=2 C=2"],
    ["weights do not need to divide desired: 1:4 of 7", 7, [a(1), b(4)], "A=1 B=6"],
  ])("%s", (_name, desired, strategy, expected) => {
    expect(split(desired, strategy)).toBe(expected);
  });

  it("sums to desiredCount and stays within one task of the exact share, for every count 0..60 and many strategies", () => {
    const strategies: StrategyItem[][] = [
      [fargate(1, 1), spot(3)],
      [a(1), b(1), c(1)],
      [a(7), b(3), c(0, 4)],
      [a(1000), b(1), c(999)],
      [a(0, 3), b(2), c(5)],
    ];
    for (const strategy of strategies) {
      for (let desired = 0; desired <= 60; desired++) {
        const result = splitDesiredCount(desired, strategy);
        expect(result.reduce((sum, s) => sum + s.count, 0)).toBe(desired);
        const baseCount = Math.min(desired, strategy.reduce((sum, i) => sum + (i.base ?? 0), 0));
        const totalWeight = strategy.reduce((sum, i) => sum + (i.weight ?? 0), 0);
        for (const [i, item] of strategy.entries()) {
          const exact = ((desired - baseCount) * (item.weight ?? 0)) / totalWeight + Math.min(item.base ?? 0, desired);
          expect(Math.abs((result[i]?.count ?? 0) - exact)).toBeLessThan(1);
        }
      }
    }
  });

  it("is stable: the same input gives the same output, and the input is not changed", () => {
    const strategy = [a(1), b(1), c(1)];
    const copy = structuredClone(strategy);
    expect(splitDesiredCount(4, strategy)).toEqual(splitDesiredCount(4, strategy));
    expect(strategy).toEqual(copy);
  });
});

describe("splitDesiredCount: strategies ECS refuses", () => {
  it.each<[string, number, StrategyItem[], string]>([
    ["two items with base > 0", 3, [a(1, 1), b(1, 2)], "capacityProviderStrategy[1].base: is set, but only one provider may set base (index 0 does)"],
    ["several items, all weight 0", 3, [a(0), b(0)], "capacityProviderStrategy: with more than one capacity provider, at least one needs a weight above 0"],
    // ECS: "all have a weight of 0 ... CreateService ... will fail", even when the base covers every task.
    ["several items, all weight 0, even when base covers desired", 1, [a(0, 5), b(0)], "at least one needs a weight above 0"],
    ["a provider listed twice", 3, [a(1), a(2)], 'capacityProviderStrategy[1]: capacity provider "A" is already listed at index 0'],
    ["an empty strategy", 3, [], "capacityProviderStrategy: is empty"],
    ["a negative weight", 3, [a(-1)], "capacityProviderStrategy[0].weight: must be a whole number"],
    ["a fractional base", 3, [a(1, 0.5)], "capacityProviderStrategy[0].base: must be a whole number"],
    ["a negative desiredCount", -1, [a(1)], "desiredCount: must be a whole number of tasks"],
    ["a fractional desiredCount", 1.5, [a(1)], "desiredCount: must be a whole number of tasks"],
  ])("%s", (_name, desired, strategy, message) => {
    expect(() => splitDesiredCount(desired, strategy)).toThrow(SpecError);
    expect(() => splitDesiredCount(desired, strategy)).toThrow(message);
  });

  it("names the field path it is given", () => {
    expect(strategyProblem([a(1, 1), b(1, 1)], "spec.capacityProviderStrategy")).toBe(
      "spec.capacityProviderStrategy[1].base: is set, but only one provider may set base (index 0 does)",
    );
    expect(strategyProblem([fargate(1, 1), spot(3)])).toBeUndefined();
  });
});
