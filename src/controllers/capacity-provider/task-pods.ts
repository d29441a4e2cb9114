// The pods of ECS tasks as the Cluster and CapacityProvider controllers cache them: only what their status
// reads (labels of ours, node, phase, resource requests), so a cache of thousands of pods stays small, and
// change fingerprints, so that kubelet heartbeats and pod status noise do not wake the controllers.
import type { V1Container, V1Node, V1Pod } from "@kubernetes/client-node";
import { isNodeReady } from "../../builders/container-instances.ts";
import type { KubeObject } from "../../runtime/resources.ts";

export type TaskPodObject = KubeObject & Pick<V1Pod, "spec" | "status">;
export type NodeLike = KubeObject & Pick<V1Node, "spec" | "status">;

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

/** What of a task pod the status depends on. */
export function taskPodFingerprint(pod: TaskPodObject): string {
  return JSON.stringify([pod.metadata?.labels, pod.spec?.nodeName, pod.status?.phase, pod.metadata?.deletionTimestamp !== undefined]);
}

/** What of a node the status depends on: not its heartbeats. */
export function nodeFingerprint(node: NodeLike): string {
  return JSON.stringify([
    node.metadata?.labels,
    node.spec?.taints,
    node.spec?.unschedulable,
    node.status?.allocatable ?? node.status?.capacity,
    isNodeReady(node as V1Node),
    node.metadata?.deletionTimestamp !== undefined,
  ]);
}

/** Remembers fingerprints by key; `changed` says whether an object's fingerprint differs from the last one seen. */
export class FingerprintMemo {
  private readonly seen = new Map<string, string>();
  changed(key: string, fingerprint: string | undefined): boolean {
    if (fingerprint === undefined) return this.seen.delete(key) || true;
    if (this.seen.get(key) === fingerprint) return false;
    this.seen.set(key, fingerprint);
    return true;
  }
}
