// The API of ecs-operator: schemas, types, defaults, validation and the CRDs generated from them.
export * from "./admission.ts";
export * from "./capacity-provider.ts";
export * from "./cluster.ts";
export * from "./common.ts";
export * from "./conditions.ts";
export * from "./crds.ts";
export * from "./keys.ts";
export * from "./objects.ts";
export * from "./scheduled-task.ts";
export * from "./service.ts";
export * from "./task-definition.ts";
export * from "./task.ts";
export * from "./time.ts";
export * from "./units.ts";
export * from "./unknown-fields.ts";
