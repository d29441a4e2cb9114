// `ecs-operator render`: the objects the controller would create, offline, from manifests or ECS JSON.
import { fileURLToPath } from "node:url";
import { loadAll } from "js-yaml";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  const errs: string[] = [];
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (l) => errs.push(l), env: {} });
  return { code, stdout, stderr: errs.join("\n") };
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; template?: { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; image: string }[]; serviceAccountName?: string } } };

describe("render", () => {
  it("a TaskDefinition manifest becomes a v1 PodTemplate named NAME-REVISION, its ServiceAccount, and the Secrets it reads as comments", async () => {
    const { code, stdout, stderr } = await cli("render", "-f", fixture("payments-worker.yaml"), "-n", "payments");
    expect(code).toBe(0);
    const docs = loadAll(stdout).filter((d) => d !== null && d !== undefined) as Obj[];
    const [template, sa] = docs;
    expect(template).toMatchObject({ apiVersion: "v1", kind: "PodTemplate", metadata: { name: "payments-worker-1", namespace: "payments" } });
    expect(template?.template?.metadata.labels).toMatchObject({ "ecs.operator.dev/family": "payments-worker", "ecs.operator.dev/revision": "1" });
    expect(template?.template?.spec.containers[0]).toMatchObject({ name: "worker", image: "example.com/payments/worker:7" });
    expect(sa).toMatchObject({ apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: "payments", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::444455556666:role/payments-worker" } } });
    expect(template?.template?.spec.serviceAccountName).toBe(sa?.metadata.name);
    expect(stdout).toMatch(/^# TaskDefinition payments-worker \(payments-worker:1\) needs these, which must exist in the namespace:$/m);
    expect(stdout).toMatch(/^# {3}Secret \S+ key \S+, for arn:aws:secretsmanager:us-east-2:444455556666:secret:payments\/db-AbCdEf$/m);
    // The unknown field is reported, not dropped silently.
    expect(stderr).toContain("payments-worker.yaml: TaskDefinition payments-worker: spec.containerDefinitions[0].proxyFeature is not mapped to Kubernetes");
  });

  it("ConfigMaps of environmentFiles and claims of shared volumes are listed as needed", async () => {
    const { code, stdout } = await cli("render", "-f", fixture("shared-cache.json"));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# {3}ConfigMap \S+, for arn:aws:s3:::example-config\/cache\.env$/m);
    expect(stdout).toMatch(/^# {3}PersistentVolumeClaim \S+, for volume "data"$/m);
  });

  it("--revision names the revision rendered", async () => {
    const { stdout } = await cli("render", "-f", fixture("payments-worker.yaml"), "--revision", "7");
    expect(stdout).toContain("name: payments-worker-7");
    expect(stdout).toContain("ecs.operator.dev/revision: '7'");
  });

  it("ECS JSON is converted first", async () => {
    const { code, stdout } = await cli("render", "-f", fixture("checkout-api.json"));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^kind: PodTemplate$/m);
    expect(stdout).toContain("name: checkout-api-1");
  });

  it("what would not register is refused, naming the file and the field", async () => {
    const { code, stderr } = await cli("render", "-f", fixture("cycle-of-three.json"));
    expect(code).toBe(1);
    expect(stderr).toContain('cycle-of-three.json: spec.containerDefinitions[0].dependsOn: containers "a" → "b" → "c" → "a"');
  });

  it("kinds without a builder yet are refused by name", async () => {
    const { code, stderr } = await cli("render", "-f", fixture("payments-service.yaml"));
    expect(code).toBe(1);
    expect(stderr).toContain("payments-service.yaml: Service payments: render handles TaskDefinitions so far");
  });

  it("a bad --revision is refused", async () => {
    expect((await cli("render", "-f", fixture("checkout-api.json"), "--revision", "0")).stderr).toContain('render: --revision "0" is not a positive whole number');
  });
});
