// The Gateway API HTTPRoute (gateway.networking.k8s.io/v1, standard channel) of a Service that names a Gateway under
// spec.kubernetes.gateway: production traffic split by backendRef weights between the blue and green Services (what
// ECS's production listener rule does with two target groups), and a rule matched by a header that sends test traffic
// (ECS's test listener rule) by its own weights. Pure. docs/deployments.md "Traffic".
import type { ServiceKubernetes } from "../../api/service.ts";
import type { KubeObject } from "../../runtime/resources.ts";
import { childMetadata, type ChildMetadata, type ServiceChildContext } from "./networking.ts";
import type { ShiftTraffic } from "./traffic-shift.ts";

export const HTTP_ROUTE_API_VERSION = "gateway.networking.k8s.io/v1";
/** The request header that marks test traffic, unless spec.kubernetes.gateway.testTrafficHeader names another. */
export const DEFAULT_TEST_TRAFFIC_HEADER = { name: "x-ecs-test-traffic", value: "true" } as const;

/**
 * Gateway API weights are integers: a percent with one decimal (LINEAR stepPercent and CANARY canaryPercent are
 * multiples of 0.1) becomes a weight out of 1000.
 */
export const WEIGHT_SCALE = 10;

export type HttpRouteObject = KubeObject & { apiVersion: typeof HTTP_ROUTE_API_VERSION; kind: "HTTPRoute"; metadata: ChildMetadata; spec: Record<string, unknown> };

export interface HttpRouteInput {
  /** The route's name: the production Service's. */
  readonly name: string;
  readonly gateway: NonNullable<ServiceKubernetes["gateway"]>;
  /** The Service of each color (their names) and the port they serve. */
  readonly services: { readonly blue: string; readonly green: string };
  readonly port: number;
  readonly traffic: Pick<ShiftTraffic, "targetColor" | "sourceColor" | "productionWeight" | "testWeight">;
  readonly child: ServiceChildContext;
}

/** The HTTPRoute: the test rule first (header match), then production (every other request). */
export function buildHttpRoute(input: HttpRouteInput): HttpRouteObject {
  const { gateway, traffic } = input;
  const header = gateway.testTrafficHeader ?? DEFAULT_TEST_TRAFFIC_HEADER;
  const refs = (targetPercent: number): Record<string, unknown>[] => {
    const target = Math.round(targetPercent * WEIGHT_SCALE);
    const source = 100 * WEIGHT_SCALE - target;
    // Both refs stay listed at weight 0 too: the route's shape never changes during a deployment, only its weights.
    return [
      { name: input.services[traffic.sourceColor], port: input.port, weight: source },
      { name: input.services[traffic.targetColor], port: input.port, weight: target },
    ].filter((r, i, all) => all.findIndex((x) => x.name === r.name) === i);
  };
  return {
    apiVersion: HTTP_ROUTE_API_VERSION,
    kind: "HTTPRoute",
    metadata: childMetadata(input.child, input.name),
    spec: {
      parentRefs: gateway.parentRefs.map((p) => ({
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: p.name,
        ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
        ...(p.sectionName === undefined ? {} : { sectionName: p.sectionName }),
        ...(p.port === undefined ? {} : { port: p.port }),
      })),
      ...(gateway.hostnames === undefined ? {} : { hostnames: [...gateway.hostnames] }),
      rules: [
        { matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: header.name, value: header.value }] }], backendRefs: refs(traffic.testWeight) },
        { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: refs(traffic.productionWeight) },
      ],
    },
  };
}
