// Kubernetes Events (events.k8s.io/v1) about our objects. The same event repeated within the series window
// becomes one Event whose series count grows, instead of a new object each time. Recording never fails a
// reconcile: errors are logged and dropped.
import { randomBytes } from "node:crypto";
import { ApiRequestError } from "./api-request.ts";
import type { KubeClient } from "./kube-client.ts";
import { errorText, type Logger } from "./logger.ts";
import { Events, type KubeObject } from "./resources.ts";
import { microTime } from "../api/time.ts";

const REPORTING_CONTROLLER = "ecs.operator.dev/ecs-operator";
const SERIES_WINDOW_MS = 30 * 60_000;
const MAX_TRACKED = 4096;
const REASON_PATTERN = /^[A-Z][A-Za-z0-9]*$/;


interface Tracked {
  name: string;
  namespace: string;
  count: number;
  first: number;
}

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly instance: string;
  private readonly log: Logger | undefined;
  private readonly now: () => Date;
  private readonly seen = new Map<string, Tracked>();

  constructor(client: KubeClient, opts: { instance: string; logger?: Logger; now?: () => Date }) {
    this.client = client;
    this.instance = opts.instance;
    this.log = opts.logger;
    this.now = opts.now ?? (() => new Date());
  }

  /** `reason` is CamelCase (e.g. "DeploymentFailed"); `note` is the human sentence. */
  async record(regarding: KubeObject, type: "Normal" | "Warning", reason: string, note: string, action = "Reconcile"): Promise<void> {
    if (!REASON_PATTERN.test(reason)) throw new Error(`event reason ${JSON.stringify(reason)} must be CamelCase`);
    const uid = regarding.metadata?.uid ?? "";
    const key = `${uid}\u0000${type}\u0000${reason}\u0000${note}`;
    const now = this.now();
    const tracked = this.seen.get(key);
    try {
      if (tracked && now.getTime() - tracked.first < SERIES_WINDOW_MS) {
        tracked.count++;
        try {
          await this.client.patch(Events, tracked.name, tracked.namespace, { series: { count: tracked.count, lastObservedTime: microTime(now) } });
          return;
        } catch (err) {
          this.log?.debug("event series update failed; recording a new event", { error: errorText(err) });
          this.seen.delete(key);
        }
      }
      const namespace = regarding.metadata?.namespace ?? "default";
      const name = `${regarding.metadata?.name ?? "object"}.${randomBytes(8).toString("hex")}`;
      await this.client.create(Events, {
        metadata: { name, namespace },
        eventTime: microTime(now),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.instance,
        action,
        reason,
        note: note.slice(0, 1024),
        type,
        regarding: { apiVersion: regarding.apiVersion, kind: regarding.kind, name: regarding.metadata?.name, namespace: regarding.metadata?.namespace, uid },
      } as KubeObject);
      if (this.seen.size >= MAX_TRACKED) this.seen.delete(this.seen.keys().next().value ?? "");
      this.seen.set(key, { name, namespace, count: 1, first: now.getTime() });
    } catch (err) {
      // A namespace being deleted refuses new content (an object's last passes, a drain, run there): nobody will
      // read the event, so this is no warning.
      if (namespaceTerminating(err)) this.log?.debug("event not recorded: its namespace is being deleted", { reason });
      else this.log?.warn("could not record event", { reason, error: errorText(err) });
    }
  }
}

/** The API server's refusal of new objects in a namespace being deleted (the NamespaceTerminating cause). */
export function namespaceTerminating(err: unknown): boolean {
  if (!(err instanceof ApiRequestError) || err.code !== 403) return false;
  // metav1.StatusCause serialises its type as `reason`.
  const causes = (err.body as { details?: { causes?: { reason?: string }[] } } | undefined)?.details?.causes ?? [];
  return causes.some((c) => c.reason === "NamespaceTerminating");
}
