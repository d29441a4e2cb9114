// Smoke tests of the test control plane itself: scheduling onto kwok pools, CEL admission, exit codes, metrics.
// If these fail, every other integration test's verdict is meaningless.
import { ApiregistrationV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, type V1Pod, ApiException } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { CAPACITY_TYPE_LABEL, POOL_LABEL, SPOT_TAINT, TEST_NODES } from "../controlplane/nodes.ts";
import { applyCrd } from "./support/crds.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
let ns: string;

beforeAll(async () => {
  ns = await testNamespace(kc, "smoke");
});

async function podsOf(selector: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items;
}

const poolOf = (nodeName: string | undefined): string | undefined => TEST_NODES.find((n) => n.name === nodeName)?.pool;

describe("kwok nodes", () => {
  it("look like a cloud cluster: zones, instance types, arch/os, on-demand, spot and serverless pools", async () => {
    const nodes = (await core.listNode({ labelSelector: "type=kwok" })).items;
    expect(nodes).toHaveLength(TEST_NODES.length);
    const zones = new Set(nodes.map((n) => n.metadata?.labels?.["topology.kubernetes.io/zone"]));
    expect(zones.size).toBeGreaterThanOrEqual(2);
    for (const n of nodes) {
      expect(n.metadata?.labels?.["node.kubernetes.io/instance-type"]).toBeTruthy();
      expect(n.metadata?.labels?.["kubernetes.io/os"]).toBe("linux");
      expect(["amd64", "arm64"]).toContain(n.metadata?.labels?.["kubernetes.io/arch"]);
      expect(n.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    }
    const pools = new Set(nodes.map((n) => n.metadata?.labels?.[POOL_LABEL]));
    expect([...pools].sort()).toEqual(["on-demand", "serverless", "spot"]);
    const spot = nodes.filter((n) => n.metadata?.labels?.[CAPACITY_TYPE_LABEL] === "spot");
    expect(spot.length).toBeGreaterThan(0);
    for (const n of spot) expect(n.spec?.taints).toContainEqual(expect.objectContaining({ key: SPOT_TAINT.key, effect: "NoSchedule" }));
  });
});

describe("scheduling onto kwok pools", () => {
  it("runs a Deployment's pods on kwok nodes, and none on the tainted spot and serverless pools", async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: "web" } },
          template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
        },
      },
    });
    const pods = await eventually("4 running web pods", async () => {
      const items = await podsOf("app=web");
      return items.length === 4 && items.every((p) => p.status?.phase === "Running") ? items : undefined;
    });
    for (const p of pods) {
      expect(poolOf(p.spec?.nodeName)).toBe("on-demand");
      expect(p.status?.containerStatuses?.[0]?.ready).toBe(true);
      expect(p.status?.podIP).toBeTruthy();
    }
    const dep = await eventually("Deployment web available", async () => {
      const d = await apps.readNamespacedDeployment({ name: "web", namespace: ns });
      return d.status?.availableReplicas === 4 ? d : undefined;
    });
    expect(dep.status?.readyReplicas).toBe(4);
  });

  it("puts a pod with a spot nodeSelector and toleration only on spot nodes", async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "batch" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "batch" } },
          template: {
            metadata: { labels: { app: "batch" } },
            spec: {
              nodeSelector: { [CAPACITY_TYPE_LABEL]: "spot" },
              tolerations: [{ key: SPOT_TAINT.key, operator: "Equal", value: SPOT_TAINT.value, effect: "NoSchedule" }],
              containers: [{ name: "batch", image: "busybox:1.36" }],
            },
          },
        },
      },
    });
    const pods = await eventually("3 running batch pods", async () => {
      const items = await podsOf("app=batch");
      return items.length === 3 && items.every((p) => p.status?.phase === "Running") ? items : undefined;
    });
    expect(pods.map((p) => poolOf(p.spec?.nodeName))).toEqual(["spot", "spot", "spot"]);
  });
});

describe("CEL admission", () => {
  it("refuses an object that breaks a CRD's x-kubernetes-validations rule, with the rule's message", async () => {
    const group = "smoke.testenv.ecs-operator.dev";
    await applyCrd(kc, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [{
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: { minSize: { type: "integer" }, maxSize: { type: "integer" } },
                  "x-kubernetes-validations": [{ rule: "self.minSize <= self.maxSize", message: "spec.minSize must not exceed spec.maxSize" }],
                },
              },
            },
          },
        }],
      },
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const create = (minSize: number, maxSize: number, name: string): Promise<unknown> =>
      custom.createNamespacedCustomObject({ group, version: "v1", namespace: ns, plural: "widgets", body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name }, spec: { minSize, maxSize } } });

    await expect(create(1, 3, "good")).resolves.toBeTruthy();
    const err = await create(5, 3, "bad").then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<string>).code).toBe(422);
    expect((err as ApiException<string>).body).toContain("spec.minSize must not exceed spec.maxSize");
  });
});

describe("container exits", () => {
  it("reports the exit code of a container made to exit, while the other container keeps running", async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "exits", annotations: { "kwok.ecs-operator.dev/exit": "app=3" } },
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "app", image: "busybox:1.36" }, { name: "sidecar", image: "busybox:1.36" }],
        },
      },
    });
    const pod = await eventually("container app terminated", async () => {
      const p = await core.readNamespacedPod({ name: "exits", namespace: ns });
      return p.status?.containerStatuses?.find((c) => c.name === "app")?.state?.terminated ? p : undefined;
    });
    const app = pod.status?.containerStatuses?.find((c) => c.name === "app");
    expect(app?.state?.terminated?.exitCode).toBe(3);
    expect(app?.state?.terminated?.reason).toBe("Error");
    expect(app?.ready).toBe(false);
    const sidecar = pod.status?.containerStatuses?.find((c) => c.name === "sidecar");
    expect(sidecar?.state?.running).toBeTruthy();
  });
});

describe("metrics pipeline", () => {
  it("serves metrics.k8s.io through the aggregation layer: a pod uses what its annotations say, an unannotated one 10 %", async () => {
    const available = await eventually("APIService v1beta1.metrics.k8s.io Available", async () => {
      const svc = await kc.makeApiClient(ApiregistrationV1Api).readAPIService({ name: "v1beta1.metrics.k8s.io" });
      return svc.status?.conditions?.find((c) => c.type === "Available" && c.status === "True");
    });
    expect(available.status).toBe("True");
    const pod = (name: string, annotations: Record<string, string>) =>
      core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name, annotations },
          spec: { containers: [{ name: "app", image: "nginx:1.27", resources: { requests: { cpu: "200m", memory: "512Mi" } } }] },
        },
      });
    await pod("busy", { "kwok.ecs-operator.dev/cpu-utilization": "40", "kwok.ecs-operator.dev/memory-utilization": "50" });
    await pod("idle", {});
    interface PodMetrics { metadata: { name: string }; containers: { name: string; usage: { cpu: string; memory: string } }[] }
    const metrics = kc.makeApiClient(CustomObjectsApi);
    // metrics-server needs two scrapes (10 s apart) of a pod before it serves a CPU rate.
    const list = await eventually("PodMetrics of both pods", async () => {
      const l = (await metrics.listNamespacedCustomObject({ group: "metrics.k8s.io", version: "v1beta1", namespace: ns, plural: "pods" })) as { items: PodMetrics[] };
      return ["busy", "idle"].every((n) => l.items.some((m) => m.metadata.name === n)) ? l.items : undefined;
    }, 90_000, 1_000);
    const usage = (name: string) => list.find((m) => m.metadata.name === name)?.containers.find((c) => c.name === "app")?.usage;
    const millicores = (q: string | undefined): number => (q?.endsWith("n") ? Number(q.slice(0, -1)) / 1e6 : q?.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);
    // 40 % of 200m and 10 % of 200m; a rate from two counter samples may be off by a little.
    expect(millicores(usage("busy")?.cpu)).toBeGreaterThan(76);
    expect(millicores(usage("busy")?.cpu)).toBeLessThan(84);
    expect(usage("busy")?.memory).toBe("256Mi");
    expect(millicores(usage("idle")?.cpu)).toBeGreaterThan(18);
    expect(millicores(usage("idle")?.cpu)).toBeLessThan(22);
  });
});
