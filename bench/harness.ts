// The benchmark itself (issue 17): N ECS Services against N plain Deployments with the same pods, side by side in
// one cluster and one run: creation to all ready, a new revision against a new image to all rolled out, then idle
// (writes and reconciles per resync), a restart of the operator to its first pass, and deletion. Each side of each
// phase records its wall time and the CPU seconds of the operator and of every control plane process, and the
// operator's reconciles, writes, queue waits and memory. `npm run bench` and the smoke test call runBench.
import { cpus, loadavg, totalmem } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import { API_GROUP_VERSION } from "../src/api/common.ts";
import { KubeClient } from "../src/runtime/kube-client.ts";
import { Deployments, Namespaces, Nodes, Pods, ServiceAccounts, resource, type KubeObject } from "../src/runtime/resources.ts";
import { ApiServerProfiler, apiserverMetrics, apiserverWatchEvents, apiserverWrites } from "./apiserver.ts";
import { OperatorFleet, type OperatorFlags } from "./operator.ts";
import { cpuSeconds, parseProcStat, procStatus } from "./proc.ts";
import { delta, heapSpaces, sumBy, sumValues, total, type Sample } from "./prometheus.ts";
import { Tracker } from "./tracker.ts";
import { serviceShardBucket } from "../src/builders/service/shard.ts";
import {
  BENCH_NODE_LABEL,
  BENCH_NODE_PODS,
  IMAGES,
  benchNode,
  ecsCluster,
  ecsService,
  newImagePatch,
  newRevisionPatch,
  nodesNeeded,
  plainDeployment,
  renderedPodSpec,
  serviceName,
  taskDefinition,
} from "./workload.ts";
import { readFileSync } from "node:fs";

const EcsServices = resource(API_GROUP_VERSION, "Service", "services");
const TaskDefinitions = resource(API_GROUP_VERSION, "TaskDefinition", "taskdefinitions");
const Clusters = resource(API_GROUP_VERSION, "Cluster", "clusters");

/** Processes whose CPU is recorded: the operator and the control plane components (when the bench started them). */
export const PROCESSES = ["operator", "kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kwok"] as const;
export type ProcessName = (typeof PROCESSES)[number];
export type Side = "ecs" | "plain";
export type PhaseName = "create" | "rollout" | "delete";

export interface BenchOptions {
  kubeconfig: string;
  services: number;
  tasks: number;
  /** PIDs of the control plane components, for their CPU; empty on a cluster the bench did not start. */
  pids?: Partial<Record<Exclude<ProcessName, "operator">, number>>;
  /**
   * The restarted operator's informer resync period, which the idle phase watches (short, so that a few resyncs fit
   * in a minute). The phases before the restart run with the product's default (`phaseResyncSeconds`).
   */
  resyncSeconds?: number;
  /** The resync period of the operator that runs creation and rollout: the product's default, 600 s. */
  phaseResyncSeconds?: number;
  /** How many resync periods the idle phase watches. */
  idleResyncs?: number;
  cpuProfileDir?: string;
  /** Run the operator from dist/ (built) or src/ (default). */
  code?: "dist" | "src";
  log?: (line: string) => void;
  /** Written into the result: how busy the machine was, what else ran. */
  note?: string;
  /** The control plane's profile and client rate, recorded with the result. */
  controlPlane?: Record<string, unknown>;
  /** Workers per controller of the operator (`ecs-operator run --workers`); the defaults for the ones not named. */
  workers?: Readonly<Record<string, number>>;
  /** The operator's V8 heap limit in MiB (as the chart's controller.maxHeapMiB sets it); none: Node's default. */
  maxHeapMiB?: number;
  /** The operator's --events and --pod-disruption-budgets; absent: its defaults. */
  operatorFlags?: OperatorFlags;
  /** After the idle phase, the restarted operator writes a V8 heap snapshot here (its path goes into the result). */
  heapSnapshotDir?: string;
  /** CPU profiles of kube-apiserver while each phase side runs go here (apiserver.ts; the control plane must serve /debug/pprof). */
  apiserverProfileDir?: string;
  /**
   * Only the ECS side of creation, then idle and restart (no plain Deployments, no rollout, no deletion): for the
   * memory and restart figures at sizes where the side-by-side phases would take hours on a small machine.
   */
  ecsOnly?: boolean;
  /**
   * Run the operator as this many processes, one per shard of the Service controller (`ecs-operator run --shards`).
   * Memory is then reported per replica, the top-level figures being those of the replica with the highest peak.
   */
  shards?: number;
}

/** One replica's memory in a sharded run. */
export interface ReplicaMemory {
  shard: number;
  rssBytes: number;
  peakRssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
}

export interface Memory {
  rssBytes: number;
  peakRssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Memory of C++ objects bound to JavaScript ones (Buffers and ArrayBuffers included), outside the V8 heap. */
  externalBytes: number;
  /** The resident set split as the kernel counts it (/proc/<pid>/status): anonymous memory, and mapped files (the node binary, shared libraries). */
  rssAnonBytes: number;
  rssFileBytes: number;
  /** Heap used and total per V8 space (old_space, new_space, large_object_space, code_space, ...). */
  heapSpaces: Record<string, { usedBytes: number; totalBytes: number }>;
  /** Each replica's, when the operator ran as several shards (the fields above are the largest replica's). */
  replicas?: ReplicaMemory[];
}

/** What a measured window cost: CPU per process, the operator's reconciles and writes by kind, and its memory. */
export interface Cost {
  cpuSeconds: Partial<Record<ProcessName, number>>;
  reconciles: Record<string, number>;
  writes: Record<string, number>;
  memory: Memory;
}

export interface SideResult extends Cost {
  /** Wall time from the first request to the last object done. */
  seconds: number;
  /** Wall time until the operator was quiet again (trailing status writes); CPU and counts cover this window. */
  measuredSeconds: number;
  /** Mean seconds a key waited in each controller's queue, and how many keys. */
  queueWait: Record<string, { meanSeconds: number; keys: number }>;
  /** The kube-apiserver CPU profiles taken while this side ran (--apiserver-profile). */
  apiserverProfiles?: string[];
  /**
   * Mutating requests kube-apiserver served while this side ran, by "VERB resource[/subresource]", from every client
   * (the bench, the operator, kube-controller-manager, the scheduler, kwok); absent when its /metrics cannot be read.
   */
  apiserverWrites?: Record<string, number>;
  /** Watch events kube-apiserver sent to all its watchers while this side ran, by resource. */
  apiserverWatchEvents?: Record<string, number>;
}

export interface PhaseResult {
  phase: PhaseName;
  /** The sides in the order they ran; ECS alone with `ecsOnly`. */
  order: Side[];
  ecs: SideResult;
  /** null when only the ECS side ran. */
  plain: SideResult | null;
  /** ecs.seconds / plain.seconds; null when only the ECS side ran. */
  ratio: number | null;
  /** The API server's CPU in the ECS run / in the plain run. */
  apiserverCpuRatio: number | null;
  /** The operator's CPU / the API server's, in the ECS run. */
  operatorToApiserverCpu: number | null;
}

export interface IdleResult extends Cost {
  seconds: number;
  resyncSeconds: number;
  resyncs: number;
  writesTotal: number;
  /** Reconciles per object per resync period, for the kinds with N objects. */
  reconcilesPerObjectPerResync: Record<string, number>;
  /** The V8 heap snapshot the idle operator wrote (--heap-snapshot). */
  heapSnapshot?: string;
}

export interface RestartResult extends Cost {
  /** SIGTERM to exit. */
  stopSeconds: number;
  /** Start to informer caches synced (the Manager's log line; else /readyz 200). */
  readySeconds: number;
  /** Start to every Service and TaskDefinition reconciled once and every queue empty. */
  firstPassSeconds: number;
  writesTotal: number;
}

/** One replica of a sharded operator restarted while the others run (a StatefulSet replaces its pods one by one). */
export interface ReplicaRestartResult {
  shard: number;
  /** The Services that shard reconciles. */
  services: number;
  readySeconds: number;
  /** Start to each of its Services (and, on shard 0, every TaskDefinition) reconciled once and its queues empty. */
  firstPassSeconds: number;
  writesTotal: number;
  peakRssBytes: number;
}

export interface BenchResult {
  date: string;
  services: number;
  tasks: number;
  machine: { cpus: number; loadavgAtStart: number[]; totalMemoryBytes: number; node: string; note: string };
  /** Whether the operator ran the compiled dist/ or src/ through Node's type stripping. */
  operatorCode: "dist" | "src";
  /** The operator's workers per controller as given (defaults for the others), and its heap limit (null: Node's). */
  operator: { workers: Readonly<Record<string, number>>; maxHeapMiB: number | null; phaseResyncSeconds: number; events?: "all" | "warnings"; podDisruptionBudgets?: boolean; shards?: number };
  /** Whether only the ECS side of creation ran (then idle and restart). */
  ecsOnly: boolean;
  controlPlane: Record<string, unknown>;
  nodesAdded: number;
  phases: PhaseResult[];
  idle: IdleResult;
  restart: RestartResult;
  /** Sharded runs: shard 0 (the largest) restarted alone after the idle phase. */
  replicaRestart?: ReplicaRestartResult;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Obj = KubeObject & Record<string, unknown>;

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface ServiceStatusView {
  observedGeneration?: number;
  runningCount?: number;
  pendingCount?: number;
  deployments?: { rolloutState?: string; taskDefinition?: string }[];
  conditions?: { type: string; status: string }[];
}

/** An ECS Service is done when its status says so for this generation: every task running on `revision`, one deployment, Ready. */
export function ecsSteady(tasks: number, revision: number) {
  return (svc: KubeObject & { status?: ServiceStatusView }): boolean => {
    const s = svc.status;
    const d = s?.deployments;
    return s !== undefined && s.observedGeneration === svc.metadata?.generation && s.runningCount === tasks && (s.pendingCount ?? 0) === 0 &&
      d?.length === 1 && d[0]?.rolloutState === "COMPLETED" && d[0].taskDefinition === `${svc.metadata?.name ?? ""}:${revision}` &&
      s.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
  };
}

interface DeploymentView {
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number };
}

/** A plain Deployment is done when every replica is updated to `image`, ready and available, and no old one is left. */
export function plainRolledOut(tasks: number, image: string) {
  return (d: KubeObject & DeploymentView): boolean => {
    const s = d.status;
    return s !== undefined && s.observedGeneration === d.metadata?.generation && d.spec?.template?.spec?.containers?.[0]?.image === image &&
      s.replicas === tasks && s.updatedReplicas === tasks && s.readyReplicas === tasks && s.availableReplicas === tasks;
  };
}

interface Snapshot {
  cpu: Partial<Record<ProcessName, number>>;
  metrics: Sample[];
  /** kube-apiserver's /metrics, when readable. */
  apiserver?: Sample[] | undefined;
}

const cpuDelta = (after: Snapshot, before: Snapshot): Partial<Record<ProcessName, number>> => {
  const out: Partial<Record<ProcessName, number>> = {};
  for (const p of PROCESSES) {
    const a = after.cpu[p];
    const b = before.cpu[p];
    if (a !== undefined && b !== undefined) out[p] = Math.round((a - b) * 100) / 100;
  }
  return out;
};

const reconcilesOf = (m: Sample[]): Record<string, number> => sumBy(m, "ecs_operator_reconcile_total", ["controller"]);
const writesOf = (m: Sample[]): Record<string, number> => sumBy(m, "ecs_operator_api_writes_total", ["verb", "kind"]);

function queueWait(after: Sample[], before: Sample[]): Record<string, { meanSeconds: number; keys: number }> {
  const sums = delta(sumBy(after, "ecs_operator_workqueue_queue_duration_seconds_sum", ["name"]), sumBy(before, "ecs_operator_workqueue_queue_duration_seconds_sum", ["name"]));
  const counts = delta(sumBy(after, "ecs_operator_workqueue_queue_duration_seconds_count", ["name"]), sumBy(before, "ecs_operator_workqueue_queue_duration_seconds_count", ["name"]));
  const out: Record<string, { meanSeconds: number; keys: number }> = {};
  for (const [name, keys] of Object.entries(counts)) out[name] = { meanSeconds: Math.round(((sums[name] ?? 0) / keys) * 1000) / 1000, keys };
  return out;
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const N = opts.services;
  const R = opts.tasks;
  const resyncSeconds = opts.resyncSeconds ?? 30;
  const phaseResyncSeconds = opts.phaseResyncSeconds ?? 600;
  const idleResyncs = opts.idleResyncs ?? 2;
  const phaseTimeoutMs = Math.max(180_000, N * R * 500);
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfig);
  const client = new KubeClient(kc);
  const profiler = opts.apiserverProfileDir === undefined ? undefined : new ApiServerProfiler(kc, opts.apiserverProfileDir);
  const loadavgAtStart = loadavg();
  const suffix = randomBytes(3).toString("hex");
  const ecsNs = `bench-ecs-${suffix}`;
  const plainNs = `bench-plain-${suffix}`;
  const names = Array.from({ length: N }, (_, i) => serviceName(i));
  const podSpec = renderedPodSpec(plainNs, "app", IMAGES[0]);
  const trackers: Tracker<KubeObject>[] = [];
  // A short resync during creation would add every object to the queues every few seconds (at 5,000 Services and a
  // 30 s resync, 20 passes per TaskDefinition in a 12-minute creation): the phases run with the product's period, and
  // only the restarted operator, which the idle phase watches, with the short one.
  const shards = opts.shards ?? 1;
  const operatorOptions = (resync: number) => ({ kubeconfig: opts.kubeconfig, namespace: ecsNs, resyncSeconds: resync, cpuProfileDir: opts.cpuProfileDir, code: opts.code ?? "src", workers: opts.workers, maxHeapMiB: opts.maxHeapMiB, flags: opts.operatorFlags, heapSnapshotDir: opts.heapSnapshotDir });
  let operator: OperatorFleet | undefined;
  // The peak resident set of each replica since the window started.
  let peakRss: number[] = [];
  const rssSampler = setInterval(() => {
    for (const [i, r] of (operator?.replicas ?? []).entries()) {
      const pid = r.pid;
      if (pid === undefined) continue;
      try {
        peakRss[i] = Math.max(peakRss[i] ?? 0, parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8")).rssPages * 4096);
      } catch {
        // between processes
      }
    }
  }, 500);

  const snapshot = async (): Promise<Snapshot> => {
    const cpu: Partial<Record<ProcessName, number>> = {};
    const op = operator?.cpu();
    if (op !== undefined) cpu.operator = op;
    for (const [name, pid] of Object.entries(opts.pids ?? {})) {
      const s = cpuSeconds(pid);
      if (s !== undefined) cpu[name as ProcessName] = s;
    }
    return { cpu, metrics: operator ? await operator.metrics() : [], apiserver: await apiserverMetrics(kc) };
  };
  const replicaMemory = (m: Sample[], i: number): Omit<Memory, "replicas"> => ({
    rssBytes: total(m, "ecs_operator_process_resident_memory_bytes"),
    peakRssBytes: peakRss[i] ?? 0,
    heapUsedBytes: total(m, "ecs_operator_nodejs_heap_size_used_bytes"),
    heapTotalBytes: total(m, "ecs_operator_nodejs_heap_size_total_bytes"),
    externalBytes: total(m, "ecs_operator_nodejs_external_memory_bytes"),
    ...procStatus(operator?.replicas[i]?.pid),
    heapSpaces: heapSpaces(m),
  });
  /** The memory of each replica, read from its own metrics; one replica: its figures, as before. */
  const memory = async (): Promise<Memory> => {
    const replicas = operator?.replicas ?? [];
    const each = await Promise.all(replicas.map(async (r, i) => replicaMemory(await r.metrics(), i)));
    const largest = each.reduce<Omit<Memory, "replicas"> | undefined>((a, m) => (a === undefined || m.peakRssBytes > a.peakRssBytes ? m : a), undefined) ?? replicaMemory([], 0);
    if (replicas.length <= 1) return largest;
    return { ...largest, replicas: each.map((m, shard) => ({ shard, rssBytes: m.rssBytes, peakRssBytes: m.peakRssBytes, heapUsedBytes: m.heapUsedBytes, heapTotalBytes: m.heapTotalBytes, rssAnonBytes: m.rssAnonBytes, rssFileBytes: m.rssFileBytes })) };
  };

  /**
   * Waits until the operator's queues are empty and it has written nothing for 2 s (at most 60 s): its trailing
   * status writes belong to the phase. Reconciles that write nothing do not hold it up, or an operator that
   * reconciles steadily while idle would never be quiet.
   */
  const quiet = async (): Promise<void> => {
    const deadline = performance.now() + 60_000;
    let last = -1;
    let since = performance.now();
    while (performance.now() < deadline) {
      if (operator === undefined) throw new Error("bench: the operator is not running");
      const m = await operator.metrics();
      const writes = total(m, "ecs_operator_api_writes_total");
      const busy = total(m, "ecs_operator_workqueue_depth") > 0;
      if (writes !== last || busy) {
        last = writes;
        since = performance.now();
      } else if (performance.now() - since >= 2000) {
        return;
      }
      await sleep(250);
    }
    log("the operator did not go quiet within 60 s; measuring on");
  };

  const measure = async (run: () => Promise<void>, settle: () => Promise<void>): Promise<SideResult> => {
    const before = await snapshot();
    peakRss = [];
    const t0 = performance.now();
    await run();
    const seconds = (performance.now() - t0) / 1000;
    await settle();
    const measuredSeconds = (performance.now() - t0) / 1000;
    const after = await snapshot();
    return {
      seconds: Math.round(seconds * 100) / 100,
      measuredSeconds: Math.round(measuredSeconds * 100) / 100,
      cpuSeconds: cpuDelta(after, before),
      reconciles: delta(reconcilesOf(after.metrics), reconcilesOf(before.metrics)),
      writes: delta(writesOf(after.metrics), writesOf(before.metrics)),
      queueWait: queueWait(after.metrics, before.metrics),
      memory: await memory(),
      ...(after.apiserver === undefined || before.apiserver === undefined
        ? {}
        : { apiserverWrites: delta(apiserverWrites(after.apiserver), apiserverWrites(before.apiserver)), apiserverWatchEvents: delta(apiserverWatchEvents(after.apiserver), apiserverWatchEvents(before.apiserver)) }),
    };
  };

  const phase = async (name: PhaseName, bothSides: [Side, Side], runs: Record<Side, () => Promise<void>>): Promise<PhaseResult> => {
    const results: Partial<Record<Side, SideResult>> = {};
    const order: Side[] = opts.ecsOnly === true ? ["ecs"] : bothSides;
    for (const side of order) {
      log(`${name}: ${side}`);
      // The plain side has nothing of the operator's to wait for; it gets the same 2 s tail as a quiet operator.
      profiler?.start(`${name}-${side}`);
      results[side] = await measure(runs[side], side === "ecs" ? quiet : () => sleep(2000));
      if (profiler !== undefined) results[side].apiserverProfiles = await profiler.stop();
      log(`${name}: ${side} done in ${results[side].seconds}s`);
    }
    const { ecs, plain } = results;
    if (ecs === undefined || (plain === undefined && opts.ecsOnly !== true)) throw new Error(`bench: phase ${name} ran ${order.join(" and ")}, not both sides`);
    const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100);
    return {
      phase: name,
      order,
      ecs,
      plain: plain ?? null,
      ratio: ratio(ecs.seconds, plain?.seconds),
      apiserverCpuRatio: ratio(ecs.cpuSeconds["kube-apiserver"], plain?.cpuSeconds["kube-apiserver"]),
      operatorToApiserverCpu: ratio(ecs.cpuSeconds.operator, ecs.cpuSeconds["kube-apiserver"]),
    };
  };

  try {
    log(`namespaces ${ecsNs} and ${plainNs}`);
    for (const ns of [ecsNs, plainNs]) await client.create(Namespaces, { metadata: { name: ns, labels: { "bench.ecs-operator.dev/run": suffix } } });
    for (const ns of [ecsNs, plainNs]) await until(`ServiceAccount default in ${ns}`, async () => (await client.get(ServiceAccounts, "default", ns)) !== undefined, 60_000);
    const nodesAdded = await addNodes(client, N, R, log);

    const services = new Tracker<KubeObject>(client, EcsServices, ecsNs);
    const deployments = new Tracker<KubeObject>(client, Deployments, plainNs);
    const ecsPods = new Tracker<KubeObject>(client, Pods, ecsNs);
    const plainPods = new Tracker<KubeObject>(client, Pods, plainNs);
    trackers.push(services, deployments, ecsPods, plainPods);
    await Promise.all(trackers.map((t) => t.start()));

    operator = await OperatorFleet.start(operatorOptions(phaseResyncSeconds), shards);
    await operator.waitReady();
    await client.create(Clusters, ecsCluster(ecsNs));
    await quiet();

    const phases: PhaseResult[] = [];
    phases.push(await phase("create", ["ecs", "plain"], {
      ecs: async () => {
        await inParallel(names, 16, async (name) => {
          await client.create(TaskDefinitions, taskDefinition(ecsNs, name, IMAGES[0]) as unknown as Obj);
          await client.create(EcsServices, ecsService(ecsNs, name, R) as unknown as Obj);
        });
        await services.untilMatching(`${N} ECS Services steady on revision 1`, ecsSteady(R, 1), N, phaseTimeoutMs);
      },
      plain: async () => {
        await inParallel(names, 16, (name) => client.create(Deployments, plainDeployment(plainNs, name, R, podSpec)));
        await deployments.untilMatching(`${N} Deployments rolled out`, plainRolledOut(R, IMAGES[0]), N, phaseTimeoutMs);
      },
    }));
    if (opts.ecsOnly !== true) phases.push(await phase("rollout", ["plain", "ecs"], {
      ecs: async () => {
        await inParallel(names, 16, (name) => client.patch(TaskDefinitions, name, ecsNs, newRevisionPatch(IMAGES[1])));
        await services.untilMatching(`${N} ECS Services steady on revision 2`, ecsSteady(R, 2), N, phaseTimeoutMs);
      },
      plain: async () => {
        await inParallel(names, 16, (name) => client.patch(Deployments, name, plainNs, newImagePatch(podSpec, IMAGES[1])));
        await deployments.untilMatching(`${N} Deployments rolled out to the new image`, plainRolledOut(R, IMAGES[1]), N, phaseTimeoutMs);
      },
    }));

    log("restart");
    const cpBefore = await snapshot();
    const stopStart = performance.now();
    await operator.stop();
    const stopSeconds = (performance.now() - stopStart) / 1000;
    peakRss = [];
    operator = await OperatorFleet.start(operatorOptions(resyncSeconds), shards);
    const readyzSeconds = await operator.waitReady();
    const current = operator;
    await until("the restarted operator's first pass", async () => {
      const m = await current.metrics();
      return total(m, "ecs_operator_reconcile_total", { controller: "service" }) >= N && total(m, "ecs_operator_reconcile_total", { controller: "taskdefinition" }) >= N && total(m, "ecs_operator_workqueue_depth") === 0;
    }, phaseTimeoutMs, 50);
    const firstPassSeconds = (performance.now() - current.startedAt) / 1000;
    const readySeconds = current.cachesSyncedSeconds() ?? readyzSeconds;
    await quiet();
    const restartAfter = await snapshot();
    const restartWrites = writesOf(restartAfter.metrics);
    const restart: RestartResult = {
      stopSeconds: Math.round(stopSeconds * 100) / 100,
      readySeconds: Math.round(readySeconds * 100) / 100,
      firstPassSeconds: Math.round(firstPassSeconds * 100) / 100,
      writes: restartWrites,
      writesTotal: sumValues(restartWrites),
      reconciles: reconcilesOf(restartAfter.metrics),
      // The new process started at 0; the control plane's CPU covers the stop, the start and the first pass.
      cpuSeconds: { ...cpuDelta(restartAfter, cpBefore), ...(restartAfter.cpu.operator === undefined ? {} : { operator: Math.round(restartAfter.cpu.operator * 100) / 100 }) },
      memory: await memory(),
    };

    log(`idle: ${idleResyncs} resyncs of ${resyncSeconds}s`);
    await quiet();
    // The window starts half a period after a resync of the restarted operator and lasts K periods, so it holds
    // exactly K resyncs (a window that began just before one held K + 1: 1.43 "per resync" at 5,000 on 2026-12-05).
    await sleep(idleWindowDelayMs(performance.now() - operator.startedAt, resyncSeconds * 1000));
    peakRss = [];
    const idleBefore = await snapshot();
    const idleStart = performance.now();
    await sleep(idleResyncs * resyncSeconds * 1000);
    const idleAfter = await snapshot();
    const idleSeconds = (performance.now() - idleStart) / 1000;
    const idleWrites = delta(writesOf(idleAfter.metrics), writesOf(idleBefore.metrics));
    const idleReconciles = delta(reconcilesOf(idleAfter.metrics), reconcilesOf(idleBefore.metrics));
    const resyncs = idleResyncs;
    const idle: IdleResult = {
      seconds: Math.round(idleSeconds * 10) / 10,
      resyncSeconds,
      resyncs: Math.round(resyncs * 100) / 100,
      writes: idleWrites,
      writesTotal: sumValues(idleWrites),
      reconciles: idleReconciles,
      reconcilesPerObjectPerResync: Object.fromEntries(["service", "taskdefinition"].map((c) => [c, Math.round(((idleReconciles[c] ?? 0) / N / resyncs) * 100) / 100])),
      cpuSeconds: cpuDelta(idleAfter, idleBefore),
      memory: await memory(),
    };
    if (opts.heapSnapshotDir !== undefined) {
      log("heap snapshot of the idle operator");
      idle.heapSnapshot = await operator.heapSnapshot(opts.heapSnapshotDir);
    }

    let replicaRestart: ReplicaRestartResult | undefined;
    if (shards > 1) {
      log("restart of shard 0 alone");
      const own = names.filter((n) => serviceShardBucket(ecsNs, n) % shards === 0).length;
      peakRss = [];
      const fresh = await operator.restartReplica(0);
      const readyzSeconds = await fresh.waitReady();
      await until("shard 0's first pass", async () => {
        const m = await fresh.metrics();
        return total(m, "ecs_operator_reconcile_total", { controller: "service" }) >= own && total(m, "ecs_operator_reconcile_total", { controller: "taskdefinition" }) >= N && total(m, "ecs_operator_workqueue_depth") === 0;
      }, phaseTimeoutMs, 50);
      const firstPassSeconds = (performance.now() - fresh.startedAt) / 1000;
      await quiet();
      replicaRestart = {
        shard: 0,
        services: own,
        readySeconds: Math.round((fresh.cachesSyncedSeconds() ?? readyzSeconds) * 100) / 100,
        firstPassSeconds: Math.round(firstPassSeconds * 100) / 100,
        writesTotal: sumValues(writesOf(await fresh.metrics())),
        peakRssBytes: peakRss[0] ?? 0,
      };
    }

    if (opts.ecsOnly !== true) phases.push(await phase("delete", ["ecs", "plain"], {
      ecs: async () => {
        await inParallel(names, 16, (name) => client.delete(EcsServices, name, ecsNs));
        await services.untilEmpty(`${N} ECS Services gone`, phaseTimeoutMs);
        await ecsPods.untilEmpty(`the ECS Services' pods gone`, phaseTimeoutMs);
      },
      plain: async () => {
        await inParallel(names, 16, (name) => client.delete(Deployments, name, plainNs));
        await deployments.untilEmpty(`${N} Deployments gone`, phaseTimeoutMs);
        await plainPods.untilEmpty(`the Deployments' pods gone`, phaseTimeoutMs);
      },
    }));

    return {
      date: new Date().toISOString(),
      services: N,
      tasks: R,
      machine: { cpus: cpus().length, loadavgAtStart, totalMemoryBytes: totalmem(), node: process.version, note: opts.note ?? "" },
      controlPlane: opts.controlPlane ?? {},
      operatorCode: opts.code ?? "src",
      operator: { workers: opts.workers ?? {}, maxHeapMiB: opts.maxHeapMiB ?? null, phaseResyncSeconds, events: opts.operatorFlags?.events ?? "all", podDisruptionBudgets: opts.operatorFlags?.podDisruptionBudgets ?? true, shards },
      ecsOnly: opts.ecsOnly === true,
      nodesAdded,
      phases,
      idle,
      restart,
      ...(replicaRestart === undefined ? {} : { replicaRestart }),
    };
  } finally {
    clearInterval(rssSampler);
    for (const t of trackers) t.stop();
    // The namespaces go while the operator still runs, so that it removes its finalizers (Cluster, Services).
    for (const ns of [ecsNs, plainNs]) await client.delete(Namespaces, ns).catch(() => undefined);
    await until("the bench namespaces gone", async () => (await client.get(Namespaces, ecsNs)) === undefined && (await client.get(Namespaces, plainNs)) === undefined, 120_000, 500)
      .catch((err: unknown) => { log(String(err)); });
    await operator?.stop();
    await removeNodes(client);
  }
}

/**
 * How long to wait, `elapsedMs` after the operator started, until the middle of its current resync period (or of the
 * next, when the middle has passed): resyncs fire at whole periods after the start, so a window of K periods opened
 * there holds exactly K of them, whatever a second of drift between the process start and its timer.
 */
export function idleWindowDelayMs(elapsedMs: number, periodMs: number): number {
  const intoPeriod = elapsedMs % periodMs;
  const middle = periodMs / 2;
  return intoPeriod <= middle ? middle - intoPeriod : periodMs - intoPeriod + middle;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`bench: ${what} not reached within ${timeoutMs / 1000}s`);
    await sleep(intervalMs);
  }
}

interface NodeView {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: { effect?: string }[] };
  status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] };
}

/** Adds bench nodes when the untainted nodes have no room for the run's peak, and waits until kwok reports them Ready. */
async function addNodes(client: KubeClient, services: number, tasks: number, log: (line: string) => void): Promise<number> {
  const nodes = (await client.list<KubeObject & NodeView>(Nodes)).items;
  const usable = nodes.filter((n) => n.spec?.unschedulable !== true && !(n.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute") &&
    n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true);
  const names = new Set(usable.map((n) => n.metadata?.name));
  const pods = (await client.list<KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string } }>(Pods)).items
    .filter((p) => names.has(p.spec?.nodeName) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed").length;
  const capacity = usable.reduce((n, node) => n + Number(node.status?.allocatable?.pods ?? 0), 0);
  const count = nodesNeeded(services, tasks, capacity - pods);
  if (count === 0) return 0;
  const existing = new Set(nodes.map((n) => n.metadata?.name));
  let index = 0;
  const added: string[] = [];
  while (added.length < count) {
    const node = benchNode(index++);
    if (existing.has(node.metadata?.name)) continue;
    await client.create(Nodes, node);
    added.push(node.metadata?.name ?? "");
  }
  log(`added ${count} kwok nodes of ${BENCH_NODE_PODS} pods: ${added.join(", ")}`);
  await until(`${count} bench nodes Ready`, async () => {
    const list = (await client.list<KubeObject & NodeView>(Nodes, { labelSelector: `${BENCH_NODE_LABEL}=true` })).items;
    return list.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true).length >= count;
  }, 60_000);
  return count;
}

async function removeNodes(client: KubeClient): Promise<void> {
  const nodes = (await client.list(Nodes, { labelSelector: `${BENCH_NODE_LABEL}=true` })).items;
  for (const n of nodes) await client.delete(Nodes, n.metadata?.name ?? "");
}
