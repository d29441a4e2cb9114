// `node test/chaos/memory.ts [--objects 1000]`: the memory a replica spends per 1,000 ECS objects, the figure the
// chart's memory limit is set from (docs/operations.md). On a control plane of its own, a standby replica of the
// built operator (dist/; the Lease is held by someone else, so it only caches, as a standby does) is measured
// with no objects and again after --objects objects exist (half TaskDefinitions of four containers, half
// Services), each created as `kubectl apply` does, with its last-applied copy annotation. RSS is read from
// /proc/PID/status once the replica reports ready (caches synced) and has settled.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { EcsServices, TaskDefinitions } from "../../src/controllers/ecs-resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { microTime } from "../../src/api/time.ts";
import { Leases, Namespaces, resourcePath, type ResourceType } from "../../src/runtime/resources.ts";
import { buildBinaries, startControlPlane, stopControlPlane } from "../controlplane/control-plane.ts";
import { DEFAULT_RUN_DIR } from "../controlplane/run-dir.ts";
import { installCrds } from "../integration/support/crds.ts";

const { values } = parseArgs({ options: { objects: { type: "string", default: "1000" } } });
const objects = Number(values.objects);
const log = (line: string): void => void process.stderr.write(`[memory] ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const NS = "memory";

const taskDefinition = (i: number): Record<string, unknown> => ({
  family: `app-${i}`,
  cpu: "1024",
  memory: "2048",
  containerDefinitions: ["web", "sidecar", "log-router", "migrate"].map((name, c) => ({
    name,
    image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}:v${i}`,
    essential: c < 2,
    portMappings: c === 0 ? [{ containerPort: 8080, protocol: "tcp", name: "http" }] : [],
    environment: Array.from({ length: 12 }, (_, e) => ({ name: `SETTING_${e}`, value: `value-${i}-${e}-${"x".repeat(24)}` })),
    secrets: [{ name: "DB_PASSWORD", valueFrom: `arn:aws:secretsmanager:us-east-1:123456789012:secret:db-${i}` }],
    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": `/ecs/app-${i}`, "awslogs-region": "us-east-1", "awslogs-stream-prefix": name } },
    healthCheck: c === 0 ? { command: ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], interval: 30, timeout: 5, retries: 3 } : undefined,
  })),
});
const service = (i: number): Record<string, unknown> => ({
  taskDefinition: `app-${i}`,
  desiredCount: 0,
  deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } },
  kubernetes: { ingress: { host: `app-${i}.example.com`, path: "/" } },
});

async function rssMiB(proc: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${proc.pid ?? 0}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function standby(kubeconfig: string, port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [MAIN, "run", "--kubeconfig", kubeconfig, "--leader-elect", "--leader-election-namespace", NS, "--leader-election-id", "memory", "--identity", "standby", "--metrics-bind-address", `127.0.0.1:${port}`, "--log-level", "warn"], { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 600) throw new Error("the replica did not become ready within 5 minutes");
    await sleep(500);
  }
  // Let the heap settle after the initial lists (garbage from the list pages is collected lazily).
  await sleep(15_000);
  return proc;
}

const dir = join(DEFAULT_RUN_DIR, `memory-${process.pid}`);
const state = await startControlPlane({ dir, binDir: await buildBinaries(log), log });
try {
  await installCrds(state.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  await apiRequest(kc, { method: "POST", path: resourcePath(Namespaces), body: { metadata: { name: NS } } });
  // Someone else holds the Lease for a long time: the measured replica stays a standby that only caches.
  const now = microTime(new Date());
  await apiRequest(kc, { method: "POST", path: resourcePath(Leases, NS), body: { metadata: { name: "memory" }, spec: { holderIdentity: "elsewhere", leaseDurationSeconds: 3600, acquireTime: now, renewTime: now } } });

  const empty = await standby(state.kubeconfig, 18_081);
  const base = await rssMiB(empty);
  empty.kill("SIGKILL");
  log(`standby with no objects: ${base.toFixed(0)} MiB RSS`);

  const create = async (rt: ResourceType, kind: string, name: string, spec: Record<string, unknown>): Promise<void> => {
    const body = { apiVersion: API_GROUP_VERSION, kind, metadata: { name, namespace: NS }, spec };
    const annotations = { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(body) };
    await apiRequest(kc, { method: "POST", path: resourcePath(rt, NS), body: { ...body, metadata: { ...body.metadata, annotations } } });
  };
  for (let i = 0; i < objects; i += 2) {
    await create(TaskDefinitions, "TaskDefinition", `app-${i}`, taskDefinition(i));
    if (i + 1 < objects) await create(EcsServices, "Service", `app-${i}`, service(i));
  }
  log(`created ${objects} objects`);
  const full = await standby(state.kubeconfig, 18_082);
  const loaded = await rssMiB(full);
  full.kill("SIGKILL");
  const per1000 = ((loaded - base) / objects) * 1000;
  const line = `| ${objects} | ${base.toFixed(0)} MiB | ${loaded.toFixed(0)} MiB | ${per1000.toFixed(1)} MiB |`;
  process.stdout.write(`| objects | RSS, none | RSS, with them | per 1,000 objects |\n|---|---|---|---|\n${line}\n`);
} finally {
  await stopControlPlane(dir);
  await rm(join(dir, "etcd"), { recursive: true, force: true });
}
