// Prometheus metrics of the controller runtime (prom-client), on a registry of their own so that two
// managers in one process (tests) do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { WorkQueueMetrics } from "./work-queue.ts";

export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({ name: "ecs_operator_reconcile_total", help: "Reconciles by controller and result (success, requeue, error, terminal).", labelNames: ["controller", "result"], registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: "ecs_operator_reconcile_errors_total", help: "Reconciles that ended in an error (retried or terminal).", labelNames: ["controller"], registers: [this.registry] });
  readonly reconcileDuration = new Histogram({ name: "ecs_operator_reconcile_duration_seconds", help: "Time a reconcile took.", labelNames: ["controller"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: "ecs_operator_workqueue_depth", help: "Keys waiting in the work queue.", labelNames: ["name"], registers: [this.registry] });
  readonly queueAdds = new Counter({ name: "ecs_operator_workqueue_adds_total", help: "Keys added to the work queue.", labelNames: ["name"], registers: [this.registry] });
  readonly queueRetries = new Counter({ name: "ecs_operator_workqueue_retries_total", help: "Keys re-added with backoff after an error.", labelNames: ["name"], registers: [this.registry] });
  readonly queueWait = new Histogram({ name: "ecs_operator_workqueue_queue_duration_seconds", help: "Time a key waited in the queue before a worker took it.", labelNames: ["name"], buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60], registers: [this.registry] });
  readonly queueWork = new Histogram({ name: "ecs_operator_workqueue_work_duration_seconds", help: "Time a worker spent on a key.", labelNames: ["name"], buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60], registers: [this.registry] });
  readonly informerRestarts = new Counter({ name: "ecs_operator_informer_restarts_total", help: "Informer list/watch restarts after an error, by resource.", labelNames: ["resource"], registers: [this.registry] });
  readonly apiWrites = new Counter({ name: "ecs_operator_api_writes_total", help: "Write requests sent to the Kubernetes API, by verb and kind.", labelNames: ["verb", "kind"], registers: [this.registry] });
  readonly leader = new Gauge({ name: "ecs_operator_leader", help: "1 while this process holds the leader Lease, else 0.", labelNames: ["lease"], registers: [this.registry] });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "ecs_operator_" });
  }

  queueHooks(name: string): WorkQueueMetrics {
    return {
      depth: (n) => { this.queueDepth.set({ name }, n); },
      add: () => { this.queueAdds.inc({ name }); },
      retry: () => { this.queueRetries.inc({ name }); },
      queueLatency: (s) => { this.queueWait.observe({ name }, s); },
      workDuration: (s) => { this.queueWork.observe({ name }, s); },
    };
  }
}
