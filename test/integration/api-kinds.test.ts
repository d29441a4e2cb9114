// What kubectl users see of the six kinds on a real API server: discovery (short names, the ecs category),
// the OpenAPI documents behind `kubectl explain`, printer columns (`kubectl get` tables), and the status and
// scale subresources (`kubectl scale`, HPAs).
import { request, type RequestOptions } from "node:https";
import { beforeAll, describe, expect, it } from "vitest";
import { API_GROUP, API_GROUP_VERSION } from "../../src/api/common.ts";
import { KINDS } from "../../src/api/crds.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { aService, aTaskDefinition } from "../unit/api/fixtures.ts";
import { kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
let ns: string;

beforeAll(async () => {
  ns = await testNamespace(kc, "api-kinds");
});

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
}

describe("discovery", () => {
  it("lists the six kinds with their short names in the ecs category (kubectl get ecs)", async () => {
    const list = await apiRequest<{ resources: ApiResource[] }>(kc, { method: "GET", path: `/apis/${API_GROUP_VERSION}` });
    const top = list.resources.filter((r) => !r.name.includes("/"));
    for (const def of KINDS) {
      const r = top.find((x) => x.name === def.plural);
      expect(r, def.plural).toBeDefined();
      expect(r?.shortNames).toEqual(def.shortNames);
      expect(r?.categories).toEqual(["ecs"]);
      expect(r?.namespaced).toBe(def.scope === "Namespaced");
    }
    const sub = list.resources.map((r) => r.name);
    for (const def of KINDS) expect(sub).toContain(`${def.plural}/status`);
    expect(sub).toContain("services/scale");
  });
});

describe("kubectl explain", () => {
  it("finds a useful description at taskdefinition.spec.containerDefinitions.dependsOn", async () => {
    type Props = Record<string, { description?: string; items?: { properties?: Props }; properties?: Props }>;
    const doc = await apiRequest<{ components: { schemas: Record<string, { properties?: Props }> } }>(kc, {
      method: "GET",
      path: `/openapi/v3/apis/${API_GROUP}/v1alpha1`,
    });
    const schema = Object.entries(doc.components.schemas).find(([k]) => k.endsWith(".TaskDefinition"))?.[1];
    const dependsOn = schema?.properties?.spec?.properties?.containerDefinitions?.items?.properties?.dependsOn;
    expect(dependsOn?.description).toMatch(/must reach a condition before this one starts/);
    expect(dependsOn?.items?.properties?.condition?.description).toMatch(/HEALTHY/);
  });
});

interface Table {
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

/** One row of `kubectl get <plural> <name>`, column name → cell. */
async function table(plural: string, name: string): Promise<Record<string, unknown>> {
  const res = await fetchTable(`/apis/${API_GROUP_VERSION}/namespaces/${ns}/${plural}?fieldSelector=metadata.name%3D${name}`);
  const row = res.rows[0]?.cells ?? [];
  return Object.fromEntries(res.columnDefinitions.map((c, i) => [c.name, row[i]]));
}

// The table form is negotiated through the Accept header (as kubectl does), which apiRequest fixes to JSON.
async function fetchTable(path: string): Promise<Table> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("no cluster");
  const opts: RequestOptions = { method: "GET", headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(new URL(cluster.server + path), opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Table);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("printer columns and subresources", () => {
  it("a Service prints desired, running, pending, task definition and rollout state, and scales through /scale", async () => {
    const svc = aService({ desiredCount: 2 }, "storefront");
    const base = `/apis/${API_GROUP_VERSION}/namespaces/${ns}/services`;
    await apiRequest(kc, { method: "POST", path: base, body: svc });
    await apiRequest(kc, {
      method: "PATCH",
      path: `${base}/storefront/status`,
      contentType: "application/merge-patch+json",
      body: {
        status: {
          desiredCount: 2,
          runningCount: 1,
          pendingCount: 1,
          taskDefinition: "web:3",
          selector: "ecs.operator.dev/service=storefront",
          deployments: [
            { id: "ecs-svc/2", status: "PRIMARY", taskDefinition: "web:3", rolloutState: "IN_PROGRESS" },
            { id: "ecs-svc/1", status: "ACTIVE", taskDefinition: "web:2", rolloutState: "COMPLETED" },
          ],
        },
      },
    });
    const row = await table("services", "storefront");
    expect(row).toMatchObject({ Desired: 2, Running: 1, Pending: 1, "Task Definition": "web:3", Rollout: "IN_PROGRESS" });

    const scale = await apiRequest<{ spec: { replicas: number }; status: { replicas: number; selector: string } }>(kc, { method: "GET", path: `${base}/storefront/scale` });
    expect(scale.spec.replicas).toBe(2);
    expect(scale.status).toEqual({ replicas: 1, selector: "ecs.operator.dev/service=storefront" });
    await apiRequest(kc, { method: "PATCH", path: `${base}/storefront/scale`, contentType: "application/merge-patch+json", body: { spec: { replicas: 5 } } });
    const after = await apiRequest<{ spec: { desiredCount: number } }>(kc, { method: "GET", path: `${base}/storefront` });
    expect(after.spec.desiredCount).toBe(5);
  });

  it("a TaskDefinition prints family, revision and status", async () => {
    const base = `/apis/${API_GROUP_VERSION}/namespaces/${ns}/taskdefinitions`;
    await apiRequest(kc, { method: "POST", path: base, body: aTaskDefinition({}, "billing") });
    await apiRequest(kc, { method: "PATCH", path: `${base}/billing/status`, contentType: "application/merge-patch+json", body: { status: { family: "billing", revision: 4, status: "ACTIVE" } } });
    expect(await table("taskdefinitions", "billing")).toMatchObject({ Family: "billing", Revision: 4, Status: "ACTIVE" });
  });

  it("a Task prints last status, desired status and stop code", async () => {
    const base = `/apis/${API_GROUP_VERSION}/namespaces/${ns}/tasks`;
    await apiRequest(kc, { method: "POST", path: base, body: { apiVersion: API_GROUP_VERSION, kind: "Task", metadata: { name: "once" }, spec: { taskDefinition: "web:1" } } });
    await apiRequest(kc, {
      method: "PATCH",
      path: `${base}/once/status`,
      contentType: "application/merge-patch+json",
      body: { status: { lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" } },
    });
    expect(await table("tasks", "once")).toMatchObject({ "Last Status": "STOPPED", "Desired Status": "STOPPED", "Stop Code": "EssentialContainerExited" });
  });

  it("a Cluster prints services, running and pending", async () => {
    const base = `/apis/${API_GROUP_VERSION}/namespaces/${ns}/clusters`;
    await apiRequest(kc, { method: "POST", path: base, body: { apiVersion: API_GROUP_VERSION, kind: "Cluster", metadata: { name: "default" }, spec: {} } });
    await apiRequest(kc, {
      method: "PATCH",
      path: `${base}/default/status`,
      contentType: "application/merge-patch+json",
      body: { status: { status: "ACTIVE", activeServicesCount: 3, runningTasksCount: 7, pendingTasksCount: 1 } },
    });
    expect(await table("clusters", "default")).toMatchObject({ Status: "ACTIVE", Services: 3, Running: 7, Pending: 1 });
  });
});
