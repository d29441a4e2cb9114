// Installs CustomResourceDefinitions with server-side apply and waits until the API server serves them.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import { apiRequest } from "../../../src/runtime/api-request.ts";

/** A CRD as written in YAML (kebab-case `x-kubernetes-*` keys), not client-node's typed model. */
export type CrdDocument = { kind: string; metadata: { name: string } } & Record<string, unknown>;
import { loadAll } from "js-yaml";

const CRD_DIR = fileURLToPath(new URL("../../../crds/", import.meta.url));

export async function installCrds(kubeconfig: string, dir = CRD_DIR): Promise<string[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  } catch {
    return [];
  }
  const crds: CrdDocument[] = [];
  for (const f of files) {
    for (const doc of loadAll(await readFile(join(dir, f), "utf8"))) {
      if (doc && (doc as { kind?: string }).kind === "CustomResourceDefinition") crds.push(doc as CrdDocument);
    }
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  for (const crd of crds) await applyCrd(kc, crd);
  return crds.map((c) => c.metadata.name);
}

/** Server-side applies one CRD and waits for Established=True. */
export async function applyCrd(kc: KubeConfig, crd: CrdDocument, timeoutMs = 30_000): Promise<void> {
  const name = crd.metadata.name;
  await apiRequest(kc, {
    method: "PATCH",
    path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    query: { fieldManager: "ecs-operator-tests", force: true },
    contentType: "application/apply-patch+yaml",
    body: crd,
  });
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await ext.readCustomResourceDefinition({ name });
    if (current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
