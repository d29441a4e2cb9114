// ECS task-size units: normalizeCpu/normalizeMemory as ECS normalises them, the Fargate size table, and the CEL
// expressions generated from the same grammar (evaluated offline) agreeing with the TypeScript functions.
import { celEnv, CelScalar, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { describe, expect, it } from "vitest";
import {
  celCpuIsValid,
  celCpuUnits,
  celIsFargateTaskSize,
  celMemoryIsValid,
  celMemoryMiB,
  describeFargateMemory,
  FARGATE_TASK_SIZES,
  isFargateTaskSize,
  normalizeCpu,
  normalizeMemory,
  UnitError,
} from "../../../src/api/units.ts";

const env = celEnv({ funcs: strings, variables: { x: CelScalar.DYN, c: CelScalar.INT, m: CelScalar.INT } });
function cel(expr: string, vars: { x?: string | number; c?: number; m?: number }): unknown {
  const x = typeof vars.x === "number" ? BigInt(vars.x) : vars.x;
  const run = plan(env, parse(expr)) as unknown as (ctx: Record<string, unknown>) => unknown;
  return run({ x, c: vars.c === undefined ? undefined : BigInt(vars.c), m: vars.m === undefined ? undefined : BigInt(vars.m) });
}

describe("normalizeCpu", () => {
  it.each([
    ["1024", 1024],
    [1024, 1024],
    ["1 vCPU", 1024],
    ["1 vcpu", 1024],
    ["1vcpu", 1024],
    ["0.5 vcpu", 512],
    [".25 vCPU", 256],
    ["2 VCPU", 2048],
    [" 256 ", 256],
    ["16 vCPU", 16_384],
    ["0.3 vcpu", 307],
  ])("%j → %i CPU units", (input, units) => {
    expect(normalizeCpu(input)).toBe(units);
  });

  it.each([["1 core"], ["1.5"], [""], ["vcpu"], ["1 GB"], ["-1"], [1.5], [-2]])("%j is refused with a message that names the formats", (input) => {
    expect(() => normalizeCpu(input)).toThrow(UnitError);
    expect(() => normalizeCpu(input)).toThrow(/cpu/);
  });
});

describe("normalizeMemory", () => {
  it.each([
    ["512", 512],
    [512, 512],
    ["2 GB", 2048],
    ["2GB", 2048],
    ["2 gb", 2048],
    ["0.5 GB", 512],
    ["30 GB", 30_720],
    ["1.5GB", 1536],
  ])("%j → %i MiB", (input, mib) => {
    expect(normalizeMemory(input)).toBe(mib);
  });

  it.each([["2 GiB"], ["2048MiB"], ["2 MB"], [""], ["GB"], [2.5]])("%j is refused with a message that names the formats", (input) => {
    expect(() => normalizeMemory(input)).toThrow(/memory .* use MiB|not a whole/);
  });
});

describe("Fargate task sizes", () => {
  it.each([
    [256, 512, true],
    [256, 2048, true],
    [256, 3072, false],
    [512, 4096, true],
    [512, 5120, false],
    [1024, 2048, true],
    [1024, 1024, false],
    [2048, 16_384, true],
    [4096, 30_720, true],
    [4096, 31_744, false],
    [8192, 20_480, true],
    [8192, 17_408, false],
    [16_384, 122_880, true],
    [16_384, 40_960, true],
    [16_384, 36_864, false],
    [128, 512, false],
  ])("cpu %i with memory %i: %s", (cpu, memory, ok) => {
    expect(isFargateTaskSize(cpu, memory)).toBe(ok);
    expect(cel(celIsFargateTaskSize("c", "m"), { c: cpu, m: memory })).toBe(ok);
  });

  it("describes the memory a cpu value allows", () => {
    expect(describeFargateMemory(256)).toBe("512, 1024, 2048 MiB");
    expect(describeFargateMemory(8192)).toBe("16384-61440 MiB in steps of 4096");
    expect(describeFargateMemory(300)).toBeUndefined();
  });

  it("lists seven sizes, from 0.25 to 16 vCPU", () => {
    expect(FARGATE_TASK_SIZES.map((r) => r.cpu)).toEqual([256, 512, 1024, 2048, 4096, 8192, 16_384]);
  });
});

describe("the CEL admission expressions agree with normalizeCpu/normalizeMemory", () => {
  const cpuInputs: (string | number)[] = ["1024", 1024, "1 vCPU", "0.5 vcpu", ".25 vCPU", " 256 ", "16 vCPU", "0.3 vcpu", "1 core", "1.5", "", "1 GB"];
  it.each(cpuInputs)("cpu %j", (input) => {
    let expected: number | undefined;
    try {
      expected = normalizeCpu(input);
    } catch {
      expected = undefined;
    }
    expect(cel(celCpuIsValid("x"), { x: input })).toBe(expected !== undefined);
    if (expected !== undefined) expect(cel(celCpuUnits("x"), { x: input })).toBe(BigInt(expected));
  });

  const memoryInputs: (string | number)[] = ["512", 512, "2 GB", "2GB", "0.5 GB", "1.5GB", "2 GiB", "2048MiB", ""];
  it.each(memoryInputs)("memory %j", (input) => {
    let expected: number | undefined;
    try {
      expected = normalizeMemory(input);
    } catch {
      expected = undefined;
    }
    expect(cel(celMemoryIsValid("x"), { x: input })).toBe(expected !== undefined);
    if (expected !== undefined) expect(cel(celMemoryMiB("x"), { x: input })).toBe(BigInt(expected));
  });
});
