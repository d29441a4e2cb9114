// A task definition revision as a pod template: every RegisterTaskDefinition field mapped, approximated or reported
// as unsupported, by the rules of docs/mapping.md. Pure: no client, no clock, no environment.
import { SpecError } from "../../api/spec-error.ts";
import { isIP } from "node:net";
import type { V1Container, V1ContainerPort, V1EnvFromSource, V1EnvVar, V1HostAlias, V1PodSpec, V1PodTemplateSpec, V1SecurityContext, V1Sysctl } from "@kubernetes/client-node";
import {
  DESCRIBE_ONLY_TASK_DEFINITION_FIELDS,
  normalizedTaskSize,
  TaskDefinitionSpec,
  TASK_DEFINITION_DEFAULTS,
  type ContainerDefinition,
} from "../../api/task-definition.ts";
import { describeFargateMemory, isFargateTaskSize, UnitError } from "../../api/units.ts";
import { findUnknownFields } from "../../api/unknown-fields.ts";
import { isAnnotationName, isDnsLabel, isDnsSubdomain, toDnsSubdomain, toPortName, uniqueDnsLabels } from "../names.ts";
import { orderContainers, type ContainerRole } from "./ordering.ts";
import { Report, type UnsupportedField } from "./report.ts";
import { buildResources } from "./resources.ts";
import { environmentFileConfigMapName, imagePullSecretName, secretKeyReference, type SecretNaming } from "./secrets.ts";
import { familyLabelValue } from "../task-definition/revision.ts";
import { buildVolumes, type VolumeClaim } from "./volumes.ts";
import {
  ARCH_LABEL,
  CONTAINERS_ANNOTATION,
  DOCKER_LABELS_ANNOTATION,
  DOCKER_LABEL_ANNOTATION_PREFIX,
  FAMILY_LABEL,
  IRSA_ANNOTATION,
  LOG_CONFIGURATION_ANNOTATION,
  OS_LABEL,
  REVISION_LABEL,
  TASK_DEFINITION_ANNOTATION,
  WINDOWS_BUILD_LABEL,
} from "../../api/keys.ts";

export { dependsOnCycleError, type UnsupportedField } from "./report.ts";

export interface PodTemplateContext {
  readonly namespace: string;
  readonly family: string;
  readonly revision: number;
  /** The type of the capacity provider the pods run on. FARGATE: pods sized exactly to the task, host features refused. */
  readonly capacityProviderType?: "EC2" | "FARGATE";
  readonly fargate?: { readonly runtimeClassName?: string };
  readonly secretNaming?: SecretNaming;
  /** The AWS region EFS DNS names are formed with (`fs-1234.efs.<region>.amazonaws.com`). */
  readonly region?: string;
}

/** How an ECS container became a Kubernetes container (the `ecs.operator.dev/containers` annotation). */
export interface ContainerMapping {
  /** The ECS container name. */
  readonly name: string;
  /** The Kubernetes container name. */
  readonly container: string;
  readonly essential: boolean;
  /** container: a regular container; sidecar: an init container with restartPolicy Always; init: runs to completion first. */
  readonly role: ContainerRole;
  readonly dependsOn?: { container: string; condition: string }[];
  readonly startTimeout?: number;
  readonly restartPolicy?: { enabled: boolean; ignoredExitCodes?: number[]; restartAttemptPeriod?: number };
}

export interface ServiceAccountSpec {
  readonly name: string;
  readonly namespace: string;
  readonly annotations: Record<string, string>;
  readonly automountServiceAccountToken: boolean;
}

/** A key of a Secret the pods read; someone must create the Secret (the operator never reads AWS). */
export interface SecretReference {
  readonly secretName: string;
  /** The key, or `.dockerconfigjson` for an image pull secret. */
  readonly key: string;
  readonly type: "Opaque" | "kubernetes.io/dockerconfigjson";
  /** The AWS reference it stands for. */
  readonly valueFrom: string;
}

export interface PodTemplate {
  template: V1PodTemplateSpec & { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: V1PodSpec };
  unsupported: UnsupportedField[];
  serviceAccount?: ServiceAccountSpec;
  secretRefs: SecretReference[];
  /** ConfigMaps the pods read (environmentFiles). */
  configMapRefs: { name: string; valueFrom: string }[];
  volumeClaims: VolumeClaim[];
  /** Volumes with configuredAtLaunch, which the Service or Task builder fills in (by pod volume name). */
  configuredAtLaunchVolumes: { volume: string; podVolume: string }[];
  /** The task definition's memberOf constraints, for the placement compiler. */
  placementConstraints: { type: string; expression?: string }[];
  containers: ContainerMapping[];
}

const SHELL_LINUX = ["/bin/sh", "-c"];
const SHELL_WINDOWS = ["cmd", "/S", "/C"];

const WINDOWS_BUILDS: Record<string, string> = {
  WINDOWS_SERVER_2016_FULL: "10.0.14393",
  WINDOWS_SERVER_2019_FULL: "10.0.17763",
  WINDOWS_SERVER_2019_CORE: "10.0.17763",
  WINDOWS_SERVER_2004_CORE: "10.0.19041",
  WINDOWS_SERVER_20H2_CORE: "10.0.19042",
  WINDOWS_SERVER_2022_FULL: "10.0.20348",
  WINDOWS_SERVER_2022_CORE: "10.0.20348",
  WINDOWS_SERVER_2025_FULL: "10.0.26100",
  WINDOWS_SERVER_2025_CORE: "10.0.26100",
};

/** Namespaced sysctls (Kubernetes allows only these in a pod); the IPC ones are refused with hostIPC, net.* with hostNetwork. */
const IPC_SYSCTL = /^(kernel\.(shm[a-z_]*|msg[a-z_]*|sem)|fs\.mqueue\..+)$/;
const NET_SYSCTL = /^net\..+/;

/** Docker security options with a securityContext counterpart. */
const SELINUX_PARTS = { user: "user", role: "role", type: "type", level: "level" } as const;

const present = (s: string | undefined): s is string => s !== undefined && s !== "";

/** What every step of buildPodTemplate reads about the task as a whole. */
interface TaskFacts {
  readonly ctx: PodTemplateContext;
  readonly report: Report;
  readonly fargate: boolean;
  readonly windows: boolean;
  readonly networkMode: string;
  readonly hostNetwork: boolean;
  readonly hostIpc: boolean;
}

/** What the per-container steps gather for the pod as a whole (pod-level fields ECS sets per container, references). */
interface PodParts {
  readonly annotations: Record<string, string>;
  readonly secretRefs: Map<string, SecretReference>;
  readonly configMapRefs: Map<string, { name: string; valueFrom: string }>;
  readonly pullSecrets: Set<string>;
  readonly hostAliases: Map<string, string[]>;
  readonly nameservers: string[];
  readonly searches: string[];
  readonly sysctls: Map<string, string>;
  readonly usedPortNames: Set<string>;
  readonly usedHostPorts: Set<string>;
  readonly dockerLabels: Record<string, Record<string, string>>;
  readonly logConfigurations: Record<string, unknown>;
  hostname: string | undefined;
  shareProcessNamespace: boolean;
  grace: number;
}

/**
 * The pod template of a task definition revision. Throws SpecError (Stalled) for what cannot run: a
 * dependsOn cycle (reason DependsOnCycle), container sizes above the task size, and on FARGATE host features and
 * sizes Fargate refuses. Each container goes through the same steps in order (command, environment, ports,
 * resources and mounts, probes, security context, the pod-level fields it sets, credentials, labels and logs,
 * what is reported); the pod is then assembled from what they gathered.
 */
export function buildPodTemplate(revision: TaskDefinitionSpec, ctx: PodTemplateContext): PodTemplate {
  const fargate = ctx.capacityProviderType === "FARGATE";
  const report = new Report(fargate);
  const containers = revision.containerDefinitions;
  const os = revision.runtimePlatform?.operatingSystemFamily;
  const windows = os?.startsWith("WINDOWS") === true;
  const networkMode = revision.networkMode ?? TASK_DEFINITION_DEFAULTS.networkMode;
  const task: TaskFacts = { ctx, report, fargate, windows, networkMode, hostNetwork: networkMode === "host", hostIpc: revision.ipcMode === "host" };

  for (const field of findUnknownFields(revision, TaskDefinitionSpec, "spec", DESCRIBE_ONLY_TASK_DEFINITION_FIELDS)) {
    report.unsupportedField(field, "not a RegisterTaskDefinition field this version of the operator knows; ignored");
  }
  const size = taskSize(revision, task);

  // ---------------------------------------------------------------- names and order
  const names = uniqueDnsLabels(containers.map((c) => c.name));
  const k8sName = (ecsName: string) => names.get(ecsName) ?? ecsName;
  const order = orderContainers(containers);
  const essentialIndex = Math.max(0, containers.findIndex((c) => c.essential !== false));

  const resources = buildResources(
    containers,
    {
      ...(size.cpu === undefined ? {} : { taskCpu: size.cpu }),
      ...(size.memory === undefined ? {} : { taskMemory: size.memory }),
      fargate,
      essential: essentialIndex,
      ...(revision.ephemeralStorage === undefined ? {} : { ephemeralStorageGiB: revision.ephemeralStorage.sizeInGiB }),
    },
    report,
  );
  const volumes = buildVolumes(revision, names, { ...(ctx.region === undefined ? {} : { region: ctx.region }), windows }, report);

  const pod: PodParts = {
    annotations: { [TASK_DEFINITION_ANNOTATION]: `${ctx.family}:${ctx.revision}` },
    secretRefs: new Map(),
    configMapRefs: new Map(),
    pullSecrets: new Set(revision.kubernetes?.imagePullSecrets ?? []),
    hostAliases: new Map(),
    nameservers: [],
    searches: [],
    sysctls: new Map(),
    usedPortNames: new Set(),
    usedHostPorts: new Set(),
    dockerLabels: {},
    logConfigurations: {},
    hostname: undefined,
    shareProcessNamespace: revision.pidMode === "task",
    grace: 0,
  };

  const built: V1Container[] = containers.map((c, i) => {
    const field = `spec.containerDefinitions[${i}]`;
    const role = order.roles[i] ?? "container";
    const k = containerCommand(c, k8sName(c.name), role);
    containerEnvironment(k, c, field, task, pod);
    containerPorts(k, c, field, task, pod);
    if (Object.keys(resources[i] ?? {}).length > 0) k.resources = resources[i];
    const mounts = volumes.mounts[i] ?? [];
    if (mounts.length > 0) k.volumeMounts = mounts;
    containerProbes(k, c, field, role, order.healthy[i] === true, task);
    k.securityContext = securityContext(c, field, { windows, fargate }, report);
    if (Object.keys(k.securityContext).length === 0) delete k.securityContext;
    collectPodFields(c, field, task, pod);
    collectImageCredentials(c, field, task, pod);
    collectLabelsAndLogs(c, field, task, pod);
    reportUnmappedContainerFields(c, field, role, report);
    return k;
  });

  // ---------------------------------------------------------------- assemble
  const spec: V1PodSpec = { containers: built.filter((_, i) => order.roles[i] === "container") };
  const init = order.initOrder.map((i) => built[i]).filter((c): c is V1Container => c !== undefined);
  if (init.length > 0) spec.initContainers = init;
  if (volumes.volumes.length > 0) spec.volumes = volumes.volumes;
  spec.terminationGracePeriodSeconds = pod.grace;
  spec.enableServiceLinks = false;
  podNamespaces(spec, revision, task, pod);
  podDns(spec, task, pod);
  podPlatform(spec, revision, task);
  const serviceAccount = podIdentity(spec, revision, ctx, pod);
  reportUnmappedTaskFields(revision, report);

  // metadata
  const mappings: ContainerMapping[] = containers.map((c, i) => ({
    name: c.name,
    container: k8sName(c.name),
    essential: c.essential !== false,
    role: order.roles[i] ?? "container",
    ...(c.dependsOn !== undefined && c.dependsOn.length > 0 ? { dependsOn: c.dependsOn.map((d) => ({ container: k8sName(d.containerName), condition: d.condition })) } : {}),
    ...(c.startTimeout === undefined ? {} : { startTimeout: c.startTimeout }),
    ...(c.restartPolicy === undefined ? {} : { restartPolicy: { ...c.restartPolicy } }),
  }));
  const annotations = pod.annotations;
  annotations[CONTAINERS_ANNOTATION] = JSON.stringify(mappings);
  if (Object.keys(pod.dockerLabels).length > 0) annotations[DOCKER_LABELS_ANNOTATION] = JSON.stringify(pod.dockerLabels);
  if (Object.keys(pod.logConfigurations).length > 0) annotations[LOG_CONFIGURATION_ANNOTATION] = JSON.stringify(pod.logConfigurations);
  // The operator's keys win over the TaskDefinition's podAnnotations and podLabels (docs/mapping.md "Pod labels and annotations").
  const podAnnotations = { ...revision.kubernetes?.podAnnotations, ...annotations };
  const labels = { ...revision.kubernetes?.podLabels, [FAMILY_LABEL]: familyLabelValue(ctx.family), [REVISION_LABEL]: String(ctx.revision) };

  return {
    template: { metadata: { labels, annotations: podAnnotations }, spec },
    unsupported: report.unsupported,
    ...(serviceAccount === undefined ? {} : { serviceAccount }),
    secretRefs: [...pod.secretRefs.values()],
    configMapRefs: [...pod.configMapRefs.values()],
    volumeClaims: volumes.claims,
    configuredAtLaunchVolumes: volumes.configuredAtLaunch,
    placementConstraints: (revision.placementConstraints ?? []).map((p) => ({ ...p })),
    containers: mappings,
  };
}

// ---------------------------------------------------------------- task size

/** The task-level cpu and memory; on FARGATE, the size and the host features Fargate refuses are checked. */
function taskSize(revision: TaskDefinitionSpec, task: TaskFacts): { cpu?: number; memory?: number } {
  let size: { cpu?: number; memory?: number };
  try {
    size = normalizedTaskSize(revision);
  } catch (e) {
    if (e instanceof UnitError) throw new SpecError(e.message.startsWith("cpu") ? "spec.cpu" : "spec.memory", e.message);
    throw e;
  }
  if (task.fargate) {
    const { report } = task;
    if (size.cpu === undefined || size.memory === undefined) throw new SpecError("spec.cpu", "a task on FARGATE needs both a task-level cpu and memory");
    if (!isFargateTaskSize(size.cpu, size.memory)) {
      const allowed = describeFargateMemory(size.cpu);
      throw new SpecError("spec.memory", `cpu ${size.cpu} with memory ${size.memory} is not a Fargate task size${allowed === undefined ? " (cpu must be 256, 512, 1024, 2048, 4096, 8192 or 16384)" : `; with cpu ${size.cpu}, memory may be ${allowed}`}`);
    }
    if (task.windows && size.cpu < 1024) throw new SpecError("spec.cpu", "Windows tasks on FARGATE need at least 1 vCPU (1024)");
    if (task.hostNetwork) report.refuseOnFargate("spec.networkMode", "it uses networkMode host");
    if (revision.pidMode === "host") report.refuseOnFargate("spec.pidMode", "it uses pidMode host");
    if (revision.ipcMode !== undefined) report.refuseOnFargate("spec.ipcMode", `it sets ipcMode ${revision.ipcMode}`);
    if ((revision.placementConstraints ?? []).length > 0) report.refuseOnFargate("spec.placementConstraints", "it has placement constraints");
  }
  return size;
}

// ---------------------------------------------------------------- per-container steps

/** entryPoint → command, command → args, working directory, terminal; a sidecar restarts with the pod (Always). */
function containerCommand(c: ContainerDefinition, name: string, role: ContainerRole): V1Container {
  const k: V1Container = { name, image: c.image };
  if (c.entryPoint !== undefined && c.entryPoint.length > 0) k.command = [...c.entryPoint];
  if (c.command !== undefined && c.command.length > 0) k.args = [...c.command];
  if (present(c.workingDirectory)) k.workingDir = c.workingDirectory;
  if (c.interactive === true) k.stdin = true;
  if (c.pseudoTerminal === true) k.tty = true;
  if (role === "sidecar") k.restartPolicy = "Always";
  return k;
}

/** environment, then secrets (both override envFrom, as ECS environment overrides environment files); environmentFiles. */
function containerEnvironment(k: V1Container, c: ContainerDefinition, field: string, task: TaskFacts, pod: PodParts): void {
  const { report, ctx } = task;
  const env: V1EnvVar[] = [];
  (c.environment ?? []).forEach((e, ei) => {
    if (!present(e.name)) { report.unsupportedField(`${field}.environment[${ei}]`, "an environment variable without a name is ignored"); return; }
    env.push({ name: e.name, value: e.value ?? "" });
  });
  (c.secrets ?? []).forEach((s, si) => {
    const ref = secretKeyReference(s.valueFrom, ctx.secretNaming);
    if (!ref || !present(s.name)) { report.unsupportedField(`${field}.secrets[${si}]`, `${JSON.stringify(s.valueFrom)} is neither a Secrets Manager ARN nor an SSM parameter; the variable is not set`); return; }
    if (ref.ignored !== undefined) report.unsupportedField(`${field}.secrets[${si}].valueFrom`, `Kubernetes Secrets have no versions: the ${ref.ignored} is ignored and the current value of the key is used`);
    env.push({ name: s.name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
    pod.secretRefs.set(`${ref.secretName}/${ref.key}`, { secretName: ref.secretName, key: ref.key, type: "Opaque", valueFrom: s.valueFrom });
  });
  if (env.length > 0) k.env = env;
  const envFrom: V1EnvFromSource[] = [];
  (c.environmentFiles ?? []).forEach((f, fi) => {
    const name = environmentFileConfigMapName(f.value, ctx.secretNaming);
    if (name === undefined) { report.unsupportedField(`${field}.environmentFiles[${fi}]`, `${JSON.stringify(f.value)} is not an S3 object ARN (arn:aws:s3:::bucket/key); the file is not loaded`); return; }
    envFrom.push({ configMapRef: { name } });
    pod.configMapRefs.set(name, { name, valueFrom: f.value });
  });
  if (envFrom.length > 0) k.envFrom = envFrom;
}

/** portMappings → container ports (names unique in the pod), with host ports for host and bridge networking. */
function containerPorts(k: V1Container, c: ContainerDefinition, field: string, task: TaskFacts, pod: PodParts): void {
  const { report, fargate, hostNetwork, networkMode } = task;
  const ports: V1ContainerPort[] = [];
  (c.portMappings ?? []).forEach((p, pi) => {
    const pf = `${field}.portMappings[${pi}]`;
    const protocol = (p.protocol ?? "tcp").toUpperCase();
    if (p.containerPortRange !== undefined) {
      const [from, to] = p.containerPortRange.split("-").map(Number) as [number, number];
      if (!(from >= 1 && to >= from && to <= 65_535) || to - from >= 100) {
        report.unsupportedField(`${pf}.containerPortRange`, `the range ${p.containerPortRange} is not listed as container ports (at most 100 ports are listed; pods receive traffic on every port anyway)`); return;
      }
      for (let port = from; port <= to; port++) ports.push({ containerPort: port, protocol });
      return;
    }
    if (p.containerPort === undefined || p.containerPort < 1) { report.unsupportedField(pf, "a port mapping without a containerPort between 1 and 65535 is ignored"); return; }
    const port: V1ContainerPort = { containerPort: p.containerPort, protocol };
    if (present(p.name)) {
      port.name = toPortName(p.name, pod.usedPortNames);
      pod.usedPortNames.add(port.name);
    }
    if (fargate && p.hostPort !== undefined && p.hostPort !== 0 && p.hostPort !== p.containerPort) report.refuseOnFargate(`${pf}.hostPort`, `it maps hostPort ${p.hostPort} to containerPort ${p.containerPort}`);
    const hostPort = fargate ? undefined : hostNetwork ? p.containerPort : networkMode === "bridge" && p.hostPort !== undefined && p.hostPort > 0 ? p.hostPort : undefined;
    if (hostPort !== undefined) {
      if (pod.usedHostPorts.has(`${hostPort}/${protocol}`)) {
        report.unsupportedField(`${pf}.hostPort`, `host port ${hostPort}/${protocol} is already mapped by another port mapping; this one gets none`);
      } else {
        pod.usedHostPorts.add(`${hostPort}/${protocol}`);
        port.hostPort = hostPort;
      }
    }
    ports.push(port);
  });
  if (ports.length > 0) k.ports = ports;
}

/** healthCheck → liveness and readiness probes, and a startup probe (the HEALTHY gate of dependsOn, or startPeriod). */
function containerProbes(k: V1Container, c: ContainerDefinition, field: string, role: ContainerRole, gatesHealthy: boolean, task: TaskFacts): void {
  if (!c.healthCheck) return;
  const probes = healthCheckProbes(c.healthCheck, task.windows);
  if (probes === undefined) {
    task.report.unsupportedField(`${field}.healthCheck.command`, "the health check command is empty or NONE; no probes");
  } else if (role === "init") {
    task.report.unsupportedField(`${field}.healthCheck`, "the container runs to completion before the others (an init container), and init containers take no probes");
  } else {
    k.livenessProbe = probes.liveness;
    k.readinessProbe = probes.readiness;
    if (gatesHealthy) k.startupProbe = probes.gate;
    else if (role === "sidecar" && probes.startup !== undefined) {
      // A startup probe would hold back the containers that only wait for this sidecar to START.
      const delay = c.healthCheck.startPeriod ?? 0;
      k.livenessProbe = { ...probes.liveness, initialDelaySeconds: delay };
      k.readinessProbe = { ...probes.readiness, initialDelaySeconds: delay };
    } else if (probes.startup !== undefined) k.startupProbe = probes.startup;
  }
}

/** The pod-level fields ECS sets per container: stop timeout, init process, hostname, hosts, DNS, sysctls. */
function collectPodFields(c: ContainerDefinition, field: string, task: TaskFacts, pod: PodParts): void {
  const { report, fargate, windows, hostNetwork, hostIpc } = task;
  pod.grace = Math.max(pod.grace, c.stopTimeout ?? TASK_DEFINITION_DEFAULTS.stopTimeout);
  if (fargate && (c.stopTimeout ?? 0) > 120) report.refuseOnFargate(`${field}.stopTimeout`, `its stopTimeout is ${c.stopTimeout ?? 0} seconds, above the FARGATE maximum of 120`);
  if (c.linuxParameters?.initProcessEnabled === true) {
    // The pod's pause process becomes PID 1 of a shared process namespace: it reaps zombies as an init would.
    if (windows) report.unsupportedField(`${field}.linuxParameters.initProcessEnabled`, "Windows pods have no shared process namespace");
    else pod.shareProcessNamespace = true;
  }
  if (present(c.hostname)) {
    if (pod.hostname === undefined && isDnsLabel(c.hostname)) pod.hostname = c.hostname;
    else if (pod.hostname !== c.hostname) report.unsupportedField(`${field}.hostname`, pod.hostname === undefined ? `${JSON.stringify(c.hostname)} is not a valid pod hostname (a DNS label)` : `a pod has one hostname, already ${JSON.stringify(pod.hostname)}`);
  }
  const addHostAlias = (ip: string, host: string) => {
    const hosts = pod.hostAliases.get(ip) ?? [];
    if (!hosts.includes(host)) hosts.push(host);
    pod.hostAliases.set(ip, hosts);
  };
  (c.extraHosts ?? []).forEach((h, hi) => {
    if (isIP(h.ipAddress) === 0 || !isDnsSubdomain(h.hostname.toLowerCase())) { report.unsupportedField(`${field}.extraHosts[${hi}]`, `${h.hostname} → ${h.ipAddress} is not a valid hosts entry`); return; }
    addHostAlias(h.ipAddress, h.hostname.toLowerCase());
  });
  (c.links ?? []).forEach((link, li) => {
    // Containers of a pod share localhost: a link's name or alias resolves to 127.0.0.1.
    const alias = (link.split(":")[1] ?? link.split(":")[0] ?? "").toLowerCase();
    if (!isDnsSubdomain(alias)) { report.unsupportedField(`${field}.links[${li}]`, `${JSON.stringify(alias)} is not a valid host name; reach the container on localhost`); return; }
    addHostAlias("127.0.0.1", alias);
  });
  for (const s of c.dnsServers ?? []) if (present(s) && !pod.nameservers.includes(s)) pod.nameservers.push(s);
  for (const s of c.dnsSearchDomains ?? []) if (present(s) && !pod.searches.includes(s)) pod.searches.push(s);
  (c.systemControls ?? []).forEach((s, si) => {
    const sf = `${field}.systemControls[${si}]`;
    if (!present(s.namespace)) { report.unsupportedField(sf, "a system control without a namespace is ignored"); return; }
    if (windows) { report.unsupportedField(sf, "Windows pods take no sysctls"); return; }
    if (!IPC_SYSCTL.test(s.namespace) && !NET_SYSCTL.test(s.namespace)) { report.unsupportedField(sf, `${s.namespace} is not a namespaced sysctl; only kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and net.* can be set per pod`); return; }
    if (hostNetwork && NET_SYSCTL.test(s.namespace)) { report.unsupportedField(sf, `${s.namespace} cannot be set with networkMode host (it would change the node)`); return; }
    if (hostIpc && IPC_SYSCTL.test(s.namespace)) { report.unsupportedField(sf, `${s.namespace} cannot be set with ipcMode host (it would change the node)`); return; }
    const value = s.value ?? "";
    const had = pod.sysctls.get(s.namespace);
    if (had !== undefined && had !== value) { report.unsupportedField(sf, `${s.namespace} is already ${had} for the pod (sysctls are per pod)`); return; }
    pod.sysctls.set(s.namespace, value);
  });
}

/** repositoryCredentials → an image pull secret of the pod (and a Secret someone must create). */
function collectImageCredentials(c: ContainerDefinition, field: string, task: TaskFacts, pod: PodParts): void {
  if (c.repositoryCredentials === undefined) return;
  const name = imagePullSecretName(c.repositoryCredentials.credentialsParameter, task.ctx.secretNaming);
  if (name === undefined) {
    task.report.unsupportedField(`${field}.repositoryCredentials.credentialsParameter`, "not a secret ARN or name; no image pull secret");
  } else {
    pod.pullSecrets.add(name);
    pod.secretRefs.set(`${name}/.dockerconfigjson`, { secretName: name, key: ".dockerconfigjson", type: "kubernetes.io/dockerconfigjson", valueFrom: c.repositoryCredentials.credentialsParameter });
  }
}

/** dockerLabels → pod annotations (the first container's value wins a key); logConfiguration is kept, stdout is used. */
function collectLabelsAndLogs(c: ContainerDefinition, field: string, task: TaskFacts, pod: PodParts): void {
  if (c.dockerLabels !== undefined && Object.keys(c.dockerLabels).length > 0) {
    pod.dockerLabels[c.name] = { ...c.dockerLabels };
    for (const [key, value] of Object.entries(c.dockerLabels)) {
      const annotation = `${DOCKER_LABEL_ANNOTATION_PREFIX}${key}`;
      if (isAnnotationName(key) && !(annotation in pod.annotations)) pod.annotations[annotation] = value;
    }
  }
  if (c.logConfiguration !== undefined) {
    const { secretOptions, ...log } = c.logConfiguration;
    pod.logConfigurations[c.name] = log;
    const driver = log.logDriver;
    if (driver !== "awslogs" && driver !== "json-file") {
      task.report.unsupportedField(`${field}.logConfiguration.logDriver`, `the ${driver} log driver is not used: the container logs to stdout/stderr, which the cluster's log agent collects (the configuration is kept in the ${LOG_CONFIGURATION_ANNOTATION} annotation)`);
    }
    if (secretOptions !== undefined && secretOptions.length > 0) task.report.unsupportedField(`${field}.logConfiguration.secretOptions`, "log driver secrets are not used (there is no per-container log driver)");
  }
}

/** The container fields that are reported, not mapped (and on FARGATE, the host features it refuses). */
function reportUnmappedContainerFields(c: ContainerDefinition, field: string, role: ContainerRole, report: Report): void {
  if (c.firelensConfiguration !== undefined) report.unsupportedField(`${field}.firelensConfiguration`, "FireLens routing is not set up: the router runs as an ordinary container and other containers log to stdout");
  if ((c.ulimits ?? []).length > 0) report.unsupportedField(`${field}.ulimits`, "Kubernetes has no per-container ulimits; the node's container runtime defaults apply");
  if (c.startTimeout !== undefined) report.unsupportedField(`${field}.startTimeout`, `Kubernetes has no per-container start deadline; recorded in the ${CONTAINERS_ANNOTATION} annotation`);
  if (c.disableNetworking === true) report.unsupportedField(`${field}.disableNetworking`, "a container cannot be cut off from the pod's network");
  if ((c.credentialSpecs ?? []).length > 0) report.unsupportedField(`${field}.credentialSpecs`, "gMSA credential specs are not mapped (use securityContext.windowsOptions.gmsaCredentialSpecName in a GMSACredentialSpec-enabled cluster)");
  if (c.restartPolicy?.enabled === true) report.unsupportedField(`${field}.restartPolicy`, `${restartPolicyReason(role)}; recorded in the ${CONTAINERS_ANNOTATION} annotation`);
  if (c.linuxParameters?.maxSwap !== undefined) report.refuseOnFargate(`${field}.linuxParameters.maxSwap`, "it sets linuxParameters.maxSwap");
  if (c.linuxParameters?.swappiness !== undefined) report.refuseOnFargate(`${field}.linuxParameters.swappiness`, "it sets linuxParameters.swappiness");
  if (c.linuxParameters?.maxSwap !== undefined) report.unsupportedField(`${field}.linuxParameters.maxSwap`, "swap is configured per node (kubelet memorySwap), not per container");
  if (c.linuxParameters?.swappiness !== undefined) report.unsupportedField(`${field}.linuxParameters.swappiness`, "swappiness is configured per node, not per container");
  if ((c.linuxParameters?.devices ?? []).length > 0) {
    report.refuseOnFargate(`${field}.linuxParameters.devices`, "it exposes host devices (linuxParameters.devices)");
    report.unsupportedField(`${field}.linuxParameters.devices`, "pods get host devices through device plugins or privileged containers, not per-container device mappings");
  }
}

// ---------------------------------------------------------------- pod-level steps

/** networkMode, pidMode and ipcMode → host network, PID and IPC namespaces, and the shared process namespace. */
function podNamespaces(spec: V1PodSpec, revision: TaskDefinitionSpec, task: TaskFacts, pod: PodParts): void {
  const { report, windows } = task;
  if (task.hostNetwork) spec.hostNetwork = true;
  if (task.networkMode === "none") report.unsupportedField("spec.networkMode", "pods always have a network; networkMode none runs on the pod network");
  let shareProcessNamespace = pod.shareProcessNamespace;
  if (revision.pidMode === "host") {
    if (windows) report.unsupportedField("spec.pidMode", "Windows pods cannot share the host's process namespace");
    else spec.hostPID = true;
    shareProcessNamespace = false;
  }
  if (shareProcessNamespace && !windows) spec.shareProcessNamespace = true;
  if (revision.pidMode === "task" && windows) report.unsupportedField("spec.pidMode", "Windows pods have no shared process namespace");
  if (task.hostIpc) {
    if (windows) report.unsupportedField("spec.ipcMode", "Windows pods cannot share the host's IPC namespace");
    else spec.hostIPC = true;
  }
  if (revision.ipcMode === "none") report.unsupportedField("spec.ipcMode", "containers of a pod always share one IPC namespace");
}

/** The containers' hostname, hosts entries, DNS servers and search domains, and sysctls, as the pod's. */
function podDns(spec: V1PodSpec, task: TaskFacts, pod: PodParts): void {
  const { report } = task;
  const { nameservers, searches } = pod;
  if (pod.hostname !== undefined) spec.hostname = pod.hostname;
  if (pod.hostAliases.size > 0) spec.hostAliases = [...pod.hostAliases].map(([ip, hostnames]): V1HostAlias => ({ ip, hostnames }));
  if (nameservers.length > 3) report.unsupportedField("spec.containerDefinitions[].dnsServers", `a pod takes at most 3 DNS servers; dropped: ${nameservers.slice(3).join(", ")}`);
  if (searches.length > 32) report.unsupportedField("spec.containerDefinitions[].dnsSearchDomains", "a pod takes at most 32 search domains; the rest are dropped");
  if (nameservers.length > 0) {
    spec.dnsPolicy = "None";
    spec.dnsConfig = { nameservers: nameservers.slice(0, 3), ...(searches.length > 0 ? { searches: searches.slice(0, 32) } : {}) };
  } else if (searches.length > 0) {
    spec.dnsConfig = { searches: searches.slice(0, 32) };
  }
  if (pod.sysctls.size > 0) spec.securityContext = { sysctls: [...pod.sysctls].map(([name, value]): V1Sysctl => ({ name, value })) };
}

/** runtimePlatform → the pod's os and an os/arch (and Windows build) node selector; the Fargate runtime class. */
function podPlatform(spec: V1PodSpec, revision: TaskDefinitionSpec, task: TaskFacts): void {
  const os = revision.runtimePlatform?.operatingSystemFamily;
  if (os !== undefined || revision.runtimePlatform?.cpuArchitecture !== undefined) {
    const selector: Record<string, string> = {};
    if (os !== undefined) {
      selector[OS_LABEL] = task.windows ? "windows" : "linux";
      spec.os = { name: task.windows ? "windows" : "linux" };
      const build = WINDOWS_BUILDS[os];
      if (build !== undefined) selector[WINDOWS_BUILD_LABEL] = build;
    }
    const arch = revision.runtimePlatform?.cpuArchitecture;
    if (arch !== undefined) selector[ARCH_LABEL] = arch === "ARM64" ? "arm64" : "amd64";
    spec.nodeSelector = selector;
  }
  if (task.fargate && present(task.ctx.fargate?.runtimeClassName)) spec.runtimeClassName = task.ctx.fargate.runtimeClassName;
}

/** taskRoleArn → a ServiceAccount (IRSA-annotated for an IAM role), or kubernetes.serviceAccountName; image pull secrets. */
function podIdentity(spec: V1PodSpec, revision: TaskDefinitionSpec, ctx: PodTemplateContext, pod: PodParts): ServiceAccountSpec | undefined {
  const role = revision.taskRoleArn;
  let serviceAccount: ServiceAccountSpec | undefined;
  if (present(revision.kubernetes?.serviceAccountName)) {
    spec.serviceAccountName = revision.kubernetes.serviceAccountName;
    spec.automountServiceAccountToken = true;
  } else if (present(role)) {
    serviceAccount = {
      name: serviceAccountName(role),
      namespace: ctx.namespace,
      annotations: IAM_ROLE_ARN.test(role) ? { [IRSA_ANNOTATION]: role } : {},
      automountServiceAccountToken: true,
    };
    spec.serviceAccountName = serviceAccount.name;
    spec.automountServiceAccountToken = true;
  } else {
    spec.automountServiceAccountToken = false;
  }
  if (pod.pullSecrets.size > 0) spec.imagePullSecrets = [...pod.pullSecrets].map((name) => ({ name }));
  return serviceAccount;
}

/** The task-level fields that are reported, not mapped. */
function reportUnmappedTaskFields(revision: TaskDefinitionSpec, report: Report): void {
  if (revision.proxyConfiguration !== undefined) report.unsupportedField("spec.proxyConfiguration", "App Mesh proxy configuration (traffic redirection to the proxy) is not set up; the proxy runs as an ordinary container");
  if ((revision.inferenceAccelerators ?? []).length > 0) report.unsupportedField("spec.inferenceAccelerators", "Elastic Inference accelerators are retired by AWS and have no Kubernetes counterpart");
  if (revision.enableFaultInjection === true) report.unsupportedField("spec.enableFaultInjection", "ECS fault injection endpoints are not provided");
}

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/;

/** The ServiceAccount for a task role: the role name (after the last `/` of an IAM role ARN) made a DNS subdomain. */
export function serviceAccountName(taskRoleArn: string): string {
  const name = IAM_ROLE_ARN.test(taskRoleArn) ? taskRoleArn.slice(taskRoleArn.lastIndexOf("/") + 1) : taskRoleArn;
  return toDnsSubdomain(name);
}

type HealthCheck = NonNullable<ContainerDefinition["healthCheck"]>;

/** An exec probe (a plain object, as the pod template holds it). */
export interface ExecProbe {
  exec: { command: string[] };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  initialDelaySeconds?: number;
}

/**
 * Probes for an ECS health check. CMD → exec of the arguments; CMD-SHELL → the string run by /bin/sh -c (cmd /S /C
 * on Windows); interval → periodSeconds, timeout → timeoutSeconds, retries → failureThreshold. startPeriod > 0 → a
 * startup probe that allows startPeriod plus `retries` failed checks; `gate` is the same probe for HEALTHY
 * dependencies without a startPeriod. Undefined for an empty or NONE command.
 */
function healthCheckProbes(hc: HealthCheck, windows: boolean): { liveness: ExecProbe; readiness: ExecProbe; startup?: ExecProbe; gate: ExecProbe } | undefined {
  const [kind, ...rest] = hc.command;
  let command: string[];
  if (kind === "CMD-SHELL") command = [...(windows ? SHELL_WINDOWS : SHELL_LINUX), rest.join(" ")];
  else if (kind === "CMD") command = rest;
  else if (kind === "NONE") return undefined;
  else command = [...hc.command];
  if (command.length === 0 || command.every((a) => a === "")) return undefined;
  const d = TASK_DEFINITION_DEFAULTS.healthCheck;
  const interval = hc.interval ?? d.interval;
  const retries = hc.retries ?? d.retries;
  const startPeriod = hc.startPeriod ?? d.startPeriod;
  const base = { exec: { command }, periodSeconds: interval, timeoutSeconds: hc.timeout ?? d.timeout };
  const startup = { ...base, failureThreshold: Math.ceil(startPeriod / interval) + retries };
  return {
    liveness: { ...base, failureThreshold: retries },
    readiness: { ...base, failureThreshold: retries },
    ...(startPeriod > 0 ? { startup } : {}),
    gate: startup,
  };
}

function securityContext(c: ContainerDefinition, field: string, ctx: { windows: boolean; fargate: boolean }, report: Report): V1SecurityContext {
  const sc: V1SecurityContext = {};
  let selinux: Record<string, string> | undefined;
  const linuxOnly = (f: string, what: string): boolean => {
    if (ctx.windows) report.unsupportedField(f, `${what} is not available in Windows pods`);
    return !ctx.windows;
  };
  if (c.privileged === true) {
    report.refuseOnFargate(`${field}.privileged`, "it is privileged");
    if (linuxOnly(`${field}.privileged`, "privileged")) sc.privileged = true;
  }
  if (c.readonlyRootFilesystem === true && linuxOnly(`${field}.readonlyRootFilesystem`, "readOnlyRootFilesystem")) sc.readOnlyRootFilesystem = true;
  const caps = c.linuxParameters?.capabilities;
  if (caps !== undefined && ((caps.add ?? []).length > 0 || (caps.drop ?? []).length > 0)) {
    const add = (caps.add ?? []).filter((x) => x !== "");
    const drop = (caps.drop ?? []).filter((x) => x !== "");
    const refused = add.filter((x) => x !== "SYS_PTRACE");
    if (refused.length > 0) report.refuseOnFargate(`${field}.linuxParameters.capabilities.add`, `it adds ${refused.join(", ")} (FARGATE only allows adding SYS_PTRACE)`);
    if (linuxOnly(`${field}.linuxParameters.capabilities`, "capabilities") && add.length + drop.length > 0) {
      sc.capabilities = { ...(add.length > 0 ? { add } : {}), ...(drop.length > 0 ? { drop } : {}) };
    }
  }
  if (present(c.user)) {
    const m = /^(\d+|root)(?::(\d+|root))?$/.exec(c.user);
    if (ctx.windows) {
      sc.windowsOptions = { runAsUserName: c.user };
    } else if (m) {
      const id = (s: string) => (s === "root" ? 0 : Number(s));
      sc.runAsUser = id(m[1] ?? "");
      if (m[2] !== undefined) sc.runAsGroup = id(m[2]);
    } else {
      report.unsupportedField(`${field}.user`, `${JSON.stringify(c.user)} names a user or group; Kubernetes needs numeric ids (uid or uid:gid), and the image's default user runs`);
    }
  }
  (c.dockerSecurityOptions ?? []).forEach((opt, oi) => {
    const of = `${field}.dockerSecurityOptions[${oi}]`;
    if (opt === "") return;
    if (opt.startsWith("credentialspec:") || opt.startsWith("credentialspecdomainless:")) { report.unsupportedField(of, "gMSA credential specs are not mapped"); return; }
    if (ctx.windows) { report.unsupportedField(of, "Docker security options are Linux-only"); return; }
    if (opt === "no-new-privileges" || opt === "no-new-privileges:true" || opt === "no-new-privileges=true") {
      if (c.privileged === true) { report.unsupportedField(of, "a privileged container can always escalate privileges"); return; }
      sc.allowPrivilegeEscalation = false;
      return;
    }
    const apparmor = /^apparmor[:=](.+)$/.exec(opt)?.[1];
    if (apparmor !== undefined) {
      sc.appArmorProfile = apparmor === "unconfined" ? { type: "Unconfined" } : apparmor === "docker-default" || apparmor === "runtime/default" ? { type: "RuntimeDefault" } : { type: "Localhost", localhostProfile: apparmor };
      return;
    }
    const seccomp = /^seccomp[:=](.+)$/.exec(opt)?.[1];
    if (seccomp === "unconfined") {
      sc.seccompProfile = { type: "Unconfined" };
      return;
    }
    const label = /^label[:=](user|role|type|level|disable)(?::(.+))?$/.exec(opt);
    if (label) {
      const part = label[1] as keyof typeof SELINUX_PARTS | "disable";
      selinux ??= {};
      if (part === "disable") selinux.type = "spc_t";
      else if (label[2] !== undefined) selinux[SELINUX_PARTS[part]] = label[2];
      sc.seLinuxOptions = selinux;
      return;
    }
    report.unsupportedField(of, `the Docker security option ${JSON.stringify(opt)} has no securityContext counterpart`);
  });
  return sc;
}

/**
 * How far a container's ECS restartPolicy (enabled) is honored, by the container's role in the pod; one text for the
 * TaskDefinition, Service and Task statuses, since the template is shared. Tasks map it per container (containerRestart
 * in task-pod.ts); the pods of a Service's Deployment or DaemonSet are restartPolicy Always.
 */
function restartPolicyReason(role: ContainerMapping["role"]): string {
  if (role === "sidecar") return "the container is a dependsOn START/HEALTHY target, run as a native sidecar, which always restarts: ignoredExitCodes and restartAttemptPeriod do not apply";
  if (role === "init") return "the container is a dependsOn COMPLETE/SUCCESS target, run once as an init container: it is not restarted";
  return (
    "standalone Tasks restart the container on every exit except ignoredExitCodes (a per-container restart policy and rule, feature ContainerRestartRules); " +
    "Service tasks restart it in place on every exit (their pods are restartPolicy Always), ignoredExitCodes included; restartAttemptPeriod has no counterpart (kubelet's crash-loop back-off applies)"
  );
}
