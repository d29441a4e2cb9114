// A DAEMON service → a DaemonSet per EC2-type provider: DAEMON percentages → the DaemonSet's rolling update.
import { describe, expect, it } from "vitest";
import { schedulingFor, type ResolvedProvider } from "../../../src/builders/capacity/provider.ts";
import { buildServiceDaemonSet, daemonRollingUpdate } from "../../../src/builders/service/daemonset.ts";
import { deploymentId } from "../../../src/builders/service/deployment.ts";

describe("daemonRollingUpdate", () => {
  it.each<[string, { minimumHealthyPercent?: number; maximumPercent?: number } | undefined, { maxUnavailable: string | number; maxSurge: string | number }]>([
    ["DAEMON defaults 0 / 100: every task may be replaced in place, no surge", undefined, { maxUnavailable: "100%", maxSurge: "0%" }],
    ["50 / 100: half the nodes at a time", { minimumHealthyPercent: 50, maximumPercent: 100 }, { maxUnavailable: "50%", maxSurge: "0%" }],
    ["100 / 200: surge a new task before stopping the old one", { minimumHealthyPercent: 100, maximumPercent: 200 }, { maxUnavailable: "0%", maxSurge: "100%" }],
    ["100 / 100: no room at all → one node at a time", { minimumHealthyPercent: 100, maximumPercent: 100 }, { maxUnavailable: 1, maxSurge: 0 }],
  ])("%s", (_n, config, expected) => {
    expect(daemonRollingUpdate(config)).toEqual(expected);
  });
});

describe("buildServiceDaemonSet", () => {
  it("one DaemonSet named <service>-<provider>, selecting the provider's pods, on the provider's nodes", () => {
    const provider: ResolvedProvider = { name: "od", type: "EC2", spot: false, kubernetes: { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } } };
    const { daemonSet } = buildServiceDaemonSet({
      service: { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "agent", namespace: "ops", uid: "u", spec: { taskDefinition: "agent", schedulingStrategy: "DAEMON" } },
      serviceName: "agent",
      clusterName: "default",
      revision: { family: "agent", revision: 1, spec: { family: "agent", containerDefinitions: [{ name: "agent", image: "agent:1", memory: 64 }] } },
      deploymentId: deploymentId("u", "agent:1"),
      provider,
      scheduling: schedulingFor(provider),
      nodes: [],
    });
    const spec = daemonSet.spec as { selector: { matchLabels: Record<string, string> }; template: { spec: { nodeSelector: Record<string, string> } } };
    expect(daemonSet.metadata?.name).toBe("agent-od");
    expect(spec.selector.matchLabels).toEqual({ "ecs.operator.dev/service": "agent", "ecs.operator.dev/capacity-provider": "od" });
    expect(spec.template.spec.nodeSelector).toEqual({ "karpenter.sh/capacity-type": "on-demand" });
  });
});
