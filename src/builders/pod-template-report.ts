// What buildPodTemplate reports besides the pod template: fields it could not map (the TaskDefinition's Supported
// condition lists them) and the errors it throws for task definitions it refuses (the controller shows Stalled).

/** A field that is present but not mapped (or only partly), with why. `field` is a spec path. */
export interface UnsupportedField {
  /** e.g. `spec.containerDefinitions[1].ulimits`. */
  readonly field: string;
  readonly reason: string;
}

/** A task definition the builder refuses: `field: reason`, like PlacementError. */
export class PodTemplateError extends Error {
  readonly field: string;
  readonly reason: string;
  /** A CamelCase condition reason for Stalled. */
  readonly conditionReason: string;
  constructor(field: string, reason: string, conditionReason = "InvalidSpec") {
    super(`${field}: ${reason}`);
    this.name = "PodTemplateError";
    this.field = field;
    this.reason = reason;
    this.conditionReason = conditionReason;
  }
}

/** dependsOn forms a cycle; `containers` are the ECS names on it, in dependency order. */
export class DependsOnCycleError extends PodTemplateError {
  readonly containers: readonly string[];
  constructor(containers: readonly string[]) {
    super(
      "spec.containerDefinitions",
      `dependsOn forms a cycle: ${[...containers, containers[0] ?? ""].map((c) => JSON.stringify(c)).join(" → ")}; remove one of these dependencies`,
      "DependsOnCycle",
    );
    this.name = "DependsOnCycleError";
    this.containers = containers;
  }
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

  /** On FARGATE, throws a PodTemplateError for a host feature Fargate refuses; elsewhere does nothing. */
  refuseOnFargate(field: string, what: string): void {
    if (this.fargate) throw new PodTemplateError(field, `${what}, which FARGATE does not support; remove it or run the task on an EC2 capacity provider`);
  }
}
