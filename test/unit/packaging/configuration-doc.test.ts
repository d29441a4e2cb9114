// docs/configuration.md stays complete: every flag of `ecs-operator run`, every environment variable it reads and
// every Helm value has a row.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../e2e/tools.ts";

const doc = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
const mainTs = readFileSync(join(ROOT, "src/cli/main.ts"), "utf8");
const runBlock = mainTs.slice(mainTs.indexOf("function runCommand"), mainTs.indexOf("export async function main"));

/** Values documented as one row even though they hold objects (security contexts, resources, provider placement). */
const WHOLE = new Set(["resources", "podSecurityContext", "securityContext", "capacityProviders.fargate.kubernetes", "capacityProviders.fargateSpot.kubernetes"]);

function leafPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value) || WHOLE.has(prefix)) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe("docs/configuration.md", () => {
  const flags = [...runBlock.matchAll(/^ {4}"?([a-z-]+)"?: \{ type:/gm)].map((m) => m[1] ?? "");
  it.each(flags)("documents the run flag --%s", (flag) => {
    expect(doc).toContain(`\`--${flag}`);
  });

  const envs = [...new Set([...runBlock.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1] ?? ""))];
  it.each(envs)("documents the environment variable %s", (name) => {
    expect(doc).toContain(name);
  });

  const values = leafPaths(load(readFileSync(join(ROOT, "charts/ecs-operator/values.yaml"), "utf8")));
  it.each(values)("documents the Helm value %s", (path) => {
    expect(doc).toContain(`\`${path}\``);
  });

  it("found what it checks", () => {
    expect(flags.length).toBeGreaterThanOrEqual(9);
    expect(envs).toEqual(expect.arrayContaining(["KUBECONFIG", "LOG_LEVEL", "WATCH_NAMESPACE"]));
    expect(values.length).toBeGreaterThan(30);
  });
});
