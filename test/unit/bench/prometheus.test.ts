import { describe, expect, it } from "vitest";
import { delta, heapSpaces, parsePrometheus, sumBy, total } from "../../../bench/prometheus.ts";

const TEXT = `# HELP ecs_operator_reconcile_total Reconciles by controller and result.
# TYPE ecs_operator_reconcile_total counter
ecs_operator_reconcile_total{controller="service",result="success"} 40
ecs_operator_reconcile_total{controller="service",result="requeue"} 2
ecs_operator_reconcile_total{controller="cluster",result="success"} 5
ecs_operator_api_writes_total{verb="apply",kind="Deployment"} 20
ecs_operator_workqueue_queue_duration_seconds_bucket{le="+Inf",name="service"} 42
ecs_operator_event_note{message="a \\"quoted\\" value, with a comma"} 1
ecs_operator_process_resident_memory_bytes 123456789 1700000000000
`;

describe("bench: reading /metrics", () => {
  const samples = parsePrometheus(TEXT);

  it("reads names, labels (quotes and commas inside values) and values; skips comments", () => {
    expect(samples).toHaveLength(7);
    expect(samples[0]).toEqual({ name: "ecs_operator_reconcile_total", labels: { controller: "service", result: "success" }, value: 40 });
    expect(samples[4]?.labels.le).toBe("+Inf");
    expect(samples[5]?.labels.message).toBe('a "quoted" value, with a comma');
  });

  it("a sample with a timestamp keeps its value, not the timestamp", () => {
    expect(total(samples, "ecs_operator_process_resident_memory_bytes")).toBe(123456789);
  });

  it("total sums the samples whose labels match; sumBy groups by labels", () => {
    expect(total(samples, "ecs_operator_reconcile_total")).toBe(47);
    expect(total(samples, "ecs_operator_reconcile_total", { controller: "service" })).toBe(42);
    expect(sumBy(samples, "ecs_operator_reconcile_total", ["controller"])).toEqual({ service: 42, cluster: 5 });
    expect(sumBy(samples, "ecs_operator_api_writes_total", ["verb", "kind"])).toEqual({ "apply Deployment": 20 });
  });

  it("delta keeps what moved, and counts a key the earlier reading lacked from 0", () => {
    expect(delta({ service: 42, cluster: 5, task: 3 }, { service: 40, cluster: 5 })).toEqual({ service: 2, task: 3 });
  });

  it("a line that is not a sample is refused, naming it", () => {
    expect(() => parsePrometheus("ecs_operator_x{a=\"1\"}")).toThrow('metrics: cannot read the line "ecs_operator_x{a=\\"1\\"}"');
  });

  it("heapSpaces pairs used and total per V8 space, and ignores other metrics", () => {
    const spaces = heapSpaces(
      parsePrometheus(`ecs_operator_nodejs_heap_space_size_total_bytes{space="old"} 1000
ecs_operator_nodejs_heap_space_size_used_bytes{space="old"} 600
ecs_operator_nodejs_heap_space_size_used_bytes{space="new"} 10
ecs_operator_nodejs_heap_space_size_available_bytes{space="old"} 400
`),
    );
    expect(spaces).toEqual({ old: { usedBytes: 600, totalBytes: 1000 }, new: { usedBytes: 10, totalBytes: 0 } });
  });
});
