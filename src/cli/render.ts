// `ecs-operator render`: the Kubernetes objects the controller would create for manifests (or ECS JSON), offline:
// for a TaskDefinition a v1 PodTemplate (the pod of every task of its revision) and its ServiceAccount, with the
// Secrets it references listed as comments. No cluster is needed, so GitOps reviews can diff the output.
import { resolveFamily, type TaskDefinitionSpec } from "../api/index.ts";
import { controllerRevisionName, normalizeRevisionSpec } from "../builders/task-definition-revision.ts";
import { buildPodTemplate, type PodTemplate, type SecretReference } from "../builders/pod-template.ts";
import { admitted, CliError, registrable, type Manifest } from "./convert.ts";

export type BuildPodTemplate = typeof buildPodTemplate;

export interface Rendered {
  /** Objects to print, in order; a string is a YAML comment block. */
  objects: (Record<string, unknown> | string)[];
  notes: string[];
}

const secretRefText = (r: SecretReference): string => `Secret ${r.secretName} key ${r.key}${r.type === "Opaque" ? "" : ` (${r.type})`}, for ${r.valueFrom}`;

/**
 * Renders one TaskDefinition manifest as revision `revision`. Refuses (CliError naming the file and field) what
 * the API server or the controller would refuse.
 */
export function renderTaskDefinition(m: Manifest, file: string, opts: { namespace?: string; revision?: number } = {}): Rendered {
  const who = `${file}: TaskDefinition ${m.metadata.name}`;
  admitted(m, file);
  registrable(m, file);
  const spec = m.spec as unknown as TaskDefinitionSpec;
  const family = resolveFamily(spec, m.metadata.name);
  const revision = opts.revision ?? 1;
  const namespace = m.metadata.namespace ?? opts.namespace ?? "default";
  const registered = normalizeRevisionSpec(spec, family) as unknown as TaskDefinitionSpec;
  let result: PodTemplate;
  try {
    result = buildPodTemplate(registered, { namespace, family, revision });
  } catch (err) {
    // The builder's refusals (PodTemplateError) carry the field in their message.
    throw new CliError(`${file}: ${(err as Error).message}\n${who} cannot become a pod template`);
  }
  const notes = result.unsupported.map((u) => `${who}: ${u.field} is not mapped to Kubernetes (the Supported condition lists it): ${u.reason}`);
  const objects: (Record<string, unknown> | string)[] = [];
  const metadata = { name: controllerRevisionName(m.metadata.name, revision), ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) };
  objects.push({ apiVersion: "v1", kind: "PodTemplate", metadata, template: result.template });
  const sa = result.serviceAccount;
  if (sa) {
    objects.push({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: sa.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}), ...(Object.keys(sa.annotations).length > 0 ? { annotations: sa.annotations } : {}) },
      automountServiceAccountToken: sa.automountServiceAccountToken,
    });
  }
  // What the pods need and nobody creates for them (the operator never reads AWS): listed, as comments.
  const needs = [
    ...result.secretRefs.map(secretRefText),
    ...result.configMapRefs.map((c) => `ConfigMap ${c.name}, for ${c.valueFrom}`),
    ...result.volumeClaims.map((c) => `PersistentVolumeClaim ${c.claimName}, for volume "${c.volume}"${c.fileSystemId ? ` (${c.fileSystemId}${c.accessPointId ? `, ${c.accessPointId}` : ""})` : ""}`),
  ];
  if (needs.length > 0) {
    objects.push([`TaskDefinition ${m.metadata.name} (${family}:${revision}) needs these, which must exist in the namespace:`, ...needs.map((n) => `  ${n}`)].map((l) => `# ${l}`).join("\n"));
  }
  return { objects, notes };
}
