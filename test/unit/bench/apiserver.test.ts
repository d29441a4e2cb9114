import { describe, expect, it } from "vitest";
import { apiserverWatchEvents, apiserverWrites } from "../../../bench/apiserver.ts";
import { parsePrometheus } from "../../../bench/prometheus.ts";

const METRICS = parsePrometheus(`# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="ecs.operator.dev",resource="services",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 40
apiserver_request_total{code="409",component="apiserver",dry_run="",group="ecs.operator.dev",resource="services",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 2
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="POST",version="v1"} 30
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="binding",verb="POST",version="v1"} 30
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 7
apiserver_request_total{code="0",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="WATCH",version="v1"} 3
apiserver_watch_events_total{group="",resource="pods",version="v1"} 500
apiserver_watch_events_total{group="ecs.operator.dev",resource="services",version="v1alpha1"} 80
apiserver_watch_events_total{group="apps",kind="Deployment",version="v1"} 7
`);

describe("bench: what kube-apiserver says of itself", () => {
  it("writes by verb and resource/subresource, every response code counted, reads and watches left out", () => {
    expect(apiserverWrites(METRICS)).toEqual({ "APPLY services/status": 42, "POST pods": 30, "POST pods/binding": 30 });
  });

  it("watch events by resource (by kind where the API server labels them so)", () => {
    expect(apiserverWatchEvents(METRICS)).toEqual({ pods: 500, services: 80, Deployment: 7 });
  });
});
