// Service: the CreateService input, verbatim, plus `autoScaling` (Application Auto Scaling, camelCase) and
// `spec.kubernetes`; the status mirrors DescribeServices (counts, deployments with rolloutState, events).
// The scale subresource maps `kubectl scale` and HPAs onto desiredCount.
import { ConditionReason } from "./conditions.ts";
import {
  annotationMap,
  capacityProviderStrategy,
  Conditions,
  DNS_SUBDOMAIN_PATTERN,
  KubernetesMetadataKnobs,
  LAUNCH_TYPES,
  launchTypeXorStrategyRule,
  LogConfiguration,
  NetworkConfiguration,
  observedGeneration,
  PlacementConstraints,
  PlacementStrategies,
  PROPAGATE_TAGS,
  ServiceEvent,
  ServiceVolumeConfiguration,
  Tags,
} from "./common.ts";
import {
  boolean,
  type CelRule,
  describe,
  ecsObject,
  integer,
  list,
  number,
  object,
  opaqueObject,
  optional,
  type Static,
  string,
  stringEnum,
} from "./structural-schema.ts";

const SCHEDULING_STRATEGIES = ["REPLICA", "DAEMON"] as const;
const DEPLOYMENT_CONTROLLERS = ["ECS", "CODE_DEPLOY", "EXTERNAL"] as const;
const DEPLOYMENT_STRATEGIES = ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"] as const;
const ROLLOUT_STATES = ["COMPLETED", "FAILED", "IN_PROGRESS"] as const;
const ECS_SERVICE_PREDEFINED_METRICS = [
  "ECSServiceAverageCPUUtilization",
  "ECSServiceAverageMemoryUtilization",
  "ALBRequestCountPerTarget",
  "ECSServiceAverageCPUUtilizationHighResolution",
  "ECSServiceAverageMemoryUtilizationHighResolution",
] as const;

/** A schedule of Application Auto Scaling / EventBridge: at(...), rate(...) or cron(...) with six fields. */
const SCHEDULE_EXPRESSION_PATTERN =
  "^(at[(][0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[)]|rate[(] *[1-9][0-9]* +(minute|minutes|hour|hours|day|days) *[)]|cron[(] *[^ ]+( +[^ ]+){5} *[)])$";

// ---------------------------------------------------------------- deployment configuration

const DeploymentLifecycleHook = ecsObject(
  {
    targetType: optional(stringEnum(["AWS_LAMBDA", "PAUSE"], "AWS_LAMBDA runs a function; PAUSE waits until the deployment is resumed.")),
    hookTargetArn: optional(string("The Lambda function's ARN: names the spec.kubernetes.lifecycleHookTargets entry (an HTTP endpoint or a Job) that runs in its place (docs/lifecycle-hooks.md).")),
    roleArn: optional(string("The IAM role that invokes the hook.")),
    lifecycleStages: list(
      stringEnum(
        [
          "RECONCILE_SERVICE",
          "PRE_SCALE_UP",
          "POST_SCALE_UP",
          "TEST_TRAFFIC_SHIFT",
          "POST_TEST_TRAFFIC_SHIFT",
          "PRODUCTION_TRAFFIC_SHIFT",
          "POST_PRODUCTION_TRAFFIC_SHIFT",
        ],
        "A stage of the deployment.",
      ),
      "The stages at which the hook runs.",
      { maxItems: 7 },
    ),
    hookDetails: optional(opaqueObject("Free-form details passed to the hook.")),
    timeoutConfiguration: optional(
      ecsObject(
        {
          timeoutInMinutes: optional(integer("Minutes to wait for the hook.", { minimum: 1 })),
          action: optional(stringEnum(["CONTINUE", "ROLLBACK"], "What happens when the hook times out.")),
        },
        "What happens when the hook does not answer.",
      ),
    ),
  },
  "A deployment lifecycle hook.",
  {
    rules: [
      {
        // ECS DeploymentLifecycleHook.hookTargetArn: "You must provide this parameter when configuring an AWS_LAMBDA lifecycle hook."
        rule: "(has(self.targetType) && self.targetType == 'PAUSE') || has(self.hookTargetArn)",
        message: "spec.deploymentConfiguration.lifecycleHooks[].hookTargetArn: required for an AWS_LAMBDA hook (the default targetType); a PAUSE hook sets targetType: PAUSE",
        fieldPath: ".hookTargetArn",
      },
      {
        // ECS: "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages."
        rule: "!has(self.targetType) || self.targetType != 'PAUSE' || self.lifecycleStages.all(s, s != 'TEST_TRAFFIC_SHIFT' && s != 'PRODUCTION_TRAFFIC_SHIFT')",
        message: "spec.deploymentConfiguration.lifecycleHooks[].lifecycleStages: a PAUSE hook cannot run at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT (ECS)",
        fieldPath: ".lifecycleStages",
      },
    ],
  },
);

export const DeploymentConfiguration = ecsObject(
  {
    deploymentCircuitBreaker: optional(
      ecsObject(
        {
          enable: boolean("Stop a deployment that cannot reach steady state (tasks of the new revision keep failing)."),
          rollback: boolean("Return to the last completed revision when the circuit breaker stops a deployment."),
          resetOnHealthyTask: optional(boolean("Reset the failure count when a task of the new revision becomes healthy.")),
          thresholdConfiguration: optional(
            ecsObject(
              {
                type: stringEnum(["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"], "How value is read."),
                value: integer("The failure threshold.", { minimum: 0 }),
              },
              "The failure threshold of the circuit breaker (default: ECS's, 50% of desired count bounded to 3..200).",
            ),
          ),
        },
        "The deployment circuit breaker (rolling ECS deployments only).",
      ),
    ),
    maximumPercent: optional(
      integer("Upper limit of running and pending tasks during a deployment, in percent of desiredCount (becomes maxSurge). Default 200 (REPLICA), 100 (DAEMON).", {
        minimum: 0,
      }),
    ),
    minimumHealthyPercent: optional(
      integer("Lower limit of healthy tasks during a deployment, in percent of desiredCount (becomes maxUnavailable and a PodDisruptionBudget). Default 100 (REPLICA), 0 (DAEMON).", {
        minimum: 0,
        maximum: 100,
      }),
    ),
    alarms: optional(
      ecsObject(
        {
          alarmNames: list(string("A CloudWatch alarm name."), "The alarms that stop the deployment.", { maxItems: 10 }),
          rollback: boolean("Roll back when an alarm fires."),
          enable: boolean("Watch the alarms."),
        },
        "CloudWatch alarms that stop a deployment. Reported as unsupported when enabled.",
      ),
    ),
    strategy: optional(stringEnum(DEPLOYMENT_STRATEGIES, "ROLLING (default) replaces tasks gradually; BLUE_GREEN, LINEAR and CANARY shift traffic between two revisions.")),
    bakeTimeInMinutes: optional(integer("Minutes both revisions keep running after traffic has shifted, before the old one is removed.", { minimum: 0, maximum: 1440 })),
    lifecycleHooks: optional(list(DeploymentLifecycleHook, "Hooks run at stages of the deployment.", { maxItems: 10 })),
    linearConfiguration: optional(
      ecsObject(
        {
          stepPercent: optional(number("Percent of traffic shifted per step, 3.0 to 100.0. Default 10.0.", { minimum: 3, maximum: 100 })),
          stepBakeTimeInMinutes: optional(integer("Minutes between steps, 0 to 1440. Default 6.", { minimum: 0, maximum: 1440 })),
        },
        "Steps of a LINEAR deployment.",
      ),
    ),
    canaryConfiguration: optional(
      ecsObject(
        {
          canaryPercent: optional(number("Percent of traffic shifted first, 0.1 to 100.0. Default 5.0.", { minimum: 0.1, maximum: 100 })),
          canaryBakeTimeInMinutes: optional(integer("Minutes before the rest of the traffic shifts, 0 to 1440. Default 10.", { minimum: 0, maximum: 1440 })),
        },
        "Steps of a CANARY deployment.",
      ),
    ),
    earlySuccessCriteria: optional(
      ecsObject(
        {
          enable: optional(boolean("End the deployment early once healthyPercent of the new tasks are healthy.")),
          healthyPercent: optional(integer("Percent of healthy new tasks that ends the deployment.", { minimum: 0, maximum: 100 })),
          sourceServiceRevisionCleanup: optional(stringEnum(["BLOCKING", "DEFERRED"], "Whether the old revision is removed before the deployment completes.")),
        },
        "When a deployment may end early.",
      ),
    ),
  },
  "How tasks are replaced when the task definition (or another setting) changes.",
  {
    rules: [
      {
        rule: "!has(self.linearConfiguration) || (has(self.strategy) && self.strategy == 'LINEAR')",
        message: "spec.deploymentConfiguration.linearConfiguration: only with strategy LINEAR",
        fieldPath: ".linearConfiguration",
      },
      {
        rule: "!has(self.canaryConfiguration) || (has(self.strategy) && self.strategy == 'CANARY')",
        message: "spec.deploymentConfiguration.canaryConfiguration: only with strategy CANARY",
        fieldPath: ".canaryConfiguration",
      },
    ],
  },
);
export type DeploymentConfiguration = Static<typeof DeploymentConfiguration>;

// ---------------------------------------------------------------- load balancing, discovery, Service Connect

const LoadBalancer = ecsObject(
  {
    targetGroupArn: optional(string("The ALB/NLB target group. Accepted as an identifier; the Kubernetes Service takes its place.")),
    loadBalancerName: optional(string("The Classic Load Balancer name. Accepted as an identifier.")),
    containerName: string("The container that receives the traffic.", { maxLength: 255 }),
    containerPort: integer("The port of that container (one of its portMappings).", { minimum: 0, maximum: 65_535 }),
    advancedConfiguration: optional(
      ecsObject(
        {
          alternateTargetGroupArn: optional(string("The target group of the new revision during a blue/green deployment.")),
          productionListenerRule: optional(string("The listener rule of production traffic.")),
          testListenerRule: optional(string("The listener rule of test traffic.")),
          roleArn: optional(string("The role that manages the load balancer.")),
        },
        "Blue/green traffic shifting settings.",
      ),
    ),
  },
  "A container port put behind a load balancer; becomes a port of the Kubernetes Service of the ECS service.",
);

const ServiceRegistry = ecsObject(
  {
    registryArn: optional(string("The Cloud Map service. Accepted as an identifier; discovery uses Kubernetes DNS.")),
    port: optional(integer("The port for SRV records (awsvpc).", { minimum: 0, maximum: 65_535 })),
    containerName: optional(string("The container for SRV records (bridge, host).", { maxLength: 255 })),
    containerPort: optional(integer("The container port for SRV records (bridge, host).", { minimum: 0, maximum: 65_535 })),
  },
  "A service discovery registration; becomes a DNS name through a Kubernetes Service.",
);

const ServiceConnectConfiguration = ecsObject(
  {
    enabled: boolean("Whether the service uses Service Connect."),
    namespace: optional(string("The Cloud Map namespace (default: the cluster's serviceConnectDefaults).")),
    services: optional(
      list(
        ecsObject(
          {
            portName: string("The name of a portMappings entry of the task definition.", { maxLength: 64 }),
            discoveryName: optional(string("The discovery name (default: portName).", { maxLength: 64 })),
            clientAliases: optional(
              list(
                ecsObject(
                  {
                    port: integer("The port clients use.", { minimum: 0, maximum: 65_535 }),
                    dnsName: optional(string("The DNS name clients use (default: discoveryName.namespace).")),
                    testTrafficRules: optional(opaqueObject("Header rules that route test traffic during blue/green deployments.")),
                  },
                  "A name and port clients use.",
                ),
                "How clients reach this service (becomes Kubernetes Services).",
                { maxItems: 1 },
              ),
            ),
            ingressPortOverride: optional(integer("The port the proxy listens on.", { minimum: 0, maximum: 65_535 })),
            timeout: optional(
              ecsObject(
                {
                  idleTimeoutSeconds: optional(integer("Idle timeout in seconds.", { minimum: 0 })),
                  perRequestTimeoutSeconds: optional(integer("Per-request timeout in seconds.", { minimum: 0 })),
                },
                "Timeouts of the proxy.",
              ),
            ),
            tls: optional(opaqueObject("TLS settings of the proxy (AWS Private CA). Reported as unsupported.")),
          },
          "A port of this service published through Service Connect.",
        ),
        "Ports published through Service Connect.",
        { maxItems: 20 },
      ),
    ),
    logConfiguration: optional(describe(LogConfiguration, "The log configuration of the Service Connect proxy.")),
    accessLogConfiguration: optional(
      ecsObject(
        {
          format: stringEnum(["TEXT", "JSON"], "The format of access logs."),
          includeQueryParameters: optional(stringEnum(["ENABLED", "DISABLED"], "Whether query parameters are logged.")),
        },
        "Access logs of the Service Connect proxy.",
      ),
    ),
  },
  "Service Connect: service-to-service names and ports; mapped to Kubernetes Services and DNS.",
);

// ---------------------------------------------------------------- Application Auto Scaling

const CustomizedMetricSpecification = ecsObject(
  {
    metricName: optional(string("The metric name.")),
    namespace: optional(string("The metric namespace.")),
    dimensions: optional(list(ecsObject({ name: string("Name."), value: string("Value.") }, "A dimension."), "The metric dimensions.", { maxItems: 30 })),
    statistic: optional(stringEnum(["Average", "Minimum", "Maximum", "SampleCount", "Sum"], "The statistic.")),
    unit: optional(string("The unit.")),
    metrics: optional(list(opaqueObject("A metric math query."), "Metric math queries.", { maxItems: 10 })),
  },
  "A CloudWatch metric; mapped to an external or pods metric of the HPA by documented rule.",
);

const TargetTrackingScalingPolicy = ecsObject(
  {
    policyName: string("The name of the policy, unique within the service.", { maxLength: 256 }),
    targetTrackingScalingPolicyConfiguration: ecsObject(
      {
        targetValue: number("The value of the metric to keep the service at (for CPU/memory: percent of the task's reservation)."),
        predefinedMetricSpecification: optional(
          ecsObject(
            {
              predefinedMetricType: stringEnum(ECS_SERVICE_PREDEFINED_METRICS, "The metric: average CPU or memory utilisation of the service's tasks, or requests per target."),
              resourceLabel: optional(string("For ALBRequestCountPerTarget: the load balancer and target group.", { maxLength: 1023 })),
            },
            "A predefined metric; becomes an HPA resource (or pods) metric.",
            {
              rules: [
                {
                  rule: "self.predefinedMetricType != 'ALBRequestCountPerTarget' || has(self.resourceLabel)",
                  message: "autoScaling.targetTrackingScalingPolicies: ALBRequestCountPerTarget needs a resourceLabel",
                  fieldPath: ".resourceLabel",
                },
              ],
            },
          ),
        ),
        customizedMetricSpecification: optional(CustomizedMetricSpecification),
        scaleOutCooldown: optional(integer("Seconds after a scale-out before another (HPA scaleUp stabilization).", { minimum: 0 })),
        scaleInCooldown: optional(integer("Seconds after a scale-in before another (HPA scaleDown stabilization).", { minimum: 0 })),
        disableScaleIn: optional(boolean("Never scale in through this policy.")),
      },
      "The target tracking configuration.",
      {
        rules: [
          {
            rule: "has(self.predefinedMetricSpecification) != has(self.customizedMetricSpecification)",
            message: "autoScaling.targetTrackingScalingPolicies: set exactly one of predefinedMetricSpecification and customizedMetricSpecification",
          },
        ],
      },
    ),
  },
  "A target tracking policy (PutScalingPolicy with PolicyType TargetTrackingScaling).",
);

const StepScalingPolicy = ecsObject(
  {
    policyName: string("The name of the policy, unique within the service.", { maxLength: 256 }),
    stepScalingPolicyConfiguration: ecsObject(
      {
        adjustmentType: optional(stringEnum(["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"], "How scalingAdjustment is read.")),
        stepAdjustments: optional(
          list(
            ecsObject(
              {
                metricIntervalLowerBound: optional(number("Lower bound of the step, relative to the alarm threshold.")),
                metricIntervalUpperBound: optional(number("Upper bound of the step, relative to the alarm threshold.")),
                scalingAdjustment: integer("The adjustment of the step."),
              },
              "A step.",
            ),
            "The steps.",
            { maxItems: 20 },
          ),
        ),
        minAdjustmentMagnitude: optional(integer("Minimum change for PercentChangeInCapacity.")),
        cooldown: optional(integer("Seconds between scaling activities.", { minimum: 0 })),
        metricAggregationType: optional(stringEnum(["Average", "Minimum", "Maximum"], "How the metric is aggregated.")),
      },
      "The step scaling configuration.",
    ),
  },
  "A step scaling policy (PutScalingPolicy with PolicyType StepScaling); approximated by HPA behavior policies.",
);

const ScheduledAction = ecsObject(
  {
    scheduledActionName: string("The name of the action, unique within the service.", { maxLength: 256 }),
    schedule: string("at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year).", {
      maxLength: 256,
      rules: [{ rule: `self.matches('${SCHEDULE_EXPRESSION_PATTERN}')`, message: "autoScaling.scheduledActions: schedule must be at(...), rate(...) or cron(...) with six fields" }],
    }),
    timezone: optional(string("The IANA time zone of the schedule. Default UTC.", { maxLength: 64 })),
    startTime: optional(string("When the action starts to apply.", { format: "date-time" })),
    endTime: optional(string("When the action stops applying.", { format: "date-time" })),
    scalableTargetAction: ecsObject(
      {
        minCapacity: optional(integer("The new minimum number of tasks.", { minimum: 0 })),
        maxCapacity: optional(integer("The new maximum number of tasks.", { minimum: 0 })),
      },
      "The new capacity limits.",
      {
        rules: [
          {
            rule: "!has(self.minCapacity) || !has(self.maxCapacity) || self.minCapacity <= self.maxCapacity",
            message: "autoScaling.scheduledActions: scalableTargetAction.minCapacity must not exceed maxCapacity",
          },
        ],
      },
    ),
  },
  "A scheduled change of the capacity limits (PutScheduledAction).",
);

export const AutoScaling = ecsObject(
  {
    minCapacity: integer("The fewest tasks the service scales in to (RegisterScalableTarget MinCapacity).", { minimum: 0 }),
    maxCapacity: integer("The most tasks the service scales out to (RegisterScalableTarget MaxCapacity).", { minimum: 0 }),
    suspendedState: optional(
      ecsObject(
        {
          dynamicScalingInSuspended: optional(boolean("Suspend scale-in by policies.")),
          dynamicScalingOutSuspended: optional(boolean("Suspend scale-out by policies.")),
          scheduledScalingSuspended: optional(boolean("Suspend scheduled actions.")),
        },
        "Suspended scaling activities.",
      ),
    ),
    targetTrackingScalingPolicies: optional(list(TargetTrackingScalingPolicy, "Target tracking policies (become the HPA's metrics).", { maxItems: 20 })),
    stepScalingPolicies: optional(list(StepScalingPolicy, "Step scaling policies.", { maxItems: 20 })),
    scheduledActions: optional(list(ScheduledAction, "Scheduled changes of minCapacity/maxCapacity.", { maxItems: 50 })),
  },
  "Application Auto Scaling of the service's desiredCount, in camelCase: becomes an autoscaling/v2 HorizontalPodAutoscaler on the scale subresource.",
  {
    rules: [
      { rule: "self.minCapacity <= self.maxCapacity", message: "spec.autoScaling.minCapacity: must not exceed maxCapacity", fieldPath: ".minCapacity" },
      {
        rule:
          "(!has(self.targetTrackingScalingPolicies) || self.targetTrackingScalingPolicies.all(p, self.targetTrackingScalingPolicies.exists_one(q, q.policyName == p.policyName))) && " +
          "(!has(self.stepScalingPolicies) || self.stepScalingPolicies.all(p, self.stepScalingPolicies.exists_one(q, q.policyName == p.policyName) && (!has(self.targetTrackingScalingPolicies) || !self.targetTrackingScalingPolicies.exists(q, q.policyName == p.policyName))))",
        message: "spec.autoScaling: policy names must be unique",
      },
      {
        rule: "!has(self.scheduledActions) || self.scheduledActions.all(a, self.scheduledActions.exists_one(b, b.scheduledActionName == a.scheduledActionName))",
        message: "spec.autoScaling.scheduledActions: scheduledActionName must be unique",
        fieldPath: ".scheduledActions",
      },
    ],
  },
);
export type AutoScaling = Static<typeof AutoScaling>;

// ---------------------------------------------------------------- lifecycle hook targets (docs/lifecycle-hooks.md)

/**
 * What an AWS_LAMBDA hook's hookTargetArn runs here: an HTTP(S) endpoint that receives ECS's payload and answers as a
 * Lambda hook does, or a Kubernetes Job (exit 0 = SUCCEEDED). Matched by hookTargetArn; PAUSE hooks need none.
 */
export const LifecycleHookTarget = object(
  {
    hookTargetArn: string("The hookTargetArn of spec.deploymentConfiguration.lifecycleHooks[] this target runs for.", { maxLength: 2048 }),
    http: optional(
      object(
        {
          url: string("The endpoint: ECS's payload is POSTed to it as JSON, the answer is ECS's ({hookStatus, callBackDelay, hookDetails}).", { maxLength: 2048, pattern: "^https?://" }),
          timeoutSeconds: optional(integer("Seconds one call may take before it counts as no answer (the deployment rolls back). Default 30.", { minimum: 1, maximum: 900 })),
          caBundle: optional(
            string("The PEM CA bundle, base64-encoded (as in a webhook's clientConfig.caBundle), that signs an https endpoint's certificate. Default: the system's CAs.", {
              maxLength: 65_536,
            }),
          ),
        },
        "Call an HTTP(S) endpoint as ECS calls a Lambda function.",
      ),
    ),
    job: optional(
      object(
        {
          template: opaqueObject("A batch/v1 JobSpec (template.spec with the containers, backoffLimit, activeDeadlineSeconds ...). Every container gets the payload in ECS_HOOK_PAYLOAD. Default backoffLimit 0, restartPolicy Never."),
        },
        "Run a Kubernetes Job: it SUCCEEDED when it completes, FAILED when it fails.",
      ),
    ),
  },
  "A hook target: exactly one of http or job.",
  {
    rules: [
      {
        rule: "has(self.http) != has(self.job)",
        message: "spec.kubernetes.lifecycleHookTargets[]: set exactly one of http or job",
      },
    ],
  },
);
export type LifecycleHookTarget = Static<typeof LifecycleHookTarget>;

/**
 * One hook execution of a deployment, as DescribeServiceDeployments' lifecycleHookDetails shows it (hookId, targetType,
 * targetArn, status, expiresAt, timeoutAction), plus what the controller must remember across passes and restarts: when
 * to call again, the hookDetails the last answer returned, and why it failed.
 */
export const LifecycleHookDetail = object(
  {
    hookId: string("The ID of this hook execution; a PAUSE hook is continued with it (docs/lifecycle-hooks.md)."),
    targetType: stringEnum(["AWS_LAMBDA", "PAUSE"], "AWS_LAMBDA (an HTTP endpoint or a Job here) or PAUSE."),
    targetArn: optional(string("The hookTargetArn (not set for PAUSE).")),
    lifecycleStage: string("The stage the hook runs at."),
    status: stringEnum(["AWAITING_ACTION", "IN_PROGRESS", "SUCCEEDED", "FAILED", "TIMED_OUT"], "The hook's status, as ECS reports it."),
    startedAt: optional(string("When the hook started.", { format: "date-time" })),
    expiresAt: optional(string("When the hook times out (timeoutConfiguration.timeoutInMinutes after it started).", { format: "date-time" })),
    timeoutAction: optional(stringEnum(["CONTINUE", "ROLLBACK"], "What happens when the hook times out.")),
    nextCallAt: optional(string("When an IN_PROGRESS hook is called again (callBackDelay after its last answer).", { format: "date-time" })),
    invocations: optional(integer("How often the hook was called.", { minimum: 0 })),
    hookDetails: optional(opaqueObject("The hookDetails the last IN_PROGRESS answer returned, passed to the next call.")),
    reason: optional(string("Why the hook FAILED or TIMED_OUT.")),
  },
  "A lifecycle hook execution.",
);

// ---------------------------------------------------------------- Kubernetes-only knobs

export const ServiceKubernetes = object(
  {
    ...KubernetesMetadataKnobs,
    service: optional(
      object(
        {
          type: optional(stringEnum(["ClusterIP", "NodePort", "LoadBalancer"], "The type of the Kubernetes Service made from loadBalancers. Default ClusterIP.")),
          annotations: optional(annotationMap("Annotations of the Kubernetes Service (for example cloud load balancer settings).")),
          loadBalancerClass: optional(string("The loadBalancerClass of a LoadBalancer Service.")),
        },
        "The Kubernetes Service made from loadBalancers and serviceRegistries.",
      ),
    ),
    gateway: optional(
      object(
        {
          parentRefs: list(
            object(
              {
                name: string("The Gateway's metadata.name.", { maxLength: 253 }),
                namespace: optional(string("The Gateway's namespace. Default: the service's.", { maxLength: 63 })),
                sectionName: optional(string("One listener of the Gateway (its name).", { maxLength: 253 })),
                port: optional(integer("One listener port of the Gateway.", { minimum: 1, maximum: 65_535 })),
              },
              "A Gateway (gateway.networking.k8s.io/v1) the HTTPRoute attaches to.",
            ),
            "The Gateways the service's HTTPRoute attaches to (HTTPRoute spec.parentRefs).",
            { minItems: 1, maxItems: 32 },
          ),
          hostnames: optional(list(string("A host name.", { maxLength: 253 }), "The HTTPRoute's hostnames. Default: every host of the Gateway.", { maxItems: 16 })),
          testTrafficHeader: optional(
            object(
              {
                name: string("The header name. Default x-ecs-test-traffic.", { maxLength: 256 }),
                value: string("The header value. Default true.", { maxLength: 4096 }),
              },
              "The request header that sends a request to the test (green) revision during a deployment.",
            ),
          ),
        },
        "An HTTPRoute (Gateway API) in front of the service: with strategy BLUE_GREEN, LINEAR or CANARY, production and test traffic shift by backendRef weights between the blue and green revisions (what ECS's listener rules and target groups do).",
      ),
    ),
    ingress: optional(
      object(
        {
          className: optional(string("The IngressClass: a DNS subdomain (lower-case alphanumerics, '-' and '.').", { maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN })),
          host: optional(string("The host name.", { maxLength: 253 })),
          hosts: optional(list(string("A host name.", { maxLength: 253 }), "More host names (each gets the same paths; TLS covers all of them).", { maxItems: 20 })),
          path: optional(string("The path. Default /.")),
          pathType: optional(stringEnum(["Prefix", "Exact", "ImplementationSpecific"], "How path matches. Default Prefix.")),
          containerName: optional(string("The container that receives the traffic. Default: that of the first loadBalancers entry.", { maxLength: 255 })),
          containerPort: optional(integer("The container port that receives the traffic. Default: that of the first loadBalancers entry.", { minimum: 1, maximum: 65_535 })),
          paths: optional(
            list(
              object(
                {
                  path: string("The path."),
                  pathType: optional(stringEnum(["Prefix", "Exact", "ImplementationSpecific"], "How path matches. Default: pathType above, else Prefix.")),
                  containerName: optional(string("The container that receives this path's traffic. Default: containerName above.", { maxLength: 255 })),
                  containerPort: optional(integer("The container port that receives this path's traffic. Default: containerPort above.", { minimum: 1, maximum: 65_535 })),
                },
                "A path routed to a container port (what a listener rule with a path condition is in ECS).",
              ),
              "Paths, each to a container port of a loadBalancers entry, instead of path/pathType.",
              { maxItems: 50 },
            ),
          ),
          tls: optional(
            object(
              { secretName: string("The Secret with the TLS certificate: a DNS subdomain.", { maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN }) },
              "TLS for the host.",
            ),
          ),
          annotations: optional(annotationMap("Annotations of the Ingress.")),
        },
        "An Ingress in front of the service (what an ALB listener rule is in ECS).",
      ),
    ),
    lifecycleHookTargets: optional(
      list(LifecycleHookTarget, "What each AWS_LAMBDA lifecycle hook's hookTargetArn runs: an HTTP(S) endpoint or a Job (docs/lifecycle-hooks.md).", { maxItems: 10, listMapKeys: ["hookTargetArn"] }),
    ),
    minReadySeconds: optional(
      integer(
        "Seconds a new task must have been running before it counts toward minimumHealthyPercent (the Deployment's minReadySeconds). Default: 40 when no essential container of the task definition has a healthCheck (ECS's 40-second rule), else 0.",
        { minimum: 0, maximum: 3600 },
      ),
    ),
  },
  "Kubernetes-only settings of the service.",
);
export type ServiceKubernetes = Static<typeof ServiceKubernetes>;

// ---------------------------------------------------------------- the spec

const DAEMON = "has(self.schedulingStrategy) && self.schedulingStrategy == 'DAEMON'";

const SERVICE_RULES: CelRule[] = [
  launchTypeXorStrategyRule("spec"),
  {
    rule: "has(self.taskDefinition) || (has(self.deploymentController) && self.deploymentController.type == 'EXTERNAL')",
    message: "spec.taskDefinition: required (family, family:revision or an ARN), unless deploymentController is EXTERNAL",
    fieldPath: ".taskDefinition",
  },
  {
    rule: `!(${DAEMON}) || !has(self.launchType) || self.launchType != 'FARGATE'`,
    message: "spec.schedulingStrategy: FARGATE does not support the DAEMON scheduling strategy",
    fieldPath: ".schedulingStrategy",
  },
  {
    // ECS: "Task placement strategies and constraints aren't supported for tasks using the Fargate launch type."
    rule: "!has(self.launchType) || self.launchType != 'FARGATE' || !has(self.placementConstraints) || self.placementConstraints.size() == 0",
    message: "spec.placementConstraints: FARGATE services take no placement constraints",
    fieldPath: ".placementConstraints",
  },
  {
    rule: "!has(self.launchType) || self.launchType != 'FARGATE' || !has(self.placementStrategy) || self.placementStrategy.size() == 0",
    message: "spec.placementStrategy: FARGATE services take no placement strategy",
    fieldPath: ".placementStrategy",
  },
  {
    rule: `!(${DAEMON}) || !has(self.deploymentController) || self.deploymentController.type == 'ECS'`,
    message: "spec.schedulingStrategy: DAEMON needs the ECS deployment controller",
    fieldPath: ".schedulingStrategy",
  },
  {
    // ECS: a DAEMON service keeps maximumPercent at 100 (one task per instance: no room to start a new task beside the old).
    rule: `!(${DAEMON}) || !has(self.deploymentConfiguration) || !has(self.deploymentConfiguration.maximumPercent) || self.deploymentConfiguration.maximumPercent == 100`,
    message: "spec.deploymentConfiguration.maximumPercent: a DAEMON service runs one task per node and keeps maximumPercent at 100 (ECS); remove it or set 100, and use minimumHealthyPercent to pace the rollout",
    fieldPath: ".deploymentConfiguration.maximumPercent",
  },
  {
    rule: `!(${DAEMON}) || !has(self.autoScaling)`,
    message: "spec.autoScaling: a DAEMON service runs one task per node and cannot be auto scaled",
    fieldPath: ".autoScaling",
  },
  {
    rule:
      "!has(self.deploymentConfiguration) || !has(self.deploymentConfiguration.deploymentCircuitBreaker) || !self.deploymentConfiguration.deploymentCircuitBreaker.enable || " +
      "!has(self.deploymentController) || self.deploymentController.type == 'ECS'",
    message: "spec.deploymentConfiguration.deploymentCircuitBreaker: only with the ECS deployment controller",
    fieldPath: ".deploymentConfiguration",
  },
  {
    rule: "!has(self.loadBalancers) || !has(self.kubernetes) || !has(self.kubernetes.ingress) || !has(self.kubernetes.ingress.containerName) || self.loadBalancers.exists(l, l.containerName == self.kubernetes.ingress.containerName)",
    message: "spec.kubernetes.ingress.containerName: must be the containerName of a loadBalancers entry",
    fieldPath: ".kubernetes.ingress.containerName",
  },
  {
    rule: "!has(self.loadBalancers) || !has(self.kubernetes) || !has(self.kubernetes.ingress) || !has(self.kubernetes.ingress.paths) || self.kubernetes.ingress.paths.all(p, !has(p.containerName) || self.loadBalancers.exists(l, l.containerName == p.containerName))",
    message: "spec.kubernetes.ingress.paths: each containerName must be the containerName of a loadBalancers entry",
    fieldPath: ".kubernetes.ingress.paths",
  },
];

export const ServiceSpec = ecsObject(
  {
    cluster: optional(string("The Cluster (in this namespace) the service runs in. Default: the Cluster named default.", { maxLength: 255 })),
    serviceName: optional(string("The name of the service in ECS terms. Default: metadata.name.", { maxLength: 255, pattern: "^[a-zA-Z0-9_-]{1,255}$" })),
    taskDefinition: optional(
      string("The TaskDefinition to run: family (latest ACTIVE revision), family:revision, or an ECS ARN ending in task-definition/family:revision.", { maxLength: 2048 }),
    ),
    availabilityZoneRebalancing: optional(stringEnum(["ENABLED", "DISABLED"], "Rebalance tasks across zones. Default ENABLED.")),
    loadBalancers: optional(list(LoadBalancer, "Load balancers in front of the service (at most 5); become a Kubernetes Service.", { maxItems: 5 })),
    serviceRegistries: optional(list(ServiceRegistry, "Service discovery registrations (at most 1).", { maxItems: 1 })),
    desiredCount: optional(
      integer("How many tasks to keep running (REPLICA). Default 1. Changed by kubectl scale and by autoScaling through the scale subresource.", { minimum: 0 }),
    ),
    clientToken: optional(string("An idempotency token. Accepted and ignored.")),
    launchType: optional(stringEnum(LAUNCH_TYPES, "Where tasks run, instead of capacityProviderStrategy: EC2 or FARGATE select CapacityProviders of that type.")),
    capacityProviderStrategy: optional(
      capacityProviderStrategy(
        "spec.capacityProviderStrategy",
        "How tasks are split over CapacityProviders (base, then weights), realised as one Deployment per provider. Default: the Cluster's defaultCapacityProviderStrategy.",
      ),
    ),
    platformVersion: optional(string("The Fargate platform version. Accepted and ignored.")),
    role: optional(string("The IAM role for the load balancer. Accepted and ignored.")),
    deploymentConfiguration: optional(DeploymentConfiguration),
    placementConstraints: optional(PlacementConstraints),
    placementStrategy: optional(PlacementStrategies),
    networkConfiguration: optional(NetworkConfiguration),
    healthCheckGracePeriodSeconds: optional(
      integer("Seconds during which failing load balancer and container health checks are ignored after a task starts (startup probes).", { minimum: 0, maximum: 2_147_483_647 }),
    ),
    schedulingStrategy: optional(stringEnum(SCHEDULING_STRATEGIES, "REPLICA (default): desiredCount tasks (Deployments). DAEMON: one task per matching node (a DaemonSet).")),
    deploymentController: optional(
      ecsObject(
        { type: stringEnum(DEPLOYMENT_CONTROLLERS, "ECS (default): rolling (and traffic-shifting) deployments. CODE_DEPLOY and EXTERNAL are reported as unsupported.") },
        "Who deploys new revisions.",
      ),
    ),
    tags: optional(Tags),
    enableECSManagedTags: optional(boolean("Tag tasks with the cluster and service names (as pod labels). Default false.")),
    propagateTags: optional(stringEnum(PROPAGATE_TAGS, "Copy the tags of the task definition or the service to the tasks (as pod annotations). Default NONE.")),
    enableExecuteCommand: optional(boolean("Allow ECS Exec into the tasks (kubectl exec works regardless).")),
    serviceConnectConfiguration: optional(ServiceConnectConfiguration),
    volumeConfigurations: optional(list(ServiceVolumeConfiguration, "Volumes of the task definition with configuredAtLaunch.", { maxItems: 1 })),
    vpcLatticeConfigurations: optional(list(opaqueObject("A VPC Lattice target group (roleArn, targetGroupArn, portName). Reported as unsupported."), "VPC Lattice target groups.", { maxItems: 5 })),
    autoScaling: optional(AutoScaling),
    kubernetes: optional(ServiceKubernetes),
  },
  "The CreateService input, as `aws ecs create-service --cli-input-json` takes it, plus autoScaling and kubernetes.",
  { rules: SERVICE_RULES },
);
export type ServiceSpec = Static<typeof ServiceSpec>;

// ---------------------------------------------------------------- status

const DEPLOYMENT_STATUSES = ["PRIMARY", "ACTIVE", "INACTIVE"] as const;

export const ServiceDeployment = object(
  {
    id: string("The ID of the deployment."),
    status: stringEnum(DEPLOYMENT_STATUSES, "PRIMARY: the newest deployment. ACTIVE: an older one still running tasks. INACTIVE: drained."),
    taskDefinition: optional(string("The task definition revision, family:revision.")),
    desiredCount: optional(integer("Tasks this deployment should run.", { minimum: 0 })),
    pendingCount: optional(integer("Tasks of this deployment that are PENDING.", { minimum: 0 })),
    runningCount: optional(integer("Tasks of this deployment that are RUNNING.", { minimum: 0 })),
    failedTasks: optional(integer("Tasks of this deployment that failed to start (circuit breaker input).", { minimum: 0 })),
    createdAt: optional(string("When the deployment was created.", { format: "date-time" })),
    updatedAt: optional(string("When the deployment last changed.", { format: "date-time" })),
    launchType: optional(string("The launch type of the deployment.")),
    capacityProviderStrategy: optional(list(opaqueObject("A capacityProviderStrategy item."), "The capacity provider strategy of the deployment.", { maxItems: 20 })),
    rolloutState: optional(stringEnum(ROLLOUT_STATES, "IN_PROGRESS, COMPLETED or FAILED.")),
    rolloutStateReason: optional(string("Why the rollout is in its state.")),
  },
  "A deployment of the service, as DescribeServices shows it.",
);

const SERVICE_DEPLOYMENT_STATUSES = ["PENDING", "SUCCESSFUL", "STOPPED", "STOP_REQUESTED", "IN_PROGRESS", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"] as const;
/** ECS's lifecycle stages of a BLUE_GREEN, LINEAR or CANARY deployment, in the order a deployment passes them. */
export const LIFECYCLE_STAGES = [
  "RECONCILE_SERVICE",
  "PRE_SCALE_UP",
  "SCALE_UP",
  "POST_SCALE_UP",
  "TEST_TRAFFIC_SHIFT",
  "POST_TEST_TRAFFIC_SHIFT",
  "PRODUCTION_TRAFFIC_SHIFT",
  "POST_PRODUCTION_TRAFFIC_SHIFT",
  "BAKE_TIME",
  "CLEAN_UP",
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

const ServiceRevisionSummary = object(
  {
    arn: string("The ECS deployment id of the revision (ecs-svc/<digits>)."),
    taskDefinition: optional(string("The task definition revision, family:revision.")),
    color: optional(stringEnum(["blue", "green"], "The color of its Deployments (none: a Deployment from a ROLLING deployment).")),
    requestedTaskCount: optional(integer("Tasks it should run.", { minimum: 0 })),
    runningTaskCount: optional(integer("Tasks of it that are RUNNING.", { minimum: 0 })),
    requestedProductionTrafficWeight: optional(number("Its share of production traffic, percent.", { minimum: 0, maximum: 100 })),
    requestedTestTrafficWeight: optional(number("Its share of test traffic, percent.", { minimum: 0, maximum: 100 })),
  },
  "A service revision of a deployment, as DescribeServiceDeployments shows it.",
);

export const ServiceDeploymentDescription = object(
  {
    serviceDeploymentArn: string("The deployment id of the target revision (ecs-svc/<digits>)."),
    strategy: optional(stringEnum(DEPLOYMENT_STRATEGIES, "The strategy the deployment runs with.")),
    status: stringEnum(SERVICE_DEPLOYMENT_STATUSES, "PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED."),
    statusReason: optional(string("Why the deployment is in its status.")),
    lifecycleStage: optional(stringEnum(LIFECYCLE_STAGES, "The stage the deployment is in (ECS's names).")),
    lifecycleStageStartedAt: optional(string("When the deployment entered its stage (bake and step times count from here).", { format: "date-time" })),
    lastTrafficShiftAt: optional(string("When the production weight last moved (LINEAR and CANARY step bake times count from here).", { format: "date-time" })),
    sourceServiceRevisions: optional(list(ServiceRevisionSummary, "The revision traffic moves away from (blue).", { maxItems: 1 })),
    targetServiceRevision: optional(ServiceRevisionSummary),
    createdAt: optional(string("When the deployment started.", { format: "date-time" })),
    updatedAt: optional(string("When it last changed.", { format: "date-time" })),
    finishedAt: optional(string("When it ended (SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED).", { format: "date-time" })),
    rollback: optional(
      object(
        {
          reason: string("Why it rolls back."),
          startedAt: string("When the rollback started.", { format: "date-time" }),
          serviceRevisionArn: optional(string("The deployment id it returns to.")),
        },
        "The rollback, when there is one.",
      ),
    ),
  },
  "A deployment of a traffic-shifting strategy, as DescribeServiceDeployments shows it.",
);

export const ServiceStatus = object(
  {
    observedGeneration: optional(observedGeneration),
    conditions: optional(Conditions),
    lifecycleHooks: optional(
      object(
        {
          deploymentId: string("The deployment the hook executions belong to (a new deployment starts afresh)."),
          lifecycleHookDetails: list(LifecycleHookDetail, "The hook executions of that deployment, in the order they started.", { maxItems: 500 }),
        },
        "The lifecycle hooks of the latest deployment (docs/lifecycle-hooks.md). Kept here so a restarted controller never calls a SUCCEEDED hook again nor forgets an IN_PROGRESS one.",
      ),
    ),
    serviceName: optional(string("The name of the service.")),
    cluster: optional(string("The Cluster the service runs in.")),
    status: optional(stringEnum(["ACTIVE", "DRAINING", "INACTIVE"], "ACTIVE, or DRAINING while being deleted.")),
    desiredCount: optional(integer("Tasks the service should run (for DAEMON: matching nodes).", { minimum: 0 })),
    runningCount: optional(integer("Tasks that are RUNNING.", { minimum: 0 })),
    pendingCount: optional(integer("Tasks that are PENDING.", { minimum: 0 })),
    taskDefinition: optional(string("The task definition revision of the PRIMARY deployment, family:revision.")),
    launchType: optional(string("The launch type in use.")),
    deployments: optional(list(ServiceDeployment, "Deployments, the PRIMARY one first.", { maxItems: 10 })),
    serviceDeployments: optional(list(ServiceDeploymentDescription, "Deployments of strategy BLUE_GREEN, LINEAR or CANARY, the current one first (DescribeServiceDeployments).", { maxItems: 5 })),
    lastRollbackRequest: optional(string("The value of the ecs.operator.dev/rollback annotation last acted on.", { maxLength: 256 })),
    events: optional(list(ServiceEvent, "The latest events, newest first (at most 100).", { maxItems: 100 })),
    selector: optional(string("The label selector of the service's pods (scale subresource).")),
  },
  "The service as DescribeServices shows it, plus kstatus conditions.",
);
export type ServiceStatus = Static<typeof ServiceStatus>;
export type ServiceDeploymentDescription = Static<typeof ServiceDeploymentDescription>;

/** The CamelCase reasons of a Service's Ready, Reconciling and Stalled conditions. */
export const ServiceReason = {
  SteadyState: "SteadyState",
  DeploymentInProgress: "DeploymentInProgress",
  RollingBack: "RollingBack",
  RolledBack: "RolledBack",
  RollbackFailed: "RollbackFailed",
  DeploymentFailed: "DeploymentFailed",
  TasksPending: "TasksPending",
  Draining: "Draining",
  TaskDefinitionNotFound: "TaskDefinitionNotFound",
  InvalidTaskDefinition: "InvalidTaskDefinition",
  InvalidCapacity: ConditionReason.InvalidCapacity,
  InvalidPlacement: ConditionReason.InvalidPlacement,
  UnsupportedSchedulingStrategy: "UnsupportedSchedulingStrategy",
  NotOwned: ConditionReason.NotOwned,
} as const;

// ---------------------------------------------------------------- defaults

export const SERVICE_DEFAULTS = {
  desiredCount: 1,
  schedulingStrategy: "REPLICA",
  deploymentController: "ECS",
  strategy: "ROLLING",
  /** ECS defaults per scheduling strategy. */
  deploymentConfiguration: {
    REPLICA: { maximumPercent: 200, minimumHealthyPercent: 100 },
    DAEMON: { maximumPercent: 100, minimumHealthyPercent: 0 },
  },
  propagateTags: "NONE",
  availabilityZoneRebalancing: "ENABLED",
  enableECSManagedTags: false,
  healthCheckGracePeriodSeconds: 0,
  /** The Cluster used when spec.cluster is empty. */
  cluster: "default",
  ingress: { path: "/", pathType: "Prefix" },
  serviceType: "ClusterIP",
} as const;
