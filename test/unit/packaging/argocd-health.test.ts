// The Argo CD health checks (charts/ecs-operator/argocd/*.lua) on hand-written objects of every kind in every
// state, run by gopher-lua in Argo CD's sandbox. The same helper (luaHealth) runs them on real objects in the
// integration tests.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { HEALTH_KINDS, type HealthKind, luaHealth, runHealthScript } from "../../e2e/argocd-health.ts";
import { ROOT } from "../../e2e/tools.ts";

const T = "2026-11-22T01:00:00Z";
type Cond = [type: string, status: "True" | "False" | "Unknown", reason: string, message?: string];

/** An object of `kind` at generation `gen`, with status fields and conditions as given. */
function anObject(kind: HealthKind, opts: { gen?: number; observed?: number | null; conditions?: Cond[]; status?: Record<string, unknown>; spec?: Record<string, unknown>; deleting?: boolean } = {}) {
  const gen = opts.gen ?? 3;
  const status =
    opts.observed === null
      ? undefined
      : {
          observedGeneration: opts.observed ?? gen,
          conditions: (opts.conditions ?? []).map(([type, s, reason, message]) => ({ type, status: s, reason, message: message ?? "", lastTransitionTime: T })),
          ...opts.status,
        };
  return {
    apiVersion: "ecs.operator.dev/v1alpha1",
    kind,
    metadata: { name: "x", namespace: "shop", generation: gen, ...(opts.deleting ? { deletionTimestamp: T, finalizers: ["ecs.operator.dev/cleanup"] } : {}) },
    spec: opts.spec ?? {},
    ...(status ? { status } : {}),
  };
}

const ready: Cond = ["Ready", "True", "Reconciled", "everything is running"];
const notReconciling: Cond = ["Reconciling", "False", "Reconciled"];
const notStalled: Cond = ["Stalled", "False", "Reconciled"];

describe.each(HEALTH_KINDS)("%s.lua", (kind) => {
  it("Ready=True, Reconciling=False, Stalled=False → Healthy", () => {
    expect(luaHealth(kind, anObject(kind, { conditions: [ready, notReconciling, notStalled] })).status).toBe("Healthy");
  });

  it("Reconciling=True → Progressing, with the condition's message", () => {
    const hs = luaHealth(kind, anObject(kind, { conditions: [["Ready", "False", "Progressing", "rolling out"], ["Reconciling", "True", "Progressing", "2 of 4 tasks running"], notStalled] }));
    expect(hs).toEqual({ status: "Progressing", message: "2 of 4 tasks running" });
  });

  it("Stalled=True → Degraded, with the condition's message (even while Reconciling)", () => {
    const hs = luaHealth(kind, anObject(kind, { conditions: [["Ready", "False", "InvalidSpec"], ["Reconciling", "True", "Progressing"], ["Stalled", "True", "InvalidSpec", "spec.taskDefinition: web:9 not found"]] }));
    expect(hs).toEqual({ status: "Degraded", message: "spec.taskDefinition: web:9 not found" });
  });

  it("deletionTimestamp set → Progressing, whatever the conditions say", () => {
    expect(luaHealth(kind, anObject(kind, { deleting: true, conditions: [ready] }))).toEqual({ status: "Progressing", message: `${kind} is being deleted` });
  });

  it("deletionTimestamp set and Reconciling=True → Progressing, saying what the deletion waits for (even if Stalled)", () => {
    const waits: Cond = ["Reconciling", "True", "ClusterContainsServices", "it still contains 1 active service (web)"];
    expect(luaHealth(kind, anObject(kind, { deleting: true, conditions: [["Ready", "False", "Deleting"], waits, ["Stalled", "True", "X", "x"]] }))).toEqual({
      status: "Progressing",
      message: `${kind} is being deleted: it still contains 1 active service (web)`,
    });
    expect(luaHealth(kind, anObject(kind, { deleting: true, conditions: [["Reconciling", "True", "Deleting", ""]] }))).toEqual({ status: "Progressing", message: `${kind} is being deleted` });
  });

  it("observedGeneration behind generation → Progressing, even if Ready=True", () => {
    const hs = luaHealth(kind, anObject(kind, { gen: 4, observed: 3, conditions: [ready] }));
    expect(hs).toEqual({ status: "Progressing", message: "Waiting for the controller to observe generation 4" });
  });

  it("no status yet → Progressing", () => {
    expect(luaHealth(kind, anObject(kind, { observed: null })).status).toBe("Progressing");
  });

  it("status without a Ready condition, or Ready=Unknown → Progressing", () => {
    expect(luaHealth(kind, anObject(kind, { conditions: [] })).status).toBe("Progressing");
    expect(luaHealth(kind, anObject(kind, { conditions: [["Ready", "Unknown", "Starting"]] })).status).toBe("Progressing");
  });

  it("Ready=False without Reconciling or Stalled → Degraded, message falls back to the reason", () => {
    expect(luaHealth(kind, anObject(kind, { conditions: [["Ready", "False", "NotOwned"], notReconciling, notStalled] }))).toEqual({ status: "Degraded", message: "NotOwned" });
  });
});

describe("kind-specific health", () => {
  it("Service: Healthy says how many tasks run", () => {
    const hs = luaHealth("Service", anObject("Service", { conditions: [ready], status: { runningCount: 4, desiredCount: 4 } }));
    expect(hs).toEqual({ status: "Healthy", message: "4/4 tasks running. everything is running" });
  });

  it("TaskDefinition: Healthy names the latest revision", () => {
    expect(luaHealth("TaskDefinition", anObject("TaskDefinition", { conditions: [ready], status: { taskDefinitionArn: "web:7" } })).message).toBe("web:7: everything is running");
  });

  it("ScheduledTask: state DISABLED → Suspended", () => {
    expect(luaHealth("ScheduledTask", anObject("ScheduledTask", { conditions: [ready], spec: { state: "DISABLED" } })).status).toBe("Suspended");
  });

  const stopped = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    anObject("Task", { conditions: [["Ready", "False", "TaskStopped"], notReconciling, notStalled], status: { lastStatus: "STOPPED", ...status }, spec });

  it("Task: STOPPED with every container exited 0 → Healthy (completed, like a Job)", () => {
    const hs = luaHealth("Task", stopped({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", tasks: [{ podName: "p", containers: [{ name: "app", exitCode: 0 }, { name: "envoy", exitCode: 0 }] }] }));
    expect(hs).toEqual({ status: "Healthy", message: "Completed: Essential container in task exited" });
  });

  it("Task: STOPPED with a non-zero exit → Degraded naming the container and code", () => {
    const hs = luaHealth("Task", stopped({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", tasks: [{ podName: "p", containers: [{ name: "app", exitCode: 3 }] }] }));
    expect(hs).toEqual({ status: "Degraded", message: "container app exited with code 3: Essential container in task exited" });
  });

  it("Task: STOPPED by a spot interruption or a failed start → Degraded", () => {
    expect(luaHealth("Task", stopped({ stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted." })).status).toBe("Degraded");
    expect(luaHealth("Task", stopped({ stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError" }))).toEqual({ status: "Degraded", message: "CannotPullContainerError" });
  });

  it("Task: stopped as requested (spec.desiredStatus STOPPED) → Healthy", () => {
    expect(luaHealth("Task", stopped({ stopCode: "UserInitiated", stoppedReason: "Task stopped by user" }, { desiredStatus: "STOPPED" })).status).toBe("Healthy");
  });

  it("Task: RUNNING and Ready → Healthy", () => {
    expect(luaHealth("Task", anObject("Task", { conditions: [ready], status: { lastStatus: "RUNNING" } })).status).toBe("Healthy");
  });
});

describe("the runner is Argo CD's sandbox", () => {
  const script = (text: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), "lua-")), "s.lua");
    writeFileSync(file, text);
    return file;
  };

  it("has no string library (custom checks in argocd-cm run without it)", () => {
    expect(() => runHealthScript(script('return { status = string.upper("healthy") }'), {})).toThrow(/non-table object\(nil\) with key 'upper'/);
  });

  it("has no io and no os.execute", () => {
    expect(() => runHealthScript(script('io.open("/etc/passwd")\nreturn { status = "Healthy" }'), {})).toThrow(/non-table object\(nil\) with key 'open'/);
    expect(() => runHealthScript(script('os.execute("true")\nreturn { status = "Healthy" }'), {})).toThrow(/attempt to call a non-function/);
  });

  it("a status Argo CD does not know becomes Unknown", () => {
    expect(runHealthScript(script('return { status = "Fine" }'), {})).toEqual({ status: "Unknown", message: "Lua returned an invalid health status" });
  });

  it("JSON arrays are 1-based sequences and numbers are numbers", () => {
    const hs = runHealthScript(script('return { status = "Healthy", message = obj.items[2].name .. tostring(obj.n + 1) }'), { items: [{ name: "a" }, { name: "b" }], n: 41 });
    expect(hs.message).toBe("b42");
  });
});

describe("docs/argocd.md", () => {
  it("shows the Service health check as Service.lua has it (without its header comment)", () => {
    const doc = readFileSync(join(ROOT, "docs/argocd.md"), "utf8");
    const block = /```yaml\n(apiVersion: v1\nkind: ConfigMap[\s\S]*?)```/.exec(doc)?.[1] ?? "";
    const data = (load(block) as { data: Record<string, string> }).data;
    const script = readFileSync(join(ROOT, "charts/ecs-operator/argocd/Service.lua"), "utf8").replace(/^(--[^\n]*\n)+/, "");
    expect(data["resource.customizations.health.ecs.operator.dev_Service"]).toBe(script);
  });
});
