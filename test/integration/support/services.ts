// What the tests that run the whole operator do to ECS objects: create one, scale a Service, wait for a Service to be
// steady (every task running on one COMPLETED deployment, Ready), as `kubectl` and `describe-services` would see it.
import type { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP_VERSION } from "../../../src/api/common.ts";
import type { ServiceStatus } from "../../../src/api/service.ts";
import { EcsServices, type ServiceObject } from "../../../src/controllers/ecs-resources.ts";
import { apiRequest } from "../../../src/runtime/api-request.ts";
import { resourcePath, type ResourceType } from "../../../src/runtime/resources.ts";
import { eventually } from "./cluster.ts";

/** Creates an object of the operator's kinds with this spec. */
export const post = (kc: KubeConfig, rt: ResourceType, ns: string, kind: string, name: string, spec: Record<string, unknown>): Promise<unknown> =>
  apiRequest(kc, { method: "POST", path: resourcePath(rt, ns), body: { apiVersion: API_GROUP_VERSION, kind, metadata: { name }, spec } });

/** Sets a Service's desiredCount. */
export const scale = (kc: KubeConfig, ns: string, name: string, desiredCount: number): Promise<unknown> =>
  apiRequest(kc, { method: "PATCH", path: resourcePath(EcsServices, ns, name), contentType: "application/merge-patch+json", body: { spec: { desiredCount } } });

/** Waits (up to 4 minutes) until Service `name` runs `count` tasks, has no pending one, one COMPLETED deployment and is Ready. */
export function steady(kc: KubeConfig, ns: string, name: string, count: number): Promise<ServiceObject> {
  return eventually(`Service ${name}: ${count} tasks running, deployment COMPLETED, Ready`, async () => {
    const s = await apiRequest<ServiceObject>(kc, { method: "GET", path: resourcePath(EcsServices, ns, name) });
    const st: ServiceStatus | undefined = s.status;
    return st !== undefined && st.observedGeneration === s.metadata.generation && st.runningCount === count && st.pendingCount === 0 && st.deployments?.[0]?.rolloutState === "COMPLETED" &&
      st.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true ? s : undefined;
  }, 240_000, 500);
}
