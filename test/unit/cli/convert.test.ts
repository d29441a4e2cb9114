// `ecs-operator convert` on fixtures written for these tests: what becomes which manifest, what is dropped with
// a note, and refusals that name the file and the field.
import { fileURLToPath } from "node:url";
import { load, loadAll } from "js-yaml";
import { describe, expect, it } from "vitest";
import { admit } from "../../../src/api/admission.ts";
import { convertEcsDocument, CliError, fileStem, toManifestName } from "../../../src/cli/convert.ts";
import { main } from "../../../src/cli/main.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  const errs: string[] = [];
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (l) => errs.push(l), env: {} });
  return { code, stdout, stderr: errs.join("\n") };
}

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };

describe("convert: task definitions", () => {
  it("a RegisterTaskDefinition input becomes a TaskDefinition named after its family, spec verbatim", async () => {
    const { code, stdout, stderr } = await cli("convert", "-f", fixture("checkout-api.json"));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const doc = load(stdout) as Doc;
    expect(doc).toMatchObject({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "TaskDefinition", metadata: { name: "checkout-api" } });
    expect(doc.spec.family).toBe("checkout_api");
    expect(doc.spec.cpu).toBe("0.5 vCPU");
    expect(admit(doc)).toEqual([]);
  });

  it("the describe envelope is unwrapped, read-only fields are dropped with a note, tags move into the spec", async () => {
    const { code, stdout, stderr } = await cli("convert", "-f", fixture("checkout-api-described.json"));
    expect(code).toBe(0);
    expect(stderr).toContain('checkout-api-described.json: unwrapped the {"taskDefinition": {...}} envelope');
    expect(stderr).toContain("dropped read-only fields of a DescribeTaskDefinition export: taskDefinitionArn, revision, status, compatibilities, requiresAttributes, registeredAt, registeredBy");
    const doc = load(stdout) as Doc;
    for (const f of ["taskDefinitionArn", "revision", "status", "compatibilities", "requiresAttributes", "registeredAt", "registeredBy"]) expect(doc.spec).not.toHaveProperty(f);
    expect(doc.spec.tags).toEqual([{ key: "team", value: "payments" }]);
    expect(doc.metadata.name).toBe("checkout-api");
  });

  it("without a family, the name comes from the file name; unknown fields are kept with a note", async () => {
    const { code, stdout, stderr } = await cli("convert", "-f", fixture("worker-no-family.json"));
    expect(code).toBe(0);
    expect(stderr).toContain("no family; metadata.name is taken from the file name: worker-no-family");
    expect(stderr).toContain("spec.platformFamily is not a RegisterTaskDefinition field; kept as written");
    const doc = load(stdout) as Doc;
    expect(doc.metadata.name).toBe("worker-no-family");
    expect(doc.spec).not.toHaveProperty("family");
    expect(doc.spec.platformFamily).toBe("Linux");
  });

  it("a Fargate size the API server refuses is refused here, naming the file and spec.memory", async () => {
    const { code, stdout, stderr } = await cli("convert", "-f", fixture("bad-fargate-size.json"));
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.split("\n");
    expect(lines[0]).toMatch(/^error: .*bad-fargate-size\.json: spec\.memory: Invalid value: spec\.memory: with requiresCompatibilities FARGATE, cpu and memory must be a Fargate task size/);
    expect(lines.at(-1)).toMatch(/bad-fargate-size\.json: TaskDefinition reports would be refused by the API server$/);
  });

  it("notes gathered before a refusal are printed after it", async () => {
    const { code, stderr } = await cli("convert", "-f", fixture("tiny-no-family.json"));
    expect(code).toBe(1);
    expect(stderr.split("\n").map((l) => l.replace(/^(error: )?.*fixtures\//, "$1"))).toEqual([
      "error: tiny-no-family.json: spec.containerDefinitions[0].memory: Invalid value: 2: spec.containerDefinitions[0].memory in body should be greater than or equal to 4",
      "error: tiny-no-family.json: TaskDefinition tiny-no-family would be refused by the API server",
      "tiny-no-family.json: no family; metadata.name is taken from the file name: tiny-no-family",
    ]);
  });

  it("a dependsOn cycle of three (which ECS refuses at registration) is refused, naming dependsOn", async () => {
    const { code, stderr } = await cli("convert", "-f", fixture("cycle-of-three.json"));
    expect(code).toBe(1);
    expect(stderr).toContain('cycle-of-three.json: spec.containerDefinitions[0].dependsOn: containers "a" → "b" → "c" → "a"');
    expect(stderr).toContain("cycle-of-three.json: TaskDefinition loop would not register (ECS refuses it too)");
  });

  it("-n sets the namespace; several files print several documents", async () => {
    const { code, stdout } = await cli("convert", "-n", "shop", "-f", fixture("checkout-api.json"), "-f", fixture("storefront-service.json"));
    expect(code).toBe(0);
    const docs = loadAll(stdout) as Doc[];
    expect(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace])).toEqual([
      ["TaskDefinition", "checkout-api", "shop"],
      ["Service", "storefront-web", "shop"],
    ]);
  });
});

describe("convert: services and tasks", () => {
  it("a CreateService input becomes a Service; a cluster ARN becomes the Cluster name", async () => {
    const { code, stdout, stderr } = await cli("convert", "-f", fixture("storefront-service.json"));
    expect(code).toBe(0);
    expect(stderr).toContain('spec.cluster: the cluster ARN arn:aws:ecs:us-east-2:444455556666:cluster/Prod.Cluster becomes the Cluster name "Prod.Cluster"');
    const doc = load(stdout) as Doc;
    expect(doc).toMatchObject({ kind: "Service", metadata: { name: "storefront-web" } });
    expect(doc.spec).toMatchObject({ serviceName: "Storefront_Web", cluster: "Prod.Cluster", desiredCount: 3, taskDefinition: "arn:aws:ecs:us-east-2:444455556666:task-definition/storefront:41" });
  });

  it("a strategy with two bases is refused with the API server's message", async () => {
    const { code, stderr } = await cli("convert", "-f", fixture("bad-service-base-twice.json"));
    expect(code).toBe(1);
    expect(stderr).toContain('spec.capacityProviderStrategy: Invalid value: spec.capacityProviderStrategy: only one item may set base, but "FARGATE_SPOT" sets it too');
  });

  it("a RunTask input becomes a Task named after the file", async () => {
    const { code, stdout } = await cli("convert", "-f", fixture("run-migration.json"));
    expect(code).toBe(0);
    expect(load(stdout)).toMatchObject({ kind: "Task", metadata: { name: "run-migration" }, spec: { taskDefinition: "migrate:4", count: 1 } });
  });

  it("the {\"service\": {...}} envelope of CreateService output is unwrapped and its read-only fields dropped", () => {
    const res = convertEcsDocument({ service: { serviceName: "api", taskDefinition: "api:1", serviceArn: "arn:aws:ecs:eu-west-1:1:service/c/api", runningCount: 2, events: [] } }, "out.json");
    expect(res.manifests[0]?.spec).toEqual({ serviceName: "api", taskDefinition: "api:1" });
    expect(res.notes.join("\n")).toContain("dropped read-only fields of a DescribeServices export: serviceArn, runningCount, events");
  });
});

describe("convert: input that is not ECS JSON", () => {
  it("invalid JSON names the file and the position", async () => {
    const { code, stderr } = await cli("convert", "-f", fixture("not-json.json"));
    expect(code).toBe(1);
    expect(stderr).toMatch(/not-json\.json: not valid JSON: Unexpected token/);
  });

  it("an object that is neither a task nor a service definition says so", async () => {
    const { code, stderr } = await cli("convert", "-f", fixture("neither.json"));
    expect(code).toBe(1);
    expect(stderr).toContain("neither.json: neither a task definition (it has no containerDefinitions) nor a service definition (no CreateService field); its fields are: hello");
  });

  it("a missing file, a missing -f and an unknown flag are refused", async () => {
    expect((await cli("convert", "-f", "/nonexistent/td.json")).stderr).toContain("/nonexistent/td.json: cannot read: no such file");
    expect((await cli("convert")).stderr).toContain("convert: -f FILE is required");
    const unknown = await cli("convert", "--bogus");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("convert: Unknown option '--bogus'");
  });

  it("a JSON array is not a definition", () => {
    expect(() => convertEcsDocument([], "list.json")).toThrow(new CliError("list.json: expected a JSON object (a task or service definition), found a JSON array"));
  });
});

describe("names", () => {
  it.each([
    ["checkout_api", "checkout-api"],
    ["Storefront.Web", "storefront-web"],
    ["--x--", "x"],
    ["___", ""],
  ])("%s → %s", (input, name) => {
    expect(toManifestName(input)).toBe(name);
  });
  it("a name longer than 63 is cut with a hash of the whole name, so two long names stay apart", () => {
    const a = toManifestName(`${"a".repeat(80)}-one`);
    const b = toManifestName(`${"a".repeat(80)}-two`);
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^a+-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
  });
  it("the file stem drops directories and the extension", () => {
    expect(fileStem("/tmp/defs/web.task.json")).toBe("web.task");
  });
});

describe("version and help", () => {
  it("version prints the package version", async () => {
    expect((await cli("version")).stdout).toMatch(/^ecs-operator \d+\.\d+\.\d+\n$/);
  });
  it("help lists the commands, help COMMAND its flags", async () => {
    expect((await cli("help")).stdout).toContain("convert   convert ECS JSON");
    expect((await cli("help", "run")).stdout).toContain("--metrics-bind-address");
    expect((await cli("nope")).stderr).toContain('unknown command "nope"');
  });
});
