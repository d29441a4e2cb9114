// Cluster-scoped objects a test file changes on the shared control plane (CapacityProviders, Nodes): every change is
// recorded and undone by `cleanup()` (call it in afterAll), so that no file sees another file's leftovers. The suites
// run one file at a time on each control plane: a CapacityProvider or a missing kwok node left behind changes what
// the next file's Cluster and CapacityProvider statuses count.
import type { KubeConfig, V1Node } from "@kubernetes/client-node";
import { API_GROUP_VERSION } from "../../../src/api/common.ts";
import { CapacityProviders } from "../../../src/controllers/ecs-resources.ts";
import { apiRequest, ApiRequestError } from "../../../src/runtime/api-request.ts";
import { Nodes, resourcePath } from "../../../src/runtime/resources.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";
import { eventually } from "./cluster.ts";

const notFound = (err: unknown): boolean => err instanceof ApiRequestError && err.code === 404;
const ignoreNotFound = (err: unknown): undefined => {
  if (notFound(err)) return undefined;
  throw err;
};

export class ClusterScoped {
  private readonly kc: KubeConfig;
  private readonly fieldManager: string;
  private readonly providers = new Set<string>();
  private readonly createdNodes = new Set<string>();
  /** kwok test nodes this file deleted, to re-create from TEST_NODES. */
  private readonly deletedNodes = new Set<string>();

  constructor(kc: KubeConfig, fieldManager: string) {
    this.kc = kc;
    this.fieldManager = fieldManager;
  }

  /** Creates (or server-side applies, when `apply`) a CapacityProvider that cleanup() deletes. */
  async capacityProvider(name: string, spec: Record<string, unknown>, opts: { apply?: boolean } = {}): Promise<void> {
    this.providers.add(name);
    const body = { apiVersion: API_GROUP_VERSION, kind: "CapacityProvider", metadata: { name }, spec };
    if (opts.apply === true) {
      await apiRequest(this.kc, { method: "PATCH", path: resourcePath(CapacityProviders, undefined, name), contentType: "application/apply-patch+yaml", query: { fieldManager: this.fieldManager, force: true }, body });
    } else {
      await apiRequest(this.kc, { method: "POST", path: resourcePath(CapacityProviders), body });
    }
  }

  /** Deletes a CapacityProvider now (a test that checks what its deletion does). */
  async deleteCapacityProvider(name: string): Promise<void> {
    await apiRequest(this.kc, { method: "DELETE", path: resourcePath(CapacityProviders, undefined, name) }).catch(ignoreNotFound);
    this.providers.delete(name);
  }

  /** Creates a Node (an extra kwok node) that cleanup() deletes. */
  async createNode(node: V1Node): Promise<void> {
    const name = node.metadata?.name ?? "";
    this.createdNodes.add(name);
    await apiRequest(this.kc, { method: "POST", path: resourcePath(Nodes), body: node });
  }

  /** Deletes a Node: one of TEST_NODES is re-created by restoreNode() or cleanup(); an extra one is just gone. */
  async deleteNode(name: string): Promise<void> {
    if (TEST_NODES.some((n) => n.name === name)) this.deletedNodes.add(name);
    await apiRequest(this.kc, { method: "DELETE", path: resourcePath(Nodes, undefined, name) }).catch(ignoreNotFound);
  }

  /** Re-creates a deleted kwok test node as the launcher made it, and waits until it is Ready. */
  async restoreNode(name: string): Promise<void> {
    const spec = TEST_NODES.find((n) => n.name === name);
    if (spec === undefined) throw new Error(`restoreNode: ${name} is not one of TEST_NODES`);
    // A deleted node may linger for a moment (finalizers, the node lifecycle controller): wait until it is gone.
    const state = await eventually(`node ${name} gone before it is re-created`, async () => {
      try {
        const n = await apiRequest<V1Node>(this.kc, { method: "GET", path: resourcePath(Nodes, undefined, name) });
        return n.metadata?.deletionTimestamp === undefined ? "present" : false;
      } catch (err) {
        if (notFound(err)) return "absent";
        throw err;
      }
    });
    if (state === "absent") await apiRequest(this.kc, { method: "POST", path: resourcePath(Nodes), body: buildNode(spec) });
    this.deletedNodes.delete(name);
    await eventually(`node ${name} Ready again`, async () => {
      const n = await apiRequest<V1Node>(this.kc, { method: "GET", path: resourcePath(Nodes, undefined, name) });
      return n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
    });
  }

  /** Undoes everything recorded: CapacityProviders deleted (and gone), extra nodes deleted, test nodes re-created. */
  async cleanup(): Promise<void> {
    for (const name of this.providers) await this.deleteCapacityProvider(name);
    for (const name of this.createdNodes) await apiRequest(this.kc, { method: "DELETE", path: resourcePath(Nodes, undefined, name) }).catch(ignoreNotFound);
    this.createdNodes.clear();
    for (const name of [...this.deletedNodes]) await this.restoreNode(name);
    await expectPristineClusterScope(this.kc);
  }
}

/**
 * Fails when the shared cluster-scoped state is not what the control plane started with: no CapacityProvider object,
 * exactly the kwok TEST_NODES, all Ready. Called after a file's cleanup, so that a leak fails the file that leaks.
 */
export async function expectPristineClusterScope(kc: KubeConfig): Promise<void> {
  await eventually(
    "no CapacityProvider left and exactly the Ready kwok test nodes",
    async () => {
      const cps = await apiRequest<{ items: { metadata: { name: string } }[] }>(kc, { method: "GET", path: resourcePath(CapacityProviders) });
      const nodes = await apiRequest<{ items: V1Node[] }>(kc, { method: "GET", path: resourcePath(Nodes), query: { labelSelector: "type=kwok" } });
      const names = nodes.items.map((n) => n.metadata?.name ?? "").sort();
      const ready = nodes.items.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true);
      const expected = TEST_NODES.map((n) => n.name).sort();
      if (cps.items.length === 0 && JSON.stringify(names) === JSON.stringify(expected) && ready) return true;
      throw new Error(`CapacityProviders [${cps.items.map((c) => c.metadata.name).join(", ")}], nodes [${names.join(", ")}]${ready ? "" : " (not all Ready)"}`);
    },
    30_000,
  );
}
