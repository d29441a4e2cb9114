// The pods of ECS tasks as the Cluster and CapacityProvider controllers cache them: only what their status
// reads (labels of ours, node, phase, resource requests), so a cache of thousands of pods stays small. Their
// watches pass only lifecycle changes (podLifecycleChanged), so pod status noise does not wake the controllers.
import type { V1Container, V1Node, V1Pod } from "@kubernetes/client-node";
import type { KubeObject, Wire } from "../../runtime/resources.ts";

export type TaskPodObject = KubeObject & Pick<Wire<V1Pod>, "metadata" | "spec" | "status">;
export type NodeLike = KubeObject & Pick<Wire<V1Node>, "metadata" | "spec" | "status">;

const OUR_LABELS = "ecs.operator.dev/";

const leanContainer = (c: V1Container): V1Container => ({
  name: c.name,
  ...(c.resources === undefined ? {} : { resources: { ...(c.resources.requests ? { requests: c.resources.requests } : {}), ...(c.resources.limits ? { limits: c.resources.limits } : {}) } }),
  ...(c.restartPolicy === undefined ? {} : { restartPolicy: c.restartPolicy }),
});

/** Informer transform: metadata we key and select on, spec.nodeName and requests, status.phase. Nothing else. */
export function leanTaskPod(pod: TaskPodObject): TaskPodObject {
  const m = pod.metadata ?? {};
  const labels = Object.fromEntries(Object.entries(m.labels ?? {}).filter(([k]) => k.startsWith(OUR_LABELS)));
  const spec = pod.spec;
  return {
    apiVersion: pod.apiVersion ?? "v1",
    kind: pod.kind ?? "Pod",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels,
      ...(m.deletionTimestamp === undefined ? {} : { deletionTimestamp: m.deletionTimestamp }),
    },
    spec: {
      containers: (spec?.containers ?? []).map(leanContainer),
      ...(spec?.initContainers === undefined ? {} : { initContainers: spec.initContainers.map(leanContainer) }),
      ...(spec?.nodeName === undefined ? {} : { nodeName: spec.nodeName }),
      ...(spec?.overhead === undefined ? {} : { overhead: spec.overhead }),
      ...(spec?.resources === undefined ? {} : { resources: spec.resources }),
    },
    status: { ...(pod.status?.phase === undefined ? {} : { phase: pod.status.phase }) },
  };
}
