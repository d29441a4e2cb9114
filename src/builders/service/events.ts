// status.events[] of a Service, as DescribeServices shows them: ECS-worded messages, newest first, bounded, each with
// an id and createdAt. Pure: the caller passes the clock; ids are derived from the time and message, so computing
// the same status twice gives the same events.
import { createHash } from "node:crypto";
import { kubeTime } from "../../api/time.ts";

export interface ServiceEventEntry {
  id?: string;
  createdAt?: string;
  message?: string;
}

/** At most this many events are kept (ECS shows the latest 100). */
export const MAX_SERVICE_EVENTS = 100;

/** Characters of one event's message: they quote the API server and user input, and status must stay small. */
export const MAX_SERVICE_EVENT_MESSAGE_CHARS = 1024;

/** A message as status.events[] stores it: cut to MAX_SERVICE_EVENT_MESSAGE_CHARS, saying so. */
export function serviceEventMessage(message: string): string {
  const max = MAX_SERVICE_EVENT_MESSAGE_CHARS;
  return message.length <= max ? message : `${message.slice(0, max - 20)}… (${message.length - (max - 20)} more)`;
}

function eventId(createdAt: string, message: string, index: number): string {
  const h = createHash("sha256").update(`${createdAt}\u0000${index}\u0000${message}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `messages` (oldest first, as they happened) put in front of `previous`, newest first, bounded. */
export function appendServiceEvents(previous: readonly ServiceEventEntry[] | undefined, messages: readonly string[], now: Date, max = MAX_SERVICE_EVENTS): ServiceEventEntry[] {
  const createdAt = kubeTime(now);
  const fresh = messages.map(serviceEventMessage).map((message, i) => ({ id: eventId(createdAt, message, i), createdAt, message })).reverse();
  return [...fresh, ...(previous ?? [])].slice(0, max);
}

/** A service event as a Kubernetes Event: its type and CamelCase reason are decided where the message is made. */
export interface ServiceEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/** At most this many task ids in one "has started"/"has stopped" message (more tasks: more messages, as ECS splits them). */
export const TASKS_PER_MESSAGE = 10;

const taskList = (ids: readonly string[]): string => ids.map((id) => `(task ${id})`).join(" ");

/** Task ids in groups of TASKS_PER_MESSAGE, for one message each. */
export function taskGroups(ids: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < ids.length; i += TASKS_PER_MESSAGE) groups.push(ids.slice(i, i + TASKS_PER_MESSAGE));
  return groups;
}

// The messages, worded as ECS words them.
export const ServiceMessages = {
  /** The service's task set gained these tasks (scale-out, replacement, a new deployment's tasks). */
  startedTasks: (service: string, taskIds: readonly string[]): string => `(service ${service}) has started ${taskIds.length} tasks: ${taskList(taskIds)}.`,
  /** The service's task set lost these tasks (scale-in, an old deployment's tasks stopping). */
  stoppedRunningTasks: (service: string, taskIds: readonly string[]): string => `(service ${service}) has stopped ${taskIds.length} running tasks: ${taskList(taskIds)}.`,
  steadyState: (service: string): string => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, id: string): string => `(service ${service}) (deployment ${id}) deployment completed.`,
  deploymentFailed: (service: string, id: string, why: string): string => `(service ${service}) deployment ${id} deployment failed: ${why}`,
  rollingBack: (service: string, id: string): string => `(service ${service}) rolling back to deployment ${id}.`,
  stoppedTasks: (service: string, count: number, reason: string): string => `(service ${service}) stopped ${count} running tasks: ${reason}`,
  unableToPlace: (service: string, why: string): string => `(service ${service}) was unable to place a task because no container instance met all of its requirements. Reason: ${why}`,
  draining: (service: string): string => `(service ${service}) is draining: stopping its tasks before the service is deleted.`,
};
