// The TaskDefinition controller: every spec change registers a new immutable revision (a ControllerRevision
// numbered 1, 2, 3 ... like ECS), deregistered revisions turn INACTIVE, old ones are pruned unless in use,
// and the status mirrors DescribeTaskDefinition. Thin: observe → planRegistration → create the revision →
// planPruning → delete, status (plan.ts; the rules are builders/task-definition/revision.ts's).
import { resolveFamily } from "../../api/index.ts";
import { withAppliedHash, writeChild } from "../../runtime/apply.ts";
import { Action, type Controller } from "../../runtime/controller.ts";
import { byOwnerUid, type Informer } from "../../runtime/informer.ts";
import type { Manager } from "../../runtime/manager.ts";
import { anyOf, deletionChanged, labelsChanged, specChanged } from "../../runtime/predicates.ts";
import { ControllerRevisions, objectKey } from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import { planPruning, planRegistration, type FamilyRevision, type ObservedTaskDefinition } from "./plan.ts";
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
  // Entries expire (PENDING_TTL_MS).
  const registered: Registered = new Map();

  const controller = mgr
    .controller<TaskDefinitionObject>(CONTROLLER_NAME, { workers: opts.workers })
    .for(taskDefinitions)
    // Revisions are immutable: only their existence and labels can change.
    .owns(revisions, { when: anyOf(labelsChanged, deletionChanged) })
    // A family freed (its TaskDefinition deleted or renamed) goes to the next TaskDefinition that claims it.
    .watches(
      taskDefinitions,
      (td) => {
        const [key] = byFamily(td);
        const slash = (key ?? "").indexOf("/");
        return resolver
          .taskDefinitionsOf((key ?? "").slice(0, slash), (key ?? "").slice(slash + 1))
          .filter((o) => o.metadata?.uid !== td.metadata?.uid)
          .map(objectKey);
      },
      { when: anyOf(specChanged, deletionChanged) },
    )
    .reconcile(async (key, ctx) => {
      const td = taskDefinitions.get(key);
      if (!td || td.metadata?.deletionTimestamp) {
        // Owner references garbage-collect the revisions; only our memory needs cleaning.
        if (td?.metadata?.uid) registered.delete(td.metadata.uid);
        return Action.done();
      }
      const namespace = td.metadata?.namespace ?? "";
      const uid = td.metadata?.uid ?? "";
      const nowMs = mgr.now().getTime();
      const observed = observeTaskDefinition(td, resolver, registered, nowMs);
      const registration = planRegistration(observed);

      let rec: FamilyRevision | undefined;
      if (registration.register !== undefined) {
        const desired = registration.register;
        // Create, never apply: a revision is immutable, and a name already taken (a stale view) must fail and
        // be retried against a fresh cache rather than overwrite what another pass registered.
        const createdObj = await writeChild(ControllerRevisions.kind, desired.metadata.name, () => mgr.client.create<ControllerRevisionObject>(ControllerRevisions, withAppliedHash(desired)));
        rec = revisionRecord(createdObj);
        if (!rec) throw new Error(`TaskDefinition ${key}: the ControllerRevision ${desired.metadata.name} came back without its labels`);
        const pending = registered.get(uid) ?? new Map<string, FamilyRevision & { createdAtMs: number }>();
        pending.set(rec.name, { ...rec, createdAtMs: nowMs });
        registered.set(uid, pending);
        ctx.log.info("registered revision", { family: rec.family, revision: rec.revision, controllerRevision: rec.name });
      }

      const plan = planPruning(observed, registration, rec, mgr.now(), { defaultRevisionHistoryLimit: opts.defaultRevisionHistoryLimit, inUse: (family, n) => inUse(namespace, family, n), inUseRecheckMs: recheckMs });
      for (const r of plan.prunes) {
        await mgr.client.delete(ControllerRevisions, r.name, namespace);
        registered.get(uid)?.delete(r.name);
        ctx.log.info("pruned revision", { family: r.family, revision: r.revision, controllerRevision: r.name });
      }
      await writeStatusIfChanged(mgr.client, TaskDefinitions, td, plan.status);
      return plan.next;
    });

  return { controller, taskDefinitions, revisions, resolver };
}

/** Pending registrations by TaskDefinition uid: revisions this process created that the cache may not show yet. */
type Registered = Map<string, Map<string, FamilyRevision & { createdAtMs: number }>>;

/** The watch delivers within seconds; a revision deleted before the cache saw it must not linger as a phantom. */
const PENDING_TTL_MS = 5 * 60_000;

/**
 * What the plans read: the family's owner and the revisions, from the cache plus `registered` (entries leave once
 * the cache has them, or expire).
 */
export function observeTaskDefinition(td: TaskDefinitionObject, resolver: TaskDefinitionResolver, registered: Registered, nowMs: number): ObservedTaskDefinition {
  const uid = td.metadata?.uid ?? "";
  const cached = new Map<string, FamilyRevision>();
  for (const cr of resolver.ownedBy(uid)) {
    const rec = revisionRecord(cr);
    if (rec) cached.set(rec.name, rec);
  }
  const pending = registered.get(uid);
  if (pending !== undefined) {
    for (const [n, r] of [...pending]) if (cached.has(n) || nowMs - r.createdAtMs > PENDING_TTL_MS) pending.delete(n);
    if (pending.size === 0) registered.delete(uid);
  }
  const family = resolveFamily(td.spec, td.metadata?.name ?? "");
  return {
    taskDefinition: td,
    familyOwner: familyOwner(resolver.taskDefinitionsOf(td.metadata?.namespace ?? "", family)),
    revisions: [...cached.values(), ...(pending?.values() ?? [])].map(({ revision, hash, name, family: f, registeredAt }) => ({ revision, hash, name, family: f, ...(registeredAt === undefined ? {} : { registeredAt }) })),
  };
}

/** Queue key of a TaskDefinition, for callers that want it reconciled again (a revision fell out of use). */
export const taskDefinitionKey = (td: TaskDefinitionObject): string => objectKey(td);
