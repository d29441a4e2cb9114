// The Argo CD health checks are rendered from one shared script (src/argocd/health.lua) and a file of sections per
// kind: these rows pin how sections land in the hook lines.
import { describe, expect, it } from "vitest";
import { renderHealthScript } from "../../../scripts/generated-files.ts";

const template = ["-- check of {{kind}}", "a()", "-- {{after-reconciling}}", "b()", "-- {{after-ready}}", "-- {{healthy}}", ""].join("\n");

describe("renderHealthScript", () => {
  it("no file of sections: the kind's name in, empty hooks dropped, the default Healthy return", () => {
    expect(renderHealthScript("Cluster", template, undefined)).toBe(["-- check of Cluster", "a()", "b()", 'return { status = "Healthy", message = say(ready, "Ready") }', ""].join("\n"));
  });

  it("each section replaces its hook line; trailing blank lines of a section are dropped", () => {
    const hooks = ["-- what Task adds", "-- @after-reconciling", "stopped()", "", "-- @healthy", "return done()", ""].join("\n");
    expect(renderHealthScript("Task", template, hooks)).toBe(["-- check of Task", "a()", "stopped()", "b()", "return done()", ""].join("\n"));
  });

  it("an unknown section is refused, naming the file and the known sections", () => {
    expect(() => renderHealthScript("Task", template, "-- @before-everything\nx()\n")).toThrow("src/argocd/Task.lua: unknown section @before-everything (known: after-reconciling, after-ready, healthy)");
  });
});
