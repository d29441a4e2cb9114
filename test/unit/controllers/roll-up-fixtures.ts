// Fixtures shared by the CapacityProvider and Cluster plan tests: the kwok test nodes, Ready, and task pods of
// Cluster prod.
import type { NodeLike, TaskPodObject } from "../../../src/controllers/capacity-provider/task-pods.ts";
import { buildNode, TEST_NODES } from "../../controlplane/nodes.ts";

export const NODES = TEST_NODES.map((n) => {
  const node = buildNode(n);
  node.status ??= {};
  node.status.conditions = [{ type: "Ready", status: "True" }];
  return node;
}) as unknown as NodeLike[];

/** A task pod of Cluster prod on `provider`, running on `node` (pending without one). */
export const aTaskPod = (name: string, provider: string, node?: string): TaskPodObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "apps", labels: { "ecs.operator.dev/capacity-provider": provider, "ecs.operator.dev/cluster": "prod" } },
  spec: { containers: [{ name: "app", resources: { requests: { cpu: "1", memory: "2Gi" } } }], ...(node === undefined ? {} : { nodeName: node }) },
  status: { phase: node === undefined ? "Pending" : "Running" },
});
