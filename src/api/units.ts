// ECS task-size units: task-level `cpu` and `memory` accept CPU units / MiB as integers or strings, and vCPU / GB
// strings ("1 vCPU", "0.5 vcpu", "2 GB", "2GB"), which ECS converts to units / MiB when it registers the task
// definition. The grammar and the Fargate size table live here once; the CEL admission rules are generated
// from them, so `kubectl apply` and the controller agree on every value.

/** CPU units per vCPU, as ECS counts them. */
export const CPU_UNITS_PER_VCPU = 1024;
/** MiB per GB in ECS task sizes ("1 GB" is 1024 MiB). */
const MIB_PER_GB = 1024;

/** Task-level CPU units ECS accepts outside Fargate (0.125 to 192 vCPU). */
export const TASK_CPU_RANGE = { min: 128, max: 196_608 } as const;

/** Lower-cased, the accepted spellings of a cpu value: units, or a (decimal) number of vCPUs. */
const CPU_PATTERN = "^ *([0-9]+|([0-9]+|[0-9]*[.][0-9]+) *vcpu) *$";
/** Lower-cased, the accepted spellings of a memory value: MiB, or a (decimal) number of GB. */
const MEMORY_PATTERN = "^ *([0-9]+|([0-9]+|[0-9]*[.][0-9]+) *gb) *$";

export class UnitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnitError";
  }
}

function normalize(value: string | number, pattern: string, unit: string, factor: number, what: string, examples: string): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new UnitError(`${what} ${value} is not a whole, non-negative number of ${unit}`);
    return value;
  }
  const lower = value.toLowerCase();
  if (!new RegExp(pattern).test(lower)) throw new UnitError(`${what} ${JSON.stringify(value)} is not valid: use ${examples}`);
  const body = lower.trim();
  if (!body.endsWith(unit)) return Number.parseInt(body, 10);
  // Truncation, like CEL's int(double): the admission rules and the controller compute the same number.
  return Math.trunc(Number.parseFloat(body.slice(0, -unit.length).trim()) * factor);
}

/** `"1 vCPU"` → 1024, `"0.5 vcpu"` → 512, `"256"` → 256, `256` → 256. Throws UnitError otherwise. */
export function normalizeCpu(value: string | number): number {
  return normalize(value, CPU_PATTERN, "vcpu", CPU_UNITS_PER_VCPU, "cpu", 'CPU units ("1024") or vCPUs ("1 vCPU", "0.5 vcpu")');
}

/** `"2 GB"` → 2048, `"2GB"` → 2048, `"512"` → 512, `512` → 512 (MiB). Throws UnitError otherwise. */
export function normalizeMemory(value: string | number): number {
  return normalize(value, MEMORY_PATTERN, "gb", MIB_PER_GB, "memory", 'MiB ("2048") or GB ("2 GB", "2GB")');
}

/** One row of the Fargate task-size table: a cpu value and the memory values (MiB) it allows. */
export interface FargateSize {
  cpu: number;
  memory: { values: readonly number[] } | { min: number; max: number; step: number };
}

/** Fargate task sizes (Linux; Windows additionally needs at least 1 vCPU). */
export const FARGATE_TASK_SIZES: readonly FargateSize[] = [
  { cpu: 256, memory: { values: [512, 1024, 2048] } },
  { cpu: 512, memory: { min: 1024, max: 4096, step: 1024 } },
  { cpu: 1024, memory: { min: 2048, max: 8192, step: 1024 } },
  { cpu: 2048, memory: { min: 4096, max: 16_384, step: 1024 } },
  { cpu: 4096, memory: { min: 8192, max: 30_720, step: 1024 } },
  { cpu: 8192, memory: { min: 16_384, max: 61_440, step: 4096 } },
  { cpu: 16_384, memory: { min: 32_768, max: 122_880, step: 8192 } },
];

/** Whether (cpu units, memory MiB) is a Fargate task size. */
export function isFargateTaskSize(cpu: number, memory: number): boolean {
  const row = FARGATE_TASK_SIZES.find((r) => r.cpu === cpu);
  if (!row) return false;
  const m = row.memory;
  if ("values" in m) return m.values.includes(memory);
  return memory >= m.min && memory <= m.max && (memory - m.min) % m.step === 0;
}

/** The memory values a Fargate cpu value allows, for error messages: "1024-4096 MiB in steps of 1024". */
export function describeFargateMemory(cpu: number): string | undefined {
  const row = FARGATE_TASK_SIZES.find((r) => r.cpu === cpu);
  if (!row) return undefined;
  const m = row.memory;
  return "values" in m ? `${m.values.join(", ")} MiB` : `${m.min}-${m.max} MiB in steps of ${m.step}`;
}

// ---- the same rules as CEL expressions (for x-kubernetes-validations) ----

/** CEL: `x` (an int-or-string) matches the cpu grammar. */
export function celCpuIsValid(x: string): string {
  return `(type(${x}) == int || ${x}.lowerAscii().matches('${CPU_PATTERN}'))`;
}

/** CEL: `x` (an int-or-string) matches the memory grammar. */
export function celMemoryIsValid(x: string): string {
  return `(type(${x}) == int || ${x}.lowerAscii().matches('${MEMORY_PATTERN}'))`;
}

function celUnits(x: string, unit: string, factor: number): string {
  return (
    `(type(${x}) == int ? ${x} : (${x}.lowerAscii().contains('${unit}') ? ` +
    `int(double(${x}.lowerAscii().replace('${unit}', '').trim()) * ${factor.toFixed(1)}) : int(${x}.trim())))`
  );
}

/** CEL: the CPU units of `x`; only evaluate after celCpuIsValid(x). */
export function celCpuUnits(x: string): string {
  return celUnits(x, "vcpu", CPU_UNITS_PER_VCPU);
}

/** CEL: the MiB of `x`; only evaluate after celMemoryIsValid(x). */
export function celMemoryMiB(x: string): string {
  return celUnits(x, "gb", MIB_PER_GB);
}

/** CEL over ints `c` (cpu units) and `m` (memory MiB): the pair is a Fargate task size. */
export function celIsFargateTaskSize(c: string, m: string): string {
  return FARGATE_TASK_SIZES.map((row) => {
    const mem = row.memory;
    const memoryTest = "values" in mem ? `${m} in [${mem.values.join(", ")}]` : `${m} >= ${mem.min} && ${m} <= ${mem.max} && (${m} - ${mem.min}) % ${mem.step} == 0`;
    return `(${c} == ${row.cpu} && ${memoryTest})`;
  }).join(" || ");
}
