// API requests reuse their TLS connections (issue 17: every request used to open a new one). A TCP relay between
// the client and the real API server counts the connections that reach the server; TLS passes through it
// untouched, so what is counted is exactly what the client opened.
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { apiRequest } from "../../src/runtime/api-request.ts";
import { KubeClient } from "../../src/runtime/kube-client.ts";
import { ConfigMaps, Namespaces, resourcePath, type KubeObject } from "../../src/runtime/resources.ts";
import { kubeConfig, testNamespace } from "./support/cluster.ts";

interface Relay {
  /** Connections accepted so far. */
  connections: number;
  /** Closes every open connection, as a server does with idle ones. */
  dropAll(): void;
  /**
   * Closes the next connection that carries a second request, without forwarding it: the race of a server closing
   * an idle connection just as the client sends on it.
   */
  dropNextReuse(): void;
  kc: KubeConfig;
  close(): Promise<void>;
}

const relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

/** A relay on loopback to the API server of `kc`, and a KubeConfig that talks through it. */
async function relayTo(kc: KubeConfig): Promise<Relay> {
  const target = new URL(kc.getCurrentCluster()?.server ?? "");
  const open = new Set<Socket>();
  let dropReuse = false;
  const server: Server = createServer((client) => {
    relay.connections++;
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client);
    let answered = false;
    upstream.once("data", () => { answered = true; });
    client.on("data", (chunk: Buffer) => {
      if (dropReuse && answered) {
        dropReuse = false;
        drop();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error("the test kubeconfig has no current cluster or user");
  const through = new KubeConfig();
  // The API server's certificate names 127.0.0.1, so the relay's address verifies like the server's own.
  through.loadFromClusterAndUser({ ...cluster, server: `https://127.0.0.1:${port}` }, user);
  const relay: Relay = {
    connections: 0,
    dropAll: () => { for (const s of open) s.destroy(); },
    dropNextReuse: () => { dropReuse = true; },
    kc: through,
    close: async () => {
      relay.dropAll();
      server.close();
      await once(server, "close");
    },
  };
  relays.push(relay);
  return relay;
}

describe("API requests reuse TLS connections", () => {
  it("50 sequential GETs travel over one connection", async () => {
    const relay = await relayTo(kubeConfig());
    for (let i = 0; i < 50; i++) await apiRequest(relay.kc, { method: "GET", path: resourcePath(Namespaces, undefined, "default") });
    expect(relay.connections).toBe(1);
  });

  it("writes through the KubeClient (create, apply, patch, delete) share the connection of the reads", async () => {
    const ns = await testNamespace(kubeConfig(), "keepalive");
    const relay = await relayTo(kubeConfig());
    const client = new KubeClient(relay.kc);
    for (let i = 0; i < 10; i++) {
      const name = `cm-${i}`;
      await client.create(ConfigMaps, { metadata: { name, namespace: ns }, data: { v: "1" } });
      await client.apply(ConfigMaps, { metadata: { name, namespace: ns }, data: { v: "2" } });
      await client.patch(ConfigMaps, name, ns, { data: { v: "3" } });
      expect((await client.get<KubeObject & { data?: Record<string, string> }>(ConfigMaps, name, ns))?.data).toEqual({ v: "3" });
      expect(await client.delete(ConfigMaps, name, ns)).toBe(true);
    }
    expect(relay.connections).toBe(1);
  });

  it("when the server closes an idle connection, the next request opens a new one and succeeds", async () => {
    const relay = await relayTo(kubeConfig());
    const get = (): Promise<{ metadata: { name: string } }> => apiRequest(relay.kc, { method: "GET", path: resourcePath(Namespaces, undefined, "default") });
    await get();
    for (let i = 0; i < 5; i++) {
      relay.dropAll();
      expect((await get()).metadata.name).toBe("default");
    }
    expect(relay.connections).toBe(6);
  });

  it("a request on a pooled connection that the server closes as it arrives is sent again on a new connection", async () => {
    const relay = await relayTo(kubeConfig());
    const get = (): Promise<{ metadata: { name: string } }> => apiRequest(relay.kc, { method: "GET", path: resourcePath(Namespaces, undefined, "default") });
    await get();
    relay.dropNextReuse();
    expect((await get()).metadata.name).toBe("default");
    expect(relay.connections).toBe(2);
    // The new connection is pooled in turn.
    await get();
    expect(relay.connections).toBe(2);
  });
});
