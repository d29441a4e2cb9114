// ECS placement constraints and strategies → pod scheduling fields, one row per rule.
import { SpecError } from "../../../src/api/spec-error.ts";
import { describe, expect, it } from "vitest";
import {
  buildPlacement,
  DEFAULT_BINPACK_SCHEDULER,
  type PlacementConstraintInput,
  type PlacementContext,
  type PlacementStrategyInput,
} from "../../../src/builders/placement/placement.ts";
import { UNSATISFIABLE_LABEL } from "../../../src/api/keys.ts";

const POD_LABELS = { "ecs.operator.dev/service": "web" };
const CTX: PlacementContext = { podLabels: POD_LABELS };
const HOST = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";
const TYPE = "node.kubernetes.io/instance-type";

const spreadOver = (topologyKey: string): unknown => ({
  maxSkew: 1,
  topologyKey,
  whenUnsatisfiable: "ScheduleAnyway",
  labelSelector: { matchLabels: POD_LABELS },
  nodeTaintsPolicy: "Honor",
});
const memberOf = (expression: string): PlacementConstraintInput => ({ type: "memberOf", expression });
const distinctInstance: PlacementConstraintInput = { type: "distinctInstance" };
const spread = (field: string): PlacementStrategyInput => ({ type: "spread", field });
const binpack = (field: string): PlacementStrategyInput => ({ type: "binpack", field });
const random: PlacementStrategyInput = { type: "random" };

function refusal(run: () => unknown): SpecError {
  try {
    run();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error("expected a SpecError");
}

describe("strategies", () => {
  it.each<[string, PlacementStrategyInput[], unknown[] | undefined]>([
    ["random → nothing", [random], undefined],
    ["spread instanceId → topology spread per node", [spread("instanceId")], [spreadOver(HOST)]],
    ["spread host → topology spread per node", [spread("host")], [spreadOver(HOST)]],
    ["spread attribute:ecs.availability-zone → topology spread per zone", [spread("attribute:ecs.availability-zone")], [spreadOver(ZONE)]],
    ["spread attribute:ecs.instance-type → per instance type label", [spread("attribute:ecs.instance-type")], [spreadOver(TYPE)]],
    ["spread over a custom attribute → its label", [spread("attribute:rack")], [spreadOver("rack")]],
    [
      "spread zone, then instanceId (the ECS console's AZ balanced spread) → both, in order",
      [spread("attribute:ecs.availability-zone"), spread("instanceId")],
      [spreadOver(ZONE), spreadOver(HOST)],
    ],
    ["spread instanceId and host → once", [spread("instanceId"), spread("host")], [spreadOver(HOST)]],
  ])("%s", (_, strategies, expected) => {
    const placement = buildPlacement(undefined, strategies, CTX);
    expect(placement.topologySpreadConstraints).toEqual(expected);
    expect(placement.affinity).toBeUndefined();
    expect(placement.schedulerName).toBeUndefined();
  });

  it("spread honours ctx.hostTopologyKey and ctx.customAttributePrefix", () => {
    const placement = buildPlacement(undefined, [spread("host"), spread("attribute:rack")], {
      ...CTX,
      hostTopologyKey: "example.com/node",
      customAttributePrefix: "attributes.example.com/",
    });
    expect(placement.topologySpreadConstraints).toEqual([spreadOver("example.com/node"), spreadOver("attributes.example.com/rack")]);
  });

  it.each([
    ["binpack cpu → the default binpack scheduler", [binpack("cpu")], {}, DEFAULT_BINPACK_SCHEDULER],
    ["binpack memory → the default binpack scheduler", [binpack("memory")], {}, "ecs-binpack"],
    ["binpack → the configured scheduler", [binpack("memory")], { binpackSchedulerName: "packer" }, "packer"],
    ["binpack cpu then memory → one scheduler", [binpack("cpu"), binpack("memory")], {}, "ecs-binpack"],
  ])("%s", (_, strategies, ctx, scheduler) => {
    const placement = buildPlacement(undefined, strategies, { ...CTX, ...ctx });
    expect(placement.schedulerName).toBe(scheduler);
    expect(placement.affinity).toBeUndefined();
    expect(placement.notes).toEqual([expect.stringContaining(`uses the scheduler "${scheduler}"`)]);
  });

  it.each([null, ""])("binpack without a scheduler (%j) → preferred affinity to the workload's own pods, with a note", (name) => {
    const placement = buildPlacement(undefined, [binpack("memory")], { ...CTX, binpackSchedulerName: name });
    expect(placement.schedulerName).toBeUndefined();
    expect(placement.affinity).toEqual({
      podAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: POD_LABELS }, topologyKey: HOST } }],
      },
    });
    expect(placement.notes).toEqual([expect.stringContaining("no binpack scheduler is configured")]);
  });

  it("the ECS docs' AZ spread then binpack memory → spread per zone on the binpack scheduler", () => {
    const placement = buildPlacement(undefined, [spread("attribute:ecs.availability-zone"), binpack("memory")], CTX);
    expect(placement.topologySpreadConstraints).toEqual([spreadOver(ZONE)]);
    expect(placement.schedulerName).toBe("ecs-binpack");
  });

  it.each<[string, PlacementStrategyInput, string, string]>([
    ["spread on cpu", spread("cpu"), "placementStrategy[0].field", 'spread needs instanceId, host or attribute:<name>, not "cpu"'],
    ["spread without a field", { type: "spread" }, "placementStrategy[0].field", 'not ""'],
    ["spread on attribute: alone", spread("attribute:"), "placementStrategy[0].field", 'not "attribute:"'],
    ["spread on an attribute no label can carry", spread("attribute:a/b/c"), "placementStrategy[0].field", '"a/b/c" is not a valid Kubernetes label key'],
    ["binpack on instanceId", binpack("instanceId"), "placementStrategy[0].field", 'binpack packs by cpu or memory, not "instanceId"'],
    ["an unknown type", { type: "fill" }, "placementStrategy[0].type", '"fill" is not a strategy type'],
  ])("refuses %s", (_, strategy, field, reason) => {
    const error = refusal(() => buildPlacement(undefined, [strategy], CTX));
    expect(error.field).toBe(field);
    expect(error.reason).toContain(reason);
    expect(error.message).toBe(`${error.field}: ${error.reason}`);
  });
});

describe("constraints", () => {
  it("distinctInstance → required pod anti-affinity to the workload's pods, per node", () => {
    expect(buildPlacement([distinctInstance], undefined, CTX).affinity).toEqual({
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: POD_LABELS }, topologyKey: HOST }] },
    });
  });

  it("distinctInstance twice → one term", () => {
    expect(buildPlacement([distinctInstance, distinctInstance], undefined, CTX).affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it("memberOf → required node affinity", () => {
    expect(buildPlacement([memberOf("attribute:ecs.instance-type == t2.micro")], undefined, CTX).affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: TYPE, operator: "In", values: ["t2.micro"] }] }],
        },
      },
    });
  });

  it("two memberOf constraints must both hold → their node selectors ANDed", () => {
    const placement = buildPlacement(
      [memberOf("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"), memberOf("attribute:ecs.instance-type == t2.micro || attribute:gpu exists")],
      undefined,
      CTX,
    );
    expect(placement.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: ZONE, operator: "In", values: ["us-east-1a", "us-east-1b"] },
          { key: TYPE, operator: "In", values: ["t2.micro"] },
        ],
      },
      {
        matchExpressions: [
          { key: ZONE, operator: "In", values: ["us-east-1a", "us-east-1b"] },
          { key: "gpu", operator: "Exists" },
        ],
      },
    ]);
  });

  it("two memberOf constraints that contradict each other → no node", () => {
    const placement = buildPlacement([memberOf("attribute:stack == prod"), memberOf("attribute:stack == dev")], undefined, CTX);
    expect(placement.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: UNSATISFIABLE_LABEL, operator: "Exists" },
          { key: UNSATISFIABLE_LABEL, operator: "DoesNotExist" },
        ],
      },
    ]);
  });

  it("memberOf task:group with distinctInstance → both anti-affinity terms, and the affinity", () => {
    const placement = buildPlacement([distinctInstance, memberOf("task:group == databases && not(task:group == service:batch)")], undefined, CTX);
    expect(placement.affinity).toEqual({
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchExpressions: [{ key: "ecs.operator.dev/group", operator: "In", values: ["databases"] }] }, topologyKey: HOST },
        ],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: POD_LABELS }, topologyKey: HOST },
          { labelSelector: { matchExpressions: [{ key: "ecs.operator.dev/group", operator: "In", values: ["service.batch"] }] }, topologyKey: HOST },
        ],
      },
    });
  });

  it("memberOf that matches every node → no node affinity", () => {
    expect(buildPlacement([memberOf("runningTasksCount < 5")], undefined, CTX).affinity).toBeUndefined();
  });

  it("unsupported and notes name the constraint", () => {
    const placement = buildPlacement([distinctInstance, memberOf("runningTasksCount < 5 && attribute:ecs.instance-type =~ p4.*")], undefined, CTX);
    expect(placement.unsupported).toEqual([expect.stringMatching(/^placementConstraints\[1\]\.expression: runningTasksCount < 5 \(column 1\): /)]);
    expect(placement.notes).toEqual([
      expect.stringMatching(/^placementConstraints\[1\]\.expression: attribute:ecs\.instance-type =~ p4\.\* \(column 26\): no node has/),
      expect.stringMatching(/^placementConstraints\[1\]\.expression: no node can meet the expression/),
    ]);
  });

  it("dependsOnLabels of every memberOf, sorted, once", () => {
    const placement = buildPlacement(
      [memberOf("attribute:ecs.instance-type =~ t2.*"), memberOf("ec2InstanceId =~ i-.* && attribute:ecs.instance-type == m5.*")],
      undefined,
      { ...CTX, nodeLabelValues: { [TYPE]: ["t2.micro", "m5.large"], [HOST]: ["i-1"] } },
    );
    expect(placement.dependsOnLabels).toEqual([HOST, TYPE]);
  });

  it("a bad expression → SpecError naming the constraint and the column", () => {
    const error = refusal(() => buildPlacement([distinctInstance, memberOf("attribute:ecs.instance-type == && attribute:x exists")], undefined, CTX));
    expect(error.field).toBe("placementConstraints[1].expression");
    expect(error.column).toBe(32);
    expect(error.message).toBe('placementConstraints[1].expression: unexpected "&&" at column 32, expected a value after "=="');
  });

  it("a non-integer comparison → SpecError with the column", () => {
    const error = refusal(() => buildPlacement([memberOf("attribute:cores >= 2.5")], undefined, CTX));
    expect(error.field).toBe("placementConstraints[0].expression");
    expect(error.column).toBe(20);
  });

  it("memberOf constraints that together exceed the cap → SpecError on placementConstraints", () => {
    const pairs = (p: string): string => [1, 2, 3].map((i) => `(attribute:${p}${i} exists || attribute:${p}x${i} exists)`).join(" && ");
    const error = refusal(() => buildPlacement([memberOf(pairs("a")), memberOf(pairs("b"))], undefined, { ...CTX, maxTerms: 32 }));
    expect(error.field).toBe("placementConstraints");
    expect(error.reason).toContain("up to index 1 expand to 64 alternatives (nodeSelectorTerms), more than 32");
  });

  it.each<[string, PlacementConstraintInput, string, string]>([
    ["memberOf without an expression", { type: "memberOf" }, "placementConstraints[0].expression", "a memberOf constraint needs an expression"],
    ["an unknown type", { type: "sameZone" }, "placementConstraints[0].type", '"sameZone" is not a constraint type: use distinctInstance or memberOf'],
  ])("refuses %s", (_, constraint, field, reason) => {
    const error = refusal(() => buildPlacement([constraint], undefined, CTX));
    expect(error.field).toBe(field);
    expect(error.reason).toBe(reason);
  });

  it("refuses to count every pod of the namespace: podLabels must not be empty", () => {
    expect(() => buildPlacement([distinctInstance], undefined, { podLabels: {} })).toThrow("ctx.podLabels is empty");
  });
});

describe("constraints and strategies together", () => {
  it("nothing → an empty placement", () => {
    expect(buildPlacement(undefined, undefined, CTX)).toEqual({ unsupported: [], notes: [], dependsOnLabels: [] });
    expect(buildPlacement([], [], CTX)).toEqual({ unsupported: [], notes: [], dependsOnLabels: [] });
  });

  it("memberOf, distinctInstance, spread and binpack each land in their field", () => {
    const placement = buildPlacement(
      [memberOf("attribute:ecs.os-type == linux"), distinctInstance],
      [spread("attribute:ecs.availability-zone"), binpack("cpu")],
      CTX,
    );
    expect(placement).toEqual({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }] },
        },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: POD_LABELS }, topologyKey: HOST }] },
      },
      topologySpreadConstraints: [spreadOver(ZONE)],
      schedulerName: "ecs-binpack",
      unsupported: [],
      notes: [expect.stringContaining("placementStrategy[1]: binpack by cpu")],
      dependsOnLabels: [],
    });
  });

  it("the pod labels are copied, not shared", () => {
    const podLabels = { app: "web" };
    const placement = buildPlacement([distinctInstance], undefined, { podLabels });
    podLabels.app = "changed";
    expect(placement.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.labelSelector?.matchLabels).toEqual({ app: "web" });
  });
});
