// `npm run demo`: the whole product on one machine. Without KUBECONFIG it builds (first time only) and starts the
// local control plane of the test environment (real kube-apiserver, scheduler, controller-manager, etcd, and kwok
// nodes in on-demand, spot and serverless pools); with KUBECONFIG it uses that cluster. Then it installs the CRDs,
// starts the controller, applies examples/ (server-side apply), waits until every example is Ready=True, prints
// `kubectl get ecs -A`, the HPAs once they show live utilisation, and where to look next (on the local control plane
// also how to load storefront-web and watch it scale), and stays up until Ctrl-C. `--once` exits after printing: 0 when
// everything is Ready, 1 when not (with each object's conditions).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP } from "../src/api/common.ts";
import { apiRequest } from "../src/runtime/api-request.ts";
import { buildBinaries, isAlive, readState, startControlPlane, stopControlPlane } from "../test/controlplane/control-plane.ts";
import { DEFAULT_RUN_DIR } from "../test/controlplane/run-dir.ts";
import { documents, type Manifest, objectPath, serverSideApply } from "../test/e2e/tools.ts";
import { installCrds } from "../test/integration/support/crds.ts";
import { SCHEDULED_TASK_LABEL } from "../src/api/keys.ts";
import { isDnsLabel } from "../src/builders/names.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface DemoOptions {
  once: boolean;
  /** Seconds to wait for every example to be Ready. */
  timeoutSeconds: number;
  namespace: string;
  examples: string;
  /** Start the controller here (false: one is already running in the cluster, e.g. from the Helm chart). */
  controller: boolean;
}

export const DEMO_USAGE = `Usage: npm run demo -- [--once] [--timeout SECONDS] [--namespace NS] [--examples DIR] [--no-controller]

Without KUBECONFIG: builds (first run only; 12-25 minutes on 2 cores) and starts a local control plane with kwok
nodes in ~/.cache/ecs-operator/run/demo. With KUBECONFIG: uses that cluster instead.
Then installs the CRDs, starts the controller, applies the examples, waits until they are Ready and prints them.

  --once             exit after printing (exit code 1 if something is not Ready); default: stay up until Ctrl-C
  --timeout SECONDS  how long to wait for Ready (default 300)
  --namespace NS     namespace of the examples (default ecs-demo; created if missing)
  --examples DIR     the manifests to apply (default examples/)
  --no-controller    do not start a controller (one already runs in the cluster, e.g. installed with Helm)`;

export function parseDemoArgs(argv: string[]): DemoOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      once: { type: "boolean", default: false },
      timeout: { type: "string", default: "300" },
      namespace: { type: "string", default: "ecs-demo" },
      examples: { type: "string", default: join(ROOT, "examples") },
      "no-controller": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) throw new DemoUsage(DEMO_USAGE, 0);
  if (positionals.length > 0) throw new DemoUsage(`unexpected argument "${positionals[0] ?? ""}"\n\n${DEMO_USAGE}`, 2);
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new DemoUsage(`--timeout "${values.timeout}" is not a whole number of seconds`, 2);
  if (!isDnsLabel(values.namespace)) throw new DemoUsage(`--namespace "${values.namespace}" is not a valid namespace name`, 2);
  return { once: values.once, timeoutSeconds, namespace: values.namespace, examples: resolve(values.examples), controller: !values["no-controller"] };
}

export class DemoUsage extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface ObservedObject {
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; creationTimestamp?: string };
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

/** Ready=True for the current generation. */
export function isReady(o: ObservedObject): boolean {
  const ready = o.status?.conditions?.find((c) => c.type === "Ready");
  const observed = o.status?.observedGeneration;
  return ready?.status === "True" && (observed === undefined || o.metadata.generation === undefined || observed >= o.metadata.generation);
}

/** One line on why an object is not Ready: its conditions, or that no controller has written status. */
export function whyNotReady(o: ObservedObject): string {
  const conditions = o.status?.conditions ?? [];
  if (conditions.length === 0) return `no status yet: is the ${o.kind} controller running? (see the controller log)`;
  const stale = o.status?.observedGeneration !== undefined && o.metadata.generation !== undefined && o.status.observedGeneration < o.metadata.generation;
  const parts = conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${c.message ? `: ${c.message}` : ""}`);
  return (stale ? `generation ${o.metadata.generation} not observed yet; ` : "") + parts.join("; ");
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + " ".repeat(n - s.length));

/** A `kubectl get`-like table of the objects (used when kubectl is not on PATH). */
export function formatTable(objects: ObservedObject[]): string {
  const rows = [["KIND", "NAMESPACE", "NAME", "READY", "REASON"]];
  for (const o of objects) {
    const ready = o.status?.conditions?.find((c) => c.type === "Ready");
    rows.push([o.kind, o.metadata.namespace ?? "", o.metadata.name, ready?.status ?? "-", ready?.reason ?? ""]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)) + 3) ?? [];
  return rows.map((r) => r.map((cell, i) => pad(cell, widths[i] ?? 0)).join("").trimEnd()).join("\n");
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * The closing "where to look next" lines: what the controllers made (Deployments and DaemonSets of Services, the
 * pods of Services and Tasks, Services, Ingresses, HPAs, PDBs) and the Task objects that are one-off tasks and the
 * runs of ScheduledTasks (no CronJobs or Jobs: a ScheduledTask creates a Task per run, docs/scheduled-tasks.md).
 */
export function whereToLookNext(opts: { kubeconfig: string; namespace: string; controllerLog?: string | undefined; localControlPlane?: boolean }): string[] {
  return [
    "Where to look next:",
    `  export KUBECONFIG=${opts.kubeconfig}`,
    `  kubectl get deploy,ds,pods,svc,ingress,hpa,pdb -n ${opts.namespace} -o wide    # what the controllers made`,
    `  kubectl describe ecsservice storefront-web -n ${opts.namespace}    # ECS-style status and events`,
    `  kubectl get ecstask -n ${opts.namespace} -L ${SCHEDULED_TASK_LABEL}    # one-off Tasks, and a Task per ScheduledTask run`,
    "  kubectl get nodes -L karpenter.sh/capacity-type,eks.amazonaws.com/compute-type    # the kwok node pools",
    ...(opts.localControlPlane === true ? scaleOutLines(opts.namespace) : []),
    ...blueGreenLines(opts.namespace, opts.localControlPlane === true),
    ...(opts.controllerLog === undefined ? [] : [`  less ${opts.controllerLog}    # the controller's log (JSON lines)`]),
    "  docs: README.md, docs/api.md, docs/mapping.md, docs/autoscaling.md, docs/argocd.md",
  ];
}

/** The service the demo deploys BLUE_GREEN (examples/70-web-blue-green.yaml: bakeTimeInMinutes 10). */
export const BLUE_GREEN_DEMO_SERVICE = "checkout-web";

/** On the local control plane a deployment "minute" (bake and step times) lasts this many seconds, so the demo's blue/green ends in about a minute. */
export const LOCAL_DEPLOYMENT_MINUTE_SECONDS = 6;

/** How to watch a blue/green deployment of checkout-web go through ECS's lifecycle stages (docs/deployments.md). */
export function blueGreenLines(namespace: string, localControlPlane: boolean): string[] {
  const image = "ghcr.io/example/checkout-web:2.5.0";
  return [
    `  kubectl patch td ${BLUE_GREEN_DEMO_SERVICE} -n ${namespace} --type json -p '[{"op":"replace","path":"/spec/containerDefinitions/0/image","value":"${image}"}]'    # a new revision: ${BLUE_GREEN_DEMO_SERVICE} deploys it BLUE_GREEN`,
    `  kubectl get ecsservice ${BLUE_GREEN_DEMO_SERVICE} -n ${namespace} -w    # the Stage column: green scales up, takes test then production traffic, bakes ${localControlPlane ? `(10 minutes of ${LOCAL_DEPLOYMENT_MINUTE_SECONDS} s here)` : "10 minutes"}, blue goes`,
    `  kubectl annotate --overwrite ecsservice ${BLUE_GREEN_DEMO_SERVICE} -n ${namespace} ecs.operator.dev/rollback="$(date +%s)"    # during the bake: traffic back to blue at once`,
  ];
}

/** The service the demo loads to show autoscaling (examples/10-web-fargate-spot-ingress.yaml: CPU target 60 %). */
export const AUTOSCALING_DEMO_SERVICE = "storefront-web";

/**
 * How to watch storefront-web scale on the local control plane, where kwok makes tasks use the CPU their
 * kwok.ecs-operator.dev/cpu-utilization annotation says (docs/autoscaling.md, "The test pipeline"). The loop keeps
 * every task busy, including the ones scale-out adds, so the service climbs to maxCapacity; without it new tasks
 * start idle and the average settles at the target.
 */
export function scaleOutLines(namespace: string): string[] {
  const selector = `ecs.operator.dev/service=${AUTOSCALING_DEMO_SERVICE}`;
  return [
    `  while sleep 5; do kubectl annotate pods -n ${namespace} -l ${selector} kwok.ecs-operator.dev/cpu-utilization=90 --overwrite >/dev/null; done    # load ${AUTOSCALING_DEMO_SERVICE} (Ctrl-C ends it)`,
    `  kubectl get hpa,ecsservice -n ${namespace} -w    # in another shell: cpu 90%/60%, desiredCount 4 → 6 → 9 → 12, a step a minute`,
    `  kubectl annotate pods -n ${namespace} -l ${selector} kwok.ecs-operator.dev/cpu-utilization-    # idle again: back to 2 after the 300 s scaleInCooldown`,
  ];
}

/** An HPA as `kubectl get hpa` reads it: whether metrics-server has given it a current value yet. */
interface ObservedHpa {
  metadata: { name: string };
  status?: { currentMetrics?: { resource?: { current?: { averageUtilization?: number } } }[] | null };
}

/**
 * Waits (at most timeoutMs) until every HPA in the namespace shows a current utilisation, so that the table printed
 * next has real numbers rather than `<unknown>`: metrics-server serves a pod's CPU only after two scrapes. Returns
 * the names of the HPAs still without one.
 */
async function waitForHpaMetrics(kc: KubeConfig, namespace: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await apiRequest<{ items: ObservedHpa[] }>(kc, { method: "GET", path: `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers` });
    const missing = list.items.filter((h) => !(h.status?.currentMetrics ?? []).some((m) => m.resource?.current?.averageUtilization !== undefined)).map((h) => h.metadata.name);
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const say = (line: string): void => void process.stderr.write(`[demo] ${line}\n`);

/** The manifests of every .yaml file in dir, in file order. */
export async function readExamples(dir: string): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  const out: Manifest[] = [];
  for (const f of files) out.push(...documents(await readFile(join(dir, f), "utf8")));
  if (out.length === 0) throw new Error(`${dir}: no manifests found`);
  return out;
}

async function readObjects(kc: KubeConfig, manifests: Manifest[], namespace: string): Promise<ObservedObject[]> {
  const out: ObservedObject[] = [];
  for (const m of manifests) {
    const path = await objectPath(kc, m, namespace);
    out.push(await apiRequest<ObservedObject>(kc, { method: "GET", path }));
  }
  return out;
}

/** Polls until every object is Ready or the deadline passes; prints progress when it changes (and every 30 s). */
async function waitReady(kc: KubeConfig, manifests: Manifest[], namespace: string, timeoutMs: number): Promise<ObservedObject[]> {
  const deadline = Date.now() + timeoutMs;
  let lastLine = "";
  let lastPrinted = 0;
  for (;;) {
    const objects = await readObjects(kc, manifests, namespace);
    const waiting = objects.filter((o) => !isReady(o));
    if (waiting.length === 0 || Date.now() > deadline) return objects;
    const first = waiting[0];
    const line = `${objects.length - waiting.length}/${objects.length} Ready; waiting for ${waiting.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`;
    if (line !== lastLine || Date.now() - lastPrinted > 30_000) {
      say(line + (first ? ` (${first.kind}/${first.metadata.name}: ${whyNotReady(first)})` : ""));
      lastLine = line;
      lastPrinted = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function hasKubectl(): boolean {
  return spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
}

/** Prints progress every 30 s while a long step runs, so a cold build never sits silent. */
function heartbeat(what: string): () => void {
  const start = Date.now();
  const timer = setInterval(() => {
    say(`${what}: still working (${formatDuration(Date.now() - start)} so far)`);
  }, 30_000);
  return () => {
    clearInterval(timer);
  };
}

interface Running {
  controlPlaneDir?: string;
  controller?: ChildProcess;
}

async function stopAll(running: Running): Promise<void> {
  const c = running.controller;
  if (c?.exitCode === null && c.signalCode === null) {
    const exited = once(c, "exit");
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 35_000);
    await exited;
    clearTimeout(timer);
    say("controller stopped");
  }
  if (running.controlPlaneDir) {
    await stopControlPlane(running.controlPlaneDir);
    say("control plane stopped");
  }
}

/** The local control plane's scheduler runs the binpack profile (test/controlplane); another cluster may not. */
export const LOCAL_BINPACK_SCHEDULER = "ecs-binpack";

/** The `ecs-operator run` flags of the demo's controller. */
export function controllerArgs(opts: { kubeconfig: string; namespace: string; localControlPlane: boolean }): string[] {
  return [
    "run",
    "--kubeconfig",
    opts.kubeconfig,
    "--namespace",
    opts.namespace,
    "--metrics-bind-address",
    "127.0.0.1:0",
    // Only where the profile is known to exist: pods naming a scheduler the cluster does not run stay Pending.
    ...(opts.localControlPlane ? ["--binpack-scheduler-name", LOCAL_BINPACK_SCHEDULER, "--deployment-minute-seconds", String(LOCAL_DEPLOYMENT_MINUTE_SECONDS)] : []),
  ];
}

async function startController(args: string[], logFile: string): Promise<{ child: ChildProcess; port: number }> {
  const main = join(ROOT, "src/cli/main.ts");
  const child = spawn(process.execPath, [main, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, KUBECONFIG: "" },
  });
  const log = createWriteStream(logFile, { flags: "a" });
  let head = "";
  const port = await new Promise<number>((resolvePort, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      log.write(d);
      if (head.length < 100_000) head += d.toString();
      const m = /"msg":"started","metricsPort":(\d+)/.exec(head);
      if (m) resolvePort(Number(m[1]));
    });
    child.once("exit", (code) => { reject(new Error(`the controller exited (code ${code}) before it started; log: ${logFile}\n${head.slice(-2000)}`)); });
  });
  return { child, port };
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const started = Date.now();
  const running: Running = {};
  const signalled = { stopping: false };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled.stopping) return;
    signalled.stopping = true;
    say(`${signal}: stopping`);
    void stopAll(running).then(
      () => process.exit(0),
      (err: unknown) => {
        say(`stopping failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let kubeconfig = process.env.KUBECONFIG ?? "";
  const runDir = join(DEFAULT_RUN_DIR, "demo");
  await mkdir(runDir, { recursive: true });
  try {
    if (kubeconfig) {
      say(`using the cluster of KUBECONFIG=${kubeconfig} (no local control plane)`);
    } else {
      say("checking the local control plane binaries (~/.cache/ecs-operator/testenv)");
      // A warm cache answers at once; only a real build gets the explanation.
      const coldNote = setTimeout(() => {
        say("building them: the first run compiles Kubernetes, etcd, kwok and helm from source, 12-25 minutes on 2 cores");
        say("(later runs reuse the cache and start in seconds); progress follows");
      }, 3000);
      const stopBeat = heartbeat("building");
      let binDir: string;
      try {
        binDir = await buildBinaries(say);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nThe local control plane needs Go 1.26+ and openssl. Or point KUBECONFIG at a cluster of yours (kind, minikube ...).`, { cause: err });
      } finally {
        clearTimeout(coldNote);
        stopBeat();
      }
      const previous = await readState(runDir);
      const alive = Object.values(previous?.pids ?? {}).filter((pid) => isAlive(pid));
      if (previous && alive.length > 0) {
        throw new Error(
          `a demo control plane is already running in ${runDir} (pids ${alive.join(", ")}). Use it (its controller runs already): KUBECONFIG=${previous.kubeconfig} npm run demo -- --no-controller; ` +
            `or stop it first: npm run controlplane -- down --dir ${runDir}`,
        );
      }
      say(`starting the control plane in ${runDir}`);
      running.controlPlaneDir = runDir;
      const state = await startControlPlane({ dir: runDir, binDir, log: say });
      kubeconfig = state.kubeconfig;
    }
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);

    say("installing the CRDs (crds/)");
    await installCrds(kubeconfig);

    if (opts.controller) {
      const logFile = join(runDir, "controller.log");
      const localControlPlane = running.controlPlaneDir !== undefined;
      const { child, port } = await startController(controllerArgs({ kubeconfig, namespace: opts.namespace, localControlPlane }), logFile);
      running.controller = child;
      say(`controller running (watching namespace ${opts.namespace}); log: ${logFile}; metrics: http://127.0.0.1:${port}/metrics`);
      say(
        localControlPlane
          ? `binpack placement uses the scheduler profile ${LOCAL_BINPACK_SCHEDULER} of the local control plane`
          : "binpack placement becomes a preferred pod affinity (this cluster's scheduler profiles are unknown; see --binpack-scheduler-name in docs/cli.md)",
      );
    } else {
      say("not starting a controller (--no-controller): the cluster's own must be running");
    }

    const manifests = await readExamples(opts.examples);
    const namespaceObject: Manifest = { apiVersion: "v1", kind: "Namespace", metadata: { name: opts.namespace } };
    await serverSideApply(kc, [namespaceObject], { dryRun: false, fieldManager: "ecs-operator-demo" });
    say(`applying ${manifests.length} objects from ${opts.examples} into namespace ${opts.namespace}`);
    await serverSideApply(kc, manifests, { dryRun: false, namespace: opts.namespace, fieldManager: "ecs-operator-demo" });

    say(`waiting until every object is Ready (at most ${opts.timeoutSeconds}s)`);
    // Only our kinds have a Ready condition; the Secrets the examples also hold are ready once applied.
    const ecsManifests = manifests.filter((m) => m.apiVersion.startsWith(`${API_GROUP}/`));
    const objects = await waitReady(kc, ecsManifests, opts.namespace, opts.timeoutSeconds * 1000);
    const notReady = objects.filter((o) => !isReady(o));

    process.stdout.write("\n");
    if (hasKubectl()) {
      process.stdout.write("$ kubectl get ecs -A\n");
      const res = spawnSync("kubectl", ["get", "ecs", "-A"], { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: "utf8" });
      process.stdout.write(res.stdout || res.stderr);
    } else {
      process.stdout.write(`${formatTable(objects)}\n`);
    }
    process.stdout.write("\n");

    if (notReady.length > 0) {
      process.stdout.write(`NOT READY after ${opts.timeoutSeconds}s (${notReady.length} of ${objects.length}):\n`);
      for (const o of notReady) process.stdout.write(`  ${o.kind}/${o.metadata.name}: ${whyNotReady(o)}\n`);
      process.stdout.write("\n");
    } else {
      process.stdout.write(`All ${objects.length} example objects are Ready (${formatDuration(Date.now() - started)} in all).\n\n`);
    }
    const localControlPlane = running.controlPlaneDir !== undefined;
    if (notReady.length === 0 && hasKubectl()) {
      // The local control plane runs metrics-server; another cluster may not, and is not waited for.
      if (localControlPlane) say("waiting for the HPAs' first utilisation from metrics-server (two 10 s scrapes of each task)");
      const missing = await waitForHpaMetrics(kc, opts.namespace, localControlPlane ? 60_000 : 0);
      process.stdout.write(`$ kubectl get hpa -n ${opts.namespace}\n`);
      const res = spawnSync("kubectl", ["get", "hpa", "-n", opts.namespace], { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: "utf8" });
      process.stdout.write(res.stdout || res.stderr);
      if (missing.length > 0) {
        process.stdout.write(`(no utilisation yet for ${missing.join(", ")}: does the cluster run metrics-server? \`kubectl get apiservice v1beta1.metrics.k8s.io\`; docs/autoscaling.md)\n`);
      }
      process.stdout.write("\n");
    }
    const controllerLog = running.controller ? join(runDir, "controller.log") : undefined;
    process.stdout.write(`${whereToLookNext({ kubeconfig, namespace: opts.namespace, controllerLog, localControlPlane }).join("\n")}\n`);

    if (opts.once) {
      await stopAll(running);
      return notReady.length > 0 ? 1 : 0;
    }
    say("running; press Ctrl-C to stop the controller" + (running.controlPlaneDir ? " and the control plane" : ""));
    // Stay up (a pending promise alone does not keep Node running); the signal handler stops everything.
    setInterval(() => undefined, 60_000);
    await new Promise<never>(() => undefined);
    return 0;
  } catch (err) {
    if (!signalled.stopping) await stopAll(running).catch((e: unknown) => { say(`cleanup failed: ${(e as Error).message}`); });
    throw err;
  }
}

if (import.meta.main) {
  try {
    const opts = parseDemoArgs(process.argv.slice(2));
    process.exitCode = await runDemo(opts);
  } catch (err) {
    if (err instanceof DemoUsage) {
      (err.exitCode === 0 ? process.stdout : process.stderr).write(`${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`[demo] error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
  // Sockets kept alive by the API client must not hold the process open after --once or an error.
  process.exit();
}
