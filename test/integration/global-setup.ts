// Global setup of the integration project: real control planes for the whole run. With KUBECONFIG set, the suites use
// that cluster (a kind cluster, say), one file at a time, and nothing is started or stopped. Otherwise the pinned
// binaries are built (cached) and INTEGRATION_CONTROL_PLANES control planes (default 3) are started on loopback, one per
// test worker, and stopped at the end. Most of a file's time is waiting (cooldowns, kwok's delays, rollouts), so three
// files at a time, each on a control plane of its own, take well under half the time of one at a time, and no file
// shares nodes with another. CRDs from crds/ are installed either way (and, on started control planes, the pinned
// Gateway API CRDs). A control plane that cannot start fails the run; it is never skipped.
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { buildBinaries, gatewayApiCrdDir, startControlPlane, stopControlPlane } from "../controlplane/control-plane.ts";
import { DEFAULT_RUN_DIR } from "../controlplane/run-dir.ts";
import { installCrds } from "./support/crds.ts";
import { integrationControlPlanes } from "./workers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** One kubeconfig per test worker (VITEST_POOL_ID 1 uses the first); the same one repeated for KUBECONFIG. */
    kubeconfigs: string[];
    /** Directories of the control planes started for this run, in the same order; empty strings for KUBECONFIG. */
    controlPlaneDirs: string[];
  }
}

const log = (line: string): void => void process.stderr.write(`[integration] ${line}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KUBECONFIG;
  if (external) {
    log(`using the cluster named by KUBECONFIG=${external}`);
    await installCrds(external);
    project.provide("kubeconfigs", [external]);
    project.provide("controlPlaneDirs", [""]);
    return () => Promise.resolve();
  }
  // One run directory per checkout and worker, so that two clones (or worktrees) can run their suites at the same time.
  const checkout = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const base = join(DEFAULT_RUN_DIR, `test-${createHash("sha256").update(checkout).digest("hex").slice(0, 8)}`);
  const dirs = Array.from({ length: integrationControlPlanes() }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`));
  const binDir = await buildBinaries(log);
  const crdDirs = [undefined, await gatewayApiCrdDir(log)];
  const stopAll = async (): Promise<void> => {
    await Promise.all(dirs.map(async (dir) => {
      await stopControlPlane(dir);
      // etcd's data (a 64 MB preallocated WAL) is the bulk of the directory and useless once stopped; logs stay for
      // reading after a failed run. Every clone has a directory of its own, so this keeps CI's cache from growing.
      await rm(join(dir, "etcd"), { recursive: true, force: true });
    }));
  };
  // Started one after the other: two API servers bootstrapping at once on 2 cores only slow each other down.
  const kubeconfigs: string[] = [];
  try {
    for (const dir of dirs) {
      const state = await startControlPlane({ dir, binDir, log });
      // crds/, then the Gateway API's standard CRDs, pinned (test/controlplane/gateway-api): HTTPRoutes of BLUE_GREEN,
      // LINEAR and CANARY services are checked by the real API server.
      for (const crdDir of crdDirs) await installCrds(state.kubeconfig, crdDir);
      kubeconfigs.push(state.kubeconfig);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  project.provide("kubeconfigs", kubeconfigs);
  project.provide("controlPlaneDirs", dirs);
  return async () => {
    await stopAll();
    log(`${dirs.length} control plane(s) stopped`);
  };
}
