// The pure helpers that controllers build on: unknown-field detection (for the Supported condition), the
// family of a TaskDefinition and its normalised task size.
import { describe, expect, it } from "vitest";
import type { CapacityProviderStatus } from "../../../src/api/capacity-provider.ts";
import type { ClusterStatus } from "../../../src/api/cluster.ts";
import type { ScheduledTaskStatus } from "../../../src/api/scheduled-task.ts";
import type { ServiceStatus } from "../../../src/api/service.ts";
import type { TaskStatus } from "../../../src/api/task.ts";
import type { Condition } from "../../../src/runtime/conditions.ts";
import type { StatusWithConditions } from "../../../src/runtime/status.ts";
import { DESCRIBE_ONLY_TASK_DEFINITION_FIELDS, normalizedTaskSize, resolveFamily, TaskDefinitionSpec, TaskDefinitionStatus } from "../../../src/api/task-definition.ts";
import { findUnknownFields } from "../../../src/api/unknown-fields.ts";
import { REALISTIC_TASK_DEFINITIONS } from "./fixtures.ts";

describe("findUnknownFields", () => {
  it("finds fields from newer ECS versions at any depth", () => {
    const spec = {
      family: "x",
      futureTaskField: true,
      containerDefinitions: [{ name: "a", image: "i", brandNewOption: 1, linuxParameters: { newKernelKnob: "on" } }],
    };
    expect(findUnknownFields(spec, TaskDefinitionSpec)).toEqual([
      "spec.futureTaskField",
      "spec.containerDefinitions[0].brandNewOption",
      "spec.containerDefinitions[0].linuxParameters.newKernelKnob",
    ]);
  });

  it("ignores the read-only fields of a console export when told to, but not unknown ones", () => {
    const exported = REALISTIC_TASK_DEFINITIONS["console export with read-only fields, empty lists and integer task size"];
    expect(findUnknownFields(exported, TaskDefinitionSpec, "spec", DESCRIBE_ONLY_TASK_DEFINITION_FIELDS)).toEqual([]);
    expect(findUnknownFields(exported, TaskDefinitionSpec)).toEqual([
      "spec.taskDefinitionArn",
      "spec.revision",
      "spec.status",
      "spec.compatibilities",
      "spec.requiresAttributes",
      "spec.registeredAt",
      "spec.registeredBy",
    ]);
  });

  it("does not look inside maps such as dockerLabels and log options", () => {
    const spec = { containerDefinitions: [{ name: "a", image: "i", dockerLabels: { anything: "goes" }, logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g" } } }] };
    expect(findUnknownFields(spec, TaskDefinitionSpec)).toEqual([]);
  });
});

describe("resolveFamily", () => {
  it("is spec.family when set", () => {
    expect(resolveFamily({ family: "web" }, "web-td")).toBe("web");
  });
  it("defaults to metadata.name, with characters ECS refuses replaced", () => {
    expect(resolveFamily({}, "shop.web")).toBe("shop-web");
  });
});

describe("normalizedTaskSize", () => {
  it("normalises task cpu and memory as ECS does", () => {
    expect(normalizedTaskSize({ cpu: "1 vCPU", memory: "2 GB" })).toEqual({ cpu: 1024, memory: 2048 });
    expect(normalizedTaskSize({ cpu: 256 })).toEqual({ cpu: 256 });
    expect(normalizedTaskSize({})).toEqual({});
  });
});

describe("status conditions", () => {
  it("have the metav1.Condition shape the runtime writes (reason and message required)", () => {
    const condition = TaskDefinitionStatus.properties.conditions;
    expect(condition.items.required).toEqual(["type", "status", "reason", "message", "lastTransitionTime"]);
  });

  it("every status type is one the runtime's status writer takes", () => {
    const statuses: [ClusterStatus, CapacityProviderStatus, TaskDefinitionStatus, ServiceStatus, TaskStatus, ScheduledTaskStatus] = [{}, {}, {}, {}, {}, {}];
    const forRuntime: StatusWithConditions[] = statuses;
    const ready: Condition = { type: "Ready", status: "True", reason: "Reconciled", message: "", lastTransitionTime: "2025-01-01T00:00:00Z", observedGeneration: 2 };
    const withCondition: TaskDefinitionStatus = { observedGeneration: 2, conditions: [ready] };
    expect([...forRuntime, withCondition]).toHaveLength(7);
  });
});
