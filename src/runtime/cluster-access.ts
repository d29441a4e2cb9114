// How the operator reaches the API server: the server's address and what each request carries (CA, client
// certificate, bearer token). The operator reads the two common cases itself: a pod's service account (in-cluster)
// and a kubeconfig whose user is a certificate or a token. Anything else a kubeconfig can say (exec and auth-provider
// plugins such as `aws eks get-token`, basic auth, proxies, several files in KUBECONFIG) goes to
// @kubernetes/client-node's KubeConfig, loaded only then: that library costs about 80 MiB of memory on its own,
// more than the operator's caches of 1,000 services (docs/operations.md, memory).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import type { RequestOptions } from "node:https";
import { load } from "js-yaml";

/** What a request needs; @kubernetes/client-node's KubeConfig has the same two methods. */
export interface ClusterAccess {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string | undefined } | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
/** A projected service account token is rotated in place: read again at most this often (client-go: 1 minute). */
const TOKEN_REREAD_MS = 60_000;

interface Static {
  readonly server: string;
  readonly ca?: Buffer | undefined;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
  readonly token?: string | undefined;
  readonly tokenFile?: string | undefined;
  readonly insecure?: boolean | undefined;
  readonly serverName?: string | undefined;
}

class StaticAccess implements ClusterAccess {
  private token: { value: string; readAt: number } | undefined;
  private readonly c: Static;
  constructor(c: Static) {
    this.c = c;
  }

  getCurrentCluster(): { server: string } {
    return { server: this.c.server };
  }

  applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    if (this.c.ca !== undefined) opts.ca = this.c.ca;
    if (this.c.cert !== undefined) opts.cert = this.c.cert;
    if (this.c.key !== undefined) opts.key = this.c.key;
    if (this.c.insecure === true) opts.rejectUnauthorized = false;
    if (this.c.serverName !== undefined) opts.servername = this.c.serverName;
    const token = this.bearer();
    if (token !== undefined) opts.headers = { ...(opts.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` };
    return Promise.resolve();
  }

  private bearer(): string | undefined {
    if (this.c.tokenFile === undefined) return this.c.token;
    const now = Date.now();
    if (this.token === undefined || now - this.token.readAt > TOKEN_REREAD_MS) {
      try {
        this.token = { value: readFileSync(this.c.tokenFile, "utf8").trim(), readAt: now };
      } catch (err) {
        // Keep the last token while the file is being rotated; none at all is an error the API server will name.
        if (this.token === undefined) throw err;
      }
    }
    return this.token.value;
  }
}

/**
 * `explicitPath` (--kubeconfig), else KUBECONFIG, else ~/.kube/config, else the pod's service account: the order of
 * kubectl and client-go. Returns undefined when there is nothing to talk to. Throws with the file's problem.
 */
export async function loadClusterAccess(explicitPath?: string, env: NodeJS.ProcessEnv = process.env, serviceAccountDir = SERVICE_ACCOUNT): Promise<ClusterAccess | undefined> {
  const fromEnv = env.KUBECONFIG?.split(":").filter((p) => p !== "") ?? [];
  const home = join(env.HOME ?? homedir(), ".kube", "config");
  const path = explicitPath ?? (fromEnv.length === 1 ? fromEnv[0] : fromEnv.length === 0 && readable(home) ? home : undefined);
  if (explicitPath === undefined && fromEnv.length > 1) return library(undefined);
  if (path === undefined) return inCluster(env, serviceAccountDir);
  const own = readKubeconfig(path);
  return own ?? library(path);
}

const isMapping = (v: unknown): v is Parsed => typeof v === "object" && v !== null && !Array.isArray(v);

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

function inCluster(env: NodeJS.ProcessEnv, dir: string): ClusterAccess | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || port === undefined || !readable(`${dir}/token`)) return undefined;
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return new StaticAccess({ server, ca: readFileSync(`${dir}/ca.crt`), tokenFile: `${dir}/token` });
}

async function library(path: string | undefined): Promise<ClusterAccess | undefined> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (path === undefined) kc.loadFromDefault();
  else kc.loadFromFile(path);
  return kc.getCurrentCluster() === null ? undefined : kc;
}

/** A kubeconfig as parsed, before anything about it is trusted. */
type Parsed = Record<string, unknown>;

/** The user and cluster fields this reader handles; any other field of either goes to the library. */
const OWN_USER_FIELDS = new Set(["client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile"]);
const OWN_CLUSTER_FIELDS = new Set(["server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify", "tls-server-name", "extensions"]);

/**
 * The current context of a kubeconfig file when its user and cluster use only certificates and tokens; undefined
 * when the library must read it. Throws when the file cannot be read or is not a kubeconfig.
 */
export function readKubeconfig(path: string): ClusterAccess | undefined {
  const text = readFileSync(path, "utf8");
  let doc: unknown;
  try {
    doc = load(text);
  } catch (err) {
    throw new Error(`${path} is not YAML: ${(err instanceof Error ? err.message : String(err)).split("\n")[0] ?? ""}`, { cause: err });
  }
  if (!isMapping(doc)) throw new Error(`${path} is not a kubeconfig (a YAML mapping with clusters, users and contexts)`);
  const find = (list: unknown, name: unknown, field: string): Parsed | undefined => {
    if (!Array.isArray(list)) return undefined;
    const entry: unknown = list.find((e) => isMapping(e) && e.name === name);
    const value = isMapping(entry) ? entry[field] : undefined;
    return isMapping(value) ? value : undefined;
  };
  const context = find(doc.contexts, doc["current-context"], "context");
  if (context === undefined) return undefined;
  const cluster = find(doc.clusters, context.cluster, "cluster");
  const user = find(doc.users, context.user, "user") ?? {};
  if (cluster === undefined || typeof cluster.server !== "string") return undefined;
  if (Object.keys(user).some((k) => !OWN_USER_FIELDS.has(k)) || Object.keys(cluster).some((k) => !OWN_CLUSTER_FIELDS.has(k))) return undefined;
  const base = dirname(path);
  const file = (p: unknown): Buffer | undefined => (typeof p === "string" ? readFileSync(isAbsolute(p) ? p : join(base, p)) : undefined);
  const data = (d: unknown): Buffer | undefined => (typeof d === "string" ? Buffer.from(d, "base64") : undefined);
  const str = (s: unknown): string | undefined => (typeof s === "string" ? s : undefined);
  const tokenFile = str(user.tokenFile);
  return new StaticAccess({
    server: cluster.server,
    ca: data(cluster["certificate-authority-data"]) ?? file(cluster["certificate-authority"]),
    cert: data(user["client-certificate-data"]) ?? file(user["client-certificate"]),
    key: data(user["client-key-data"]) ?? file(user["client-key"]),
    token: str(user.token),
    tokenFile: tokenFile === undefined ? undefined : isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    serverName: str(cluster["tls-server-name"]),
  });
}
