// Container Insights, Kubernetes-style: for each Cluster whose containerInsights setting is enabled (or enhanced),
// per-service and per-task gauges on the controller's /metrics (prom-client, the Manager's registry). Turning the
// setting off, or deleting the Cluster, removes the Cluster's series. See docs/clusters.md.
import { CAPACITY_PROVIDER_LABEL, SERVICE_LABEL } from "../../api/keys.ts";
import type { V1Pod } from "@kubernetes/client-node";
import type { Wire } from "../../runtime/resources.ts";
import { Gauge, type Registry } from "prom-client";
import { ecsCpuUnits, ecsMemoryMiB, podRequests } from "../../builders/capacity/container-instances.ts";
import { taskPodState } from "../../builders/capacity/provider-status.ts";
import { nameLabelValue } from "../../builders/pod/labels.ts";

type Labels = Record<string, string>;

export class ContainerInsights {
  readonly serviceRunning: Gauge;
  readonly servicePending: Gauge;
  readonly taskCpuReserved: Gauge;
  readonly taskMemoryReserved: Gauge;
  readonly taskRunning: Gauge;
  /** The label sets set for each Cluster key, per gauge, so that stale series can be removed. */
  private readonly series = new Map<string, Map<Gauge, Labels[]>>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.serviceRunning = new Gauge({ name: "ecs_operator_service_running_tasks", help: "Container Insights: running tasks of an ECS Service (RunningTaskCount).", labelNames: ["namespace", "cluster", "service"], registers });
    this.servicePending = new Gauge({ name: "ecs_operator_service_pending_tasks", help: "Container Insights: pending tasks of an ECS Service (PendingTaskCount).", labelNames: ["namespace", "cluster", "service"], registers });
    this.taskCpuReserved = new Gauge({ name: "ecs_operator_task_cpu_reserved_units", help: "Container Insights: CPU units (1024 per CPU) a task reserves (CpuReserved).", labelNames: ["namespace", "cluster", "service", "task", "capacity_provider"], registers });
    this.taskMemoryReserved = new Gauge({ name: "ecs_operator_task_memory_reserved_mib", help: "Container Insights: MiB a task reserves (MemoryReserved).", labelNames: ["namespace", "cluster", "service", "task", "capacity_provider"], registers });
    this.taskRunning = new Gauge({ name: "ecs_operator_task_running", help: "Container Insights: 1 while a task runs, 0 while it is pending.", labelNames: ["namespace", "cluster", "service", "task", "capacity_provider"], registers });
  }

  /**
   * Sets the series of one Cluster from its task pods and active services, removing those that no longer exist;
   * `setting` disabled removes them all.
   */
  update(key: string, setting: "enabled" | "disabled" | "enhanced", cluster: string, namespace: string, pods: readonly Wire<V1Pod>[], services: readonly string[]): void {
    if (setting === "disabled") {
      this.remove(key);
      return;
    }
    const next = new Map<Gauge, { labels: Labels; value: number }[]>();
    const put = (g: Gauge, labels: Labels, value: number): void => {
      let list = next.get(g);
      if (!list) next.set(g, (list = []));
      list.push({ labels, value });
    };
    const perService = new Map<string, { running: number; pending: number }>(services.map((s) => [nameLabelValue(s), { running: 0, pending: 0 }]));
    for (const pod of pods) {
      const state = taskPodState(pod);
      if (state === undefined) continue;
      const labels = pod.metadata?.labels ?? {};
      const service = labels[SERVICE_LABEL] ?? "";
      const counts = perService.get(service);
      if (counts && service !== "") counts[state]++;
      const taskLabels = { namespace, cluster, service, task: pod.metadata?.name ?? "", capacity_provider: labels[CAPACITY_PROVIDER_LABEL] ?? "" };
      const reserved = podRequests(pod);
      put(this.taskCpuReserved, taskLabels, ecsCpuUnits(reserved.cpu));
      put(this.taskMemoryReserved, taskLabels, ecsMemoryMiB(reserved.memory));
      put(this.taskRunning, taskLabels, state === "running" ? 1 : 0);
    }
    for (const [service, c] of perService) {
      put(this.serviceRunning, { namespace, cluster, service }, c.running);
      put(this.servicePending, { namespace, cluster, service }, c.pending);
    }
    const previous = this.series.get(key) ?? new Map<Gauge, Labels[]>();
    const kept = new Map<Gauge, Labels[]>();
    for (const g of [this.serviceRunning, this.servicePending, this.taskCpuReserved, this.taskMemoryReserved, this.taskRunning]) {
      const now = next.get(g) ?? [];
      const live = new Set(now.map((s) => JSON.stringify(s.labels)));
      for (const old of previous.get(g) ?? []) if (!live.has(JSON.stringify(old))) g.remove(old);
      for (const s of now) g.set(s.labels, s.value);
      kept.set(g, now.map((s) => s.labels));
    }
    this.series.set(key, kept);
  }

  /** Removes every series of the Cluster `key`. */
  remove(key: string): void {
    const previous = this.series.get(key);
    if (!previous) return;
    for (const [g, list] of previous) for (const labels of list) g.remove(labels);
    this.series.delete(key);
  }
}
