// The controller work queue: deduplicated keys, one run per key at a time, per-key exponential backoff
// under an overall token bucket, delayed adds for requeueAfter, and a bounded drain on shutdown.
// Timers are only setTimeout/clearTimeout/Date.now so fake timers drive it in tests.

export interface WorkQueueMetrics {
  depth?(n: number): void;
  add?(): void;
  retry?(): void;
  queueLatency?(seconds: number): void;
  workDuration?(seconds: number): void;
}

export interface WorkQueueOptions {
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
  metrics?: WorkQueueMetrics;
}

interface DelayedAdd {
  due: number;
  timer: ReturnType<typeof setTimeout>;
}

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); a requeueAfter until a yearly cron
// run is longer, so long waits are taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`WorkQueue: ${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`WorkQueue: ${name} must be a finite number >= 0, got ${value}`);
  return value;
}

export class WorkQueue {
  readonly #workers: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #qps: number;
  readonly #burst: number;
  readonly #metrics: WorkQueueMetrics;

  // A Set keeps insertion order, so it is both the FIFO and the dedupe index of waiting keys.
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  // Keys added while their run is in flight: queued again when that run ends, never run in parallel.
  readonly #rerun = new Set<string>();
  readonly #addedAt = new Map<string, number>();
  readonly #delayed = new Map<string, DelayedAdd>();
  readonly #failures = new Map<string, number>();

  #tokens: number;
  #tokensAt: number;

  #handler: ((key: string) => Promise<void>) | undefined;
  #busy = 0;
  #shuttingDown = false;
  #shutdown: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    this.#workers = positiveInteger("workers", opts.workers ?? 2);
    this.#baseDelayMs = nonNegative("baseDelayMs", opts.baseDelayMs ?? 5);
    this.#maxDelayMs = nonNegative("maxDelayMs", opts.maxDelayMs ?? 15 * 60_000);
    if (this.#maxDelayMs < this.#baseDelayMs) {
      throw new RangeError(`WorkQueue: maxDelayMs (${this.#maxDelayMs}) must be >= baseDelayMs (${this.#baseDelayMs})`);
    }
    this.#qps = nonNegative("qps", opts.qps ?? 10);
    if (this.#qps === 0) throw new RangeError("WorkQueue: qps must be > 0");
    this.#burst = positiveInteger("burst", opts.burst ?? 100);
    this.#metrics = opts.metrics ?? {};
    this.#tokens = this.#burst;
    this.#tokensAt = Date.now();
  }

  get length(): number {
    return this.#queued.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: string): void {
    if (this.#shuttingDown) return;
    // Running now satisfies any pending delayed add, and that run schedules its own next one.
    this.#cancelDelayed(key);
    if (this.#enqueue(key)) this.#metrics.add?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (Number.isNaN(delayMs)) throw new RangeError(`WorkQueue.addAfter(${key}): delayMs is NaN`);
    if (this.#schedule(key, delayMs)) this.#metrics.add?.();
  }

  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const backoff = Math.min(this.#baseDelayMs * 2 ** failures, this.#maxDelayMs);
    // The bucket is charged on every retry, even when the key's own backoff is longer, as client-go's
    // MaxOfRateLimiter does: a storm of failing keys is what the overall limit exists for.
    const delay = Math.max(backoff, this.#reserveToken());
    this.#metrics.retry?.();
    if (this.#schedule(key, delay)) this.#metrics.add?.();
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  run(handler: (key: string) => Promise<void>): void {
    if (this.#handler) throw new Error("WorkQueue.run() was already called; a queue has one handler");
    this.#handler = handler;
    this.#dispatch();
  }

  shutdown(drainTimeoutMs = 30_000): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    this.#shuttingDown = true;
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    this.#shutdown = new Promise<void>((resolve) => {
      if (this.#busy === 0) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.#onDrained = undefined;
        resolve();
      }, drainTimeoutMs);
      this.#onDrained = () => {
        clearTimeout(timer);
        this.#onDrained = undefined;
        resolve();
      };
    });
    return this.#shutdown;
  }

  // Returns whether the key became pending (false when it already was).
  #enqueue(key: string): boolean {
    if (this.#queued.has(key) || this.#rerun.has(key)) return false;
    this.#addedAt.set(key, Date.now());
    if (this.#processing.has(key)) {
      this.#rerun.add(key);
      return true;
    }
    this.#queued.add(key);
    this.#metrics.depth?.(this.#queued.size);
    this.#dispatch();
    return true;
  }

  // Returns whether anything was enqueued or (re)scheduled; an earlier pending delayed add wins.
  #schedule(key: string, delayMs: number): boolean {
    if (delayMs <= 0) {
      this.#cancelDelayed(key);
      return this.#enqueue(key);
    }
    const due = Date.now() + Math.ceil(delayMs);
    const pending = this.#delayed.get(key);
    if (pending && pending.due <= due) return false;
    if (pending) clearTimeout(pending.timer);
    this.#arm(key, due);
    return true;
  }

  #arm(key: string, due: number): void {
    const timer = setTimeout(
      () => {
        if (Date.now() < due) {
          this.#arm(key, due);
          return;
        }
        this.#delayed.delete(key);
        this.#enqueue(key);
      },
      Math.min(Math.max(due - Date.now(), 0), MAX_TIMER_MS),
    );
    this.#delayed.set(key, { due, timer });
  }

  #cancelDelayed(key: string): void {
    const pending = this.#delayed.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#delayed.delete(key);
  }

  // Token bucket like golang.org/x/time/rate's Reserve: tokens may go negative, and the debt is the wait.
  #reserveToken(): number {
    const now = Date.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#tokensAt) / 1000) * this.#qps);
    this.#tokensAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  #dispatch(): void {
    const handler = this.#handler;
    if (!handler) return;
    while (!this.#shuttingDown && this.#busy < this.#workers) {
      const next = this.#queued.values().next();
      if (next.done) return;
      const key = next.value;
      this.#queued.delete(key);
      this.#processing.add(key);
      this.#busy++;
      this.#metrics.depth?.(this.#queued.size);
      const addedAt = this.#addedAt.get(key);
      this.#addedAt.delete(key);
      if (addedAt !== undefined) this.#metrics.queueLatency?.((Date.now() - addedAt) / 1000);
      void this.#process(key, handler);
    }
  }

  async #process(key: string, handler: (key: string) => Promise<void>): Promise<void> {
    // The hop keeps the handler from running inside the stack of whoever called add().
    await Promise.resolve();
    if (this.#shuttingDown) {
      // Shutdown began during the hop: the key goes back unprocessed, like every other queued key.
      this.#rerun.add(key);
      this.#done(key);
      return;
    }
    const start = Date.now();
    try {
      await handler(key);
    } catch {
      // The handler owns its errors (retry, log); one that escapes must not stop the queue.
    } finally {
      this.#metrics.workDuration?.((Date.now() - start) / 1000);
      this.#done(key);
    }
  }

  #done(key: string): void {
    this.#processing.delete(key);
    this.#busy--;
    if (this.#rerun.delete(key)) {
      this.#queued.add(key);
      this.#metrics.depth?.(this.#queued.size);
    }
    if (this.#busy === 0) this.#onDrained?.();
    this.#dispatch();
  }
}
