// The condition types of every kind (kstatus Ready, Reconciling, Stalled, and TaskDefinition's Supported) and
// CamelCase reasons the controllers share. Setting conditions is src/runtime/conditions.ts's job.
import type { Condition } from "./common.ts";

export type { Condition };

export const ConditionType = {
  /** The object has reached its desired state. */
  Ready: "Ready",
  /** The controller is working towards the desired state. */
  Reconciling: "Reconciling",
  /** The controller cannot make progress without a change of the spec (or of something it references). */
  Stalled: "Stalled",
  /** TaskDefinition: every field present is mapped to Kubernetes (False lists the ones that are not). */
  Supported: "Supported",
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons shared by the kinds; each kind's own reasons are next to its status type (ServiceReason in service.ts, ...). */
export const ConditionReason = {
  Reconciled: "Reconciled",
  Progressing: "Progressing",
  InvalidSpec: "InvalidSpec",
  NotFound: "NotFound",
  NotOwned: "NotOwned",
  DependsOnCycle: "DependsOnCycle",
  UnsupportedFields: "UnsupportedFields",
  AllFieldsSupported: "AllFieldsSupported",
  /** A placement constraint or strategy (Service, Task, TaskDefinition) cannot be compiled. */
  InvalidPlacement: "InvalidPlacement",
  /** A capacity provider strategy cannot be split (Service, Task). */
  InvalidCapacity: "InvalidCapacity",
} as const;
