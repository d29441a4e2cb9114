// Admission against the real API server: one bad manifest per validation rule (the table the unit tests check
// offline) is refused with a message that names the field; real-world shaped manifests are accepted unchanged,
// and fields of newer ECS versions are kept, not pruned.
import { beforeAll, describe, expect, it } from "vitest";
import { admit } from "../../src/api/admission.ts";
import { kindDefinition } from "../../src/api/crds.ts";
import { API_GROUP_VERSION } from "../../src/api/common.ts";
import { ApiRequestError, apiRequest } from "../../src/runtime/api-request.ts";
import { aTask, aTaskDefinition, type Manifest, REALISTIC_TASK_DEFINITIONS } from "../unit/api/fixtures.ts";
import { REFUSALS } from "../unit/api/refusals.ts";
import { kubeConfig, testNamespace } from "./support/cluster.ts";

const kc = kubeConfig();
let ns: string;

beforeAll(async () => {
  ns = await testNamespace(kc, "api-validation");
});

function collectionPath(m: Manifest): string {
  const def = kindDefinition(m.kind);
  return def.scope === "Cluster" ? `/apis/${API_GROUP_VERSION}/${def.plural}` : `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${def.plural}`;
}

interface StatusCause {
  field?: string;
  message?: string;
}

/** The refusal of a write, as "field: message" lines (or the error message when the server gives no causes). */
async function refusal(write: Promise<unknown>): Promise<string[]> {
  try {
    await write;
  } catch (err) {
    if (!(err instanceof ApiRequestError)) throw err;
    const causes = ((err.body as { details?: { causes?: StatusCause[] } } | undefined)?.details?.causes ?? []).map((c) => `${c.field ?? ""}: ${c.message ?? ""}`);
    return causes.length > 0 ? causes : [err.message];
  }
  return [];
}

const create = (m: Manifest, dryRun = true) =>
  apiRequest(kc, { method: "POST", path: collectionPath(m), query: { fieldValidation: "Strict", ...(dryRun ? { dryRun: "All" } : {}) }, body: m });

describe("the API server refuses each bad manifest with a message that names the field", () => {
  it.each(REFUSALS.map((r) => [r.name, r] as const))("%s", async (_, r) => {
    let lines: string[];
    if (r.old) {
      const name = `${r.manifest.metadata.name}-${Math.random().toString(36).slice(2, 8)}`;
      const old = { ...r.old, metadata: { name } };
      const stored = (await create(old, false)) as { metadata: { resourceVersion: string } };
      const next = { ...r.manifest, metadata: { name, resourceVersion: stored.metadata.resourceVersion } };
      lines = await refusal(apiRequest(kc, { method: "PUT", path: `${collectionPath(next)}/${name}`, query: { fieldValidation: "Strict" }, body: next }));
    } else {
      lines = await refusal(create(r.manifest));
    }
    expect(lines.length, "the API server accepted the manifest").toBeGreaterThan(0);
    const line = lines.find((l) => l.includes(r.message));
    expect(line, `no refusal mentions ${JSON.stringify(r.message)}; got:\n${lines.join("\n")}`).toBeDefined();
    expect(line).toContain(r.path);
  });
});

describe("the API server accepts", () => {
  it.each(Object.entries(REALISTIC_TASK_DEFINITIONS))("the task definition: %s", async (_, spec) => {
    const m = aTaskDefinition(spec, "realistic");
    expect(admit(m)).toEqual([]);
    expect(await refusal(create(m))).toEqual([]);
  });

  it("stopping a running task", async () => {
    const stored = (await create(aTask({}, "to-stop"), false)) as Manifest & { metadata: { resourceVersion: string } };
    const stopped = { ...stored, spec: { ...stored.spec, desiredStatus: "STOPPED" } };
    expect(await refusal(apiRequest(kc, { method: "PUT", path: `${collectionPath(stored)}/to-stop`, body: stopped }))).toEqual([]);
  });
});

describe("fields of newer ECS versions", () => {
  it("are kept at every level of a task definition, for the controller to report", async () => {
    const m = aTaskDefinition(
      {
        futureTaskField: { mode: "on" },
        containerDefinitions: [{ name: "app", image: "app:1", memory: 128, futureContainerField: 7, linuxParameters: { futureKnob: true } }],
      },
      "future",
    );
    await create(m, false);
    const stored = await apiRequest<Manifest>(kc, { method: "GET", path: `${collectionPath(m)}/future` });
    expect(stored.spec.futureTaskField).toEqual({ mode: "on" });
    const container = (stored.spec.containerDefinitions as Record<string, unknown>[])[0];
    expect(container?.futureContainerField).toBe(7);
    expect(container?.linuxParameters).toEqual({ futureKnob: true });
  });

  it("are refused under spec.kubernetes, which is ours (strict field validation)", async () => {
    const lines = await refusal(create(aTaskDefinition({ kubernetes: { serviceAcount: "typo" } })));
    expect(lines.join("\n")).toContain('unknown field "spec.kubernetes.serviceAcount"');
  });
});
