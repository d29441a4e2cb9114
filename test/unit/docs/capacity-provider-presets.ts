// The CapacityProvider YAML blocks of docs/capacity-providers.md and how a sample task's pod looks on each: shared
// by the unit test (offline admission, pinned scheduling) and the integration test (the real API server).
import { readFileSync } from "node:fs";
import type { V1PodSpec } from "@kubernetes/client-node";
import { load } from "js-yaml";
import type { CapacityProvider } from "../../../src/api/objects.ts";
import type { TaskDefinitionSpec } from "../../../src/api/task-definition.ts";
import { podTemplateCapacity, providerOf, resolveProvider, schedulingFor, type ResolvedProvider } from "../../../src/builders/capacity/provider.ts";
import { buildPodTemplate } from "../../../src/builders/pod/template.ts";

const DOC = new URL("../../../docs/capacity-providers.md", import.meta.url);

/** Every ```yaml block of the doc that holds a CapacityProvider, by metadata.name, in document order. */
export function docPresets(): Map<string, CapacityProvider> {
  const out = new Map<string, CapacityProvider>();
  for (const m of readFileSync(DOC, "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const obj = load(m[1] ?? "") as CapacityProvider | undefined;
    if (obj?.kind === "CapacityProvider" && obj.metadata.name !== undefined) out.set(obj.metadata.name, obj);
  }
  return out;
}

/** A small Fargate-compatible task: valid on every provider type. */
export const SAMPLE_TASK: TaskDefinitionSpec = {
  family: "web",
  requiresCompatibilities: ["FARGATE", "EC2"],
  networkMode: "awsvpc",
  cpu: "512",
  memory: "1024",
  containerDefinitions: [{ name: "app", image: "registry.example.com/web:1.0", portMappings: [{ containerPort: 8080 }] }],
};

/** The provider a preset defines, as a strategy naming it resolves (the preset is the only object). */
export function presetProvider(cp: CapacityProvider): ResolvedProvider {
  const r = resolveProvider(providerOf(cp).name, [cp]);
  if (!r.ok) throw new Error(r.message);
  return r.provider;
}

/** The pod of SAMPLE_TASK placed with the preset: the template of buildPodTemplate plus the provider's scheduling. */
export function samplePod(cp: CapacityProvider, namespace = "apps"): { labels: Record<string, string>; spec: V1PodSpec } {
  const provider = presetProvider(cp);
  const scheduling = schedulingFor(provider);
  const { template } = buildPodTemplate(SAMPLE_TASK, { namespace, family: "web", revision: 1, ...podTemplateCapacity(provider) });
  const spec: V1PodSpec = structuredClone(template.spec);
  spec.nodeSelector = { ...spec.nodeSelector, ...scheduling.nodeSelector };
  spec.tolerations = [...(spec.tolerations ?? []), ...scheduling.tolerations];
  if (scheduling.affinity !== undefined) spec.affinity = scheduling.affinity;
  if (scheduling.schedulerName !== undefined) spec.schedulerName = scheduling.schedulerName;
  if (scheduling.runtimeClassName !== undefined) spec.runtimeClassName = scheduling.runtimeClassName;
  if (scheduling.priorityClassName !== undefined) spec.priorityClassName = scheduling.priorityClassName;
  return { labels: { ...template.metadata.labels, ...scheduling.labels }, spec };
}
