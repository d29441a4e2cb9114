#!/usr/bin/env node
// The `ecs-operator` command: `run` (the controller), `convert` (ECS JSON → manifests), `render` (manifests →
// the Kubernetes objects the controller would create, offline), `version`, `help`. Errors name the file and
// the field, go to stderr, and exit 1.
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { dump } from "js-yaml";
import type { V1Node } from "@kubernetes/client-node";
import { API_GROUP_VERSION } from "../api/index.ts";
import { CliError, convertEcsDocument, isManifestKind, MANIFEST_KINDS, type Manifest } from "./convert.ts";
import { clip, firstLine, parseJsonInput, parseYamlInput, readInput } from "./input.ts";
import { renderAll } from "./render.ts";

const HELP: Record<string, string> = {
  main: `ecs-operator: Amazon ECS concepts, run natively on Kubernetes.

Usage: ecs-operator COMMAND [flags]

Commands:
  run       run the controller against a cluster
  convert   convert ECS JSON (task or service definition) to ecs.operator.dev manifests
  render    print the Kubernetes objects the controller would create, offline
  version   print the version
  help      show help of a command: ecs-operator help COMMAND

Docs: docs/cli.md`,
  run: `Usage: ecs-operator run [flags]

Runs the controllers (Cluster, CapacityProvider, TaskDefinition, Service, Task, ScheduledTask) against the
cluster of the kubeconfig. SIGTERM/SIGINT drain in-flight work (at most 30 s), release the leader Lease and exit 0.

Flags (environment variable in brackets):
  --kubeconfig PATH                   kubeconfig file [KUBECONFIG]; default: in-cluster, then ~/.kube/config
  --metrics-bind-address HOST:PORT    /metrics, /healthz, /readyz; ":8080" = all interfaces, "0" = off
                                      [METRICS_BIND_ADDRESS]; default 127.0.0.1:8080, or 0.0.0.0:8080 in a pod
  --leader-elect                      run only while holding a Lease (for several replicas) [LEADER_ELECT=true]
  --leader-election-namespace NS      namespace of the Lease [POD_NAMESPACE]; default: the pod's namespace or "default"
  --leader-election-id NAME           name of the Lease; default ecs-operator
  --namespace NS                      watch only this namespace [WATCH_NAMESPACE]; default: all
  --log-level LEVEL                   debug, info, warn or error [LOG_LEVEL]; default info
  --identity NAME                     this replica's name in the Lease [POD_NAME]; default HOSTNAME-PID
  --revision-history-limit N          revisions kept per TaskDefinition without spec.kubernetes.revisionHistoryLimit; default 20
  --binpack-scheduler-name NAME       scheduler profile (NodeResourcesFit MostAllocated) of binpack placement, for
                                      Services and Tasks; default none: binpack becomes a preferred pod affinity
  --stopped-task-retention SECONDS    how long a stopped Task and its pods are kept without
                                      spec.kubernetes.ttlSecondsAfterStopped; default 3600 (like ECS)
  --cluster-domain DOMAIN             cluster DNS domain of Service Connect names; default cluster.local
  --pod-level-resources true|false    task cpu/memory as the pod's resources (PodLevelResources); false on clusters
                                      without it: the task size is split into per-container limits; default true
  --ebs-storage-classes TYPE=CLASS,...  storage class of each EBS volume type of volumeConfigurations (gp3=ebs-gp3);
                                      default none: the cluster's default storage class
  --deployment-minute-seconds N       how long a minute of bakeTimeInMinutes, stepBakeTimeInMinutes and
                                      canaryBakeTimeInMinutes lasts (demos, tests); default 60
  --workers NAME=N,...                keys each controller reconciles at a time (service=8,taskdefinition=4) [WORKERS];
                                      default service=4,taskdefinition=4,task=2,scheduledtask=2,cluster=1,capacityprovider=1
  --resync-period SECONDS             how often every cached object is reconciled once [RESYNC_PERIOD]; default 600
  --events all|warnings               Kubernetes Events written: all, or only Warning ones (a Service's
                                      status.events keeps every event either way) [EVENTS]; default all
  --pod-disruption-budgets true|false a PodDisruptionBudget per Service, so evictions keep minimumHealthyPercent;
                                      false: none (node drains may then stop every task at once); default true
  --shards N                          split the Service controller into N shards (1-64), one replica each [SHARDS];
                                      default 1 (docs/operations.md "Sharding")
  --shard I                           the shard this replica runs, 0 to N-1 [SHARD]; shard 0 also runs the
                                      cluster-wide controllers; with --leader-elect its Lease is ID-shard-I; default 0`,
  convert: `Usage: ecs-operator convert -f FILE [-f FILE ...] [-n NAMESPACE]

Converts ECS JSON to manifests (YAML on stdout):
  - a task definition (RegisterTaskDefinition input) → TaskDefinition
  - the {"taskDefinition": {...}} envelope of describe-task-definition, and console exports: read-only fields
    (taskDefinitionArn, revision, status, ...) are dropped, with a note on stderr
  - a service definition (CreateService input, or {"service": {...}} / {"services": [...]}) → Service
  - a RunTask input → Task
metadata.name comes from family / serviceName made a DNS-1123 label, or from the file name. Input that the API
server would refuse is refused here: the message names the file and the field, and the exit code is 1.
FILE "-" reads stdin.

Flags:
  -f, --filename FILE    input file (repeatable)
  -n, --namespace NS     set metadata.namespace`,
  render: `Usage: ecs-operator render -f FILE [-f FILE ...] [-n NAMESPACE] [--revision N]

Prints (YAML on stdout) the Kubernetes objects the controllers would create, without a cluster. FILE holds
ecs.operator.dev manifests (YAML or JSON, several documents allowed) or ECS JSON (converted first); all files are
read first. For a TaskDefinition: a v1 PodTemplate named NAME-REVISION, its ServiceAccount when taskRoleArn asks
for one, and the Secrets, ConfigMaps and PersistentVolumeClaims it needs as comments. For a Service: what the
Service controller would apply in an empty namespace (Deployments per capacity provider or DaemonSets, Service,
Ingress, HPA, PDB, task role ServiceAccount). For a Task: its task role ServiceAccount and its pods, as the Task
controller starts them. For a ScheduledTask: its next 5 run times in its time zone (a comment), the Task the first
run creates and that Task's pods. All resolved against the TaskDefinitions, CapacityProviders and Cluster of the
files (else the built-ins; stderr says which). Fields that are not mapped are listed on stderr.

Flags:
  -f, --filename FILE    input file (repeatable)
  -n, --namespace NS     namespace of the rendered objects (default: the manifest's, else none)
  --revision N           the revision number to render as (default 1)
  --nodes FILE           the cluster's Nodes (kubectl get nodes -o yaml) that memberOf =~ patterns compile against
                         (default: none, so such patterns match no node)`,
  version: "Usage: ecs-operator version\n\nPrints the version of ecs-operator.",
};
HELP.help = HELP.main ?? "";

function packageVersion(): string {
  // src/cli/main.ts and dist/cli/main.js are both two directories below package.json.
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${command}: ${(err as Error).message}; see ecs-operator help ${command}`);
  }
}

function files(command: string, values: { filename?: string[] | string | boolean | (string | boolean)[] }): string[] {
  const list = (Array.isArray(values.filename) ? values.filename : values.filename === undefined ? [] : [values.filename]).filter((f): f is string => typeof f === "string");
  if (list.length === 0) throw new CliError(`${command}: -f FILE is required; see ecs-operator help ${command}`);
  return list;
}

const toYaml = (objects: readonly (object | string)[]): string =>
  objects.map((o) => (typeof o === "string" ? `${o}\n` : dump(o, { noRefs: true, lineWidth: -1 }))).join("---\n");

function convert(args: string[], stderr: (line: string) => void): string {
  const { values, positionals } = parse("convert", args, {
    filename: { type: "string", short: "f", multiple: true },
    namespace: { type: "string", short: "n" },
  });
  if (positionals.length > 0) throw new CliError(`convert: unexpected argument "${positionals[0] ?? ""}"; pass files with -f`);
  const out: Manifest[] = [];
  for (const file of files("convert", values)) {
    const res = convertEcsDocument(parseJsonInput(readInput(file), file), file, { namespace: values.namespace });
    for (const n of res.notes) stderr(n);
    out.push(...res.manifests);
  }
  return toYaml(out);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The manifests of a file: ecs.operator.dev documents as they are, ECS JSON converted. */
function manifestsOf(file: string, namespace: string | undefined, stderr: (line: string) => void): Manifest[] {
  const text = readInput(file);
  const trimmed = text.trimStart();
  let docs: unknown[];
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const parsed = parseJsonInput(text, file);
    docs = Array.isArray(parsed) ? parsed : [parsed];
  } else {
    docs = parseYamlInput(text, file);
  }
  const out: Manifest[] = [];
  // A manifest of ours must say its name (render names every object after it).
  const ours = (doc: Record<string, unknown>, where: string): Manifest => {
    const meta = doc.metadata;
    if (!isObject(meta) || typeof meta.name !== "string" || meta.name === "") throw new CliError(`${where}: metadata.name: Required value`);
    if (meta.namespace !== undefined && typeof meta.namespace !== "string") throw new CliError(`${where}: metadata.namespace: must be a string`);
    if (!isObject(doc.spec)) throw new CliError(`${where}: spec: Required value (an object)`);
    const kind = doc.kind;
    if (!isManifestKind(kind)) throw new CliError(`${where}: kind: ${clip(String(kind), 60)} is not an ${API_GROUP_VERSION} kind (${MANIFEST_KINDS.join(", ")})`);
    return { ...doc, apiVersion: API_GROUP_VERSION, kind, metadata: { ...meta, name: meta.name, ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }) }, spec: doc.spec };
  };
  for (const [i, doc] of docs.entries()) {
    if (doc === null || doc === undefined) continue;
    const where = docs.length > 1 ? `${file} (document ${i + 1})` : file;
    if (isObject(doc) && doc.kind === "List") {
      if (!Array.isArray(doc.items)) throw new CliError(`${where}: items: a List needs a list of items`);
      for (const [j, item] of doc.items.entries()) {
        const at = `${where}: items[${j}]`;
        if (!isObject(item) || item.apiVersion !== API_GROUP_VERSION) throw new CliError(`${at}: apiVersion: not an ${API_GROUP_VERSION} manifest`);
        out.push(ours(item, at));
      }
    } else if (isObject(doc) && doc.apiVersion === API_GROUP_VERSION) {
      out.push(ours(doc, where));
    } else if (isObject(doc) && doc.apiVersion === undefined) {
      const res = convertEcsDocument(doc, where, { namespace });
      for (const n of res.notes) stderr(n);
      out.push(...res.manifests);
    } else {
      const kind = isObject(doc) ? `${clip(String(doc.kind), 60)} (${clip(String(doc.apiVersion), 60)})` : typeof doc;
      throw new CliError(`${where}: apiVersion: ${kind} is not an ${API_GROUP_VERSION} manifest nor ECS JSON`);
    }
  }
  return out;
}

/** The Nodes of a file: `kubectl get nodes -o yaml` (a List) or Node documents. */
function nodesOf(file: string): V1Node[] {
  const docs = parseYamlInput(readInput(file), file);
  // A NodeList from the API leaves kind off its items; kubectl's List sets it.
  const items = docs.flatMap((d) => (isObject(d) && (d.kind === "List" || d.kind === "NodeList") && Array.isArray(d.items) ? (d.items as unknown[]).map((i) => (isObject(i) ? { kind: "Node", ...i } : i)) : [d]));
  const nodes = items.filter((d) => isObject(d) && d.kind === "Node");
  if (nodes.length === 0) throw new CliError(`--nodes ${file}: no Node in it; pass the output of kubectl get nodes -o yaml`);
  return nodes as V1Node[];
}

function render(args: string[], stderr: (line: string) => void, now: Date): string {
  const { values, positionals } = parse("render", args, {
    filename: { type: "string", short: "f", multiple: true },
    namespace: { type: "string", short: "n" },
    revision: { type: "string" },
    nodes: { type: "string" },
  });
  if (positionals.length > 0) throw new CliError(`render: unexpected argument "${positionals[0] ?? ""}"; pass files with -f`);
  let revision: number | undefined;
  if (values.revision !== undefined) {
    revision = Number(values.revision);
    if (!Number.isInteger(revision) || revision < 1) throw new CliError(`render: --revision "${values.revision}" is not a positive whole number`);
  }
  const inputs = files("render", values).flatMap((file) => withFile(file, () => manifestsOf(file, values.namespace, stderr)).map((manifest) => ({ file, manifest })));
  const nodes = values.nodes === undefined ? undefined : nodesOf(values.nodes);
  const res = renderAll(inputs, { namespace: values.namespace, revision, now, ...(nodes === undefined ? {} : { nodes }) });
  for (const n of res.notes) stderr(n);
  return toYaml(res.objects);
}

async function runCommand(args: string[], env: NodeJS.ProcessEnv): Promise<unknown> {
  // Loaded only here: the controllers and the runtime are memory that convert and render never need.
  const {
    defaultIdentity,
    defaultLeaderElectionNamespace,
    defaultMetricsBindAddress,
    parseBinpackSchedulerName,
    parseClusterDomain,
    parsePodLevelResources,
    parseEbsStorageClasses,
    parseDeploymentMinuteSeconds,
    parseStoppedTaskRetention,
    parseWorkers,
    parseResyncPeriod,
    parseEvents,
    parsePodDisruptionBudgets,
    parseShard,
    runController,
  } = await import("./run.ts");
  const { values, positionals } = parse("run", args, {
    kubeconfig: { type: "string" },
    "metrics-bind-address": { type: "string" },
    "leader-elect": { type: "boolean" },
    "leader-election-namespace": { type: "string" },
    "leader-election-id": { type: "string" },
    namespace: { type: "string" },
    "log-level": { type: "string" },
    identity: { type: "string" },
    "revision-history-limit": { type: "string" },
    "binpack-scheduler-name": { type: "string" },
    "stopped-task-retention": { type: "string" },
    "cluster-domain": { type: "string" },
    "pod-level-resources": { type: "string" },
    "ebs-storage-classes": { type: "string" },
    "deployment-minute-seconds": { type: "string" },
    workers: { type: "string" },
    "resync-period": { type: "string" },
    events: { type: "string" },
    "pod-disruption-budgets": { type: "string" },
    shard: { type: "string" },
    shards: { type: "string" },
  });
  if (positionals.length > 0) throw new CliError(`run: unexpected argument "${positionals[0] ?? ""}"`);
  let limit: number | undefined;
  const limitText = values["revision-history-limit"];
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`run: --revision-history-limit "${limitText}" is not a whole number from 1 to 1000`);
  }
  const binpackSchedulerName = parseBinpackSchedulerName(values["binpack-scheduler-name"]);
  const stoppedTaskRetentionSeconds = parseStoppedTaskRetention(values["stopped-task-retention"]);
  const clusterDomain = parseClusterDomain(values["cluster-domain"]);
  const podLevelResources = parsePodLevelResources(values["pod-level-resources"]);
  const ebsStorageClasses = parseEbsStorageClasses(values["ebs-storage-classes"]);
  const deploymentMinuteSeconds = parseDeploymentMinuteSeconds(values["deployment-minute-seconds"]);
  const workers = parseWorkers(values.workers ?? env.WORKERS);
  const resyncSeconds = parseResyncPeriod(values["resync-period"] ?? env.RESYNC_PERIOD);
  const events = parseEvents(values.events ?? env.EVENTS);
  const podDisruptionBudgets = parsePodDisruptionBudgets(values["pod-disruption-budgets"]);
  const shard = parseShard(values.shard ?? env.SHARD, values.shards ?? env.SHARDS);
  return runController({
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    metricsBindAddress: values["metrics-bind-address"] ?? env.METRICS_BIND_ADDRESS ?? defaultMetricsBindAddress(env),
    leaderElect: values["leader-elect"] ?? env.LEADER_ELECT === "true",
    leaderElectionNamespace: values["leader-election-namespace"] ?? defaultLeaderElectionNamespace(env),
    leaderElectionId: values["leader-election-id"] ?? "ecs-operator",
    logLevel: values["log-level"] ?? env.LOG_LEVEL ?? "info",
    namespace: values.namespace ?? (env.WATCH_NAMESPACE === "" ? undefined : env.WATCH_NAMESPACE),
    identity: values.identity ?? defaultIdentity(env),
    revisionHistoryLimit: limit,
    binpackSchedulerName,
    ...(stoppedTaskRetentionSeconds === undefined ? {} : { stoppedTaskRetentionSeconds }),
    ...(clusterDomain === undefined ? {} : { clusterDomain }),
    ...(podLevelResources === undefined ? {} : { podLevelResources }),
    ...(ebsStorageClasses === undefined ? {} : { ebsStorageClasses }),
    ...(deploymentMinuteSeconds === undefined ? {} : { deploymentMinuteSeconds }),
    ...(workers === undefined ? {} : { workers }),
    ...(resyncSeconds === undefined ? {} : { resyncSeconds }),
    ...(events === undefined ? {} : { events }),
    ...(podDisruptionBudgets === undefined ? {} : { podDisruptionBudgets }),
    ...(shard === undefined ? {} : { shard }),
  });
}

/** Runs `f` for `file`; anything but a CliError becomes one naming the file (never a stack trace). */
function withFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${file}: ${unexpected(err)}`);
  }
}

/** An error no check foresaw, in one line: a stack overflow is input nested too deep. */
function unexpected(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return "too large or nested too deep to process (the call stack ran out)";
  return `cannot process: ${firstLine(err)}`;
}

/** Longest line written to stderr: messages quote input, and input can be megabytes. */
const MAX_ERROR_LINE_CHARS = 2000;

/** Runs one command line; returns the exit code (run keeps the process alive until a signal). */
/** `now`: the clock render evaluates schedules at (the real one unless a test injects another). */
export async function main(argv: string[], io: { stdout: (text: string) => void; stderr: (line: string) => void; env: NodeJS.ProcessEnv; now?: () => Date }): Promise<number> {
  const [command = "help", ...args] = argv;
  // `ecs-operator COMMAND --help` (or -h) is `ecs-operator help COMMAND`.
  const flags = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  if (HELP[command] !== undefined && command !== "help" && (flags.includes("--help") || flags.includes("-h"))) {
    io.stdout(`${HELP[command]}\n`);
    return 0;
  }
  try {
    switch (command) {
      case "convert":
        io.stdout(convert(args, io.stderr));
        return 0;
      case "render":
        io.stdout(render(args, io.stderr, io.now?.() ?? new Date()));
        return 0;
      case "run":
        await runCommand(args, io.env);
        return 0;
      case "version":
      case "--version":
        io.stdout(`ecs-operator ${packageVersion()}\n`);
        return 0;
      case "help":
      case "--help":
      case "-h": {
        const topic = args[0] ?? "main";
        const text = HELP[topic];
        if (text === undefined) throw new CliError(`help: no command "${topic}"; commands: run, convert, render, version`);
        io.stdout(`${text}\n`);
        return 0;
      }
      default:
        throw new CliError(`unknown command "${command}"; commands: run, convert, render, version, help`);
    }
  } catch (err) {
    if (err instanceof CliError) {
      // The refusal first (it is what matters, and tools show the first lines), then what was noted before it.
      for (const line of err.message.split("\n")) io.stderr(`error: ${clip(line, MAX_ERROR_LINE_CHARS)}`);
      for (const note of err.notes) io.stderr(clip(note, MAX_ERROR_LINE_CHARS));
      return 1;
    }
    // Never a stack trace: whatever went wrong is one line and exit code 1.
    io.stderr(`error: ${command}: ${unexpected(err)}`);
    return 1;
  }
}

/** True when this module is the program (import.meta.main is Node ≥ 24.2; the bin symlink needs realpath before). */
function isEntryPoint(): boolean {
  const meta = import.meta as { main?: boolean };
  if (meta.main !== undefined) return meta.main;
  try {
    return realpathSync(process.argv[1] ?? "") === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  });
  // `run` returns once the manager started; its signal handlers end the process.
  if (process.argv[2] !== "run") process.exitCode = code;
  // A `run` that could not start may have left informers or timers behind: they must not keep it alive.
  else if (code !== 0) process.exit(code);
}
