// Two projects: `unit` (pure code, no cluster) and `integration` (a real control plane started once per
// run by test/integration/global-setup.ts, or the cluster named by KUBECONFIG).
import { homedir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { integrationControlPlanes } from "./test/integration/workers.ts";

const controlPlanes = integrationControlPlanes();

export default defineConfig({
  // Vitest keeps each file's last duration here and starts the longest files first. It lives with the control plane's
  // cache, so a fresh clone on the same machine starts with the long integration files too, not with the largest.
  cacheDir: join(process.env.ECS_OPERATOR_CACHE ?? join(homedir(), ".cache", "ecs-operator"), "vitest"),
  test: {
    // One worker per control plane: worker K runs its files on control plane K (test/integration/support/cluster.ts).
    maxWorkers: controlPlanes,
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/integration/global-setup.ts"],
          setupFiles: ["./test/integration/setup-file.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One file at a time per control plane: files on the same control plane would share its kwok nodes.
          fileParallelism: controlPlanes > 1,
        },
      },
    ],
  },
});
