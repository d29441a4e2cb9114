// Kubernetes Events (events.k8s.io/v1) about our objects. The same event repeated within the series window
// becomes one Event whose series count grows, instead of a new object each time. Recording never fails or slows a
// reconcile: record() queues the event and returns; a few senders write the queue in the background (like
// client-go's event broadcaster), the events of one object and reason in order. Errors are logged and dropped, and
// so are events beyond a full queue (counted in the log), as client-go drops them.
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
/** Events written at once: each is one API request, about as slow as a status write. */
const SENDERS = 4;
/** Events waiting beyond this are dropped (client-go's broadcaster drops past 1,000 queued). */
const MAX_QUEUED = 10_000;

interface Queued {
  readonly regarding: KubeObject;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly note: string;
  readonly action: string;
  readonly at: Date;
  readonly key: string;
}

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
  private readonly queue: Queued[] = [];
  private sending = 0;
  /** The last send of each key still running: the next of that key waits for it (series counts stay in order). */
  private readonly lastOfKey = new Map<string, Promise<void>>();
  private idle: (() => void)[] = [];
  private dropped = 0;

  private readonly warningsOnly: boolean;

  /** `warningsOnly`: Normal events are not written (--events=warnings); Warning events always are. */
  constructor(client: KubeClient, opts: { instance: string; logger?: Logger; now?: () => Date; warningsOnly?: boolean }) {
    this.client = client;
    this.warningsOnly = opts.warningsOnly ?? false;
    this.instance = opts.instance;
    this.log = opts.logger;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Queues an event and returns at once (the promise only carries a bad reason). `reason` is CamelCase (e.g.
   * "DeploymentFailed"); `note` is the human sentence. flush() waits until the queue is written.
   */
  record(regarding: KubeObject, type: "Normal" | "Warning", reason: string, note: string, action = "Reconcile"): Promise<void> {
    if (!REASON_PATTERN.test(reason)) return Promise.reject(new Error(`event reason ${JSON.stringify(reason)} must be CamelCase`));
    if (type === "Normal" && this.warningsOnly) return Promise.resolve();
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 1000 === 0) this.log?.warn("event queue full, dropping events", { dropped: this.dropped, reason });
      return Promise.resolve();
    }
    const m = regarding.metadata;
    const uid = m?.uid ?? "";
    // Only the reference is kept while queued, not the object.
    const ref: KubeObject = { apiVersion: regarding.apiVersion, kind: regarding.kind, metadata: { name: m?.name, namespace: m?.namespace, uid } };
    this.queue.push({ regarding: ref, type, reason, note, action, at: this.now(), key: `${uid}\u0000${type}\u0000${reason}\u0000${note}` });
    this.pump();
    return Promise.resolve();
  }

  /** Resolves when every queued event is written (or dropped), or after `timeoutMs`. */
  flush(timeoutMs = 10_000): Promise<void> {
    if (this.queue.length === 0 && this.sending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.idle.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  private pump(): void {
    while (this.sending < SENDERS) {
      const item = this.queue.shift();
      if (item === undefined) return;
      this.sending++;
      const before = this.lastOfKey.get(item.key) ?? Promise.resolve();
      const sent: Promise<void> = before.then(() => this.send(item)).finally(() => {
        if (this.lastOfKey.get(item.key) === sent) this.lastOfKey.delete(item.key);
        this.sending--;
        this.pump();
        if (this.sending === 0 && this.queue.length === 0) for (const done of this.idle.splice(0)) done();
      });
      this.lastOfKey.set(item.key, sent);
    }
  }

  private async send(item: Queued): Promise<void> {
    const { regarding, type, reason, note, action, key, at: now } = item;
    const uid = regarding.metadata?.uid ?? "";
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
