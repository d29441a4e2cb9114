// Knows when a phase is done without polling: a watch (the runtime's own Informer) per kind and namespace, and
// waiters that count the objects matching a condition, updated per event, so that the bench itself stays cheap
// while thousands of pods change.
import { Informer } from "../src/runtime/informer.ts";
import type { KubeClient } from "../src/runtime/kube-client.ts";
import { objectKey, type KubeObject, type ResourceType } from "../src/runtime/resources.ts";

type Waiter<T> = (obj: T, deleted: boolean) => void;

export class Tracker<T extends KubeObject> {
  private readonly informer: Informer<T>;
  private readonly keys = new Set<string>();
  private readonly waiters = new Set<Waiter<T>>();
  private readonly what: string;

  constructor(client: KubeClient, resource: ResourceType, namespace: string) {
    this.what = `${resource.plural} in ${namespace}`;
    this.informer = new Informer<T>({ client, resource, namespace, resyncMs: 0 });
    this.informer.addHandler({
      add: (o) => { this.event(o, false); },
      update: (_o, n) => { this.event(n, false); },
      delete: (o) => { this.event(o, true); },
    });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
  }

  stop(): void {
    this.informer.stop();
  }

  get size(): number {
    return this.keys.size;
  }

  private event(obj: T, deleted: boolean): void {
    if (deleted) this.keys.delete(objectKey(obj));
    else this.keys.add(objectKey(obj));
    for (const w of this.waiters) w(obj, deleted);
  }

  /** Resolves once `count` objects match; rejects after `timeoutMs`, saying how many did. */
  untilMatching(what: string, matches: (obj: T) => boolean, count: number, timeoutMs: number): Promise<void> {
    return this.until(what, matches, (matched) => matched >= count, (matched) => `${matched} of ${count}`, timeoutMs);
  }

  /** Resolves once no object is left. */
  untilEmpty(what: string, timeoutMs: number): Promise<void> {
    return this.until(what, () => false, () => this.keys.size === 0, () => `${this.keys.size} left`, timeoutMs);
  }

  private until(what: string, matches: (obj: T) => boolean, done: (matched: number) => boolean, progress: (matched: number) => string, timeoutMs: number): Promise<void> {
    const matched = new Set(this.informer.list().filter(matches).map(objectKey));
    if (done(matched.size)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve();
      };
      const waiter: Waiter<T> = (obj, deleted) => {
        const key = objectKey(obj);
        if (!deleted && matches(obj)) matched.add(key);
        else matched.delete(key);
        if (done(matched.size)) finish();
      };
      const timer = setTimeout(() => { finish(new Error(`bench: ${what} (${this.what}) not reached within ${timeoutMs / 1000}s: ${progress(matched.size)}`)); }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
