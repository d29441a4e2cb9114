// `ecs-operator render`: the objects the controller would create, offline, from manifests or ECS JSON.
import { fileURLToPath } from "node:url";
import { loadAll } from "js-yaml";
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("a Service whose TaskDefinition is not in the files is refused, naming the file, the service and the reference", async () => {
    const { code, stderr } = await cli("render", "-f", fixture("payments-service.yaml"));
    expect(code).toBe(1);
    expect(stderr).toContain('error: ' + fixture("payments-service.yaml") + ': Service payments: spec.taskDefinition "payments-worker" is not in the files given');
    expect(stderr).not.toMatch(/\bat \S+\.ts:\d+/);
  });

  it("a bad --revision is refused", async () => {
    expect((await cli("render", "-f", fixture("checkout-api.json"), "--revision", "0")).stderr).toContain('render: --revision "0" is not a positive whole number');
  });
});

/** Files with these contents in a fresh directory; returns their paths in order. */
function files(contents: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), "render-"));
  return Object.entries(contents).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

const WEB_TASK_DEFINITION = `apiVersion: ecs.operator.dev/v1alpha1
kind: TaskDefinition
metadata: {name: web}
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - {name: app, image: "nginx:1.27", portMappings: [{name: http, containerPort: 8080}]}
`;
const EC2_TASK_DEFINITION = WEB_TASK_DEFINITION.replace("  requiresCompatibilities: [FARGATE]\n  networkMode: awsvpc\n", "");
const service = (spec: string, name = "web"): string => `apiVersion: ecs.operator.dev/v1alpha1
kind: Service
metadata: {name: ${name}}
spec:
${spec.trim().split("\n").map((l) => `  ${l}`).join("\n")}
`;

interface Child { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: unknown[] }; spec?: Record<string, unknown> & { replicas?: number; template?: { metadata: { labels: Record<string, string> } } } }
const children = (stdout: string): Child[] => (loadAll(stdout) as (Child | null)[]).filter((d): d is Child => d !== null && d.kind !== "PodTemplate");
const names = (docs: Child[]): string[] => docs.map((d) => `${d.kind}/${d.metadata.name}`);

describe("render: Services", () => {
  it("FARGATE base 1 weight 1 + FARGATE_SPOT weight 3, desiredCount 9 prints Deployments of 3 and 6 replicas", async () => {
    const [file = ""] = files({ "web.yaml": `${WEB_TASK_DEFINITION}---\n${service(`
taskDefinition: web
desiredCount: 9
capacityProviderStrategy:
  - {capacityProvider: FARGATE, base: 1, weight: 1}
  - {capacityProvider: FARGATE_SPOT, weight: 3}`)}` });
    const { code, stdout, stderr } = await cli("render", "-n", "shop", "-f", file);
    expect(code).toBe(0);
    const docs = children(stdout);
    expect(names(docs)).toEqual(["Deployment/web-fargate", "Deployment/web-fargate-spot", "PodDisruptionBudget/web"]);
    expect(docs.map((d) => d.spec?.replicas)).toEqual([3, 6, undefined]);
    expect(docs[0]?.metadata.namespace).toBe("shop");
    expect(docs[1]?.spec?.template?.metadata.labels).toMatchObject({ "ecs.operator.dev/service": "web", "ecs.operator.dev/capacity-provider": "FARGATE_SPOT" });
    // Owner references carry uids that exist only in the cluster.
    expect(docs.every((d) => d.metadata.ownerReferences === undefined)).toBe(true);
    expect(stderr).toContain("render: no CapacityProvider in the files: Services and Tasks use the built-in FARGATE, FARGATE_SPOT and EC2 providers");
    expect(stderr).toContain("render: no Cluster in the files");
  });

  it("every child of the Service controller: Deployment, Service and Ingress, HPA, PDB and the task role ServiceAccount", async () => {
    const [file = ""] = files({ "web.yaml": `${WEB_TASK_DEFINITION.replace("networkMode: awsvpc", "networkMode: awsvpc\n  taskRoleArn: arn:aws:iam::123456789012:role/web-role")}---\n${service(`
taskDefinition: web:1
launchType: FARGATE
desiredCount: 2
loadBalancers: [{containerName: app, containerPort: 8080}]
kubernetes: {ingress: {host: web.example.com}}
autoScaling:
  minCapacity: 2
  maxCapacity: 6
  targetTrackingScalingPolicies:
    - policyName: cpu
      targetTrackingScalingPolicyConfiguration: {targetValue: 60, predefinedMetricSpecification: {predefinedMetricType: ECSServiceAverageCPUUtilization}}`)}` });
    const { code, stdout, stderr } = await cli("render", "-f", file);
    expect(stderr).not.toContain("error:");
    expect(code).toBe(0);
    // The task role's ServiceAccount is printed once, with the TaskDefinition that owns it.
    expect(names(children(stdout))).toEqual(["ServiceAccount/web-role", "Deployment/web-fargate", "Service/web", "Ingress/web", "HorizontalPodAutoscaler/web", "PodDisruptionBudget/web"]);
  });

  it("a DAEMON service prints one DaemonSet per EC2-type provider and no PDB", async () => {
    const [file = ""] = files({ "agent.yaml": `${EC2_TASK_DEFINITION}---\n${service("taskDefinition: web\nschedulingStrategy: DAEMON\nlaunchType: EC2", "agent")}` });
    const { code, stdout, stderr } = await cli("render", "-f", file);
    expect(stderr).not.toContain("error:");
    expect(code).toBe(0);
    expect(names(children(stdout))).toEqual(["DaemonSet/agent-ec2"]);
  });

  it("the Cluster and CapacityProviders of the files are what the Service resolves against, whichever file holds them", async () => {
    const paths = files({
      "cluster.yaml": `apiVersion: ecs.operator.dev/v1alpha1
kind: CapacityProvider
metadata: {name: general-purpose}
spec: {type: EC2, kubernetes: {nodeSelector: {pool: general}}}
---
apiVersion: ecs.operator.dev/v1alpha1
kind: Cluster
metadata: {name: default}
spec:
  capacityProviders: [general-purpose]
  defaultCapacityProviderStrategy: [{capacityProvider: general-purpose, weight: 1}]
`,
      "web.yaml": `${EC2_TASK_DEFINITION}---\n${service("taskDefinition: web\ndesiredCount: 3")}`,
    });
    const { code, stdout, stderr } = await cli("render", ...paths.flatMap((p) => ["-f", p]));
    expect(code).toBe(0);
    const [deployment] = children(stdout);
    expect(deployment?.metadata.name).toBe("web-general-purpose");
    expect(deployment?.spec?.replicas).toBe(3);
    expect(JSON.stringify(deployment?.spec?.template)).toContain('"pool":"general"');
    expect(stderr).toContain("render: CapacityProviders from the files: general-purpose");
    expect(stderr).toContain("render: Clusters from the files: default");
  });

  it("a revision other than the one rendered is not in the files; --revision renders it", async () => {
    const [file = ""] = files({ "web.yaml": `${WEB_TASK_DEFINITION}---\n${service("taskDefinition: web:3\nlaunchType: FARGATE")}` });
    const refused = await cli("render", "-f", file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: ${file}: Service web: spec.taskDefinition "web:3" is not in the files given (its TaskDefinition is rendered as revision 1; pass --revision 3)`);
    const { code, stdout } = await cli("render", "-f", file, "--revision", "3");
    expect(code).toBe(0);
    expect(stdout).toContain("ecs.operator.dev/task-definition: web:3");
  });

  it("what the API server would refuse is refused with its message (DAEMON on FARGATE)", async () => {
    const [file = ""] = files({ "web.yaml": `${WEB_TASK_DEFINITION}---\n${service("taskDefinition: web\nschedulingStrategy: DAEMON\nlaunchType: FARGATE")}` });
    const { code, stderr } = await cli("render", "-f", file);
    expect(code).toBe(1);
    // Here the API server's own rule refuses it first, as kubectl apply would.
    expect(stderr).toContain(`error: ${file}: spec.schedulingStrategy: Invalid value: spec.schedulingStrategy: FARGATE does not support the DAEMON scheduling strategy`);
  });

  it("what the Service controller would refuse (Stalled) is refused with its message", async () => {
    const [file = ""] = files({ "web.yaml": `${WEB_TASK_DEFINITION}---\n${service("taskDefinition: web\ncapacityProviderStrategy: [{capacityProvider: nowhere, weight: 1}]")}` });
    const { code, stderr } = await cli("render", "-f", file);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${file}: Service web: spec.capacityProviderStrategy[0].capacityProvider`);
    expect(stderr).toContain("nowhere");
  });

  it("memberOf =~ patterns compile against the Nodes of --nodes; without it stderr says they matched none", async () => {
    const [file = "", nodes = ""] = files({
      "web.yaml": `${EC2_TASK_DEFINITION}---\n${service("taskDefinition: web\nplacementConstraints: [{type: memberOf, expression: 'attribute:ecs.instance-type =~ m5.*'}]")}`,
      "nodes.yaml": `apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Node, metadata: {name: a, labels: {node.kubernetes.io/instance-type: m5.large}}}\n  - {apiVersion: v1, kind: Node, metadata: {name: b, labels: {node.kubernetes.io/instance-type: c5.large}}}\n`,
    });
    const blind = await cli("render", "-f", file);
    expect(blind.code).toBe(0);
    expect(blind.stderr).toContain("Service web: placement patterns compile against the cluster's node labels (node.kubernetes.io/instance-type); without --nodes they matched no node here");
    const { code, stdout, stderr } = await cli("render", "-f", file, "--nodes", nodes);
    expect(code).toBe(0);
    expect(stderr).not.toContain("without --nodes");
    const affinity = JSON.stringify(children(stdout)[0]?.spec?.template);
    expect(affinity).toContain('"values":["m5.large"]');
    expect(blind.stdout).not.toContain("m5.large");
  });
});

/** render with the clock at `now`. */
async function cliAt(now: Date, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  const errs: string[] = [];
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (l) => errs.push(l), env: {}, now: () => now });
  return { code, stdout, stderr: errs.join("\n") };
}

const task = (spec: string, name = "job"): string => `apiVersion: ecs.operator.dev/v1alpha1
kind: Task
metadata: {name: ${name}}
spec:
${spec.trim().split("\n").map((l) => `  ${l}`).join("\n")}
`;
const scheduledTask = (spec: string, name = "nightly"): string => `apiVersion: ecs.operator.dev/v1alpha1
kind: ScheduledTask
metadata: {name: ${name}}
spec:
${spec.trim().split("\n").map((l) => `  ${l}`).join("\n")}
`;
interface PodDoc { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: unknown[] }; spec?: { containers?: { name: string; args?: string[]; env?: { name: string; value?: string }[] }[]; serviceAccountName?: string; nodeSelector?: Record<string, string> } }
const docsOf = (stdout: string): PodDoc[] => (loadAll(stdout) as (PodDoc | null)[]).filter((d): d is PodDoc => d !== null && d.kind !== "PodTemplate");

describe("render: Tasks", () => {
  it("count 3 on FARGATE base 1 + FARGATE_SPOT weight 1 prints the three pods the Task controller creates, split as ECS splits them", async () => {
    const [file = ""] = files({ "job.yaml": `${WEB_TASK_DEFINITION}---\n${task(`
taskDefinition: web
count: 3
capacityProviderStrategy:
  - {capacityProvider: FARGATE, base: 1, weight: 1}
  - {capacityProvider: FARGATE_SPOT, weight: 1}`)}` });
    const { code, stdout, stderr } = await cli("render", "-n", "jobs", "-f", file);
    expect(stderr).not.toContain("error:");
    expect(code).toBe(0);
    const pods = docsOf(stdout);
    expect(pods.map((p) => `${p.kind}/${p.metadata.name}`)).toEqual(["Pod/job-0", "Pod/job-1", "Pod/job-2"]);
    expect(pods.map((p) => p.metadata.labels?.["ecs.operator.dev/capacity-provider"])).toEqual(["FARGATE", "FARGATE", "FARGATE_SPOT"]);
    expect(pods.every((p) => p.metadata.namespace === "jobs" && p.metadata.labels?.["ecs.operator.dev/task"] === "job")).toBe(true);
    expect(pods.every((p) => p.metadata.ownerReferences === undefined)).toBe(true);
    expect(stderr).toContain("render: no CapacityProvider in the files: Services and Tasks use the built-in FARGATE, FARGATE_SPOT and EC2 providers");
  });

  it("overrides are applied: the container's command and environment", async () => {
    const [file = ""] = files({ "job.yaml": `${WEB_TASK_DEFINITION}---\n${task(`
taskDefinition: web:1
launchType: FARGATE
overrides:
  containerOverrides:
    - {name: app, command: [backfill, --since, "2026-01-01"], environment: [{name: BATCH_SIZE, value: "500"}]}`)}` });
    const { code, stdout } = await cli("render", "-f", file);
    expect(code).toBe(0);
    const [pod] = docsOf(stdout);
    expect(pod?.spec?.containers?.[0]?.args).toEqual(["backfill", "--since", "2026-01-01"]);
    expect(pod?.spec?.containers?.[0]?.env).toContainEqual({ name: "BATCH_SIZE", value: "500" });
  });

  it("the task role's ServiceAccount comes first, once, the same object the TaskDefinition prints", async () => {
    const [file = ""] = files({ "job.yaml": `${WEB_TASK_DEFINITION.replace("networkMode: awsvpc", "networkMode: awsvpc\n  taskRoleArn: arn:aws:iam::123456789012:role/job-role")}---\n${task("taskDefinition: web\nlaunchType: FARGATE")}` });
    const { code, stdout } = await cli("render", "-n", "jobs", "-f", file);
    expect(code).toBe(0);
    const docs = docsOf(stdout);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(["ServiceAccount/job-role", "Pod/job-0"]);
    expect(docs[0]?.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "ecs-operator" });
    expect(docs[1]?.spec?.serviceAccountName).toBe("job-role");
  });

  it("a Task whose TaskDefinition is not in the files is refused, naming the file, the Task and the reference", async () => {
    const [file = ""] = files({ "job.yaml": task("taskDefinition: nowhere\nlaunchType: FARGATE") });
    const { code, stderr } = await cli("render", "-f", file);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${file}: Task job: spec.taskDefinition "nowhere" is not in the files given`);
  });

  it("what the Task controller would refuse (Stalled) is refused with its message", async () => {
    const [file = ""] = files({ "job.yaml": `${WEB_TASK_DEFINITION}---\n${task("taskDefinition: web\ncapacityProviderStrategy: [{capacityProvider: nowhere, weight: 1}]")}` });
    const { code, stderr } = await cli("render", "-f", file);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${file}: Task job: spec.capacityProviderStrategy[0].capacityProvider`);
    expect(stderr).toContain("nowhere");
  });

  it("--revision renders the Task's pods from that revision", async () => {
    const [file = ""] = files({ "job.yaml": `${WEB_TASK_DEFINITION}---\n${task("taskDefinition: web\nlaunchType: FARGATE")}` });
    const { code, stdout } = await cli("render", "-f", file, "--revision", "4");
    expect(code).toBe(0);
    expect(docsOf(stdout)[0]?.metadata.annotations?.["ecs.operator.dev/task-definition"]).toBe("web:4");
  });
});

describe("render: ScheduledTasks", () => {
  const NIGHTLY = `${WEB_TASK_DEFINITION}---\n${scheduledTask(`
scheduleExpression: cron(0 3 * * ? *)
scheduleExpressionTimezone: Europe/Berlin
task: {taskDefinition: web, launchType: FARGATE}`)}`;

  it("the next 5 run times in the schedule's time zone (across the DST change), then the Task of the first run and its pod", async () => {
    const [file = ""] = files({ "nightly.yaml": NIGHTLY });
    const { code, stdout, stderr } = await cliAt(new Date("2026-03-27T12:00:00Z"), "render", "-n", "reports", "-f", file);
    expect(stderr).not.toContain("error:");
    expect(code).toBe(0);
    expect(stdout).toContain([
      "# ScheduledTask nightly: cron(0 3 * * ? *) in Europe/Berlin, the next 5 runs:",
      "#   2026-03-28T03:00:00+01:00",
      "#   2026-03-29T03:00:00+02:00",
      "#   2026-03-30T03:00:00+02:00",
      "#   2026-03-31T03:00:00+02:00",
      "#   2026-04-01T03:00:00+02:00",
    ].join("\n"));
    const docs = docsOf(stdout);
    expect(docs.map((d) => d.kind)).toEqual(["Task", "Pod"]);
    const [run, pod] = docs;
    expect(run?.metadata.namespace).toBe("reports");
    expect(run?.metadata.labels).toEqual({ "ecs.operator.dev/scheduled-task": "nightly" });
    expect(run?.metadata.annotations).toEqual({ "ecs.operator.dev/scheduled-at": "2026-03-28T02:00:00Z" });
    expect(run?.metadata.ownerReferences).toBeUndefined();
    expect((run as unknown as { spec: Record<string, unknown> }).spec).toEqual({ taskDefinition: "web", launchType: "FARGATE", startedBy: "events-rule/nightly" });
    expect(pod?.metadata.name).toBe(`${run?.metadata.name ?? ""}-0`);
    expect(pod?.metadata.labels).toMatchObject({ "ecs.operator.dev/task": run?.metadata.name, "ecs.operator.dev/scheduled-task": "nightly" });
  });

  it("the clock decides: one day later the first run is the next night's", async () => {
    const [file = ""] = files({ "nightly.yaml": NIGHTLY });
    const { stdout } = await cliAt(new Date("2026-03-28T12:00:00Z"), "render", "-f", file);
    expect(stdout).toMatch(/^# {3}2026-03-29T03:00:00\+02:00$/m);
    expect(stdout).not.toContain("2026-03-28T03:00:00");
    expect(docsOf(stdout)[0]?.metadata.annotations?.["ecs.operator.dev/scheduled-at"]).toBe("2026-03-29T01:00:00Z");
  });

  it("a one-time at(...) schedule that has passed prints no run and no Task", async () => {
    const [file = ""] = files({ "once.yaml": `${WEB_TASK_DEFINITION}---\n${scheduledTask("scheduleExpression: at(2026-01-01T00:00:00)\ntask: {taskDefinition: web, launchType: FARGATE}", "once")}` });
    const { code, stdout } = await cliAt(new Date("2026-03-28T12:00:00Z"), "render", "-f", file);
    expect(code).toBe(0);
    expect(stdout).toContain("# ScheduledTask once: at(2026-01-01T00:00:00) in UTC: no run is left after 2026-03-28T12:00:00.000Z");
    expect(docsOf(stdout).map((d) => d.kind)).toEqual([]);
  });

  it("a DISABLED schedule prints when it would run and says on stderr that it does not", async () => {
    const [file = ""] = files({ "nightly.yaml": NIGHTLY.replace("scheduleExpressionTimezone", "state: DISABLED\n  scheduleExpressionTimezone") });
    const { code, stderr } = await cliAt(new Date("2026-03-27T12:00:00Z"), "render", "-f", file);
    expect(code).toBe(0);
    expect(stderr).toContain(`${file}: ScheduledTask nightly: state is DISABLED: no run is made until it is ENABLED`);
  });

  it("its task's TaskDefinition must be in the files", async () => {
    const [file = ""] = files({ "nightly.yaml": scheduledTask("scheduleExpression: rate(1 hour)\ntask: {taskDefinition: gone, launchType: FARGATE}") });
    const { code, stderr } = await cli("render", "-f", file);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: ${file}: ScheduledTask nightly: spec.task.taskDefinition "gone" is not in the files given`);
  });
});
