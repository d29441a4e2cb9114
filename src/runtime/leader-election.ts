// Leader election over a coordination.k8s.io/v1 Lease, the protocol of client-go's leaderelection: a
// lease is taken when its holder has not renewed it for leaseDuration as seen on our own clock, renewed
// every retryPeriod, and given up when renewal has failed for renewDeadline. Release on shutdown sets an
// empty holder so a standby takes over at its next retry instead of waiting for expiry.
import { ApiRequestError } from "./api-request.ts";
import type { KubeClient } from "./kube-client.ts";
import { errorText, type Logger } from "./logger.ts";
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
}

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
  private readonly stopSignal = new AbortController();
  private lease: Lease | undefined;

  constructor(client: KubeClient, opts: LeaderElectionOptions) {
    this.client = client;
    this.opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
    if (this.opts.leaseDurationMs <= this.opts.renewDeadlineMs) throw new Error("leader election: lease duration must be greater than the renew deadline");
    if (this.opts.renewDeadlineMs <= this.opts.retryPeriodMs) throw new Error("leader election: renew deadline must be greater than the retry period");
  }

  private isStopped(): boolean {
    return this.stopSignal.signal.aborted;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Acquires, then renews until stopped or lost. Resolves when that happens. */
  async run(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs, logger } = this.opts;
    while (!this.isStopped() && !(await this.tryAcquireOrRenew())) {
      await sleep(retryPeriodMs * (1 + Math.random() * 0.2), this.stopSignal.signal);
    }
    if (this.isStopped()) return;
    this.leading = true;
    logger?.info("became leader", { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity });
    this.opts.onStartedLeading();
    let lastRenew = Date.now();
    while (!this.isStopped()) {
      await sleep(retryPeriodMs, this.stopSignal.signal);
      if (this.isStopped()) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew > renewDeadlineMs) {
        this.leading = false;
        logger?.error("lost leadership: the lease could not be renewed within the renew deadline", { lease: `${this.opts.namespace}/${this.opts.name}` });
        this.opts.onStoppedLeading();
        return;
      }
    }
  }

  /** Stops the loops and, when leading, hands the lease back at once. */
  async release(): Promise<void> {
    this.stopSignal.abort();
    if (!this.leading || !this.lease) return;
    this.leading = false;
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

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs, logger } = this.opts;
    const now = new Date();
    const desired: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    try {
      const current = await this.client.get<Lease>(Leases, name, namespace);
      if (!current) {
        this.lease = await this.client.create<Lease>(Leases, { metadata: { name, namespace }, spec: desired });
        this.observe(this.lease, now.getTime());
        return true;
      }
      const spec = current.spec ?? {};
      this.observe(current, now.getTime());
      const holder = spec.holderIdentity ?? "";
      const observedAt = this.observed?.at ?? now.getTime();
      const heldByOther = holder !== "" && holder !== identity;
      if (heldByOther && observedAt + (spec.leaseDurationSeconds ?? 15) * 1000 > now.getTime()) return false;
      const next: LeaseSpec = holder === identity
        ? { ...desired, acquireTime: spec.acquireTime ?? desired.acquireTime, leaseTransitions: spec.leaseTransitions ?? 0 }
        : { ...desired, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
      this.lease = await this.client.update<Lease>(Leases, { ...current, spec: next });
      this.observe(this.lease, now.getTime());
      return true;
    } catch (err) {
      // A conflict means someone else wrote the lease first: simply not ours this round.
      if (!(err instanceof ApiRequestError && err.code === 409)) logger?.warn("leader election request failed", { error: errorText(err) });
      return false;
    }
  }

  /** Remembers when the lease record last changed, on our clock (other clocks are not trusted). */
  private observe(lease: Lease, at: number): void {
    const record = JSON.stringify(lease.spec ?? {});
    if (this.observed?.record !== record) this.observed = { record, at };
  }
}
