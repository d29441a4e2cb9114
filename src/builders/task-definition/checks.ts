// What the API server's CEL rules cannot check in a task definition, checked before a revision is registered: the
// controller reports these as Stalled, `render` and `convert` refuse them naming the field.
import { ConditionReason, normalizeCpu, normalizeMemory, type ContainerDefinition, type TaskDefinitionSpec } from "../../api/index.ts";

/** A spec problem found by the controller: the field it is about and a message that names it. */
export interface SpecProblem {
  path: string;
  reason: string;
  message: string;
}

const containerName = (c: ContainerDefinition | undefined, i: number): string => c?.name ?? `#${i}`;

/**
 * dependsOn cycles (of any length; CEL refuses those of one and two containers at admission, this finds the
 * rest with a depth-first search). Returns the first cycle as container names, first name repeated at the end.
 */
export function findDependsOnCycle(containers: readonly ContainerDefinition[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const c of containers) edges.set(c.name, (c.dependsOn ?? []).map((d) => d.containerName).filter((n) => containers.some((x) => x.name === n)));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === "done") return undefined;
    if (state.get(n) === "visiting") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "visiting");
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const cycle = visit(m);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(n, "done");
    return undefined;
  };
  for (const c of containers) {
    const cycle = visit(c.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The checks of RegisterTaskDefinition that the API server cannot make at admission: dependsOn cycles of
 * three or more containers, and container cpu/memory against the task size. Empty when the spec is fine.
 */
export function checkTaskDefinitionSpec(spec: TaskDefinitionSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const containers = spec.containerDefinitions;
  const cycle = findDependsOnCycle(containers);
  if (cycle) {
    const first = containers.findIndex((c) => c.name === cycle[0]);
    problems.push({
      path: `spec.containerDefinitions[${first}].dependsOn`,
      reason: ConditionReason.DependsOnCycle,
      message:
        `spec.containerDefinitions[${first}].dependsOn: containers ${cycle.map((n) => `"${n}"`).join(" → ")} wait for each other in a cycle, ` +
        "so none of them can start; remove one of these dependsOn entries",
    });
  }
  let taskCpu: number | undefined;
  let taskMemory: number | undefined;
  try {
    if (spec.cpu !== undefined) taskCpu = normalizeCpu(spec.cpu);
  } catch (err) {
    problems.push({ path: "spec.cpu", reason: ConditionReason.InvalidSpec, message: `spec.cpu: ${(err as Error).message}` });
  }
  try {
    if (spec.memory !== undefined) taskMemory = normalizeMemory(spec.memory);
  } catch (err) {
    problems.push({ path: "spec.memory", reason: ConditionReason.InvalidSpec, message: `spec.memory: ${(err as Error).message}` });
  }
  if (taskCpu !== undefined) {
    const sum = containers.reduce((a, c) => a + (c.cpu ?? 0), 0);
    if (sum > taskCpu) {
      problems.push({
        path: "spec.containerDefinitions",
        reason: ConditionReason.InvalidSpec,
        message: `spec.containerDefinitions: the containers' cpu adds up to ${sum} units, more than the task's spec.cpu (${taskCpu}); lower the containers' cpu or raise spec.cpu`,
      });
    }
  }
  if (taskMemory !== undefined) {
    for (const [i, c] of containers.entries()) {
      if (c.memory !== undefined && c.memory > taskMemory) {
        problems.push({
          path: `spec.containerDefinitions[${i}].memory`,
          reason: ConditionReason.InvalidSpec,
          message: `spec.containerDefinitions[${i}].memory: container "${containerName(c, i)}" has a memory limit of ${c.memory} MiB, more than the task's spec.memory (${taskMemory} MiB)`,
        });
      }
    }
    const reserved = containers.reduce((a, c) => a + (c.memoryReservation ?? c.memory ?? 0), 0);
    if (reserved > taskMemory) {
      problems.push({
        path: "spec.containerDefinitions",
        reason: ConditionReason.InvalidSpec,
        message:
          `spec.containerDefinitions: the containers reserve ${reserved} MiB (memoryReservation, else memory), more than the task's spec.memory (${taskMemory} MiB); ` +
          "lower the containers' memoryReservation or raise spec.memory",
      });
    }
  }
  return problems;
}
