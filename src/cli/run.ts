// `ecs-operator run`: the controller process. Wiring only: flags and environment → a Manager with the
// controllers, the health/metrics server, leader election and signal handling.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { isDnsDomain, isDnsSubdomain } from "../builders/names.ts";
import { CONTROLLER_NAMES, registerControllers, type ControllerName } from "../controllers/register.ts";
import { shardOf, type Shard } from "../controllers/shards.ts";
import { createLogger, parseLogLevel } from "../runtime/logger.ts";
import { Manager } from "../runtime/manager.ts";
import { loadClusterAccess, type ClusterAccess } from "../runtime/cluster-access.ts";
import { CliError } from "./convert.ts";
import { firstLine } from "./input.ts";

export interface RunOptions {
  kubeconfig?: string;
  /** host:port of /metrics, /healthz and /readyz; "0" turns the server off. */
  metricsBindAddress: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  logLevel: string;
  /** Watch only this namespace, or these (comma-separated: a namespace-scoped install); all when empty. */
  namespace?: string;
  identity: string;
  revisionHistoryLimit?: number;
  /** The binpack scheduler profile; null: none (binpack becomes a preferred pod affinity). */
  binpackSchedulerName?: string | null;
  /** Seconds a stopped Task is kept when its spec does not say (default 3600, like ECS). */
  stoppedTaskRetentionSeconds?: number;
  /** The cluster DNS domain of Service Connect names (default cluster.local). */
  clusterDomain?: string;
  /** false: task size split into per-container limits, for clusters without PodLevelResources (default true). */
  podLevelResources?: boolean;
  /** --ebs-storage-classes: the storage class for each EBS volume type. */
  ebsStorageClasses?: Record<string, string>;
  /** --deployment-minute-seconds: how long a minute of the bake and step times of BLUE_GREEN, LINEAR, CANARY lasts. */
  deploymentMinuteSeconds?: number;
  /** --workers: workers per controller (the others keep DEFAULT_WORKERS). */
  workers?: Partial<Record<ControllerName, number>>;
  /** --resync-period: seconds between the informers' resyncs (every cached object reconciled once; default 600). */
  resyncSeconds?: number;
  /** --events: "all" Kubernetes Events (default) or only "warnings". */
  events?: "all" | "warnings";
  /** --pod-disruption-budgets: false, Services get no PodDisruptionBudget (default true). */
  podDisruptionBudgets?: boolean;
  /** --shard and --shards: the shard of the Service controller this replica runs (default: the only one). */
  shard?: Shard;
}

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** In a pod (the API server's service env is set) the server must be reachable by probes and Prometheus. */
export function defaultMetricsBindAddress(env: NodeJS.ProcessEnv): string {
  return env.KUBERNETES_SERVICE_HOST ? "0.0.0.0:8080" : "127.0.0.1:8080";
}

/** The namespace of the pod's service account, else POD_NAMESPACE, else "default". */
export function defaultLeaderElectionNamespace(env: NodeJS.ProcessEnv): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim() || "default";
  } catch {
    return "default";
  }
}

export function defaultIdentity(env: NodeJS.ProcessEnv): string {
  return env.POD_NAME ?? `${hostname()}-${process.pid}`;
}

/** "host:port", ":port" (all interfaces) or "0" (off). */
export function parseBindAddress(text: string): { host: string; port: number } | undefined {
  if (text === "0") return undefined;
  const m = /^(.*):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65_535) throw new CliError(`--metrics-bind-address: "${text}" is not host:port, :port or 0 (off)`);
  const host = (m[1] ?? "").replace(/^\[(.*)\]$/, "$1");
  return { host: host === "" ? "0.0.0.0" : host, port };
}

/** --binpack-scheduler-name: a pod's spec.schedulerName (a DNS-1123 subdomain); "" or absent: none (null). */
export function parseBinpackSchedulerName(text: string | undefined): string | null {
  if (text === undefined || text === "") return null;
  if (!isDnsSubdomain(text)) {
    throw new CliError(`run: --binpack-scheduler-name "${text}" is not a scheduler name (lowercase letters, digits, '-' and '.', at most 253 characters)`);
  }
  return text;
}

/** --stopped-task-retention: whole seconds, 0 or more (0 removes a stopped task's pods at once). */
export function parseStoppedTaskRetention(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seconds)) throw new CliError(`run: --stopped-task-retention "${text}" is not a whole number of seconds (0 or more)`);
  return seconds;
}

/** --pod-level-resources: true (the default: the task size is the pod's resources) or false (per-container split). */
export function parsePodLevelResources(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text !== "true" && text !== "false") throw new CliError(`run: --pod-level-resources "${text}" is not true or false`);
  return text === "true";
}

/** --pod-disruption-budgets: true (the default: minimumHealthyPercent holds under evictions) or false (none made). */
export function parsePodDisruptionBudgets(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text !== "true" && text !== "false") throw new CliError(`run: --pod-disruption-budgets "${text}" is not true or false`);
  return text === "true";
}

/** --events: all (the default) or warnings (Normal events are only in a Service's status.events). */
export function parseEvents(text: string | undefined): "all" | "warnings" | undefined {
  if (text === undefined || text === "") return undefined;
  if (text !== "all" && text !== "warnings") throw new CliError(`run: --events "${text}" is not all or warnings`);
  return text;
}

/** --ebs-storage-classes: `TYPE=CLASS[,TYPE=CLASS...]` (gp3=ebs-gp3,io2=ebs-io2), storage class names DNS subdomains. */
export function parseEbsStorageClasses(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text === "") return undefined;
  const out: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const m = /^\s*([a-z0-9]+)=([^,\s]+)\s*$/.exec(pair);
    if (!m || !isDnsSubdomain(m[2] ?? "")) throw new CliError(`run: --ebs-storage-classes "${text}": "${pair}" is not TYPE=STORAGE_CLASS (such as gp3=ebs-gp3)`);
    out[m[1] ?? ""] = m[2] ?? "";
  }
  return out;
}

/** --deployment-minute-seconds: whole seconds from 1 to 60 (docs/deployments.md: demos and tests shorten bake times). */
export function parseDeploymentMinuteSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) throw new CliError(`run: --deployment-minute-seconds "${text}" is not a whole number of seconds from 1 to 60`);
  return seconds;
}

/** --workers: `NAME=N[,NAME=N...]` (service=8,taskdefinition=4), NAME a controller, N whole from 1 to 64. */
export function parseWorkers(text: string | undefined): Partial<Record<ControllerName, number>> | undefined {
  if (text === undefined || text === "") return undefined;
  const out: Partial<Record<ControllerName, number>> = {};
  for (const pair of text.split(",")) {
    const m = /^\s*([a-z]+)=(\d+)\s*$/.exec(pair);
    const name = CONTROLLER_NAMES.find((n) => n === m?.[1]);
    const n = Number(m?.[2]);
    if (!m || name === undefined || !Number.isInteger(n) || n < 1 || n > 64) {
      throw new CliError(`run: --workers "${text}": "${pair}" is not CONTROLLER=N with CONTROLLER one of ${CONTROLLER_NAMES.join(", ")} and N from 1 to 64`);
    }
    out[name] = n;
  }
  return out;
}

/** --resync-period: whole seconds from 10 to 86400 between informer resyncs. */
export function parseResyncPeriod(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 10 || seconds > 86_400) throw new CliError(`run: --resync-period "${text}" is not a whole number of seconds from 10 to 86400`);
  return seconds;
}

/**
 * --shards N and --shard I: how many shards the Service controller is split into (1 to SHARD_BUCKETS; default 1) and
 * which one this replica runs (0 to N-1; default 0). A StatefulSet gives I from its pod index (the chart does).
 */
export function parseShard(shardText: string | undefined, shardsText: string | undefined): Shard | undefined {
  if (shardText === undefined && shardsText === undefined) return undefined;
  const whole = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined || text === "") return fallback;
    if (!/^\d+$/.test(text)) throw new CliError(`run: ${flag} "${text}" is not a whole number`);
    return Number(text);
  };
  try {
    return shardOf(whole("--shard", shardText, 0), whole("--shards", shardsText, 1));
  } catch (err) {
    throw new CliError(`run: ${(err as Error).message}`);
  }
}

/** The Lease of one shard: the --leader-election-id of an unsharded operator, `<id>-shard-<i>` of shard i of several. */
export function shardLeaseName(id: string, shard: Shard | undefined): string {
  return shard === undefined || shard.count === 1 ? id : `${id}-shard-${shard.index}`;
}

/** --cluster-domain: the DNS domain of the cluster's Services (a DNS-1123 subdomain of labels of at most 63, no leading or trailing dot). */
export function parseClusterDomain(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!isDnsDomain(text)) throw new CliError(`run: --cluster-domain "${text}" is not a DNS domain such as cluster.local`);
  return text;
}

export async function runController(opts: RunOptions): Promise<Manager> {
  let level;
  try {
    level = parseLogLevel(opts.logLevel);
  } catch (err) {
    throw new CliError(`--log-level: ${(err as Error).message}`);
  }
  const http = parseBindAddress(opts.metricsBindAddress);
  let kc: ClusterAccess | undefined;
  try {
    kc = await loadClusterAccess(opts.kubeconfig);
  } catch (err) {
    // The loader's message may quote the file (a YAML snippet, a certificate): its first line says enough.
    throw new CliError(`${opts.kubeconfig ? `--kubeconfig ${opts.kubeconfig}` : "kubeconfig"}: cannot load: ${firstLine(err)}`);
  }
  if (kc === undefined) throw new CliError("no cluster to talk to: set --kubeconfig or KUBECONFIG, or run in a pod");
  const logger = createLogger({ level, fields: { identity: opts.identity } });
  const watchNamespaces = (opts.namespace ?? "").split(",").map((n) => n.trim()).filter((n) => n !== "");
  const mgr = new Manager({
    kubeConfig: kc,
    identity: opts.identity,
    logger,
    ...(http ? { http } : {}),
    ...(watchNamespaces.length > 1 ? { watchNamespaces } : {}),
    ...(opts.resyncSeconds === undefined ? {} : { resyncMs: opts.resyncSeconds * 1000 }),
    ...(opts.events === undefined ? {} : { events: opts.events }),
    ...(opts.leaderElect ? { leaderElection: { namespace: opts.leaderElectionNamespace, name: shardLeaseName(opts.leaderElectionId, opts.shard) } } : {}),
  });
  registerControllers(mgr, {
    namespace: watchNamespaces.length === 1 ? watchNamespaces[0] : undefined,
    revisionHistoryLimit: opts.revisionHistoryLimit,
    binpackSchedulerName: opts.binpackSchedulerName ?? null,
    stoppedTaskRetentionSeconds: opts.stoppedTaskRetentionSeconds,
    clusterDomain: opts.clusterDomain,
    podLevelResources: opts.podLevelResources,
    ebsStorageClasses: opts.ebsStorageClasses,
    ...(opts.deploymentMinuteSeconds === undefined ? {} : { deploymentMinuteMs: opts.deploymentMinuteSeconds * 1000 }),
    ...(opts.workers === undefined ? {} : { workers: opts.workers }),
    ...(opts.podDisruptionBudgets === undefined ? {} : { podDisruptionBudgets: opts.podDisruptionBudgets }),
    ...(opts.shard === undefined ? {} : { shard: opts.shard }),
  });
  mgr.handleSignals();
  logger.info("starting", {
    namespace: opts.namespace ?? "(all)",
    metricsBindAddress: http ? `${http.host}:${http.port}` : "off",
    leaderElection: opts.leaderElect ? `${opts.leaderElectionNamespace}/${shardLeaseName(opts.leaderElectionId, opts.shard)}` : "off",
    shard: opts.shard === undefined ? "0 of 1" : `${opts.shard.index} of ${opts.shard.count}`,
    binpackSchedulerName: opts.binpackSchedulerName ?? "(none: preferred pod affinity)",
  });
  try {
    await mgr.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const where = http ? `--metrics-bind-address ${http.host}:${http.port}` : "run";
    if (e.code === "EADDRINUSE") throw new CliError(`${where}: the port is taken by another process; choose another port, or 0 to turn the server off`);
    if (e.code === "EACCES") throw new CliError(`${where}: not allowed to listen there (ports below 1024 need privileges)`);
    if (e.code === "EADDRNOTAVAIL") throw new CliError(`${where}: this machine has no such address`);
    throw new CliError(`run: could not start: ${firstLine(err)}`);
  }
  logger.info("started", { metricsPort: mgr.httpPort ?? 0 });
  return mgr;
}
