// `ecs-operator run` wiring that needs no cluster: the bind address grammar and the defaults taken from the pod.
import { describe, expect, it } from "vitest";
import { defaultIdentity, defaultLeaderElectionNamespace, defaultMetricsBindAddress, parseBindAddress } from "../../../src/cli/run.ts";

describe("run flags", () => {
  it.each([
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    [":9090", { host: "0.0.0.0", port: 9090 }],
    ["0.0.0.0:8080", { host: "0.0.0.0", port: 8080 }],
    ["[::1]:8080", { host: "::1", port: 8080 }],
    ["0", undefined],
  ])("--metrics-bind-address %s", (text, expected) => {
    expect(parseBindAddress(text)).toEqual(expected);
  });

  it.each(["8080", "localhost", "host:99999"])("--metrics-bind-address %s is refused", (text) => {
    expect(() => parseBindAddress(text)).toThrow(`--metrics-bind-address: "${text}" is not host:port, :port or 0 (off)`);
  });

  it("binds all interfaces in a pod (probes and Prometheus reach it), loopback elsewhere", () => {
    expect(defaultMetricsBindAddress({ KUBERNETES_SERVICE_HOST: "10.96.0.1" })).toBe("0.0.0.0:8080");
    expect(defaultMetricsBindAddress({})).toBe("127.0.0.1:8080");
  });

  it("the Lease namespace and identity come from the pod when it says so", () => {
    expect(defaultLeaderElectionNamespace({ POD_NAMESPACE: "ecs-system" })).toBe("ecs-system");
    expect(defaultIdentity({ POD_NAME: "ecs-operator-7d9f-abcde" })).toBe("ecs-operator-7d9f-abcde");
    expect(defaultIdentity({})).toMatch(/-\d+$/);
  });
});
