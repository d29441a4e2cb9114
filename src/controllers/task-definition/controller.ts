// The TaskDefinition controller: every spec change registers a new immutable revision (a ControllerRevision
// numbered 1, 2, 3 ... like ECS), deregistered revisions turn INACTIVE, old ones are pruned unless in use,
// and the status mirrors DescribeTaskDefinition. Thin: the decisions are in builders/task-definition-revision.ts.
import { resolveFamily, type TaskDefinitionSpec } from "../../api/index.ts";
import { buildPodTemplate, type PodTemplate } from "../../builders/pod-template.ts";
import {
  buildControllerRevision,
  checkTaskDefinitionSpec,
  computeTaskDefinitionStatus,
  needsNewRevision,
  nextRevisionNumber,
  normalizeRevisionSpec,
  pruningBlocked,
  revisionHash,
  revisionHistoryLimit,
  revisionsToPrune,
  TaskDefinitionReason,
  type RevisionRecord,
} from "../../builders/task-definition-revision.ts";
import { withAppliedHash } from "../../runtime/apply.ts";
import { SpecError } from "../../api/spec-error.ts";
import { Action, type Controller } from "../../runtime/controller.ts";
import { byOwnerUid, type Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { ControllerRevisions, objectKey } from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import { byFamily, FAMILY_INDEX, familyOwner, OWNER_INDEX, TaskDefinitionResolver } from "./resolver.ts";
import { REVISION_SELECTOR, revisionRecord, TaskDefinitions, type ControllerRevisionObject, type TaskDefinitionObject } from "./resources.ts";

export const CONTROLLER_NAME = "taskdefinition";

/** Whether a Service or Task still runs revision `revision` of `family` in `namespace` (it is then never pruned). */
export type RevisionInUse = (namespace: string, family: string, revision: number) => boolean;

export interface TaskDefinitionControllerOptions {
  /** Restricts the controller to one namespace. */
  namespace?: string;
  /** revisionHistoryLimit when the spec sets none. */
  defaultRevisionHistoryLimit?: number;
  inUse?: RevisionInUse;
  /** How soon to look again when pruning waits for a revision to fall out of use. */
  inUseRecheckMs?: number;
  workers?: number;
}

export interface TaskDefinitionController {
  controller: Controller<TaskDefinitionObject>;
  taskDefinitions: Informer<TaskDefinitionObject>;
  revisions: Informer<ControllerRevisionObject>;
  resolver: TaskDefinitionResolver;
}

/** Registers the TaskDefinition controller (and its informers) with a Manager. */
export function registerTaskDefinitionController(mgr: Manager, opts: TaskDefinitionControllerOptions = {}): TaskDefinitionController {
  const taskDefinitions = mgr.informer<TaskDefinitionObject>(TaskDefinitions, { namespace: opts.namespace, indexers: { [FAMILY_INDEX]: byFamily } });
  const revisions = mgr.informer<ControllerRevisionObject>(ControllerRevisions, { namespace: opts.namespace, labelSelector: REVISION_SELECTOR, indexers: { [OWNER_INDEX]: byOwnerUid } });
  const resolver = new TaskDefinitionResolver(taskDefinitions, revisions);
  const inUse = opts.inUse ?? (() => false);
  const recheckMs = opts.inUseRecheckMs ?? 5 * 60_000;

  // Revisions this process registered that the cache may not show yet (the ControllerRevision watch can lag
  // behind the TaskDefinition watch). Without them a quick second edit could reuse a number, or register the
  // same spec twice. Keyed by the TaskDefinition's uid; an entry leaves once the cache has it.
  // Entries expire: the watch delivers within seconds, and a revision deleted before the cache saw it must not
  // linger as a phantom.
  const registered = new Map<string, Map<string, RevisionRecord & { family: string; createdAtMs: number }>>();
  const PENDING_TTL_MS = 5 * 60_000;

  const controller = mgr
    .controller<TaskDefinitionObject>(CONTROLLER_NAME, { workers: opts.workers })
    .for(taskDefinitions)
    .owns(revisions)
    // A family freed (its TaskDefinition deleted or renamed) goes to the next TaskDefinition that claims it.
    .watches(taskDefinitions, (td) => {
      const [key] = byFamily(td);
      const slash = (key ?? "").indexOf("/");
      return resolver
        .taskDefinitionsOf((key ?? "").slice(0, slash), (key ?? "").slice(slash + 1))
        .filter((o) => o.metadata?.uid !== td.metadata?.uid)
        .map(objectKey);
    })
    .reconcile(async (key, ctx) => {
      const td = taskDefinitions.get(key);
      if (!td || td.metadata?.deletionTimestamp) {
        // Owner references garbage-collect the revisions; only our memory needs cleaning.
        if (td?.metadata?.uid) registered.delete(td.metadata.uid);
        return Action.done();
      }
      const name = td.metadata?.name ?? "";
      const namespace = td.metadata?.namespace ?? "";
      const uid = td.metadata?.uid ?? "";
      const spec = td.spec;
      const family = resolveFamily(spec, name);
      const who = `TaskDefinition ${key}`;

      const owner = familyOwner(resolver.taskDefinitionsOf(namespace, family));
      if (owner && owner.metadata?.uid !== uid) {
        throw new SpecError(
          "spec.family",
          `"${family}" is already registered by TaskDefinition ${owner.metadata?.name ?? ""}; a family belongs to one TaskDefinition, so choose another spec.family`,
          TaskDefinitionReason.FamilyConflict,
        );
      }
      const problems = checkTaskDefinitionSpec(spec);
      const [first] = problems;
      if (first) throw new SpecError("", problems.map((p) => p.message).join("; "), first.reason);

      // The cache, plus what this process registered and the cache does not show yet.
      const cached = new Map<string, RevisionRecord & { family: string }>();
      for (const cr of resolver.ownedBy(uid)) {
        const rec = revisionRecord(cr);
        if (rec) cached.set(rec.name, rec);
      }
      const pending = registered.get(uid) ?? new Map<string, RevisionRecord & { family: string; createdAtMs: number }>();
      const nowMs = mgr.now().getTime();
      for (const [n, r] of [...pending]) if (cached.has(n) || nowMs - r.createdAtMs > PENDING_TTL_MS) pending.delete(n);
      if (pending.size === 0) registered.delete(uid);
      const all = [...cached.values(), ...pending.values()];
      const ofFamily = all.filter((r) => r.family === family);

      const normalized = normalizeRevisionSpec(spec, family);
      const hash = revisionHash(normalized);
      const register = needsNewRevision(ofFamily, hash);
      const floor = td.status?.family === family ? (td.status.revision ?? 0) : 0;
      const number = register ? nextRevisionNumber(ofFamily, floor) : Math.max(...ofFamily.map((r) => r.revision));

      // A revision that cannot become a pod is not registered; what it cannot map is reported (Supported).
      const template: PodTemplate = buildPodTemplate(normalized as unknown as TaskDefinitionSpec, { namespace, family, revision: number });

      if (register) {
        const desired = buildControllerRevision({ apiVersion: td.apiVersion ?? TaskDefinitions.apiVersion, kind: TaskDefinitions.kind, name, namespace, uid }, family, number, normalized, (n) => all.some((r) => r.name === n));
        // Create, never apply: a revision is immutable, and a name already taken (a stale view) must fail and
        // be retried against a fresh cache rather than overwrite what another pass registered.
        const createdObj = await mgr.client.create<ControllerRevisionObject>(ControllerRevisions, withAppliedHash(desired));
        const rec = revisionRecord(createdObj);
        if (!rec) throw new Error(`${who}: the ControllerRevision ${desired.metadata.name} came back without its labels`);
        pending.set(rec.name, { ...rec, createdAtMs: nowMs });
        registered.set(uid, pending);
        ofFamily.push(rec);
        all.push(rec);
        ctx.log.info("registered revision", { family, revision: number, controllerRevision: rec.name });
      }

      // Prune: revisions of an old family (spec.family changed) go when unused; the family's own keep `limit`.
      const limit = revisionHistoryLimit(spec, opts.defaultRevisionHistoryLimit);
      const used = (r: RevisionRecord & { family: string }): boolean => inUse(namespace, r.family, r.revision);
      const stale = all.filter((r) => r.family !== family && !used(r));
      const prune = [...revisionsToPrune(ofFamily, limit, (n) => inUse(namespace, family, n)), ...stale];
      for (const r of prune) {
        await mgr.client.delete(ControllerRevisions, r.name, namespace);
        pending.delete(r.name);
        ctx.log.info("pruned revision", { family: r.family, revision: r.revision, controllerRevision: r.name });
      }
      const pruned = new Set(prune.map((r) => r.name));
      const kept = ofFamily.filter((r) => !pruned.has(r.name));

      const status = computeTaskDefinitionStatus({ generation: td.metadata?.generation, family, spec, revisions: kept, unsupportedFields: template.unsupported, previous: td.status, now: mgr.now() });
      await writeStatusIfChanged(mgr.client, TaskDefinitions, td, status);

      const waiting = pruningBlocked(kept, limit, (n) => inUse(namespace, family, n)) || all.some((r) => r.family !== family && used(r));
      return waiting ? Action.requeueAfter(recheckMs) : Action.done();
    });

  return { controller, taskDefinitions, revisions, resolver };
}

/** Queue key of a TaskDefinition, for callers that want it reconciled again (a revision fell out of use). */
export const taskDefinitionKey = (td: TaskDefinitionObject): string => objectKey(td);
