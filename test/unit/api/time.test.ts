// The two time formats the operator writes: metav1.Time (status times, annotations) to the second, so that the same
// instant is always the same string and a rewrite of it is no change; metav1.MicroTime for events and Leases.
import { describe, expect, it } from "vitest";
import { kubeTime, microTime } from "../../../src/api/time.ts";

describe("kubeTime (RFC 3339 seconds, as the API server stores metav1.Time)", () => {
  it.each([
    ["2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05Z"],
    ["2026-01-02T03:04:05.999Z", "2026-01-02T03:04:05Z"],
    ["2026-12-31T23:59:59.001Z", "2026-12-31T23:59:59Z"],
    ["2026-03-29T01:30:00+02:00", "2026-03-28T23:30:00Z"],
  ])("%s → %s", (input, want) => {
    expect(kubeTime(new Date(input))).toBe(want);
  });

  it("parses back to the same second", () => {
    const d = new Date("2026-05-06T07:08:09.123Z");
    expect(new Date(kubeTime(d)).getTime()).toBe(Math.floor(d.getTime() / 1000) * 1000);
  });
});

describe("microTime (RFC 3339 with microseconds, metav1.MicroTime)", () => {
  it.each([
    ["2026-01-02T03:04:05.678Z", "2026-01-02T03:04:05.678000Z"],
    ["2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.000000Z"],
  ])("%s → %s", (input, want) => {
    expect(microTime(new Date(input))).toBe(want);
  });
});
