import { describe, expect, it } from "vitest";
import type { BenchResult, SideResult } from "../../../bench/harness.ts";
import { formatTable } from "../../../bench/report.ts";

const side = (seconds: number, operator: number, apiserver: number, reconciles: Record<string, number>, writes: Record<string, number>): SideResult => ({
  seconds, measuredSeconds: seconds + 2, cpuSeconds: { operator, "kube-apiserver": apiserver, etcd: 0.5, "kube-controller-manager": 0.25 },
  reconciles, writes, queueWait: { service: { meanSeconds: seconds / 4, keys: 20 } }, memory: { rssBytes: 200 * 1048576, peakRssBytes: 250 * 1048576, heapUsedBytes: 50 * 1048576, heapTotalBytes: 60 * 1048576, externalBytes: 20 * 1048576, rssAnonBytes: 150 * 1048576, rssFileBytes: 50 * 1048576, heapSpaces: {} },
});

const result: BenchResult = {
  date: "2026-12-05T09:00:00.000Z", services: 20, tasks: 3,
  machine: { cpus: 2, loadavgAtStart: [8, 9, 10], totalMemoryBytes: 1, node: "v24", note: "busy" },
  controlPlane: {}, operatorCode: "dist", nodesAdded: 0, operator: { workers: { service: 8 }, maxHeapMiB: null, phaseResyncSeconds: 600 }, ecsOnly: false,
  phases: [
    { phase: "create", order: ["ecs", "plain"], ecs: side(8, 1, 4, { service: 60, cluster: 10 }, { "apply Deployment": 20 }), plain: side(2, 0, 1, {}, {}), ratio: 4, apiserverCpuRatio: 4, operatorToApiserverCpu: 0.25 },
    {
      phase: "rollout", order: ["plain", "ecs"],
      ecs: { ...side(9, 1, 3, { service: 80 }, { "apply Deployment": 20, "create Event": 20 }), apiserverWrites: { "POST pods": 60, "APPLY services/status": 90, "APPLY deployments": 20 } },
      plain: { ...side(3, 0, 1, {}, {}), apiserverWrites: { "POST pods": 60, "PATCH deployments": 20 } },
      ratio: 3, apiserverCpuRatio: 3, operatorToApiserverCpu: 0.33,
    },
  ],
  idle: { seconds: 61, resyncSeconds: 30, resyncs: 2, writes: {}, writesTotal: 0, reconciles: { service: 320 }, reconcilesPerObjectPerResync: { service: 8, taskdefinition: 1 }, cpuSeconds: { operator: 0.5 }, memory: side(0, 0, 0, {}, {}).memory },
  restart: { stopSeconds: 0.2, readySeconds: 1.8, firstPassSeconds: 1.9, writes: {}, writesTotal: 0, reconciles: { service: 20 }, cpuSeconds: {}, memory: side(0, 0, 0, {}, {}).memory },
};

describe("bench: the printed table", () => {
  const table = formatTable(result);

  it("one row per side in the order it ran, the ECS/plain ratio on the ECS row, reconciles and writes summed", () => {
    expect(table).toContain("| create | ECS | 8.0 | 4.00× | 1.0 | 4.0 | 0.5 | 0.3 | 70 | 20 |");
    expect(table).toContain("| create | plain | 2.0 |  | 0.0 | 1.0 | 0.5 | 0.3 | 0 | 0 |");
    expect(table.indexOf("| rollout | plain |")).toBeLessThan(table.indexOf("| rollout | ECS |"));
  });

  it("says how busy the machine was, and gives idle, restart and memory lines", () => {
    expect(table).toContain("N=20 services × 3 tasks, 2026-12-05T09:00, 2 CPUs, load 8.0 9.0 10.0 (busy)");
    expect(table).toContain("idle 61 s (2.0 resyncs of 30 s): 0 writes, reconciles per object per resync service 8.00, taskdefinition 1.00, operator CPU 0.50 s");
    expect(table).toContain("restart: ready 1.80 s, first pass 1.90 s, 0 writes");
    expect(table).toContain("operator memory: peak RSS 250 MiB; idle RSS 200 MiB (anonymous 150, files 50), heap used 50 of 60 MiB, external 20 MiB");
    expect(table).toContain("create: operator/apiserver CPU 0.25, apiserver ECS/plain 4.00");
    expect(table).toContain("mean queue wait: creation service 2.00 s; rollout service 2.25 s");
    expect(table).toContain("operator: workers service=8, heap limit Node's default, resync 600 s until the restart, 30 s after");
    // Only the phase whose result carries the API server's counts gets the line, largest first.
    expect(table).toContain("API server writes in the rollout: ECS 170 (APPLY services/status 90, POST pods 60, APPLY deployments 20); plain 80 (POST pods 60, PATCH deployments 20)");
    expect(table).not.toContain("API server writes in the create");
  });

  it("an ECS-only run (creation, idle, restart) has ECS rows only, no ratio, and says so", () => {
    const ecsOnly: BenchResult = {
      ...result,
      ecsOnly: true,
      operator: { workers: {}, maxHeapMiB: 384, phaseResyncSeconds: 600, events: "warnings", podDisruptionBudgets: false },
      phases: [{ phase: "create", order: ["ecs"], ecs: side(8, 1, 4, { service: 60 }, { "apply Deployment": 20 }), plain: null, ratio: null, apiserverCpuRatio: null, operatorToApiserverCpu: 0.25 }],
    };
    const t = formatTable(ecsOnly);
    expect(t).toContain("| create | ECS | 8.0 | - | 1.0 | 4.0 | 0.5 | 0.3 | 60 | 20 |");
    expect(t).not.toContain("| plain |");
    expect(t).toContain("operator: workers default, heap limit 384 MiB, resync 600 s until the restart, 30 s after, --events=warnings, --pod-disruption-budgets=false; ECS side only (creation, restart, idle)");
    expect(t).toContain("create: operator/apiserver CPU 0.25, apiserver ECS/plain -");
  });

  it("a sharded run names its shards and gives each replica's peak (over every phase) and idle memory", () => {
    const mib = 1048576;
    const replica = (shard: number, peak: number, rss: number) => ({ shard, rssBytes: rss * mib, peakRssBytes: peak * mib, heapUsedBytes: 40 * mib, heapTotalBytes: 50 * mib, rssAnonBytes: (rss - 56) * mib, rssFileBytes: 56 * mib });
    const withReplicas = (peaks: number[], rss: number[]) => ({ ...side(0, 0, 0, {}, {}).memory, peakRssBytes: Math.max(...peaks) * mib, replicas: peaks.map((p, i) => replica(i, p, rss[i] ?? 0)) });
    const [create] = result.phases;
    if (create === undefined) throw new Error("the fixture has a create phase");
    const sharded: BenchResult = {
      ...result,
      operator: { ...result.operator, shards: 2 },
      phases: [{ ...create, ecs: { ...create.ecs, memory: withReplicas([300, 200], [280, 190]) } }],
      idle: { ...result.idle, memory: withReplicas([290, 210], [270, 180]) },
      restart: { ...result.restart, memory: withReplicas([350, 190], [300, 185]) },
      replicaRestart: { shard: 0, services: 11, readySeconds: 1.234, firstPassSeconds: 2.5, writesTotal: 0, peakRssBytes: 310 * mib },
    };
    const t = formatTable(sharded);
    expect(t).toContain(", 2 shards (one process each)");
    expect(t).toContain("restart of shard 0 alone (11 services), the others running: ready 1.23 s, first pass 2.50 s, 0 writes, peak RSS 310 MiB");
    expect(t).toContain("operator memory (the largest replica's): peak RSS 350 MiB");
    expect(t).toContain("  shard 0: peak RSS 350 MiB; idle RSS 270 MiB (anonymous 214), heap used 40 of 50 MiB");
    expect(t).toContain("  shard 1: peak RSS 210 MiB; idle RSS 180 MiB (anonymous 124), heap used 40 of 50 MiB");
  });
});
