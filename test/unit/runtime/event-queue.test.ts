// The event recorder off the reconcile path: record() returns before the API request ends, one object's repeated
// event still becomes one Event with a growing series count in order, and flush() waits for the queue.
import { describe, expect, it } from "vitest";
import { EventRecorder } from "../../../src/runtime/events.ts";
import type { KubeClient } from "../../../src/runtime/kube-client.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";

/** A client whose writes finish only when the test lets them (release), recording what was written in order. */
function slowClient() {
  const writes: string[] = [];
  const waiting: (() => void)[] = [];
  const later = (what: string) => new Promise<KubeObject>((resolve) => { waiting.push(() => { writes.push(what); resolve({}); }); });
  const client = {
    create: (_rt: unknown, obj: KubeObject & { reason?: string }) => later(`create ${obj.reason ?? ""}`),
    patch: (_rt: unknown, name: string, _ns: string, body: { series: { count: number } }) => later(`patch ${name.split(".")[0] ?? ""} ${body.series.count}`),
  } as unknown as KubeClient;
  const release = async (): Promise<void> => {
    while (waiting.length > 0) {
      for (const w of waiting.splice(0)) w();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { client, writes, waiting, release };
}

const web: KubeObject = { apiVersion: "ecs.operator.dev/v1", kind: "Service", metadata: { name: "web", namespace: "ns", uid: "u1" } };
const api: KubeObject = { apiVersion: "ecs.operator.dev/v1", kind: "Service", metadata: { name: "api", namespace: "ns", uid: "u2" } };

describe("EventRecorder queue", () => {
  it("record() returns while the write is still in flight; flush() waits for it", async () => {
    const c = slowClient();
    const recorder = new EventRecorder(c.client, { instance: "unit" });
    await recorder.record(web, "Normal", "SteadyState", "web is steady");
    expect(c.writes).toEqual([]);
    expect(c.waiting).toHaveLength(1);
    let flushed = false;
    const f = recorder.flush().then(() => { flushed = true; });
    await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(false);
    await c.release();
    await f;
    expect(c.writes).toEqual(["create SteadyState"]);
  });

  it("the same event three times: one create, then series counts 2 and 3 in order; another object's event runs beside them", async () => {
    const c = slowClient();
    const recorder = new EventRecorder(c.client, { instance: "unit" });
    for (let i = 0; i < 3; i++) await recorder.record(web, "Warning", "TaskFailedToStart", "image could not be pulled");
    await recorder.record(api, "Normal", "SteadyState", "api is steady");
    // web's second and third wait for its first; api's is written at once.
    expect(c.waiting).toHaveLength(2);
    await c.release();
    await recorder.flush();
    expect(c.writes.filter((w) => w !== "create SteadyState")).toEqual(["create TaskFailedToStart", "patch web 2", "patch web 3"]);
    expect(c.writes).toContain("create SteadyState");
  });

  it("a reason that is not CamelCase is refused at once, naming it", async () => {
    const recorder = new EventRecorder(slowClient().client, { instance: "unit" });
    await expect(recorder.record(web, "Normal", "not camel", "x")).rejects.toThrow(/"not camel" must be CamelCase/);
  });

  it("warningsOnly (--events=warnings): Normal events are not written, Warning events are", async () => {
    const c = slowClient();
    const recorder = new EventRecorder(c.client, { instance: "unit", warningsOnly: true });
    await recorder.record(web, "Normal", "SteadyState", "web is steady");
    await recorder.record(web, "Warning", "TaskFailedToStart", "image could not be pulled");
    await c.release();
    await recorder.flush();
    expect(c.writes).toEqual(["create TaskFailedToStart"]);
  });

  it("flush() with nothing queued resolves at once", async () => {
    await expect(new EventRecorder(slowClient().client, { instance: "unit" }).flush()).resolves.toBeUndefined();
  });
});
