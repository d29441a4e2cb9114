// The condition helper's rules: when lastTransitionTime moves, what the three kstatus conditions say for
// each health state, which reasons the API server would reject, and when two lists are the same status.
import { describe, expect, it } from "vitest";
import {
  type Condition,
  conditionsEqual,
  getCondition,
  isConditionTrue,
  setCondition,
  setHealthConditions,
} from "../../../src/runtime/conditions.ts";

const T0 = new Date("2026-01-02T03:04:05.678Z");
const T1 = new Date("2026-01-02T03:09:00.000Z");

const ready = (status: Condition["status"], over: Partial<Condition> = {}): Condition => ({
  type: "Ready",
  status,
  reason: "DeploymentAvailable",
  message: "3 of 3 replicas available",
  lastTransitionTime: "2026-01-01T00:00:00Z",
  ...over,
});

describe("setCondition transitions", () => {
  it("a new condition gets now, in second precision", () => {
    const out = setCondition(undefined, { type: "Ready", status: "True", reason: "DeploymentAvailable", message: "ok" }, T0);
    expect(out).toEqual([
      { type: "Ready", status: "True", reason: "DeploymentAvailable", message: "ok", lastTransitionTime: "2026-01-02T03:04:05Z" },
    ]);
  });

  it("same status keeps the old lastTransitionTime even with a new reason and message", () => {
    const out = setCondition([ready("True")], { type: "Ready", status: "True", reason: "AllHealthy", message: "new words" }, T1);
    expect(out).toEqual([ready("True", { reason: "AllHealthy", message: "new words" })]);
  });

  it("a status flip moves lastTransitionTime to now", () => {
    const out = setCondition([ready("True")], { type: "Ready", status: "False", reason: "DeploymentUnavailable", message: "0 of 3" }, T1);
    expect(out).toEqual([ready("False", { reason: "DeploymentUnavailable", message: "0 of 3", lastTransitionTime: "2026-01-02T03:09:00Z" })]);
  });

  it("True → Unknown is a flip too", () => {
    const out = setCondition([ready("True")], { type: "Ready", status: "Unknown", reason: "Checking", message: "" }, T1);
    expect(out[0]?.lastTransitionTime).toBe("2026-01-02T03:09:00Z");
  });

  it("other conditions are untouched and the order is stable; a new type is appended", () => {
    const other: Condition = { type: "Available", status: "False", reason: "Waiting", message: "m", lastTransitionTime: "2025-12-31T00:00:00Z" };
    const start = [ready("True"), other];
    const replaced = setCondition(start, { type: "Ready", status: "False", reason: "Broken", message: "x" }, T1);
    expect(replaced.map((c) => c.type)).toEqual(["Ready", "Available"]);
    expect(replaced[1]).toEqual(other);
    const appended = setCondition(start, { type: "Progressing", status: "True", reason: "Rolling", message: "" }, T1);
    expect(appended.map((c) => c.type)).toEqual(["Ready", "Available", "Progressing"]);
  });

  it("returns a new array and leaves the input as it was", () => {
    const start = [ready("True")];
    const snapshot = structuredClone(start);
    const out = setCondition(start, { type: "Ready", status: "False", reason: "Broken", message: "x" }, T1);
    expect(out).not.toBe(start);
    expect(start).toEqual(snapshot);
  });

  it("observedGeneration is written when given and dropped when not", () => {
    const withGen = setCondition([ready("True")], { type: "Ready", status: "True", reason: "R", message: "", observedGeneration: 7 }, T1);
    expect(withGen[0]?.observedGeneration).toBe(7);
    const without = setCondition(withGen, { type: "Ready", status: "True", reason: "R", message: "" }, T1);
    expect(without[0]).not.toHaveProperty("observedGeneration");
  });

  it("a message over 32768 bytes is cut to 32768 bytes without splitting a character", () => {
    const ascii = setCondition(undefined, { type: "Ready", status: "False", reason: "R", message: "x".repeat(40_000) }, T0);
    expect(ascii[0]?.message).toBe("x".repeat(32_768));
    // "é" is 2 bytes: 16383 of them fill 32766 bytes, and the next 3-byte "€" would cross the limit.
    const message = "é".repeat(16_383) + "€€";
    const multi = setCondition(undefined, { type: "Ready", status: "False", reason: "R", message }, T0);
    expect(multi[0]?.message).toBe("é".repeat(16_383));
    const exact = setCondition(undefined, { type: "Ready", status: "False", reason: "R", message: "é".repeat(16_384) }, T0);
    expect(exact[0]?.message).toBe("é".repeat(16_384));
  });
});

describe("reason validation (the Kubernetes rule)", () => {
  it.each(["DeploymentUnavailable", "A", "Not_Owned", "Scaled:Up,Down", "R2D2"])("%s is accepted", (reason) => {
    expect(setCondition(undefined, { type: "Ready", status: "True", reason, message: "" }, T0)[0]?.reason).toBe(reason);
  });

  it.each(["", "deployment unavailable", "2Fast", "Ends:", "Ends,", "has-dash", "Dot.ted", "x".repeat(1025)])(
    "%j is rejected with a clear error",
    (reason) => {
      expect(() => setCondition(undefined, { type: "Ready", status: "True", reason, message: "" }, T0)).toThrow(
        /condition Ready: reason .* is not a valid Kubernetes condition reason; use a CamelCase word/,
      );
    },
  );

  it("setHealthConditions validates too", () => {
    expect(() => setHealthConditions(undefined, { state: "stalled", reason: "bad reason", message: "" }, 1, T0)).toThrow(/bad reason/);
  });
});

describe("getCondition / isConditionTrue", () => {
  it("finds by type; absent and non-True are not true", () => {
    const list = [ready("True"), { ...ready("False"), type: "Stalled" }, { ...ready("Unknown"), type: "Reconciling" }];
    expect(getCondition(list, "Stalled")?.status).toBe("False");
    expect(getCondition(list, "Missing")).toBeUndefined();
    expect(getCondition(undefined, "Ready")).toBeUndefined();
    expect(isConditionTrue(list, "Ready")).toBe(true);
    expect(isConditionTrue(list, "Stalled")).toBe(false);
    expect(isConditionTrue(list, "Reconciling")).toBe(false);
    expect(isConditionTrue(list, "Missing")).toBe(false);
    expect(isConditionTrue(undefined, "Ready")).toBe(false);
  });
});

describe("setHealthConditions", () => {
  const t = "2026-01-02T03:04:05Z";

  it("ready → Ready=True, Reconciling=False, Stalled=False, default reason Ready", () => {
    expect(setHealthConditions(undefined, { state: "ready" }, 4, T0)).toEqual([
      { type: "Ready", status: "True", reason: "Ready", message: "", lastTransitionTime: t, observedGeneration: 4 },
      { type: "Reconciling", status: "False", reason: "Ready", message: "", lastTransitionTime: t, observedGeneration: 4 },
      { type: "Stalled", status: "False", reason: "Ready", message: "", lastTransitionTime: t, observedGeneration: 4 },
    ]);
  });

  it("ready with a reason and message puts the message on Ready only", () => {
    expect(setHealthConditions(undefined, { state: "ready", reason: "AllAvailable", message: "3 of 3" }, 4, T0)).toEqual([
      { type: "Ready", status: "True", reason: "AllAvailable", message: "3 of 3", lastTransitionTime: t, observedGeneration: 4 },
      { type: "Reconciling", status: "False", reason: "AllAvailable", message: "", lastTransitionTime: t, observedGeneration: 4 },
      { type: "Stalled", status: "False", reason: "AllAvailable", message: "", lastTransitionTime: t, observedGeneration: 4 },
    ]);
  });

  it("progressing → Ready=False and Reconciling=True with its reason and message, Stalled=False", () => {
    const health = { state: "progressing", reason: "DeploymentProgressing", message: "1 of 3 replicas available" } as const;
    expect(setHealthConditions(undefined, health, 2, T0)).toEqual([
      { type: "Ready", status: "False", reason: "DeploymentProgressing", message: "1 of 3 replicas available", lastTransitionTime: t, observedGeneration: 2 },
      { type: "Reconciling", status: "True", reason: "DeploymentProgressing", message: "1 of 3 replicas available", lastTransitionTime: t, observedGeneration: 2 },
      { type: "Stalled", status: "False", reason: "DeploymentProgressing", message: "", lastTransitionTime: t, observedGeneration: 2 },
    ]);
  });

  it("stalled → Ready=False, Reconciling=False, Stalled=True with its reason and message", () => {
    const health = { state: "stalled", reason: "TaskDefinitionNotFound", message: "TaskDefinition web:3 not found" } as const;
    expect(setHealthConditions(undefined, health, 9, T0)).toEqual([
      { type: "Ready", status: "False", reason: "TaskDefinitionNotFound", message: "TaskDefinition web:3 not found", lastTransitionTime: t, observedGeneration: 9 },
      { type: "Reconciling", status: "False", reason: "TaskDefinitionNotFound", message: "", lastTransitionTime: t, observedGeneration: 9 },
      { type: "Stalled", status: "True", reason: "TaskDefinitionNotFound", message: "TaskDefinition web:3 not found", lastTransitionTime: t, observedGeneration: 9 },
    ]);
  });

  it("progressing → ready moves only the conditions that flipped (Ready, Reconciling), not Stalled", () => {
    const before = setHealthConditions(undefined, { state: "progressing", reason: "Rolling", message: "1 of 3" }, 1, T0);
    const after = setHealthConditions(before, { state: "ready" }, 2, T1);
    expect(after.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ["Ready", "True", "2026-01-02T03:09:00Z"],
      ["Reconciling", "False", "2026-01-02T03:09:00Z"],
      ["Stalled", "False", t],
    ]);
  });

  it("without observedGeneration the conditions carry none", () => {
    for (const c of setHealthConditions(undefined, { state: "ready" }, undefined, T0)) expect(c).not.toHaveProperty("observedGeneration");
  });

  it("keeps other condition types and their positions", () => {
    const own: Condition = { type: "CapacityPlaced", status: "True", reason: "Placed", message: "", lastTransitionTime: t };
    const out = setHealthConditions([own, ready("True")], { state: "ready" }, 1, T1);
    expect(out.map((c) => c.type)).toEqual(["CapacityPlaced", "Ready", "Reconciling", "Stalled"]);
    expect(out[0]).toBe(own);
  });
});

describe("conditionsEqual", () => {
  const a = ready("True");
  const b: Condition = { type: "Stalled", status: "False", reason: "Ready", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" };

  it("ignores order", () => {
    expect(conditionsEqual([a, b], [b, a])).toBe(true);
    expect(conditionsEqual([b, a], [a, b])).toBe(true);
  });

  it("absent and empty are equal", () => {
    expect(conditionsEqual(undefined, [])).toBe(true);
    expect(conditionsEqual(undefined, undefined)).toBe(true);
  });

  it.each([
    ["status", { status: "False" }],
    ["reason", { reason: "Other" }],
    ["message", { message: "other" }],
    ["lastTransitionTime", { lastTransitionTime: "2026-01-01T00:00:01Z" }],
    ["observedGeneration", { observedGeneration: 3 }],
  ] as [string, Partial<Condition>][])("a different %s is a change", (_field, over) => {
    expect(conditionsEqual([a, b], [b, { ...a, ...over }])).toBe(false);
  });

  it("a missing or an extra condition is a change", () => {
    expect(conditionsEqual([a, b], [a])).toBe(false);
    expect(conditionsEqual([a], [a, b])).toBe(false);
    expect(conditionsEqual(undefined, [a])).toBe(false);
  });

  it("duplicates are counted: [a, a, b] is not [a, b, b]", () => {
    expect(conditionsEqual([a, a, b], [a, b, b])).toBe(false);
  });

  it("a condition read back with the same fields equals the computed one", () => {
    const computed = setHealthConditions(undefined, { state: "ready" }, 5, T0);
    const readBack = JSON.parse(JSON.stringify([...computed].reverse())) as Condition[];
    expect(conditionsEqual(computed, readBack)).toBe(true);
  });
});
