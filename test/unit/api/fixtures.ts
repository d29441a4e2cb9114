// Manifests of the six kinds that read like sentences: aTaskDefinition({ cpu: "1 vCPU" }), aContainer("web", {...}).
// Shared by the unit tests (offline admission) and the integration tests (the real API server).
import { API_GROUP_VERSION } from "../../../src/api/common.ts";

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };
type Fields = Record<string, unknown>;

function manifest(kind: string, name: string, spec: Fields): Manifest {
  // A JSON round trip drops fields set to undefined, as they would be in a file.
  return { apiVersion: API_GROUP_VERSION, kind, metadata: { name }, spec: JSON.parse(JSON.stringify(spec)) as Fields };
}

export function aContainer(name: string, fields: Fields = {}): Fields {
  return { name, image: `registry.example.com/${name}:1.0`, memory: 256, ...fields };
}

export function aTaskDefinition(spec: Fields = {}, name = "web"): Manifest {
  return manifest("TaskDefinition", name, { family: name, containerDefinitions: [aContainer("app")], ...spec });
}

/** A Fargate task definition of the given size (cpu and memory as written). */
export function aFargateTaskDefinition(cpu: string | number, memory: string | number, spec: Fields = {}): Manifest {
  return aTaskDefinition({
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu,
    memory,
    containerDefinitions: [{ name: "app", image: "registry.example.com/app:1.0" }],
    ...spec,
  });
}

export function aService(spec: Fields = {}, name = "web"): Manifest {
  return manifest("Service", name, { taskDefinition: "web", desiredCount: 2, ...spec });
}

export function aTask(spec: Fields = {}, name = "migrate"): Manifest {
  return manifest("Task", name, { taskDefinition: "web:1", ...spec });
}

export function aScheduledTask(spec: Fields = {}, name = "nightly"): Manifest {
  return manifest("ScheduledTask", name, { scheduleExpression: "cron(0 3 * * ? *)", task: { taskDefinition: "report" }, ...spec });
}

export function aCluster(spec: Fields = {}, name = "default"): Manifest {
  return manifest("Cluster", name, spec);
}

export function aCapacityProvider(spec: Fields = {}, name = "on-demand"): Manifest {
  return manifest("CapacityProvider", name, spec);
}

export const fargate = (weight: number, base?: number) => ({ capacityProvider: "FARGATE", weight, ...(base === undefined ? {} : { base }) });
export const spot = (weight: number, base?: number) => ({ capacityProvider: "FARGATE_SPOT", weight, ...(base === undefined ? {} : { base }) });

/** Task definitions as ECS users write them: each must be accepted unchanged. */
export const REALISTIC_TASK_DEFINITIONS: Record<string, Fields> = {
  "fargate web app with a log router and an X-Ray sidecar": {
    family: "storefront",
    taskRoleArn: "arn:aws:iam::111122223333:role/storefront-task",
    executionRoleArn: "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: "1 vCPU",
    memory: "2 GB",
    runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
    containerDefinitions: [
      {
        name: "storefront",
        image: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/storefront:2024.06.1",
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: "tcp", name: "http", appProtocol: "http" }],
        environment: [{ name: "SPRING_PROFILES_ACTIVE", value: "prod" }],
        secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:storefront/db-AbCdEf:password::" }],
        dependsOn: [
          { containerName: "log-router", condition: "START" },
          { containerName: "xray", condition: "START" },
        ],
        healthCheck: { command: ["CMD-SHELL", "curl -fs http://localhost:8080/health || exit 1"], interval: 15, timeout: 5, retries: 3, startPeriod: 60 },
        logConfiguration: { logDriver: "awsfirelens", options: { Name: "cloudwatch_logs", region: "eu-west-1", log_group_name: "storefront" } },
        stopTimeout: 60,
      },
      {
        name: "log-router",
        image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
        essential: true,
        firelensConfiguration: { type: "fluentbit", options: { "enable-ecs-log-metadata": "true" } },
        memoryReservation: 50,
      },
      {
        name: "xray",
        image: "public.ecr.aws/xray/aws-xray-daemon:3.x",
        essential: false,
        cpu: 32,
        memoryReservation: 256,
        portMappings: [{ containerPort: 2000, protocol: "udp" }],
      },
    ],
    ephemeralStorage: { sizeInGiB: 30 },
    tags: [{ key: "team", value: "shop" }],
  },
  "ec2 bridge app with host volume, init container and data-only container": {
    family: "legacy-batch",
    containerDefinitions: [
      {
        name: "worker",
        image: "registry.example.com/batch/worker:7",
        cpu: 512,
        memory: 1024,
        memoryReservation: 768,
        links: ["cache:redis"],
        portMappings: [{ containerPort: 9000, hostPort: 0 }],
        mountPoints: [{ sourceVolume: "scratch", containerPath: "/scratch" }],
        volumesFrom: [{ sourceContainer: "config", readOnly: true }],
        dependsOn: [
          { containerName: "migrate", condition: "SUCCESS" },
          { containerName: "cache", condition: "HEALTHY" },
        ],
        ulimits: [{ name: "nofile", softLimit: 65536, hardLimit: 65536 }],
        linuxParameters: { initProcessEnabled: true, capabilities: { add: ["SYS_PTRACE"], drop: ["MKNOD"] }, sharedMemorySize: 128 },
        dockerLabels: { "com.example.team": "batch" },
        logConfiguration: { logDriver: "json-file", options: { "max-size": "10m" } },
      },
      { name: "migrate", image: "registry.example.com/batch/migrate:7", essential: false, memory: 256, command: ["migrate", "--up"] },
      {
        name: "cache",
        image: "redis:7",
        essential: false,
        memory: 512,
        healthCheck: { command: ["CMD", "redis-cli", "ping"] },
      },
      { name: "config", image: "registry.example.com/batch/config:7", essential: false, memory: 16, mountPoints: [{ sourceVolume: "config", containerPath: "/etc/batch", readOnly: true }] },
    ],
    volumes: [
      { name: "scratch", host: { sourcePath: "/var/lib/batch" } },
      { name: "config", dockerVolumeConfiguration: { scope: "task", driver: "local" } },
    ],
    placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ m6i.*" }],
    networkMode: "bridge",
    pidMode: "task",
  },
  "console export with read-only fields, empty lists and integer task size": {
    taskDefinitionArn: "arn:aws:ecs:us-east-2:111122223333:task-definition/api:14",
    family: "api",
    revision: 14,
    status: "ACTIVE",
    compatibilities: ["EC2", "FARGATE"],
    requiresAttributes: [{ name: "com.amazonaws.ecs.capability.logging-driver.awslogs" }],
    registeredAt: "2025-02-11T09:15:27.114Z",
    registeredBy: "arn:aws:iam::111122223333:user/ops",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: 512,
    memory: 1024,
    placementConstraints: [],
    volumes: [],
    containerDefinitions: [
      {
        name: "api",
        image: "111122223333.dkr.ecr.us-east-2.amazonaws.com/api:14",
        cpu: 0,
        portMappings: [{ containerPort: 3000, hostPort: 3000, protocol: "tcp", name: "api-3000-tcp", appProtocol: "http" }],
        essential: true,
        environment: [],
        environmentFiles: [{ value: "arn:aws:s3:::config-bucket/api.env", type: "s3" }],
        mountPoints: [],
        volumesFrom: [],
        ulimits: [],
        systemControls: [],
        logConfiguration: {
          logDriver: "awslogs",
          options: { "awslogs-group": "/ecs/api", "awslogs-region": "us-east-2", "awslogs-stream-prefix": "ecs", mode: "non-blocking", "max-buffer-size": "25m" },
          secretOptions: [],
        },
      },
    ],
  },
  "newer ECS fields: restartPolicy, versionConsistency, credentialSpecs, port ranges, fault injection": {
    family: "game-server",
    networkMode: "awsvpc",
    requiresCompatibilities: ["EC2"],
    cpu: "4 vcpu",
    memory: "8GB",
    enableFaultInjection: true,
    containerDefinitions: [
      {
        name: "server",
        image: "registry.example.com/game/server@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        versionConsistency: "disabled",
        restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 120 },
        portMappings: [{ containerPortRange: "7000-7100", protocol: "udp" }],
        credentialSpecs: ["credentialspecdomainless:arn:aws:ssm:us-east-1:111122223333:parameter/gmsa"],
        resourceRequirements: [{ type: "GPU", value: "1" }],
        aNewerEcsField: { enabled: true },
      },
    ],
  },
};
