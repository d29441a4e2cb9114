// What buildPodTemplate reports besides the pod template: fields it could not map (the TaskDefinition's Supported
// condition lists them) and the errors it throws for task definitions it refuses (the controller shows Stalled).
import { SpecError } from "../../api/spec-error.ts";

/** A field that is present but not mapped (or only partly), with why. `field` is a spec path. */
export interface UnsupportedField {
  /** e.g. `spec.containerDefinitions[1].ulimits`. */
  readonly field: string;
  readonly reason: string;
}

/** dependsOn forms a cycle; `containers` are the ECS names on it, in dependency order. */
export function dependsOnCycleError(containers: readonly string[]): SpecError {
  return new SpecError(
    "spec.containerDefinitions",
    `dependsOn forms a cycle: ${[...containers, containers[0] ?? ""].map((c) => JSON.stringify(c)).join(" → ")}; remove one of these dependencies`,
    "DependsOnCycle",
  );
}

/** Collects unsupported fields and refuses host features on FARGATE. */
export class Report {
  readonly unsupported: UnsupportedField[] = [];
  readonly fargate: boolean;
  constructor(fargate: boolean) {
    this.fargate = fargate;
  }

  unsupportedField(field: string, reason: string): void {
    this.unsupported.push({ field, reason });
  }

  /** On FARGATE, throws a SpecError for a host feature Fargate refuses; elsewhere does nothing. */
  refuseOnFargate(field: string, what: string): void {
    if (this.fargate) throw new SpecError(field, `${what}, which FARGATE does not support; remove it or run the task on an EC2 capacity provider`);
  }
}
