// Keeps `npm run bench` working (issue 17): the harness at CI size (20 services × 3 tasks) on the suite's control
// plane. It asserts that every phase completes and that an idle operator writes nothing; never anything about time,
// which depends on the machine.
import { describe, expect, it } from "vitest";
import { kubeconfigPath, controlPlane } from "./support/cluster.ts";
import { readState } from "../controlplane/control-plane.ts";
import { runBench } from "../../bench/harness.ts";
import { formatTable } from "../../bench/report.ts";

describe("bench smoke", () => {
  it("20 ECS Services and 20 plain Deployments of 3 tasks: every phase completes, and neither the idle nor the restarted operator writes", async () => {
    const dir = controlPlane().dir;
    const state = dir === "" ? undefined : await readState(dir);
    const result = await runBench({ kubeconfig: kubeconfigPath(), services: 20, tasks: 3, pids: state?.pids ?? {}, resyncSeconds: 5, idleResyncs: 2 });

    expect(result.phases.map((p) => p.phase)).toEqual(["create", "rollout", "delete"]);
    // The order alternates, so neither side always runs on a warmer cluster.
    expect(result.phases.map((p) => p.order[0])).toEqual(["ecs", "plain", "ecs"]);
    for (const p of result.phases) {
      expect(p.ecs.seconds).toBeGreaterThan(0);
      expect(p.plain?.seconds).toBeGreaterThan(0);
      // The operator did the ECS side: it reconciled the Services and wrote their children.
      if (p.phase !== "delete") expect(p.ecs.reconciles.service ?? 0).toBeGreaterThanOrEqual(20);
    }
    expect(result.phases[0]?.ecs.writes["apply Deployment"] ?? 0).toBeGreaterThanOrEqual(20);
    expect(result.idle.resyncs).toBeGreaterThanOrEqual(2);
    expect(result.idle.writes).toEqual({});
    expect(result.idle.writesTotal).toBe(0);
    expect(result.restart.firstPassSeconds).toBeGreaterThanOrEqual(result.restart.readySeconds);
    expect(result.restart.reconciles.service ?? 0).toBeGreaterThanOrEqual(20);
    expect(result.restart.writesTotal).toBe(0);
    expect(result.restart.memory.heapUsedBytes).toBeGreaterThan(0);
    if (state) expect(result.phases[0]?.ecs.cpuSeconds["kube-apiserver"]).toBeGreaterThan(0);
    expect(formatTable(result)).toContain("| create | ECS |");
  }, 900_000);
});
