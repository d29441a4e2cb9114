// Every label, annotation and finalizer key the operator writes or reads, in one module, so that the writer of a
// key and each reader spell it the same way and a reader of the code finds what a key means in one place.
// Keys under ecs.operator.dev/ are the operator's own; users must not set them (the operator's value always wins,
// see docs/mapping.md "Labels"). The last section names the keys of other owners that the operator writes or reads.
import { API_GROUP } from "./common.ts";

/** The prefix of every label and annotation key the operator owns. */
export const OPERATOR_KEY_PREFIX = `${API_GROUP}/`;

// ---------------------------------------------------------------- labels on task pods and their owners

/** The Cluster (metadata.name) a task belongs to. */
export const CLUSTER_LABEL = `${API_GROUP}/cluster`;
/** The ECS Service (metadata.name) whose deployment runs the task. */
export const SERVICE_LABEL = `${API_GROUP}/service`;
/** The Task object (metadata.name) the pod is one of the tasks of. */
export const TASK_LABEL = `${API_GROUP}/task`;
/** The ScheduledTask (metadata.name) whose run created the Task (on the Task and on its pods). */
export const SCHEDULED_TASK_LABEL = `${API_GROUP}/scheduled-task`;
/** The capacity provider name (as strategies use it) the pod was placed with. */
export const CAPACITY_PROVIDER_LABEL = `${API_GROUP}/capacity-provider`;
/** The launch type of the pod's provider: "FARGATE" for FARGATE-type providers, "EC2" for EC2-type ones. */
export const LAUNCH_TYPE_LABEL = `${API_GROUP}/launch-type`;
/** The ECS task group (`service:web`, `family:nginx`, RunTask's group); memberOf(task:group == …) selects on it. */
export const GROUP_LABEL = `${API_GROUP}/group`;
/** The ECS deployment (`ecs-svc/<digits>`) a service pod belongs to: the digits only, as a label value. */
export const DEPLOYMENT_LABEL = `${API_GROUP}/deployment`;
/**
 * The color of a Service's Deployments under a traffic-shifting strategy (BLUE_GREEN, LINEAR, CANARY): `blue` or
 * `green`. Each deployment takes the color its predecessor does not have, so the two revisions run side by side in
 * Deployments of stable names (`<service>-<provider>-<color>`) whose selectors never overlap. docs/deployments.md.
 */
export const COLOR_LABEL = `${API_GROUP}/color`;
/**
 * The shard bucket (0-63) of the ECS Service an object belongs to: a hash of the Service's namespace and name
 * (builders/service/shard.ts). A replica running one shard of the Service controller selects on it. docs/operations.md.
 */
export const SHARD_BUCKET_LABEL = `${API_GROUP}/shard-bucket`;
/** The key of the node-affinity requirement pair (Exists and DoesNotExist) that no node can meet. */
export const UNSATISFIABLE_LABEL = `${API_GROUP}/unsatisfiable`;

// ---------------------------------------------------------------- labels on ControllerRevisions (task definitions)

/** A label-safe form of the task definition family (the exact family is in FAMILY_ANNOTATION). */
export const FAMILY_LABEL = `${API_GROUP}/family`;
/** The revision number of a task definition revision, also on the pods that run it. */
export const REVISION_LABEL = `${API_GROUP}/revision`;
/** The hash of a revision's normalised spec: the same spec registered twice is one revision. */
export const SPEC_HASH_LABEL = `${API_GROUP}/spec-hash`;

// ---------------------------------------------------------------- annotations

/** The family, exactly (FAMILY_LABEL holds a label-safe form of it). Same key as the label, on annotations. */
export const FAMILY_ANNOTATION = `${API_GROUP}/family`;
/** `family:revision` of the task definition a pod runs. */
export const TASK_DEFINITION_ANNOTATION = `${API_GROUP}/task-definition`;
/** JSON: one ContainerMapping per container, for the Task controller's essential and dependsOn semantics. */
export const CONTAINERS_ANNOTATION = `${API_GROUP}/containers`;
/** JSON: every container's dockerLabels, by ECS container name. */
export const DOCKER_LABELS_ANNOTATION = `${API_GROUP}/docker-labels`;
/** Each Docker label whose key is a valid annotation name is also an annotation with this prefix. */
export const DOCKER_LABEL_ANNOTATION_PREFIX = `docker-label.${API_GROUP}/`;
/** JSON: each container's logConfiguration (without secretOptions), by ECS container name. */
export const LOG_CONFIGURATION_ANNOTATION = `${API_GROUP}/log-configuration`;
/** Who started the task (RunTask's startedBy; `ecs-svc/<service>` for service tasks, as ECS writes it). */
export const STARTED_BY_ANNOTATION = `${API_GROUP}/started-by`;
/** A task's tags (RunTask's, the propagated ones, the ECS-managed ones) as one JSON object, key → value. */
export const TAGS_ANNOTATION = `${API_GROUP}/tags`;
/** Each tag whose key is a valid annotation name is also an annotation with this prefix. */
export const TAG_ANNOTATION_PREFIX = `tag.${API_GROUP}/`;
/** Which of a Task's `count` tasks the pod is (0-based). */
export const TASK_INDEX_ANNOTATION = `${API_GROUP}/task-index`;
/** The full ECS deployment id (`ecs-svc/<digits>`) on service pods, Deployments and DaemonSets. */
export const DEPLOYMENT_ID_ANNOTATION = `${API_GROUP}/deployment-id`;
/**
 * UpdateService's forceNewDeployment, declaratively: every new value of this annotation on the Service starts a new
 * deployment of the same revision (like `kubectl rollout restart`'s restartedAt).
 */
export const FORCE_NEW_DEPLOYMENT_ANNOTATION = `${API_GROUP}/force-new-deployment`;
/**
 * A person's request to roll back the deployment in progress (the ECS console's "Roll back", StopServiceDeployment
 * with ROLLBACK): `kubectl annotate --overwrite ecsservice web ecs.operator.dev/rollback="$(date +%s)"`. Each new value
 * is one request; the value acted on is kept in status.lastRollbackRequest, so an old value never stops a later
 * deployment. docs/deployments.md.
 */
export const ROLLBACK_ANNOTATION = `${API_GROUP}/rollback`;
/**
 * On a Service's HPA: when the controller first saw each scheduled action (JSON, action key → RFC 3339), so that an
 * action acts only at times after it existed, across controller restarts (scheduled-scaling.ts).
 */
export const SCHEDULED_ACTIONS_SEEN_ANNOTATION = `${API_GROUP}/scheduled-actions-seen`;
/** The scheduled time (RFC 3339) a ScheduledTask run's Task was created for. */
export const SCHEDULED_AT_ANNOTATION = `${API_GROUP}/scheduled-at`;
/** StopTask's `reason` on a Task: set it, then spec.desiredStatus STOPPED; it becomes the stoppedReason. */
export const STOP_REASON_ANNOTATION = `${API_GROUP}/stop-reason`;
/** The hash of the desired object last applied to a child: a resync of an unchanged child writes nothing. */
export const APPLIED_HASH_ANNOTATION = `${API_GROUP}/applied-hash`;

// ---------------------------------------------------------------- lifecycle hooks (docs/lifecycle-hooks.md)

/**
 * ContinueServiceDeployment, declaratively: a person sets it on the Service to the hookId of a paused PAUSE hook
 * (`<hookId>`, or `<hookId>:ROLLBACK` to roll back), e.g. `kubectl annotate ecsservice web
 * ecs.operator.dev/continue=pause-12345678-post-test-traffic-shift-0 --overwrite`. The hookId is in the pause event
 * and in status.lifecycleHooks; a stale value never continues a later pause, whose hookId differs.
 */
export const CONTINUE_DEPLOYMENT_ANNOTATION = `${API_GROUP}/continue`;
/** The hook execution (hookId) a hook Job runs for. */
export const HOOK_ID_ANNOTATION = `${API_GROUP}/hook-id`;
/** The JSON payload a hook Job was created with (also in its containers' ECS_HOOK_PAYLOAD). */
export const HOOK_PAYLOAD_ANNOTATION = `${API_GROUP}/hook-payload`;
/** The lifecycle stage a hook Job (and its pods) runs at. */
export const HOOK_STAGE_LABEL = `${API_GROUP}/hook-stage`;
/**
 * The ECS Service (metadata.name) a hook Job's pods run for. Not SERVICE_LABEL: that label selects the service's task
 * pods (Kubernetes Services, PDBs), and a hook pod must never receive the service's traffic.
 */
export const HOOK_SERVICE_LABEL = `${API_GROUP}/hook-service`;

// ---------------------------------------------------------------- finalizers

/** Holds a Service's deletion until its tasks have stopped (ECS DRAINING). */
export const SERVICE_FINALIZER = `${API_GROUP}/service-draining`;
/** Holds a Cluster's deletion until it contains no active service and no running or pending task. */
export const CLUSTER_FINALIZER = `${API_GROUP}/delete-when-empty`;

// ---------------------------------------------------------------- keys of other owners

/** app.kubernetes.io/managed-by: set to MANAGED_BY on every object the operator creates. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "ecs-operator";
/** EKS IRSA: the IAM role of a taskRoleArn, on the ServiceAccount the operator makes for it. */
export const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";
/** Well-known node labels the operator places pods by and reads task attributes from. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
export const OS_LABEL = "kubernetes.io/os";
export const ARCH_LABEL = "kubernetes.io/arch";
export const INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type";
export const WINDOWS_BUILD_LABEL = "node.kubernetes.io/windows-build";
