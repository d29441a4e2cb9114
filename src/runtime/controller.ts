// A controller: a work queue of object keys fed by informers (`for` the primary kind, `owns` children
// through their controller owner reference, `watches` anything through a mapping), and a level-based
// reconcile that is told only the key. Errors are retried with backoff; a SpecError is not retried and is
// shown on the object as Stalled=True (its condition reason, "<Kind> <key>: field: reason") until the object changes,
// with a Warning event and one log line (not one per retry); a TransientRefusal (a used-up quota) is shown as
// Ready=False and retried with backoff.
import { randomBytes } from "node:crypto";
import { SpecError } from "../api/spec-error.ts";
import { TransientRefusal } from "./apply.ts";
import type { EventRecorder } from "./events.ts";
import type { Informer } from "./informer.ts";
import type { UpdatePredicate } from "./predicates.ts";
import type { KubeClient } from "./kube-client.ts";
import { errorText, type Logger } from "./logger.ts";
import type { RuntimeMetrics } from "./metrics.ts";
import { controllerOf, objectKey, type KubeObject, type ResourceType } from "./resources.ts";
import { getCondition, type Health } from "./conditions.ts";
import { statusWithHealth, writeStatusIfChanged, type StatusWithConditions } from "./status.ts";
import { WorkQueue } from "./work-queue.ts";

export interface Action {
  requeueAfterMs?: number;
}
export const Action = {
  done: (): Action => ({}),
  requeueAfter: (ms: number): Action => ({ requeueAfterMs: ms }),
};

export interface ReconcileContext {
  log: Logger;
  reconcileId: string;
}

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<Action>;

interface Runtime {
  client: KubeClient;
  metrics: RuntimeMetrics;
  logger: Logger;
  now: () => Date;
  /** Where Stalled and refused writes are announced as Warning events (none in unit tests that do not ask). */
  events?: Pick<EventRecorder, "record">;
}

/** How a watch filters updates (see predicates.ts): creations and deletions always pass. */
export interface WatchOptions<T extends KubeObject> {
  when?: UpdatePredicate<T>;
  /**
   * Wake the mapped objects at most once per this many milliseconds: changes inside the window are one pass at its
   * end. For roll-ups (a Cluster's counts over every task pod) that need not follow each event, only the last.
   */
  coalesceMs?: number;
}

/**
 * A source of keys for a controller's queue: an owned or watched informer with its mapping and filter, bound to
 * the informer's own object type when `owns`/`watches` is called, so no informer is ever seen under another type.
 */
type SourceQueue = Pick<WorkQueue, "add" | "addAfter">;
type Source = (queue: SourceQueue, owner: ResourceType) => void;

/** What the manager runs: every controller, whatever kind it reconciles. */
export interface RunnableController {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface ControllerOptions {
  workers?: number;
  /** Bound on waiting for in-flight reconciles at shutdown. */
  drainTimeoutMs?: number;
  /** The keys this replica reconciles (one shard of them); others are never queued. Default: all. */
  keys?: ((key: string) => boolean) | undefined;
  /** Registered but not run (Manager.idle): no handler queues a key, start() starts nothing. */
  idle?: boolean | undefined;
}

/** True when an update of the primary object asks for a reconcile: spec (generation) or metadata we act on. */
function primaryChanged(oldObj: KubeObject, newObj: KubeObject): boolean {
  const o = oldObj.metadata ?? {};
  const n = newObj.metadata ?? {};
  return o.generation !== n.generation || o.deletionTimestamp !== n.deletionTimestamp ||
    JSON.stringify(o.labels) !== JSON.stringify(n.labels) || JSON.stringify(o.annotations) !== JSON.stringify(n.annotations) ||
    JSON.stringify(o.finalizers) !== JSON.stringify(n.finalizers) ||
    // CRDs without a status subresource bump no generation; resourceVersion is then the only signal.
    (o.generation === undefined && o.resourceVersion !== n.resourceVersion);
}

export class Controller<T extends KubeObject> implements RunnableController {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly primary: Informer<T>;
  private readonly reconciler: Reconciler;
  private readonly rt: Runtime;
  private readonly drainTimeoutMs: number;
  /** The Stalled or Ready=False each key last reported (the cache can lag behind our own status write). */
  private readonly reported = new Map<string, string>();
  private readonly idle: boolean;

  constructor(name: string, primary: Informer<T>, reconciler: Reconciler, rt: Runtime, opts: ControllerOptions, sources: readonly Source[]) {
    this.name = name;
    this.primary = primary;
    this.reconciler = reconciler;
    this.rt = rt;
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
    this.queue = new WorkQueue({ workers: opts.workers ?? 2, metrics: rt.metrics.queueHooks(name) });
    this.idle = opts.idle === true;
    if (this.idle) return;
    const keys = opts.keys;
    // Sources see a queue that drops the keys of other shards.
    const queue: SourceQueue = keys === undefined ? this.queue : {
      add: (key) => { if (keys(key)) this.queue.add(key); },
      addAfter: (key, ms) => { if (keys(key)) this.queue.addAfter(key, ms); },
    };
    const enqueue = (key: string): void => { queue.add(key); };
    primary.addHandler({
      add: (o) => { enqueue(objectKey(o)); },
      update: (o, n, resync) => { if (resync || primaryChanged(o, n)) enqueue(objectKey(n)); },
      delete: (o) => { enqueue(objectKey(o)); },
    });
    for (const source of sources) source(queue, primary.resource);
  }

  start(): void {
    if (this.idle) return;
    this.queue.run((key) => this.process(key));
  }

  stop(): Promise<void> {
    return this.queue.shutdown(this.drainTimeoutMs);
  }

  private async process(key: string): Promise<void> {
    const reconcileId = randomBytes(4).toString("hex");
    const log = this.rt.logger.child({ controller: this.name, object: key, reconcileId });
    const end = this.rt.metrics.reconcileDuration.startTimer({ controller: this.name });
    try {
      const action = await this.reconciler(key, { log, reconcileId });
      this.queue.forget(key);
      this.reported.delete(key);
      if (action.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, action.requeueAfterMs);
        this.rt.metrics.reconcileTotal.inc({ controller: this.name, result: "requeue" });
      } else {
        this.rt.metrics.reconcileTotal.inc({ controller: this.name, result: "success" });
      }
    } catch (err) {
      this.rt.metrics.reconcileErrors.inc({ controller: this.name });
      if (err instanceof SpecError) {
        this.rt.metrics.reconcileTotal.inc({ controller: this.name, result: "terminal" });
        this.queue.forget(key);
        const health: Health = { state: "stalled", reason: err.conditionReason, message: `${this.primary.resource.kind} ${key}: ${err.message}` };
        const fresh = this.reportHealth(key, health, "Stalled");
        // The same error again (a resync, a child's event) is not news: logged at debug, so the log does not loop.
        (fresh ? log.warn.bind(log) : log.debug.bind(log))("spec error: not retried until the object changes", { reason: err.conditionReason, field: err.field, error: err.message });
        await this.writeHealth(key, health, log);
      } else if (err instanceof TransientRefusal) {
        this.rt.metrics.reconcileTotal.inc({ controller: this.name, result: "error" });
        const health: Health = { state: "progressing", reason: err.conditionReason, message: `${this.primary.resource.kind} ${key}: ${err.message}` };
        const fresh = this.reportHealth(key, health, "Reconciling");
        (fresh ? log.warn.bind(log) : log.debug.bind(log))("write refused for now; will retry", { reason: err.conditionReason, error: err.message, retries: this.queue.numRequeues(key) });
        await this.writeHealth(key, health, log);
        this.queue.addRateLimited(key);
      } else {
        this.rt.metrics.reconcileTotal.inc({ controller: this.name, result: "error" });
        log.error("reconcile failed; will retry", { error: errorText(err), retries: this.queue.numRequeues(key) });
        this.queue.addRateLimited(key);
      }
    } finally {
      end();
    }
  }

  /** Whether `health` is news: the object does not already carry its condition True with this message. */
  private reportHealth(key: string, health: Health, type: "Stalled" | "Reconciling"): boolean {
    const obj: (KubeObject & { status?: StatusWithConditions }) | undefined = this.primary.get(key);
    const current = getCondition(obj?.status?.conditions, type);
    const signature = `${type}\u0000${health.reason ?? ""}\u0000${statusMessage(health)}`;
    const known = this.reported.get(key) === signature || (current?.status === "True" && current.reason === health.reason && current.message === statusMessage(health));
    if (obj === undefined) this.reported.delete(key);
    else this.reported.set(key, signature);
    return !known;
  }

  /** Writes the conditions of `health` (observedGeneration set) and, when they changed, a Warning event. */
  private async writeHealth(key: string, health: Health, log: Logger): Promise<void> {
    const obj: (KubeObject & { status?: StatusWithConditions }) | undefined = this.primary.get(key);
    if (!obj) return;
    try {
      const status = statusWithHealth(obj, health, this.rt.now());
      const wrote = await writeStatusIfChanged(this.rt.client, this.primary.resource, obj, status);
      if (wrote && health.reason !== undefined) await this.rt.events?.record(obj, "Warning", health.reason, health.message ?? "");
    } catch (writeErr) {
      // The status could not say it; retry so the user eventually sees why.
      log.error(`could not write ${health.state === "stalled" ? "Stalled" : "Ready=False"} status`, { error: errorText(writeErr) });
      this.queue.addRateLimited(key);
    }
  }
}

/** The message a condition carries for `health` (setCondition may shorten it; compare like for like). */
function statusMessage(health: Health): string {
  return statusWithHealth({ metadata: {} }, health, new Date(0)).conditions?.find((c) => c.type === "Ready")?.message ?? "";
}

/** How a source wakes a key: at once, or coalesced (a delayed add that later changes inside the window join). */
function waker(queue: Pick<WorkQueue, "add" | "addAfter">, coalesceMs: number | undefined): (key: string) => void {
  if (coalesceMs === undefined || coalesceMs <= 0) return (key) => { queue.add(key); };
  return (key) => { queue.addAfter(key, coalesceMs); };
}

/** Builder: `new ControllerBuilder(name, rt).for(informer).owns(child).watches(other, map).reconcile(fn)`. */
export class ControllerBuilder<T extends KubeObject> {
  private primary: Informer<T> | undefined;
  private readonly sources: Source[] = [];
  private readonly name: string;
  private readonly rt: Runtime;
  private readonly opts: ControllerOptions;
  private readonly register: (c: RunnableController) => void;

  constructor(name: string, rt: Runtime, opts: ControllerOptions, register: (c: RunnableController) => void) {
    this.name = name;
    this.rt = rt;
    this.opts = opts;
    this.register = register;
  }

  for(informer: Informer<T>): this {
    this.primary = informer;
    return this;
  }

  /** Children this controller controls (owner reference): their changes requeue the owner, filtered by `when`. */
  owns<C extends KubeObject>(informer: Informer<C>, opts: WatchOptions<C> = {}): this {
    const when = opts.when;
    this.sources.push((queue, kind) => {
      const enqueue = waker(queue, opts.coalesceMs);
      const ownerKey = (child: C): void => {
        const ref = controllerOf(child);
        if (ref?.kind !== kind.kind || ref.apiVersion.split("/")[0] !== kind.apiVersion.split("/")[0]) return;
        enqueue(kind.namespaced ? `${child.metadata?.namespace ?? ""}/${ref.name}` : ref.name);
      };
      informer.addHandler({
        add: ownerKey,
        update: (o, n, resync) => { if (!resync && (when === undefined || when(o, n))) { ownerKey(o); ownerKey(n); } },
        delete: ownerKey,
      });
    });
    return this;
  }

  /** Anything else the reconcile reads: `mapToKeys` names the objects to requeue, `when` filters updates. */
  watches<C extends KubeObject>(informer: Informer<C>, mapToKeys: (obj: C) => string[], opts: WatchOptions<C> = {}): this {
    const when = opts.when;
    this.sources.push((queue) => {
      const enqueue = waker(queue, opts.coalesceMs);
      const mapped = (o: C): void => { for (const k of mapToKeys(o)) enqueue(k); };
      // An update maps the old object too (as controller-runtime does): what it named before (a Cluster a Service left)
      // is woken as well as what it names now. The queue merges the keys both name.
      informer.addHandler({ add: mapped, update: (o, n, resync) => { if (!resync && (when === undefined || when(o, n))) { mapped(o); mapped(n); } }, delete: mapped });
    });
    return this;
  }

  reconcile(reconciler: Reconciler): Controller<T> {
    if (!this.primary) throw new Error(`controller ${this.name}: call for(informer) before reconcile()`);
    const c = new Controller<T>(this.name, this.primary, reconciler, this.rt, this.opts, this.sources);
    this.register(c);
    return c;
  }
}

