// loadBalancers / spec.kubernetes.ingress / serviceRegistries / serviceConnectConfiguration → Kubernetes Services
// and an Ingress, one row per rule of docs/load-balancing.md. Pod templates come from the real buildPodTemplate,
// so port names are the ones the pods carry.
import { SpecError } from "../../../src/api/spec-error.ts";
import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../../src/api/service.ts";
import type { ContainerDefinition, TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import { buildPodTemplate } from "../../../src/builders/pod/template.ts";
import { buildServiceNetworking, type ServiceNetworking, type ServiceNetworkingInput, serviceObjectName } from "../../../src/builders/service/networking.ts";

// ---------------------------------------------------------------- fixtures

type NetworkingSpec = ServiceNetworkingInput["spec"];
type PortMapping = NonNullable<ContainerDefinition["portMappings"]>[number];

const OWNER = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "uid-1", controller: true, blockOwnerDeletion: true };
const LABELS = { "ecs.operator.dev/service": "web", "ecs.operator.dev/cluster": "default" };
const SELECTOR = { "ecs.operator.dev/service": "web" };

const aContainer = (name: string, ...portMappings: PortMapping[]): ContainerDefinition => ({
  name,
  image: `registry.example.com/${name}:1.0`,
  memory: 256,
  ...(portMappings.length > 0 ? { portMappings } : {}),
});
const port = (containerPort: number, more: Partial<PortMapping> = {}): PortMapping => ({ containerPort, ...more });

/** web serves http on 8080 (named "http", appProtocol http) and metrics on 9090 (unnamed); dns serves 53 on UDP and TCP. */
const WEB = aContainer("web", port(8080, { name: "http", appProtocol: "http" }), port(9090));
const DNS = aContainer("dns", port(53, { protocol: "udp", name: "dns-udp" }), port(53, { protocol: "tcp", name: "dns-tcp" }));
const LOG_ROUTER = aContainer("log_router");
const aTaskDefinition = (...containers: ContainerDefinition[]): TaskDefinitionSpec => ({
  family: "web",
  networkMode: "awsvpc",
  containerDefinitions: containers.length > 0 ? containers : [WEB, DNS, LOG_ROUTER],
});

function networking(spec: NetworkingSpec, more: Partial<ServiceNetworkingInput> = {}, taskDefinition = aTaskDefinition()): ServiceNetworking {
  const podTemplate = buildPodTemplate(taskDefinition, { namespace: "shop", family: "web", revision: 3 });
  return buildServiceNetworking({
    name: "web",
    spec,
    selector: SELECTOR,
    taskDefinition,
    podTemplate,
    taskDefinitionRef: "web:3",
    child: { namespace: "shop", ownerReference: OWNER, labels: LABELS },
    ...more,
  });
}
const serviceNamed = (result: ServiceNetworking, name: string) => {
  const s = result.services.find((x) => x.metadata.name === name);
  if (s === undefined) throw new Error(`no Service ${name} in ${result.services.map((x) => x.metadata.name).join(", ")}`);
  return s;
};
const refusal = (spec: NetworkingSpec, more: Partial<ServiceNetworkingInput> = {}, taskDefinition = aTaskDefinition()): string => {
  try {
    networking(spec, more, taskDefinition);
  } catch (err) {
    if (err instanceof SpecError) return err.message;
    throw err;
  }
  throw new Error("not refused");
};
const lb = (containerName: string, containerPort: number, more: Partial<NonNullable<ServiceSpec["loadBalancers"]>[number]> = {}) => ({
  targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef",
  containerName,
  containerPort,
  ...more,
});
type ScService = NonNullable<NonNullable<ServiceSpec["serviceConnectConfiguration"]>["services"]>[number];
const serviceConnect = (namespace: string | undefined, ...services: ScService[]): NetworkingSpec => ({
  serviceConnectConfiguration: { enabled: true, ...(namespace === undefined ? {} : { namespace }), services },
});

// ---------------------------------------------------------------- loadBalancers → the Service

describe("buildServiceNetworking: loadBalancers → one ClusterIP Service for the load-balanced ports", () => {
  it("loadBalancers web:8080 → Service web, port 8080 → the pod's named port http, only ready pods", () => {
    const result = networking({ loadBalancers: [lb("web", 8080)] });
    expect(result.services).toEqual([
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web", namespace: "shop", labels: LABELS, ownerReferences: [OWNER] },
        spec: {
          type: "ClusterIP",
          selector: SELECTOR,
          ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
          publishNotReadyAddresses: false,
        },
      },
    ]);
    expect(result.ingress).toBeUndefined();
    expect(result.unsupported).toEqual([]);
  });

  it.each<[string, NetworkingSpec, unknown[]]>([
    ["an unnamed port mapping → targetPort is the number, the port is named <container>-<port>", { loadBalancers: [lb("web", 9090)] }, [{ name: "web-9090", port: 9090, targetPort: 9090, protocol: "TCP" }]],
    [
      "two loadBalancers entries → one Service with both ports, in order",
      { loadBalancers: [lb("web", 8080), lb("web", 9090)] },
      [
        { name: "http", port: 8080, targetPort: "http", protocol: "TCP", appProtocol: "http" },
        { name: "web-9090", port: 9090, targetPort: 9090, protocol: "TCP" },
      ],
    ],
    [
      "two target groups on the same container port (ALB + NLB) → one Service port",
      { loadBalancers: [lb("web", 8080), lb("web", 8080, { targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-nlb/1" })] },
      [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
    ],
    [
      "a port mapped on UDP and TCP → one Service port per protocol",
      { loadBalancers: [lb("dns", 53)] },
      [
        { name: "dns-udp", port: 53, targetPort: "dns-udp", protocol: "UDP" },
        { name: "dns-tcp", port: 53, targetPort: "dns-tcp", protocol: "TCP" },
      ],
    ],
    ["loadBalancerName (Classic Load Balancer) is accepted like targetGroupArn", { loadBalancers: [{ loadBalancerName: "web-elb", containerName: "web", containerPort: 9090 }] }, [{ name: "web-9090", port: 9090, targetPort: 9090, protocol: "TCP" }]],
  ])("%s", (_name, spec, ports) => {
    expect(serviceNamed(networking(spec), "web").spec.ports).toEqual(ports);
  });

  it.each<[string, Partial<PortMapping>, string | undefined]>([
    ["appProtocol http → Service appProtocol http", { appProtocol: "http" }, "http"],
    ["appProtocol http2 → Service appProtocol kubernetes.io/h2c", { appProtocol: "http2" }, "kubernetes.io/h2c"],
    ["appProtocol grpc → Service appProtocol grpc", { appProtocol: "grpc" }, "grpc"],
    ["no appProtocol → none", {}, undefined],
  ])("%s", (_name, more, appProtocol) => {
    const result = networking({ loadBalancers: [lb("api", 50051)] }, {}, aTaskDefinition(aContainer("api", port(50051, { name: "api", ...more }))));
    expect(result.services[0]?.spec.ports?.[0]?.appProtocol).toBe(appProtocol);
  });

  it("a port inside a containerPortRange → targetPort is the number", () => {
    const result = networking({ loadBalancers: [lb("media", 10_005)] }, {}, aTaskDefinition(aContainer("media", { containerPortRange: "10000-10010" })));
    expect(result.services[0]?.spec.ports).toEqual([{ name: "media-10005", port: 10_005, targetPort: 10_005, protocol: "TCP" }]);
  });

  it("a container name that is not a DNS label → the port name uses the Kubernetes container name", () => {
    const result = networking({ loadBalancers: [lb("api_server", 3000)] }, {}, aTaskDefinition(aContainer("api_server", port(3000))));
    expect(result.services[0]?.spec.ports?.[0]?.name).toBe("api-server-3000");
  });

  it("a sidecar container (dependsOn START) still receives traffic", () => {
    const proxy = aContainer("proxy", port(8443, { name: "https" }));
    const app = { ...aContainer("app"), dependsOn: [{ containerName: "proxy", condition: "START" as const }] };
    const result = networking({ loadBalancers: [lb("proxy", 8443)] }, {}, aTaskDefinition(app, proxy));
    expect(result.services[0]?.spec.ports).toEqual([{ name: "https", port: 8443, targetPort: "https", protocol: "TCP" }]);
  });

  it.each<[string, Record<string, unknown>, Partial<{ type: string; loadBalancerClass: string; annotations: Record<string, string> }>]>([
    ["spec.kubernetes.service.type NodePort → type NodePort", { type: "NodePort" }, { type: "NodePort" }],
    ["type LoadBalancer with loadBalancerClass → both", { type: "LoadBalancer", loadBalancerClass: "service.k8s.aws/nlb" }, { type: "LoadBalancer", loadBalancerClass: "service.k8s.aws/nlb" }],
    ["annotations → the Service's annotations", { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } }, { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } }],
  ])("%s", (_name, service, expected) => {
    const s = networking({ loadBalancers: [lb("web", 8080)], kubernetes: { service } }).services[0];
    if (expected.type !== undefined) expect(s?.spec.type).toBe(expected.type);
    if (expected.loadBalancerClass !== undefined) expect(s?.spec.loadBalancerClass).toBe(expected.loadBalancerClass);
    if (expected.annotations !== undefined) expect(s?.metadata.annotations).toEqual(expected.annotations);
  });

  it.each<[string, NetworkingSpec, string]>([
    ["loadBalancerClass without type LoadBalancer is reported and dropped", { loadBalancers: [lb("web", 8080)], kubernetes: { service: { loadBalancerClass: "x" } } }, "spec.kubernetes.service.loadBalancerClass"],
    ["advancedConfiguration (blue/green) is reported", { loadBalancers: [lb("web", 8080, { advancedConfiguration: { alternateTargetGroupArn: "arn:x" } })] }, "spec.loadBalancers[0].advancedConfiguration"],
    ["spec.kubernetes.service without loadBalancers or serviceRegistries is reported", { kubernetes: { service: { type: "LoadBalancer" } } }, "spec.kubernetes.service"],
  ])("%s", (_name, spec, field) => {
    const result = networking(spec);
    expect(result.unsupported.map((u) => u.field)).toEqual([field]);
    expect(result.services.every((s) => s.spec.loadBalancerClass === undefined)).toBe(true);
  });

  it("no loadBalancers, registries or Service Connect → nothing", () => {
    expect(networking({})).toEqual({ services: [], ingress: undefined, dnsNames: [], unsupported: [] });
  });

  it.each<[string, NetworkingSpec, string]>([
    ["a containerPort the container does not map", { loadBalancers: [lb("web", 8081)] }, "spec.loadBalancers[0].containerPort: container web has no portMapping 8081 (it maps 8080, 9090)"],
    ["a container the task definition does not have", { loadBalancers: [lb("api", 80)] }, "spec.loadBalancers[0].containerName: task definition web:3 has no container api (containers: web, dns, log_router)"],
    ["a container without port mappings", { loadBalancers: [lb("log_router", 24224)] }, "spec.loadBalancers[0].containerPort: container log_router has no portMapping 24224"],
  ])("refused: %s", (_name, spec, message) => {
    expect(refusal(spec)).toBe(message);
  });

  it("refused: two containers behind the same port number (bridge mode) collide in one Service", () => {
    const td = aTaskDefinition(aContainer("a", port(80, { hostPort: 8001 })), aContainer("b", port(80, { hostPort: 8002 })));
    expect(refusal({ loadBalancers: [lb("a", 80), lb("b", 80)] }, {}, { ...td, networkMode: "bridge" })).toBe(
      "spec.loadBalancers[1].containerPort: port 80/TCP of Service web already goes to container a port 80 (spec.loadBalancers[0].containerPort); a Service port has one target",
    );
  });

  it("refused: a container that runs to completion first (dependsOn COMPLETE) cannot receive traffic", () => {
    const migrate = aContainer("migrate", port(5000));
    const app = { ...aContainer("app", port(80)), dependsOn: [{ containerName: "migrate", condition: "COMPLETE" as const }] };
    expect(refusal({ loadBalancers: [lb("migrate", 5000)] }, {}, aTaskDefinition(app, migrate))).toMatch(/^spec\.loadBalancers\[0\]: container migrate runs to completion/);
  });

  it.each<[string, string, string]>([
    ["web → web", "web", "web"],
    ["a name with dots → dashes (Service names are DNS-1035 labels)", "shop.web", "shop-web"],
    ["upper case and underscores → lower case and dashes", "My_Web", "my-web"],
    ["a leading digit → s- in front", "2048-game", "s-2048-game"],
    ["longer than 63 → cut, with a hash", "a".repeat(70), `${"a".repeat(56)}-${"x".repeat(6)}`],
  ])("the Service name: %s", (_name, name, expected) => {
    const got = serviceObjectName(name);
    if (expected.endsWith("xxxxxx")) {
      expect(got).toMatch(/^a{56}-[0-9a-f]{6}$/);
    } else {
      expect(got).toBe(expected);
    }
    expect(got).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it("the ECS Service's name becomes the Service's name (made valid)", () => {
    expect(networking({ loadBalancers: [lb("web", 8080)] }, { name: "shop.web" }).services[0]?.metadata.name).toBe("shop-web");
  });
});

// ---------------------------------------------------------------- ingress

describe("buildServiceNetworking: spec.kubernetes.ingress → an Ingress to the Service", () => {
  type Ingress = NonNullable<NonNullable<ServiceSpec["kubernetes"]>["ingress"]>;
  const withIngress = (ingress: Ingress, loadBalancers = [lb("web", 8080)]): NetworkingSpec => ({ loadBalancers, kubernetes: { ingress } });
  const backend = (number: number) => ({ service: { name: "web", port: { number } } });

  it("host, className, TLS and annotations → the Ingress; path / Prefix to the first load-balanced port by default", () => {
    const result = networking(withIngress({ host: "shop.example.com", className: "nginx", tls: { secretName: "shop-tls" }, annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "8m" } }));
    expect(result.ingress).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web", namespace: "shop", labels: LABELS, annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "8m" }, ownerReferences: [OWNER] },
      spec: {
        ingressClassName: "nginx",
        rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(8080) }] } }],
        tls: [{ hosts: ["shop.example.com"], secretName: "shop-tls" }],
      },
    });
  });

  it.each<[string, Ingress, unknown]>([
    ["no host → one rule without host", {}, [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(8080) }] } }]],
    ["path /api with pathType Exact", { path: "/api", pathType: "Exact" }, [{ http: { paths: [{ path: "/api", pathType: "Exact", backend: backend(8080) }] } }]],
    [
      "host and hosts → one rule per host, the same paths",
      { host: "a.example.com", hosts: ["b.example.com", "a.example.com"] },
      [
        { host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(8080) }] } },
        { host: "b.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(8080) }] } },
      ],
    ],
    ["a wildcard host is accepted", { host: "*.example.com" }, [{ host: "*.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(8080) }] } }]],
    ["containerPort picks the load-balanced port", { containerPort: 9090 }, [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(9090) }] } }]],
    [
      "paths → one path each, to its own container port; pathType defaults to the ingress's, then Prefix",
      { pathType: "ImplementationSpecific", paths: [{ path: "/metrics", containerPort: 9090, pathType: "Exact" }, { path: "/" }] },
      [{ http: { paths: [{ path: "/metrics", pathType: "Exact", backend: backend(9090) }, { path: "/", pathType: "ImplementationSpecific", backend: backend(8080) }] } }],
    ],
  ])("%s", (_name, ingress, rules) => {
    expect(networking(withIngress(ingress, [lb("web", 8080), lb("web", 9090)])).ingress?.spec.rules).toEqual(rules);
  });

  it("containerName picks that container's load-balanced port", () => {
    const td = aTaskDefinition(WEB, aContainer("admin", port(7000)));
    const result = networking(withIngress({ containerName: "admin" }, [lb("web", 8080), lb("admin", 7000)]), {}, td);
    expect(result.ingress?.spec.rules?.[0]?.http?.paths[0]?.backend.service?.port?.number).toBe(7000);
  });

  it("TLS without hosts → tls without hosts", () => {
    expect(networking(withIngress({ tls: { secretName: "t" } })).ingress?.spec.tls).toEqual([{ secretName: "t" }]);
  });

  it("no loadBalancers but the ingress names a container port → the Service is made for that port", () => {
    const result = networking({ kubernetes: { ingress: { containerName: "web", containerPort: 8080 } } });
    expect(result.services.map((s) => [s.metadata.name, s.spec.ports?.map((p) => p.port)])).toEqual([["web", [8080]]]);
    expect(result.ingress?.spec.rules?.[0]?.http?.paths[0]?.backend).toEqual(backend(8080));
  });

  it.each<[string, NetworkingSpec, string]>([
    ["no loadBalancers and no container port", { kubernetes: { ingress: { host: "a.example.com" } } }, "spec.kubernetes.ingress: spec.loadBalancers is empty, so the Ingress has no container port to route to; set containerName and containerPort, or add a loadBalancers entry"],
    [
      "a port that is not load balanced",
      withIngress({ containerPort: 9090 }),
      "spec.kubernetes.ingress.containerPort: container web port 9090 is not behind a load balancer; an Ingress routes to the TCP ports of spec.loadBalancers (web:8080)",
    ],
    ["a path's port that is not load balanced", withIngress({ paths: [{ path: "/x", containerPort: 1234 }] }), "spec.kubernetes.ingress.paths[0].containerPort: container web port 1234 is not behind a load balancer; an Ingress routes to the TCP ports of spec.loadBalancers (web:8080)"],
    ["a path without a leading /", withIngress({ path: "api" }), "spec.kubernetes.ingress.path: api must start with / (pathType Prefix)"],
    ["a paths entry without a leading /", withIngress({ paths: [{ path: "api", pathType: "Exact" }] }), "spec.kubernetes.ingress.paths[0].path: api must start with / (pathType Exact)"],
    ["a host that is not a DNS name", withIngress({ host: "Shop_Example" }), "spec.kubernetes.ingress.host: Shop_Example is not a host name (lowercase DNS name, optionally starting with *.)"],
    ["a bad entry of hosts", withIngress({ hosts: ["ok.example.com", "bad..example"] }), "spec.kubernetes.ingress.hosts[1]: bad..example is not a host name (lowercase DNS name, optionally starting with *.)"],
    ["the ingress port of a missing container", { kubernetes: { ingress: { containerName: "api", containerPort: 80 } } }, "spec.kubernetes.ingress.containerName: task definition web:3 has no container api (containers: web, dns, log_router)"],
  ])("refused: %s", (_name, spec, message) => {
    expect(refusal(spec)).toBe(message);
  });

  it("ImplementationSpecific paths need no leading /", () => {
    expect(networking(withIngress({ path: "~ ^/api", pathType: "ImplementationSpecific" })).ingress?.spec.rules?.[0]?.http?.paths[0]?.path).toBe("~ ^/api");
  });
});

// ---------------------------------------------------------------- serviceRegistries

describe("buildServiceNetworking: serviceRegistries (Cloud Map) → a Service named after the ECS service", () => {
  const REGISTRY = "arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-utcrh6wavdkggqtk";

  it("A records only (no port) → a headless Service without ports: the name resolves to the ready tasks' IPs", () => {
    const result = networking({ serviceRegistries: [{ registryArn: REGISTRY }] });
    expect(result.services).toEqual([
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web", namespace: "shop", labels: LABELS, ownerReferences: [OWNER] },
        spec: { type: "ClusterIP", selector: SELECTOR, publishNotReadyAddresses: false, clusterIP: "None" },
      },
    ]);
    expect(result.dnsNames).toEqual([{ field: "spec.serviceRegistries", service: "web", fqdn: "web.shop.svc.cluster.local", ports: [] }]);
  });

  it.each<[string, NonNullable<ServiceSpec["serviceRegistries"]>[number], unknown]>([
    ["containerName + containerPort (SRV, bridge/host) → a headless Service with that port", { registryArn: REGISTRY, containerName: "web", containerPort: 8080 }, [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP", appProtocol: "http" }]],
    ["port (SRV, awsvpc) of a mapped port → that port", { registryArn: REGISTRY, port: 9090 }, [{ name: "web-9090", port: 9090, targetPort: 9090, protocol: "TCP" }]],
    ["port not among the port mappings → port to the same port number", { registryArn: REGISTRY, port: 7777 }, [{ name: "port-7777", port: 7777, targetPort: 7777, protocol: "TCP" }]],
  ])("%s", (_name, registry, ports) => {
    const s = networking({ serviceRegistries: [registry] }).services[0];
    expect(s?.spec.clusterIP).toBe("None");
    expect(s?.spec.ports).toEqual(ports);
  });

  it("with loadBalancers → one ClusterIP Service (the name resolves to its virtual IP), the registry port added", () => {
    const result = networking({ loadBalancers: [lb("web", 8080)], serviceRegistries: [{ registryArn: REGISTRY, containerName: "web", containerPort: 9090 }] });
    expect(result.services).toHaveLength(1);
    expect(result.services[0]?.spec.clusterIP).toBeUndefined();
    expect(result.services[0]?.spec.ports?.map((p) => p.port)).toEqual([8080, 9090]);
    expect(result.dnsNames[0]?.field).toBe("spec.loadBalancers, spec.serviceRegistries");
  });

  it("with spec.kubernetes.service.type NodePort → a NodePort Service, not headless", () => {
    const s = networking({ serviceRegistries: [{ registryArn: REGISTRY, port: 9090 }], kubernetes: { service: { type: "NodePort" } } }).services[0];
    expect([s?.spec.type, s?.spec.clusterIP]).toEqual(["NodePort", undefined]);
  });

  it.each<[string, NetworkingSpec, string]>([
    ["containerName without containerPort", { serviceRegistries: [{ containerName: "web" }] }, "spec.serviceRegistries[0].containerPort: containerName and containerPort go together (the SRV record's container port)"],
    ["containerPort without containerName", { serviceRegistries: [{ containerPort: 8080 }] }, "spec.serviceRegistries[0].containerName: containerName and containerPort go together (the SRV record's container port)"],
    ["a containerPort the container does not map", { serviceRegistries: [{ containerName: "web", containerPort: 1 }] }, "spec.serviceRegistries[0].containerPort: container web has no portMapping 1 (it maps 8080, 9090)"],
    ["a NodePort Service without a port", { serviceRegistries: [{ registryArn: REGISTRY }], kubernetes: { service: { type: "NodePort" } } }, "spec.serviceRegistries[0]: a NodePort Service needs a port: set port, or containerName and containerPort"],
  ])("refused: %s", (_name, spec, message) => {
    expect(refusal(spec)).toBe(message);
  });
});

// ---------------------------------------------------------------- Service Connect

describe("buildServiceNetworking: serviceConnectConfiguration → Services for discoveryName and client aliases", () => {
  const names = (result: ServiceNetworking) => result.services.map((s) => [s.metadata.name, s.spec.ports?.map((p) => `${p.port}->${String(p.targetPort)}`)]);

  it.each<[string, NetworkingSpec, unknown[]]>([
    ["portName only, no alias → Service <portName> on the container port", serviceConnect("shop", { portName: "http" }), [["http", ["8080->http"]]]],
    ["discoveryName → Service <discoveryName>", serviceConnect("shop", { portName: "http", discoveryName: "storefront" }), [["storefront", ["8080->http"]]]],
    ["client alias port 80, default dnsName <discoveryName>.<namespace> → one Service with port 80 → the container port", serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80 }] }), [["http", ["80->http"]]]],
    [
      "client alias dnsName without dots → its own Service next to the discovery one",
      serviceConnect("shop", { portName: "http", discoveryName: "web-http", clientAliases: [{ port: 80, dnsName: "storefront" }] }),
      [
        ["web-http", ["80->http"]],
        ["storefront", ["80->http"]],
      ],
    ],
    ["dnsName <name>.<this namespace>.svc.cluster.local → Service <name>", serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80, dnsName: "store.shop.svc.cluster.local" }] }), [["http", ["80->http"]], ["store", ["80->http"]]]],
    ["the namespace comes from the Cluster's serviceConnectDefaults when absent", serviceConnect(undefined, { portName: "http", clientAliases: [{ port: 80 }] }), [["http", ["80->http"]]]],
    [
      "two services → one Service each",
      serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80 }] }, { portName: "dns-tcp", discoveryName: "resolver", clientAliases: [{ port: 53 }] }),
      [
        ["http", ["80->http"]],
        ["resolver", ["53->dns-tcp"]],
      ],
    ],
    ["enabled without services (a client only) → nothing", serviceConnect("shop"), []],
    ["enabled false → nothing", { serviceConnectConfiguration: { enabled: false, services: [{ portName: "http" }] } }, []],
    [
      "discoveryName equal to the ECS service's name → ports added to the Service of the loadBalancers",
      { loadBalancers: [lb("web", 8080)], ...serviceConnect("shop", { portName: "http", discoveryName: "web", clientAliases: [{ port: 80 }] }) },
      [["web", ["8080->http", "80->http"]]],
    ],
  ])("%s", (_name, spec, expected) => {
    const result = networking(spec, { serviceConnectDefaultNamespace: "shop" });
    expect(names(result)).toEqual(expected);
    expect(result.unsupported).toEqual([]);
    for (const s of result.services) expect(s.spec).toMatchObject({ type: "ClusterIP", selector: SELECTOR, publishNotReadyAddresses: false });
  });

  it("the DNS names: <service>.<namespace>.svc.cluster.local, with the field that named each", () => {
    const result = networking(serviceConnect("shop", { portName: "http", discoveryName: "web-http", clientAliases: [{ port: 80, dnsName: "storefront" }] }), { clusterDomain: "corp.internal" });
    expect(result.dnsNames).toEqual([
      { field: "spec.serviceConnectConfiguration.services[0].discoveryName", service: "web-http", fqdn: "web-http.shop.svc.corp.internal", ports: [80] },
      { field: "spec.serviceConnectConfiguration.services[0].clientAliases[0].dnsName", service: "storefront", fqdn: "storefront.shop.svc.corp.internal", ports: [80] },
    ]);
  });

  it.each<[string, NetworkingSpec, string, string, RegExp]>([
    [
      "a default dnsName in another Cloud Map namespace (web.internal, Kubernetes namespace shop)",
      serviceConnect("internal", { portName: "http", clientAliases: [{ port: 80 }] }),
      "http",
      "spec.serviceConnectConfiguration.services[0].portName",
      /http\.internal does not resolve in Kubernetes DNS \(it would, with the ECS service in Kubernetes namespace internal\); clients in namespace shop can use http or http\.shop\.svc\.cluster\.local/,
    ],
    [
      "a dnsName of three labels",
      serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80, dnsName: "api.corp.example.com" }] }),
      "api",
      "spec.serviceConnectConfiguration.services[0].clientAliases[0].dnsName",
      /api\.corp\.example\.com does not resolve in Kubernetes DNS; clients in namespace shop can use api or api\.shop\.svc\.cluster\.local/,
    ],
    [
      "a dnsName that is not a Service name (underscore)",
      serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80, dnsName: "my_db" }] }),
      "my-db",
      "spec.serviceConnectConfiguration.services[0].clientAliases[0].dnsName",
      /my_db is not a valid Kubernetes Service name; the Service is my-db/,
    ],
    [
      "a discoveryName with an underscore",
      serviceConnect(undefined, { portName: "http", discoveryName: "web_http" }),
      "web-http",
      "spec.serviceConnectConfiguration.services[0].discoveryName",
      /the discovery name web_http is not a valid Kubernetes Service name; the Service is web-http/,
    ],
  ])("gap reported: %s", (_name, spec, service, field, reason) => {
    const result = networking(spec);
    expect(result.services.map((s) => s.metadata.name)).toContain(service);
    expect(result.unsupported).toEqual([{ field, reason: expect.stringMatching(reason) as unknown }]);
  });

  it("a Cloud Map namespace given as an ARN → the default dnsName is the discovery name", () => {
    const result = networking(serviceConnect("arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-abc", { portName: "http", clientAliases: [{ port: 80 }] }));
    expect([names(result), result.unsupported]).toEqual([[["http", ["80->http"]]], []]);
  });

  it.each<[string, string, Partial<ScService>]>([
    ["ingressPortOverride", "ingressPortOverride", { ingressPortOverride: 15000 }],
    ["timeout", "timeout", { timeout: { perRequestTimeoutSeconds: 10 } }],
    ["tls", "tls", { tls: { issuerCertificateAuthority: {} } }],
  ])("proxy setting reported: %s", (_name, key, more) => {
    const result = networking(serviceConnect("shop", { portName: "http", ...more }));
    expect(result.unsupported.map((u) => u.field)).toEqual([`spec.serviceConnectConfiguration.services[0].${key}`]);
  });

  it("proxy log configuration and test traffic rules are reported", () => {
    const spec: NetworkingSpec = {
      serviceConnectConfiguration: {
        enabled: true,
        namespace: "shop",
        logConfiguration: { logDriver: "awslogs" },
        services: [{ portName: "http", clientAliases: [{ port: 80, testTrafficRules: { header: { name: "x-canary" } } }] }],
      },
    };
    expect(networking(spec).unsupported.map((u) => u.field)).toEqual([
      "spec.serviceConnectConfiguration.logConfiguration",
      "spec.serviceConnectConfiguration.services[0].clientAliases[0].testTrafficRules",
    ]);
  });

  it.each<[string, NetworkingSpec, string]>([
    [
      "a portName the task definition does not name",
      serviceConnect("shop", { portName: "grpc" }),
      "spec.serviceConnectConfiguration.services[0].portName: task definition web:3 has no portMapping named grpc (named: http, dns-udp, dns-tcp)",
    ],
    [
      "two services with the same discovery name",
      serviceConnect("shop", { portName: "http", discoveryName: "api" }, { portName: "dns-tcp", discoveryName: "api" }),
      "spec.serviceConnectConfiguration.services[1].discoveryName: api is already the discovery name of spec.serviceConnectConfiguration.services[0]; discovery names are unique in a namespace",
    ],
    [
      "two aliases with one name and port to different ports",
      serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80, dnsName: "api" }] }, { portName: "dns-tcp", discoveryName: "resolver", clientAliases: [{ port: 80, dnsName: "api" }] }),
      "spec.serviceConnectConfiguration.services[1].clientAliases[0].port: port 80/TCP of Service api already goes to container web port 8080 (spec.serviceConnectConfiguration.services[0].clientAliases[0].port); a Service port has one target",
    ],
    [
      "a Service Connect name on an exposed load balancer Service",
      { loadBalancers: [lb("web", 8080)], kubernetes: { service: { type: "LoadBalancer" } }, ...serviceConnect("shop", { portName: "http", discoveryName: "web", clientAliases: [{ port: 80 }] }) },
      "spec.serviceConnectConfiguration.services[0].clientAliases[0].port: Service web is the Service made from spec.loadBalancers and spec.serviceRegistries, exposed outside the cluster by spec.kubernetes.service.type; a Service Connect name on it would expose port 80 too. Choose another discoveryName or dnsName, or use type ClusterIP",
    ],
  ])("refused: %s", (_name, spec, message) => {
    expect(refusal(spec)).toBe(message);
  });

  it("a discovery name equal to the ECS service's name without loadBalancers → a ClusterIP Service; spec.kubernetes.service is reported unused", () => {
    const result = networking({ kubernetes: { service: { type: "LoadBalancer" } }, ...serviceConnect("shop", { portName: "http", discoveryName: "web", clientAliases: [{ port: 80 }] }) });
    expect(result.services.map((s) => [s.metadata.name, s.spec.type])).toEqual([["web", "ClusterIP"]]);
    expect(result.unsupported.map((u) => u.field)).toEqual(["spec.kubernetes.service"]);
  });

  it("aliases of one name and port to the same target are kept once", () => {
    const result = networking(serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80, dnsName: "api" }] }, { portName: "http", discoveryName: "web2", clientAliases: [{ port: 80, dnsName: "api" }] }));
    expect(names(result)).toEqual([
      ["http", ["80->http"]],
      ["api", ["80->http"]],
      ["web2", ["80->http"]],
    ]);
  });
});

describe("buildServiceNetworking: every object is ready for server-side apply", () => {
  it("names are DNS labels, unique, and carry the owner reference and labels", () => {
    const result = networking({
      loadBalancers: [lb("web", 8080)],
      kubernetes: { ingress: { host: "shop.example.com" } },
      ...serviceConnect("shop", { portName: "http", discoveryName: "storefront", clientAliases: [{ port: 80, dnsName: "store" }] }, { portName: "dns-udp", clientAliases: [{ port: 53 }] }),
    });
    const objects = [...result.services, ...(result.ingress === undefined ? [] : [result.ingress])];
    expect(result.services.map((s) => s.metadata.name)).toEqual(["web", "storefront", "store", "dns-udp"]);
    for (const o of objects) {
      expect(o.metadata).toMatchObject({ namespace: "shop", labels: LABELS, ownerReferences: [OWNER] });
      expect(o.metadata.name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
    for (const s of result.services) {
      const portNames = s.spec.ports?.map((p) => p.name) ?? [];
      expect(new Set(portNames).size).toBe(portNames.length);
    }
  });

  it("the same input gives the same objects (stable names and order)", () => {
    const spec: NetworkingSpec = { loadBalancers: [lb("web", 9090), lb("web", 8080)], ...serviceConnect("shop", { portName: "http", clientAliases: [{ port: 80 }] }) };
    expect(networking(spec)).toEqual(networking(spec));
  });

  it("one Service port name per port even when two ports target one named pod port", () => {
    const s = networking({ loadBalancers: [lb("web", 8080)], ...serviceConnect("shop", { portName: "http", discoveryName: "web", clientAliases: [{ port: 80 }] }) }).services[0];
    expect(s?.spec.ports?.map((p) => p.name)).toEqual(["http", "http-80"]);
  });
});
