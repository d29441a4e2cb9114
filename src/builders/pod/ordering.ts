// dependsOn as the order of a pod's containers: containers others wait on to COMPLETE or SUCCEED become init
// containers, those others wait on to START or be HEALTHY become native sidecars (init containers with
// restartPolicy Always), the rest stay regular containers; init containers follow a topological sort.
import { SpecError } from "../../api/spec-error.ts";
import type { ContainerDefinition } from "../../api/task-definition.ts";
import { dependsOnCycleError } from "./report.ts";

export type ContainerRole = "container" | "sidecar" | "init";

export interface ContainerOrder {
  /** Role of each container, in containerDefinitions order. */
  roles: ContainerRole[];
  /** Indices of the init and sidecar containers, in the order they start. */
  initOrder: number[];
  /** Whether container i is the target of a HEALTHY dependency (its sidecar is gated by a startup probe). */
  healthy: boolean[];
}

/** Throws SpecError for a cycle (DependsOnCycle) and for a dependency on an unknown container. */
export function orderContainers(containers: readonly ContainerDefinition[]): ContainerOrder {
  const index = new Map(containers.map((c, i) => [c.name, i]));
  const roles: ContainerRole[] = containers.map(() => "container");
  const healthy = containers.map(() => false);
  const deps: number[][] = containers.map((c, ci) =>
    (c.dependsOn ?? []).map((d, di) => {
      const target = index.get(d.containerName);
      if (target === undefined) {
        throw new SpecError(`spec.containerDefinitions[${ci}].dependsOn[${di}].containerName`, `container ${JSON.stringify(c.name)} depends on ${JSON.stringify(d.containerName)}, which is not a container of this task definition`);
      }
      if (d.condition === "COMPLETE" || d.condition === "SUCCESS") roles[target] = "init";
      else if (roles[target] !== "init") roles[target] = "sidecar";
      if (d.condition === "HEALTHY") healthy[target] = true;
      return target;
    }),
  );

  // Kahn's algorithm, taking the lowest index first so the order is stable and follows the task definition.
  const order: number[] = [];
  const done = new Set<number>();
  while (order.length < containers.length) {
    const next = containers.findIndex((_, i) => !done.has(i) && (deps[i] ?? []).every((d) => done.has(d)));
    if (next < 0) throw dependsOnCycleError(findCycle(containers, deps, done));
    order.push(next);
    done.add(next);
  }
  return { roles, initOrder: order.filter((i) => roles[i] !== "container"), healthy };
}

/** The names of one cycle among the containers not yet ordered. */
function findCycle(containers: readonly ContainerDefinition[], deps: number[][], done: Set<number>): string[] {
  const start = containers.findIndex((_, i) => !done.has(i));
  const path: number[] = [];
  let at = start;
  while (!path.includes(at)) {
    path.push(at);
    at = (deps[at] ?? []).find((d) => !done.has(d)) ?? at;
  }
  return path.slice(path.indexOf(at)).map((i) => containers[i]?.name ?? `#${i}`);
}
