// The operator's own reading of a kubeconfig and of a pod's service account, case by case, and the cases it leaves to
// @kubernetes/client-node (exec plugins, several files).
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadClusterAccess, readKubeconfig, type ClusterAccess } from "../../../src/runtime/cluster-access.ts";

const dir = mkdtempSync(join(tmpdir(), "cluster-access-"));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const b64 = (s: string): string => Buffer.from(s).toString("base64");
const kubeconfig = (name: string, cluster: string, user: string): string =>
  write(name, ["apiVersion: v1", "kind: Config", `clusters: [{name: c, cluster: ${cluster}}]`, `users: [{name: u, user: ${user}}]`, "contexts: [{name: x, context: {cluster: c, user: u}}]", "current-context: x", ""].join("\n"));
const text = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString() : v);
const applied = async (access: ClusterAccess | undefined): Promise<RequestOptions> => {
  const opts: RequestOptions = { headers: { accept: "application/json" } };
  await access?.applyToHTTPSOptions(opts);
  return opts;
};

write("ca.crt", "CA FROM FILE");
write("client.crt", "CERT FROM FILE");
write("client.key", "KEY FROM FILE");
write("token", "token-from-file\n");

describe("readKubeconfig: certificates and tokens", () => {
  it.each([
    {
      name: "inline data: CA, client certificate and key",
      path: () => kubeconfig("data.yaml", `{server: 'https://10.0.0.1:6443', certificate-authority-data: ${b64("CA")}}`, `{client-certificate-data: ${b64("CERT")}, client-key-data: ${b64("KEY")}}`),
      want: { ca: "CA", cert: "CERT", key: "KEY", authorization: undefined },
    },
    {
      name: "files, relative to the kubeconfig's folder",
      path: () => kubeconfig("files.yaml", "{server: 'https://10.0.0.1:6443', certificate-authority: ca.crt}", "{client-certificate: client.crt, client-key: client.key}"),
      want: { ca: "CA FROM FILE", cert: "CERT FROM FILE", key: "KEY FROM FILE", authorization: undefined },
    },
    {
      name: "a bearer token",
      path: () => kubeconfig("token.yaml", `{server: 'https://10.0.0.1:6443', certificate-authority-data: ${b64("CA")}}`, "{token: abc}"),
      want: { ca: "CA", cert: undefined, key: undefined, authorization: "Bearer abc" },
    },
    {
      name: "a token file (tokenFile), trimmed",
      path: () => kubeconfig("token-file.yaml", "{server: 'https://10.0.0.1:6443'}", "{tokenFile: token}"),
      want: { ca: undefined, cert: undefined, key: undefined, authorization: "Bearer token-from-file" },
    },
  ])("$name", async ({ path, want }) => {
    const access = readKubeconfig(path());
    expect(access?.getCurrentCluster()?.server).toBe("https://10.0.0.1:6443");
    const o = await applied(access);
    expect({ ca: text(o.ca), cert: text(o.cert), key: text(o.key), authorization: (o.headers as Record<string, string>).authorization }).toEqual(want);
    expect((o.headers as Record<string, string>).accept).toBe("application/json");
  });

  it("insecure-skip-tls-verify and tls-server-name reach the TLS options", async () => {
    const o = await applied(readKubeconfig(kubeconfig("insecure.yaml", "{server: 'https://10.0.0.1:6443', insecure-skip-tls-verify: true, tls-server-name: api.internal}", "{token: t}")));
    expect([o.rejectUnauthorized, o.servername]).toEqual([false, "api.internal"]);
  });

  it.each([
    ["an exec plugin (aws eks get-token)", "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}}", "{server: 'https://10.0.0.1:6443'}"],
    ["basic auth", "{username: a, password: b}", "{server: 'https://10.0.0.1:6443'}"],
    ["a proxy", "{token: t}", "{server: 'https://10.0.0.1:6443', proxy-url: 'http://proxy:3128'}"],
  ])("%s is left to the library (undefined here)", (_, user, cluster) => {
    expect(readKubeconfig(kubeconfig("other.yaml", cluster, user))).toBeUndefined();
  });

  it.each([
    ["a list", "- a\n- b\n"],
    ["a scalar", "just text\n"],
  ])("a file that is %s is no kubeconfig, and the error names it", (_, content) => {
    const path = write("not-a-kubeconfig.yaml", content);
    expect(() => readKubeconfig(path)).toThrow(`${path} is not a kubeconfig`);
  });

  it.each([
    ["empty", "", "expected a document, but the input is empty"],
    ["broken YAML", "clusters: [unclosed\n  - {\n", "missed comma between flow collection entries (2:5)"],
  ])("a file that is %s: the error names it and says why in one line", (_, content, why) => {
    const path = write("not-yaml.yaml", content);
    expect(() => readKubeconfig(path)).toThrow(`${path} is not YAML: `);
    expect(() => readKubeconfig(path)).toThrow(why);
  });

  it("a file that does not exist throws the system's error", () => {
    expect(() => readKubeconfig(join(dir, "missing.yaml"))).toThrow(/ENOENT/);
  });
});

describe("loadClusterAccess: which source, in kubectl's order", () => {
  const tokenConfig = kubeconfig("from-env.yaml", "{server: 'https://10.0.0.2:6443'}", "{token: env}");
  const emptyHome = mkdtempSync(join(tmpdir(), "home-"));

  it("--kubeconfig first, then KUBECONFIG", async () => {
    const explicit = kubeconfig("explicit.yaml", "{server: 'https://10.0.0.3:6443'}", "{token: explicit}");
    expect((await loadClusterAccess(explicit, { KUBECONFIG: tokenConfig, HOME: emptyHome }))?.getCurrentCluster()?.server).toBe("https://10.0.0.3:6443");
    expect((await loadClusterAccess(undefined, { KUBECONFIG: tokenConfig, HOME: emptyHome }))?.getCurrentCluster()?.server).toBe("https://10.0.0.2:6443");
  });

  it("~/.kube/config when KUBECONFIG is not set", async () => {
    const home = mkdtempSync(join(tmpdir(), "home-"));
    mkdirSync(join(home, ".kube"));
    writeFileSync(join(home, ".kube", "config"), ["clusters: [{name: c, cluster: {server: 'https://10.0.0.4:6443'}}]", "users: [{name: u, user: {token: h}}]", "contexts: [{name: x, context: {cluster: c, user: u}}]", "current-context: x"].join("\n"));
    expect((await loadClusterAccess(undefined, { HOME: home }))?.getCurrentCluster()?.server).toBe("https://10.0.0.4:6443");
  });

  it("in a pod: the service account's token and CA, the API server from the environment", async () => {
    const sa = mkdtempSync(join(tmpdir(), "sa-"));
    writeFileSync(join(sa, "token"), "pod-token");
    writeFileSync(join(sa, "ca.crt"), "POD CA");
    const access = await loadClusterAccess(undefined, { HOME: emptyHome, KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" }, sa);
    expect(access?.getCurrentCluster()?.server).toBe("https://10.96.0.1:443");
    const o = await applied(access);
    expect([text(o.ca), (o.headers as Record<string, string>).authorization]).toEqual(["POD CA", "Bearer pod-token"]);
  });

  it("nothing to talk to: undefined", async () => {
    expect(await loadClusterAccess(undefined, { HOME: emptyHome }, join(dir, "no-service-account"))).toBeUndefined();
  });

  it("an exec plugin and a KUBECONFIG of two files go to @kubernetes/client-node's KubeConfig", async () => {
    const exec = kubeconfig("exec.yaml", "{server: 'https://10.0.0.5:6443'}", "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}}");
    const viaExec = await loadClusterAccess(exec, { HOME: emptyHome });
    expect(viaExec).toBeInstanceOf(KubeConfig);
    expect(viaExec?.getCurrentCluster()?.server).toBe("https://10.0.0.5:6443");
    const other = write("other-names.yaml", ["clusters: [{name: c2, cluster: {server: 'https://10.0.0.6:6443'}}]", "users: [{name: u2, user: {token: t}}]", "contexts: [{name: x2, context: {cluster: c2, user: u2}}]"].join("\n"));
    const saved = process.env.KUBECONFIG;
    // client-node's loadFromDefault reads process.env itself.
    process.env.KUBECONFIG = `${tokenConfig}:${other}`;
    try {
      expect(await loadClusterAccess(undefined, { KUBECONFIG: process.env.KUBECONFIG, HOME: emptyHome })).toBeInstanceOf(KubeConfig);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});
