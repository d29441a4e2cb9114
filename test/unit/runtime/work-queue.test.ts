// The work queue's promises to the controllers: dedupe, one run per key at a time, backoff, rate limit,
// requeueAfter, forget, drain, metrics. Fake timers make every delay exact.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkQueue, type WorkQueueOptions } from "../../../src/runtime/work-queue.ts";

// Runs timers due now and every promise callback they unlock (advanceTimersByTimeAsync yields to the
// real event loop between steps).
const flush = () => vi.advanceTimersByTimeAsync(0);
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

// A handler whose runs finish only when the test says so, and which notices two runs of one key at once.
function gatedHandler() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const inFlight = new Map<string, number>();
  let overlaps = 0;
  const handler = async (key: string): Promise<void> => {
    started.push(key);
    const n = (inFlight.get(key) ?? 0) + 1;
    inFlight.set(key, n);
    if (n > 1) overlaps++;
    await new Promise<void>((resolve) => gates.set(key, resolve));
    inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
  };
  const finish = async (key: string): Promise<void> => {
    const gate = gates.get(key);
    if (!gate) throw new Error(`no run of ${key} is in flight`);
    gates.delete(key);
    gate();
    await flush();
  };
  return { handler, started, finish, overlaps: () => overlaps };
}

// A handler that finishes at once and records when each key ran, in fake milliseconds.
function timedHandler(onRun?: (key: string) => void) {
  const runs: [string, number][] = [];
  const handler = (key: string): Promise<void> => {
    runs.push([key, Date.now()]);
    onRun?.(key);
    return Promise.resolve();
  };
  const timesOf = (key: string) => runs.filter(([k]) => k === key).map(([, t]) => t);
  return { handler, runs, timesOf };
}

const queues: WorkQueue[] = [];
function aQueue(opts?: WorkQueueOptions): WorkQueue {
  const q = new WorkQueue(opts);
  queues.push(q);
  return q;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(async () => {
  // Gated handlers may never finish; a zero drain keeps the teardown from waiting on them.
  const pending = queues.splice(0).map((q) => q.shutdown(0));
  await vi.runAllTimersAsync();
  await Promise.all(pending);
  vi.useRealTimers();
});

describe("dedupe", () => {
  it("a key queued twice before a worker takes it runs once", async () => {
    const q = aQueue();
    const { handler, runs } = timedHandler();
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.length).toBe(2);
    q.run(handler);
    await flush();
    expect(runs.map(([k]) => k)).toEqual(["a", "b"]);
    expect(q.length).toBe(0);
  });

  it("keys are handed out in the order they were first added", async () => {
    const q = aQueue({ workers: 1 });
    const { handler, runs } = timedHandler();
    for (const k of ["c", "a", "b", "a", "c"]) q.add(k);
    q.run(handler);
    await flush();
    expect(runs.map(([k]) => k)).toEqual(["c", "a", "b"]);
  });
});

describe("one run per key at a time", () => {
  it("a key added while in flight runs again after the current run ends, exactly once", async () => {
    const q = aQueue({ workers: 4 });
    const g = gatedHandler();
    q.run(g.handler);
    q.add("a");
    await flush();
    expect(g.started).toEqual(["a"]);

    q.add("a");
    q.add("a");
    await flush();
    expect(g.started).toEqual(["a"]);
    expect(q.length).toBe(0);

    await g.finish("a");
    expect(g.started).toEqual(["a", "a"]);
    await g.finish("a");
    await advance(60_000);
    expect(g.started).toEqual(["a", "a"]);
    expect(g.overlaps()).toBe(0);
  });

  it("a delayed add that comes due while the key is in flight waits for the run to end", async () => {
    const q = aQueue({ workers: 2 });
    const g = gatedHandler();
    q.run(g.handler);
    q.add("a");
    await flush();
    q.addAfter("a", 100);
    await advance(500);
    expect(g.started).toEqual(["a"]);
    await g.finish("a");
    expect(g.started).toEqual(["a", "a"]);
    expect(g.overlaps()).toBe(0);
  });
});

describe("workers", () => {
  it("3 workers run 3 different keys in parallel; the 4th starts when one finishes", async () => {
    const q = aQueue({ workers: 3 });
    const g = gatedHandler();
    q.run(g.handler);
    for (const k of ["a", "b", "c", "d"]) q.add(k);
    await flush();
    expect(g.started).toEqual(["a", "b", "c"]);
    expect(q.length).toBe(1);
    await g.finish("b");
    expect(g.started).toEqual(["a", "b", "c", "d"]);
    expect(q.length).toBe(0);
  });

  it("defaults to 2 workers", async () => {
    const q = aQueue();
    const g = gatedHandler();
    q.run(g.handler);
    for (const k of ["a", "b", "c"]) q.add(k);
    await flush();
    expect(g.started).toEqual(["a", "b"]);
  });

  it("a handler that rejects does not stop its worker", async () => {
    const q = aQueue({ workers: 1 });
    const seen: string[] = [];
    q.run((key) => {
      seen.push(key);
      return key === "bad" ? Promise.reject(new Error("boom")) : Promise.resolve();
    });
    q.add("bad");
    q.add("good");
    await flush();
    q.add("later");
    await flush();
    expect(seen).toEqual(["bad", "good", "later"]);
  });

  it("a handler that throws synchronously does not stop its worker", async () => {
    const q = aQueue({ workers: 1 });
    const seen: string[] = [];
    q.run((key) => {
      seen.push(key);
      if (key === "bad") throw new Error("boom");
      return Promise.resolve();
    });
    q.add("bad");
    q.add("good");
    await flush();
    expect(seen).toEqual(["bad", "good"]);
  });

  it("the handler does not run inside the caller's add()", () => {
    const q = aQueue();
    const seen: string[] = [];
    q.run((key) => {
      seen.push(key);
      return Promise.resolve();
    });
    q.add("a");
    expect(seen).toEqual([]);
  });

  it("run() twice is an error", () => {
    const q = aQueue();
    q.run(() => Promise.resolve());
    expect(() => {
      q.run(() => Promise.resolve());
    }).toThrow(/already called/);
  });
});

describe("per-key backoff", () => {
  const fast = { qps: 1e9, burst: 1e9 };

  it("grows 5, 10, 20, 40, 80 ms while the key keeps failing", async () => {
    const q = aQueue(fast);
    const { handler, timesOf } = timedHandler((key) => {
      if (q.numRequeues(key) < 5) q.addRateLimited(key);
    });
    q.run(handler);
    q.addRateLimited("a");
    await advance(1_000);
    const times = [0, ...timesOf("a")];
    expect(times.slice(1).map((t, i) => t - (times[i] ?? 0))).toEqual([5, 10, 20, 40, 80]);
    expect(q.numRequeues("a")).toBe(5);
  });

  it("is capped at maxDelayMs: base 5, cap 30 → 5, 10, 20, 30, 30", async () => {
    const q = aQueue({ ...fast, maxDelayMs: 30 });
    const { handler, timesOf } = timedHandler((key) => {
      if (q.numRequeues(key) < 5) q.addRateLimited(key);
    });
    q.run(handler);
    q.addRateLimited("a");
    await advance(1_000);
    const times = [0, ...timesOf("a")];
    expect(times.slice(1).map((t, i) => t - (times[i] ?? 0))).toEqual([5, 10, 20, 30, 30]);
  });

  it("the default cap is 15 minutes: the 20th failure waits 900 000 ms, not 5·2^19", async () => {
    const q = aQueue();
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    for (let i = 0; i < 19; i++) q.addRateLimited("a");
    await advance(5);
    expect(timesOf("a")).toEqual([5]);
    q.addRateLimited("a");
    await advance(900_000 - 1);
    expect(timesOf("a")).toEqual([5]);
    await advance(1);
    expect(timesOf("a")).toEqual([5, 900_005]);
  });

  it("backoff is per key: a failing key does not slow another", async () => {
    const q = aQueue(fast);
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    for (let i = 0; i < 4; i++) q.addRateLimited("a");
    q.addRateLimited("b");
    expect(q.numRequeues("a")).toBe(4);
    expect(q.numRequeues("b")).toBe(1);
    await advance(5);
    expect(timesOf("b")).toEqual([5]);
  });

  it("forget resets the failure count: after 3 failures and forget, the next retry waits 5 ms, not 40", async () => {
    const q = aQueue(fast);
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    for (let i = 0; i < 3; i++) q.addRateLimited("a");
    await advance(5);
    expect(q.numRequeues("a")).toBe(3);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
    q.addRateLimited("a");
    await advance(5);
    expect(timesOf("a")).toEqual([5, 10]);
  });
});

describe("overall rate limit", () => {
  it("past burst, retries are spaced 1/qps apart: burst 2, qps 10 → 1, 1, 100, 200 ms", async () => {
    const q = aQueue({ baseDelayMs: 1, burst: 2, qps: 10 });
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    for (const k of ["a", "b", "c", "d"]) q.addRateLimited(k);
    await advance(1_000);
    expect([timesOf("a"), timesOf("b"), timesOf("c"), timesOf("d")]).toEqual([[1], [1], [100], [200]]);
  });

  it("the bucket refills at qps: after a quiet second a retry is not delayed by the bucket", async () => {
    const q = aQueue({ baseDelayMs: 1, burst: 1, qps: 10 });
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    q.addRateLimited("a");
    q.addRateLimited("b");
    await advance(1_000);
    expect([timesOf("a"), timesOf("b")]).toEqual([[1], [100]]);
    q.addRateLimited("c");
    await advance(1);
    expect(timesOf("c")).toEqual([1_001]);
  });

  it("a fractional bucket delay is rounded up, never early: qps 3 → the second retry at 334 ms", async () => {
    const q = aQueue({ baseDelayMs: 1, burst: 1, qps: 3 });
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    q.addRateLimited("a");
    q.addRateLimited("b");
    await advance(333);
    expect(timesOf("b")).toEqual([]);
    await advance(1);
    expect(timesOf("b")).toEqual([334]);
  });

  it("the per-key backoff wins when it is longer than the bucket's delay", async () => {
    const q = aQueue({ baseDelayMs: 500, burst: 1, qps: 10 });
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    q.addRateLimited("a");
    q.addRateLimited("b");
    await advance(1_000);
    expect([timesOf("a"), timesOf("b")]).toEqual([[500], [500]]);
  });

  it("plain add() is not rate limited", async () => {
    const q = aQueue({ burst: 1, qps: 1 });
    const { handler, runs } = timedHandler();
    q.run(handler);
    for (const k of ["a", "b", "c"]) q.add(k);
    await flush();
    expect(runs).toEqual([
      ["a", 0],
      ["b", 0],
      ["c", 0],
    ]);
  });
});

describe("addAfter (requeueAfter)", () => {
  it("fires at the requested time, not a millisecond earlier", async () => {
    const q = aQueue();
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    q.addAfter("a", 1_000);
    await advance(999);
    expect(timesOf("a")).toEqual([]);
    await advance(1);
    expect(timesOf("a")).toEqual([1_000]);
  });

  it("of two delayed adds the earlier wins, whichever came first, and the key runs once", async () => {
    const q = aQueue();
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    q.addAfter("later-first", 1_000);
    q.addAfter("later-first", 300);
    q.addAfter("earlier-first", 300);
    q.addAfter("earlier-first", 1_000);
    await advance(5_000);
    expect(timesOf("later-first")).toEqual([300]);
    expect(timesOf("earlier-first")).toEqual([300]);
  });

  it("add() of a key with a pending delayed add runs it now, and the delayed add does not run it again", async () => {
    const q = aQueue();
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    q.addAfter("a", 1_000);
    await advance(100);
    q.add("a");
    await advance(5_000);
    expect(timesOf("a")).toEqual([100]);
  });

  it("a delay of 0 or less enqueues at once", async () => {
    const q = aQueue();
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    q.addAfter("a", 0);
    q.addAfter("b", -5);
    await flush();
    expect([timesOf("a"), timesOf("b")]).toEqual([[0], [0]]);
  });

  it("a delay longer than setTimeout's 24.8-day limit still fires on time (30 days)", async () => {
    const q = aQueue();
    const { handler, timesOf } = timedHandler();
    q.run(handler);
    const thirtyDays = 30 * 24 * 3_600_000;
    q.addAfter("a", thirtyDays);
    await advance(2 ** 31);
    expect(timesOf("a")).toEqual([]);
    await advance(thirtyDays - 2 ** 31);
    expect(timesOf("a")).toEqual([thirtyDays]);
  });

  it("a pending delayed add does not count in length until it comes due", async () => {
    const q = aQueue();
    q.addAfter("a", 100);
    expect(q.length).toBe(0);
    await advance(100);
    expect(q.length).toBe(1);
  });
});

describe("shutdown", () => {
  it("stops handing out keys at once: queued keys stay unprocessed", async () => {
    const q = aQueue({ workers: 1 });
    const g = gatedHandler();
    q.run(g.handler);
    for (const k of ["a", "b", "c"]) q.add(k);
    await flush();
    const done = q.shutdown();
    expect(q.shuttingDown).toBe(true);
    await g.finish("a");
    await done;
    await advance(60_000);
    expect(g.started).toEqual(["a"]);
    expect(q.length).toBe(2);
  });

  it("waits for in-flight handlers before it resolves", async () => {
    const q = aQueue({ workers: 2 });
    const g = gatedHandler();
    q.run(g.handler);
    q.add("a");
    q.add("b");
    await flush();
    let resolved = false;
    void q.shutdown().then(() => (resolved = true));
    await g.finish("a");
    expect(resolved).toBe(false);
    await g.finish("b");
    expect(resolved).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("cancels delayed adds and leaves no timer behind", async () => {
    const q = aQueue();
    const { handler, runs } = timedHandler();
    q.run(handler);
    q.addAfter("a", 100);
    q.addRateLimited("b");
    expect(vi.getTimerCount()).toBe(2);
    await q.shutdown();
    expect(vi.getTimerCount()).toBe(0);
    await advance(60_000);
    expect(runs).toEqual([]);
  });

  it("resolves after the drain timeout when a handler hangs, and leaves no timer behind", async () => {
    const q = aQueue();
    q.run(() => new Promise<void>(() => undefined));
    q.add("stuck");
    await flush();
    let resolved = false;
    void q.shutdown(1_000).then(() => (resolved = true));
    await advance(999);
    expect(resolved).toBe(false);
    await advance(1);
    expect(resolved).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the default drain timeout is 30 s", async () => {
    const q = aQueue();
    q.run(() => new Promise<void>(() => undefined));
    q.add("stuck");
    await flush();
    let resolved = false;
    void q.shutdown().then(() => (resolved = true));
    await advance(29_999);
    expect(resolved).toBe(false);
    await advance(1);
    expect(resolved).toBe(true);
  });

  it("a key added while in flight is not run again after shutdown", async () => {
    const q = aQueue();
    const g = gatedHandler();
    q.run(g.handler);
    q.add("a");
    await flush();
    q.add("a");
    const done = q.shutdown();
    await g.finish("a");
    await done;
    await advance(60_000);
    expect(g.started).toEqual(["a"]);
  });

  it("is idempotent: a second call returns the same promise", async () => {
    const q = aQueue();
    const first = q.shutdown();
    expect(q.shutdown()).toBe(first);
    await first;
  });

  it("adds after shutdown are ignored", async () => {
    const q = aQueue();
    const { handler, runs } = timedHandler();
    q.run(handler);
    await q.shutdown();
    q.add("a");
    q.addAfter("b", 10);
    q.addRateLimited("c");
    await advance(1_000);
    expect(runs).toEqual([]);
    expect(q.length).toBe(0);
    expect(q.numRequeues("c")).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("resolves at once when nothing is in flight", async () => {
    const q = aQueue();
    let resolved = false;
    void q.shutdown().then(() => (resolved = true));
    await flush();
    expect(resolved).toBe(true);
  });
});

describe("metrics hooks", () => {
  function recordingMetrics() {
    const m = { depth: [] as number[], adds: 0, retries: 0, latency: [] as number[], duration: [] as number[] };
    const hooks = {
      depth: (n: number) => m.depth.push(n),
      add: () => {
        m.adds++;
      },
      retry: () => {
        m.retries++;
      },
      queueLatency: (s: number) => m.latency.push(s),
      workDuration: (s: number) => m.duration.push(s),
    };
    return { m, hooks };
  }

  it("depth reports the queued count on every change", async () => {
    const { m, hooks } = recordingMetrics();
    const q = aQueue({ workers: 1, metrics: hooks });
    const g = gatedHandler();
    q.add("a");
    q.add("b");
    q.add("a");
    expect(m.depth).toEqual([1, 2]);
    q.run(g.handler);
    await flush();
    expect(m.depth).toEqual([1, 2, 1]);
    await g.finish("a");
    expect(m.depth).toEqual([1, 2, 1, 0]);
  });

  it("depth counts a key re-added while in flight only once its run ends", async () => {
    const { m, hooks } = recordingMetrics();
    const q = aQueue({ workers: 1, metrics: hooks });
    const g = gatedHandler();
    q.run(g.handler);
    q.add("a");
    await flush();
    expect(m.depth).toEqual([1, 0]);
    q.add("a");
    expect(m.depth).toEqual([1, 0]);
    await g.finish("a");
    expect(m.depth).toEqual([1, 0, 1, 0]);
  });

  it("add counts calls that enqueue or schedule; retry counts every addRateLimited", async () => {
    const { m, hooks } = recordingMetrics();
    const q = aQueue({ metrics: hooks });
    q.add("a");
    q.add("a");
    expect(m.adds).toBe(1);
    q.addAfter("b", 100);
    q.addAfter("b", 50);
    q.addAfter("b", 500);
    expect(m.adds).toBe(3);
    q.addRateLimited("c");
    q.addRateLimited("c");
    expect(m.adds).toBe(4);
    expect(m.retries).toBe(2);
    await advance(1_000);
    expect(m.adds).toBe(4);
  });

  it("queueLatency is the wait from add to a worker taking the key; workDuration is the handler's run", async () => {
    const { m, hooks } = recordingMetrics();
    const q = aQueue({ metrics: hooks });
    q.add("a");
    await advance(2_000);
    q.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    });
    await advance(1_500);
    expect(m.latency).toEqual([2]);
    expect(m.duration).toEqual([1.5]);
  });

  it("a key re-added while in flight reports its wait from the re-add", async () => {
    const { m, hooks } = recordingMetrics();
    const q = aQueue({ metrics: hooks });
    q.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    });
    q.add("a");
    await advance(250);
    q.add("a");
    await advance(2_000);
    expect(m.latency).toEqual([0, 0.75]);
    expect(m.duration).toEqual([1, 1]);
  });
});

describe("options", () => {
  it.each([
    [{ workers: 0 }, /workers/],
    [{ workers: 1.5 }, /workers/],
    [{ qps: 0 }, /qps/],
    [{ burst: 0 }, /burst/],
    [{ baseDelayMs: -1 }, /baseDelayMs/],
    [{ baseDelayMs: 10, maxDelayMs: 5 }, /maxDelayMs/],
  ] as [WorkQueueOptions, RegExp][])("%o is rejected", (opts, message) => {
    expect(() => new WorkQueue(opts)).toThrow(message);
  });
});
