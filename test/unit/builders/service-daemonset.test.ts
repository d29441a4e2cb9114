// A DAEMON service → a DaemonSet per EC2-type provider: DAEMON percentages → the DaemonSet's rolling update.
import { describe, expect, it } from "vitest";
import { schedulingFor, type ResolvedProvider } from "../../../src/builders/capacity/provider.ts";
import { buildServiceDaemonSet, daemonRollingUpdate } from "../../../src/builders/service/daemonset.ts";
import { deploymentId } from "../../../src/builders/service/deployment.ts";

// ECS rounds minimumHealthyPercent up over the task count ("rounded up to the nearest integer"); for DAEMON the task
// count is the eligible nodes, and maximumPercent stays 100 (no surge).
describe("daemonRollingUpdate", () => {
  it.each<[string, { minimumHealthyPercent?: number; maximumPercent?: number } | undefined, number, { maxUnavailable: number; maxSurge: number }]>([
    ["DAEMON defaults 0 / 100 on 5 nodes: every task may be replaced at once", undefined, 5, { maxUnavailable: 5, maxSurge: 0 }],
    ["min 50 on 5 nodes: ceil(2.5) = 3 stay, 2 at a time", { minimumHealthyPercent: 50 }, 5, { maxUnavailable: 2, maxSurge: 0 }],
    ["min 50 on 3 nodes: ceil(1.5) = 2 stay, 1 at a time", { minimumHealthyPercent: 50 }, 3, { maxUnavailable: 1, maxSurge: 0 }],
    ["min 30 on 3 nodes: ceil(0.9) = 1 stays, 2 at a time", { minimumHealthyPercent: 30 }, 3, { maxUnavailable: 2, maxSurge: 0 }],
    ["min 75 on 4 nodes: 3 stay, 1 at a time", { minimumHealthyPercent: 75, maximumPercent: 100 }, 4, { maxUnavailable: 1, maxSurge: 0 }],
    ["min 100: nothing may stop, yet a daemon task cannot start beside the old one: one node at a time", { minimumHealthyPercent: 100 }, 4, { maxUnavailable: 1, maxSurge: 0 }],
    ["before the DaemonSet reports its nodes: one at a time", { minimumHealthyPercent: 50 }, 0, { maxUnavailable: 1, maxSurge: 0 }],
  ])("%s", (_n, config, nodes, expected) => {
    expect(daemonRollingUpdate(config, nodes)).toEqual(expected);
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
