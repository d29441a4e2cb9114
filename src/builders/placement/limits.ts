// ECS's limits on placement that need the task definition or the resolved capacity providers, for RunTask and
// CreateService alike (the API server checks what one object holds; these need the other objects). Pure.
import { SpecError } from "../../api/spec-error.ts";

/** What the limits read of a Task or a Service. */
export interface PlacementRequest {
  /** "task" or "service": the word the messages use. */
  readonly kind: "task" | "service";
  readonly placementConstraints?: readonly unknown[] | undefined;
  readonly placementStrategy?: readonly unknown[] | undefined;
}

/**
 * Throws SpecError when the run breaks one of ECS's placement limits:
 * - ECS (RunTask and CreateService placementConstraints): "You can specify up to 10 constraints for each task
 *   (including constraints in the task definition and those specified at runtime)."
 * - ECS (Amazon ECS task placement): "Task placement strategies and constraints aren't supported for tasks
 *   using the Fargate launch type." Checked against every provider the tasks run on, since a FARGATE-type
 *   CapacityProvider is reached through a strategy as often as through launchType.
 */
export function checkPlacementLimits(taskDefinitionConstraints: number, request: PlacementRequest, providers: readonly { readonly name: string; readonly type: string }[]): void {
  const own = request.placementConstraints?.length ?? 0;
  if (taskDefinitionConstraints + own > 10) {
    throw new SpecError("spec.placementConstraints", `the task definition has ${taskDefinitionConstraints} placement constraints and the ${request.kind} ${own}: at most 10 in all (ECS counts both)`);
  }
  const fargate = providers.find((p) => p.type === "FARGATE");
  if (fargate === undefined) return;
  const whose = `FARGATE ${request.kind === "task" ? "tasks" : "services"}`;
  if (own > 0) throw new SpecError("spec.placementConstraints", `${whose} take no placement constraints (capacity provider ${fargate.name} is FARGATE); remove them or run on EC2-type providers`);
  if ((request.placementStrategy?.length ?? 0) > 0) throw new SpecError("spec.placementStrategy", `${whose} take no placement strategy (capacity provider ${fargate.name} is FARGATE); remove it or run on EC2-type providers`);
}
