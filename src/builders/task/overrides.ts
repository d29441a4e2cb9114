// RunTask `overrides` applied to the task definition revision a task runs, as ECS applies them: the result is the
// task definition of that one run, which buildPodTemplate then turns into the pod. Pure: no client, no clock.
import { SpecError } from "../../api/spec-error.ts";
import type { TaskDefinitionSpec } from "../../api/task-definition.ts";
import type { Static } from "../../api/structural-schema.ts";
import { type TaskOverride, TaskReason } from "../../api/task.ts";

export type TaskOverrides = Static<typeof TaskOverride>;

/** An override ECS would refuse (RunTask's InvalidParameterException); the message names the field. */
const overrideError = (field: string, reason: string): SpecError => new SpecError(field, reason, TaskReason.InvalidOverrides);

/**
 * The task definition with `overrides` applied. Per container: `command` replaces the command (the image's CMD,
 * so the pod's args); `environment` entries replace variables of the same name and add the others;
 * `environmentFiles` are added after the container's own; `cpu`, `memory`, `memoryReservation` and
 * `resourceRequirements` replace the container's. Task-level `cpu`, `memory`, `taskRoleArn`, `executionRoleArn`
 * and `ephemeralStorage` replace the task definition's. `inferenceAcceleratorOverrides` have nothing to apply to
 * (the task definition's accelerators are already reported as unsupported). `path` prefixes field names.
 * Throws SpecError (InvalidOverrides) for an override of a container the task definition does not have.
 */
export function applyTaskOverrides(revision: TaskDefinitionSpec, overrides: TaskOverrides | undefined, path = "spec.overrides"): TaskDefinitionSpec {
  if (overrides === undefined) return revision;
  const out: TaskDefinitionSpec = { ...revision, containerDefinitions: revision.containerDefinitions.map((c) => ({ ...c })) };
  (overrides.containerOverrides ?? []).forEach((o, i) => {
    const field = `${path}.containerOverrides[${i}]`;
    const index = out.containerDefinitions.findIndex((c) => c.name === o.name);
    const container = out.containerDefinitions[index];
    if (container === undefined) {
      const names = revision.containerDefinitions.map((c) => c.name).join(", ");
      throw overrideError(`${field}.name`, `${JSON.stringify(o.name)} is not a container of the task definition (containers: ${names})`);
    }
    if (o.command !== undefined) container.command = [...o.command];
    if (o.environment !== undefined) {
      const env = (container.environment ?? []).map((e) => ({ ...e }));
      for (const e of o.environment) {
        const at = env.findIndex((have) => have.name === e.name);
        if (at >= 0) env[at] = { ...e };
        else env.push({ ...e });
      }
      container.environment = env;
    }
    if (o.environmentFiles !== undefined) container.environmentFiles = [...(container.environmentFiles ?? []), ...o.environmentFiles.map((f) => ({ ...f }))];
    if (o.cpu !== undefined) container.cpu = o.cpu;
    if (o.memory !== undefined) container.memory = o.memory;
    if (o.memoryReservation !== undefined) container.memoryReservation = o.memoryReservation;
    if (o.resourceRequirements !== undefined) container.resourceRequirements = o.resourceRequirements.map((r) => ({ ...r }));
    // ECS (ContainerDefinition.memoryReservation): "If you specify both, memory must be greater than memoryReservation."
    if (container.memory !== undefined && container.memoryReservation !== undefined && container.memoryReservation >= container.memory) {
      throw overrideError(field, `container ${JSON.stringify(o.name)} would get memoryReservation ${container.memoryReservation}, not below its memory ${container.memory}: memory must be greater than memoryReservation`);
    }
  });
  if (overrides.cpu !== undefined) out.cpu = overrides.cpu;
  if (overrides.memory !== undefined) out.memory = overrides.memory;
  if (overrides.taskRoleArn !== undefined) out.taskRoleArn = overrides.taskRoleArn;
  if (overrides.executionRoleArn !== undefined) out.executionRoleArn = overrides.executionRoleArn;
  if (overrides.ephemeralStorage !== undefined) out.ephemeralStorage = { sizeInGiB: overrides.ephemeralStorage.sizeInGiB };
  return out;
}
