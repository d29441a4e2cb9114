// Finalizer writes, row by row: preconditioned on the list the caller saw, so another writer's finalizer is never
// lost, and a status written in the same pass does not turn the patch into a conflict.
import { describe, expect, it } from "vitest";
import { finalizerPatch } from "../../../src/runtime/finalizers.ts";

const F = "ecs.operator.dev/service-draining";
const obj = (finalizers?: string[], deleting = false) => ({
  metadata: { name: "web", namespace: "ns", resourceVersion: "42", ...(finalizers === undefined ? {} : { finalizers }), ...(deleting ? { deletionTimestamp: "2026-12-05T10:00:00Z" } : {}) },
});

describe("finalizerPatch", () => {
  it.each([
    { name: "add to an object with no finalizers: a merge patch preconditioned on the resourceVersion", o: obj(), change: "add" as const, want: { type: "merge", body: { metadata: { resourceVersion: "42", finalizers: [F] } } } },
    {
      name: "add next to another writer's finalizer: test the list as seen, then append",
      o: obj(["other/one"]),
      change: "add" as const,
      want: { type: "json", body: [{ op: "test", path: "/metadata/finalizers", value: ["other/one"] }, { op: "add", path: "/metadata/finalizers/-", value: F }] },
    },
    { name: "add when already there: nothing to write", o: obj([F]), change: "add" as const, want: undefined },
    { name: "add to an object being deleted: nothing (a finalizer cannot be added then)", o: obj([], true), change: "add" as const, want: undefined },
    {
      name: "remove: test the list as seen, then replace it without ours (no resourceVersion: a status write in the same pass does not conflict)",
      o: obj(["other/one", F]),
      change: "remove" as const,
      want: { type: "json", body: [{ op: "test", path: "/metadata/finalizers", value: ["other/one", F] }, { op: "replace", path: "/metadata/finalizers", value: ["other/one"] }] },
    },
    { name: "remove when not there: nothing to write", o: obj(["other/one"]), change: "remove" as const, want: undefined },
  ])("$name", ({ o, change, want }) => {
    expect(finalizerPatch(o, F, change)).toEqual(want);
  });
});
