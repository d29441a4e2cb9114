// The chaos suite in small (`npm run chaos` is the full run): two replicas of the built operator (dist/, which
// npm test builds first), a few rounds of random work with one kill -9 of the leader and one API server
// restart on the suite's control plane, then the invariant checker finds nothing. The checker itself is shown
// to see a violation first: a Service that nothing runs.
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { EcsServices } from "../../src/controllers/ecs-resources.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { resourcePath } from "../../src/runtime/resources.ts";
import { readState } from "../controlplane/control-plane.ts";
import { checkInvariants, figuresTable, runChaos } from "../chaos/chaos-run.ts";
import { eventually, kubeConfig, testNamespace, kubeconfigPath, controlPlane } from "./support/cluster.ts";

const kc = kubeConfig();
const logs: string[] = [];
afterAll(() => {
  if (process.env.CHAOS_SMOKE_VERBOSE) process.stderr.write(`${logs.join("\n")}\n`);
});

describe("chaos smoke", () => {
  it("the invariant checker reports a Service whose tasks do not run", async () => {
    const ns = await testNamespace(kc, "chaos-check");
    await apiRequest(kc, { method: "POST", path: resourcePath(EcsServices, ns), body: { apiVersion: API_GROUP_VERSION, kind: "Service", metadata: { name: "idle" }, spec: { taskDefinition: "none", desiredCount: 2 } } });
    // Retried: right after the control plane starts, CRD storage may still answer 429.
    const violations = await eventually("the invariant check", () => checkInvariants(kc, ns));
    expect(violations).toContain("Service idle: 0 running tasks of none:?, desiredCount 2");
    expect(violations.some((v) => v.startsWith("Service idle: observedGeneration undefined behind generation 1"))).toBe(true);
  });

  it("3 rounds with a kill -9 of the leader and an API server restart end with no violation", async () => {
    expect(existsSync(fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url))), "dist/cli/main.js: run `npm run build` first (npm test does)").toBe(true);
    const dir = controlPlane().dir;
    const state = dir === "" ? undefined : await readState(dir);
    const ns = `chaos-smoke-${Math.random().toString(16).slice(2, 8)}`;
    const figures = await runChaos({
      kubeconfig: kubeconfigPath(),
      ...(state ? { controlPlane: state } : {}),
      rounds: 3,
      seed: 16,
      namespace: ns,
      logDir: await mkdtemp(join(tmpdir(), "chaos-smoke-")),
      log: (line) => logs.push(line),
      faults: { killLeader: 0, restartApiserver: state ? 0.5 : 0, restartEtcd: 0 },
      forceKill: true,
      settleMs: 120_000,
    });
    logs.push(figuresTable(figures));
    expect(figures.leaderKills).toBe(1);
    expect(figures.failoverSeconds).toHaveLength(1);
    expect(figures.violations).toEqual([]);
  }, 600_000);
});
