// The one way the runtime talks to the API server: raw JSON requests (objects as written, no model
// re-serialisation), server-side apply with the `ecs-operator` field manager, and a count of every write.
import type { ClusterAccess } from "./cluster-access.ts";
import { ApiRequestError, apiRequest, type ApiRequestOptions } from "./api-request.ts";
import { resourcePath, type KubeObject, type ResourceType } from "./resources.ts";

export const FIELD_MANAGER = "ecs-operator";

export type WriteObserver = (verb: "create" | "update" | "patch" | "apply" | "delete", kind: string) => void;

/**
 * Checked before every write: throws (a FencedError) when this process may not write now, e.g. a leader whose
 * lease is no longer valid by its own monotonic clock.
 */
export type WriteFence = (verb: string, kind: string) => void;

/** A write refused before it was sent, because this replica is not (or no longer surely) the leader. */
export class FencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FencedError";
  }
}

export interface ListResult<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export class KubeClient {
  readonly kc: ClusterAccess;
  private readonly observeWrite: WriteObserver;
  private readonly fence: WriteFence | undefined;

  constructor(kc: ClusterAccess, onWrite: WriteObserver = () => undefined, fence?: WriteFence) {
    this.kc = kc;
    this.observeWrite = onWrite;
    this.fence = fence;
  }

  /** The fence runs first, so a refused write is neither sent nor counted. */
  private onWrite(verb: "create" | "update" | "patch" | "apply" | "delete", kind: string): void {
    this.fence?.(verb, kind);
    this.observeWrite(verb, kind);
  }

  request<T>(opts: ApiRequestOptions): Promise<T> {
    return apiRequest<T>(this.kc, opts);
  }

  async get<T extends KubeObject>(rt: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.request<T>({ method: "GET", path: resourcePath(rt, namespace, name) });
    } catch (err) {
      if (err instanceof ApiRequestError && err.code === 404) return undefined;
      throw err;
    }
  }

  /**
   * One page-complete list (follows `continue`), returning the list's resourceVersion for a watch. Pages of 500.
   * `map` shapes each item as its page arrives, so a caller that keeps a lean copy (an informer's transform) never
   * holds every whole object at once: after a restart at 5,000 services the pod list alone is 15,000 pods.
   */
  async list<T extends KubeObject, U = T>(rt: ResourceType, opts: { namespace?: string; labelSelector?: string; fieldSelector?: string; limit?: number; map?: (item: T) => U } = {}): Promise<ListResult<U>> {
    const items: U[] = [];
    const map = opts.map ?? ((item: T) => item as unknown as U);
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.request<ListResult<T>>({
        method: "GET",
        path: resourcePath(rt, opts.namespace),
        query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit ?? 500, continue: cont },
        timeoutMs: 60_000,
      });
      for (const item of page.items) items.push(map(item));
      cont = page.metadata.continue === "" ? undefined : page.metadata.continue;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    return { items, metadata: { resourceVersion } };
  }

  /** Server-side apply (force, field manager ecs-operator): the object states every field we own. */
  async apply<T extends KubeObject>(rt: ResourceType, obj: T, opts: { subresource?: "status" | "scale"; dryRun?: boolean } = {}): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`apply ${rt.kind}: metadata.name is required`);
    this.onWrite("apply", rt.kind);
    return this.request<T>({
      method: "PATCH",
      path: resourcePath(rt, obj.metadata?.namespace, name, opts.subresource),
      query: { fieldManager: FIELD_MANAGER, force: true, dryRun: opts.dryRun ? "All" : undefined },
      contentType: "application/apply-patch+yaml",
      body: { ...obj, apiVersion: rt.apiVersion, kind: rt.kind },
    });
  }

  async create<T extends KubeObject>(rt: ResourceType, obj: T): Promise<T> {
    this.onWrite("create", rt.kind);
    return this.request<T>({ method: "POST", path: resourcePath(rt, obj.metadata?.namespace), query: { fieldManager: FIELD_MANAGER }, body: { ...obj, apiVersion: rt.apiVersion, kind: rt.kind } });
  }

  /** Optimistic-concurrency update (PUT with resourceVersion): only for protocols that need it, like Leases. */
  async update<T extends KubeObject>(rt: ResourceType, obj: T): Promise<T> {
    this.onWrite("update", rt.kind);
    return this.request<T>({ method: "PUT", path: resourcePath(rt, obj.metadata?.namespace, obj.metadata?.name), query: { fieldManager: FIELD_MANAGER }, body: { ...obj, apiVersion: rt.apiVersion, kind: rt.kind } });
  }

  async patch<T extends KubeObject>(rt: ResourceType, name: string, namespace: string | undefined, patch: unknown, type: "merge" | "json" = "merge", subresource?: string): Promise<T> {
    this.onWrite("patch", rt.kind);
    return this.request<T>({
      method: "PATCH",
      path: resourcePath(rt, namespace, name, subresource),
      query: { fieldManager: FIELD_MANAGER },
      contentType: type === "merge" ? "application/merge-patch+json" : "application/json-patch+json",
      body: patch,
    });
  }

  /** Deletes; a missing object is not an error. Returns false when it was already gone. */
  async delete(rt: ResourceType, name: string, namespace?: string, opts: { propagationPolicy?: "Foreground" | "Background" | "Orphan"; gracePeriodSeconds?: number; preconditionUid?: string } = {}): Promise<boolean> {
    this.onWrite("delete", rt.kind);
    try {
      await this.request({
        method: "DELETE",
        path: resourcePath(rt, namespace, name),
        body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: opts.propagationPolicy, gracePeriodSeconds: opts.gracePeriodSeconds, preconditions: opts.preconditionUid ? { uid: opts.preconditionUid } : undefined },
      });
      return true;
    } catch (err) {
      if (err instanceof ApiRequestError && err.code === 404) return false;
      throw err;
    }
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiRequestError && err.code === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiRequestError && err.code === 409;
}
