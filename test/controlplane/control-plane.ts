// Starts and stops a real Kubernetes control plane on loopback for tests and the local demo: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok (fake nodes whose pods run, fail and
// exit as told, and use the CPU and memory their annotations say) and metrics-server (metrics.k8s.io, so
// HPAs and `kubectl top` see that usage), with certificates made by openssl and an admin kubeconfig.
// Every process's PID is recorded in <dir>/state.json so that `stop` (from this or any later process)
// leaves nothing behind.
import { spawn, execFile } from "node:child_process";
import { once } from "node:events";
import { mkdir, readFile, writeFile, rm, open } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { networkInterfaces } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ApiregistrationV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig } from "@kubernetes/client-node";
import { TEST_NODES, buildNode } from "./nodes.ts";

const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "metrics-server"] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ControlPlaneState {
  dir: string;
  binDir: string;
  /** Binaries that build.sh does not make (metrics-server, built and cached apart): their full paths. */
  binaries?: Partial<Record<Component, string>>;
  kubeconfig: string;
  server: string;
  pids: Partial<Record<Component, number>>;
  /** Command-line arguments of each component, so that one can be restarted alone. */
  args: Partial<Record<Component, string[]>>;
  /** Extra processes started for a test (a second kube-apiserver), stopped with the rest. */
  extra?: Record<string, number>;
}

export interface StartOptions {
  /** Directory for certificates, data, logs and state.json; wiped first. */
  dir: string;
  /** Directory holding the binaries built by build.sh. */
  binDir: string;
  /** Directory holding metrics-server (buildMetricsServer); found, or built, by running its cached build when absent. */
  metricsServerBinDir?: string;
  /** Progress lines (starting etcd, waiting for nodes ...). */
  log?: (line: string) => void;
  /**
   * "bench" raises the client rate limits of kube-controller-manager and kube-scheduler (BENCH_CLIENT_RATE), so that
   * plain Deployments roll as fast as the machine allows and the benchmark compares the operator against the work
   * itself, not against the default pacing (20 QPS, burst 30 for kube-controller-manager; 50/100 for the scheduler).
   * Default "test": the stock limits.
   */
  profile?: "test" | "bench";
}

/** Client QPS and burst of kube-controller-manager and kube-scheduler in the bench profile (docs/performance.md). */
export const BENCH_CLIENT_RATE = { qps: 200, burst: 400 } as const;

/**
 * Runs test/controlplane/build.sh and build-metrics-server.sh (no-ops when the cache is warm) and returns the
 * control plane's bin directory.
 */
export async function buildBinaries(log: (line: string) => void = () => undefined): Promise<string> {
  const binDir = await runBuildScript("build.sh", log);
  if (!existsSync(join(binDir, "kube-apiserver"))) throw new Error(`build.sh printed no usable bin directory: ${binDir}`);
  await buildMetricsServer(log);
  return binDir;
}

/** Runs test/controlplane/build-metrics-server.sh (a no-op when its cache is warm) and returns its bin directory. */
export async function buildMetricsServer(log: (line: string) => void = () => undefined): Promise<string> {
  const binDir = await runBuildScript("build-metrics-server.sh", log);
  if (!existsSync(join(binDir, "metrics-server"))) throw new Error(`build-metrics-server.sh printed no usable bin directory: ${binDir}`);
  return binDir;
}

/**
 * Runs test/controlplane/gateway-api-crds.sh (a no-op when its cache is warm) and returns the directory of the Gateway
 * API standard-channel CRDs it pins, for installCrds: the test control plane serves HTTPRoute like a cluster with
 * the Gateway API installed.
 */
export async function gatewayApiCrdDir(log: (line: string) => void = () => undefined): Promise<string> {
  const dir = await runBuildScript("gateway-api-crds.sh", log);
  if (!existsSync(join(dir, "gateway.networking.k8s.io_httproutes.yaml"))) throw new Error(`gateway-api-crds.sh printed no usable directory: ${dir}`);
  return dir;
}

async function runBuildScript(script: string, log: (line: string) => void): Promise<string> {
  const child = spawn("bash", [join(here, script)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  let stderrTail = "";
  child.stderr.on("data", (d: Buffer) => {
    const text = d.toString();
    stderrTail = (stderrTail + text).slice(-4000);
    for (const line of text.split("\n")) if (line.trim()) log(line);
  });
  const [code] = (await once(child, "close")) as [number | null];
  if (code !== 0) throw new Error(`test/controlplane/${script} failed (exit ${code}):\n${stderrTail}`);
  return stdout.trim().split("\n").pop() ?? "";
}

async function freePort(host = "127.0.0.1"): Promise<number> {
  const srv = createServer();
  srv.listen(0, host);
  await once(srv, "listening");
  const addr = srv.address();
  srv.close();
  await once(srv, "close");
  if (addr === null || typeof addr === "string") throw new Error(`could not allocate a port on ${host}`);
  return addr.port;
}

/**
 * The address metrics-server listens on: the API server's aggregation layer reaches an APIService through the
 * endpoints of an in-cluster Service, and EndpointSlice validation refuses loopback addresses, so this is the first
 * non-loopback IPv4 address of this host (any interface that is up; nothing outside the host connects to it).
 */
export function aggregationAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error(
    "the metrics pipeline needs a non-loopback IPv4 address on this host: the API server's aggregation layer reaches metrics-server " +
      "through an EndpointSlice, which may not hold a loopback address, and this host has only loopback. Bring up any interface with an " +
      "IPv4 address (for example `ip link add ecs-test type dummy && ip addr add 192.0.2.2/32 dev ecs-test && ip link set ecs-test up`).",
  );
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync("openssl", args, { cwd });
  } catch (err) {
    throw new Error(`openssl ${args.join(" ")} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`, { cause: err });
  }
}

/**
 * A CA, the API server's serving certificate, an admin client certificate and the service account key; for the
 * metrics pipeline, a front-proxy CA and the client certificate the aggregation layer presents to metrics-server, and
 * the serving certificates of kwok (the fake nodes' kubelet endpoint, on loopback) and of metrics-server (its
 * in-cluster Service name and `hostAddress`).
 */
async function makeCertificates(pki: string, hostAddress: string): Promise<void> {
  await mkdir(pki, { recursive: true });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(pki, ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=ecs-operator-testenv-ca"]);
  await openssl(pki, ["req", "-x509", ...ec, "-keyout", "front-proxy-ca.key", "-out", "front-proxy-ca.crt", "-days", "3650", "-subj", "/CN=ecs-operator-testenv-front-proxy-ca"]);
  const sign = async (name: string, subj: string, ext: string, ca = "ca"): Promise<void> => {
    await writeFile(join(pki, `${name}.ext`), ext);
    await openssl(pki, ["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj]);
    await openssl(pki, ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "3650", "-extfile", `${name}.ext`]);
  };
  const server = (sans: string): string => `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`;
  await sign("front-proxy-client", "/CN=front-proxy-client", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n", "front-proxy-ca");
  await sign("kwok", "/CN=kwok", server("IP:127.0.0.1,DNS:localhost"));
  await sign("metrics-server", "/CN=metrics-server", server(`DNS:metrics-server.kube-system.svc,IP:${hostAddress}`));
  const sans = ["IP:127.0.0.1", "IP:10.0.0.1", "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"];
  await sign("apiserver", "/CN=kube-apiserver", `subjectAltName=${sans.join(",")}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
  await sign("admin", "/O=system:masters/CN=ecs-operator-testenv-admin", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
  await openssl(pki, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key"]);
  await openssl(pki, ["ec", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function kubeconfigYaml(server: string, pki: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: testenv",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${join(pki, "ca.crt")}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate: ${join(pki, "admin.crt")}`,
    `    client-key: ${join(pki, "admin.key")}`,
    "contexts:",
    "- name: testenv",
    "  context: {cluster: testenv, user: admin}",
    "current-context: testenv",
    "",
  ].join("\n");
}

/** GET url until it answers 200 (and `accept(body)`), or throw after `timeoutMs` naming the component and its log. */
async function waitHealthy(name: string, url: string, dir: string, pid: number, timeoutMs: number, tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (!isAlive(pid)) break;
    try {
      const { status, body } = await get(url, tls);
      if (status === 200) return;
      last = `HTTP ${status}: ${body.slice(0, 300)}`;
    } catch (err) {
      last = String(err);
    }
    await sleep(250);
  }
  const logTail = await readFile(join(dir, "logs", `${name}.log`), "utf8").then((t) => t.split("\n").slice(-30).join("\n"), () => "");
  throw new Error(`${name} did not become healthy at ${url} (${isAlive(pid) ? "still running" : "exited"}; last answer: ${last}). Log tail:\n${logTail}`);
}

function get(url: string, tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const u = new URL(url);
    const cb = (res: import("node:http").IncomingMessage): void => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => { resolvePromise({ status: res.statusCode ?? 0, body }); });
    };
    const req = u.protocol === "https:"
      ? httpsRequest(u, { timeout: 2000, ca: tls?.ca, cert: tls?.cert, key: tls?.key, rejectUnauthorized: tls?.ca !== undefined }, cb)
      : httpRequest(u, { timeout: 2000 }, cb);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is dead for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** True when pid is alive and runs one of the control plane's binaries (guards against a recycled PID). */
function isOurs(pid: number, state: ControlPlaneState): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return [state.binDir, ...Object.values(state.binaries ?? {})].some((bin) => cmdline.startsWith(bin));
  } catch {
    return false;
  }
}

function binaryOf(state: ControlPlaneState, name: Component): string {
  return state.binaries?.[name] ?? join(state.binDir, name);
}

async function launch(state: ControlPlaneState, name: Component, args: string[], extraName?: string): Promise<number> {
  const logFile = await open(join(state.dir, "logs", `${extraName ?? name}.log`), "a");
  // kwok also reads ~/.kwok/kwok.yaml; a HOME of its own keeps a developer's kwok setup out of the tests.
  const env = { ...process.env, HOME: join(state.dir, "home") };
  const child = spawn(binaryOf(state, name), args, { stdio: ["ignore", logFile.fd, logFile.fd], detached: true, env });
  await logFile.close();
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  child.unref();
  if (extraName) {
    state.extra = { ...state.extra, [extraName]: child.pid };
  } else {
    state.pids[name] = child.pid;
    state.args[name] = args;
  }
  await writeFile(join(state.dir, "state.json"), JSON.stringify(state, null, 2));
  return child.pid;
}

export async function startControlPlane(opts: StartOptions): Promise<ControlPlaneState> {
  const log = opts.log ?? (() => undefined);
  const dir = resolve(opts.dir);
  await stopControlPlane(dir); // leftovers of a run that was killed
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "logs"), { recursive: true });
  await mkdir(join(dir, "home"), { recursive: true });
  const pki = join(dir, "pki");
  const metricsServerBinDir = opts.metricsServerBinDir ?? (await buildMetricsServer(log));
  const hostAddress = aggregationAddress();
  log("generating certificates");
  await makeCertificates(pki, hostAddress);
  const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(Array.from({ length: 6 }, () => freePort())) as [number, number, number, number, number, number];
  const metricsPort = await freePort(hostAddress);
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, kubeconfigYaml(server, pki), { mode: 0o600 });
  const state: ControlPlaneState = {
    dir, binDir: opts.binDir, binaries: { "metrics-server": join(metricsServerBinDir, "metrics-server") }, kubeconfig, server, pids: {}, args: {},
  };
  const bench = opts.profile === "bench";
  const tls = { ca: await readFile(join(pki, "ca.crt")), cert: await readFile(join(pki, "admin.crt")), key: await readFile(join(pki, "admin.key")) };

  try {
    log("starting etcd");
    const etcdPid = await launch(state, "etcd", [
      `--name=testenv`, `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=testenv=http://127.0.0.1:${etcdPeer}`,
      // Tests throw the data away; fsync only slows them down.
      "--unsafe-no-fsync", "--log-level=warn", "--quota-backend-bytes=4294967296",
    ]);
    await waitHealthy("etcd", `http://127.0.0.1:${etcdClient}/health`, dir, etcdPid, 30_000);

    log("starting kube-apiserver");
    const apiPid = await launch(state, "kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
      `--tls-cert-file=${join(pki, "apiserver.crt")}`, `--tls-private-key-file=${join(pki, "apiserver.key")}`,
      `--client-ca-file=${join(pki, "ca.crt")}`,
      `--service-account-key-file=${join(pki, "sa.pub")}`, `--service-account-signing-key-file=${join(pki, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-cluster-ip-range=10.0.0.0/16",
      // The lease reconciler refuses a loopback advertise address; nothing in the tests needs the
      // endpoints of the in-cluster `kubernetes` Service.
      "--endpoint-reconciler-type=none",
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      // The aggregation layer (metrics.k8s.io from metrics-server): the front-proxy client certificate it presents,
      // the CA metrics-server checks it against (published in kube-system/extension-apiserver-authentication), and
      // routing to the Service's endpoints rather than its ClusterIP, which nothing on this host routes (no kube-proxy).
      `--requestheader-client-ca-file=${join(pki, "front-proxy-ca.crt")}`, "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group", "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${join(pki, "front-proxy-client.crt")}`, `--proxy-client-key-file=${join(pki, "front-proxy-client.key")}`,
      "--enable-aggregator-routing=true",
      // The bench profiles the API server (npm run bench -- --apiserver-profile); the tests have no use for it.
      `--profiling=${bench}`,
      "--v=1",
    ]);
    await waitHealthy("kube-apiserver", `${server}/readyz`, dir, apiPid, 90_000, tls);

    log("starting kube-controller-manager, kube-scheduler and kwok");
    const kcmPid = await launch(state, "kube-controller-manager", [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1", `--secure-port=${kcmPort}`, "--leader-elect=false",
      `--service-account-private-key-file=${join(pki, "sa.key")}`, `--root-ca-file=${join(pki, "ca.crt")}`,
      "--use-service-account-credentials=false", "--v=1",
      // The bench can take its CPU profile (anonymous, from the loopback port only); the tests have no use for it.
      `--profiling=${bench}`, ...(bench ? ["--authorization-always-allow-paths=/healthz,/readyz,/livez,/debug/pprof/*"] : []),
      // HPAs act within seconds instead of minutes, so autoscaling tests wait on behaviour, not on defaults: sync every
      // 2 s (default 15 s); CPU samples of pods count once they are 5 s old and ready (defaults 5 min and 30 s). The
      // scale-in stabilization default (5 min) is left alone: the operator always writes behavior from the cooldowns.
      "--horizontal-pod-autoscaler-sync-period=2s",
      "--horizontal-pod-autoscaler-cpu-initialization-period=5s",
      "--horizontal-pod-autoscaler-initial-readiness-delay=1s",
      ...(bench ? [`--kube-api-qps=${BENCH_CLIENT_RATE.qps}`, `--kube-api-burst=${BENCH_CLIENT_RATE.burst}`] : []),
    ]);
    const schedPid = await launch(state, "kube-scheduler", [
      `--config=${await writeSchedulerConfig(dir, kubeconfig, bench)}`,
      `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1", `--secure-port=${schedPort}`, "--v=1",
    ]);
    const kwokPid = await launch(state, "kwok", [
      `--kubeconfig=${kubeconfig}`,
      `--config=${join(here, "kwok", "stages.yaml")}`,
      // Resource usage by annotation and the kubelet's /metrics/resource per node (kwok/metrics.yaml).
      `--config=${join(here, "kwok", "metrics.yaml")}`,
      "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      // kwok's server is every fake node's kubelet endpoint; metrics-server speaks TLS to kubelets.
      `--server-address=127.0.0.1:${kwokPort}`, `--tls-cert-file=${join(pki, "kwok.crt")}`, `--tls-private-key-file=${join(pki, "kwok.key")}`,
      "--cidr=10.244.0.0/16", "--node-ip=10.240.0.1",
    ]);
    await Promise.all([
      waitHealthy("kube-controller-manager", `https://127.0.0.1:${kcmPort}/healthz`, dir, kcmPid, 60_000, {}),
      waitHealthy("kube-scheduler", `https://127.0.0.1:${schedPort}/healthz`, dir, schedPid, 60_000, {}),
      waitHealthy("kwok", `https://127.0.0.1:${kwokPort}/healthz`, dir, kwokPid, 60_000, { ca: tls.ca }),
    ]);

    log(`starting metrics-server on ${hostAddress}:${metricsPort}`);
    const metricsPid = await launch(state, "metrics-server", [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      `--bind-address=${hostAddress}`, `--secure-port=${metricsPort}`,
      `--tls-cert-file=${join(pki, "metrics-server.crt")}`, `--tls-private-key-file=${join(pki, "metrics-server.key")}`,
      // Every fake node's kubelet is kwok on loopback: nodes.ts gives each node the InternalDNS address `localhost`
      // and the metrics.k8s.io/resource-metrics-path annotation that selects the node's path on kwok's server.
      "--kubelet-preferred-address-types=InternalDNS", `--kubelet-port=${kwokPort}`, `--kubelet-certificate-authority=${join(pki, "ca.crt")}`,
      // The shortest resolution metrics-server accepts: an HPA sees a change of usage within 10-20 s.
      "--metric-resolution=10s", "--kubelet-request-timeout=5s",
      "--profiling=false", "--v=1",
    ]);
    await Promise.all([
      waitHealthy("metrics-server", `https://${hostAddress}:${metricsPort}/livez`, dir, metricsPid, 60_000, { ca: tls.ca }),
      registerMetricsApi(kubeconfig, hostAddress, metricsPort, await readFile(join(pki, "ca.crt"))),
    ]);

    log(`registering ${TEST_NODES.length} kwok nodes`);
    await registerNodes(kubeconfig);
    await waitForNodesReady(kubeconfig, TEST_NODES.length, 60_000);
    await waitForDefaultServiceAccount(kubeconfig, 60_000);
    await waitForMetricsApi(kubeconfig, dir, 60_000);
    log(`control plane ready: KUBECONFIG=${kubeconfig}`);
    return state;
  } catch (err) {
    await stopControlPlane(dir);
    throw err;
  }
}

/** A scheduler configuration with the default profile and `ecs-binpack` (MostAllocated scoring, no default spread). */
async function writeSchedulerConfig(dir: string, kubeconfig: string, bench: boolean): Promise<string> {
  const file = join(dir, "scheduler-config.yaml");
  await writeFile(file, [
    "apiVersion: kubescheduler.config.k8s.io/v1",
    "kind: KubeSchedulerConfiguration",
    "leaderElection: {leaderElect: false}",
    `clientConnection: {kubeconfig: ${JSON.stringify(kubeconfig)}${bench ? `, qps: ${BENCH_CLIENT_RATE.qps}, burst: ${BENCH_CLIENT_RATE.burst}` : ""}}`,
    "profiles:",
    "- schedulerName: default-scheduler",
    "- schedulerName: ecs-binpack",
    // Packing must not be outvoted: the default spread of a workload's pods over hosts and zones and the balanced
    // allocation score both push the other way (docs/placement.md has the same profile for users).
    "  plugins:",
    "    score:",
    "      disabled: [{name: NodeResourcesBalancedAllocation}]",
    "  pluginConfig:",
    "  - name: NodeResourcesFit",
    "    args:",
    "      scoringStrategy:",
    "        type: MostAllocated",
    "        resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]",
    "  - name: PodTopologySpread",
    "    args: {defaultingType: List, defaultConstraints: []}",
    "",
  ].join("\n"));
  return file;
}

function api(kubeconfig: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

/**
 * The APIService v1beta1.metrics.k8s.io, as metrics-server's own manifests register it, aimed at the Service
 * kube-system/metrics-server. The Service has no selector: its one EndpointSlice, written here, holds metrics-server's
 * address on this host, which the API server dials because of --enable-aggregator-routing.
 */
async function registerMetricsApi(kubeconfig: string, hostAddress: string, port: number, caBundle: Buffer): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const labels = { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/part-of": "ecs-operator-testenv" };
  await kc.makeApiClient(CoreV1Api).createNamespacedService({
    namespace: "kube-system",
    body: { metadata: { name: "metrics-server", labels }, spec: { ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: port }] } },
  });
  await kc.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
    namespace: "kube-system",
    body: {
      metadata: { name: "metrics-server", labels: { ...labels, "kubernetes.io/service-name": "metrics-server", "endpointslice.kubernetes.io/managed-by": "ecs-operator-testenv" } },
      addressType: "IPv4",
      endpoints: [{ addresses: [hostAddress], conditions: { ready: true } }],
      ports: [{ name: "https", port, protocol: "TCP" }],
    },
  });
  await kc.makeApiClient(ApiregistrationV1Api).createAPIService({
    body: {
      metadata: { name: "v1beta1.metrics.k8s.io", labels },
      spec: {
        group: "metrics.k8s.io", version: "v1beta1", service: { namespace: "kube-system", name: "metrics-server", port: 443 },
        caBundle: caBundle.toString("base64"), groupPriorityMinimum: 100, versionPriority: 100,
      },
    },
  });
}

/** Waits until the aggregation layer reports metrics.k8s.io Available (it reached metrics-server and got discovery). */
async function waitForMetricsApi(kubeconfig: string, dir: string, timeoutMs: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const apiregistration = kc.makeApiClient(ApiregistrationV1Api);
  const deadline = Date.now() + timeoutMs;
  let last = "no status yet";
  while (Date.now() < deadline) {
    const svc = await apiregistration.readAPIService({ name: "v1beta1.metrics.k8s.io" });
    const available = svc.status?.conditions?.find((c) => c.type === "Available");
    if (available?.status === "True") return;
    if (available) last = `${available.reason ?? ""}: ${available.message ?? ""}`;
    await sleep(250);
  }
  const logTail = await readFile(join(dir, "logs", "metrics-server.log"), "utf8").then((t) => t.split("\n").slice(-20).join("\n"), () => "");
  throw new Error(`APIService v1beta1.metrics.k8s.io did not become Available within ${timeoutMs / 1000}s (${last}). metrics-server log tail:\n${logTail}`);
}

async function registerNodes(kubeconfig: string): Promise<void> {
  const core = api(kubeconfig);
  for (const spec of TEST_NODES) {
    // Like a kubelet registering itself, the Node is created with its capacity in status; kwok then adds
    // conditions and heartbeats.
    await core.createNode({ body: buildNode(spec) });
  }
}

async function waitForNodesReady(kubeconfig: string, count: number, timeoutMs: number): Promise<void> {
  const core = api(kubeconfig);
  const deadline = Date.now() + timeoutMs;
  let ready = 0;
  while (Date.now() < deadline) {
    const nodes = await core.listNode();
    ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    if (ready >= count) return;
    await sleep(250);
  }
  throw new Error(`only ${ready} of ${count} kwok nodes became Ready within ${timeoutMs / 1000}s (is kwok running? see its log)`);
}

/** Pods can only be created once kube-controller-manager has made the namespace's default ServiceAccount. */
async function waitForDefaultServiceAccount(kubeconfig: string, timeoutMs: number): Promise<void> {
  const core = api(kubeconfig);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await core.readNamespacedServiceAccount({ name: "default", namespace: "default" });
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error("kube-controller-manager did not create the default ServiceAccount in time");
}

/** Reads <dir>/state.json, if any. */
export async function readState(dir: string): Promise<ControlPlaneState | undefined> {
  try {
    return JSON.parse(await readFile(join(resolve(dir), "state.json"), "utf8")) as ControlPlaneState;
  } catch {
    return undefined;
  }
}

/**
 * Stops every process recorded in <dir>/state.json: SIGTERM in reverse start order, SIGKILL after a grace
 * period, then checks that none is left. Throws when a process survives.
 */
export async function stopControlPlane(dir: string, graceMs = 10_000): Promise<void> {
  const state = await readState(dir);
  if (!state) return;
  const order = [...COMPONENTS].reverse();
  const pids = [...Object.values(state.extra ?? {}), ...order.map((c) => state.pids[c])].filter((p): p is number => p !== undefined && isOurs(p, state));
  for (const pid of pids) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(isAlive)) signal(pid, "SIGKILL");
  const killDeadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < killDeadline) await sleep(100);
  const left = pids.filter(isAlive);
  if (left.length > 0) throw new Error(`control plane processes still running after SIGKILL: ${left.join(", ")}`);
  await rm(join(state.dir, "state.json"), { force: true });
}

/** Kills one component (SIGKILL when `hard`, else SIGTERM) and waits until it is gone: for outage tests. */
export async function stopComponent(state: ControlPlaneState, name: Component, hard = false): Promise<void> {
  const pid = state.pids[name];
  if (pid === undefined || !isOurs(pid, state)) return;
  signal(pid, hard ? "SIGKILL" : "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signal(pid, "SIGKILL");
}

/** Starts a component stopped by stopComponent again with its original arguments. */
export async function startComponent(state: ControlPlaneState, name: Component): Promise<void> {
  const args = state.args[name];
  if (!args) throw new Error(`${name} was never started, so it cannot be restarted`);
  await launch(state, name, args);
}

/**
 * Starts a second kube-apiserver on the same etcd (as in an HA control plane) and returns its URL: tests
 * use it to change objects while the first one, which the controller under test talks to, is down.
 */
export async function startSecondApiserver(state: ControlPlaneState): Promise<string> {
  const args = state.args["kube-apiserver"];
  if (!args) throw new Error("kube-apiserver was never started");
  const port = await freePort();
  const pid = await launch(state, "kube-apiserver", args.map((a) => (a.startsWith("--secure-port=") ? `--secure-port=${port}` : a)), "kube-apiserver-2");
  const pki = join(state.dir, "pki");
  const tls = { ca: await readFile(join(pki, "ca.crt")), cert: await readFile(join(pki, "admin.crt")), key: await readFile(join(pki, "admin.key")) };
  await waitHealthy("kube-apiserver-2", `https://127.0.0.1:${port}/readyz`, state.dir, pid, 90_000, tls);
  return `https://127.0.0.1:${port}`;
}

/** Waits until the API server of `state` answers /readyz again (after startComponent). */
export async function waitForApiserver(state: ControlPlaneState, timeoutMs = 90_000): Promise<void> {
  const pki = join(state.dir, "pki");
  const tls = { ca: await readFile(join(pki, "ca.crt")), cert: await readFile(join(pki, "admin.crt")), key: await readFile(join(pki, "admin.key")) };
  await waitHealthy("kube-apiserver", `${state.server}/readyz`, state.dir, state.pids["kube-apiserver"] ?? 0, timeoutMs, tls);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    // Each component leads its own process group (detached), so this reaches any children too.
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}
