// The service's deployment limits over all its providers' Deployments, and drains (service/budget.ts): table rows for
// the rules, and a small model of the Kubernetes Deployment controller that runs whole rollouts, strategy changes and
// drains pass by pass and samples the service's task count after every step.
//
// ECS API reference, DeploymentConfiguration: maximumPercent is "the upper limit on the number of your service's tasks
// that are allowed in the RUNNING or PENDING state during a deployment, as a percentage of the desiredCount (rounded
// down to the nearest integer)"; minimumHealthyPercent "the lower limit on the number of your service's tasks that must
// remain in the RUNNING state during a deployment, as a percentage of the desiredCount (rounded up to the nearest
// integer)". Developer Guide, "Draining Amazon ECS container instances": "If the minimum is 100%, the service
// scheduler can't remove existing tasks until the replacement tasks are considered healthy."
import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { nodeDraining, planServiceBudget, type BudgetInput, type BudgetTask, type BudgetWorkload } from "../../../src/builders/service/budget.ts";

const OLD = "ecs-svc/1";
const NEW = "ecs-svc/2";

const settledWorkload = (name: string, share: number, id = OLD, replicas = share): BudgetWorkload => ({ name, share, cached: { replicas, deploymentId: id, paused: false, generation: 1, observedGeneration: 1, updatedReplicas: replicas } });
const running = (workload: string, n: number, id = OLD, more: Partial<BudgetTask> = {}): BudgetTask[] =>
  Array.from({ length: n }, (_, i) => ({ uid: `${workload}-${id}-${i}`, name: `${workload}-${i}`, workload, deploymentId: id, state: "running" as const, onDrainingNode: false, markedForRemoval: false, ...more }));
const input = (over: Partial<BudgetInput>): BudgetInput => ({ desiredCount: 3, targetId: NEW, workloads: [], obsolete: [], tasks: [], ...over });
const three = (id = OLD) => [settledWorkload("web-a", 1, id), settledWorkload("web-b", 1, id), settledWorkload("web-c", 1, id)];
const threeRunning = (id = OLD) => [...running("web-a", 1, id), ...running("web-b", 1, id), ...running("web-c", 1, id)];

describe("planServiceBudget: rules", () => {
  it.each<[string, BudgetInput, { replicas?: number[]; rolls?: string[] }]>([
    [
      "desired 3 over three providers at min 50 / max 100: one Deployment rolls (stop 1, start 1), the others wait paused",
      input({ deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 }, workloads: three(), tasks: threeRunning() }),
      { replicas: [1, 1, 1], rolls: ["surge 0 unavailable 1", "paused", "paused"] },
    ],
    [
      "default 100 / 200 over three providers: every Deployment surges its own share at once, none waits",
      input({ workloads: three(), tasks: threeRunning() }),
      { rolls: ["surge 1 unavailable 0", "surge 1 unavailable 0", "surge 1 unavailable 0"] },
    ],
    [
      "100 / 100 leaves no room: one task above maximumPercent for one Deployment at a time (surgeForced)",
      input({ deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100 }, workloads: three(), tasks: threeRunning() }),
      { rolls: ["surge 1 unavailable 0", "paused", "paused"] },
    ],
    [
      "a Deployment already rolled keeps no budget; the next one in strategy order gets it",
      input({ deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 }, workloads: [settledWorkload("web-a", 1, NEW), ...three(OLD).slice(1)], tasks: [...running("web-a", 1, NEW), ...running("web-b", 1), ...running("web-c", 1)] }),
      { rolls: ["surge 0 unavailable 0 (rolled)", "surge 0 unavailable 1", "paused"] },
    ],
    [
      "a Deployment still rolling (its new task PENDING) keeps the unavailability; the others wait",
      input({ deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 }, workloads: [settledWorkload("web-a", 1, NEW), ...three(OLD).slice(1)], tasks: [...running("web-a", 1, NEW, { state: "pending" }), ...running("web-b", 1), ...running("web-c", 1)] }),
      { rolls: ["surge 0 unavailable 1", "paused", "paused"] },
    ],
    [
      "strategy change at max 100: the new provider's Deployment cannot start until an old task stops",
      input({ deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 }, targetId: OLD, workloads: [{ ...settledWorkload("web-a", 3), share: 1 }, { name: "web-b", share: 2 }], tasks: running("web-a", 3) }),
      { replicas: [2, 0] },
    ],
    [
      "strategy change at 100 / 200: the new provider's Deployment starts its whole share before any old task stops",
      input({ targetId: OLD, workloads: [{ ...settledWorkload("web-a", 3), share: 1 }, { name: "web-b", share: 2 }], tasks: running("web-a", 3) }),
      { replicas: [3, 2] },
    ],
  ])("%s", (_n, i, want) => {
    const r = planServiceBudget(i);
    if (want.replicas !== undefined) expect(r.workloads.map((w) => w.replicas)).toEqual(want.replicas);
    // A Deployment that is not rolling gets the numbers it would roll with alone; they are not checked here.
    if (want.rolls !== undefined) expect(r.workloads.map((w, k) => (w.paused ? "paused" : want.rolls?.[k]?.endsWith("(rolled)") === true ? want.rolls[k] : `surge ${w.maxSurge} unavailable ${w.maxUnavailable}`))).toEqual(want.rolls);
  });

  it("a task above its Deployment's replicas (scaled down, its deletion not seen yet) is not room to stop another", () => {
    const r = planServiceBudget(input({ deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 }, targetId: OLD, workloads: [{ name: "web-a", share: 3 }], obsolete: [{ name: "web-b", replicas: 0 }, { name: "web-c", replicas: 2 }], tasks: [...running("web-b", 1), ...running("web-c", 2)] }));
    expect(r.obsoleteReplicas).toEqual([]);
  });

  it("obsolete Deployments shrink within minimumHealthyPercent and go once empty", () => {
    const r = planServiceBudget(input({ deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 }, targetId: OLD, workloads: [settledWorkload("web-b", 3)], obsolete: [{ name: "web-a", replicas: 3 }, { name: "web-gone", replicas: 0 }], tasks: [...running("web-a", 3), ...running("web-b", 0)] }));
    expect(r.obsoleteReplicas).toEqual([{ name: "web-a", replicas: 2 }]);
    expect(r.obsoleteGone).toEqual(["web-gone"]);
  });
});

describe("planServiceBudget: drains", () => {
  const node = (spec: V1Node["spec"]): V1Node => ({ metadata: { name: "n" }, spec });
  it.each<[string, V1Node, boolean]>([
    ["kubectl cordon / drain (spec.unschedulable)", node({ unschedulable: true }), true],
    ["the unschedulable taint", node({ taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] }), true],
    ["Karpenter's disruption taint", node({ taints: [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }] }), true],
    ["a schedulable node", node({}), false],
  ])("nodeDraining: %s → %s", (_n, n, want) => {
    expect(nodeDraining(n)).toBe(want);
  });

  const drainingTask = (marked: boolean): BudgetTask[] => running("web-a", 1, OLD, { uid: "on-drained-node", onDrainingNode: true, markedForRemoval: marked });
  it("100 / 200: a task on a draining node is marked and gets a replacement first (one more replica)", () => {
    const r = planServiceBudget(input({ targetId: OLD, workloads: [settledWorkload("web-a", 3)], tasks: [...running("web-a", 2), ...drainingTask(false)] }));
    expect(r.mark).toEqual(["on-drained-node"]);
    expect(r.workloads[0]?.replicas).toBe(4);
    expect(r.stop).toEqual([]);
  });
  it("100 / 200: once the replacement runs, the extra replica goes (the ReplicaSet stops the marked task first)", () => {
    const r = planServiceBudget(input({ targetId: OLD, workloads: [settledWorkload("web-a", 3, OLD, 4)], tasks: [...running("web-a", 3), ...drainingTask(true)] }));
    expect(r.workloads[0]?.replicas).toBe(3);
  });
  it("100 / 200: while the replacement is PENDING the extra replica stays", () => {
    const r = planServiceBudget(input({ targetId: OLD, workloads: [settledWorkload("web-a", 3, OLD, 4)], tasks: [...running("web-a", 2), ...running("web-a", 1, OLD, { uid: "replacement", state: "pending" }), ...drainingTask(true)] }));
    expect(r.workloads[0]?.replicas).toBe(4);
  });
  it("50 / 100 (no room above desiredCount): the task is stopped first, within minimumHealthyPercent", () => {
    const r = planServiceBudget(input({ deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 }, targetId: OLD, workloads: [settledWorkload("web-a", 3)], tasks: [...running("web-a", 2), ...drainingTask(false)] }));
    expect(r.stop).toEqual(["on-drained-node"]);
    expect(r.workloads[0]?.replicas).toBe(3);
  });
  it("a PENDING task on a draining node is stopped at once", () => {
    const r = planServiceBudget(input({ targetId: OLD, workloads: [settledWorkload("web-a", 1)], tasks: running("web-a", 1, OLD, { uid: "pending-there", state: "pending", onDrainingNode: true }) }));
    expect(r.stop).toEqual(["pending-there"]);
  });
  it("a marked task whose node is schedulable again loses its mark", () => {
    const r = planServiceBudget(input({ targetId: OLD, workloads: [settledWorkload("web-a", 1)], tasks: running("web-a", 1, OLD, { uid: "back", markedForRemoval: true }) }));
    expect(r.unmark).toEqual(["back"]);
  });
});

// A model of what Kubernetes does with the plan's Deployments: the Deployment controller (rolling update within maxSurge
// and maxUnavailable, paused ones only scale, ReplicaSets remove pending pods first, then the marked ones), a cluster of
// `capacity` task slots (pods past it stay PENDING), and pods that start RUNNING one step after they are placed.
interface ModelPod { uid: string; workload: string; id: string; state: "pending" | "running"; draining: boolean; marked: boolean }
interface ModelDeployment { name: string; replicas: number; template: string; paused: boolean; maxSurge: number; maxUnavailable: number }

class Cluster {
  pods: ModelPod[] = [];
  deployments = new Map<string, ModelDeployment>();
  private seq = 0;
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  private create(w: string, id: string): void {
    this.pods.push({ uid: `p${++this.seq}`, workload: w, id, state: "pending", draining: false, marked: false });
  }
  private remove(pod: ModelPod | undefined): void {
    this.pods = this.pods.filter((p) => p !== pod);
  }
  /** The ReplicaSet's choice when it scales down: pending first, then marked, then the rest. */
  private victim(pods: ModelPod[]): ModelPod | undefined {
    return [...pods].sort((a, b) => (a.state === b.state ? Number(b.marked) - Number(a.marked) : a.state === "pending" ? -1 : 1))[0];
  }

  stepKubernetes(): void {
    for (const d of this.deployments.values()) {
      const mine = () => this.pods.filter((p) => p.workload === d.name);
      if (d.paused) {
        while (mine().length < d.replicas) this.create(d.name, mine()[0]?.id ?? d.template);
        while (mine().length > d.replicas) this.remove(this.victim(mine()));
        continue;
      }
      // Scale down old pods within maxUnavailable (not-running old ones go at once), then surge new ones.
      for (const p of mine().filter((x) => x.id !== d.template && x.state === "pending")) this.remove(p);
      const available = () => mine().filter((x) => x.state === "running").length;
      for (const p of mine().filter((x) => x.id !== d.template)) {
        if (available() - 1 >= d.replicas - d.maxUnavailable) this.remove(p);
      }
      while (mine().length < d.replicas + d.maxSurge && mine().filter((x) => x.id === d.template).length < d.replicas) this.create(d.name, d.template);
      while (mine().filter((x) => x.id === d.template).length > d.replicas) this.remove(this.victim(mine().filter((x) => x.id === d.template)));
    }
  }
  /** Placed pods start; a cluster of fixed capacity leaves the rest PENDING. */
  stepKubelet(): void {
    let used = this.pods.filter((p) => p.state === "running").length;
    for (const p of this.pods) if (p.state === "pending" && !p.draining && used < this.capacity) { p.state = "running"; used++; }
  }
}

function pass(c: Cluster, desiredCount: number, shares: Record<string, number>, targetId: string, config: BudgetInput["deploymentConfiguration"]): ReturnType<typeof planServiceBudget> {
  const workloads: BudgetWorkload[] = Object.entries(shares).map(([name, share]) => {
    const d = c.deployments.get(name);
    const pods = c.pods.filter((p) => p.workload === name);
    return { name, share, cached: d === undefined ? undefined : { replicas: d.replicas, deploymentId: d.template, paused: d.paused, generation: 1, observedGeneration: 1, updatedReplicas: d.paused ? 0 : pods.filter((p) => p.id === d.template).length } };
  });
  const obsolete = [...c.deployments.values()].filter((d) => !(d.name in shares)).map((d) => ({ name: d.name, replicas: d.replicas }));
  const tasks: BudgetTask[] = c.pods.map((p) => ({ uid: p.uid, name: p.uid, workload: p.workload, deploymentId: p.id, state: p.state, onDrainingNode: p.draining, markedForRemoval: p.marked }));
  const r = planServiceBudget({ desiredCount, deploymentConfiguration: config, targetId, workloads, obsolete, tasks });
  for (const w of r.workloads) c.deployments.set(w.name, { name: w.name, replicas: w.replicas, template: targetId, paused: w.paused, maxSurge: w.maxSurge, maxUnavailable: w.maxUnavailable });
  for (const o of r.obsoleteReplicas) { const d = c.deployments.get(o.name); if (d) d.replicas = o.replicas; }
  for (const name of r.obsoleteGone) c.deployments.delete(name);
  for (const p of c.pods) if (r.mark.includes(p.uid)) p.marked = true;
  c.pods = c.pods.filter((p) => !r.stop.includes(p.uid));
  return r;
}

/** Runs passes until the cluster runs `done`, sampling the task counts after every Kubernetes step. */
function runUntil(c: Cluster, desired: number, shares: Record<string, number>, target: string, config: BudgetInput["deploymentConfiguration"], done: (c: Cluster) => boolean): { maxTotal: number; minRunning: number; steps: number } {
  let maxTotal = 0;
  let minRunning = Infinity;
  for (let steps = 1; steps <= 60; steps++) {
    pass(c, desired, shares, target, config);
    c.stepKubernetes();
    maxTotal = Math.max(maxTotal, c.pods.length);
    minRunning = Math.min(minRunning, c.pods.filter((p) => p.state === "running").length);
    c.stepKubelet();
    if (done(c)) return { maxTotal, minRunning, steps };
  }
  throw new Error(`not done after 60 passes: ${JSON.stringify(c.pods)}`);
}
const allOn = (id: string, n: number) => (c: Cluster) => c.pods.length === n && c.pods.every((p) => p.id === id && p.state === "running" && !p.draining);

describe("planServiceBudget: whole rollouts on a model of Kubernetes", () => {
  const shares = { "web-a": 1, "web-b": 1, "web-c": 1 };
  const start = (capacity: number, config: BudgetInput["deploymentConfiguration"], s: Record<string, number> = shares): Cluster => {
    const c = new Cluster(capacity);
    runUntil(c, 3, s, OLD, config, allOn(OLD, 3));
    return c;
  };

  it.each<[string, number, number, number, number]>([
    // [name, minimumHealthyPercent, maximumPercent, fewest running, most tasks]
    ["min 50 / max 100: never more than 3 tasks, never fewer than 2 running", 50, 100, 2, 3],
    ["min 100 / max 200: never fewer than 3 running, never more than 6 tasks", 100, 200, 3, 6],
    ["min 0 / max 100: never more than 3 tasks", 0, 100, 0, 3],
    ["min 100 / max 100: 3 running throughout, one task above the maximum at most (surgeForced)", 100, 100, 3, 4],
  ])("desired 3 over three providers, a new revision, %s", (_n, min, max, fewest, most) => {
    const config = { minimumHealthyPercent: min, maximumPercent: max };
    const c = start(Math.max(most, 3), config);
    const r = runUntil(c, 3, shares, NEW, config, allOn(NEW, 3));
    expect(r.maxTotal).toBeLessThanOrEqual(most);
    expect(r.minRunning).toBeGreaterThanOrEqual(fewest);
  });

  it("a fixed-capacity cluster (room for exactly 3 tasks) completes the 50 / 100 rollout", () => {
    const config = { minimumHealthyPercent: 50, maximumPercent: 100 };
    const c = start(3, config);
    const r = runUntil(c, 3, shares, NEW, config, allOn(NEW, 3));
    expect(r.maxTotal).toBe(3);
  });

  it.each<[string, number, number, number, number]>([
    ["min 50 / max 100", 50, 100, 2, 3],
    ["min 100 / max 200", 100, 200, 3, 6],
  ])("a strategy change (all on web-a → one on each of three) stays within the limits: %s", (_n, min, max, fewest, most) => {
    const config = { minimumHealthyPercent: min, maximumPercent: max };
    const c = start(most, config, { "web-a": 3 });
    const r = runUntil(c, 3, shares, OLD, config, (x) => allOn(OLD, 3)(x) && ["web-a", "web-b", "web-c"].every((w) => x.pods.filter((p) => p.workload === w).length === 1) && x.deployments.size === 3);
    expect(r.maxTotal).toBeLessThanOrEqual(most);
    expect(r.minRunning).toBeGreaterThanOrEqual(fewest);
  });

  it("a drain at 100 / 200: replacements first, running never below desired, the node empties", () => {
    const config = { minimumHealthyPercent: 100, maximumPercent: 200 };
    const c = start(6, config, { "web-a": 3 });
    for (const p of c.pods.slice(0, 2)) p.draining = true;
    const r = runUntil(c, 3, { "web-a": 3 }, OLD, config, (x) => x.pods.length === 3 && x.pods.every((p) => !p.draining && p.state === "running"));
    expect(r.minRunning).toBe(3);
    expect(r.maxTotal).toBeLessThanOrEqual(6);
  });

  it("a drain at 50 / 100: stops first within the minimum, never more than 3 tasks", () => {
    const config = { minimumHealthyPercent: 50, maximumPercent: 100 };
    const c = start(3, config, { "web-a": 3 });
    const first = c.pods[0];
    if (first) first.draining = true;
    const r = runUntil(c, 3, { "web-a": 3 }, OLD, config, (x) => x.pods.length === 3 && x.pods.every((p) => !p.draining && p.state === "running"));
    expect(r.minRunning).toBeGreaterThanOrEqual(2);
    expect(r.maxTotal).toBeLessThanOrEqual(3);
  });
});
