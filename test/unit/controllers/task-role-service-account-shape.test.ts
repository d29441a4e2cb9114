// One shape everywhere: the ServiceAccount a task role becomes is the same object whether the Service controller,
// the Task controller or `render` (for the TaskDefinition, a Service or a Task) makes it, and a user's own
// ServiceAccount of that name is left alone by both controllers.
import { loadAll } from "js-yaml";
import { describe, expect, it } from "vitest";
import { renderAll, type Sourced } from "../../../src/cli/render.ts";
import type { Manifest } from "../../../src/cli/convert.ts";
import { resolveCapacity } from "../../../src/builders/capacity/resolution.ts";
import { buildControllerRevision, normalizeRevisionSpec } from "../../../src/builders/task-definition/revision.ts";
import type { TaskObject } from "../../../src/controllers/ecs-resources.ts";
import { planService } from "../../../src/controllers/service/plan.ts";
import { planTask } from "../../../src/controllers/task/plan.ts";
import { lookupOf, resolveTaskDefinitionRef } from "../../../src/controllers/task-definition/resolver.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";
import { aRevision, aService, NAMESPACE, NOW, observing } from "./service-plan-fixtures.ts";

const ROLE = "arn:aws:iam::123456789012:role/web-role";
const TD_UID = "uid-td";

/** The Service controller's ServiceAccount apply for TaskDefinition web with the task role (none: undefined). */
function fromService(serviceAccounts: KubeObject[] = []): KubeObject | undefined {
  const plan = planService(observing(aService(), { revisions: [aRevision(1, { taskRoleArn: ROLE })], serviceAccounts }), NOW);
  return plan.applies.find((a) => a.resource.kind === "ServiceAccount")?.object;
}

/** The Task controller's ServiceAccount for a Task of the same TaskDefinition (same spec, name, uid, namespace). */
function fromTask(existing?: KubeObject): KubeObject | undefined {
  const resolved = aRevision(1, { taskRoleArn: ROLE });
  if (!resolved.ok) throw new Error("fixture: revision does not resolve");
  const td = resolved.value.taskDefinition;
  const revision = buildControllerRevision({ apiVersion: td.apiVersion ?? "", kind: "TaskDefinition", name: "web", namespace: NAMESPACE, uid: TD_UID }, "web", 1, normalizeRevisionSpec(td.spec, "web"));
  const task: TaskObject = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Task", metadata: { name: "job", namespace: NAMESPACE, uid: "uid-job", generation: 1 }, spec: { taskDefinition: "web", launchType: "EC2" } };
  const plan = planTask({
    task,
    written: undefined,
    taskDefinition: resolveTaskDefinitionRef("web", NAMESPACE, lookupOf([td], [revision])),
    capacity: resolveCapacity(NAMESPACE, task.spec, undefined, []),
    pods: [],
    nodes: [],
    taskRoleServiceAccount: existing,
  }, NOW, { ttlSecondsAfterStopped: 3600, recheckMs: 30_000 });
  return plan.serviceAccounts[0];
}

/** What render prints as the ServiceAccount for the files holding `kinds` (a TaskDefinition first). */
function fromRender(...kinds: ("Service" | "Task")[]): KubeObject | undefined {
  const resolved = aRevision(1, { taskRoleArn: ROLE });
  if (!resolved.ok) throw new Error("fixture: revision does not resolve");
  const td: Manifest = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "web" }, spec: structuredClone(resolved.value.spec) };
  const others: Manifest[] = kinds.map((kind) => ({ apiVersion: "ecs.operator.dev/v1alpha1", kind, metadata: { name: kind.toLowerCase() }, spec: { taskDefinition: "web", launchType: "EC2" } }));
  // The TaskDefinition last, so that the ServiceAccount printed is the Service's or the Task's when there is one.
  const inputs: Sourced[] = [...others, td].map((manifest) => ({ file: "f.yaml", manifest }));
  const objects = renderAll(inputs, { namespace: NAMESPACE, now: NOW }).objects.filter((o): o is Record<string, unknown> => typeof o !== "string");
  return objects.find((o) => o.kind === "ServiceAccount");
}

const withoutOwners = (o: KubeObject | undefined): unknown => {
  if (o === undefined) return undefined;
  const { ownerReferences: _owners, ...metadata } = o.metadata ?? {};
  return { ...o, metadata };
};

describe("the task role's ServiceAccount has one shape", () => {
  it("the Service and the Task controller apply the same object, owned by the TaskDefinition", () => {
    const svc = fromService();
    expect(svc).toBeDefined();
    expect(fromTask()).toEqual(svc);
    expect(svc?.metadata?.ownerReferences).toEqual([{ apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", name: "web", uid: TD_UID }]);
    expect(svc?.metadata?.labels).toEqual({ "app.kubernetes.io/managed-by": "ecs-operator" });
    expect(svc?.metadata?.annotations).toEqual({ "eks.amazonaws.com/role-arn": ROLE });
  });

  it.each([
    ["the TaskDefinition", [] as ("Service" | "Task")[]],
    ["a Service", ["Service"] as ("Service" | "Task")[]],
    ["a Task", ["Task"] as ("Service" | "Task")[]],
  ])("render prints it for %s as the controllers apply it, without the owner reference (a manifest has no uid)", (_name, kinds) => {
    const printed = fromRender(...kinds);
    expect(printed).toBeDefined();
    expect(printed?.metadata?.ownerReferences).toBeUndefined();
    expect(printed).toEqual(withoutOwners(fromService()));
    // And as YAML it survives the round trip unchanged (nothing undefined left in it).
    expect(loadAll(JSON.stringify(printed))[0]).toEqual(printed);
  });

  it("a user's own ServiceAccount of that name (no managed-by label) is left alone by both controllers", () => {
    const mine: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "web-role", namespace: NAMESPACE } };
    expect(fromService([mine])).toBeUndefined();
    expect(fromTask(mine)).toBeUndefined();
    const ours = { ...mine, metadata: { ...mine.metadata, labels: { "app.kubernetes.io/managed-by": "ecs-operator" } } };
    expect(fromService([ours])).toBeDefined();
    expect(fromTask(ours)).toBeDefined();
  });
});
