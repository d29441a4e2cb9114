// Global setup of the integration project: a real control plane for the whole run. With KUBECONFIG set,
// the suites use that cluster (a kind cluster, say) and nothing is started or stopped. Otherwise the
// pinned binaries are built (cached) and started on loopback, and stopped at the end. CRDs from crds/
// are installed either way (and, on the started control plane, the pinned Gateway API CRDs). A control plane that cannot start fails the run; it is never skipped.
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { buildBinaries, gatewayApiCrdDir, startControlPlane, stopControlPlane } from "../controlplane/control-plane.ts";
import { DEFAULT_RUN_DIR } from "../controlplane/run-dir.ts";
import { installCrds } from "./support/crds.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Directory of the control plane started for this run; empty when KUBECONFIG named a cluster. */
    controlPlaneDir: string;
  }
}

const log = (line: string): void => void process.stderr.write(`[integration] ${line}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KUBECONFIG;
  if (external) {
    log(`using the cluster named by KUBECONFIG=${external}`);
    await installCrds(external);
    project.provide("kubeconfig", external);
    project.provide("controlPlaneDir", "");
    return () => Promise.resolve();
  }
  // One run directory per checkout, so that two clones (or worktrees) can run their suites at the same time.
  const checkout = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const dir = join(DEFAULT_RUN_DIR, `test-${createHash("sha256").update(checkout).digest("hex").slice(0, 8)}`);
  const binDir = await buildBinaries(log);
  const state = await startControlPlane({ dir, binDir, log });
  try {
    await installCrds(state.kubeconfig);
    // The Gateway API's standard CRDs, pinned (test/controlplane/gateway-api): HTTPRoutes of BLUE_GREEN, LINEAR and
    // CANARY services are checked by the real API server.
    await installCrds(state.kubeconfig, await gatewayApiCrdDir(log));
  } catch (err) {
    await stopControlPlane(dir);
    throw err;
  }
  project.provide("kubeconfig", state.kubeconfig);
  project.provide("controlPlaneDir", dir);
  return async () => {
    await stopControlPlane(dir);
    // etcd's data (a 64 MB preallocated WAL) is the bulk of the directory and useless once stopped; logs stay for
    // reading after a failed run. Every clone has a directory of its own, so this keeps CI's cache from growing.
    await rm(join(dir, "etcd"), { recursive: true, force: true });
    log("control plane stopped");
  };
}
