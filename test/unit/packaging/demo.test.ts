// The pure parts of `npm run demo`: flags, when an object counts as Ready, how a not-Ready object is explained,
// and the table printed when kubectl is missing.
import { describe, expect, it } from "vitest";
import { controllerArgs, DemoUsage, formatDuration, formatTable, isReady, type ObservedObject, parseDemoArgs, whereToLookNext, whyNotReady } from "../../../scripts/demo.ts";

const obj = (o: Partial<ObservedObject> & { conditions?: { type: string; status: string; reason?: string; message?: string }[]; generation?: number; observed?: number }): ObservedObject => ({
  kind: o.kind ?? "Service",
  metadata: { name: "web", namespace: "ecs-demo", generation: o.generation ?? 2 },
  ...(o.conditions ? { status: { observedGeneration: o.observed ?? o.generation ?? 2, conditions: o.conditions } } : {}),
});

describe("demo flags", () => {
  it("defaults: stay up, 300 s, namespace ecs-demo, examples/, start a controller", () => {
    const o = parseDemoArgs([]);
    expect(o).toMatchObject({ once: false, timeoutSeconds: 300, namespace: "ecs-demo", controller: true });
    expect(o.examples.endsWith("/examples")).toBe(true);
  });
  it("--once --timeout 60 --namespace shop --no-controller", () => {
    expect(parseDemoArgs(["--once", "--timeout", "60", "--namespace", "shop", "--no-controller"])).toMatchObject({ once: true, timeoutSeconds: 60, namespace: "shop", controller: false });
  });
  it.each([
    [["--timeout", "soon"], /--timeout "soon"/],
    [["--namespace", "Shop_1"], /--namespace "Shop_1"/],
    [["extra"], /unexpected argument "extra"/],
  ])("%j is refused with a message naming it", (args, message) => {
    expect(() => parseDemoArgs(args)).toThrow(message);
  });
  it("an unknown flag is refused", () => {
    expect(() => parseDemoArgs(["--fast"])).toThrow(/--fast/);
  });
  it("--help is usage with exit code 0", () => {
    try {
      parseDemoArgs(["--help"]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DemoUsage);
      expect((err as DemoUsage).exitCode).toBe(0);
    }
  });
});

describe("readiness", () => {
  it("Ready=True for the observed generation is Ready", () => {
    expect(isReady(obj({ conditions: [{ type: "Ready", status: "True" }] }))).toBe(true);
  });
  it("Ready=True for an older generation is not Ready", () => {
    expect(isReady(obj({ generation: 3, observed: 2, conditions: [{ type: "Ready", status: "True" }] }))).toBe(false);
  });
  it("no status is not Ready, and the explanation asks whether the kind's controller runs", () => {
    expect(isReady(obj({ kind: "Task" }))).toBe(false);
    expect(whyNotReady(obj({ kind: "Task" }))).toBe("no status yet: is the Task controller running? (see the controller log)");
  });
  it("the explanation lists every condition with reason and message", () => {
    const o = obj({ conditions: [{ type: "Ready", status: "False", reason: "DeploymentUnavailable", message: "1/4 tasks running" }, { type: "Stalled", status: "False" }] });
    expect(whyNotReady(o)).toBe("Ready=False DeploymentUnavailable: 1/4 tasks running; Stalled=False");
  });
  it("the explanation says when the generation is not observed yet", () => {
    expect(whyNotReady(obj({ generation: 3, observed: 2, conditions: [{ type: "Ready", status: "True" }] }))).toMatch(/^generation 3 not observed yet; Ready=True/);
  });
});

describe("output", () => {
  it("the fallback table has a header and a row per object with its Ready status and reason", () => {
    const table = formatTable([obj({ conditions: [{ type: "Ready", status: "True", reason: "Reconciled" }] }), obj({ kind: "Task" })]);
    expect(table.split("\n")).toEqual([
      "KIND      NAMESPACE   NAME   READY   REASON",
      "Service   ecs-demo    web    True    Reconciled",
      "Task      ecs-demo    web    -",
    ]);
  });
  it.each([
    [4_000, "4s"],
    [61_000, "1m01s"],
    [1_500_000, "25m00s"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("where to look next", () => {
  const lines = whereToLookNext({ kubeconfig: "/tmp/k", namespace: "ecs-demo", controllerLog: "/tmp/controller.log" });
  it("lists the kinds of children the controllers create, and no CronJobs or Jobs (a ScheduledTask run is a Task)", () => {
    expect(lines).toContain("  kubectl get deploy,ds,pods,svc,ingress,hpa,pdb -n ecs-demo -o wide    # what the controllers made");
    expect(lines.join("\n")).not.toMatch(/cronjob|\bjobs?\b/i);
  });
  it("shows the Task objects with the label that names their ScheduledTask", () => {
    expect(lines.join("\n")).toContain("kubectl get ecstask -n ecs-demo -L ecs.operator.dev/scheduled-task");
  });
  it("on the local control plane, tells how to load storefront-web (kwok's cpu-utilization annotation) and watch it scale", () => {
    const local = whereToLookNext({ kubeconfig: "/tmp/k", namespace: "ecs-demo", localControlPlane: true }).join("\n");
    expect(local).toContain("kubectl annotate pods -n ecs-demo -l ecs.operator.dev/service=storefront-web kwok.ecs-operator.dev/cpu-utilization=90 --overwrite");
    expect(local).toContain("kubectl get hpa,ecsservice -n ecs-demo -w");
    expect(local).toContain("kwok.ecs-operator.dev/cpu-utilization-");
    // Elsewhere the annotation means nothing: kwok is not the kubelet there.
    expect(lines.join("\n")).not.toContain("cpu-utilization");
  });
  it("tells how to deploy a new revision of checkout-web BLUE_GREEN, watch its stages and roll it back", () => {
    const text = lines.join("\n");
    expect(text).toContain(`kubectl patch td checkout-web -n ecs-demo --type json -p '[{"op":"replace","path":"/spec/containerDefinitions/0/image","value":"ghcr.io/example/checkout-web:2.5.0"}]'`);
    expect(text).toContain("kubectl get ecsservice checkout-web -n ecs-demo -w");
    expect(text).toContain("ecs.operator.dev/rollback=");
  });
  it("names the controller log only when the demo started the controller", () => {
    expect(lines.join("\n")).toContain("less /tmp/controller.log");
    expect(whereToLookNext({ kubeconfig: "/tmp/k", namespace: "ecs-demo" }).join("\n")).not.toContain("controller.log");
  });
});

describe("the demo's controller", () => {
  it("uses the ecs-binpack profile on the local control plane, whose scheduler runs it", () => {
    expect(controllerArgs({ kubeconfig: "/k", namespace: "ecs-demo", localControlPlane: true })).toEqual(
      expect.arrayContaining(["run", "--namespace", "ecs-demo", "--binpack-scheduler-name", "ecs-binpack"]),
    );
  });
  it("names no scheduler on a cluster of KUBECONFIG (binpack becomes a preferred affinity there)", () => {
    expect(controllerArgs({ kubeconfig: "/k", namespace: "ecs-demo", localControlPlane: false })).not.toContain("--binpack-scheduler-name");
  });
  it("shortens a deployment minute on the local control plane only, so the blue/green bake ends within the demo", () => {
    const args = controllerArgs({ kubeconfig: "/k", namespace: "ecs-demo", localControlPlane: true });
    expect(args[args.indexOf("--deployment-minute-seconds") + 1]).toBe("6");
    expect(controllerArgs({ kubeconfig: "/k", namespace: "ecs-demo", localControlPlane: false })).not.toContain("--deployment-minute-seconds");
  });
});
