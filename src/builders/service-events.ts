// status.events[] of a Service, as DescribeServices shows them: ECS-worded messages, newest first, bounded, each with
// an id and createdAt. Pure: the caller passes the clock; ids are derived from the time and message, so computing
// the same status twice gives the same events.
import { createHash } from "node:crypto";
import { kubeTime } from "../api/time.ts";

export interface ServiceEventEntry {
  id?: string;
  createdAt?: string;
  message?: string;
}

/** At most this many events are kept (ECS shows the latest 100). */
export const MAX_SERVICE_EVENTS = 100;

/** Kubernetes time (seconds), as the API server would echo it back. */

function eventId(createdAt: string, message: string, index: number): string {
  const h = createHash("sha256").update(`${createdAt}\u0000${index}\u0000${message}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `messages` (oldest first, as they happened) put in front of `previous`, newest first, bounded. */
export function appendServiceEvents(previous: readonly ServiceEventEntry[] | undefined, messages: readonly string[], now: Date, max = MAX_SERVICE_EVENTS): ServiceEventEntry[] {
  const createdAt = kubeTime(now);
  const fresh = messages.map((message, i) => ({ id: eventId(createdAt, message, i), createdAt, message })).reverse();
  return [...fresh, ...(previous ?? [])].slice(0, max);
}

/** A service event as a Kubernetes Event: its type and CamelCase reason are decided where the message is made. */
export interface ServiceEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

// The messages, worded as ECS words them.
export const ServiceMessages = {
  steadyState: (service: string): string => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, id: string): string => `(service ${service}) (deployment ${id}) deployment completed.`,
  deploymentFailed: (service: string, id: string, why: string): string => `(service ${service}) deployment ${id} deployment failed: ${why}`,
  rollingBack: (service: string, id: string): string => `(service ${service}) rolling back to deployment ${id}.`,
  stoppedTasks: (service: string, count: number, reason: string): string => `(service ${service}) stopped ${count} running tasks: ${reason}`,
  unableToPlace: (service: string, why: string): string => `(service ${service}) was unable to place a task because no container instance met all of its requirements. Reason: ${why}`,
  draining: (service: string): string => `(service ${service}) is draining: stopping its tasks before the service is deleted.`,
};
