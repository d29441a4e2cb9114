// `npm run bench -- --services N [--tasks R]`: starts a control plane of its own with the bench profile (or uses the
// cluster of KUBECONFIG), runs bench/harness.ts, writes bench/results/<date>-N<n>.json and prints the table.
// docs/performance.md explains the method and the figures.
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { parseArgs, promisify } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_CLIENT_RATE, buildBinaries, startControlPlane, stopControlPlane, type ControlPlaneState } from "../test/controlplane/control-plane.ts";
import { DEFAULT_RUN_DIR } from "../test/controlplane/run-dir.ts";
import { installCrds } from "../test/integration/support/crds.ts";
import { parseEvents, parsePodDisruptionBudgets, parseWorkers } from "../src/cli/run.ts";
import { runBench } from "./harness.ts";
import type { OperatorFlags } from "./operator.ts";
import { ROOT } from "./operator.ts";
import { SHARD_BUCKETS } from "../src/builders/service/shard.ts";
import { formatTable } from "./report.ts";

const USAGE = `Usage: npm run bench -- --services N [--tasks R] [--resync-seconds S] [--idle-resyncs K] [--workers NAME=N,...]
       [--max-heap-mib M] [--events all|warnings] [--pod-disruption-budgets true|false] [--ecs-only] [--cpu-prof]
       [--heap-snapshot] [--apiserver-profile] [--shards K] [--from-src] [--note TEXT]

Runs N ECS Services against N plain Deployments of R tasks each (default 3) on a control plane of its own (the
binaries test/controlplane/build.sh built; KUBECONFIG=... uses that cluster instead), and writes
bench/results/<date>-N<N>.json. The operator runs from dist/ (built first) unless --from-src, with the workers of
\`ecs-operator run --workers\`, --events and --pod-disruption-budgets (a result with other than their defaults is
named after them: <date>-N<N>-events-warnings-no-pdb.json) and the V8 heap limit of the chart's controller.maxHeapMiB
when given. --ecs-only runs the ECS side of creation, then idle and restart: the memory and restart figures of sizes
too large to run twice. --cpu-prof, --heap-snapshot and --apiserver-profile (kube-apiserver CPU profiles of each
phase side; the own control plane only) write into bench/results/profiles/<date>-N<N>/. --shards K runs the operator as
K processes, one per shard of the Service controller (\`ecs-operator run --shards K --shard I\`), and reports each
one's memory (<date>-N<N>-shards-K.json).
See docs/performance.md.`;

/** A bad flag: the message and the usage on stderr, exit 2 (no stack trace). */
const usageError = (message: string): never => {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
};

const positiveInt = (flag: string, text: string | undefined, dflt: number): number => {
  if (text === undefined) return dflt;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) usageError(`${flag} "${text}" is not a whole number of 1 or more`);
  return n;
};

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        services: { type: "string" },
        tasks: { type: "string" },
        "resync-seconds": { type: "string" },
        "idle-resyncs": { type: "string" },
        "cpu-prof": { type: "boolean", default: false },
        "heap-snapshot": { type: "boolean", default: false },
        "apiserver-profile": { type: "boolean", default: false },
        "from-src": { type: "boolean", default: false },
        note: { type: "string" },
        workers: { type: "string" },
        "max-heap-mib": { type: "string" },
        "ecs-only": { type: "boolean", default: false },
        events: { type: "string" },
        "pod-disruption-budgets": { type: "string" },
        shards: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
})();
const { values } = parsed;
if (values.help || values.services === undefined) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
const services = positiveInt("--services", values.services, 0);
let workers: Record<string, number> | undefined;
try {
  workers = parseWorkers(values.workers);
} catch (err) {
  usageError((err as Error).message.replace(/^run: /, ""));
}
let operatorFlags: OperatorFlags = {};
try {
  const events = parseEvents(values.events);
  const podDisruptionBudgets = parsePodDisruptionBudgets(values["pod-disruption-budgets"]);
  operatorFlags = { ...(events === undefined ? {} : { events }), ...(podDisruptionBudgets === undefined ? {} : { podDisruptionBudgets }) };
} catch (err) {
  usageError((err as Error).message.replace(/^run: /, ""));
}
/** Results with other operator flags than the defaults are named after them, next to the default run's file. */
const shards = positiveInt("--shards", values.shards, 1);
if (shards > SHARD_BUCKETS) usageError(`--shards "${shards}" is more than ${SHARD_BUCKETS}, the number of shard buckets`);
if (shards > 1 && values["heap-snapshot"]) usageError("--heap-snapshot takes one operator process: run it without --shards");
const flagSuffix = `${operatorFlags.events === "warnings" ? "-events-warnings" : ""}${operatorFlags.podDisruptionBudgets === false ? "-no-pdb" : ""}${shards > 1 ? `-shards-${shards}` : ""}`;
const maxHeapMiB = values["max-heap-mib"] === undefined ? undefined : positiveInt("--max-heap-mib", values["max-heap-mib"], 0);
const tasks = positiveInt("--tasks", values.tasks, 3);
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

let state: ControlPlaneState | undefined;
const external = process.env.KUBECONFIG;
const dir = join(DEFAULT_RUN_DIR, "bench");
try {
  let kubeconfig: string;
  if (external) {
    log(`using the cluster of KUBECONFIG=${external}; control plane CPU is not measured`);
    kubeconfig = external;
  } else {
    const binDir = await buildBinaries(log);
    state = await startControlPlane({ dir, binDir, log, profile: "bench" });
    kubeconfig = state.kubeconfig;
  }
  await installCrds(kubeconfig);
  if (!values["from-src"]) {
    log("building dist/ (npm run build)");
    await promisify(execFile)(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")]);
  }
  const date = new Date().toISOString().slice(0, 10);
  const profileDir = join(resultsDir, "profiles", `${date}-N${services}`);
  if (values["heap-snapshot"] || values["cpu-prof"] || values["apiserver-profile"]) await mkdir(profileDir, { recursive: true });
  if (values["apiserver-profile"] && external) usageError("--apiserver-profile profiles the bench's own control plane (its kube-apiserver serves /debug/pprof); unset KUBECONFIG");
  const result = await runBench({
    kubeconfig,
    services,
    tasks,
    pids: state?.pids ?? {},
    resyncSeconds: positiveInt("--resync-seconds", values["resync-seconds"], 30),
    idleResyncs: positiveInt("--idle-resyncs", values["idle-resyncs"], 2),
    cpuProfileDir: values["cpu-prof"] ? profileDir : undefined,
    ...(values["heap-snapshot"] ? { heapSnapshotDir: profileDir } : {}),
    ...(values["apiserver-profile"] ? { apiserverProfileDir: profileDir } : {}),
    note: values.note ?? "",
    ...(workers === undefined ? {} : { workers }),
    ...(maxHeapMiB === undefined ? {} : { maxHeapMiB }),
    operatorFlags,
    ecsOnly: values["ecs-only"],
    shards,
    code: values["from-src"] ? "src" : "dist",
    controlPlane: external ? { kubeconfig: "KUBECONFIG" } : { profile: "bench", clientQps: BENCH_CLIENT_RATE.qps, clientBurst: BENCH_CLIENT_RATE.burst },
    log,
  });
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${date}-N${services}${flagSuffix}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${formatTable(result)}\n\nwritten: ${file}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  if (state) {
    await stopControlPlane(dir);
    await rm(join(dir, "etcd"), { recursive: true, force: true });
  }
}
