// Leader election over a coordination.k8s.io/v1 Lease, the protocol of client-go's leaderelection: a
// lease is taken when its holder has not renewed it for leaseDuration as seen on our own clock, renewed
// every retryPeriod. Release on shutdown sets an empty holder so a standby takes over at its next retry
// instead of waiting for expiry.
//
// Fencing: the leader may write only until renewDeadline after the start of its last successful renewal, by
// its own monotonic clock (a standby takes over no sooner than leaseDuration after it saw that renewal, so
// the gap covers clock-rate drift and writes in flight). Past that point every write is refused (see
// `assertCanWrite`) until a renewal succeeds again. Leadership is lost only when the Lease is seen held by
// another replica: an API outage, however long, pauses writes but never ends the process, since nobody can
// take the lease while nobody can reach the API server, and the Lease's resourceVersion settles the race
// when it comes back.
import { ApiRequestError } from "./api-request.ts";
import type { KubeClient } from "./kube-client.ts";
import { errorText, type Logger } from "./logger.ts";
import { FencedError } from "./kube-client.ts";
import { Leases, type KubeObject } from "./resources.ts";
import { microTime } from "../api/time.ts";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  /** Called once when leadership is lost (not on release): work must stop at once. */
  onStoppedLeading: () => void;
  logger?: Logger;
  /** Milliseconds on a clock that never jumps (default performance.now()); tests move it to simulate a freeze. */
  monotonicNow?: () => number;
}

type Attempt = "ours" | "held-by-other" | "failed";

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) { resolve(); return; }
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly opts: Required<Omit<LeaderElectionOptions, "logger">> & { logger?: Logger };
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  /** Monotonic time until which the leader may write; 0 when it may not. */
  private validUntil = 0;
  private paused = false;
  private readonly stopSignal = new AbortController();
  private lease: Lease | undefined;

  constructor(client: KubeClient, opts: LeaderElectionOptions) {
    this.client = client;
    this.opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, monotonicNow: () => performance.now(), ...opts };
    if (this.opts.leaseDurationMs <= this.opts.renewDeadlineMs) throw new Error("leader election: lease duration must be greater than the renew deadline");
    if (this.opts.renewDeadlineMs <= this.opts.retryPeriodMs) throw new Error("leader election: renew deadline must be greater than the retry period");
  }

  private isStopped(): boolean {
    return this.stopSignal.signal.aborted;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** True while this replica leads and its last renewal is recent enough, by its own clock, to write. */
  canWrite(): boolean {
    return this.leading && this.opts.monotonicNow() < this.validUntil;
  }

  /** The write fence: throws a FencedError unless canWrite(). */
  assertCanWrite(verb: string, kind: string): void {
    if (this.canWrite()) return;
    const lease = `${this.opts.namespace}/${this.opts.name}`;
    throw new FencedError(
      this.leading
        ? `${verb} ${kind} refused: the leader lease ${lease} was not renewed within the renew deadline (${this.opts.renewDeadlineMs} ms); writes resume once it is`
        : `${verb} ${kind} refused: this replica (${this.opts.identity}) does not hold the leader lease ${lease}`,
    );
  }

  /** Acquires, then renews until stopped or lost. Resolves when that happens. */
  async run(): Promise<void> {
    const { retryPeriodMs, logger } = this.opts;
    const lease = `${this.opts.namespace}/${this.opts.name}`;
    while (!this.isStopped() && (await this.tryAcquireOrRenew()) !== "ours") {
      await sleep(retryPeriodMs * (1 + Math.random() * 0.2), this.stopSignal.signal);
    }
    if (this.isStopped()) return;
    this.leading = true;
    logger?.info("became leader", { lease, identity: this.opts.identity });
    this.opts.onStartedLeading();
    while (!this.isStopped()) {
      // Renew early enough that one failed attempt does not pause writes.
      await sleep(retryPeriodMs, this.stopSignal.signal);
      if (this.isStopped()) return;
      const attempt = await this.tryAcquireOrRenew();
      if (this.isStopped()) return;
      if (attempt === "held-by-other") {
        this.leading = false;
        this.validUntil = 0;
        logger?.error("lost leadership: another replica holds the lease", { lease, holder: this.holderSeen ?? "" });
        this.opts.onStoppedLeading();
        return;
      }
      if (attempt === "ours" && this.paused) {
        this.paused = false;
        logger?.info("lease renewed again: writes resume", { lease });
      } else if (attempt === "failed" && !this.paused && !this.canWrite()) {
        this.paused = true;
        logger?.warn("the lease could not be renewed within the renew deadline: writes are paused until it is (leadership is kept unless another replica takes the lease)", { lease });
      }
    }
  }

  /** Stops the loops and, when leading, hands the lease back at once. */
  async release(): Promise<void> {
    this.stopSignal.abort();
    if (!this.leading || !this.lease) return;
    this.leading = false;
    this.validUntil = 0;
    const now = microTime(new Date());
    try {
      await this.client.update(Leases, {
        ...this.lease,
        spec: { ...this.lease.spec, holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      });
      this.opts.logger?.info("released the leader lease", { lease: `${this.opts.namespace}/${this.opts.name}` });
    } catch (err) {
      this.opts.logger?.warn("could not release the leader lease; it expires on its own", { error: errorText(err) });
    }
  }

  private holderSeen: string | undefined;

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { namespace, name, identity, leaseDurationMs, renewDeadlineMs, logger } = this.opts;
    // Validity counts from before the request: the API server may have stored the renewal at any moment after.
    const started = this.opts.monotonicNow();
    const now = new Date();
    const desired: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    try {
      const current = await this.client.get<Lease>(Leases, name, namespace);
      if (!current) {
        this.lease = await this.client.create<Lease>(Leases, { metadata: { name, namespace }, spec: desired });
        this.observe(this.lease, now.getTime());
        this.validUntil = started + renewDeadlineMs;
        return "ours";
      }
      const spec = current.spec ?? {};
      this.observe(current, now.getTime());
      const holder = spec.holderIdentity ?? "";
      this.holderSeen = holder;
      const observedAt = this.observed?.at ?? now.getTime();
      const heldByOther = holder !== "" && holder !== identity;
      if (heldByOther && (this.leading || observedAt + (spec.leaseDurationSeconds ?? 15) * 1000 > now.getTime())) return "held-by-other";
      const next: LeaseSpec = holder === identity
        ? { ...desired, acquireTime: spec.acquireTime ?? desired.acquireTime, leaseTransitions: spec.leaseTransitions ?? 0 }
        : { ...desired, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
      this.lease = await this.client.update<Lease>(Leases, { ...current, spec: next });
      this.observe(this.lease, now.getTime());
      this.validUntil = started + renewDeadlineMs;
      return "ours";
    } catch (err) {
      // A conflict means someone else wrote the lease first: the next attempt reads who holds it now.
      if (err instanceof ApiRequestError && err.code === 409) return "failed";
      logger?.warn("leader election request failed", { error: errorText(err) });
      // Unreachable API server: while we could not see the lease, its holder could not renew it either, so its
      // age proves nothing. The next record we read counts as new, and a standby gives the leader a whole lease
      // duration after an outage to renew before taking over: an outage alone never moves leadership.
      if (!this.leading) this.observed = undefined;
      return "failed";
    }
  }

  /** Remembers when the lease record last changed, on our clock (other clocks are not trusted). */
  private observe(lease: Lease, at: number): void {
    const record = JSON.stringify(lease.spec ?? {});
    if (this.observed?.record !== record) this.observed = { record, at };
  }
}
