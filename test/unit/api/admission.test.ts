// Offline admission against the refusal table (one bad manifest per rule) and realistic manifests that must be
// accepted unchanged. The integration suite runs the same table against the real API server.
import { describe, expect, it } from "vitest";
import { admit } from "../../../src/api/admission.ts";
import { KINDS } from "../../../src/api/crds.ts";
import { type CelRule, VALIDATIONS } from "../../../src/api/structural-schema.ts";
import {
  aCapacityProvider,
  aCluster,
  aFargateTaskDefinition,
  aScheduledTask,
  aService,
  aTask,
  aTaskDefinition,
  fargate,
  type Manifest,
  REALISTIC_TASK_DEFINITIONS,
  spot,
} from "./fixtures.ts";
import { REFUSALS } from "./refusals.ts";

describe("each rule refuses its bad manifest with a message that names the field", () => {
  it.each(REFUSALS.map((r) => [r.name, r] as const))("%s", (_, r) => {
    const errors = admit(r.manifest, r.old);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe(r.path);
    expect(errors[0]?.message).toContain(r.message);
  });

  it("every CEL rule of every CRD has a row", () => {
    const refusedBy = new Set(REFUSALS.flatMap((r) => admit(r.manifest, r.old).map((e) => e.rule)));
    const missing = KINDS.flatMap((k) => [...celRules(k.spec)]).filter((rule) => !refusedBy.has(rule));
    expect(missing).toEqual([]);
  });
});

function* celRules(schema: unknown): Generator<string> {
  if (typeof schema !== "object" || schema === null) return;
  const node = schema as Record<string, unknown>;
  for (const r of (node[VALIDATIONS] ?? []) as CelRule[]) yield r.rule;
  for (const [k, v] of Object.entries(node)) if (k !== VALIDATIONS) yield* celRules(v);
}

describe("accepted as written", () => {
  it.each(Object.entries(REALISTIC_TASK_DEFINITIONS))("task definition: %s", (_, spec) => {
    expect(admit(aTaskDefinition(spec))).toEqual([]);
  });

  const accepted: [string, Manifest][] = [
    ["every Fargate size, in units", aFargateTaskDefinition("16384", "122880")],
    [
      "FARGATE with what Fargate allows: SYS_PTRACE, an init process, ulimits, hostPort = containerPort, a host volume without sourcePath",
      aFargateTaskDefinition(256, 512, {
        volumes: [{ name: "scratch", host: {} }],
        containerDefinitions: [
          {
            name: "app",
            image: "app",
            linuxParameters: { capabilities: { add: ["SYS_PTRACE"], drop: ["ALL"] }, initProcessEnabled: true },
            ulimits: [{ name: "nofile", softLimit: 65535, hardLimit: 65535 }],
            portMappings: [{ containerPort: 80, hostPort: 80 }],
            mountPoints: [{ sourceVolume: "scratch", containerPath: "/scratch" }],
          },
        ],
      }),
    ],
    ["Fargate size in vCPU and GB strings", aFargateTaskDefinition("0.25 vCPU", "0.5 GB")],
    ["Fargate size as integers", aFargateTaskDefinition(2048, 4096)],
    ["Windows on Fargate with 1 vCPU", aFargateTaskDefinition("1 vCPU", "2GB", { runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2019_CORE" } })],
    ["base 0 on several providers (ecspresso writes it)", aService({ capacityProviderStrategy: [fargate(1, 1), spot(2, 0)] })],
    ["a lone provider with weight 0", aService({ capacityProviderStrategy: [fargate(0)] })],
    ["an EXTERNAL service without a task definition", aService({ taskDefinition: undefined, deploymentController: { type: "EXTERNAL" } })],
    ["a DAEMON service with a spread strategy (ignored, as it means nothing there)", aService({ schedulingStrategy: "DAEMON", placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }] })],
    [
      "a service with autoscaling, ingress and placement",
      aService({
        loadBalancers: [{ targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/1", containerName: "web", containerPort: 8080 }],
        placementConstraints: [{ type: "distinctInstance" }, { type: "memberOf", expression: "attribute:ecs.cpu-architecture == arm64" }],
        placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }, { type: "binpack", field: "memory" }],
        deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 50, deploymentCircuitBreaker: { enable: true, rollback: true }, strategy: "ROLLING" },
        autoScaling: {
          minCapacity: 2,
          maxCapacity: 20,
          targetTrackingScalingPolicies: [
            {
              policyName: "cpu60",
              targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, scaleInCooldown: 300 },
            },
          ],
          scheduledActions: [{ scheduledActionName: "night", schedule: "cron(0 22 * * ? *)", timezone: "Europe/Berlin", scalableTargetAction: { minCapacity: 1, maxCapacity: 2 } }],
        },
        kubernetes: { ingress: { host: "shop.example.com", className: "nginx", tls: { secretName: "shop-tls" } }, service: { type: "LoadBalancer" } },
      }),
    ],
    ["a task with overrides on spot", aTask({ count: 3, capacityProviderStrategy: [spot(1)], overrides: { containerOverrides: [{ name: "app", command: ["migrate"] }], cpu: "1 vCPU" } })],
    ["a scheduled task every 5 minutes in Berlin time", aScheduledTask({ scheduleExpression: "rate(5 minutes)", scheduleExpressionTimezone: "Europe/Berlin", state: "DISABLED" })],
    ["a cluster with a default strategy", aCluster({ capacityProviders: ["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategy: [fargate(1, 2), spot(4)] })],
    [
      "a FARGATE_SPOT capacity provider on a serverless pool",
      aCapacityProvider(
        {
          name: "FARGATE_SPOT",
          type: "FARGATE",
          spot: true,
          kubernetes: {
            nodeSelector: { "eks.amazonaws.com/compute-type": "fargate" },
            tolerations: [{ key: "eks.amazonaws.com/compute-type", operator: "Equal", value: "fargate", effect: "NoSchedule" }],
            runtimeClassName: "gvisor",
          },
        },
        "fargate-spot",
      ),
    ],
  ];
  it.each(accepted)("%s", (_, m) => {
    expect(admit(m)).toEqual([]);
  });

  it.each(["rate(1 minute)", "rate(12 hours)", "cron(0/15 * * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(15 10 L * ? 2030)", "at(2030-01-01T00:00:00)"])("the schedule %s", (expression) => {
    expect(admit(aScheduledTask({ scheduleExpression: expression }))).toEqual([]);
  });

  it.each(["rate(0 minutes)", "rate(5 weeks)", "cron(0 3 * * *)", "at(2030-01-01 00:00)", "@daily"])("not the schedule %s", (expression) => {
    expect(admit(aScheduledTask({ scheduleExpression: expression })).map((e) => e.path)).toEqual(["spec.scheduleExpression"]);
  });

  it("port names as the ECS console writes them", () => {
    const ports = [{ containerPort: 3000, name: "api-3000-tcp" }, { containerPort: 3001, name: "metrics_3001" }];
    expect(admit(aTaskDefinition({ containerDefinitions: [{ name: "api", image: "api", memory: 128, portMappings: ports }] }))).toEqual([]);
  });

  it("stopping a task is a change it accepts, and a stopped task stays stopped", () => {
    expect(admit(aTask({ desiredStatus: "STOPPED" }), aTask())).toEqual([]);
    expect(admit(aTask({ desiredStatus: "STOPPED" }), aTask({ desiredStatus: "STOPPED" }))).toEqual([]);
  });

  it("refuses a manifest without a spec", () => {
    expect(admit({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "x" } })).toEqual([{ path: "spec", message: "Required value" }]);
  });
});
