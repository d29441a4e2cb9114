import { describe, expect, it } from "vitest";
import { propagatedTagAnnotations } from "../../../src/builders/service/deployment.ts";
import { tagAnnotations, type TaskTag } from "../../../src/builders/pod/labels.ts";
import { TAGS_ANNOTATION, TAG_ANNOTATION_PREFIX } from "../../../src/api/keys.ts";

describe("tagAnnotations (the tags of every task pod, Service or Task)", () => {
  it.each<[string, TaskTag[], Record<string, string>]>([
    ["no tags: no annotation", [], {}],
    ["only empty keys: no annotation", [{ key: "", value: "x" }, { value: "y" }], {}],
    ["one tag: the JSON object and its own annotation", [{ key: "team", value: "data" }], { [TAGS_ANNOTATION]: '{"team":"data"}', [`${TAG_ANNOTATION_PREFIX}team`]: "data" }],
    ["keys are sorted in the JSON", [{ key: "b", value: "2" }, { key: "a", value: "1" }], { [TAGS_ANNOTATION]: '{"a":"1","b":"2"}', [`${TAG_ANNOTATION_PREFIX}a`]: "1", [`${TAG_ANNOTATION_PREFIX}b`]: "2" }],
    ["the same key twice: the later value wins (one value per key)", [{ key: "team", value: "data" }, { key: "team", value: "ops" }], { [TAGS_ANNOTATION]: '{"team":"ops"}', [`${TAG_ANNOTATION_PREFIX}team`]: "ops" }],
    ["a key that is no annotation name is only in the JSON", [{ key: "cost center", value: "42" }], { [TAGS_ANNOTATION]: '{"cost center":"42"}' }],
    ["a tag without value is an empty value", [{ key: "flag" }], { [TAGS_ANNOTATION]: '{"flag":""}', [`${TAG_ANNOTATION_PREFIX}flag`]: "" }],
  ])("%s", (_n, tags, want) => {
    expect(tagAnnotations(tags)).toEqual(want);
  });

  it("a Service's propagated tags are annotated exactly as the same tags on a Task", () => {
    const tags = [{ key: "team", value: "payments" }, { key: "cost center", value: "42" }];
    expect(propagatedTagAnnotations({ propagateTags: "SERVICE", tags }, undefined, { clusterName: "prod", serviceName: "web" })).toEqual(tagAnnotations(tags));
  });
});
