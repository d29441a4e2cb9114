// The table `npm run bench` prints and docs/performance.md carries: per phase the ECS and plain wall times and their
// ratio, the CPU seconds of the operator next to the control plane's, and the operator's reconciles and writes.
import type { BenchResult, SideResult } from "./harness.ts";
import { sumValues } from "./prometheus.ts";

const num = (n: number | null | undefined, digits = 1): string => (n === null || n === undefined ? "-" : n.toFixed(digits));
const mib = (bytes: number): string => `${Math.round(bytes / 1048576)}`;

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function sideCells(s: SideResult): string[] {
  return [num(s.seconds), num(s.cpuSeconds.operator), num(s.cpuSeconds["kube-apiserver"]), num(s.cpuSeconds.etcd), num(s.cpuSeconds["kube-controller-manager"]), String(sumValues(s.reconciles)), String(sumValues(s.writes))];
}

/** A Markdown table of one result (it reads as plain text in a terminal too). */
export function formatTable(r: BenchResult): string {
  const lines: string[] = [];
  lines.push(`N=${r.services} services × ${r.tasks} tasks, ${r.date.slice(0, 16)}, ${r.machine.cpus} CPUs, load ${r.machine.loadavgAtStart.map((l) => l.toFixed(1)).join(" ")}${r.machine.note ? ` (${r.machine.note})` : ""}`);
  const workers = Object.entries(r.operator.workers).map(([k, v]) => `${k}=${v}`).join(",");
  lines.push(`operator: workers ${workers === "" ? "default" : workers}, heap limit ${r.operator.maxHeapMiB === null ? "Node's default" : `${r.operator.maxHeapMiB} MiB`}, resync ${r.operator.phaseResyncSeconds} s until the restart, ${r.idle.resyncSeconds} s after${r.operator.events === "warnings" ? ", --events=warnings" : ""}${r.operator.podDisruptionBudgets === false ? ", --pod-disruption-budgets=false" : ""}${(r.operator.shards ?? 1) > 1 ? `, ${r.operator.shards} shards (one process each)` : ""}${r.ecsOnly ? "; ECS side only (creation, restart, idle)" : ""}`);
  lines.push("");
  lines.push(row(["phase", "side", "wall s", "ECS/plain", "operator CPU s", "apiserver CPU s", "etcd CPU s", "kcm CPU s", "reconciles", "writes"]));
  lines.push(row(Array.from({ length: 10 }, () => "---")));
  for (const p of r.phases) {
    for (const side of p.order) {
      const s = p[side];
      if (s === null) continue;
      const [wall, ...rest] = sideCells(s);
      lines.push(row([p.phase, side === "ecs" ? "ECS" : "plain", wall ?? "-", side === "ecs" ? (p.ratio === null ? "-" : `${num(p.ratio, 2)}×`) : "", ...rest]));
    }
  }
  lines.push("");
  const ecs = (phase: string): SideResult | undefined => r.phases.find((p) => p.phase === phase)?.ecs;
  const ratios = r.phases.map((p) => `${p.phase}: operator/apiserver CPU ${num(p.operatorToApiserverCpu, 2)}, apiserver ECS/plain ${num(p.apiserverCpuRatio, 2)}`);
  lines.push(`CPU ratios (ECS run): ${ratios.join("; ")}`);
  const reconciles = (s: SideResult | undefined): string => (s === undefined ? "-" : Object.entries(s.reconciles).map(([k, v]) => `${k} ${v}`).join(", "));
  lines.push(`reconciles in the ECS rollout: ${reconciles(ecs("rollout"))}`);
  // The API server's writes from every client, the largest first: what the ECS side makes the cluster do.
  const apiWrites = (s: SideResult | null | undefined): string => {
    if (s?.apiserverWrites === undefined) return "-";
    const top = Object.entries(s.apiserverWrites).sort(([, a], [, b]) => b - a).slice(0, 6);
    return `${sumValues(s.apiserverWrites)} (${top.map(([k, v]) => `${k} ${v}`).join(", ")})`;
  };
  for (const p of r.phases) if (p.ecs.apiserverWrites !== undefined) lines.push(`API server writes in the ${p.phase}: ECS ${apiWrites(p.ecs)}; plain ${apiWrites(p.plain)}`);
  const waits = (s: SideResult | undefined): string => (s === undefined ? "-" : Object.entries(s.queueWait).map(([k, v]) => `${k} ${num(v.meanSeconds, 2)} s`).join(", "));
  lines.push(`mean queue wait: creation ${waits(ecs("create"))}; rollout ${waits(ecs("rollout"))}`);
  const i = r.idle;
  lines.push(`idle ${num(i.seconds, 0)} s (${num(i.resyncs, 1)} resyncs of ${i.resyncSeconds} s): ${i.writesTotal} writes, reconciles per object per resync ${Object.entries(i.reconcilesPerObjectPerResync).map(([k, v]) => `${k} ${num(v, 2)}`).join(", ")}, operator CPU ${num(i.cpuSeconds.operator, 2)} s`);
  const t = r.restart;
  lines.push(`restart: ready ${num(t.readySeconds, 2)} s, first pass ${num(t.firstPassSeconds, 2)} s, ${t.writesTotal} writes`);
  const peak = Math.max(...r.phases.map((p) => p.ecs.memory.peakRssBytes), i.memory.peakRssBytes, t.memory.peakRssBytes);
  const shards = (r.operator.shards ?? 1) > 1 ? " (the largest replica's)" : "";
  lines.push(`operator memory${shards}: peak RSS ${mib(peak)} MiB; idle RSS ${mib(i.memory.rssBytes)} MiB (anonymous ${mib(i.memory.rssAnonBytes)}, files ${mib(i.memory.rssFileBytes)}), heap used ${mib(i.memory.heapUsedBytes)} of ${mib(i.memory.heapTotalBytes)} MiB, external ${mib(i.memory.externalBytes)} MiB`);
  const rr = r.replicaRestart;
  if (rr !== undefined) lines.push(`restart of shard ${rr.shard} alone (${rr.services} services), the others running: ready ${num(rr.readySeconds, 2)} s, first pass ${num(rr.firstPassSeconds, 2)} s, ${rr.writesTotal} writes, peak RSS ${mib(rr.peakRssBytes)} MiB`);
  // Per replica of a sharded run: its peak over every phase, and its idle RSS and heap.
  const replicaPeaks = new Map<number, number>();
  for (const m of [...r.phases.map((p) => p.ecs.memory), i.memory, t.memory]) for (const x of m.replicas ?? []) replicaPeaks.set(x.shard, Math.max(replicaPeaks.get(x.shard) ?? 0, x.peakRssBytes));
  for (const x of i.memory.replicas ?? []) lines.push(`  shard ${x.shard}: peak RSS ${mib(replicaPeaks.get(x.shard) ?? 0)} MiB; idle RSS ${mib(x.rssBytes)} MiB (anonymous ${mib(x.rssAnonBytes)}), heap used ${mib(x.heapUsedBytes)} of ${mib(x.heapTotalBytes)} MiB`);
  return lines.join("\n");
}
