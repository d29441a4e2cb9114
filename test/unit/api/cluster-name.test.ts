import { describe, expect, it } from "vitest";
import { clusterNameOf } from "../../../src/api/cluster.ts";

describe("clusterNameOf (spec.cluster → the Cluster's name)", () => {
  it.each<[string, string | undefined, string]>([
    ["unset → default", undefined, "default"],
    ["empty → default", "", "default"],
    ["a name", "prod", "prod"],
    ["an ECS cluster ARN → the name after the last slash", "arn:aws:ecs:eu-west-1:111122223333:cluster/prod", "prod"],
    ["a name with no ARN prefix keeps its slashes' text as is", "team/prod", "team/prod"],
  ])("%s", (_n, ref, want) => {
    expect(clusterNameOf(ref)).toBe(want);
  });
});
