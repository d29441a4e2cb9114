import { describe, expect, it } from "vitest";
import { stripManagedFields } from "../../../src/runtime/informer.ts";
import { createLogger, parseLogLevel } from "../../../src/runtime/logger.ts";
import { microTime } from "../../../src/api/time.ts";
import { ConfigMaps, Deployments, Nodes, controllerOf, controllerReference, objectKey, ownerReferenceTo, parseKey, resourcePath } from "../../../src/runtime/resources.ts";

describe("resourcePath", () => {
  it.each([
    ["core collection, all namespaces", resourcePath(ConfigMaps), "/api/v1/configmaps"],
    ["core object", resourcePath(ConfigMaps, "ns", "c"), "/api/v1/namespaces/ns/configmaps/c"],
    ["group object with subresource", resourcePath(Deployments, "ns", "web", "status"), "/apis/apps/v1/namespaces/ns/deployments/web/status"],
    ["cluster-scoped ignores the namespace", resourcePath(Nodes, "ns", "n1"), "/api/v1/nodes/n1"],
  ])("%s", (_n, actual, expected) => { expect(actual).toBe(expected); });
});

describe("keys and owners", () => {
  it("objectKey is namespace/name, or name for cluster-scoped objects", () => {
    expect(objectKey({ metadata: { namespace: "a", name: "b" } })).toBe("a/b");
    expect(objectKey({ metadata: { name: "n" } })).toBe("n");
    expect(parseKey("a/b")).toEqual({ namespace: "a", name: "b" });
    expect(parseKey("n")).toEqual({ name: "n" });
  });
  it("ownerReferenceTo makes a blocking controller reference; controllerOf finds it", () => {
    const ref = ownerReferenceTo({ apiVersion: "x/v1", kind: "K", metadata: { name: "o", uid: "u" } });
    expect(ref).toEqual({ apiVersion: "x/v1", kind: "K", name: "o", uid: "u", controller: true, blockOwnerDeletion: true });
    expect(controllerOf({ metadata: { ownerReferences: [{ ...ref, controller: false }, ref] } })).toBe(ref);
    expect(controllerOf({ metadata: { ownerReferences: [{ ...ref, controller: false }] } })).toBeUndefined();
  });
  it("controllerReference keeps only the owner's identity and marks it controller, blocking deletion", () => {
    const owner = { apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "u-1", namespace: "apps", spec: {} };
    expect(controllerReference(owner)).toEqual({ apiVersion: "ecs.operator.dev/v1alpha1", kind: "Service", name: "web", uid: "u-1", controller: true, blockOwnerDeletion: true });
  });
});

describe("informer transform", () => {
  it("drops managedFields and kubectl's last-applied annotation, keeps other annotations", () => {
    const out = stripManagedFields({ metadata: { name: "x", managedFields: [{}], annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}", keep: "1" } } });
    expect(out.metadata).toEqual({ name: "x", annotations: { keep: "1" } });
  });
  it("returns an object without either unchanged (same reference, no copy)", () => {
    const obj = { metadata: { name: "x" } };
    expect(stripManagedFields(obj)).toBe(obj);
  });
});

describe("logger", () => {
  it("writes one JSON line with time, level, bound fields and message; filters below the level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (l) => lines.push(l) }).child({ controller: "service", object: "ns/web", reconcileId: "r1" });
    log.debug("hidden");
    log.info("applied", { kind: "Deployment" });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    expect(rec).toMatchObject({ level: "info", controller: "service", object: "ns/web", reconcileId: "r1", msg: "applied", kind: "Deployment" });
    expect(typeof rec.time).toBe("string");
  });
  it("parseLogLevel refuses an unknown level with the allowed ones", () => {
    expect(parseLogLevel("debug")).toBe("debug");
    expect(parseLogLevel(undefined)).toBe("info");
    expect(() => parseLogLevel("loud")).toThrow(/debug, info, warn, error/);
  });
});

describe("events", () => {
  it("microTime has microsecond precision as events.k8s.io requires", () => {
    expect(microTime(new Date("2026-01-02T03:04:05.678Z"))).toBe("2026-01-02T03:04:05.678000Z");
  });
});
