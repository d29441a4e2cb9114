// luaHealth(kind, object): the Argo CD health of an ecs.operator.dev object, computed by the chart's Lua script for
// that kind (charts/ecs-operator/argocd/<Kind>.lua) run by gopher-lua the way Argo CD runs custom health checks
// (test/controlplane/lua-health, built and cached by test/controlplane/build-lua-health.sh). Use it on hand-made
// objects and on the real objects the integration tests produce.
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./tools.ts";

export type ArgoHealth = "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";
export interface HealthStatus {
  status: ArgoHealth;
  message?: string;
}

export const HEALTH_KINDS = ["Cluster", "CapacityProvider", "TaskDefinition", "Service", "Task", "ScheduledTask"] as const;
export type HealthKind = (typeof HEALTH_KINDS)[number];

let runner: string | undefined;
/** The lua-health binary (built on first use, a few seconds; cached in ~/.cache/ecs-operator/testenv). */
export function luaHealthRunner(): string {
  runner ??= join(execFileSync("bash", [join(ROOT, "test/controlplane/build-lua-health.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim(), "lua-health");
  return runner;
}

/** Runs a Lua health script file on an object; throws with the interpreter's message when the script fails. */
export function runHealthScript(scriptPath: string, object: unknown): HealthStatus {
  const res = spawnSync(luaHealthRunner(), [scriptPath], { input: JSON.stringify(object), encoding: "utf8" });
  if (res.status !== 0) throw new Error(`lua-health ${scriptPath} failed (exit ${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as HealthStatus;
}

/** The Argo CD health of an object of one of our kinds, by the chart's script for that kind. */
export function luaHealth(kind: HealthKind, object: unknown): HealthStatus {
  return runHealthScript(join(ROOT, "charts/ecs-operator/argocd", `${kind}.lua`), object);
}
