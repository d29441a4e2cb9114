// Two projects: `unit` (pure code, no cluster) and `integration` (a real control plane started once per
// run by test/integration/global-setup.ts, or the cluster named by KUBECONFIG).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
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
          // The suites share one control plane; running files one at a time keeps 2-core machines calm.
          fileParallelism: false,
        },
      },
    ],
  },
});
