// The Argo CD health checks on real objects: statuses written by the running controllers, read back from the API
// server and judged by the chart's Lua scripts under gopher-lua (luaHealth). One block per kind whose controller
// exists; a new controller's suite adds its kind here with the same four states (ready, progressing, stalled,
// deleting).
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/index.ts";
import { registerTaskDefinitionController } from "../../src/controllers/task-definition/controller.ts";
import { TaskDefinitions, type TaskDefinitionObject } from "../../src/controllers/task-definition/resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { resourcePath } from "../../src/runtime/resources.ts";
import { luaHealth } from "../e2e/argocd-health.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
});

const HOLD = "test.ecs-operator.dev/hold";
const container = (name: string, fields: Record<string, unknown> = {}) => ({ name, image: `registry.example.com/${name}:1.0`, memory: 128, ...fields });

describe("TaskDefinition: Lua health of real objects", () => {
  const read = (ns: string, name: string) => apiRequest<TaskDefinitionObject>(kc, { method: "GET", path: resourcePath(TaskDefinitions, ns, name) });
  const create = (ns: string, name: string, spec: Record<string, unknown>, finalizers: string[] = []) =>
    apiRequest<TaskDefinitionObject>(kc, { method: "POST", path: resourcePath(TaskDefinitions, ns), body: { apiVersion: API_GROUP_VERSION, kind: "TaskDefinition", metadata: { name, finalizers }, spec } });

  it("registered → Healthy; not yet observed → Progressing; dependsOn cycle → Degraded; deleting → Progressing", async () => {
    const ns = await testNamespace(kc, "pkg-argocd-td");
    // Created before the controller runs: a real object without status.
    await create(ns, "web", { containerDefinitions: [container("app")] }, [HOLD]);
    expect(luaHealth("TaskDefinition", await read(ns, "web")).status).toBe("Progressing");

    const mgr = new Manager({ kubeConfig: kc, identity: "argocd-health-test", logger: createLogger({ level: "error" }), http: { host: "127.0.0.1", port: 0 } });
    managers.push(mgr);
    registerTaskDefinitionController(mgr, { namespace: ns });
    await mgr.start();

    const web = await eventually("web:1 registered", async () => {
      const td = await read(ns, "web");
      return td.status?.taskDefinitionArn === "web:1" && td.status.observedGeneration === td.metadata?.generation ? td : undefined;
    });
    expect(luaHealth("TaskDefinition", web)).toMatchObject({ status: "Healthy", message: expect.stringContaining("web:1") as unknown });

    await create(ns, "loop", {
      containerDefinitions: [
        container("a", { dependsOn: [{ containerName: "b", condition: "START" }] }),
        container("b", { dependsOn: [{ containerName: "c", condition: "START" }] }),
        container("c", { dependsOn: [{ containerName: "a", condition: "START" }] }),
      ],
    });
    const loop = await eventually("loop Stalled", async () => {
      const td = await read(ns, "loop");
      return td.status?.conditions?.some((c) => c.type === "Stalled" && c.status === "True") ? td : undefined;
    });
    expect(luaHealth("TaskDefinition", loop)).toMatchObject({ status: "Degraded", message: expect.stringContaining("dependsOn") as unknown });

    await apiRequest(kc, { method: "DELETE", path: resourcePath(TaskDefinitions, ns, "web") });
    const deleting = await read(ns, "web");
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();
    expect(luaHealth("TaskDefinition", deleting).status).toBe("Progressing");
    await apiRequest(kc, { method: "PATCH", path: resourcePath(TaskDefinitions, ns, "web"), contentType: "application/merge-patch+json", body: { metadata: { finalizers: null } } });
  });
});
