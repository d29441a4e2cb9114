// The CapacityProvider controller against the real control plane and its kwok pools: the nodes a provider
// selects as container instances, the tasks placed with it, Ready=False with a reason when nothing matches, and
// a resync that writes nothing.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { CapacityProviderStatus } from "../../src/api/capacity-provider.ts";
import { registerCapacityProviderController } from "../../src/controllers/capacity-provider/controller.ts";
import { CapacityProviders, type CapacityProviderObject } from "../../src/controllers/ecs-resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { createLogger } from "../../src/runtime/logger.ts";
import { Manager } from "../../src/runtime/manager.ts";
import { Nodes, Pods, resourcePath } from "../../src/runtime/resources.ts";
import { eventually, kubeConfig, testNamespace } from "./support/cluster.ts";
import { ClusterScoped } from "./support/cluster-scoped.ts";

const kc = kubeConfig();
const managers: Manager[] = [];
const clusterScoped = new ClusterScoped(kc, "cp-test");

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await clusterScoped.cleanup();
});

async function startController(namespace: string, resyncMs?: number): Promise<Manager> {
  const mgr = new Manager({ kubeConfig: kc, identity: "cp-test", logger: createLogger({ level: "error" }), http: { host: "127.0.0.1", port: 0 }, ...(resyncMs === undefined ? {} : { resyncMs }) });
  managers.push(mgr);
  registerCapacityProviderController(mgr, { namespace });
  await mgr.start();
  return mgr;
}

const unique = (prefix: string): string => `${prefix}-${randomBytes(3).toString("hex")}`;

const createProvider = (name: string, spec: Record<string, unknown>): Promise<void> => clusterScoped.capacityProvider(name, spec);

const read = (name: string): Promise<CapacityProviderObject> => apiRequest<CapacityProviderObject>(kc, { method: "GET", path: resourcePath(CapacityProviders, undefined, name) });

function statusWhen(name: string, what: string, ok: (s: CapacityProviderStatus) => boolean): Promise<CapacityProviderObject> {
  return eventually(`CapacityProvider ${name}: ${what}`, async () => {
    const cp = await read(name);
    return cp.status && cp.status.observedGeneration === cp.metadata.generation && ok(cp.status) ? cp : undefined;
  });
}

const ready = (s: CapacityProviderStatus) => s.conditions?.find((c) => c.type === "Ready");

/** A task pod placed with `provider` on the spot pool (what the Service/Task controllers would create). */
function spotTaskPod(namespace: string, name: string, provider: string): Promise<unknown> {
  return apiRequest(kc, {
    method: "POST",
    path: resourcePath(Pods, namespace),
    body: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { "ecs.operator.dev/capacity-provider": provider, "ecs.operator.dev/cluster": "default" } },
      spec: {
        nodeSelector: { "karpenter.sh/capacity-type": "spot" },
        tolerations: [{ key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" }],
        containers: [{ name: "app", image: "registry.example.com/app:1", resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } } }],
      },
    },
  });
}

async function scrape(port: number, name: string, labelFilter = ""): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`).exec(line);
    if (m && (m[1] ?? "").includes(labelFilter)) sum += Number(m[2]);
  }
  return sum;
}

describe("CapacityProvider status", () => {
  it("a spot pool shows the two kwok spot nodes as container instances, then the task placed with it", async () => {
    const ns = await testNamespace(kc, "cp-spot");
    await startController(ns);
    const name = unique("spot");
    await createProvider(name, { type: "EC2", spot: true });

    const cp = await statusWhen(name, "two Ready spot nodes", (s) => s.nodeCount === 2);
    expect(cp.status).toMatchObject({ name, type: "EC2", spot: true, status: "ACTIVE", runningTasksCount: 0, allocatable: { cpu: 4096, memory: 16384 }, requested: { cpu: 0, memory: 0 } });
    expect(ready(cp.status ?? {})).toMatchObject({ status: "True", reason: "NodesReady" });
    expect(cp.status?.containerInstances?.map((c) => c.ec2InstanceId)).toEqual(["spot-a-1", "spot-b-1"]);
    expect(cp.status?.containerInstances?.[1]?.attributes).toEqual(
      expect.arrayContaining([
        { name: "ecs.availability-zone", value: "us-east-1b" },
        { name: "ecs.instance-type", value: "m5.large" },
        { name: "ecs.os-type", value: "linux" },
        { name: "ecs.cpu-architecture", value: "x86_64" },
      ]),
    );

    await spotTaskPod(ns, "task-1", name);
    const withTask = await statusWhen(name, "one running task", (s) => s.runningTasksCount === 1);
    expect(withTask.status).toMatchObject({ pendingTasksCount: 0, requested: { cpu: 512, memory: 1024 } });
    const node = withTask.status?.containerInstances?.find((c) => c.runningTasksCount === 1);
    expect(node?.remainingResources).toEqual([{ name: "CPU", type: "INTEGER", integerValue: 2048 - 512 }, { name: "MEMORY", type: "INTEGER", integerValue: 8192 - 1024 }]);

    await apiRequest(kc, { method: "DELETE", path: resourcePath(Pods, ns, "task-1") });
    await statusWhen(name, "the task gone", (s) => s.runningTasksCount === 0 && s.requested?.cpu === 0);
  });

  it("a node label change shows up as a custom attribute of its container instance, and goes away with it", async () => {
    const ns = await testNamespace(kc, "cp-label");
    await startController(ns);
    const name = unique("spot");
    await createProvider(name, { spot: true });
    await statusWhen(name, "two nodes", (s) => s.nodeCount === 2);
    const key = `testenv.ecs-operator.dev/probe-${randomBytes(3).toString("hex")}`;
    const label = (value: string | null) =>
      apiRequest(kc, { method: "PATCH", path: resourcePath(Nodes, undefined, "spot-b-1"), contentType: "application/merge-patch+json", body: { metadata: { labels: { [key]: value } } } });
    const attributeOf = (s: CapacityProviderStatus) => s.containerInstances?.find((c) => c.ec2InstanceId === "spot-b-1")?.attributes.find((a) => a.name === key);
    await label("blue");
    try {
      await statusWhen(name, `attribute ${key}=blue`, (s) => attributeOf(s)?.value === "blue");
    } finally {
      await label(null);
    }
    await statusWhen(name, `attribute ${key} gone`, (s) => attributeOf(s) === undefined);
  });

  it("no Ready node matches: Ready=False NoReadyNodes naming the selector and tolerations", async () => {
    const ns = await testNamespace(kc, "cp-none");
    await startController(ns);
    const name = unique("gpu");
    await createProvider(name, { kubernetes: { nodeSelector: { "nvidia.com/gpu.present": "true" } } });
    const cp = await statusWhen(name, "Ready=False", (s) => ready(s)?.status === "False");
    expect(cp.status?.nodeCount).toBe(0);
    expect(ready(cp.status ?? {})).toMatchObject({ reason: "NoReadyNodes", message: expect.stringContaining("no Ready node matches nodeSelector {nvidia.com/gpu.present=true}, tolerations []") as unknown });
  });

  it("an object named fargate-spot pointed at the spot pool overrides FARGATE_SPOT", async () => {
    const ns = await testNamespace(kc, "cp-fgspot");
    await startController(ns);
    // The kwok cluster has no node that is both fargate and spot: FARGATE_SPOT is pointed at the spot pool.
    await createProvider("fargate-spot", { kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "spot" } } });
    const cp = await statusWhen("fargate-spot", "two nodes", (s) => s.nodeCount === 2);
    expect(cp.status).toMatchObject({ name: "FARGATE_SPOT", type: "FARGATE", spot: true, overrides: "FARGATE_SPOT" });
    await clusterScoped.deleteCapacityProvider("fargate-spot");
  });

  it("a resync of unchanged providers writes nothing", async () => {
    const ns = await testNamespace(kc, "cp-resync");
    const mgr = await startController(ns, 500);
    const name = unique("od");
    await createProvider(name, { kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } } });
    const before = await statusWhen(name, "five on-demand nodes", (s) => s.nodeCount === 5);
    const port = mgr.httpPort ?? 0;
    const writes = await scrape(port, "ecs_operator_api_writes_total", 'kind="CapacityProvider"');
    const reconciles = await scrape(port, "ecs_operator_reconcile_total", 'controller="capacityprovider"');
    await eventually("several resync rounds", async () => (await scrape(port, "ecs_operator_reconcile_total", 'controller="capacityprovider"')) >= reconciles + 3, 30_000);
    expect(await scrape(port, "ecs_operator_api_writes_total", 'kind="CapacityProvider"')).toBe(writes);
    expect((await read(name)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
});
