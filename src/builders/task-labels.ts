// The labels and annotations every pod (and pod-owning child) the controllers create carries, so that the
// Cluster roll-up, the Service and Task status, `kubectl get pods -l` and placement expressions can find
// tasks by cluster, service, task, provider and group. One module, so that writers and readers agree.
import { toLabelValue } from "./names.ts";
import { DEFAULT_TASK_GROUP_LABEL, taskGroupLabelValue } from "./query-language.ts";

/** The ECS task group (`service:web`, `family:nginx`, RunTask's group), as taskGroupLabelValue writes it. */
export const GROUP_LABEL = DEFAULT_TASK_GROUP_LABEL;
export { taskGroupLabelValue };

/** The Cluster (metadata.name) a task belongs to. */
export const CLUSTER_LABEL = "ecs.operator.dev/cluster";
/** The ECS Service (metadata.name) whose deployment runs the task. */
export const SERVICE_LABEL = "ecs.operator.dev/service";
/** The Task object (metadata.name) the pod is one of the tasks of. */
export const TASK_LABEL = "ecs.operator.dev/task";
/** The ScheduledTask (metadata.name) whose run created the task. */
export const SCHEDULED_TASK_LABEL = "ecs.operator.dev/scheduled-task";
/** The capacity provider name (as strategies use it) the pod was placed with. */
export const CAPACITY_PROVIDER_LABEL = "ecs.operator.dev/capacity-provider";
/** Set on pods of FARGATE-type providers ("FARGATE") and EC2-type ones ("EC2"). */
export const LAUNCH_TYPE_LABEL = "ecs.operator.dev/launch-type";
/** Who started the task (RunTask's startedBy; `ecs-svc/<service>` for service tasks, as ECS writes it). */
export const STARTED_BY_ANNOTATION = "ecs.operator.dev/started-by";
/** The label value of a name that may not be a valid label value (ECS names allow up to 255 characters). */
export const nameLabelValue = (name: string): string => toLabelValue(name);
