// A list/watch cache of one resource type: a store with indexes, event handlers, `hasSynced`, restart with
// exponential backoff and jitter after every error (a 410 Gone re-lists), periodic resync, and a transform
// that strips what the controllers never read before an object is cached, so memory per object stays flat.
// With `namespaces`, one list/watch per namespace fills the one store (a namespace-scoped install, whose Roles
// allow nothing cluster-wide).
import { sharedStrings } from "./string-table.ts";
import type { Logger } from "./logger.ts";
import { errorText } from "./logger.ts";
import type { KubeClient } from "./kube-client.ts";
import { objectKey, resourcePath, type KubeObject, type ResourceType } from "./resources.ts";
import { watch, type WatchHandle } from "./watch.ts";

export interface InformerHandler<T> {
  add?(obj: T): void;
  /** `resync` is true for the periodic replay of unchanged objects. */
  update?(oldObj: T, newObj: T, resync: boolean): void;
  delete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  client: KubeClient;
  resource: ResourceType;
  namespace?: string;
  /** Several namespaces, each listed and watched on its own (ignored when `namespace` is set). */
  namespaces?: readonly string[];
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every object before it is cached; defaults to stripManagedFields. */
  transform?: (obj: T) => T;
  /** Period of the resync replay; 0 disables. */
  resyncMs?: number;
  indexers?: Record<string, (obj: T) => string[]>;
  backoff?: { initialMs?: number; maxMs?: number };
  onRestart?: (err: unknown) => void;
  logger?: Logger;
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** Drops managedFields and kubectl's last-applied copy: large, and never read by a controller. */
export function stripManagedFields(obj: KubeObject): KubeObject {
  const meta = obj.metadata;
  if (!meta || (meta.managedFields === undefined && meta.annotations?.[LAST_APPLIED] === undefined)) return obj;
  const { managedFields: _m, ...rest } = meta;
  const annotations = rest.annotations && LAST_APPLIED in rest.annotations ? Object.fromEntries(Object.entries(rest.annotations).filter(([k]) => k !== LAST_APPLIED)) : rest.annotations;
  return { ...obj, metadata: { ...rest, annotations } };
}

/** The operator's API group: its kinds are cached lean (see leanEcsObject). */
export const OPERATOR_API_GROUP = "ecs.operator.dev";
/** The annotation prefix of everything the controllers read from their own kinds' metadata. */
export const OPERATOR_ANNOTATION_PREFIX = `${OPERATOR_API_GROUP}/`;

/**
 * The cache shape of the operator's own kinds (Service, Task, TaskDefinition ...): stripManagedFields, and of the
 * annotations only the operator's (`ecs.operator.dev/...`), the only ones a controller reads. Users' and tools'
 * annotations (kubectl's last-applied copy, Argo CD tracking, anything up to the API server's 256 KiB) stay out of
 * memory, and a change to them alone wakes no controller.
 */
export function leanEcsObject<T extends KubeObject>(obj: T): T {
  const stripped = stripManagedFields(obj) as T;
  const annotations = stripped.metadata?.annotations;
  if (!annotations || Object.keys(annotations).every((k) => k.startsWith(OPERATOR_ANNOTATION_PREFIX))) return stripped;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith(OPERATOR_ANNOTATION_PREFIX)));
  return { ...stripped, metadata: { ...stripped.metadata, annotations: kept } };
}

/** A function's name for error messages ("an anonymous function" when it has none). */
export const functionName = (fn: ((...args: never[]) => unknown) | undefined): string => (fn === undefined ? "none" : fn.name === "" ? "an anonymous function" : fn.name);

export const byOwnerUid = (obj: KubeObject): string[] => (obj.metadata?.ownerReferences ?? []).map((r) => r.uid);

interface Stream {
  namespace: string | undefined;
  listed: boolean;
  lastResourceVersion: string | undefined;
  currentWatch: WatchHandle | undefined;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });

export class Informer<T extends KubeObject> {
  readonly resource: ResourceType;
  private readonly opts: InformerOptions<T>;
  private readonly store = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly indexers = new Map<string, (obj: T) => string[]>();
  private readonly handlers: InformerHandler<T>[] = [];
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  private abort = new AbortController();
  private running = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** One list/watch per namespace (a single one, namespace undefined, for all or one namespace). */
  private readonly streams: Stream[];

  constructor(opts: InformerOptions<T>) {
    this.opts = opts;
    this.resource = opts.resource;
    const namespaces = opts.namespace === undefined && opts.namespaces !== undefined && opts.namespaces.length > 0 && opts.resource.namespaced ? [...new Set(opts.namespaces)] : [opts.namespace];
    this.streams = namespaces.map((namespace) => ({ namespace, listed: false, lastResourceVersion: undefined, currentWatch: undefined }));
    this.addIndexers(opts.indexers ?? {});
  }

  /**
   * Adds indexes, at any time: those added after objects are cached are built from the cache at once. A name that
   * already indexes with another function is refused (two callers sharing this informer would each read the
   * other's index under one name); the same function again is a no-op.
   */
  addIndexers(indexers: Record<string, (obj: T) => string[]>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const existing = this.indexers.get(name);
      if (existing === fn) continue;
      if (existing !== undefined) {
        throw new Error(`informer ${this.resource.plural}: index ${name} is already defined by ${functionName(existing)}; a second caller passes ${functionName(fn)} under the same name (use one function or another index name)`);
      }
      this.indexers.set(name, fn);
      const idx = new Map<string, Set<string>>();
      this.indexes.set(name, idx);
      for (const [key, obj] of this.store) {
        for (const v of fn(obj)) {
          let set = idx.get(v);
          if (!set) idx.set(v, (set = new Set()));
          set.add(key);
        }
      }
    }
  }

  /** The names of its indexes. */
  indexNames(): string[] {
    return [...this.indexers.keys()];
  }

  addHandler(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
    // A handler added late still sees what is cached.
    if (this.synced) for (const obj of this.store.values()) handler.add?.(obj);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`informer ${this.resource.plural}: no index named ${index}`);
    return [...(idx.get(value) ?? [])].map((k) => this.store.get(k)).filter((o): o is T => o !== undefined);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    for (const stream of this.streams) void this.loop(stream);
    const resyncMs = this.opts.resyncMs ?? 0;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => { this.resync(); }, resyncMs);
      this.resyncTimer.unref();
    }
  }

  stop(): void {
    this.running = false;
    this.abort.abort();
    for (const stream of this.streams) stream.currentWatch?.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
  }

  private async loop(stream: Stream): Promise<void> {
    const initial = this.opts.backoff?.initialMs ?? 200;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    let delay = initial;
    let needList = true;
    const log = this.opts.logger;
    while (this.running) {
      try {
        if (needList) {
          await this.relist(stream);
          needList = false;
        }
        const outcome = await this.watchOnce(stream);
        if (outcome === "gone") {
          // The resource version is too old (etcd compacted it): a fresh list is the only way forward.
          log?.info("watch expired (410 Gone), re-listing", { resource: this.resource.plural, ...(stream.namespace === undefined ? {} : { namespace: stream.namespace }) });
          needList = true;
        }
        delay = initial;
      } catch (err) {
        if (!this.isRunning()) break;
        this.opts.onRestart?.(err);
        const wait = delay / 2 + Math.random() * (delay / 2);
        log?.warn("list/watch failed, retrying", { resource: this.resource.plural, ...(stream.namespace === undefined ? {} : { namespace: stream.namespace }), error: errorText(err), retryInMs: Math.round(wait) });
        await sleep(wait, this.abort.signal);
        delay = Math.min(delay * 2, max);
      }
    }
  }

  /** A method, not the field: the loop's awaits let stop() change it. */
  private isRunning(): boolean {
    return this.running;
  }

  private async relist(stream: Stream): Promise<void> {
    const res = await this.opts.client.list<T>(this.resource, { namespace: stream.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, map: (raw) => this.prepare(raw) });
    const seen = new Set<string>();
    for (const obj of res.items) {
      const key = objectKey(obj);
      seen.add(key);
      this.upsert(key, obj, false);
    }
    // Only this stream's namespace: the other streams' objects are theirs to keep or drop.
    const mine = (obj: T): boolean => this.streams.length === 1 || obj.metadata?.namespace === stream.namespace;
    for (const [key, obj] of [...this.store]) {
      if (!seen.has(key) && mine(obj)) this.remove(key, obj);
    }
    stream.lastResourceVersion = res.metadata.resourceVersion;
    stream.listed = true;
    if (!this.synced && this.streams.every((s) => s.listed)) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Watches from the last resource version; resolves "closed" on a normal end, "gone" on 410. */
  private async watchOnce(stream: Stream): Promise<"closed" | "gone"> {
    // Written by the event callback while the watch runs.
    const seen: { gone: boolean; failure?: Error; events: number } = { gone: false, events: 0 };
    const started = Date.now();
    const handle = await watch<T>(
      this.opts.client.kc,
      resourcePath(this.resource, stream.namespace),
      {
        resourceVersion: stream.lastResourceVersion,
        allowWatchBookmarks: true,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        timeoutSeconds: 240 + Math.floor(Math.random() * 120),
      },
      (ev) => {
        seen.events++;
        if (ev.type === "ERROR") {
          const st = ev.object as { code?: number; message?: string };
          if (st.code === 410) seen.gone = true;
          else seen.failure = new Error(`watch ${this.resource.plural}: ${st.message ?? "error event"}`);
          handle.abort();
          return;
        }
        const rv = ev.object.metadata?.resourceVersion;
        if (rv) stream.lastResourceVersion = rv;
        if (ev.type === "BOOKMARK") return;
        const obj = this.prepare(ev.object);
        const key = objectKey(obj);
        if (ev.type === "DELETED") {
          const old = this.store.get(key);
          if (old) this.remove(key, old);
        } else {
          this.upsert(key, obj, false);
        }
      },
    );
    stream.currentWatch = handle;
    await handle.done;
    stream.currentWatch = undefined;
    if (seen.failure) throw seen.failure;
    if (seen.gone) return "gone";
    if (this.running && seen.events === 0 && Date.now() - started < 1000) {
      // A server that closes at once (shutting down, overloaded) must not be hammered in a tight loop.
      throw new Error(`watch ${this.resource.plural}: closed immediately by the server`);
    }
    return "closed";
  }

  private prepare(raw: T): T {
    // List items of built-in types come without apiVersion/kind; the cache always has them.
    const typed = raw.kind ? raw : { ...raw, apiVersion: this.resource.apiVersion, kind: this.resource.kind };
    return sharedStrings.internValues(this.opts.transform ? this.opts.transform(typed) : (stripManagedFields(typed) as T));
  }

  private upsert(key: string, obj: T, resync: boolean): void {
    const old = this.store.get(key);
    if (old && !resync && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.store.set(key, obj);
    this.reindex(key, old, obj);
    for (const h of this.handlers) {
      this.safely(() => (old ? h.update?.(old, obj, resync) : h.add?.(obj)));
    }
  }

  private remove(key: string, obj: T): void {
    this.store.delete(key);
    this.reindex(key, obj, undefined);
    for (const h of this.handlers) this.safely(() => h.delete?.(obj));
  }

  private resync(): void {
    if (!this.synced) return;
    for (const obj of this.store.values()) {
      for (const h of this.handlers) this.safely(() => h.update?.(obj, obj, true));
    }
  }

  private reindex(key: string, oldObj: T | undefined, newObj: T | undefined): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name);
      if (!idx) continue;
      for (const v of oldObj ? fn(oldObj) : []) {
        const set = idx.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.delete(v);
      }
      for (const v of newObj ? fn(newObj) : []) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger?.error("informer event handler threw", { resource: this.resource.plural, error: errorText(err) });
    }
  }
}
