// What the packaging tests need from real clients: the helm binary of the test control plane, kubectl, YAML
// documents, and a server-side apply of arbitrary objects (any kind: the REST path comes from discovery), for
// real or as a dry run.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadAll } from "js-yaml";
import { buildBinaries } from "../controlplane/control-plane.ts";
import { apiRequest } from "../../src/runtime/api-request.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** The YAML documents of a text, without empty ones. */
export function documents(text: string): Manifest[] {
  return (loadAll(text) as (Manifest | null)[]).filter((d): d is Manifest => d !== null && typeof d === "object");
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const res = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw new Error(`${command} could not be run: ${res.error.message}`);
  return { status: res.status ?? 1, stdout: res.stdout, stderr: res.stderr };
}

/** Runs a command and returns its stdout; a non-zero exit throws with its stderr. */
export function runOk(command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const res = run(command, args, env);
  if (res.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${res.status}:\n${res.stderr}${res.stdout}`);
  return res.stdout;
}

let helmPath: string | undefined;
/** helm, built and cached with the test control plane (test/controlplane/build.sh). */
export async function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  helmPath ??= `${await buildBinaries()}/helm`;
  // A HOME of its own keeps a developer's helm repositories and plugins out of the tests.
  return run(helmPath, args, { HELM_CACHE_HOME: "/tmp/ecs-operator-helm/cache", HELM_CONFIG_HOME: "/tmp/ecs-operator-helm/config", HELM_DATA_HOME: "/tmp/ecs-operator-helm/data", ...env });
}

/** kubectl from PATH (kustomize is built into it). */
export function kubectl(args: string[]): string {
  return runOk("kubectl", args);
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const discovery = new Map<string, Promise<ApiResourceList>>();

/** The REST path of an object, found through API discovery (so it works for any kind the server serves). */
export async function objectPath(kc: KubeConfig, o: Manifest, defaultNamespace?: string): Promise<string> {
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  let list = discovery.get(base);
  if (!list) {
    list = apiRequest<ApiResourceList>(kc, { method: "GET", path: base });
    discovery.set(base, list);
    list.catch(() => discovery.delete(base));
  }
  const r = (await list).resources.find((x) => x.kind === o.kind && !x.name.includes("/"));
  if (!r) throw new Error(`the API server does not serve ${o.kind} in ${o.apiVersion}`);
  const ns = o.metadata.namespace ?? defaultNamespace;
  if (r.namespaced && !ns) throw new Error(`${o.kind} ${o.metadata.name} is namespaced but has no namespace`);
  return `${base}${r.namespaced ? `/namespaces/${ns ?? ""}` : ""}/${r.name}/${o.metadata.name}`;
}

/** Server-side apply of each object (fieldValidation Strict), for real or as a dry run. Throws naming the object. */
export async function serverSideApply(kc: KubeConfig, objects: Manifest[], opts: { dryRun: boolean; namespace?: string; fieldManager?: string }): Promise<void> {
  for (const o of objects) {
    const path = await objectPath(kc, o, opts.namespace);
    try {
      await apiRequest(kc, {
        method: "PATCH",
        path,
        contentType: "application/apply-patch+yaml",
        body: o,
        query: { fieldManager: opts.fieldManager ?? "ecs-operator-tests", force: true, fieldValidation: "Strict", ...(opts.dryRun ? { dryRun: "All" } : {}) },
      });
    } catch (err) {
      throw new Error(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`, { cause: err });
    }
  }
}
