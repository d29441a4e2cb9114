// The chaos run: two operator replicas (`ecs-operator run --leader-elect`, child processes of dist/) against a
// control plane, rounds of random work (new revisions, scaling, strategy changes, task create/stop/delete) with
// kill -9 of the leader and API server / etcd restarts at random moments, then an invariant check once things
// settle. Used by `npm run chaos` (main.ts, its own control plane) and by the smoke test inside npm test.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { REVISION_LABEL, SERVICE_LABEL, TASK_LABEL } from "../../src/api/keys.ts";
import { Clusters, EcsServices, EcsTasks, TaskDefinitions } from "../../src/controllers/ecs-resources.ts";
import { apiRequest, ApiRequestError } from "../../src/runtime/api-request.ts";
import { Deployments, Leases, Namespaces, Pods, resourcePath, ServiceAccounts, type KubeObject, type ResourceType } from "../../src/runtime/resources.ts";
import { startComponent, stopComponent, waitForApiserver, type ControlPlaneState } from "../controlplane/control-plane.ts";

const MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface ChaosOptions {
  kubeconfig: string;
  /** The control plane to restart components of; without it, no API server or etcd restarts. */
  controlPlane?: ControlPlaneState;
  rounds: number;
  seed: number;
  namespace: string;
  /** Directory for the replicas' logs. */
  logDir: string;
  log: (line: string) => void;
  /** Chances per round (0..1); defaults: kill 0.35, API server 0.15, etcd 0.05. */
  faults?: { killLeader?: number; restartApiserver?: number; restartEtcd?: number };
  /** At least one kill of the leader in the run, whatever the dice say (the smoke test needs one). */
  forceKill?: boolean;
  /** How long the end state may take to converge before violations are counted. */
  settleMs?: number;
}

export interface ChaosFigures {
  rounds: number;
  seed: number;
  actions: number;
  leaderKills: number;
  apiserverRestarts: number;
  etcdRestarts: number;
  /** Seconds from kill -9 of the leader to another replica holding the lease. */
  failoverSeconds: number[];
  settleSeconds: number;
  /** Replicas that exited on their own (lease lost to another replica: exit 1 by design, then replaced). */
  selfExits: number;
  violations: string[];
}

/** mulberry32: a small seeded generator, so that a run can be repeated with --seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Replica {
  identity: string;
  proc: ChildProcess;
}

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const STRATEGIES = [
  [{ capacityProvider: "FARGATE", weight: 1 }],
  [{ capacityProvider: "EC2", weight: 1 }],
  [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "EC2", weight: 1 }],
];
const SERVICES = ["web", "api", "worker"];
const FAMILIES = ["app", "batch"];
const taskDefinition = (family: string, version: number): Record<string, unknown> => ({
  family,
  networkMode: "awsvpc",
  cpu: "256",
  memory: "512",
  // A health check: tasks count toward minimum healthy once healthy, not after ECS's 40-second wait for tasks without
  // one, so the end state converges within the settle time (kwok runs no probes: healthy once running).
  containerDefinitions: [{ name: "main", image: `registry.example.com/${family}:1.0`, environment: [{ name: "VERSION", value: String(version) }], healthCheck: { command: ["CMD-SHELL", "true"] } }],
});

export async function runChaos(opts: ChaosOptions): Promise<ChaosFigures> {
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfig);
  const rnd = seededRandom(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const ns = opts.namespace;
  const figures: ChaosFigures = { rounds: opts.rounds, seed: opts.seed, actions: 0, leaderKills: 0, apiserverRestarts: 0, etcdRestarts: 0, failoverSeconds: [], settleSeconds: 0, selfExits: 0, violations: [] };

  /** Retries through API outages (the run restarts the API server): a request is given 90 s. */
  async function api<T>(method: "GET" | "POST" | "PATCH" | "DELETE", rt: ResourceType, name?: string, body?: unknown, query?: Record<string, string>): Promise<T | undefined> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        return await apiRequest<T>(kc, { method, path: resourcePath(rt, rt.namespaced ? ns : undefined, name), body, query, ...(method === "PATCH" ? { contentType: "application/merge-patch+json" } : {}) });
      } catch (err) {
        if (err instanceof ApiRequestError && err.code === 404 && method !== "POST") return undefined;
        if (err instanceof ApiRequestError && err.code < 500 && err.code !== 429) throw err;
        if (Date.now() > deadline) throw err;
        await sleep(500);
      }
    }
  }
  const list = async (rt: ResourceType, labelSelector?: string): Promise<Obj[]> => (await api<{ items: Obj[] }>("GET", rt, undefined, undefined, labelSelector ? { labelSelector } : undefined))?.items ?? [];
  const post = (rt: ResourceType, kind: string, name: string, spec: Record<string, unknown>): Promise<unknown> => api("POST", rt, undefined, { apiVersion: API_GROUP_VERSION, kind, metadata: { name }, spec });

  // The namespace, its default ServiceAccount (pods need it), a Cluster, the task definitions and services.
  await apiRequest(kc, { method: "POST", path: resourcePath(Namespaces), body: { metadata: { name: ns } } }).catch((err: unknown) => {
    if (!(err instanceof ApiRequestError && err.code === 409)) throw err;
  });
  for (let i = 0; !(await api("GET", ServiceAccounts, "default")); i++) {
    if (i > 300) throw new Error(`namespace ${ns}: no default ServiceAccount after 60 s`);
    await sleep(200);
  }
  await post(Clusters, "Cluster", "default", { defaultCapacityProviderStrategy: STRATEGIES[0] });
  const versions = new Map(FAMILIES.map((f) => [f, 1]));
  for (const f of FAMILIES) await post(TaskDefinitions, "TaskDefinition", f, taskDefinition(f, 1));
  for (const s of SERVICES) await post(EcsServices, "Service", s, { taskDefinition: pick(FAMILIES), desiredCount: 1 + Math.floor(rnd() * 2) });

  // Two replicas; a killed one is replaced so that there are always two.
  const replicas: Replica[] = [];
  const killed = new Set<ChildProcess>();
  let stopping = false;
  let nextReplica = 0;
  const startReplica = (): void => {
    const identity = `chaos-${nextReplica++}`;
    const out = createWriteStream(join(opts.logDir, `${identity}.log`));
    const proc = spawn(process.execPath, [MAIN, "run", "--kubeconfig", opts.kubeconfig, "--leader-elect", "--leader-election-namespace", ns, "--leader-election-id", "chaos", "--namespace", ns, "--identity", identity, "--metrics-bind-address", "0", "--log-level", "info"], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout.pipe(out);
    proc.stderr.pipe(out);
    replicas.push({ identity, proc });
    proc.on("exit", (code) => {
      if (stopping || killed.has(proc)) return;
      figures.selfExits++;
      opts.log(`replica ${identity} exited on its own (code ${String(code)}); starting another`);
      startReplica();
    });
  };
  startReplica();
  startReplica();
  const holder = async (): Promise<string | undefined> => {
    try {
      const lease = await apiRequest<{ spec?: { holderIdentity?: string } }>(kc, { method: "GET", path: resourcePath(Leases, ns, "chaos"), timeoutMs: 2_000 });
      const h = lease.spec?.holderIdentity ?? "";
      return h === "" ? undefined : h;
    } catch {
      return undefined;
    }
  };
  const waitForLeader = async (not?: string): Promise<string> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const h = await holder();
      if (h !== undefined && h !== not && replicas.some((r) => r.identity === h && r.proc.exitCode === null)) return h;
      if (Date.now() > deadline) throw new Error(`no replica took the lease within 120 s${not ? ` after ${not} was killed` : ""}`);
      await sleep(100);
    }
  };
  await waitForLeader();

  /** Pod UIDs seen per task pod name: a second UID for one name means a task ran twice. */
  const taskPodUids = new Map<string, Set<string>>();
  const sampleTaskPods = async (): Promise<void> => {
    for (const p of await list(Pods, TASK_LABEL)) {
      const key = `${p.metadata?.labels?.[TASK_LABEL] ?? ""}/${p.metadata?.name ?? ""}`;
      const set = taskPodUids.get(key) ?? new Set<string>();
      set.add(p.metadata?.uid ?? "");
      taskPodUids.set(key, set);
    }
  };

  let taskCounter = 0;
  const actions: (() => Promise<unknown>)[] = [
    async () => {
      const f = pick(FAMILIES);
      const v = (versions.get(f) ?? 1) + 1;
      versions.set(f, v);
      await api("PATCH", TaskDefinitions, f, { spec: taskDefinition(f, v) });
    },
    () => api("PATCH", EcsServices, pick(SERVICES), { spec: { desiredCount: Math.floor(rnd() * 4) } }),
    () => api("PATCH", EcsServices, pick(SERVICES), { spec: { capacityProviderStrategy: pick(STRATEGIES) } }),
    () => api("PATCH", EcsServices, pick(SERVICES), { spec: { taskDefinition: pick(FAMILIES) } }),
    () => post(EcsTasks, "Task", `job-${taskCounter++}`, { taskDefinition: pick(FAMILIES), count: 1 + Math.floor(rnd() * 3) }),
    async () => {
      const running = (await list(EcsTasks)).filter((t) => t.spec?.desiredStatus !== "STOPPED");
      if (running.length > 0) await api("PATCH", EcsTasks, pick(running).metadata?.name, { spec: { desiredStatus: "STOPPED" } });
    },
    async () => {
      const tasks = await list(EcsTasks);
      if (tasks.length > 0) await api("DELETE", EcsTasks, pick(tasks).metadata?.name);
    },
  ];

  const faults = { killLeader: 0.35, restartApiserver: 0.15, restartEtcd: 0.05, ...opts.faults };
  const cp = opts.controlPlane;
  for (let round = 1; round <= opts.rounds; round++) {
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      await pick(actions)();
      figures.actions++;
    }
    await sleep(rnd() * 2_000);
    await sampleTaskPods();
    const dice = rnd();
    if (dice < faults.killLeader || (opts.forceKill === true && figures.leaderKills === 0 && round === opts.rounds)) {
      const leader = await waitForLeader();
      const victim = replicas.find((r) => r.identity === leader);
      if (victim) {
        const killedAt = performance.now();
        killed.add(victim.proc);
        victim.proc.kill("SIGKILL");
        startReplica();
        const next = await waitForLeader(leader);
        const seconds = (performance.now() - killedAt) / 1000;
        figures.failoverSeconds.push(seconds);
        figures.leaderKills++;
        opts.log(`round ${round}: killed leader ${leader}; ${next} leads after ${seconds.toFixed(1)} s`);
      }
    } else if (cp && dice < faults.killLeader + faults.restartApiserver) {
      await stopComponent(cp, "kube-apiserver", rnd() < 0.5);
      await sleep(rnd() * 15_000);
      await startComponent(cp, "kube-apiserver");
      await waitForApiserver(cp);
      figures.apiserverRestarts++;
      opts.log(`round ${round}: restarted the API server`);
    } else if (cp && dice < faults.killLeader + faults.restartApiserver + faults.restartEtcd) {
      await stopComponent(cp, "etcd", rnd() < 0.5);
      await sleep(rnd() * 5_000);
      await startComponent(cp, "etcd");
      await waitForApiserver(cp);
      figures.etcdRestarts++;
      opts.log(`round ${round}: restarted etcd`);
    } else {
      opts.log(`round ${round}: ${n} actions, no fault`);
    }
  }

  // Settle: the invariants must hold within settleMs; violations are those still open at the deadline.
  const settleStarted = performance.now();
  const deadline = Date.now() + (opts.settleMs ?? 240_000);
  let violations: string[];
  for (;;) {
    await sampleTaskPods();
    violations = await checkInvariants(kc, ns).catch((err: unknown) => [`invariant check failed: ${(err as Error).message}`]);
    if (violations.length === 0 || Date.now() > deadline) break;
    await sleep(2_000);
  }
  figures.settleSeconds = (performance.now() - settleStarted) / 1000;
  for (const [key, uids] of taskPodUids) if (uids.size > 1) violations.push(`task pod ${key} ran ${uids.size} times (uids ${[...uids].join(", ")})`);
  figures.violations = violations;
  stopping = true;
  for (const r of replicas) if (r.proc.exitCode === null) r.proc.kill("SIGTERM");
  await sleep(500);
  for (const r of replicas) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill("SIGKILL");
  return figures;
}

/**
 * What must hold once the operator settled, read from the API server: every Service runs exactly desiredCount
 * tasks of its newest revision and nothing else, every Task not stopped has exactly `count` pods, no pod or
 * Deployment outlives its owner, and every observedGeneration caught up. Returns the violations.
 */
export async function checkInvariants(kc: KubeConfig, ns: string): Promise<string[]> {
  const list = async (rt: ResourceType, labelSelector?: string): Promise<Obj[]> =>
    (await apiRequest<{ items: Obj[] }>(kc, { method: "GET", path: resourcePath(rt, ns), ...(labelSelector ? { query: { labelSelector } } : {}) })).items;
  const out: string[] = [];
  const tds = new Map((await list(TaskDefinitions)).map((t) => [t.metadata?.name ?? "", t]));
  const services = await list(EcsServices);
  const tasks = await list(EcsTasks);
  const pods = (await list(Pods)).filter((p) => p.metadata?.deletionTimestamp === undefined);
  const running = (p: Obj): boolean => (p.status as { phase?: string } | undefined)?.phase === "Running";
  for (const [name, td] of tds) {
    if (td.status?.observedGeneration !== td.metadata?.generation) out.push(`TaskDefinition ${name}: observedGeneration ${String(td.status?.observedGeneration)} behind generation ${String(td.metadata?.generation)}`);
  }
  for (const s of services) {
    const name = s.metadata?.name ?? "";
    if (s.status?.observedGeneration !== s.metadata?.generation) out.push(`Service ${name}: observedGeneration ${String(s.status?.observedGeneration)} behind generation ${String(s.metadata?.generation)}`);
    const family = typeof s.spec?.taskDefinition === "string" ? s.spec.taskDefinition : "";
    const revision = tds.get(family)?.status?.revision;
    const newest = typeof revision === "number" ? String(revision) : "?";
    const own = pods.filter((p) => p.metadata?.labels?.[SERVICE_LABEL] === name);
    const want = Number(s.spec?.desiredCount ?? 0);
    const current = own.filter((p) => running(p) && p.metadata?.labels?.[REVISION_LABEL] === newest);
    if (current.length !== want) out.push(`Service ${name}: ${current.length} running tasks of ${family}:${newest}, desiredCount ${want}`);
    const stale = own.filter((p) => !current.includes(p));
    if (stale.length > 0) out.push(`Service ${name}: ${stale.length} other pods left (${stale.map((p) => p.metadata?.name).join(", ")})`);
  }
  for (const t of tasks) {
    const name = t.metadata?.name ?? "";
    const own = pods.filter((p) => p.metadata?.labels?.[TASK_LABEL] === name);
    const count = Number(t.spec?.count ?? 1);
    if (t.spec?.desiredStatus === "STOPPED") {
      const still = own.filter(running);
      if (still.length > 0) out.push(`Task ${name}: STOPPED but ${still.length} pods run`);
    } else if (t.status?.lastStatus !== "STOPPED" && own.length !== count) {
      out.push(`Task ${name}: ${own.length} pods, count ${count}`);
    }
    if (own.length > count) out.push(`Task ${name}: ${own.length} pods, more than count ${count}`);
  }
  const serviceNames = new Set(services.map((s) => s.metadata?.name));
  const taskNames = new Set(tasks.map((t) => t.metadata?.name));
  for (const p of pods) {
    const svc = p.metadata?.labels?.[SERVICE_LABEL];
    const task = p.metadata?.labels?.[TASK_LABEL];
    if (svc !== undefined && !serviceNames.has(svc)) out.push(`orphan pod ${p.metadata?.name} of Service ${svc}`);
    if (task !== undefined && !taskNames.has(task)) out.push(`orphan pod ${p.metadata?.name} of Task ${task}`);
  }
  for (const d of await list(Deployments, SERVICE_LABEL)) {
    const svc = d.metadata?.labels?.[SERVICE_LABEL];
    if (svc !== undefined && !serviceNames.has(svc)) out.push(`orphan Deployment ${d.metadata?.name} of Service ${svc}`);
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** The figures as a Markdown table (what `npm run chaos` prints and writes). */
export function figuresTable(f: ChaosFigures, extra: [string, string][] = []): string {
  const secs = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} s` : "-");
  const rows: [string, string][] = [
    ["rounds", String(f.rounds)],
    ["seed", String(f.seed)],
    ["actions", String(f.actions)],
    ["kill -9 of the leader", String(f.leaderKills)],
    ["API server restarts", String(f.apiserverRestarts)],
    ["etcd restarts", String(f.etcdRestarts)],
    ["failover min / median / max", f.failoverSeconds.length === 0 ? "-" : `${secs(Math.min(...f.failoverSeconds))} / ${secs(median(f.failoverSeconds))} / ${secs(Math.max(...f.failoverSeconds))}`],
    ["replica exits after losing the lease (restarted)", String(f.selfExits)],
    ["settle time", secs(f.settleSeconds)],
    ...extra,
    ["violations", String(f.violations.length)],
  ];
  return ["| figure | value |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`), ...f.violations.map((v) => `- violation: ${v}`)].join("\n");
}
