// RunTask overrides → the task definition of one run: one row per override field.
import { SpecError } from "../../../src/api/spec-error.ts";
import { describe, expect, it } from "vitest";
import type { ContainerDefinition, TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import { applyTaskOverrides, type TaskOverrides } from "../../../src/builders/task/overrides.ts";

const aContainer = (name: string, fields: Partial<ContainerDefinition> = {}): ContainerDefinition => ({ name, image: `registry.example.com/${name}:1`, memory: 256, ...fields });
const aTaskDefinition = (fields: Partial<TaskDefinitionSpec> = {}): TaskDefinitionSpec => ({
  family: "batch",
  cpu: "512",
  memory: "1024",
  taskRoleArn: "arn:aws:iam::111122223333:role/batch",
  containerDefinitions: [
    aContainer("app", { command: ["run", "--all"], cpu: 256, memoryReservation: 128, environment: [{ name: "MODE", value: "full" }, { name: "KEEP", value: "yes" }], environmentFiles: [{ type: "s3", value: "arn:aws:s3:::cfg/app.env" }] }),
    aContainer("log_router", { essential: false }),
  ],
  ...fields,
});
const app = (td: TaskDefinitionSpec): ContainerDefinition => {
  const c = td.containerDefinitions.find((x) => x.name === "app");
  if (!c) throw new Error("no app");
  return c;
};
const override = (o: Record<string, unknown>): TaskOverrides => ({ containerOverrides: [{ name: "app", ...o }] });

describe("applyTaskOverrides", () => {
  it.each<[string, TaskOverrides, (td: TaskDefinitionSpec) => void]>([
    ["containerOverrides.command replaces the command (the image's CMD)", override({ command: ["migrate", "--dry-run"] }), (td) => { expect(app(td).command).toEqual(["migrate", "--dry-run"]); }],
    [
      "containerOverrides.environment replaces variables of the same name and adds the others, in order",
      override({ environment: [{ name: "MODE", value: "quick" }, { name: "NEW", value: "1" }] }),
      (td) => { expect(app(td).environment).toEqual([{ name: "MODE", value: "quick" }, { name: "KEEP", value: "yes" }, { name: "NEW", value: "1" }]); },
    ],
    [
      "containerOverrides.environmentFiles are added after the container's own",
      override({ environmentFiles: [{ type: "s3", value: "arn:aws:s3:::cfg/run.env" }] }),
      (td) => { expect(app(td).environmentFiles?.map((f) => f.value)).toEqual(["arn:aws:s3:::cfg/app.env", "arn:aws:s3:::cfg/run.env"]); },
    ],
    ["containerOverrides.cpu replaces the container's cpu units", override({ cpu: 512 }), (td) => { expect(app(td).cpu).toBe(512); }],
    ["containerOverrides.memory replaces the hard limit", override({ memory: 768 }), (td) => { expect(app(td).memory).toBe(768); }],
    ["containerOverrides.memoryReservation replaces the soft limit", override({ memoryReservation: 200 }), (td) => { expect(app(td).memoryReservation).toBe(200); }],
    [
      "containerOverrides.resourceRequirements replaces the GPU requirements",
      override({ resourceRequirements: [{ type: "GPU", value: "1" }] }),
      (td) => { expect(app(td).resourceRequirements).toEqual([{ type: "GPU", value: "1" }]); },
    ],
    ["cpu replaces the task cpu", { cpu: "1 vCPU" }, (td) => { expect(td.cpu).toBe("1 vCPU"); }],
    ["memory replaces the task memory", { memory: "2048" }, (td) => { expect(td.memory).toBe("2048"); }],
    ["taskRoleArn replaces the task role", { taskRoleArn: "arn:aws:iam::111122223333:role/migrator" }, (td) => { expect(td.taskRoleArn).toBe("arn:aws:iam::111122223333:role/migrator"); }],
    ["executionRoleArn replaces the execution role", { executionRoleArn: "arn:aws:iam::111122223333:role/exec" }, (td) => { expect(td.executionRoleArn).toBe("arn:aws:iam::111122223333:role/exec"); }],
    ["ephemeralStorage replaces the task's ephemeral storage", { ephemeralStorage: { sizeInGiB: 50 } }, (td) => { expect(td.ephemeralStorage).toEqual({ sizeInGiB: 50 }); }],
    [
      "an override of one container leaves the others as they are",
      override({ command: ["x"] }),
      (td) => { expect(td.containerDefinitions[1]).toEqual(aContainer("log_router", { essential: false })); },
    ],
  ])("%s", (_name, overrides, check) => {
    check(applyTaskOverrides(aTaskDefinition(), overrides));
  });

  it("no overrides → the revision itself", () => {
    const td = aTaskDefinition();
    expect(applyTaskOverrides(td, undefined)).toBe(td);
  });

  it("never changes the revision it is given (the cached ControllerRevision data)", () => {
    const td = aTaskDefinition();
    const before = JSON.stringify(td);
    applyTaskOverrides(td, override({ command: ["x"], environment: [{ name: "MODE", value: "y" }], cpu: 1 }));
    expect(JSON.stringify(td)).toBe(before);
  });

  it("an override of a container the task definition does not have is refused, naming the field and the containers", () => {
    expect(() => applyTaskOverrides(aTaskDefinition(), { containerOverrides: [{ name: "app" }, { name: "worker", command: ["x"] }] })).toThrow(
      new SpecError("spec.overrides.containerOverrides[1].name", '"worker" is not a container of the task definition (containers: app, log_router)', "InvalidOverrides"),
    );
  });

  it("a memoryReservation above the (overridden) memory is refused", () => {
    expect(() => applyTaskOverrides(aTaskDefinition(), override({ memory: 100, memoryReservation: 200 }))).toThrow(/containerOverrides\[0\]: container "app" would get memoryReservation 200, not below its memory 100/);
  });

  it('a memoryReservation equal to memory is refused (ECS: "If you specify both, memory must be greater than memoryReservation.")', () => {
    expect(() => applyTaskOverrides(aTaskDefinition(), override({ memory: 256 }), "spec.overrides")).not.toThrow();
    expect(() => applyTaskOverrides(aTaskDefinition(), override({ memory: 128, memoryReservation: 128 }))).toThrow(/memory must be greater than memoryReservation/);
  });
});
