// The one ServiceAccount a task role becomes (src/builders/task/role-service-account.ts), one row per rule.
import { describe, expect, it } from "vitest";
import { buildTaskRoleServiceAccount, mayWriteTaskRoleServiceAccount } from "../../../src/builders/task/role-service-account.ts";
import { buildPodTemplate } from "../../../src/builders/pod/template.ts";

const OWNER = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", name: "batch", uid: "td-uid" };
const template = (taskRoleArn: string) =>
  buildPodTemplate({ family: "batch", taskRoleArn, containerDefinitions: [{ name: "app", image: "app:1", memory: 256 }] }, { namespace: "jobs", family: "batch", revision: 1 });
const saOf = (taskRoleArn: string) => {
  const sa = template(taskRoleArn).serviceAccount;
  if (sa === undefined) throw new Error("fixture: no ServiceAccount for the task role");
  return sa;
};

describe("buildTaskRoleServiceAccount", () => {
  it("an IAM role ARN → a ServiceAccount named after the role, with the EKS IRSA annotation", () => {
    const sa = buildTaskRoleServiceAccount(saOf("arn:aws:iam::123456789012:role/app/reporting"), OWNER);
    expect(sa.metadata).toMatchObject({ name: "reporting", namespace: "jobs", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/app/reporting" } });
    expect(sa.automountServiceAccountToken).toBe(true);
  });
  it("owned, not controlled, by the TaskDefinition: garbage-collected with it, shared by every service and task of the family", () => {
    expect(buildTaskRoleServiceAccount(saOf("arn:aws:iam::123456789012:role/reporting"), OWNER).metadata.ownerReferences).toEqual([OWNER]);
  });
  it("labelled managed-by ecs-operator, so that it can be told from a user's own", () => {
    expect(buildTaskRoleServiceAccount(saOf("arn:aws:iam::123456789012:role/reporting"), OWNER).metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "ecs-operator" });
  });
  it("without an owner (render: the manifest has no uid yet) → no owner reference", () => {
    expect(buildTaskRoleServiceAccount(saOf("arn:aws:iam::123456789012:role/reporting"), undefined).metadata).not.toHaveProperty("ownerReferences");
  });
  it("every caller builds the same object for the same role (one shape for Tasks, Services and render)", () => {
    const sa = saOf("arn:aws:iam::123456789012:role/reporting");
    expect(buildTaskRoleServiceAccount(sa, OWNER)).toEqual(buildTaskRoleServiceAccount(structuredClone(sa), { ...OWNER }));
  });
});

describe("mayWriteTaskRoleServiceAccount", () => {
  it.each<[string, { metadata?: { labels?: Record<string, string> } } | undefined, boolean]>([
    ["none of that name yet → ours to create", undefined, true],
    ["ours (managed-by ecs-operator) → ours to update", { metadata: { labels: { "app.kubernetes.io/managed-by": "ecs-operator" } } }, true],
    ["a user's own (no label) → left alone", { metadata: {} }, false],
    ["another tool's (managed-by Helm) → left alone", { metadata: { labels: { "app.kubernetes.io/managed-by": "Helm" } } }, false],
  ])("%s", (_name, existing, want) => {
    expect(mayWriteTaskRoleServiceAccount(existing)).toBe(want);
  });
});
