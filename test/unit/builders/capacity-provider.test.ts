// Built-in providers, name resolution, the strategy ECS would use, and provider scheduling
// (docs/capacity-providers.md). The presets of the docs are rendered through schedulingFor here.
import { SpecError } from "../../../src/api/spec-error.ts";
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { admit } from "../../../src/api/admission.ts";
import type { CapacityProviderSpec } from "../../../src/api/capacity-provider.ts";
import type { CapacityProvider } from "../../../src/api/objects.ts";
import type { TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import {
  BUILTIN_PROVIDERS,
  effectiveStrategy,
  podTemplateCapacity,
  providerOf,
  resolveProvider,
  type ResolvedProvider,
  schedulingFor,
  type StrategyInput,
  SPOT_TOLERATIONS,
} from "../../../src/builders/capacity/provider.ts";
import type { StrategyItem } from "../../../src/builders/capacity/split.ts";
import { admits } from "../../../src/builders/capacity/container-instances.ts";
import { buildPodTemplate } from "../../../src/builders/pod/template.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";

const aProvider = (name: string, spec: CapacityProviderSpec = {}): CapacityProvider => ({
  apiVersion: "ecs.operator.dev/v1alpha1",
  kind: "CapacityProvider",
  metadata: { name },
  spec,
});
const builtIn = (name: string): ResolvedProvider => {
  const b = BUILTIN_PROVIDERS.find((p) => p.name === name);
  if (!b) throw new Error(`no built-in ${name}`);
  return b;
};
const resolved = (name: string, providers: CapacityProvider[] = [], clusterProviders?: string[]): ResolvedProvider => {
  const r = resolveProvider(name, providers, clusterProviders === undefined ? {} : { clusterProviders });
  if (!r.ok) throw new Error(r.message);
  return r.provider;
};
const problem = (name: string, providers: CapacityProvider[] = [], field?: string, clusterProviders?: string[]): string => {
  const r = resolveProvider(name, providers, { ...(field === undefined ? {} : { field }), ...(clusterProviders === undefined ? {} : { clusterProviders }) });
  if (r.ok) throw new Error(`${name} resolved to ${r.provider.name}`);
  return r.message;
};

/** Test pools (test/controlplane/nodes.ts) whose nodes a provider admits, e.g. "serverless". */
const poolsOf = (p: ResolvedProvider): string =>
  [...new Set(TEST_NODES.filter((n) => admits(schedulingFor(p), buildNode(n))).map((n) => n.pool))].sort().join(",");

const KARPENTER_SPOT = { key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" };
const FARGATE_TAINT = { key: "eks.amazonaws.com/compute-type", operator: "Equal", value: "fargate", effect: "NoSchedule" };

describe("BUILTIN_PROVIDERS", () => {
  it.each<[string, string, Partial<ResolvedProvider>]>([
    ["FARGATE is type FARGATE, not spot", "FARGATE", { type: "FARGATE", spot: false }],
    ["FARGATE_SPOT is type FARGATE, spot", "FARGATE_SPOT", { type: "FARGATE", spot: true }],
  ])("%s", (_n, name, want) => {
    expect(builtIn(name)).toMatchObject(want);
  });
  it("FARGATE selects EKS Fargate nodes and tolerates their taint", () => {
    const s = schedulingFor(builtIn("FARGATE"));
    expect(s.nodeSelector).toEqual({ "eks.amazonaws.com/compute-type": "fargate" });
    expect(s.tolerations).toEqual([FARGATE_TAINT]);
  });
  it("FARGATE_SPOT adds karpenter.sh/capacity-type: spot to the selector and tolerates every spot taint", () => {
    const s = schedulingFor(builtIn("FARGATE_SPOT"));
    expect(s.nodeSelector).toEqual({ "eks.amazonaws.com/compute-type": "fargate", "karpenter.sh/capacity-type": "spot" });
    expect(s.tolerations).toEqual([FARGATE_TAINT, ...SPOT_TOLERATIONS]);
  });
  it("FARGATE lands on the test serverless pool only", () => {
    expect(poolsOf(builtIn("FARGATE"))).toBe("serverless");
  });
});

describe("resolveProvider", () => {
  const pool = aProvider("ec2-pool", { kubernetes: { nodeSelector: { pool: "a" } } });
  it.each<[string, string, CapacityProvider[], string]>([
    ["FARGATE resolves to the built-in without objects", "FARGATE", [], "FARGATE"],
    ["names are matched case-insensitively (fargate_spot → FARGATE_SPOT)", "fargate_spot", [], "FARGATE_SPOT"],
    ["an object is matched on metadata.name when spec.name is unset", "EC2-POOL", [pool], "ec2-pool"],
    ["an object is matched on spec.name", "OnDemand", [aProvider("od", { name: "ondemand" })], "ondemand"],
    ["launchType EC2's provider EC2 always resolves", "EC2", [], "EC2"],
  ])("%s", (_n, name, providers, want) => {
    expect(resolved(name, providers).name).toBe(want);
  });

  it("an object named fargate overrides the built-in FARGATE and inherits its type", () => {
    const p = resolved("FARGATE", [aProvider("fargate", { kubernetes: { runtimeClassName: "gvisor" } })]);
    expect(p).toMatchObject({ name: "FARGATE", type: "FARGATE", spot: false, objectName: "fargate" });
  });
  it("an object named fargate-spot overrides FARGATE_SPOT and inherits type FARGATE and spot", () => {
    expect(resolved("FARGATE_SPOT", [aProvider("fargate-spot")])).toMatchObject({ name: "FARGATE_SPOT", type: "FARGATE", spot: true, objectName: "fargate-spot" });
  });
  it("an object with spec.name FARGATE_SPOT overrides the built-in", () => {
    expect(resolved("FARGATE_SPOT", [aProvider("my-spot", { name: "FARGATE_SPOT" })]).objectName).toBe("my-spot");
  });
  it("an override that sets type EC2 keeps it", () => {
    expect(resolved("FARGATE", [aProvider("fargate", { type: "EC2" })]).type).toBe("EC2");
  });
  it("an unknown name is refused with the field and the known names", () => {
    expect(problem("FARGATE_SPOTT", [pool], "capacityProviderStrategy[1].capacityProvider")).toBe(
      'capacityProviderStrategy[1].capacityProvider: "FARGATE_SPOTT" is not a CapacityProvider; known: FARGATE, FARGATE_SPOT, ec2-pool',
    );
  });
  it("two objects whose names differ only in case are ambiguous", () => {
    expect(problem("pool", [aProvider("a", { name: "POOL" }), aProvider("b", { name: "pool" })])).toBe(
      'capacityProvider: "pool" matches several CapacityProviders (a, b); give each a distinct spec.name',
    );
  });
  it("a provider not in the Cluster's spec.capacityProviders is refused", () => {
    expect(problem("FARGATE_SPOT", [], "capacityProviderStrategy[0].capacityProvider", ["FARGATE"])).toBe(
      'capacityProviderStrategy[0].capacityProvider: "FARGATE_SPOT" is not in the Cluster\'s spec.capacityProviders (FARGATE); add it there',
    );
  });
  it("the Cluster's spec.capacityProviders is matched case-insensitively", () => {
    expect(resolved("fargate", [], ["FARGATE"]).name).toBe("FARGATE");
  });
});

describe("effectiveStrategy: as ECS decides (CreateService / RunTask capacityProviderStrategy, launchType)", () => {
  const fargate = (weight: number, base?: number): StrategyItem => ({ capacityProvider: "FARGATE", weight, ...(base === undefined ? {} : { base }) });
  const spot = (weight: number): StrategyItem => ({ capacityProvider: "FARGATE_SPOT", weight });
  const show = (input: StrategyInput): string => {
    const e = effectiveStrategy(input);
    return `${e.source}: ${e.strategy.map((i) => `${i.capacityProvider}/${i.base ?? 0}/${i.weight ?? 0}`).join(" ")}`;
  };
  it.each<[string, StrategyInput, string]>([
    ["the service's own strategy wins over the cluster default", { serviceStrategy: [fargate(1, 2), spot(3)], clusterDefault: [spot(1)] }, "strategy: FARGATE/2/1 FARGATE_SPOT/0/3"],
    ["launchType FARGATE → FARGATE weight 1", { launchType: "FARGATE", clusterDefault: [spot(1)] }, "launchType: FARGATE/0/1"],
    ["launchType EC2 → the cluster's EC2 providers, weight 1 each", { launchType: "EC2", ec2Providers: ["od", "spot-pool"] }, "launchType: od/0/1 spot-pool/0/1"],
    ["launchType EC2 on a cluster without EC2 providers → EC2 (plain nodes)", { launchType: "EC2" }, "launchType: EC2/0/1"],
    ["launchType EXTERNAL → like EC2", { launchType: "EXTERNAL", ec2Providers: ["od"] }, "launchType: od/0/1"],
    ["neither strategy nor launch type → the cluster default", { clusterDefault: [spot(1)] }, "clusterDefault: FARGATE_SPOT/0/1"],
    ["an empty service strategy counts as none", { serviceStrategy: [], clusterDefault: [spot(1)] }, "clusterDefault: FARGATE_SPOT/0/1"],
    ["nothing at all → launch type EC2, as ECS", {}, "launchType: EC2/0/1"],
    ["nothing at all with EC2 providers → those providers", { ec2Providers: ["od"] }, "launchType: od/0/1"],
  ])("%s", (_n, input, want) => {
    expect(show(input)).toBe(want);
  });
  it("reports EC2 as the deciding launch type when nothing is set", () => {
    expect(effectiveStrategy({}).launchType).toBe("EC2");
  });
});

describe("schedulingFor", () => {
  it.each<[string, ResolvedProvider, Record<string, string>]>([
    ["an EC2 provider without kubernetes selects nothing", providerOf(aProvider("od")), {}],
    ["an EC2 provider's nodeSelector is used as is", providerOf(aProvider("od", { kubernetes: { nodeSelector: { "eks.amazonaws.com/nodegroup": "od" } } })), { "eks.amazonaws.com/nodegroup": "od" }],
    ["an EC2 spot provider without nodeSelector selects karpenter spot nodes", providerOf(aProvider("s", { spot: true })), { "karpenter.sh/capacity-type": "spot" }],
    ["a spot provider's own nodeSelector replaces the spot default", providerOf(aProvider("s", { spot: true, kubernetes: { nodeSelector: { "cloud.google.com/gke-spot": "true" } } })), { "cloud.google.com/gke-spot": "true" }],
    ["a FARGATE-type provider without kubernetes gets the EKS Fargate selector", providerOf(aProvider("serverless", { type: "FARGATE" })), { "eks.amazonaws.com/compute-type": "fargate" }],
    ["a FARGATE-type provider's nodeSelector replaces the default (not merged key by key)", providerOf(aProvider("f", { type: "FARGATE", kubernetes: { nodeSelector: { type: "virtual-kubelet" } } })), { type: "virtual-kubelet" }],
    ["nodeSelector {} removes the FARGATE default", providerOf(aProvider("f", { type: "FARGATE", kubernetes: { nodeSelector: {} } })), {}],
  ])("%s", (_n, provider, want) => {
    expect(schedulingFor(provider).nodeSelector).toEqual(want);
  });

  it("a FARGATE override that sets only runtimeClassName keeps the default selector and tolerations", () => {
    const s = schedulingFor(resolved("FARGATE", [aProvider("fargate", { kubernetes: { runtimeClassName: "gvisor" } })]));
    expect(s).toEqual({ nodeSelector: { "eks.amazonaws.com/compute-type": "fargate" }, tolerations: [FARGATE_TAINT], labels: {}, runtimeClassName: "gvisor" });
  });
  it("a spot provider's own tolerations keep the spot tolerations, without duplicates", () => {
    const s = schedulingFor(providerOf(aProvider("s", { spot: true, kubernetes: { tolerations: [KARPENTER_SPOT as never, { key: "team", operator: "Exists" }] } })));
    expect(s.tolerations).toEqual([KARPENTER_SPOT, { key: "team", operator: "Exists" }, ...SPOT_TOLERATIONS.slice(1)]);
  });
  it("a non-spot provider gets no spot tolerations", () => {
    expect(schedulingFor(providerOf(aProvider("od"))).tolerations).toEqual([]);
  });
  it("affinity, schedulerName, priorityClassName and labels pass through", () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "Exists" }] }] } } };
    const s = schedulingFor(providerOf(aProvider("od", { kubernetes: { affinity, schedulerName: "ecs-binpack", priorityClassName: "high", labels: { team: "x" } } })));
    expect(s).toEqual({ nodeSelector: {}, tolerations: [], affinity, schedulerName: "ecs-binpack", priorityClassName: "high", labels: { team: "x" } });
  });
  it("empty scheduler, runtime and priority class names are left out", () => {
    const s = schedulingFor(providerOf(aProvider("od", { kubernetes: { schedulerName: "", runtimeClassName: "", priorityClassName: "" } })));
    expect(Object.keys(s).sort()).toEqual(["labels", "nodeSelector", "tolerations"]);
  });
  it("the result is a copy: changing it does not change the built-ins", () => {
    const s = schedulingFor(builtIn("FARGATE"));
    s.nodeSelector.x = "y";
    s.tolerations.push({ key: "z" });
    expect(schedulingFor(builtIn("FARGATE")).nodeSelector).toEqual({ "eks.amazonaws.com/compute-type": "fargate" });
    expect(schedulingFor(builtIn("FARGATE")).tolerations).toHaveLength(1);
  });
  it("an EC2 spot provider without nodeSelector lands on the test spot pool only", () => {
    expect(poolsOf(providerOf(aProvider("s", { spot: true })))).toBe("spot");
  });
});

describe("podTemplateCapacity: switches buildPodTemplate's Fargate semantics on", () => {
  it.each<[string, ResolvedProvider, unknown]>([
    ["EC2 provider → capacityProviderType EC2", providerOf(aProvider("od", { kubernetes: { runtimeClassName: "kata" } })), { capacityProviderType: "EC2" }],
    ["FARGATE → capacityProviderType FARGATE", builtIn("FARGATE"), { capacityProviderType: "FARGATE", fargate: {} }],
    ["FARGATE with runtimeClassName → fargate.runtimeClassName", providerOf(aProvider("fargate", { kubernetes: { runtimeClassName: "gvisor" } })), { capacityProviderType: "FARGATE", fargate: { runtimeClassName: "gvisor" } }],
  ])("%s", (_n, provider, want) => {
    expect(podTemplateCapacity(provider)).toEqual(want);
  });
});

// ---------------------------------------------------------------- the presets of docs/capacity-providers.md

/** Every ```yaml block of the doc that holds a CapacityProvider, by metadata.name. */
function presets(): Map<string, CapacityProvider> {
  const doc = readFileSync(new URL("../../../docs/capacity-providers.md", import.meta.url), "utf8");
  const out = new Map<string, CapacityProvider>();
  for (const m of doc.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const obj = load(m[1] ?? "") as CapacityProvider | undefined;
    if (obj?.kind === "CapacityProvider" && obj.metadata.name !== undefined) out.set(obj.metadata.name, obj);
  }
  return out;
}

describe("docs/capacity-providers.md presets, rendered through schedulingFor", () => {
  const all = presets();
  const schedulingOf = (name: string, others: CapacityProvider[] = []) => {
    const cp = all.get(name);
    if (!cp) throw new Error(`docs/capacity-providers.md has no CapacityProvider preset named ${name}`);
    return { provider: resolved(providerOf(cp).name, [cp, ...others]), scheduling: schedulingFor(resolved(providerOf(cp).name, [cp, ...others])) };
  };
  it("the doc holds the seven presets and the fargate-spot example", () => {
    expect([...all.keys()].sort()).toEqual(["aks-virtual-nodes", "eks-fargate", "eks-nodegroup-on-demand", "fargate-spot", "gke-autopilot", "gke-spot", "karpenter-on-demand", "karpenter-spot"]);
  });
  it("every preset passes admission (schema and CEL rules of the CRD)", () => {
    for (const [name, cp] of all) expect(admit(cp as unknown as Record<string, unknown>), name).toEqual([]);
  });
  it.each<[string, string, object]>([
    ["EKS managed node group: its nodegroup label, on-demand capacity", "eks-nodegroup-on-demand", { nodeSelector: { "eks.amazonaws.com/nodegroup": "general", "eks.amazonaws.com/capacityType": "ON_DEMAND" }, tolerations: [] }],
    [
      "EKS Fargate profile: overrides FARGATE, pods carry the profile's selector label",
      "eks-fargate",
      { nodeSelector: { "eks.amazonaws.com/compute-type": "fargate" }, tolerations: [FARGATE_TAINT], labels: { "ecs.operator.dev/fargate-profile": "tasks" } },
    ],
    ["Karpenter on-demand: its NodePool and capacity type", "karpenter-on-demand", { nodeSelector: { "karpenter.sh/nodepool": "default", "karpenter.sh/capacity-type": "on-demand" }, tolerations: [] }],
    ["Karpenter spot: overrides FARGATE_SPOT with the spot NodePool", "karpenter-spot", { nodeSelector: { "karpenter.sh/nodepool": "spot", "karpenter.sh/capacity-type": "spot" }, tolerations: [...SPOT_TOLERATIONS] }],
    [
      "AKS virtual nodes: the virtual-kubelet selector and tolerations",
      "aks-virtual-nodes",
      {
        nodeSelector: { type: "virtual-kubelet", "kubernetes.io/os": "linux" },
        tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists" }, { key: "azure.com/aci", effect: "NoSchedule" }],
      },
    ],
    ["GKE Autopilot: no selector (Autopilot sizes a node per pod)", "gke-autopilot", { nodeSelector: {}, tolerations: [] }],
    ["GKE spot: the gke-spot selector and the spot tolerations", "gke-spot", { nodeSelector: { "cloud.google.com/gke-spot": "true" }, tolerations: [...SPOT_TOLERATIONS] }],
  ])("%s", (_n, name, want) => {
    expect(schedulingOf(name).scheduling).toMatchObject(want);
  });
  it.each<[string, string, string, boolean]>([
    ["eks-fargate overrides FARGATE", "eks-fargate", "FARGATE", false],
    ["karpenter-spot overrides FARGATE_SPOT", "karpenter-spot", "FARGATE_SPOT", true],
    ["gke-autopilot is a FARGATE-type provider of its own", "gke-autopilot", "gke-autopilot", false],
    ["gke-spot is spot", "gke-spot", "gke-spot", true],
  ])("%s", (_n, name, providerName, spot) => {
    expect(schedulingOf(name).provider).toMatchObject({ name: providerName, spot });
  });
  /** The test pools have no NodePool label: drop it to check the rest of the preset against them. */
  const poolsWithoutNodePool = (name: string): string => {
    const { scheduling } = schedulingOf(name);
    const rest = Object.fromEntries(Object.entries(scheduling.nodeSelector).filter(([k]) => k !== "karpenter.sh/nodepool"));
    return [...new Set(TEST_NODES.filter((n) => admits({ ...scheduling, nodeSelector: rest }, buildNode(n))).map((n) => n.pool))].sort().join(",");
  };
  it.each<[string, string, string]>([
    ["the Karpenter spot preset (NodePool label aside) lands on the test spot pool only", "karpenter-spot", "spot"],
    ["the Karpenter on-demand preset (NodePool label aside) lands on the test on-demand pool only", "karpenter-on-demand", "on-demand"],
  ])("%s", (_n, name, pools) => {
    expect(poolsWithoutNodePool(name)).toBe(pools);
  });
});

// ---------------------------------------------------------------- Fargate semantics, from the provider to the pod

describe("Fargate semantics of the pods of a FARGATE-type provider (podTemplateCapacity → buildPodTemplate)", () => {
  const fargateTask = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): TaskDefinitionSpec =>
    ({
      family: "web",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "512",
      memory: "1024",
      containerDefinitions: [{ name: "app", image: "registry.example.com/app:1", ...container }],
      ...extra,
    });
  const render = (provider: ResolvedProvider, td: TaskDefinitionSpec) => buildPodTemplate(td, { namespace: "apps", family: "web", revision: 1, ...podTemplateCapacity(provider) });
  const refused = (provider: ResolvedProvider, td: TaskDefinitionSpec): SpecError => {
    try {
      render(provider, td);
    } catch (e) {
      if (e instanceof SpecError) return e;
      throw e;
    }
    throw new Error("expected a SpecError");
  };

  it("one container gets the whole task size, requests = limits", () => {
    const spec = render(builtIn("FARGATE"), fargateTask()).template.spec;
    expect(spec.containers[0]?.resources).toEqual({ requests: { cpu: "500m", memory: "1024Mi" }, limits: { cpu: "500m", memory: "1024Mi" } });
  });
  it("a memoryReservation below memory still gives requests = limits (the pod is sized exactly)", () => {
    const spec = render(builtIn("FARGATE"), fargateTask({}, { memory: 768, memoryReservation: 256 })).template.spec;
    expect(spec.containers[0]?.resources?.requests).toEqual(spec.containers[0]?.resources?.limits);
  });
  it("the same task on an EC2 provider keeps the soft reservation as the request", () => {
    const spec = render(providerOf(aProvider("od")), fargateTask({}, { memory: 768, memoryReservation: 256 })).template.spec;
    expect(spec.containers[0]?.resources?.requests?.memory).toBe("256Mi");
  });
  it("no task role → the service account token is not mounted", () => {
    expect(render(builtIn("FARGATE"), fargateTask()).template.spec.automountServiceAccountToken).toBe(false);
  });
  it("a task role → the token is mounted for the role's ServiceAccount", () => {
    const r = render(builtIn("FARGATE"), fargateTask({ taskRoleArn: "arn:aws:iam::111122223333:role/web" }));
    expect(r.template.spec.automountServiceAccountToken).toBe(true);
  });
  it("the provider's runtimeClassName isolates the pod", () => {
    expect(render(providerOf(aProvider("fargate", { kubernetes: { runtimeClassName: "kata" } })), fargateTask()).template.spec.runtimeClassName).toBe("kata");
  });
  it.each<[string, TaskDefinitionSpec, string]>([
    ["a task size Fargate does not have (256 / 4096)", fargateTask({ cpu: "256", memory: "4096" }), "spec.memory"],
    ["privileged", fargateTask({}, { privileged: true }), "spec.containerDefinitions[0].privileged"],
    ["hostPort different from containerPort", fargateTask({}, { portMappings: [{ containerPort: 80, hostPort: 8080 }] }), "spec.containerDefinitions[0].portMappings[0].hostPort"],
    ["host devices", fargateTask({}, { linuxParameters: { devices: [{ hostPath: "/dev/fuse" }] } }), "spec.containerDefinitions[0].linuxParameters.devices"],
    ["capabilities beyond SYS_PTRACE", fargateTask({}, { linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } }), "spec.containerDefinitions[0].linuxParameters.capabilities.add"],
    ["linuxParameters.sharedMemorySize", fargateTask({}, { linuxParameters: { sharedMemorySize: 64 } }), "spec.containerDefinitions[0].linuxParameters.sharedMemorySize"],
    ["linuxParameters.tmpfs", fargateTask({}, { linuxParameters: { tmpfs: [{ containerPath: "/tmp", size: 64 }] } }), "spec.containerDefinitions[0].linuxParameters.tmpfs[0]"],
    ["linuxParameters.maxSwap", fargateTask({}, { linuxParameters: { maxSwap: 0 } }), "spec.containerDefinitions[0].linuxParameters.maxSwap"],
    ["linuxParameters.swappiness", fargateTask({}, { linuxParameters: { swappiness: 10 } }), "spec.containerDefinitions[0].linuxParameters.swappiness"],
    ["a host volume with sourcePath", fargateTask({ volumes: [{ name: "logs", host: { sourcePath: "/var/log" } }] }), "spec.volumes[0].host.sourcePath"],
    ["a Docker volume", fargateTask({ volumes: [{ name: "data", dockerVolumeConfiguration: { scope: "task", driver: "local" } }] }), "spec.volumes[0].dockerVolumeConfiguration"],
    ["pidMode host", fargateTask({ pidMode: "host" }), "spec.pidMode"],
    ["ipcMode", fargateTask({ ipcMode: "host" }), "spec.ipcMode"],
    ["networkMode host", fargateTask({ networkMode: "host" }), "spec.networkMode"],
  ])("on FARGATE_SPOT too, %s is refused naming the field", (_n, td, field) => {
    expect(refused(builtIn("FARGATE_SPOT"), td).field).toBe(field);
  });
});
