// The status a controller last wrote stands in for the cache's copy until the cache catches up, for the same object
// only: a new object of the same name (another uid) starts from its own status.
import { describe, expect, it } from "vitest";
import { WrittenStatuses } from "../../../src/runtime/status.ts";

type Obj = { metadata: { name: string; namespace: string; uid: string }; status?: { events: string[] } };
const web = (uid: string, events: string[]): Obj => ({ metadata: { name: "web", namespace: "ns", uid }, status: { events } });

describe("WrittenStatuses", () => {
  it("a written status replaces the cached one the cache has not caught up with", () => {
    const written = new WrittenStatuses<{ events: string[] }>();
    written.remember(web("u1", []), { events: ["started a", "started b"] });
    expect(written.latest(web("u1", ["started a"])).status).toEqual({ events: ["started a", "started b"] });
  });
  it("nothing written: the cached object as it is", () => {
    const cached = web("u1", ["x"]);
    expect(new WrittenStatuses<{ events: string[] }>().latest(cached)).toBe(cached);
  });
  it("an object recreated under the same name (new uid) does not inherit the old object's status", () => {
    const written = new WrittenStatuses<{ events: string[] }>();
    written.remember(web("u1", []), { events: ["old"] });
    expect(written.of(web("u2", []))).toBeUndefined();
    expect(written.latest(web("u2", ["new"])).status).toEqual({ events: ["new"] });
  });
  it("remember(undefined) and forget drop what was written", () => {
    const written = new WrittenStatuses<{ events: string[] }>();
    written.remember(web("u1", []), { events: ["a"] });
    written.remember(web("u1", []), undefined);
    expect(written.of(web("u1", []))).toBeUndefined();
    written.remember(web("u1", []), { events: ["a"] });
    written.forget("ns/web");
    expect(written.of(web("u1", []))).toBeUndefined();
  });
});
