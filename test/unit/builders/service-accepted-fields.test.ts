// Issue 13: nothing a Service accepts is silently ignored. Each row names a CreateService field that changes nothing
// here and the reason the Supported condition gives; the plan row checks that the condition carries them.
import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../../src/api/service.ts";
import { serviceAcceptedUnusedFields } from "../../../src/builders/service/accepted-fields.ts";
import { planService } from "../../../src/controllers/service/plan.ts";
import { aService, NOW, observing } from "../controllers/service-plan-fixtures.ts";

describe("serviceAcceptedUnusedFields", () => {
  it.each<[string, ServiceSpec, string[]]>([
    ["availabilityZoneRebalancing ENABLED: running tasks are not moved between zones", { availabilityZoneRebalancing: "ENABLED" }, ["spec.availabilityZoneRebalancing"]],
    ["availabilityZoneRebalancing DISABLED is what happens here: nothing to report", { availabilityZoneRebalancing: "DISABLED" }, []],
    ["earlySuccessCriteria: deployments do not end early", { deploymentConfiguration: { earlySuccessCriteria: { enable: true, healthyPercent: 50 } } }, ["spec.deploymentConfiguration.earlySuccessCriteria"]],
    ["earlySuccessCriteria switched off: nothing to report", { deploymentConfiguration: { earlySuccessCriteria: { enable: false } } }, []],
    ["clientToken, platformVersion, role and enableExecuteCommand", { clientToken: "t", platformVersion: "1.4.0", role: "arn:aws:iam::111122223333:role/ecsServiceRole", enableExecuteCommand: true }, ["spec.clientToken", "spec.platformVersion", "spec.role", "spec.enableExecuteCommand"]],
    ["a field a newer CreateService API added", { taskDefinition: "web", ...({ futureKnob: { x: 1 } } as Record<string, unknown>) }, ["spec.futureKnob"]],
    ["a plain service: nothing", { taskDefinition: "web", desiredCount: 2 }, []],
  ])("%s", (_n, spec, fields) => {
    const out = serviceAcceptedUnusedFields(spec);
    expect(out.map((u) => u.field)).toEqual(fields);
    for (const u of out) expect(u.reason.length).toBeGreaterThan(10);
  });

  it("the Service's Supported condition names them", () => {
    const plan = planService(observing(aService({ availabilityZoneRebalancing: "ENABLED", platformVersion: "LATEST" })), NOW);
    const supported = plan.status?.conditions?.find((c) => c.type === "Supported");
    expect(supported).toMatchObject({ status: "False", reason: "UnsupportedFields" });
    expect(supported?.message).toContain("spec.availabilityZoneRebalancing (running tasks are not moved between zones");
    expect(supported?.message).toContain("spec.platformVersion (Fargate platform versions have no counterpart");
  });
});
