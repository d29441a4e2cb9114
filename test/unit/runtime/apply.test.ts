// needsApply decides whether a resync writes: these rows pin when it must and must not.
import { describe, expect, it } from "vitest";
import { desiredHash, isSubset, needsApply, stableStringify, withAppliedHash } from "../../../src/runtime/apply.ts";
import type { KubeObject } from "../../../src/runtime/resources.ts";
import { APPLIED_HASH_ANNOTATION } from "../../../src/api/keys.ts";

const cm = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject & { data: Record<string, string> } =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "n" }, data, ...extra });

describe("stableStringify", () => {
  it("key order does not matter", () => { expect(stableStringify({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(stableStringify({ a: [{ c: 3, d: 2 }], b: 1 })); });
  it("undefined values are dropped like JSON does", () => { expect(stableStringify({ a: undefined, b: 1 })).toBe('{"b":1}'); });
  it("list order matters", () => { expect(stableStringify([1, 2])).not.toBe(stableStringify([2, 1])); });
});

describe("isSubset", () => {
  it.each([
    ["equal scalars", 1, 1, true],
    ["different scalars", 1, 2, false],
    ["extra keys in actual (server defaults)", { a: 1 }, { a: 1, b: 2 }, true],
    ["missing key in actual", { a: 1, b: 2 }, { a: 1 }, false],
    ["lists element by element", [{ a: 1 }], [{ a: 1, z: 0 }], true],
    ["lists of different length", [1], [1, 2], false],
    ["object vs list", { a: 1 }, [1], false],
    ["null desired must be null", null, 0, false],
    ["undefined desired is satisfied by anything", undefined, 5, true],
    ["limits memory 1024Mi is the stored 1Gi", { resources: { limits: { memory: "1024Mi" } } }, { resources: { limits: { memory: "1Gi" } } }, true],
    ["requests memory 2048Mi is the stored 2Gi, cpu 1000m is 1", { requests: { memory: "2048Mi", cpu: "1000m" } }, { requests: { memory: "2Gi", cpu: "1" } }, true],
    ["requests memory 1536Mi is not 1Gi", { requests: { memory: "1536Mi" } }, { requests: { memory: "1Gi" } }, false],
    ["overhead by value", { overhead: { memory: "1048576Ki" } }, { overhead: { memory: "1Gi" } }, true],
    ["emptyDir sizeLimit by value", { emptyDir: { sizeLimit: "1024Mi" } }, { emptyDir: { sizeLimit: "1Gi" } }, true],
    ["a quantity key is not a quantity elsewhere: env value 1.0 is not 1", { env: [{ name: "memory", value: "1.0" }] }, { env: [{ name: "memory", value: "1" }] }, false],
    ["labels are strings: 1024Mi is not 1Gi", { labels: { memory: "1024Mi" } }, { labels: { memory: "1Gi" } }, false],
    ["a quantity that does not parse is compared as a string", { limits: { memory: "lots" } }, { limits: { memory: "lots" } }, true],
  ])("%s", (_name, desired, actual, expected) => { expect(isSubset(desired, actual)).toBe(expected); });
});

describe("needsApply", () => {
  it("no cached object → apply", () => { expect(needsApply(cm({ a: "1" }), undefined)).toBe(true); });
  it("cached object carries our hash and every field → no write", () => {
    const live = { ...withAppliedHash(cm({ a: "1" })), metadata: { ...withAppliedHash(cm({ a: "1" })).metadata, uid: "u", resourceVersion: "7" } };
    expect(needsApply(cm({ a: "1" }), live)).toBe(false);
  });
  it("someone else changed a field we own (drift) → apply", () => {
    const live = withAppliedHash(cm({ a: "1" }));
    expect(needsApply(cm({ a: "1" }), { ...live, data: { a: "edited" } } as KubeObject)).toBe(true);
  });
  it("we stopped setting a field (hash changes although the rest is a subset) → apply", () => {
    const live = withAppliedHash(cm({ a: "1", b: "2" }));
    expect(needsApply(cm({ a: "1" }), live)).toBe(true);
  });
  it("a Deployment whose memory limit is 1024Mi, stored by the API server as 1Gi, is not written again", () => {
    const desired = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "n" }, spec: { template: { spec: { containers: [{ name: "app", resources: { limits: { memory: "1024Mi" }, requests: { memory: "1024Mi" } } }] } } } } as KubeObject;
    const stored = JSON.parse(JSON.stringify(withAppliedHash(desired)).replaceAll("1024Mi", "1Gi")) as KubeObject;
    expect(needsApply(desired, stored)).toBe(false);
    expect(needsApply(desired, JSON.parse(JSON.stringify(stored).replace("1Gi", "2Gi")) as KubeObject)).toBe(true);
  });
  it("the hash annotation is the hash of the desired object without it", () => {
    expect(withAppliedHash(cm({ a: "1" })).metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).toBe(desiredHash(cm({ a: "1" })));
  });
});
