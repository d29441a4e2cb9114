// CPU, memory, GPU and ephemeral storage of the containers of a task as Kubernetes requests and limits, with the
// task-level size split across containers (docs/mapping.md, "Resources"). Pod-level resources are not available
// on every cluster, so the task size bounds the pod through the sum of the container limits.
import { SpecError } from "../../api/spec-error.ts";
import type { V1ResourceRequirements } from "@kubernetes/client-node";
import type { ContainerDefinition } from "../../api/task-definition.ts";
import { CPU_UNITS_PER_VCPU } from "../../api/units.ts";
import { type Report } from "./report.ts";

/** ECS CPU units → a millicore quantity (1024 units = 1 CPU, truncated, at least 1m): 256 → "250m", 1024 → "1". */
function cpuQuantity(units: number): string {
  const millis = Math.max(1, Math.floor((units * 1000) / CPU_UNITS_PER_VCPU));
  return millis % 1000 === 0 ? `${millis / 1000}` : `${millis}m`;
}

function memoryQuantity(mib: number): string {
  return `${mib}Mi`;
}

/**
 * Splits a task total over containers: containers with a value keep it; the others share the remainder evenly
 * (whole units, never below their `floor`); what rounding leaves, or the whole remainder when every container has
 * a value, goes to `receiver` (the first essential container). Throws when the values exceed the total.
 */
export function splitTaskSize(total: number, fixed: readonly (number | undefined)[], floors: readonly number[], receiver: number, what: string): number[] {
  const sumFixed = fixed.reduce<number>((s, v) => s + (v ?? 0), 0);
  if (sumFixed > total) {
    throw new SpecError(`spec.${what}`, `the containers reserve ${sumFixed} ${what === "cpu" ? "CPU units" : "MiB"} in total, more than the task's ${what} (${total}); raise the task ${what} or lower the containers'`);
  }
  const sharers = fixed.flatMap((v, i) => (v === undefined ? [i] : []));
  const remainder = total - sumFixed;
  const share = sharers.length === 0 ? 0 : Math.floor(remainder / sharers.length);
  const out = fixed.map((v, i) => v ?? Math.max(share, floors[i] ?? 0));
  const leftover = total - out.reduce((s, v) => s + v, 0);
  if (leftover > 0) out[receiver] = (out[receiver] ?? 0) + leftover;
  return out;
}

export interface ResourceContext {
  readonly taskCpu?: number;
  readonly taskMemory?: number;
  readonly fargate: boolean;
  /** Index of the container that receives leftovers and the ephemeral storage: the first essential one. */
  readonly essential: number;
  readonly ephemeralStorageGiB?: number;
}

/** Requests and limits of each container, in containerDefinitions order. */
export function buildResources(containers: readonly ContainerDefinition[], ctx: ResourceContext, report: Report): V1ResourceRequirements[] {
  const cpuOf = (c: ContainerDefinition) => (c.cpu !== undefined && c.cpu > 0 ? c.cpu : undefined);
  const cpuSplit =
    ctx.taskCpu === undefined ? undefined : splitTaskSize(ctx.taskCpu, containers.map(cpuOf), containers.map(() => 0), ctx.essential, "cpu");
  // On FARGATE requests equal limits, so a soft reservation is the container's size; elsewhere only `memory` is hard.
  const memoryFixed = containers.map((c) => c.memory ?? (ctx.fargate ? c.memoryReservation : undefined));
  const memorySplit =
    ctx.taskMemory === undefined
      ? undefined
      : splitTaskSize(ctx.taskMemory, memoryFixed, containers.map((c) => c.memoryReservation ?? 0), ctx.essential, "memory");

  return containers.map((c, i) => {
    const requests: Record<string, string> = {};
    const limits: Record<string, string> = {};
    const field = `spec.containerDefinitions[${i}]`;

    const cpu = cpuSplit?.[i];
    if (cpu !== undefined) {
      if (cpu > 0) requests.cpu = limits.cpu = cpuQuantity(cpu);
    } else {
      const own = cpuOf(c);
      if (own !== undefined) {
        requests.cpu = cpuQuantity(own);
        if (ctx.fargate) limits.cpu = requests.cpu;
      }
    }

    const memory = memorySplit?.[i];
    if (memory !== undefined) {
      if (memory <= 0) throw new SpecError(`${field}.memory`, `container ${JSON.stringify(c.name)} gets no memory: the other containers take all of the task's memory (${ctx.taskMemory ?? 0} MiB); give it memory or memoryReservation`);
      limits.memory = memoryQuantity(memory);
      requests.memory = memoryQuantity(ctx.fargate ? memory : Math.min(c.memoryReservation ?? memory, memory));
    } else {
      if (c.memory !== undefined) limits.memory = memoryQuantity(c.memory);
      const request = ctx.fargate ? (c.memory ?? c.memoryReservation) : (c.memoryReservation ?? c.memory);
      if (request !== undefined) requests.memory = memoryQuantity(request);
      if (ctx.fargate && request !== undefined) limits.memory = requests.memory ?? memoryQuantity(request);
    }

    (c.resourceRequirements ?? []).forEach((r, ri) => {
      const rf = `${field}.resourceRequirements[${ri}]`;
      if (r.sharingStrategy !== undefined) report.unsupportedField(`${rf}.sharingStrategy`, "GPU sharing (NVIDIA MPS) is configured in the cluster's device plugin, not per pod");
      if (r.type === "InferenceAccelerator") {
        report.unsupportedField(rf, "Elastic Inference accelerators are retired by AWS and have no Kubernetes counterpart");
        return;
      }
      if (r.value === undefined || !/^[1-9][0-9]*$/.test(r.value)) return;
      const resource = r.type === "GPU" ? "nvidia.com/gpu" : "aws.amazon.com/neuron";
      limits[resource] = r.value;
      requests[resource] = r.value;
    });

    if (ctx.ephemeralStorageGiB !== undefined && i === ctx.essential) {
      requests["ephemeral-storage"] = limits["ephemeral-storage"] = `${ctx.ephemeralStorageGiB}Gi`;
    }
    return {
      ...(Object.keys(requests).length > 0 ? { requests } : {}),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    };
  });
}
