import { describe, expect, it } from "vitest";
import { StringTable } from "../../../src/runtime/string-table.ts";

/** A string equal to `s` but a separate copy, as JSON.parse makes one per value. */
const copy = (s: string): string => (JSON.parse(JSON.stringify({ s })) as { s: string }).s;

describe("StringTable: equal strings of cached objects shared", () => {
  // Which copy a string is cannot be seen from JavaScript (=== compares values): the rows check what the table holds
  // and that values stay equal; the bench's heap snapshot shows the bytes saved (docs/performance.md).
  it("equal strings take one entry; intern returns an equal string", () => {
    const t = new StringTable();
    expect(t.intern(copy("bench-ecs-1"))).toBe("bench-ecs-1");
    expect(t.intern(copy("bench-ecs-1"))).toBe("bench-ecs-1");
    expect(t.intern(copy("bench-ecs-2"))).toBe("bench-ecs-2");
    expect(t.size).toBe(2);
  });

  it("internValues replaces string values at any depth (objects, arrays, arrays of arrays), leaves keys, numbers, booleans, null and long strings, and returns the same object", () => {
    const t = new StringTable();
    const long = "x".repeat(600);
    const a = JSON.parse(`{"metadata":{"namespace":"shop","labels":{"app":"web"}},"spec":{"replicas":3,"paused":false,"x":null,"args":[["shop"],"web"],"long":"${long}"}}`) as Record<string, never>;
    const b = JSON.parse(`{"metadata":{"namespace":"shop","labels":{"app":"web"}},"spec":{"replicas":3,"paused":false,"x":null,"args":[["shop"],"web"],"long":"${long}"}}`) as Record<string, never>;
    const before = JSON.stringify(b);
    expect(t.internValues(a)).toBe(a);
    expect(t.internValues(b)).toBe(b);
    expect(JSON.stringify(b)).toBe(before);
    // The table holds the short values "shop" and "web" only: not the keys, not the 600-character string.
    expect(t.size).toBe(2);
  });

  it("frozen objects are left as they are (no TypeError), their unfrozen siblings are interned", () => {
    const t = new StringTable();
    const frozen = Object.freeze({ reason: copy("Frozen") });
    const obj = { frozen, open: { reason: copy("Open") } };
    expect(() => t.internValues(obj)).not.toThrow();
    expect(t.size).toBe(1);
  });

  it("a full table starts afresh: at most maxEntries strings are held, and interning still returns an equal string", () => {
    const t = new StringTable(3);
    for (const s of ["a", "b", "c", "d", "e"]) t.intern(copy(s));
    expect(t.size).toBeLessThanOrEqual(3);
    expect(t.intern(copy("a"))).toBe("a");
  });
});
