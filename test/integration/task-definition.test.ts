// The TaskDefinition controller against the real control plane: revisions 1, 2, 3 as ControllerRevisions,
// references that resolve, deregistration, pruning that respects revisions in use, Stalled for what CEL cannot
// check, Supported for unknown fields, and a resync that writes nothing.
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION, type TaskDefinitionSpec, type TaskDefinitionStatus } from "../../src/api/index.ts";
import { registerTaskDefinitionController, type TaskDefinitionControllerOptions } from "../../src/controllers/task-definition/controller.ts";
import { TaskDefinitions, type ControllerRevisionObject, type TaskDefinitionObject } from "../../src/controllers/task-definition/resources.ts";
import type { TaskDefinitionResolver } from "../../src/controllers/task-definition/resolver.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import type { Condition } from "../../src/runtime/conditions.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { ControllerRevisions, resourcePath } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const managers: Manager[] = [];

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

async function startController(namespace: string, opts: Omit<TaskDefinitionControllerOptions, "namespace"> = {}, resyncMs?: number): Promise<{ mgr: Manager; resolver: TaskDefinitionResolver }> {
  const mgr = new Manager({ kubeConfig: kc, identity: "td-test", logger: createLogger({ level: "error" }), http: { host: "127.0.0.1", port: 0 }, resyncMs });
  managers.push(mgr);
  const { resolver } = registerTaskDefinitionController(mgr, { namespace, ...opts });
  await mgr.start();
  return { mgr, resolver };
}

const container = (name: string, fields: Record<string, unknown> = {}) => ({ name, image: `registry.example.com/${name}:1.0`, memory: 128, ...fields });

function create(namespace: string, name: string, spec: Record<string, unknown>): Promise<TaskDefinitionObject> {
  return apiRequest<TaskDefinitionObject>(kc, { method: "POST", path: resourcePath(TaskDefinitions, namespace), body: { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name }, spec } });
}

/** Replaces the whole spec (a JSON patch: a merge patch would keep fields the new spec leaves out). */
function replaceSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<TaskDefinitionObject> {
  return apiRequest<TaskDefinitionObject>(kc, { method: "PATCH", path: resourcePath(TaskDefinitions, namespace, name), contentType: "application/json-patch+json", body: [{ op: "replace", path: "/spec", value: spec }] });
}

function read(namespace: string, name: string): Promise<TaskDefinitionObject> {
  return apiRequest<TaskDefinitionObject>(kc, { method: "GET", path: resourcePath(TaskDefinitions, namespace, name) });
}

async function revisionsIn(namespace: string): Promise<ControllerRevisionObject[]> {
  const list = await apiRequest<{ items: ControllerRevisionObject[] }>(kc, { method: "GET", path: resourcePath(ControllerRevisions, namespace) });
  return list.items.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

const condition = (td: TaskDefinitionObject, type: string): Condition | undefined => (td.status?.conditions)?.find((c) => c.type === type);

/** Waits until the controller has seen the current generation and the status satisfies `ok`. */
function statusWhen(namespace: string, name: string, what: string, ok: (s: TaskDefinitionStatus, td: TaskDefinitionObject) => boolean, timeoutMs?: number): Promise<TaskDefinitionObject> {
  return eventually(
    `TaskDefinition ${name}: ${what}`,
    async () => {
      const td = await read(namespace, name);
      return td.status && td.status.observedGeneration === td.metadata?.generation && ok(td.status, td) ? td : undefined;
    },
    timeoutMs,
  );
}

async function scrape(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`).exec(line);
    if (m) sum += Number(m[2]);
  }
  return sum;
}

describe("TaskDefinition: revisions", () => {
  it("editing a TaskDefinition twice yields revisions 1, 2, 3, and family:2 still resolves", async () => {
    const ns = await testNamespace(kc, "td-revisions");
    const { resolver } = await startController(ns);
    const v1 = { family: "web", containerDefinitions: [container("app", { environment: [{ name: "V", value: "1" }] })] };
    const v2 = { ...v1, containerDefinitions: [container("app", { environment: [{ name: "V", value: "2" }] })] };
    const v3 = { ...v1, containerDefinitions: [container("app", { environment: [{ name: "V", value: "3" }] })] };

    await create(ns, "web", v1);
    await statusWhen(ns, "web", "revision 1", (s) => s.revision === 1);
    await replaceSpec(ns, "web", v2);
    await statusWhen(ns, "web", "revision 2", (s) => s.revision === 2);
    await replaceSpec(ns, "web", v3);
    const td = await statusWhen(ns, "web", "revision 3", (s) => s.revision === 3);

    expect(td.status).toMatchObject({ family: "web", revision: 3, status: "ACTIVE", taskDefinitionArn: "web:3" });
    expect(td.status?.revisions?.map((r) => [r.revision, r.status])).toEqual([[1, "ACTIVE"], [2, "ACTIVE"], [3, "ACTIVE"]]);
    expect(condition(td, "Ready")).toMatchObject({ status: "True", reason: "RevisionRegistered" });

    const crs = await revisionsIn(ns);
    expect(crs.map((c) => [c.metadata?.name, c.revision, c.metadata?.labels?.["ecs.operator.dev/family"], c.metadata?.labels?.["ecs.operator.dev/revision"]])).toEqual([
      ["web-1", 1, "web", "1"],
      ["web-2", 2, "web", "2"],
      ["web-3", 3, "web", "3"],
    ]);
    expect(crs.every((c) => c.metadata?.ownerReferences?.[0]?.uid === td.metadata?.uid)).toBe(true);
    expect((crs[1]?.data as TaskDefinitionSpec).containerDefinitions[0]?.environment).toEqual([{ name: "V", value: "2" }]);

    const two = await eventually("web:2 resolves", () => Promise.resolve(resolver.resolveTaskDefinition("web:2", ns)).then((r) => (r.ok ? r.value : undefined)));
    expect(two).toMatchObject({ family: "web", revision: 2, status: "ACTIVE", reference: "web:2", controllerRevision: "web-2" });
    expect(two.spec.containerDefinitions[0]?.environment).toEqual([{ name: "V", value: "2" }]);
    expect(resolver.resolveTaskDefinition("arn:aws:ecs:eu-west-1:111122223333:task-definition/web:2", ns)).toMatchObject({ ok: true, value: { revision: 2 } });
    expect(resolver.resolveTaskDefinition("web", ns)).toMatchObject({ ok: true, value: { revision: 3 } });
    expect(resolver.resolveTaskDefinition("web:9", ns)).toMatchObject({ ok: false, reason: "NotFound", message: expect.stringContaining("has no revision 9 (registered: 1, 2, 3)") as unknown });
    expect(resolver.resolveTaskDefinition("nope:1", ns)).toMatchObject({ ok: false, reason: "NotFound" });
    expect(resolver.resolveTaskDefinition("web:x", ns)).toMatchObject({ ok: false, reason: "InvalidReference" });

    // An edit that changes nothing a revision holds (cpu written differently, the history limit) registers nothing.
    await replaceSpec(ns, "web", { ...v3, kubernetes: { revisionHistoryLimit: 10 } });
    const same = await statusWhen(ns, "web", "the edit observed", () => true);
    expect(same.status?.revision).toBe(3);
    expect(await revisionsIn(ns)).toHaveLength(3);

    // Back to the first spec: a new revision, as RegisterTaskDefinition would.
    await replaceSpec(ns, "web", v1);
    await statusWhen(ns, "web", "revision 4", (s) => s.revision === 4);
    expect((await revisionsIn(ns)).map((c) => c.metadata?.labels?.["ecs.operator.dev/spec-hash"])).toSatisfy((h: string[]) => h[0] === h[3] && h[0] !== h[1]);
  });

  it("deregistering makes a revision INACTIVE: family:N still resolves to it, family skips it", async () => {
    const ns = await testNamespace(kc, "td-dereg");
    const { resolver } = await startController(ns);
    const spec = (v: string) => ({ containerDefinitions: [container("app", { command: ["echo", v] })] });
    await create(ns, "api", spec("1"));
    await statusWhen(ns, "api", "revision 1", (s) => s.revision === 1);
    await replaceSpec(ns, "api", spec("2"));
    await statusWhen(ns, "api", "revision 2", (s) => s.revision === 2);

    await replaceSpec(ns, "api", { ...spec("2"), kubernetes: { deregisteredRevisions: [2] } });
    const td = await statusWhen(ns, "api", "revision 2 INACTIVE", (s) => s.status === "INACTIVE");
    expect(td.status?.revision).toBe(2);
    expect(td.status?.revisions?.map((r) => [r.revision, r.status])).toEqual([[1, "ACTIVE"], [2, "INACTIVE"]]);
    expect(td.status?.revisions?.[1]?.deregisteredAt).toMatch(/Z$/);
    expect(await revisionsIn(ns)).toHaveLength(2);

    await eventually("api resolves to the latest ACTIVE revision, 1", () => Promise.resolve(resolver.resolveTaskDefinition("api", ns)).then((r) => r.ok && r.value.revision === 1));
    expect(resolver.resolveTaskDefinition("api:2", ns)).toMatchObject({ ok: true, value: { revision: 2, status: "INACTIVE" } });
  });
});

describe("TaskDefinition: rapid edits", () => {
  it("edits faster than the caches never reuse a number nor register one spec twice in a row", async () => {
    const ns = await testNamespace(kc, "td-rapid");
    await startController(ns);
    const spec = (v: number) => ({ containerDefinitions: [container("app", { command: ["v", String(v)] })] });
    await create(ns, "fast", spec(0));
    for (let v = 1; v <= 8; v++) await replaceSpec(ns, "fast", spec(v));
    const td = await statusWhen(ns, "fast", "the last edit registered", (s) => s.revisions?.length === s.revision && (s.revision ?? 0) >= 2);
    const crs = await eventually("the revisions listed in status exist", async () => {
      const list = await revisionsIn(ns);
      return list.length === td.status?.revision ? list : undefined;
    });
    expect(crs.map((c) => c.revision)).toEqual(crs.map((_, i) => i + 1));
    const hashes = crs.map((c) => c.metadata?.labels?.["ecs.operator.dev/spec-hash"]);
    for (let i = 1; i < hashes.length; i++) expect(hashes[i]).not.toBe(hashes[i - 1]);
    expect((crs.at(-1)?.data as TaskDefinitionSpec).containerDefinitions[0]?.command).toEqual(["v", "8"]);
  });
});

describe("TaskDefinition: a change of spec.family", () => {
  it("starts the new family at revision 1 and prunes the former family's revisions once unused", async () => {
    const ns = await testNamespace(kc, "td-refamily");
    const { resolver } = await startController(ns);
    await create(ns, "svc", { family: "alpha", containerDefinitions: [container("app")] });
    await statusWhen(ns, "svc", "alpha:1", (s) => s.taskDefinitionArn === "alpha:1");
    await replaceSpec(ns, "svc", { family: "beta", containerDefinitions: [container("app")] });
    const td = await statusWhen(ns, "svc", "beta:1", (s) => s.taskDefinitionArn === "beta:1");
    expect(td.status?.revisions?.map((r) => r.revision)).toEqual([1]);
    const crs = await eventually("alpha's revision pruned", async () => {
      const list = await revisionsIn(ns);
      return list.length === 1 ? list : undefined;
    });
    expect(crs[0]?.metadata?.annotations?.["ecs.operator.dev/family"]).toBe("beta");
    expect(crs[0]?.metadata?.name).toMatch(/^svc-1-[0-9a-f]{6}$/);
    await eventually("beta:1 resolves", () => Promise.resolve(resolver.resolveTaskDefinition("beta:1", ns).ok));
    expect(resolver.resolveTaskDefinition("alpha:1", ns)).toMatchObject({ ok: false, reason: "NotFound" });
  });
});

describe("TaskDefinition: pruning", () => {
  it("prunes revisions past revisionHistoryLimit, but never one in use, until it falls out of use", async () => {
    const ns = await testNamespace(kc, "td-prune");
    const inUse = new Set<number>([1]);
    await startController(ns, { inUse: (namespace, family, n) => namespace === ns && family === "jobs" && inUse.has(n), inUseRecheckMs: 500 });
    const spec = (v: number) => ({ family: "jobs", containerDefinitions: [container("job", { command: ["run", String(v)] })], kubernetes: { revisionHistoryLimit: 2 } });
    await create(ns, "jobs", spec(1));
    for (let v = 2; v <= 4; v++) {
      await statusWhen(ns, "jobs", `revision ${v - 1}`, (s) => s.revision === v - 1);
      await replaceSpec(ns, "jobs", spec(v));
    }
    await statusWhen(ns, "jobs", "revision 4", (s) => s.revision === 4);
    // Limit 2 keeps 3 and 4; 2 goes; 1 stays because it is in use.
    await eventually("revision 2 pruned", async () => (await revisionsIn(ns)).map((c) => c.revision).join() === "1,3,4");
    const td = await statusWhen(ns, "jobs", "status lists 1, 3, 4", (s) => s.revisions?.map((r) => r.revision).join() === "1,3,4");
    expect(td.status?.revision).toBe(4);

    inUse.delete(1);
    await eventually("revision 1 pruned once out of use", async () => (await revisionsIn(ns)).map((c) => c.revision).join() === "3,4", 30_000);
    await statusWhen(ns, "jobs", "status lists 3, 4", (s) => s.revisions?.map((r) => r.revision).join() === "3,4");

    // Numbers are never reused after pruning.
    await replaceSpec(ns, "jobs", spec(5));
    await statusWhen(ns, "jobs", "revision 5", (s) => s.revision === 5);
  });
});

describe("TaskDefinition: what the API server cannot check", () => {
  it("a dependsOn cycle of three containers is Stalled=True with a message naming dependsOn, and registers nothing", async () => {
    const ns = await testNamespace(kc, "td-cycle");
    await startController(ns);
    await create(ns, "loop", {
      containerDefinitions: [
        container("a", { dependsOn: [{ containerName: "b", condition: "START" }] }),
        container("b", { dependsOn: [{ containerName: "c", condition: "START" }] }),
        container("c", { dependsOn: [{ containerName: "a", condition: "START" }] }),
      ],
    });
    const td = await statusWhen(ns, "loop", "Stalled=True", () => true).then(() =>
      eventually("Stalled=True", async () => {
        const t = await read(ns, "loop");
        return condition(t, "Stalled")?.status === "True" ? t : undefined;
      }),
    );
    expect(condition(td, "Stalled")).toMatchObject({ reason: "DependsOnCycle", message: expect.stringContaining('spec.containerDefinitions[0].dependsOn: containers "a" → "b" → "c" → "a"') as unknown });
    expect(condition(td, "Ready")?.status).toBe("False");
    expect(td.status?.revision).toBeUndefined();
    expect(await revisionsIn(ns)).toEqual([]);

    // Fixing the spec registers revision 1.
    await replaceSpec(ns, "loop", { containerDefinitions: [container("a", { dependsOn: [{ containerName: "b", condition: "START" }] }), container("b"), container("c")] });
    const fixed = await statusWhen(ns, "loop", "revision 1, Ready", (s, t) => s.revision === 1 && condition(t, "Ready")?.status === "True");
    expect(condition(fixed, "Stalled")?.status).toBe("False");
  });

  it("container memory above the task memory is Stalled=True naming the container's memory field", async () => {
    const ns = await testNamespace(kc, "td-size");
    await startController(ns);
    await create(ns, "big", { memory: "512", containerDefinitions: [container("app", { memory: 1024 })] });
    const td = await eventually("Stalled=True", async () => {
      const t = await read(ns, "big");
      return condition(t, "Stalled")?.status === "True" ? t : undefined;
    });
    expect(condition(td, "Stalled")).toMatchObject({ reason: "InvalidSpec", message: expect.stringContaining("spec.containerDefinitions[0].memory") as unknown });
  });

  it("a second TaskDefinition claiming a family is Stalled=True with FamilyConflict", async () => {
    const ns = await testNamespace(kc, "td-family");
    await startController(ns);
    await create(ns, "first", { family: "shared", containerDefinitions: [container("app")] });
    await statusWhen(ns, "first", "revision 1", (s) => s.revision === 1);
    await create(ns, "second", { family: "shared", containerDefinitions: [container("app")] });
    const td = await eventually("Stalled=True", async () => {
      const t = await read(ns, "second");
      return condition(t, "Stalled")?.status === "True" ? t : undefined;
    });
    expect(condition(td, "Stalled")).toMatchObject({ reason: "FamilyConflict", message: expect.stringContaining('spec.family: "shared" is already registered by TaskDefinition first') as unknown });

    // Once the first one is gone, the family is free: the second registers it.
    await apiRequest(kc, { method: "DELETE", path: resourcePath(TaskDefinitions, ns, "first") });
    const freed = await statusWhen(ns, "second", "revision 1 once the family is free", (s) => s.revision === 1);
    expect(condition(freed, "Ready")?.status).toBe("True");
  });

  it("unknown fields set Supported=False listing them; the revision is registered and Ready", async () => {
    const ns = await testNamespace(kc, "td-unknown");
    await startController(ns);
    await create(ns, "future", { platformFamily: "Linux", containerDefinitions: [container("app", { fooBar: true })] });
    const td = await statusWhen(ns, "future", "revision 1", (s) => s.revision === 1);
    const supported = condition(td, "Supported");
    expect(supported).toMatchObject({ status: "False", reason: "UnsupportedFields" });
    expect(supported?.message).toMatch(/^accepted but not mapped to Kubernetes: /);
    expect(supported?.message).toContain("spec.platformFamily (");
    expect(supported?.message).toContain("spec.containerDefinitions[0].fooBar (");
    expect([...(td.status?.unsupportedFields ?? [])].sort()).toEqual(["spec.containerDefinitions[0].fooBar", "spec.platformFamily"]);
    expect(condition(td, "Ready")?.status).toBe("True");
  });
});

describe("TaskDefinition: resync", () => {
  it("a resync of unchanged TaskDefinitions writes nothing", async () => {
    const ns = await testNamespace(kc, "td-resync");
    const { mgr } = await startController(ns, {}, 1000);
    const port = mgr.httpPort ?? 0;
    for (const name of ["r1", "r2", "r3"]) await create(ns, name, { containerDefinitions: [container("app")], kubernetes: { deregisteredRevisions: [1] } });
    for (const name of ["r1", "r2", "r3"]) await statusWhen(ns, name, "revision 1", (s) => s.revision === 1);
    await eventually("queue idle", async () => (await scrape(port, "ecs_operator_workqueue_depth")) === 0);
    const writes = await scrape(port, "ecs_operator_api_writes_total");
    const reconciles = await scrape(port, "ecs_operator_reconcile_total");
    await eventually("three resync rounds", async () => (await scrape(port, "ecs_operator_reconcile_total")) >= reconciles + 9, 30_000);
    expect(await scrape(port, "ecs_operator_api_writes_total")).toBe(writes);

    // The check could fail: a change is written.
    await replaceSpec(ns, "r2", { containerDefinitions: [container("app", { memory: 256 })] });
    await statusWhen(ns, "r2", "revision 2", (s) => s.revision === 2);
    expect(await scrape(port, "ecs_operator_api_writes_total")).toBeGreaterThan(writes);
  });
});
