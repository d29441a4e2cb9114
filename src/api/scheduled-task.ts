// ScheduledTask: an EventBridge (Scheduler) schedule whose target is RunTask; the controller creates a Task per run. Schedule
// expressions are EventBridge's (rate(...), six-field cron(...), at(...)); the controller computes each run time
// itself (and shows the exact Kubernetes cron in status when one exists), reporting expressions it refuses as Stalled.
import { Conditions, KubernetesMetadataKnobs, observedGeneration } from "./common.ts";
import { integer, list, object, optional, type Static, string, stringEnum } from "./structural-schema.ts";
import { runTaskInput, STOP_CODES, TASK_LAST_STATUSES } from "./task.ts";

/** The most runs ScheduledTask status lists. */
export const MAX_SCHEDULED_RUNS = 50;

const SCHEDULE_STATES = ["ENABLED", "DISABLED"] as const;

/** rate(1 minute) ... rate(5 days), cron() with the six EventBridge fields, or at(yyyy-mm-ddThh:mm:ss) for one run (EventBridge Scheduler). */
const SCHEDULED_TASK_EXPRESSION_PATTERN = "^(at[(][0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[)]|rate[(] *[1-9][0-9]* +(minute|minutes|hour|hours|day|days) *[)]|cron[(] *[^ ]+( +[^ ]+){5} *[)])$";

const ScheduledTaskKubernetes = object(
  {
    ...KubernetesMetadataKnobs,
    concurrencyPolicy: optional(stringEnum(["Allow", "Forbid", "Replace"], "What happens when a run is due while the previous one still runs. Default Allow (EventBridge starts a new task regardless).")),
    startingDeadlineSeconds: optional(integer("Seconds after the scheduled time within which a missed run still starts.", { minimum: 0 })),
    successfulJobsHistoryLimit: optional(integer("Finished runs kept. Default 3.", { minimum: 0 })),
    failedJobsHistoryLimit: optional(integer("Failed runs kept. Default 1.", { minimum: 0 })),
  },
  "Kubernetes-only settings of the schedule, with CronJob's names and meanings.",
);

export const ScheduledTaskSpec = object(
  {
    scheduleExpression: string("rate(value unit), for example rate(5 minutes); cron(minutes hours day-of-month month day-of-week year), for example cron(0 12 * * ? *); or at(yyyy-mm-ddThh:mm:ss) for a single run, in scheduleExpressionTimezone.", {
      maxLength: 256,
      rules: [
        {
          rule: `self.matches('${SCHEDULED_TASK_EXPRESSION_PATTERN}')`,
          message: "spec.scheduleExpression: must be rate(value unit), e.g. rate(5 minutes), or cron() with six fields, e.g. cron(0 12 * * ? *), or at(yyyy-mm-ddThh:mm:ss) for a single run",
        },
      ],
    }),
    scheduleExpressionTimezone: optional(string("The IANA time zone of cron expressions, for example Europe/Berlin. Default UTC.", { maxLength: 64, pattern: "^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$" })),
    state: optional(stringEnum(SCHEDULE_STATES, "ENABLED (default) runs the schedule; DISABLED suspends it.")),
    description: optional(string("What the schedule is for.", { maxLength: 512 })),
    startDate: optional(string("No run before this time.", { format: "date-time" })),
    endDate: optional(string("No run after this time.", { format: "date-time" })),
    retryPolicy: optional(
      object(
        {
          maximumRetryAttempts: optional(integer("How often EventBridge retries a RunTask call that fails, 0 to 185. Accepted: the controller retries a run whose Task cannot be created (with backoff) until maximumEventAgeInSeconds passes.", { minimum: 0, maximum: 185 })),
          maximumEventAgeInSeconds: optional(integer("Seconds after its scheduled time within which a run is still started (or retried); later it is skipped.", { minimum: 60, maximum: 86_400 })),
        },
        "Retries of a run that fails to start.",
      ),
    ),
    task: runTaskInput("spec.task", "The task to run at each scheduled time: a RunTask input."),
    kubernetes: optional(ScheduledTaskKubernetes),
  },
  "An EventBridge schedule whose target is ECS RunTask.",
  {
    rules: [
      {
        rule: "!has(self.startDate) || !has(self.endDate) || timestamp(self.startDate) < timestamp(self.endDate)",
        message: "spec.endDate: must be after startDate",
        fieldPath: ".endDate",
      },
    ],
  },
);
export type ScheduledTaskSpec = Static<typeof ScheduledTaskSpec>;

export const ScheduledTaskStatus = object(
  {
    observedGeneration: optional(observedGeneration),
    conditions: optional(Conditions),
    state: optional(stringEnum(SCHEDULE_STATES, "ENABLED or DISABLED.")),
    schedule: optional(string("The Kubernetes cron expression the schedule became.")),
    timeZone: optional(string("The time zone in use.")),
    lastScheduleTime: optional(string("When a run was last started.", { format: "date-time" })),
    lastSuccessfulTime: optional(string("When a run last succeeded.", { format: "date-time" })),
    active: optional(list(string("A Task name."), "Tasks of runs still running.", { maxItems: 100 })),
    nextScheduleTime: optional(string("When the next run is due (absent when no run is left: an at() in the past, an endDate passed, or DISABLED).", { format: "date-time" })),
    runs: optional(
      list(
        object(
          {
            taskName: string("The Task this run created."),
            scheduledTime: string("The scheduled time of the run.", { format: "date-time" }),
            lastStatus: optional(stringEnum(TASK_LAST_STATUSES, "The run's Task lastStatus.")),
            stopCode: optional(stringEnum(STOP_CODES, "Why the run's task stopped.")),
            stoppedReason: optional(string("Why the run's task stopped, in words.")),
            startedAt: optional(string("When the run's task started running.", { format: "date-time" })),
            stoppedAt: optional(string("When the run's task stopped.", { format: "date-time" })),
          },
          "One run of the schedule: a Task created at its scheduled time.",
        ),
        "Recent runs, newest first (those whose Tasks are kept by the history limits).",
        { maxItems: MAX_SCHEDULED_RUNS },
      ),
    ),
  },
  "The state of the schedule.",
);
export type ScheduledTaskStatus = Static<typeof ScheduledTaskStatus>;

/** The CamelCase reasons of a ScheduledTask's conditions. */
export const ScheduledTaskReason = {
  Scheduled: "Scheduled",
  Disabled: "Disabled",
  ScheduleEnded: "ScheduleEnded",
  /** Stalled: the schedule expression or time zone cannot be run. */
  InvalidSchedule: "InvalidSchedule",
} as const;

export const SCHEDULED_TASK_DEFAULTS = {
  state: "ENABLED",
  scheduleExpressionTimezone: "UTC",
  concurrencyPolicy: "Allow",
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 1,
} as const;
