// The name checks every builder and `run`'s flags use, one row per DNS-1123 edge case: a name accepted here must be
// one the API server accepts, and a name it refuses (`app-.role`) must be refused here and rewritten by toDns*.
import { describe, expect, it } from "vitest";
import * as keys from "../../../src/api/keys.ts";
import {
  isAnnotationName,
  isDns1035Label,
  isDnsDomain,
  isDnsLabel,
  isDnsSubdomain,
  isLabelKey,
  isLabelValue,
  toDnsSubdomain,
} from "../../../src/builders/names.ts";

const long = (n: number, c = "a"): string => c.repeat(n);

describe("isDnsLabel (DNS-1123 label)", () => {
  it.each([
    ["web", true],
    ["a", true],
    ["0", true],
    ["2048-game", true],
    ["a-b-c", true],
    [long(63), true],
    [long(64), false],
    ["", false],
    ["-web", false],
    ["web-", false],
    ["Web", false],
    ["log_router", false],
    ["a.b", false],
  ])("%j → %s", (name, valid) => {
    expect(isDnsLabel(name)).toBe(valid);
  });
});

describe("isDns1035Label (a Service name: a letter first)", () => {
  it.each([
    ["web", true],
    ["w-1", true],
    ["2048-game", false],
    ["-web", false],
    ["web-", false],
    [long(64), false],
  ])("%j → %s", (name, valid) => {
    expect(isDns1035Label(name)).toBe(valid);
  });
});

describe("isDnsSubdomain (DNS-1123 subdomain, as the API server checks object and host names)", () => {
  it.each([
    ["app.role", true],
    ["a.b.c", true],
    ["scheduler.example.com", true],
    ["0.0", true],
    ["app-.role", false],
    ["app.-role", false],
    ["-app.role", false],
    ["app.role-", false],
    ["app..role", false],
    [".app", false],
    ["app.", false],
    ["App.role", false],
    ["app_role", false],
    ["", false],
    [`${long(64)}.com`, true],
    [long(253), true],
    [long(254), false],
  ])("%j → %s", (name, valid) => {
    expect(isDnsSubdomain(name)).toBe(valid);
  });
});

describe("isDnsDomain (a subdomain whose every label is at most 63)", () => {
  it.each([
    ["cluster.local", true],
    [`${long(63)}.local`, true],
    [`${long(64)}.local`, false],
    ["cluster..local", false],
    ["cluster-.local", false],
  ])("%j → %s", (name, valid) => {
    expect(isDnsDomain(name)).toBe(valid);
  });
});

describe("label values and keys", () => {
  it.each([
    ["", true],
    ["web", true],
    ["Web_1.2-x", true],
    [long(63), true],
    [long(64), false],
    ["-web", false],
    ["web.", false],
    ["a b", false],
    ["service:web", false],
  ])("label value %j → %s", (value, valid) => {
    expect(isLabelValue(value)).toBe(valid);
  });

  it.each([
    ["app", true],
    ["ecs.operator.dev/cluster", true],
    ["tag.ecs.operator.dev/Team_Name", true],
    ["example.com/" + long(63), true],
    ["example.com/" + long(64), false],
    ["app-.role/x", false],
    ["/x", false],
    ["x/", false],
    ["a/b/c", false],
    ["Example.com/x", false],
    ["", false],
  ])("label key %j → %s", (key, valid) => {
    expect(isLabelKey(key)).toBe(valid);
  });

  it("an annotation name is never empty", () => {
    expect(isAnnotationName("")).toBe(false);
    expect(isAnnotationName("team")).toBe(true);
  });
});

describe("toDnsSubdomain rewrites what the API server would refuse", () => {
  it.each([
    ["app-.role", "app.role"],
    ["app.-role", "app.role"],
    ["app--.--role", "app.role"],
    ["app.-.role", "app.role"],
    ["Prod/DB..main", "prod-db.main"],
    ["web", "web"],
  ])("%j → %j", (name, expected) => {
    const out = toDnsSubdomain(name);
    expect(out).toBe(expected);
    expect(isDnsSubdomain(out)).toBe(true);
  });
});

describe("the operator's keys", () => {
  const entries = Object.entries(keys).filter(([name]) => name.endsWith("_LABEL") || name.endsWith("_ANNOTATION") || name.endsWith("_FINALIZER"));

  it("are all listed (labels, annotations and finalizers)", () => {
    expect(entries.length).toBeGreaterThan(30);
  });

  it.each(entries)("%s is a valid key", (_, key) => {
    expect(isLabelKey(key)).toBe(true);
  });

  it.each(Object.entries(keys).filter(([name]) => name.endsWith("_PREFIX")))("%s + a name is a valid key", (_, prefix) => {
    expect(isLabelKey(`${prefix}name`)).toBe(true);
  });

  it("no two keys of the same kind are spelled the same (a label and an annotation may share one)", () => {
    for (const suffix of ["_LABEL", "_ANNOTATION", "_FINALIZER"]) {
      const values = entries.filter(([name]) => name.endsWith(suffix)).map(([, key]) => key);
      expect(new Set(values).size).toBe(values.length);
    }
  });
});
