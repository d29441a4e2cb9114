// What integration tests need to talk to the control plane: a KubeConfig, throwaway namespaces and a
// condition poller (tests wait on conditions, never on fixed sleeps).
import { randomBytes } from "node:crypto";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { API_GROUP_VERSION } from "../../../src/api/common.ts";
import { apiRequest, ApiRequestError } from "../../../src/runtime/api-request.ts";

/**
 * The control plane of this test worker: the global setup starts one per worker, and worker K (VITEST_POOL_ID, from 1)
 * always uses the K-th, so a file has a control plane to itself. `dir` is empty when KUBECONFIG named the cluster.
 */
export function controlPlane(): { kubeconfig: string; dir: string } {
  const kubeconfigs = inject("kubeconfigs");
  const dirs = inject("controlPlaneDirs");
  const i = (Number(process.env.VITEST_POOL_ID ?? "1") - 1) % kubeconfigs.length;
  const kubeconfig = kubeconfigs[i];
  if (kubeconfig === undefined) throw new Error(`no control plane for test worker ${process.env.VITEST_POOL_ID ?? "1"} (the global setup provided ${kubeconfigs.length})`);
  return { kubeconfig, dir: dirs[i] ?? "" };
}

/** The path of this worker's kubeconfig file (for kubectl, helm and child processes). */
export function kubeconfigPath(): string {
  return controlPlane().kubeconfig;
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails with `what` and the last
 * value seen. Returns the value.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError instanceof Error ? `; last error: ${lastError.message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The namespaces this test file made, deleted when it ends (test/integration/setup-file.ts). */
const made: { kc: KubeConfig; name: string }[] = [];

/** Creates a namespace with a unique name and waits until pods can be created in it. */
export async function testNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name, labels: { "testenv.ecs-operator.dev/test": prefix } } } });
  made.push({ kc, name });
  const defaultSa = (): Promise<unknown> => core.readNamespacedServiceAccount({ name: "default", namespace: name });
  // kube-controller-manager makes `default`; right after a test restarted the API server it can lag behind for a
  // minute, so after 20 s the test makes it itself (409: it came meanwhile).
  await eventually(`ServiceAccount default in ${name}`, defaultSa, 20_000).catch(async () => {
    await apiRequest(kc, { method: "POST", path: `/api/v1/namespaces/${name}/serviceaccounts`, body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } } })
      .catch((err: unknown) => { if (!(err instanceof ApiRequestError && err.code === 409)) throw err; });
    await eventually(`ServiceAccount default in ${name}`, defaultSa);
  });
  return name;
}

/**
 * Deletes the namespaces this file made and waits (at most 60 s each) until their pods are gone: the files share one
 * control plane, and pods a finished file leaves on the kwok nodes take room a later file's placement tests need.
 */
export async function deleteTestNamespaces(): Promise<void> {
  const gone = made.splice(0);
  await Promise.all(gone.map(({ kc, name }) => apiRequest(kc, { method: "DELETE", path: `/api/v1/namespaces/${name}` }).catch((err: unknown) => {
    if (!(err instanceof ApiRequestError && err.code === 404)) throw err;
  })));
  // The file's controllers have stopped: nobody drains its Services or empties its Clusters any more, so their
  // finalizers are taken off here, or the namespaces would stay Terminating for the next operator run to find.
  for (const { kc, name } of gone) {
    for (const plural of ["services", "clusters", "tasks"]) {
      const path = `/apis/${API_GROUP_VERSION}/namespaces/${name}/${plural}`;
      const list = await apiRequest<{ items: { metadata: { name: string; finalizers?: string[] } }[] }>(kc, { method: "GET", path }).catch(() => ({ items: [] }));
      for (const o of list.items.filter((i) => (i.metadata.finalizers ?? []).length > 0)) {
        await apiRequest(kc, { method: "PATCH", path: `${path}/${o.metadata.name}`, contentType: "application/merge-patch+json", body: { metadata: { finalizers: null } } }).catch(() => undefined);
      }
    }
  }
  for (const { kc, name } of gone) {
    // Best effort: cleanup is not what the file tests, so a pod that outlives the wait is reported, not failed on.
    await eventually(`the pods of namespace ${name} deleted`, async () => (await apiRequest<{ items: unknown[] }>(kc, { method: "GET", path: `/api/v1/namespaces/${name}/pods` })).items.length === 0, 60_000, 500)
      .catch((err: unknown) => { console.warn(`[integration] ${(err as Error).message}`); });
  }
}

/** Whether the object at this API path exists (404: no; any other error is thrown). */
export async function exists(kc: KubeConfig, path: string): Promise<boolean> {
  try {
    await apiRequest(kc, { method: "GET", path });
    return true;
  } catch (err) {
    if (err instanceof ApiRequestError && err.code === 404) return false;
    throw err;
  }
}
