// `ecs-operator run` wiring that needs no cluster: the flag grammars, the defaults taken from the pod, and the
// help text listing every flag the parser accepts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.ts";
import {
  defaultIdentity,
  defaultLeaderElectionNamespace,
  defaultMetricsBindAddress,
  parseBindAddress,
  parseBinpackSchedulerName,
  parseClusterDomain,
  parsePodLevelResources,
  parseEbsStorageClasses,
  parseStoppedTaskRetention,
  parseDeploymentMinuteSeconds,
  parseResyncPeriod,
  parseWorkers,
  parseEvents,
  parsePodDisruptionBudgets,
  parseShard,
  shardLeaseName,
} from "../../../src/cli/run.ts";

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string[] }> {
  let stdout = "";
  const stderr: string[] = [];
  // No kubeconfig in env: a flag that passed validation would fail later with "no cluster", never reach one.
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (l) => stderr.push(l), env: { KUBECONFIG: "/nonexistent/kubeconfig" } });
  return { code, stdout, stderr };
}

describe("run flags", () => {
  it.each([
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    [":9090", { host: "0.0.0.0", port: 9090 }],
    ["0.0.0.0:8080", { host: "0.0.0.0", port: 8080 }],
    ["[::1]:8080", { host: "::1", port: 8080 }],
    ["0", undefined],
  ])("--metrics-bind-address %s", (text, expected) => {
    expect(parseBindAddress(text)).toEqual(expected);
  });

  it.each(["8080", "localhost", "host:99999"])("--metrics-bind-address %s is refused", (text) => {
    expect(() => parseBindAddress(text)).toThrow(`--metrics-bind-address: "${text}" is not host:port, :port or 0 (off)`);
  });

  it("binds all interfaces in a pod (probes and Prometheus reach it), loopback elsewhere", () => {
    expect(defaultMetricsBindAddress({ KUBERNETES_SERVICE_HOST: "10.96.0.1" })).toBe("0.0.0.0:8080");
    expect(defaultMetricsBindAddress({})).toBe("127.0.0.1:8080");
  });

  it("the Lease namespace and identity come from the pod when it says so", () => {
    expect(defaultLeaderElectionNamespace({ POD_NAMESPACE: "ecs-system" })).toBe("ecs-system");
    expect(defaultIdentity({ POD_NAME: "ecs-operator-7d9f-abcde" })).toBe("ecs-operator-7d9f-abcde");
    expect(defaultIdentity({})).toMatch(/-\d+$/);
  });
});

describe("controller flags", () => {
  it.each([
    [undefined, null],
    ["", null],
    ["ecs-binpack", "ecs-binpack"],
    ["binpack.scheduler.example.com", "binpack.scheduler.example.com"],
  ])("--binpack-scheduler-name %j → %j (absent or empty: none, binpack becomes a preferred affinity)", (text, expected) => {
    expect(parseBinpackSchedulerName(text)).toBe(expected);
  });

  it.each(["ECS-Binpack", "-binpack", "bin_pack", "binpack-.scheduler", "a".repeat(254)])("--binpack-scheduler-name %j is refused, naming the flag", (text) => {
    expect(() => parseBinpackSchedulerName(text)).toThrow(`run: --binpack-scheduler-name "${text}" is not a scheduler name`);
  });

  it.each([
    [undefined, undefined],
    ["0", 0],
    ["3600", 3600],
    ["86400", 86400],
  ])("--stopped-task-retention %j → %j seconds", (text, expected) => {
    expect(parseStoppedTaskRetention(text)).toBe(expected);
  });

  it.each(["-1", "1.5", "1h", "", "99999999999999999999"])("--stopped-task-retention %j is refused, naming the flag", (text) => {
    expect(() => parseStoppedTaskRetention(text)).toThrow(`run: --stopped-task-retention "${text}" is not a whole number of seconds (0 or more)`);
  });

  it.each([
    [undefined, undefined],
    ["1", 1],
    ["60", 60],
  ])("--deployment-minute-seconds %j → %j", (text, expected) => {
    expect(parseDeploymentMinuteSeconds(text)).toBe(expected);
  });

  it.each(["0", "61", "1.5", "1m", ""])("--deployment-minute-seconds %j is refused, naming the flag", (text) => {
    expect(() => parseDeploymentMinuteSeconds(text)).toThrow(`run: --deployment-minute-seconds "${text}" is not a whole number of seconds from 1 to 60`);
  });

  it.each<[string | undefined, Record<string, number> | undefined]>([
    [undefined, undefined],
    ["", undefined],
    ["service=8", { service: 8 }],
    ["service=8, taskdefinition=4,cluster=1", { service: 8, taskdefinition: 4, cluster: 1 }],
    ["scheduledtask=64,task=1,capacityprovider=2", { scheduledtask: 64, task: 1, capacityprovider: 2 }],
  ])("--workers %j → %j", (text, expected) => {
    expect(parseWorkers(text)).toEqual(expected);
  });

  it.each<[string | undefined, string | undefined, { index: number; count: number } | undefined]>([
    [undefined, undefined, undefined],
    ["0", "1", { index: 0, count: 1 }],
    [undefined, "4", { index: 0, count: 4 }],
    ["3", "4", { index: 3, count: 4 }],
    ["", "2", { index: 0, count: 2 }],
    ["63", "64", { index: 63, count: 64 }],
  ])("--shard %j --shards %j → %j", (shard, shards, expected) => {
    expect(parseShard(shard, shards)).toEqual(expected);
  });

  it.each([
    ["4", "4", 'run: --shard must be a whole number from 0 to 3 (--shards 4), got 4'],
    ["1", undefined, "run: --shard must be a whole number from 0 to 0 (--shards 1), got 1"],
    ["0", "0", "run: --shards must be a whole number from 1 to 64, got 0"],
    ["0", "65", "run: --shards must be a whole number from 1 to 64, got 65"],
    ["-1", "2", 'run: --shard "-1" is not a whole number'],
    ["0", "two", 'run: --shards "two" is not a whole number'],
  ])("--shard %j --shards %j is refused: %s", (shard, shards, message) => {
    expect(() => parseShard(shard, shards)).toThrow(message);
  });

  it.each<[{ index: number; count: number } | undefined, string]>([
    [undefined, "ecs-operator"],
    [{ index: 0, count: 1 }, "ecs-operator"],
    [{ index: 0, count: 3 }, "ecs-operator-shard-0"],
    [{ index: 2, count: 3 }, "ecs-operator-shard-2"],
  ])("the Lease of shard %j is %s", (shard, lease) => {
    expect(shardLeaseName("ecs-operator", shard)).toBe(lease);
  });

  it.each(["service", "service=0", "service=65", "service=1.5", "services=4", "Service=4", "service=4,", "=4"])("--workers %j is refused, naming the flag and the controllers", (text) => {
    expect(() => parseWorkers(text)).toThrow(`run: --workers "${text}": `);
    expect(() => parseWorkers(text)).toThrow("CONTROLLER=N with CONTROLLER one of cluster, capacityprovider, taskdefinition, service, task, scheduledtask and N from 1 to 64");
  });

  it.each([
    [undefined, undefined],
    ["10", 10],
    ["600", 600],
    ["86400", 86_400],
  ])("--resync-period %j → %j", (text, expected) => {
    expect(parseResyncPeriod(text)).toBe(expected);
  });

  it.each(["9", "86401", "1.5", "10m", ""])("--resync-period %j is refused, naming the flag", (text) => {
    expect(() => parseResyncPeriod(text)).toThrow(`run: --resync-period "${text}" is not a whole number of seconds from 10 to 86400`);
  });

  it.each([
    [undefined, undefined],
    ["cluster.local", "cluster.local"],
    ["k8s.example.internal", "k8s.example.internal"],
  ])("--cluster-domain %j → %j", (text, expected) => {
    expect(parseClusterDomain(text)).toBe(expected);
  });

  it.each(["", ".cluster.local", "cluster.local.", "Cluster.Local", "cluster..local", "cluster-.local", `${"a".repeat(64)}.local`])("--cluster-domain %j is refused, naming the flag", (text) => {
    expect(() => parseClusterDomain(text)).toThrow(`run: --cluster-domain "${text}" is not a DNS domain such as cluster.local`);
  });

  it.each<[string | undefined, boolean | undefined]>([
    [undefined, undefined],
    ["true", true],
    ["false", false],
  ])("--pod-level-resources %j → %j (absent: the default, pod-level resources on)", (text, expected) => {
    expect(parsePodLevelResources(text)).toBe(expected);
  });

  it("--ebs-storage-classes gp3=ebs-gp3,io2=fast → a class per EBS volume type; absent or empty: none", () => {
    expect(parseEbsStorageClasses("gp3=ebs-gp3,io2=fast")).toEqual({ gp3: "ebs-gp3", io2: "fast" });
    expect(parseEbsStorageClasses(undefined)).toBeUndefined();
    expect(parseEbsStorageClasses("")).toBeUndefined();
  });

  it.each(["gp3", "gp3=Bad_Class", "=x"])("--ebs-storage-classes %j is refused, naming the flag", (text) => {
    expect(() => parseEbsStorageClasses(text)).toThrow(`run: --ebs-storage-classes "${text}"`);
  });

  it.each<[string | undefined, "all" | "warnings" | undefined]>([
    [undefined, undefined],
    ["", undefined],
    ["all", "all"],
    ["warnings", "warnings"],
  ])("--events %j → %j (absent: the default, all)", (text, expected) => {
    expect(parseEvents(text)).toBe(expected);
  });

  it.each(["Warning", "none", "normal"])("--events %j is refused, naming the flag", (text) => {
    expect(() => parseEvents(text)).toThrow(`run: --events "${text}" is not all or warnings`);
  });

  it.each<[string | undefined, boolean | undefined]>([
    [undefined, undefined],
    ["true", true],
    ["false", false],
  ])("--pod-disruption-budgets %j → %j (absent: the default, a budget per Service)", (text, expected) => {
    expect(parsePodDisruptionBudgets(text)).toBe(expected);
  });

  it.each(["", "off", "0"])("--pod-disruption-budgets %j is refused, naming the flag", (text) => {
    expect(() => parsePodDisruptionBudgets(text)).toThrow(`run: --pod-disruption-budgets "${text}" is not true or false`);
  });

  it.each(["", "no", "False"])("--pod-level-resources %j is refused, naming the flag", (text) => {
    expect(() => parsePodLevelResources(text)).toThrow(`run: --pod-level-resources "${text}" is not true or false`);
  });

  it.each([
    ["--binpack-scheduler-name", "Bad_Name"],
    ["--stopped-task-retention", "soon"],
    ["--cluster-domain", "Cluster.Local"],
    ["--pod-level-resources", "no"],
    ["--revision-history-limit", "0"],
    ["--workers", "service=0"],
    ["--resync-period", "1"],
  ])("ecs-operator run %s %s exits 1 before connecting, the error naming the flag", async (flag, value) => {
    const res = await cli("run", flag, value);
    expect(res.code).toBe(1);
    expect(res.stderr[0]).toContain(`error: run: ${flag} "${value}"`);
  });
});

describe("ecs-operator help run", () => {
  const source = readFileSync(new URL("../../../src/cli/main.ts", import.meta.url), "utf8");
  const runBlock = source.slice(source.indexOf("function runCommand"), source.indexOf("export async function main"));
  const flags = [...runBlock.matchAll(/^ {4}"?([a-z-]+)"?: \{ type:/gm)].map((m) => m[1] ?? "");

  it("found the flags of the parser", () => {
    expect(flags).toEqual(expect.arrayContaining(["kubeconfig", "binpack-scheduler-name", "stopped-task-retention", "cluster-domain"]));
  });

  it.each(flags)("lists --%s", async (flag) => {
    expect((await cli("help", "run")).stdout).toMatch(new RegExp(`^  --${flag}( |$)`, "m"));
  });

  it("ecs-operator run --help and run -h print the same help, exit 0, and connect nowhere", async () => {
    const help = await cli("help", "run");
    for (const flag of ["--help", "-h"]) {
      const res = await cli("run", flag);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(help.stdout);
    }
  });

  it("names every controller it runs", async () => {
    const { stdout } = await cli("help", "run");
    for (const kind of ["Cluster", "CapacityProvider", "TaskDefinition", "Service", "Task", "ScheduledTask"]) expect(stdout).toContain(kind);
  });
});
