// Load balancing and discovery of an ECS Service as Kubernetes objects: `loadBalancers` → one Service for the
// load-balanced container ports, `spec.kubernetes.ingress` → an Ingress to it, `serviceRegistries` (Cloud Map) and
// `serviceConnectConfiguration` → Services whose DNS names clients use. Pure. docs/load-balancing.md has the rules.
//
// Every Service selects all the ECS service's pods (every revision and capacity provider) and publishes only ready
// ones (publishNotReadyAddresses false): as in ECS, a task receives traffic once it passes its health checks, and
// during a rolling deployment both revisions serve. Target ports are the pods' port *names* where the task
// definition names the port mapping, so a revision that moves a named port keeps receiving traffic.
import { SpecError } from "../../api/spec-error.ts";
import type { V1HTTPIngressPath, V1IngressRule, V1IngressSpec, V1ServicePort, V1ServiceSpec } from "@kubernetes/client-node";
import type { ServiceSpec } from "../../api/service.ts";
import type { ContainerDefinition, TaskDefinitionSpec } from "../../api/task-definition.ts";
import type { KubeObject, OwnerReference } from "../../runtime/resources.ts";
import { isDns1035Label, isDnsSubdomain, toDnsLabel } from "../names.ts";
import type { PodTemplate } from "../pod/template.ts";
import type { UnsupportedField } from "../pod/report.ts";
import { buildHttpRoute, DEFAULT_TEST_TRAFFIC_HEADER, WEIGHT_SCALE, type HttpRouteObject } from "./http-route.ts";
import type { ShiftTraffic } from "./traffic-shift.ts";

export type { UnsupportedField };

/**
 * What every child of an ECS Service carries, given by the controller: the builders of this module, of
 * service-autoscaling.ts and of service-pdb.ts return complete objects (name, namespace, these labels, this owner
 * reference), ready for server-side apply, so the controller adds nothing.
 */
export interface ServiceChildContext {
  /** The ECS Service's namespace: its children live next to it. */
  readonly namespace: string;
  /** ownerReferenceTo(ecsService): the controller reference that garbage-collects the child with the service. */
  readonly ownerReference: OwnerReference;
  /** Labels every child carries (SERVICE_LABEL, CLUSTER_LABEL, ... from src/api/keys.ts). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface ChildMetadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: OwnerReference[];
}

export function childMetadata(child: ServiceChildContext, name: string, annotations?: Readonly<Record<string, string>>): ChildMetadata {
  return {
    name,
    namespace: child.namespace,
    labels: { ...child.labels },
    ...(annotations === undefined || Object.keys(annotations).length === 0 ? {} : { annotations: { ...annotations } }),
    ownerReferences: [{ ...child.ownerReference }],
  };
}

export type ServiceObject = KubeObject & { apiVersion: "v1"; kind: "Service"; metadata: ChildMetadata; spec: V1ServiceSpec };
export type IngressObject = KubeObject & { apiVersion: "networking.k8s.io/v1"; kind: "Ingress"; metadata: ChildMetadata; spec: V1IngressSpec };

/** A load-balancing or discovery setting the builder refuses: `field: reason`. The controller shows Stalled. */
const networkingError = (field: string, reason: string): SpecError => new SpecError(field, reason);

export interface ServiceNetworkingInput {
  /** metadata.name of the ECS Service. The Service made from loadBalancers/serviceRegistries and the Ingress take it (serviceObjectName). */
  readonly name: string;
  readonly spec: Pick<ServiceSpec, "loadBalancers" | "serviceRegistries" | "serviceConnectConfiguration" | "kubernetes">;
  /** The label selector of all the service's pods, every revision and capacity provider (what status.selector says). */
  readonly selector: Readonly<Record<string, string>>;
  /** The revision the PRIMARY deployment runs: container names and portMappings are checked against it. */
  readonly taskDefinition: Pick<TaskDefinitionSpec, "containerDefinitions">;
  /** buildPodTemplate(...) of that revision: which Kubernetes container each ECS container became, and its port names. */
  readonly podTemplate: Pick<PodTemplate, "template" | "containers">;
  /** How messages name the revision, e.g. "web:3". */
  readonly taskDefinitionRef?: string | undefined;
  /** The Cluster's spec.serviceConnectDefaults.namespace, used when serviceConnectConfiguration.namespace is absent. */
  readonly serviceConnectDefaultNamespace?: string | undefined;
  /** The cluster DNS domain (kubelet --cluster-domain). Default cluster.local. */
  readonly clusterDomain?: string | undefined;
  /**
   * BLUE_GREEN, LINEAR, CANARY (traffic-shift.ts): the production Service selects the revision(s) serving production,
   * a preview Service selects green, and with spec.kubernetes.gateway a Service per color and an HTTPRoute weight them.
   */
  readonly traffic?: ShiftTraffic | undefined;
  /** Whether HTTPRoute exists in the cluster (Gateway API CRDs installed). Default true. */
  readonly gatewayApi?: boolean | undefined;
  readonly child: ServiceChildContext;
}

/** A DNS name that clients can use, and the Service that makes it resolve. */
export interface ServiceDnsName {
  /** The spec field the name comes from. */
  readonly field: string;
  /** The Kubernetes Service (metadata.name) behind it. */
  readonly service: string;
  /** The fully qualified name: <service>.<namespace>.svc.<clusterDomain>. */
  readonly fqdn: string;
  readonly ports: readonly number[];
}

export interface ServiceNetworking {
  /**
   * The Services to apply, the one named after the ECS Service first. The controller deletes the Services it owns
   * that are not in this list (a removed clientAlias, a renamed discoveryName).
   */
  readonly services: ServiceObject[];
  /** The Ingress to apply, or undefined: the controller deletes the one it owns. */
  readonly ingress: IngressObject | undefined;
  /**
   * The ingress-nginx canary Ingress (`<service>-canary`) of a traffic-shifting service behind an nginx Ingress, while
   * green takes test or production traffic; undefined otherwise (the controller deletes the one it owns).
   */
  readonly canaryIngress?: IngressObject | undefined;
  /** The HTTPRoute of a traffic-shifting service behind a Gateway (spec.kubernetes.gateway), or undefined. */
  readonly httpRoute?: HttpRouteObject | undefined;
  /** The names clients resolve, for docs, events and tests. */
  readonly dnsNames: ServiceDnsName[];
  /** Fields accepted but not (fully) mapped: the controller lists them in status/events; the objects are still usable. */
  readonly unsupported: UnsupportedField[];
}

const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

/**
 * A Kubernetes Service name (DNS-1035 label: a letter first, at most 63) for a name: kept when valid; otherwise
 * made a DNS label (names.ts toDnsLabel: lowercase, `-` for other characters, a hash when cut), with `s-` in front
 * when it would start with a digit. `web` → `web`, `my_db` → `my-db`, `2048-game` → `s-2048-game`.
 */
export function serviceObjectName(name: string): string {
  if (isDns1035Label(name)) return name;
  const label = toDnsLabel(name);
  return /^[a-z]/.test(label) ? label : toDnsLabel(`s-${label}`);
}

// ------------------------------------------------------------------------------------------------ ports

/** A container port of the pods, as a Service port targets it. */
interface Target {
  /** ECS container name. */
  readonly container: string;
  readonly containerPort: number;
  readonly protocol: "TCP" | "UDP";
  /** The pod's port name when the task definition names the port mapping, else the number. */
  readonly targetPort: number | string;
  readonly appProtocol?: string;
  /** Where the target was named, for messages. */
  readonly field: string;
}

const APP_PROTOCOLS: Readonly<Record<string, string>> = { http: "http", http2: "kubernetes.io/h2c", grpc: "grpc" };

class PortResolver {
  private readonly input: ServiceNetworkingInput;
  constructor(input: ServiceNetworkingInput) {
    this.input = input;
  }

  private get taskDefinition(): string {
    return this.input.taskDefinitionRef === undefined ? "the task definition" : `task definition ${this.input.taskDefinitionRef}`;
  }

  private container(field: string, containerName: string): ContainerDefinition {
    const containers = this.input.taskDefinition.containerDefinitions;
    const c = containers.find((x) => x.name === containerName);
    if (c === undefined) {
      throw networkingError(`${field}.containerName`, `${this.taskDefinition} has no container ${containerName} (containers: ${containers.map((x) => x.name).join(", ")})`);
    }
    return c;
  }

  /** The targets of containerName:containerPort: one per protocol its port mappings declare for that port. */
  byContainerPort(field: string, containerName: string, containerPort: number): Target[] {
    const c = this.container(field, containerName);
    const mappings = (c.portMappings ?? []).filter((p) => p.containerPort === containerPort || inRange(p.containerPortRange, containerPort));
    if (mappings.length === 0) {
      const ports = (c.portMappings ?? []).map((p) => p.containerPort ?? p.containerPortRange).filter((p) => p !== undefined);
      throw networkingError(
        `${field}.containerPort`,
        `container ${containerName} has no portMapping ${containerPort}${ports.length === 0 ? "" : ` (it maps ${ports.join(", ")})`}`,
      );
    }
    const seen = new Set<string>();
    const targets: Target[] = [];
    for (const p of mappings) {
      const protocol = (p.protocol ?? "tcp").toUpperCase() === "UDP" ? "UDP" : "TCP";
      if (seen.has(protocol)) continue;
      seen.add(protocol);
      targets.push(this.target(field, containerName, containerPort, protocol, p.appProtocol));
    }
    return targets;
  }

  /** The target of a named port mapping (Service Connect portName). */
  byPortName(field: string, portName: string): Target {
    for (const c of this.input.taskDefinition.containerDefinitions) {
      const p = (c.portMappings ?? []).find((m) => m.name === portName);
      if (p?.containerPort === undefined) continue;
      const protocol = (p.protocol ?? "tcp").toUpperCase() === "UDP" ? "UDP" : "TCP";
      return this.target(field, c.name, p.containerPort, protocol, p.appProtocol);
    }
    const named = this.input.taskDefinition.containerDefinitions.flatMap((c) => (c.portMappings ?? []).map((p) => p.name).filter((n) => n !== undefined));
    throw networkingError(
      `${field}.portName`,
      `${this.taskDefinition} has no portMapping named ${portName} (${named.length === 0 ? "it names none" : `named: ${named.join(", ")}`})`,
    );
  }

  private target(field: string, containerName: string, containerPort: number, protocol: "TCP" | "UDP", appProtocol: string | undefined): Target {
    const mapping = this.input.podTemplate.containers.find((m) => m.name === containerName);
    if (mapping?.role === "init") {
      throw networkingError(
        field,
        `container ${containerName} runs to completion before the others start (another container dependsOn it with COMPLETE or SUCCESS) and cannot receive traffic`,
      );
    }
    const spec = this.input.podTemplate.template.spec;
    const k8s = [...spec.containers, ...(spec.initContainers ?? [])].find((c) => c.name === (mapping?.container ?? containerName));
    const port = k8s?.ports?.find((p) => p.containerPort === containerPort && (p.protocol ?? "TCP") === protocol);
    const app = appProtocol === undefined ? undefined : APP_PROTOCOLS[appProtocol];
    return { container: containerName, containerPort, protocol, targetPort: port?.name ?? containerPort, field, ...(app === undefined ? {} : { appProtocol: app }) };
  }
}

function inRange(range: string | undefined, port: number): boolean {
  if (range === undefined) return false;
  const [from, to] = range.split("-").map(Number);
  return from !== undefined && to !== undefined && port >= from && port <= to;
}

const sameTarget = (a: Target, b: Target): boolean => a.container === b.container && a.containerPort === b.containerPort && a.protocol === b.protocol;

// ------------------------------------------------------------------------------------------------ Services

type Source = "loadBalancers" | "serviceRegistries" | "serviceConnect";

interface PlannedPort {
  readonly port: number;
  readonly target: Target;
  /** The field that asked for this Service port. */
  readonly field: string;
}

interface PlannedService {
  readonly name: string;
  readonly sources: Set<Source>;
  /** The fields whose names the Service carries (spec.loadBalancers, a discoveryName, a dnsName ...). */
  readonly namedBy: string[];
  readonly ports: PlannedPort[];
}

class ServicePlan {
  readonly services = new Map<string, PlannedService>();
  private readonly mainName: string;
  private readonly mainExposed: boolean;
  constructor(mainName: string, mainExposed: boolean) {
    this.mainName = mainName;
    this.mainExposed = mainExposed;
  }

  ensure(name: string, source: Source, namedBy: string): PlannedService {
    let s = this.services.get(name);
    if (s === undefined) {
      s = { name, sources: new Set(), namedBy: [], ports: [] };
      this.services.set(name, s);
    }
    s.sources.add(source);
    if (!s.namedBy.includes(namedBy)) s.namedBy.push(namedBy);
    return s;
  }

  /** Adds `port` → target to Service `name`; the same port to the same target is kept once, to another target refused. */
  add(name: string, source: Source, namedBy: string, port: number, target: Target, field: string): void {
    if (source === "serviceConnect" && name === this.mainName && this.mainExposed && this.isMain(name)) {
      throw networkingError(
        field,
        `Service ${name} is the Service made from spec.loadBalancers and spec.serviceRegistries, exposed outside the cluster by spec.kubernetes.service.type; a Service Connect name on it would expose port ${port} too. Choose another discoveryName or dnsName, or use type ClusterIP`,
      );
    }
    const s = this.ensure(name, source, namedBy);
    const clash = s.ports.find((p) => p.port === port && p.target.protocol === target.protocol);
    if (clash !== undefined) {
      if (sameTarget(clash.target, target)) return;
      throw networkingError(
        field,
        `port ${port}/${target.protocol} of Service ${name} already goes to container ${clash.target.container} port ${clash.target.containerPort} (${clash.field}); a Service port has one target`,
      );
    }
    s.ports.push({ port, target, field });
  }

  /** Whether Service `name` is the one made from loadBalancers/serviceRegistries (it takes spec.kubernetes.service). */
  isMain(name: string): boolean {
    const sources = this.services.get(name)?.sources;
    return name === this.mainName && sources !== undefined && (sources.has("loadBalancers") || sources.has("serviceRegistries"));
  }
}

/** Service port names: the pod's port name (or container-port), then with the Service port, unique in the Service. */
function servicePorts(planned: PlannedService, containerNames: ReadonlyMap<string, string>): V1ServicePort[] {
  const used = new Set<string>();
  return planned.ports.map(({ port, target }) => {
    const container = target.container === "" ? "port" : (containerNames.get(target.container) ?? toDnsLabel(target.container)).slice(0, 40).replace(/-+$/, "");
    const base = typeof target.targetPort === "string" ? target.targetPort : `${container}-${target.containerPort}${target.protocol === "UDP" ? "-udp" : ""}`;
    let name = base;
    if (used.has(name)) name = `${base}-${port}`;
    for (let i = 2; used.has(name); i++) name = `${base}-${port}-${i}`;
    used.add(name);
    return {
      name,
      port,
      targetPort: target.targetPort,
      protocol: target.protocol,
      ...(target.appProtocol === undefined ? {} : { appProtocol: target.appProtocol }),
    };
  });
}

// ------------------------------------------------------------------------------------------------ the builder

const LB = "spec.loadBalancers";
const REG = "spec.serviceRegistries";
const SC = "spec.serviceConnectConfiguration";
const ING = "spec.kubernetes.ingress";

/**
 * The Services and Ingress of an ECS Service's loadBalancers, serviceRegistries, serviceConnectConfiguration and
 * spec.kubernetes.ingress. Throws SpecError (Stalled, message `field: reason`) for references to
 * containers or port mappings the revision does not have and for colliding Service ports.
 *
 * The controller passes: the ECS Service's metadata.name and spec, the selector of all its pods, the revision of the
 * PRIMARY deployment with buildPodTemplate's result for it, the Cluster's Service Connect default namespace, and the
 * namespace/owner reference/labels of the children (ServiceChildContext). It applies `services` and `ingress` as
 * returned and deletes owned Services/Ingresses that are not returned.
 */
export function buildServiceNetworking(input: ServiceNetworkingInput): ServiceNetworking {
  const { spec } = input;
  const unsupported: UnsupportedField[] = [];
  const ports = new PortResolver(input);
  const mainName = serviceObjectName(input.name);
  const knobs = spec.kubernetes?.service;
  const type = knobs?.type ?? "ClusterIP";
  const plan = new ServicePlan(mainName, type !== "ClusterIP");
  const clusterDomain = input.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const dnsNames: ServiceDnsName[] = [];

  // loadBalancers (and an Ingress's own container port when there are none) → the main Service.
  const balanced: Target[] = [];
  const lbEntries: { field: string; containerName: string; containerPort: number }[] = (spec.loadBalancers ?? []).map((lb, i) => ({
    field: `${LB}[${i}]`,
    containerName: lb.containerName,
    containerPort: lb.containerPort,
  }));
  (spec.loadBalancers ?? []).forEach((lb, i) => {
    if (lb.advancedConfiguration !== undefined && input.traffic === undefined) {
      unsupported.push({ field: `${LB}[${i}].advancedConfiguration`, reason: "blue/green traffic shifting between target groups is not mapped; both revisions serve through one Service during a rolling deployment" });
    }
  });
  const ingress = spec.kubernetes?.ingress;
  if (lbEntries.length === 0 && ingress !== undefined) {
    if (ingress.containerName === undefined || ingress.containerPort === undefined) {
      throw networkingError(ING, "spec.loadBalancers is empty, so the Ingress has no container port to route to; set containerName and containerPort, or add a loadBalancers entry");
    }
    lbEntries.push({ field: ING, containerName: ingress.containerName, containerPort: ingress.containerPort });
  }
  for (const entry of lbEntries) {
    for (const target of ports.byContainerPort(entry.field, entry.containerName, entry.containerPort)) {
      plan.add(mainName, "loadBalancers", entry.field === ING ? ING : LB, target.containerPort, target, `${entry.field}.containerPort`);
      balanced.push(target);
    }
  }

  // serviceRegistries (Cloud Map) → the main Service too; headless when nothing else makes it.
  (spec.serviceRegistries ?? []).forEach((reg, i) => {
    const field = `${REG}[${i}]`;
    plan.ensure(mainName, "serviceRegistries", REG);
    if ((reg.containerName === undefined) !== (reg.containerPort === undefined)) {
      throw networkingError(`${field}.${reg.containerName === undefined ? "containerName" : "containerPort"}`, "containerName and containerPort go together (the SRV record's container port)");
    }
    if (reg.containerName !== undefined && reg.containerPort !== undefined) {
      for (const target of ports.byContainerPort(field, reg.containerName, reg.containerPort)) plan.add(mainName, "serviceRegistries", REG, target.containerPort, target, `${field}.containerPort`);
    } else if (reg.port !== undefined) {
      const owner = input.taskDefinition.containerDefinitions.find((c) => (c.portMappings ?? []).some((p) => p.containerPort === reg.port));
      const targets: Target[] = owner === undefined ? [{ container: "", containerPort: reg.port, protocol: "TCP", targetPort: reg.port, field }] : ports.byContainerPort(field, owner.name, reg.port);
      for (const target of targets) plan.add(mainName, "serviceRegistries", REG, target.containerPort, target, `${field}.port`);
    }
  });

  // Service Connect → a Service per discoveryName and per client alias name.
  const sc = spec.serviceConnectConfiguration;
  if (sc?.enabled === true) {
    const namespace = cloudMapNamespaceName(sc.namespace ?? input.serviceConnectDefaultNamespace);
    for (const key of ["logConfiguration", "accessLogConfiguration"] as const) {
      if (sc[key] !== undefined) unsupported.push({ field: `${SC}.${key}`, reason: "there is no Service Connect proxy: traffic goes straight to the tasks" });
    }
    const discoveryOwners = new Map<string, string>();
    (sc.services ?? []).forEach((svc, i) => {
      const field = `${SC}.services[${i}]`;
      const target = ports.byPortName(field, svc.portName);
      const discoveryName = svc.discoveryName ?? svc.portName;
      const discoveryField = svc.discoveryName === undefined ? `${field}.portName` : `${field}.discoveryName`;
      const discoveryService = nameFor(discoveryName, discoveryField, "discovery name", unsupported);
      const previous = discoveryOwners.get(discoveryService);
      if (previous !== undefined) throw networkingError(discoveryField, `${discoveryName} is already the discovery name of ${previous}; discovery names are unique in a namespace`);
      discoveryOwners.set(discoveryService, field);
      for (const key of ["ingressPortOverride", "timeout", "tls"] as const) {
        if (svc[key] !== undefined) unsupported.push({ field: `${field}.${key}`, reason: "there is no Service Connect proxy: clients connect to the tasks through the Kubernetes Service" });
      }
      const aliases = svc.clientAliases ?? [];
      const discoveryPorts = aliases.length === 0 ? [target.containerPort] : aliases.map((a) => a.port);
      for (const port of discoveryPorts) plan.add(discoveryService, "serviceConnect", discoveryField, port, target, aliases.length === 0 ? `${field}.portName` : `${field}.clientAliases[${discoveryPorts.indexOf(port)}].port`);
      aliases.forEach((alias, j) => {
        const aliasField = `${field}.clientAliases[${j}]`;
        if (alias.testTrafficRules !== undefined) unsupported.push({ field: `${aliasField}.testTrafficRules`, reason: "test traffic routing of blue/green deployments is not mapped" });
        const dnsName = alias.dnsName ?? (namespace === undefined ? discoveryName : `${discoveryName}.${namespace}`);
        const dnsField = alias.dnsName === undefined ? discoveryField : `${aliasField}.dnsName`;
        const aliasService = aliasServiceName(dnsName, dnsField, input.child.namespace, clusterDomain, unsupported);
        plan.add(aliasService, "serviceConnect", dnsField, alias.port, target, `${aliasField}.port`);
      });
    });
  }

  const containerNames = new Map(input.podTemplate.containers.map((m) => [m.name, m.container]));
  const services: ServiceObject[] = [];
  const traffic = input.traffic;
  for (const planned of plan.services.values()) {
    const isMain = plan.isMain(planned.name);
    const headless = isMain && !planned.sources.has("loadBalancers") && !planned.sources.has("serviceConnect") && type === "ClusterIP";
    const serviceSpec: V1ServiceSpec = {
      type: isMain ? type : "ClusterIP",
      // While traffic shifts, the Services clients use send production traffic where the deployment's stage says.
      selector: { ...(traffic === undefined ? input.selector : traffic.production) },
      ports: servicePorts(planned, containerNames),
      publishNotReadyAddresses: false,
    };
    if (headless) serviceSpec.clusterIP = "None";
    if (planned.ports.length === 0) {
      if (!headless) throw networkingError(`${REG}[0]`, `a ${type} Service needs a port: set port, or containerName and containerPort`);
      delete serviceSpec.ports;
    }
    if (isMain && knobs?.loadBalancerClass !== undefined) {
      if (type === "LoadBalancer") serviceSpec.loadBalancerClass = knobs.loadBalancerClass;
      else unsupported.push({ field: "spec.kubernetes.service.loadBalancerClass", reason: `only a Service of type LoadBalancer takes a loadBalancerClass; this one is ${type}` });
    }
    services.push({ apiVersion: "v1", kind: "Service", metadata: childMetadata(input.child, planned.name, isMain ? knobs?.annotations : undefined), spec: serviceSpec });
    dnsNames.push({
      field: planned.namedBy.join(", "),
      service: planned.name,
      fqdn: `${planned.name}.${input.child.namespace}.svc.${clusterDomain}`,
      ports: [...new Set(planned.ports.map((p) => p.port))],
    });
  }
  const shifted = traffic === undefined ? { services: [], httpRoute: undefined, colors: false } : shiftServices(input, mainName, services, unsupported);
  services.push(...shifted.services);
  if (spec.kubernetes?.service !== undefined && !plan.isMain(mainName)) {
    unsupported.push({ field: "spec.kubernetes.service", reason: "there are no loadBalancers or serviceRegistries, so there is no Service to apply these settings to" });
  }

  // ingress-nginx: the main Ingress keeps production on blue's Service while a deployment runs, and a canary Ingress to
  // green's carries the weights (docs/deployments.md "Traffic").
  const nginx = traffic !== undefined && ingress !== undefined && shifted.colors && isNginxIngress(ingress);
  const backend = nginx && traffic.inProgress ? colorServiceName(mainName, traffic.sourceColor) : mainName;
  const mainIngress = ingress === undefined ? undefined : buildIngress(input, mainName, balanced, lbEntries, backend);
  const canary = nginx && mainIngress !== undefined && traffic.inProgress && (traffic.testWeight > 0 || traffic.productionWeight > 0) ? nginxCanaryIngress(mainIngress, mainName, traffic, input.spec.kubernetes?.gateway?.testTrafficHeader) : undefined;
  return {
    services,
    ingress: mainIngress,
    ...(canary === undefined ? {} : { canaryIngress: canary }),
    ...(shifted.httpRoute === undefined ? {} : { httpRoute: shifted.httpRoute }),
    dnsNames,
    unsupported,
  };
}

/** The preview Service's name: `<service>-preview` (green only, during the test stages and after). */
export const previewServiceName = (mainName: string): string => toDnsLabel(`${mainName}-preview`);
/** The Service of one color: `<service>-blue`, `<service>-green` (the HTTPRoute's backendRefs). */
export const colorServiceName = (mainName: string, color: string): string => toDnsLabel(`${mainName}-${color}`);

/**
 * The Services a traffic-shifting deployment adds next to the production Service made from loadBalancers: the preview
 * Service, and with spec.kubernetes.gateway one per color and the HTTPRoute that weights them. What cannot be weighted
 * exactly is reported (docs/deployments.md "Traffic").
 */
function shiftServices(input: ServiceNetworkingInput, mainName: string, services: readonly ServiceObject[], unsupported: UnsupportedField[]): { services: ServiceObject[]; httpRoute: HttpRouteObject | undefined; colors: boolean } {
  const traffic = input.traffic;
  const main = services.find((s) => s.metadata.name === mainName);
  const gateway = input.spec.kubernetes?.gateway;
  const strategyField = "spec.deploymentConfiguration.strategy";
  if (traffic === undefined || main === undefined || (main.spec.ports ?? []).length === 0) {
    if (traffic !== undefined) unsupported.push({ field: strategyField, reason: `${traffic.strategy} shifts no traffic without spec.loadBalancers: the stages, hooks and bake time run, and the new revision replaces the old at CLEAN_UP` });
    return { services: [], httpRoute: undefined, colors: false };
  }
  const clusterIp = (name: string, selector: Readonly<Record<string, string>>): ServiceObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: childMetadata(input.child, name),
    spec: { type: "ClusterIP", selector: { ...selector }, ...(main.spec.ports === undefined ? {} : { ports: main.spec.ports.map((p) => structuredClone(p)) }), publishNotReadyAddresses: false },
  });
  const out: ServiceObject[] = [clusterIp(previewServiceName(mainName), traffic.preview)];
  const names = { blue: colorServiceName(mainName, "blue"), green: colorServiceName(mainName, "green") };
  const ingress = input.spec.kubernetes?.ingress;
  const nginx = ingress !== undefined && isNginxIngress(ingress);
  if (nginx || (gateway !== undefined && input.gatewayApi !== false)) out.push(clusterIp(names.blue, traffic.colors.blue), clusterIp(names.green, traffic.colors.green));
  if (gateway !== undefined && input.gatewayApi !== false) {
    const port = main.spec.ports?.find((p) => (p.protocol ?? "TCP") === "TCP")?.port;
    if (port === undefined) {
      unsupported.push({ field: "spec.kubernetes.gateway", reason: "an HTTPRoute needs a TCP port of spec.loadBalancers; traffic shifts through the Service selector" });
      return { services: out, httpRoute: undefined, colors: true };
    }
    return { colors: true, services: out, httpRoute: buildHttpRoute({ name: mainName, gateway, services: names, port, traffic, child: input.child }) };
  }
  if (gateway !== undefined) {
    unsupported.push({ field: "spec.kubernetes.gateway", reason: "the Gateway API CRDs (gateway.networking.k8s.io/v1 HTTPRoute) are not installed: traffic shifts through the Service selector instead" });
  }
  if (nginx) return { services: out, httpRoute: undefined, colors: true };
  if (traffic.strategy !== "BLUE_GREEN") {
    const how = ingress === undefined ? "" : ` (the Ingress${ingress.className === undefined ? "" : ` of class ${ingress.className}`} routes to that Service; class nginx gets a weighted canary Ingress)`;
    unsupported.push({
      field: strategyField,
      reason: `${traffic.strategy} weights need spec.kubernetes.gateway: through the Kubernetes Service alone${how} production traffic goes to blue, then to both revisions in proportion to their running tasks while the weight is between 0 and 100%, then to green`,
    });
  }
  return { services: out, httpRoute: undefined, colors: false };
}

/** Whether an Ingress is served by ingress-nginx (its class, or the legacy class annotation). */
export function isNginxIngress(ingress: NonNullable<NonNullable<ServiceNetworkingInput["spec"]["kubernetes"]>["ingress"]>): boolean {
  return ingress.className === "nginx" || ingress.annotations?.["kubernetes.io/ingress.class"] === "nginx";
}

/**
 * ingress-nginx's canary Ingress: the main Ingress's hosts and paths to green's Service, `canary-weight` out of 1000
 * for production traffic, and the test header (`x-ecs-test-traffic: true` unless the gateway knob names another) to
 * green while test traffic is shifted. ingress-nginx: "canary-by-header-value ... the request will be routed to the
 * canary" when the header has that value; other requests follow canary-weight.
 */
function nginxCanaryIngress(main: IngressObject, mainName: string, traffic: ShiftTraffic, header: { readonly name: string; readonly value: string } | undefined): IngressObject {
  const green = colorServiceName(mainName, traffic.targetColor);
  const test = header ?? DEFAULT_TEST_TRAFFIC_HEADER;
  const rules = structuredClone(main.spec.rules ?? []);
  for (const p of rules.flatMap((r) => r.http?.paths ?? [])) p.backend = { service: { name: green, port: p.backend.service?.port ?? {} } };
  const annotations: Record<string, string> = {
    ...(main.metadata.annotations ?? {}),
    "nginx.ingress.kubernetes.io/canary": "true",
    "nginx.ingress.kubernetes.io/canary-weight": String(Math.round(traffic.productionWeight * WEIGHT_SCALE)),
    "nginx.ingress.kubernetes.io/canary-weight-total": String(100 * WEIGHT_SCALE),
    ...(traffic.testWeight > 0 ? { "nginx.ingress.kubernetes.io/canary-by-header": test.name, "nginx.ingress.kubernetes.io/canary-by-header-value": test.value } : {}),
  };
  // TLS stays on the main Ingress: ingress-nginx applies it to the host for both.
  const { tls: _tls, ...spec } = main.spec;
  return { ...main, metadata: { ...main.metadata, name: toDnsLabel(`${mainName}-canary`), annotations }, spec: { ...spec, rules } };
}

/** The Cloud Map namespace's name, or undefined for an ARN (it carries only the namespace ID). */
function cloudMapNamespaceName(namespace: string | undefined): string | undefined {
  if (namespace === undefined || namespace === "" || namespace.startsWith("arn:")) return undefined;
  return namespace.replace(/\.$/, "");
}

function nameFor(name: string, field: string, what: string, unsupported: UnsupportedField[]): string {
  const service = serviceObjectName(name);
  if (service !== name) unsupported.push({ field, reason: `the ${what} ${name} is not a valid Kubernetes Service name; the Service is ${service}, and clients must use that name` });
  return service;
}

/**
 * The Service that makes a client alias dnsName resolve. Kubernetes DNS resolves `<service>` (same namespace),
 * `<service>.<namespace>` and `<service>.<namespace>.svc[.<clusterDomain>]`: a dnsName of that shape (with this
 * namespace) resolves exactly. Any other name (`web.internal` in namespace shop, `api.corp.example.com`) becomes a
 * Service named after its first label, and the gap is reported.
 */
function aliasServiceName(dnsName: string, field: string, namespace: string, clusterDomain: string, unsupported: UnsupportedField[]): string {
  const labels = dnsName.replace(/\.$/, "").split(".");
  const first = labels[0] ?? dnsName;
  const rest = labels.slice(1).join(".");
  const exact = rest === "" || rest === namespace || rest === `${namespace}.svc` || rest === `${namespace}.svc.${clusterDomain}`;
  const service = serviceObjectName(first);
  if (!exact) {
    const hint = labels.length === 2 ? ` (it would, with the ECS service in Kubernetes namespace ${labels[1] ?? ""})` : "";
    unsupported.push({
      field,
      reason: `${dnsName} does not resolve in Kubernetes DNS${hint}; clients in namespace ${namespace} can use ${service} or ${service}.${namespace}.svc.${clusterDomain}`,
    });
  } else if (service !== first) {
    unsupported.push({ field, reason: `${first} is not a valid Kubernetes Service name; the Service is ${service}, and clients must use that name` });
  }
  return service;
}

// ------------------------------------------------------------------------------------------------ Ingress

function buildIngress(input: ServiceNetworkingInput, serviceName: string, balanced: readonly Target[], lbEntries: readonly { containerName: string; containerPort: number }[], backendService = serviceName): IngressObject {
  const ingress = input.spec.kubernetes?.ingress;
  if (ingress === undefined) throw new Error("buildIngress without spec.kubernetes.ingress");
  const named: [field: string, host: string][] = [
    ...(ingress.host === undefined ? [] : [[`${ING}.host`, ingress.host] as [string, string]]),
    ...(ingress.hosts ?? []).map((host, i): [string, string] => [`${ING}.hosts[${i}]`, host]),
  ];
  for (const [field, host] of named) {
    if (!isDnsSubdomain(host.startsWith("*.") ? host.slice(2) : host)) throw networkingError(field, `${host} is not a host name (lowercase DNS name, optionally starting with *.)`);
  }
  const hosts = [...new Set(named.map(([, host]) => host))];

  const defaultContainer = ingress.containerName ?? lbEntries[0]?.containerName;
  const defaultPort = (containerName: string | undefined): number | undefined =>
    ingress.containerPort ?? lbEntries.find((e) => e.containerName === containerName)?.containerPort ?? lbEntries[0]?.containerPort;
  const paths = ingress.paths ?? [{ path: ingress.path ?? "/", pathType: ingress.pathType }];
  const httpPaths: V1HTTPIngressPath[] = paths.map((p, i) => {
    const field = ingress.paths === undefined ? ING : `${ING}.paths[${i}]`;
    const pathType = p.pathType ?? ingress.pathType ?? "Prefix";
    if (pathType !== "ImplementationSpecific" && !p.path.startsWith("/")) throw networkingError(ingress.paths === undefined ? `${ING}.path` : `${field}.path`, `${p.path} must start with / (pathType ${pathType})`);
    const containerName = ("containerName" in p ? p.containerName : undefined) ?? defaultContainer;
    const containerPort = ("containerPort" in p ? p.containerPort : undefined) ?? defaultPort(containerName);
    const target = balanced.find((t) => t.container === containerName && t.containerPort === containerPort && t.protocol === "TCP");
    if (target === undefined) {
      const offered = [...new Set(balanced.filter((t) => t.protocol === "TCP").map((t) => `${t.container}:${t.containerPort}`))].join(", ");
      throw networkingError(
        `${field}.containerPort`,
        `container ${containerName ?? "?"} port ${containerPort ?? "?"} is not behind a load balancer; an Ingress routes to the TCP ports of spec.loadBalancers (${offered === "" ? "none" : offered})`,
      );
    }
    return { path: p.path, pathType, backend: { service: { name: backendService, port: { number: target.containerPort } } } };
  });

  const rules: V1IngressRule[] = hosts.length === 0 ? [{ http: { paths: httpPaths } }] : hosts.map((host) => ({ host, http: { paths: httpPaths } }));
  const spec: V1IngressSpec = { rules };
  if (ingress.className !== undefined) spec.ingressClassName = ingress.className;
  if (ingress.tls !== undefined) spec.tls = [{ ...(hosts.length === 0 ? {} : { hosts }), secretName: ingress.tls.secretName }];
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: childMetadata(input.child, serviceName, ingress.annotations), spec };
}
