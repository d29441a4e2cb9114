// Wires the runtime together: shared informers, controllers, the HTTP server, leader election and
// shutdown. Informers run on every replica (a standby keeps a warm cache); controllers run only on the
// leader. Every write goes through a fence: with leader election on, only a leader whose lease is valid by
// its own monotonic clock may write (docs/operations.md). Losing the lease to another replica stops all work
// at once and, by default, exits 1 so Kubernetes restarts the pod; SIGTERM drains in-flight reconciles
// (bounded), releases the lease and stops.
import type { ClusterAccess } from "./cluster-access.ts";
import { ControllerBuilder, type ControllerOptions, type RunnableController } from "./controller.ts";
import { EventRecorder } from "./events.ts";
import { startHttpServer } from "./http-server.ts";
import { functionName, Informer, leanEcsObject, OPERATOR_API_GROUP, type InformerOptions } from "./informer.ts";
import { FencedError, KubeClient } from "./kube-client.ts";
import { LeaderElector } from "./leader-election.ts";
import { createLogger, errorText, type Logger } from "./logger.ts";
import { RuntimeMetrics } from "./metrics.ts";
import type { KubeObject, ResourceType } from "./resources.ts";

export interface ManagerOptions {
  kubeConfig: ClusterAccess;
  /** Identity of this replica (pod name); used in the Lease and events. */
  identity: string;
  logger?: Logger;
  metrics?: RuntimeMetrics;
  /** Omit to run without leader election (a single replica). */
  leaderElection?: { namespace: string; name: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number; monotonicNow?: () => number };
  http?: { host: string; port: number };
  /**
   * Watch only these namespaces (a namespace-scoped install, RBAC by Roles): every informer of a namespaced resource
   * whose caller names no namespace lists and watches each of them. Cluster-scoped resources stay cluster-wide.
   */
  watchNamespaces?: readonly string[];
  resyncMs?: number;
  /** "warnings": only Warning events are written (--events); default "all". */
  events?: "all" | "warnings";
  now?: () => Date;
  /**
   * Called when another replica is seen holding the lease; the default exits 1 (Kubernetes restarts the pod, and a
   * fresh process with fresh controllers is the simple safe way back into the election). An API outage is not a loss.
   */
  onLostLeadership?: () => void;
}

export class Manager {
  readonly client: KubeClient;
  private readonly leaseClient: KubeClient;
  readonly metrics: RuntimeMetrics;
  readonly logger: Logger;
  readonly events: EventRecorder;
  readonly now: () => Date;
  private readonly opts: ManagerOptions;
  /**
   * The shared informers by key. `typed` is the informer under the type its first caller gave; `run` is what the
   * manager itself needs of it, whatever that type is.
   */
  private readonly informers = new Map<string, { typed: unknown; run: Pick<Informer<KubeObject>, "start" | "stop" | "hasSynced" | "waitForSync">; transform: ((obj: never) => unknown) | undefined }>();
  /** Controllers registered but not run by this replica (idle()). */
  private readonly idleControllers = new Set<string>();
  private readonly controllers: RunnableController[] = [];
  private elector: LeaderElector | undefined;
  private http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  private controllersRunning = false;
  private stopping: Promise<void> | undefined;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.logger = opts.logger ?? createLogger();
    this.metrics = opts.metrics ?? new RuntimeMetrics();
    this.now = opts.now ?? (() => new Date());
    const countWrite = (verb: string, kind: string): void => { this.metrics.apiWrites.inc({ verb, kind }); };
    // Without leader election this is the only replica: nothing to fence. With it, nothing is written before the
    // lease is ours, nor after it stopped being surely ours.
    const fence = opts.leaderElection === undefined ? undefined : (verb: string, kind: string): void => {
      if (this.elector === undefined) throw new FencedError(`${verb} ${kind} refused: leader election has not started`);
      this.elector.assertCanWrite(verb, kind);
    };
    this.client = new KubeClient(opts.kubeConfig, countWrite, fence);
    // The elector's own Lease writes are what renews the lease: they cannot be fenced by it.
    this.leaseClient = new KubeClient(opts.kubeConfig, countWrite);
    this.events = new EventRecorder(this.client, { instance: opts.identity, logger: this.logger, warningsOnly: opts.events === "warnings" });
  }

  /**
   * The shared informer for a resource (one list/watch per resource, namespace and selectors, whoever asks). Callers
   * of one key share its cache, so they must agree on what is cached: a second caller's indexers are added to it
   * (an index name with another function throws), and a transform other than the first caller's (none included)
   * throws, naming both, since that caller would silently read objects shaped by the other's transform.
   */
  informer<T extends KubeObject>(resource: ResourceType, opts: Omit<InformerOptions<T>, "client" | "resource"> = {}): Informer<T> {
    const watchNamespaces = this.opts.watchNamespaces ?? [];
    if (resource.namespaced && opts.namespace === undefined && opts.namespaces === undefined && watchNamespaces.length > 0) opts = { ...opts, namespaces: watchNamespaces };
    const key = `${resource.apiVersion}/${resource.plural}|${opts.namespace ?? opts.namespaces?.join(",") ?? ""}|${opts.labelSelector ?? ""}|${opts.fieldSelector ?? ""}`;
    const existing = this.informers.get(key);
    if (existing !== undefined) {
      if (existing.transform !== opts.transform) {
        const where = `${resource.plural}${opts.namespace === undefined ? "" : ` in namespace ${opts.namespace}`}${opts.labelSelector === undefined ? "" : ` with labelSelector ${opts.labelSelector}`}${opts.fieldSelector === undefined ? "" : ` with fieldSelector ${opts.fieldSelector}`}`;
        throw new Error(
          `Manager.informer: the informer of ${where} caches objects transformed by ${functionName(existing.transform)}, and a second caller asks for transform ${functionName(opts.transform)}; one cache has one transform: pass the same transform, or select other objects`,
        );
      }
      // One key caches one selection of one resource under one transform (checked above), so every caller of
      // the key reads the same objects: the type a caller names for them is the one place the runtime trusts it.
      const shared = existing.typed as Informer<T>;
      shared.addIndexers(opts.indexers ?? {});
      return shared;
    }
    // The operator's own kinds are cached lean unless the caller shapes them itself (docs/operations.md, memory).
    const ownKind = resource.apiVersion.split("/")[0] === OPERATOR_API_GROUP;
    const inf = new Informer<T>({
      resyncMs: this.opts.resyncMs ?? 10 * 60_000,
      ...(ownKind ? { transform: leanEcsObject<T> } : {}),
      logger: this.logger,
      onRestart: () => { this.metrics.informerRestarts.inc({ resource: resource.plural }); },
      ...opts,
      client: this.client,
      resource,
    });
    this.informers.set(key, { typed: inf, run: inf, transform: opts.transform });
    return inf;
  }

  controller<T extends KubeObject>(name: string, opts: ControllerOptions = {}): ControllerBuilder<T> {
    const idle = this.idleControllers.has(name) ? { idle: true } : {};
    return new ControllerBuilder<T>(name, { client: this.client, metrics: this.metrics, logger: this.logger.child({ controller: name }), now: this.now, events: this.events }, { ...opts, ...idle }, (c) => this.controllers.push(c));
  }

  /**
   * Controllers of these names, registered after this call, are not run by this replica: their informers are cached
   * (other controllers read them), but no event queues a key and no worker starts. A replica running one shard of the
   * Service controller leaves the cluster-wide controllers to the replica of shard 0 (docs/operations.md "Sharding").
   */
  idle(names: readonly string[]): void {
    for (const n of names) this.idleControllers.add(n);
  }

  get ready(): boolean {
    return [...this.informers.values()].every((i) => i.run.hasSynced());
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : this.controllersRunning;
  }

  /** False while a write would be refused by the fence (not leading, or the lease not renewed in time). */
  get canWrite(): boolean {
    return this.elector ? this.elector.canWrite() : this.opts.leaderElection === undefined;
  }

  get httpPort(): number | undefined {
    return this.http?.port;
  }

  /** Starts informers and the HTTP server, waits for the caches, then runs controllers (when leader). */
  async start(): Promise<void> {
    if (this.opts.http) this.http = await startHttpServer({ ...this.opts.http, registry: this.metrics.registry, ready: () => this.ready });
    for (const { run } of this.informers.values()) run.start();
    await Promise.all([...this.informers.values()].map((i) => i.run.waitForSync()));
    this.logger.info("informer caches synced", { informers: this.informers.size });
    const le = this.opts.leaderElection;
    if (!le) {
      this.startControllers();
      return;
    }
    const lease = `${le.namespace}/${le.name}`;
    this.metrics.leader.set({ lease }, 0);
    this.elector = new LeaderElector(this.leaseClient, {
      ...le,
      identity: this.opts.identity,
      logger: this.logger,
      onStartedLeading: () => {
        this.metrics.leader.set({ lease }, 1);
        this.startControllers();
      },
      onStoppedLeading: () => {
        this.metrics.leader.set({ lease }, 0);
        // Another replica may already be writing: no reconcile of ours may run past this point.
        for (const c of this.controllers) void c.stop();
        (this.opts.onLostLeadership ?? (() => process.exit(1)))();
      },
    });
    void this.elector.run();
  }

  private startControllers(): void {
    if (this.controllersRunning) return;
    this.controllersRunning = true;
    for (const c of this.controllers) c.start();
    this.logger.info("controllers started", { controllers: this.controllers.map((c) => c.name).join(",") });
  }

  /** Graceful stop: no new keys, in-flight reconciles finish (bounded), lease released, watches closed. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.controllers.map((c) => c.stop()));
      // The last passes' events are written while this replica may still write (bounded).
      await this.events.flush(5_000);
      await this.elector?.release();
      for (const { run } of this.informers.values()) run.stop();
      await this.http?.close();
      this.logger.info("stopped");
    })();
    return this.stopping;
  }

  /** SIGTERM/SIGINT → stop() → exit 0 (or 1 when stopping failed). */
  handleSignals(): void {
    const onSignal = (sig: string): void => {
      this.logger.info("signal received, shutting down", { signal: sig });
      this.stop().then(() => process.exit(0), (err: unknown) => {
        this.logger.error("shutdown failed", { error: errorText(err) });
        process.exit(1);
      });
    };
    process.once("SIGTERM", () => { onSignal("SIGTERM"); });
    process.once("SIGINT", () => { onSignal("SIGINT"); });
  }
}
