// The Service controller: a REPLICA service becomes one Deployment per capacity provider of its strategy (a DAEMON
// service one DaemonSet per EC2-type provider), with ECS deployments, the circuit breaker, spot replacement and
// DRAINING deletion. Thin: the decisions are the builders' (service-deployment, service-rollout, service-status).
import type { V1Pod } from "@kubernetes/client-node";
import type { ServiceStatus } from "../../api/service.ts";
import { splitDesiredCount } from "../../builders/capacity-split.ts";
import { circuitBreakerThreshold, minimumHealthyTasks, effectivePercents } from "../../builders/deployment-config.ts";
import type { Placement } from "../../builders/placement.ts";
import { scheduledCapacity, scheduledRequeueAfterMs } from "../../builders/scheduled-scaling.ts";
import { buildServiceAutoscaling } from "../../builders/service-autoscaling.ts";
import { buildServiceDaemonSet } from "../../builders/service-daemonset.ts";
import { buildServiceNetworking, type ServiceChildContext } from "../../builders/service-networking.ts";
import { buildServicePdb } from "../../builders/service-pdb.ts";
import { nodeLabelValues } from "../../builders/placement.ts";
import {
  buildServiceDeployment,
  DEPLOYMENT_ID_ANNOTATION,
  deploymentId,
  FORCE_NEW_DEPLOYMENT_ANNOTATION,
  serviceDeploymentName,
  serviceSelectorString,
  ownerReference,
  servicePodSelector,
  type RevisionRef,
  type ServiceRef,
} from "../../builders/service-deployment.ts";
import { ServiceMessages } from "../../builders/service-events.ts";
import { childrenSettled, computeDeployments, observeTask, unschedulableReason, type ObservedChild, type ObservedTask, type RolloutResult } from "../../builders/service-rollout.ts";
import { computeServiceStatus, newEventMessages, ServiceReason, serviceUnsupportedFields } from "../../builders/service-status.ts";
import { interruptionOf } from "../../builders/spot-interruption.ts";
import { parseTaskDefinitionRef } from "../../builders/task-definition-revision.ts";
import { CAPACITY_PROVIDER_LABEL, CLUSTER_LABEL, nameLabelValue, SERVICE_LABEL } from "../../builders/task-labels.ts";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../../builders/task-definition-revision.ts";
import type { PodTemplate } from "../../builders/pod-template.ts";
import { applyIfChanged } from "../../runtime/apply.ts";
import { SpecError } from "../../api/spec-error.ts";
import { Action, type Controller, type ReconcileContext } from "../../runtime/controller.ts";
import { ensureFinalizer, hasFinalizer, removeFinalizer } from "../../runtime/finalizers.ts";
import { byOwnerUid } from "../../runtime/informer.ts";
import { isNotFound } from "../../runtime/kube-client.ts";
import { errorText } from "../../runtime/logger.ts";
import type { Manager } from "../../runtime/manager.ts";
import {
  controllerOf,
  DaemonSets,
  Deployments,
  HorizontalPodAutoscalers,
  Ingresses,
  objectKey,
  PodDisruptionBudgets,
  Pods,
  ServiceAccounts,
  Services,
  type KubeObject,
  type ResourceType,
} from "../../runtime/resources.ts";
import { writeStatusIfChanged } from "../../runtime/status.ts";
import type { CapacityContext, ProviderPlacement } from "../capacity-context.ts";
import { EcsServices, type ServiceObject } from "../ecs-resources.ts";
import type { TaskDefinitionController } from "../task-definition/controller.ts";
import {
  byServiceLabelValue,
  byTaskDefinitionFamily,
  OWNER_UID_INDEX,
  POD_NODE_INDEX,
  POD_SERVICE_INDEX,
  podNodeName,
  podServiceKey,
  SERVICE_FAMILY_INDEX,
  SERVICE_LABEL_INDEX,
  slimPod,
  type DaemonSetObject,
  type DeploymentObject,
  type PodObject,
} from "./resources.ts";

export const CONTROLLER_NAME = "service";
/** Holds a Service until its tasks have stopped (ECS DRAINING). */
export const SERVICE_FINALIZER = "ecs.operator.dev/service-draining";

export interface ServiceControllerOptions {
  namespace?: string;
  workers?: number;
  taskDefinitions: Pick<TaskDefinitionController, "resolver" | "taskDefinitions" | "revisions">;
  capacity: CapacityContext;
  /**
   * The scheduler profile binpack uses (docs/placement.md). Default null: binpack becomes a preferred affinity,
   * because pods naming a scheduler the cluster does not run would stay Pending forever.
   */
  binpackSchedulerName?: string | null;
  /** How long every task of a deployment must have been Ready before it is COMPLETED (DEFAULT_TASK_STABLE_SECONDS). */
  taskStableSeconds?: number;
  /** How long past the grace period a started task may stay unready before it counts as failed. */
  unhealthyAfterSeconds?: number;
  /** How soon to look again while a deployment is in progress (timed rules: unready tasks). */
  progressRecheckMs?: number;
  /** Safety-net resync of a steady service. */
  steadyRecheckMs?: number;
  /** Where ALBRequestCountPerTarget comes from (docs/autoscaling.md). */
  requestCountMetric?: Parameters<typeof buildServiceAutoscaling>[0]["requestCountMetric"];
  /** The cluster DNS domain for Service Connect names. Default cluster.local. */
  clusterDomain?: string;
}

export interface ServiceController {
  controller: Controller<ServiceObject>;
  /** Whether a Service still runs (or may roll back to) revision `revision` of `family`: keep it from pruning. */
  revisionInUse: (namespace: string, family: string, revision: number) => boolean;
}

type Owned = DeploymentObject | DaemonSetObject;

export function registerServiceController(mgr: Manager, opts: ServiceControllerOptions): ServiceController {
  const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  const services = mgr.informer<ServiceObject>(EcsServices, { ...ns, indexers: { [SERVICE_FAMILY_INDEX]: byTaskDefinitionFamily, [SERVICE_LABEL_INDEX]: byServiceLabelValue } });
  const deployments = mgr.informer<DeploymentObject>(Deployments, { ...ns, labelSelector: SERVICE_LABEL, indexers: { [OWNER_UID_INDEX]: byOwnerUid } });
  const daemonSets = mgr.informer<DaemonSetObject>(DaemonSets, { ...ns, labelSelector: SERVICE_LABEL, indexers: { [OWNER_UID_INDEX]: byOwnerUid } });
  const pods = mgr.informer<PodObject>(Pods, { ...ns, labelSelector: SERVICE_LABEL, transform: slimPod, indexers: { [POD_SERVICE_INDEX]: podServiceKey, [POD_NODE_INDEX]: podNodeName } });
  // Children made by the networking, autoscaling and PDB builders, labelled with the service label.
  const childInformers = [Services, Ingresses, HorizontalPodAutoscalers, PodDisruptionBudgets].map((rt) => ({
    rt,
    informer: mgr.informer<KubeObject>(rt, { ...ns, labelSelector: SERVICE_LABEL, indexers: { [OWNER_UID_INDEX]: byOwnerUid } }),
  }));
  // The ServiceAccounts of task roles (taskRoleArn), shared by every service of a task definition.
  // All of them (few per namespace): one the user made under that name is theirs, and left alone.
  const serviceAccounts = mgr.informer<KubeObject>(ServiceAccounts, ns);
  const { capacity } = opts;
  const { resolver } = opts.taskDefinitions;
  const progressRecheckMs = opts.progressRecheckMs ?? 10_000;
  const steadyRecheckMs = opts.steadyRecheckMs ?? 5 * 60_000;

  // Failed pods already counted in failedTasks (a pod is counted once, then deleted so that its Deployment
  // relaunches it, as ECS relaunches failed tasks). In memory: after a restart the deleted pods are gone anyway.
  const counted = new Map<string, number>();
  const COUNTED_TTL_MS = 10 * 60_000;
  // The node label keys each service's memberOf result depends on, and their values when it was compiled.
  const labelDeps = new Map<string, { keys: string[]; fingerprint: string }>();

  const serviceKeysOfPods = (podList: PodObject[]): string[] => {
    const keys = new Set<string>();
    for (const p of podList) for (const k of podServiceKey(p)) for (const s of services.byIndex(SERVICE_LABEL_INDEX, k)) keys.add(objectKey(s));
    return [...keys];
  };
  const fingerprint = (keys: readonly string[], values: Record<string, string[]> = nodeLabelValues(capacity.nodeList())): string => JSON.stringify(keys.map((k) => values[k] ?? []));

  const builder = mgr.controller<ServiceObject>(CONTROLLER_NAME, { workers: opts.workers }).for(services).owns(deployments).owns(daemonSets);
  for (const c of childInformers) builder.owns(c.informer);
  const controller = builder
    .watches(pods, (p) => serviceKeysOfPods([p]))
    // A TaskDefinition or revision appearing, changing or going: the services that name its family.
    .watches(opts.taskDefinitions.taskDefinitions, (td) => {
      const family = td.spec.family ?? td.metadata?.name ?? "";
      return services.byIndex(SERVICE_FAMILY_INDEX, `${td.metadata?.namespace ?? ""}/${family}`).map(objectKey);
    })
    .watches(opts.taskDefinitions.revisions, (cr) => {
      const family = cr.metadata?.annotations?.["ecs.operator.dev/family"];
      return family === undefined ? [] : services.byIndex(SERVICE_FAMILY_INDEX, `${cr.metadata?.namespace ?? ""}/${family}`).map(objectKey);
    })
    // Nodes: a spot node tainted or gone → the services with pods on it; labels that memberOf patterns were
    // compiled against → the services whose compiled affinity would change.
    .watches(capacity.nodes, (node) => {
      const keys = new Set(serviceKeysOfPods(pods.byIndex(POD_NODE_INDEX, node.metadata?.name ?? "")));
      if (labelDeps.size > 0) {
        // Once per node event (heartbeats included), not once per service.
        const values = nodeLabelValues(capacity.nodeList());
        for (const [key, dep] of labelDeps) if (fingerprint(dep.keys, values) !== dep.fingerprint) keys.add(key);
      }
      return [...keys];
    })
    .watches(capacity.clusters, (cluster) => services.list().filter((s) => s.metadata.namespace === cluster.metadata.namespace).map(objectKey))
    .watches(capacity.capacityProviders, () => services.list().map(objectKey))
    .reconcile(async (key, ctx) => {
      const svc = services.get(key);
      if (!svc) {
        labelDeps.delete(key);
        return Action.done();
      }
      if (svc.metadata.deletionTimestamp !== undefined) return drain(svc, ctx);
      await ensureFinalizer(mgr.client, EcsServices, svc, SERVICE_FINALIZER);
      return reconcileService(svc, ctx);
    });

  async function reconcileService(svc: ServiceObject, ctx: ReconcileContext): Promise<Action> {
    const now = mgr.now();
    const key = objectKey(svc);
    const name = svc.metadata.name ?? "";
    const namespace = svc.metadata.namespace ?? "";
    const uid = svc.metadata.uid ?? "";
    const spec = svc.spec;
    const who = `Service ${key}`;
    const serviceName = spec.serviceName ?? name;
    const daemon = spec.schedulingStrategy === "DAEMON";

    const controllerType = spec.deploymentController?.type ?? "ECS";
    if (controllerType !== "ECS") {
      throw new SpecError("spec.deploymentController.type", `${controllerType} is not supported; only ECS deployments run on Kubernetes (remove the field or set ECS)`, "UnsupportedDeploymentController");
    }
    const cap = capacity.resolve(namespace, { cluster: spec.cluster, capacityProviderStrategy: spec.capacityProviderStrategy, launchType: spec.launchType });
    if (!cap.ok) throw new SpecError("", cap.message, ServiceReason.InvalidCapacity);
    const ref = spec.taskDefinition ?? "";
    const resolved = resolver.resolveTaskDefinition(ref, namespace);
    if (!resolved.ok) {
      throw new SpecError(
        "",
        `spec.${resolved.message}; create the TaskDefinition or correct spec.taskDefinition (the service starts once it resolves)`,
        resolved.reason === "NotFound" ? ServiceReason.TaskDefinitionNotFound : ServiceReason.InvalidTaskDefinition,
      );
    }
    let providers: ProviderPlacement[] = cap.providers;
    if (daemon) {
      const fargate = providers.find((p) => p.provider.type === "FARGATE");
      if (fargate !== undefined) {
        const field = cap.strategy.source === "launchType" ? "spec.launchType" : cap.strategy.source === "strategy" ? "spec.capacityProviderStrategy" : `Cluster ${cap.clusterName} spec.defaultCapacityProviderStrategy`;
        throw new SpecError("spec.schedulingStrategy", `DAEMON cannot run on ${fargate.provider.name}, a FARGATE-type capacity provider (${field}); use EC2-type providers`, ServiceReason.UnsupportedSchedulingStrategy);
      }
      providers = providers.filter((p) => p.provider.type === "EC2");
    }

    const desiredCount = spec.desiredCount ?? 1;
    const forceToken = svc.metadata.annotations?.[FORCE_NEW_DEPLOYMENT_ANNOTATION] ?? "";
    const desiredId = deploymentId(uid, resolved.value.reference, forceToken);
    const serviceRef: ServiceRef = { apiVersion: svc.apiVersion, kind: svc.kind, name, namespace, uid, spec };
    const launchType = providers.every((p) => p.provider.type === "FARGATE") ? "FARGATE" : providers.every((p) => p.provider.type === "EC2") ? "EC2" : undefined;

    // Pods: interrupted ones (spot reclaim, node gone) are stopped and replaced, and are nobody's failure.
    const myPods = pods.byIndex(POD_SERVICE_INDEX, `${namespace}/${nameLabelValue(name)}`).filter((p) => controllerOfPodIsOurs(p, uid));
    const spotProviders = new Set(cap.providers.filter((p) => p.provider.spot).map((p) => p.provider.name));
    const interrupted: { pod: PodObject; reason: string; stopCode: string }[] = [];
    const observed: ObservedTask[] = [];
    const grace = spec.healthCheckGracePeriodSeconds ?? 0;
    for (const p of myPods) {
      const node = p.spec?.nodeName === undefined ? undefined : capacity.node(p.spec.nodeName);
      const spot = spotProviders.has(p.metadata?.labels?.[CAPACITY_PROVIDER_LABEL] ?? "");
      const intr = p.metadata?.deletionTimestamp === undefined ? interruptionOf(p, node, spot) : undefined;
      if (intr !== undefined) {
        interrupted.push({ pod: p, reason: intr.reason, stopCode: intr.stopCode });
        continue;
      }
      observed.push(observeTask(p as V1Pod, now, { healthCheckGracePeriodSeconds: grace, ...(opts.unhealthyAfterSeconds === undefined ? {} : { unhealthyAfterSeconds: opts.unhealthyAfterSeconds }) }, DEPLOYMENT_ID_ANNOTATION));
    }
    const nowMs = now.getTime();
    for (const [u, at] of counted) if (nowMs - at > COUNTED_TTL_MS) counted.delete(u);
    const newlyFailed = observed.filter((t) => t.state === "failed" && !counted.has(t.uid));
    const newFailures: Record<string, number> = {};
    for (const t of newlyFailed) if (t.deploymentId !== undefined) newFailures[t.deploymentId] = (newFailures[t.deploymentId] ?? 0) + 1;

    // Desired objects for the PRIMARY before this step (settled: are they what runs?), then the step itself.
    const owned: Owned[] = [...deployments.byIndex(OWNER_UID_INDEX, uid), ...daemonSets.byIndex(OWNER_UID_INDEX, uid)].filter((o) => controllerOf(o)?.uid === uid);
    const previousPrimary = svc.status?.deployments?.find((d) => d.status === "PRIMARY");
    const shares = daemon ? providers.map((p) => ({ capacityProvider: p.provider.name, count: 0 })) : splitShares(desiredCount, providers);
    const desiredNames = new Set(providers.map((p) => serviceDeploymentName(name, p.provider.name)));
    const kindOf = daemon ? "DaemonSet" : "Deployment";
    const wanted = providers.map((p, i) => ({ kind: kindOf, name: serviceDeploymentName(name, p.provider.name), replicas: shares[i]?.count ?? 0 }) as const);
    const settled = previousPrimary !== undefined && childrenSettled(owned.map(observedChild), wanted, previousPrimary.id);

    // DAEMON: one task per node the DaemonSets select, as their controller counts them.
    const daemonDesired = owned.filter((o) => o.kind === "DaemonSet").reduce((n, o) => n + ((o as DaemonSetObject).status?.desiredNumberScheduled ?? 0), 0);
    const cb = spec.deploymentConfiguration?.deploymentCircuitBreaker;
    const rollout = computeDeployments({
      serviceName,
      previous: svc.status?.deployments,
      desired: {
        id: desiredId,
        taskDefinition: resolved.value.reference,
        desiredCount: daemon ? daemonDesired : desiredCount,
        ...(launchType === undefined ? {} : { launchType }),
        ...(cap.strategy.source === "strategy" ? { capacityProviderStrategy: cap.strategy.strategy.map((i) => ({ ...i })) } : {}),
      },
      tasks: observed,
      newFailures,
      circuitBreaker: cb === undefined ? undefined : { enable: cb.enable, rollback: cb.rollback },
      threshold: circuitBreakerThreshold(daemon ? daemonDesired : desiredCount, cb),
      settled,
      ...(opts.taskStableSeconds === undefined ? {} : { stableSeconds: opts.taskStableSeconds }),
      now,
    });

    // The revision the objects run: the spec's, or the one the circuit breaker rolled back to.
    let revision: RevisionRef = { family: resolved.value.family, revision: resolved.value.revision, spec: resolved.value.spec };
    if (rollout.target.taskDefinition !== resolved.value.reference) {
      const back = resolver.resolveTaskDefinition(rollout.target.taskDefinition, namespace);
      if (!back.ok) throw new SpecError("", `cannot roll back to ${rollout.target.taskDefinition}: ${back.message}`, ServiceReason.TaskDefinitionNotFound);
      revision = { family: back.value.family, revision: back.value.revision, spec: back.value.spec };
    }

    // Children.
    const byName = new Map(owned.map((o) => [`${o.kind ?? ""}/${o.metadata?.name ?? ""}`, o]));
    const nodes = capacity.nodeList();
    const dependsOn = new Set<string>();
    let targetTemplate: PodTemplate | undefined;
    const unsupported = serviceUnsupportedFields(spec);
    for (const [i, p] of providers.entries()) {
      const input = {
        service: serviceRef,
        serviceName,
        clusterName: cap.clusterName,
        revision,
        deploymentId: rollout.target.id,
        provider: p.provider,
        scheduling: p.scheduling,
        replicas: shares[i]?.count ?? 0,
        nodes,
        placement: { binpackSchedulerName: opts.binpackSchedulerName ?? null },
      };
      const built = buildChild(who, () => (daemon ? buildServiceDaemonSet(input) : buildServiceDeployment(input)));
      for (const l of built.placement.dependsOnLabels) dependsOn.add(l);
      // buildPlacement reports "field: reason"; the field is below spec.
      if (targetTemplate === undefined) unsupported.push(...built.placement.unsupported.map((u) => ({ field: `spec.${u.slice(0, Math.max(0, u.indexOf(": ")))}`, reason: u.slice(u.indexOf(": ") + 2) })));
      targetTemplate ??= built.podTemplate;
      const kind = daemon ? "DaemonSet" : "Deployment";
      const cached = byName.get(`${kind}/${built.object.metadata?.name ?? ""}`);
      await assertNotForeign(who, daemon ? DaemonSets : Deployments, built.object, cached, uid);
      await applyIfChanged(mgr.client, daemon ? DaemonSets : Deployments, built.object, cached);
    }
    await applyTaskRoleServiceAccount(targetTemplate, resolved.value.taskDefinition);
    const children = await applyServiceChildren(svc, serviceRef, cap.clusterName, revision, rollout.target.taskDefinition, targetTemplate, desiredCount, daemon, cap.cluster?.spec.serviceConnectDefaults?.namespace, now);
    unsupported.push(...children.unsupported);
    const scheduled = children.requeueMs;
    labelDeps.set(objectKey(svc), { keys: [...dependsOn].sort(), fingerprint: fingerprint([...dependsOn].sort()) });
    if (dependsOn.size === 0) labelDeps.delete(objectKey(svc));

    // Obsolete children (a provider left the strategy, REPLICA ↔ DAEMON): removed once the new ones keep
    // minimumHealthyPercent on their own.
    const obsolete = owned.filter((o) => !(desiredNames.has(o.metadata?.name ?? "") && o.kind === (daemon ? "DaemonSet" : "Deployment")));
    if (obsolete.length > 0) {
      const desiredProviders = new Set(providers.map((p) => p.provider.name));
      const readyNew = observed.filter((t) => t.state === "running" && desiredProviders.has(myPods.find((p) => p.metadata?.uid === t.uid)?.metadata?.labels?.[CAPACITY_PROVIDER_LABEL] ?? "")).length;
      const needed = daemon ? 0 : minimumHealthyTasks(desiredCount, effectivePercents(spec.deploymentConfiguration).minimumHealthyPercent);
      if (readyNew >= needed) {
        for (const o of obsolete) {
          await mgr.client.delete(o.kind === "DaemonSet" ? DaemonSets : Deployments, o.metadata?.name ?? "", namespace);
          ctx.log.info("deleted obsolete child", { kind: o.kind, name: o.metadata?.name });
        }
      }
    }

    // Status, then the pod deletions it accounts for.
    const extra: string[] = [];
    if (interrupted.length > 0) {
      const codes = [...new Set(interrupted.map((i) => i.stopCode))].join(", ");
      extra.push(ServiceMessages.stoppedTasks(serviceName, interrupted.length, `${codes}: ${interrupted.map((i) => i.reason).join("; ")}`));
    }
    const status = computeServiceStatus({
      previous: svc.status,
      generation: svc.metadata.generation,
      serviceName,
      clusterName: cap.clusterName,
      desiredCount: daemon ? rollout.deployments.find((d) => d.status === "PRIMARY")?.desiredCount ?? 0 : desiredCount,
      rollout,
      selector: serviceSelectorString(name),
      ...(launchType === undefined ? {} : { launchType }),
      extraMessages: extra,
      unsupported,
      unplaceable: myPods.map((p) => unschedulableReason(p as V1Pod)).find((r) => r !== undefined),
      now,
    });
    await writeStatus(svc, status);

    // A pod whose node is gone has no kubelet to stop it: remove it at once (as the pod GC would, later).
    for (const i of interrupted) await deletePod(i.pod, ctx, i.pod.spec?.nodeName !== undefined && capacity.node(i.pod.spec.nodeName) === undefined ? 0 : undefined);
    // Failed tasks of a deployment in progress are stopped so that they are relaunched (and counted again if they
    // fail again), as ECS does; a FAILED deployment launches nothing more. Its failed pods are not deleted here: its
    // ReplicaSet, until the Deployment controller has scaled it to 0, would replace them with new pods of the failed
    // revision (ready for a moment after a rollback); the rollback's scale-down removes them.
    const primary = rollout.deployments.find((d) => d.status === "PRIMARY");
    const failedIds = new Set(rollout.deployments.filter((d) => d.rolloutState === "FAILED").map((d) => d.id));
    for (const t of newlyFailed) {
      counted.set(t.uid, nowMs);
      const stillInProgress = primary?.rolloutState === "IN_PROGRESS";
      if ((stillInProgress || t.deploymentId !== primary?.id) && (t.deploymentId === undefined || !failedIds.has(t.deploymentId))) {
        const pod = myPods.find((p) => p.metadata?.uid === t.uid);
        if (pod !== undefined) await deletePod(pod, ctx);
      }
    }
    const recheck = Math.min(rollout.steady ? steadyRecheckMs : progressRecheckMs, rollout.stableInMs ?? Infinity);
    return Action.requeueAfter(scheduled === undefined ? recheck : Math.min(recheck, scheduled));
  }

  /**
   * The ServiceAccount a task role maps to (docs/mapping.md): the pods cannot be created without it. Owned (not
   * controlled) by the TaskDefinition, so every service of the family applies the same object and it goes with the
   * TaskDefinition. A ServiceAccount of that name that we did not create (no managed-by label) is the user's own.
   */
  async function applyTaskRoleServiceAccount(podTemplate: PodTemplate | undefined, td: KubeObject): Promise<void> {
    const sa = podTemplate?.serviceAccount;
    if (sa === undefined) return;
    const desired = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: sa.name,
        namespace: sa.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
        ...(Object.keys(sa.annotations).length === 0 ? {} : { annotations: { ...sa.annotations } }),
        ownerReferences: [{ apiVersion: td.apiVersion ?? "", kind: td.kind ?? "", name: td.metadata?.name ?? "", uid: td.metadata?.uid ?? "" }],
      },
      automountServiceAccountToken: sa.automountServiceAccountToken,
    };
    const cached = serviceAccounts.get(`${sa.namespace}/${sa.name}`);
    if (cached !== undefined && cached.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return;
    await applyIfChanged(mgr.client, ServiceAccounts, desired, cached);
  }

  /**
   * Service/Ingress (load balancing, discovery), HPA (autoScaling, scheduled limits) and PDB: applied as the builders
   * return them; owned ones they no longer return are deleted. Returns when scheduled limits change next (ms).
   */
  async function applyServiceChildren(
    svc: ServiceObject,
    ref: ServiceRef,
    clusterName: string,
    revision: RevisionRef,
    revisionRef: string,
    podTemplate: PodTemplate | undefined,
    desiredCount: number,
    daemon: boolean,
    serviceConnectDefaultNamespace: string | undefined,
    now: Date,
  ): Promise<{ requeueMs: number | undefined; unsupported: { field: string; reason: string }[] }> {
    const who = `Service ${objectKey(svc)}`;
    const child: ServiceChildContext = {
      namespace: ref.namespace,
      ownerReference: ownerReference(ref),
      labels: { ...(ref.spec.kubernetes?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY, [SERVICE_LABEL]: nameLabelValue(ref.name), [CLUSTER_LABEL]: nameLabelValue(clusterName) },
    };
    const selector = servicePodSelector(ref.name);
    const desired: { rt: ResourceType; obj: KubeObject }[] = [];
    let requeueMs: number | undefined;
    const unsupported: { field: string; reason: string }[] = [];
    {
      if (podTemplate !== undefined) {
        const net = buildServiceNetworking({
          name: ref.name,
          spec: ref.spec,
          selector,
          taskDefinition: revision.spec,
          podTemplate,
          taskDefinitionRef: revisionRef,
          serviceConnectDefaultNamespace,
          ...(opts.clusterDomain === undefined ? {} : { clusterDomain: opts.clusterDomain }),
          child,
        });
        for (const o of net.services) desired.push({ rt: Services, obj: o });
        if (net.ingress !== undefined) desired.push({ rt: Ingresses, obj: net.ingress });
        unsupported.push(...net.unsupported);
      }
      const autoScaling = ref.spec.autoScaling;
      if (autoScaling !== undefined && !daemon) {
        const created = svc.metadata.creationTimestamp === undefined ? now : new Date(svc.metadata.creationTimestamp);
        const limits = (autoScaling.scheduledActions ?? []).length > 0 ? scheduledCapacity({ autoScaling, now, createdAt: created }) : undefined;
        if (limits !== undefined) {
          requeueMs = scheduledRequeueAfterMs(limits, now);
          unsupported.push(...limits.unsupported);
        }
        const scaling = buildServiceAutoscaling({
          name: ref.name,
          autoScaling,
          ...(limits === undefined ? {} : { capacity: { minCapacity: limits.minCapacity, maxCapacity: limits.maxCapacity } }),
          desiredCount,
          requestCountMetric: opts.requestCountMetric,
          child,
        });
        if (scaling.hpa !== undefined) desired.push({ rt: HorizontalPodAutoscalers, obj: scaling.hpa });
        unsupported.push(...scaling.unsupported);
        if (scaling.desiredCount !== undefined) {
          // As `kubectl scale` does: through the scale subresource, so the HPA and users see the same desiredCount.
          await mgr.client.patch(EcsServices, ref.name, ref.namespace, { spec: { replicas: scaling.desiredCount } }, "merge", "scale");
          mgr.logger.info("scaled to the capacity limits in force", { service: who, desiredCount: scaling.desiredCount });
        }
      }
      const pdb = buildServicePdb({ name: ref.name, desiredCount, schedulingStrategy: daemon ? "DAEMON" : "REPLICA", deploymentConfiguration: ref.spec.deploymentConfiguration, selector, child });
      if (pdb !== undefined) desired.push({ rt: PodDisruptionBudgets, obj: pdb });
    }
    for (const { rt, informer } of childInformers) {
      const mine = informer.byIndex(OWNER_UID_INDEX, ref.uid).filter((o) => controllerOf(o)?.uid === ref.uid);
      const wanted = desired.filter((d) => d.rt === rt);
      for (const d of wanted) {
        const cached = informer.get(`${ref.namespace}/${d.obj.metadata?.name ?? ""}`);
        await assertNotForeign(who, rt, d.obj, cached, ref.uid);
        await applyIfChanged(mgr.client, rt, withoutServerDroppedDefaults(d.obj), cached);
      }
      for (const o of mine) {
        if (!wanted.some((d) => d.obj.metadata?.name === o.metadata?.name)) await mgr.client.delete(rt, o.metadata?.name ?? "", ref.namespace);
      }
    }
    return { requeueMs, unsupported };
  }

  async function drain(svc: ServiceObject, ctx: ReconcileContext): Promise<Action> {
    if (!hasFinalizer(svc, SERVICE_FINALIZER)) return Action.done();
    const uid = svc.metadata.uid ?? "";
    const namespace = svc.metadata.namespace ?? "";
    const name = svc.metadata.name ?? "";
    for (const d of deployments.byIndex(OWNER_UID_INDEX, uid)) {
      if (controllerOf(d)?.uid === uid && (d.spec?.replicas ?? 1) !== 0) await mgr.client.patch(Deployments, d.metadata?.name ?? "", namespace, { spec: { replicas: 0 } });
    }
    for (const d of daemonSets.byIndex(OWNER_UID_INDEX, uid)) {
      if (controllerOf(d)?.uid === uid && d.metadata?.deletionTimestamp === undefined) await mgr.client.delete(DaemonSets, d.metadata?.name ?? "", namespace);
    }
    const remaining = pods.byIndex(POD_SERVICE_INDEX, `${namespace}/${nameLabelValue(name)}`).filter((p) => controllerOfPodIsOurs(p, uid));
    const now = mgr.now();
    const previousPrimary = svc.status?.deployments?.find((d) => d.status === "PRIMARY");
    const observed = remaining.map((p) => observeTask(p as V1Pod, now, {}, DEPLOYMENT_ID_ANNOTATION));
    const rollout: RolloutResult = computeDeployments({
      serviceName: svc.spec.serviceName ?? name,
      previous: svc.status?.deployments,
      desired: { id: previousPrimary?.id ?? deploymentId(uid, svc.spec.taskDefinition ?? ""), taskDefinition: previousPrimary?.taskDefinition ?? svc.spec.taskDefinition ?? "", desiredCount: 0 },
      tasks: observed,
      newFailures: {},
      threshold: 1,
      settled: false,
      now,
    });
    const status = computeServiceStatus({
      previous: svc.status,
      generation: svc.metadata.generation,
      serviceName: svc.spec.serviceName ?? name,
      clusterName: svc.status?.cluster ?? svc.spec.cluster ?? "default",
      desiredCount: 0,
      rollout,
      selector: serviceSelectorString(name),
      draining: true,
      now,
    });
    await writeStatus(svc, status);
    if (remaining.length > 0) {
      ctx.log.debug("draining: waiting for tasks to stop", { tasks: remaining.length });
      return Action.requeueAfter(2_000);
    }
    try {
      await removeFinalizer(mgr.client, EcsServices, svc, SERVICE_FINALIZER);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    ctx.log.info("drained; finalizer removed");
    return Action.done();
  }

  async function writeStatus(svc: ServiceObject, status: ServiceStatus): Promise<void> {
    let wrote: boolean;
    try {
      wrote = await writeStatusIfChanged(mgr.client, EcsServices, svc, status);
    } catch (err) {
      // Deleted while we looked (the last finalizer went): nothing left to report on.
      if (isNotFound(err)) return;
      throw err;
    }
    if (!wrote) return;
    for (const message of newEventMessages(svc.status, status)) {
      const warning = message.includes("failed") || message.includes("stopped") || message.includes("rolling back");
      await mgr.events.record(svc, warning ? "Warning" : "Normal", warning ? "ServiceDeploymentEvent" : "ServiceEvent", message);
    }
  }

  /**
   * A child is never adopted: one of the same name that this service does not control stops the service (NotOwned).
   * The caches only hold objects with our labels, so an object missing from them is looked up once before creating.
   */
  async function assertNotForeign(who: string, rt: ResourceType, desired: KubeObject, cached: KubeObject | undefined, uid: string): Promise<void> {
    const name = desired.metadata?.name ?? "";
    const existing = cached ?? (await mgr.client.get<KubeObject>(rt, name, desired.metadata?.namespace));
    if (existing !== undefined && controllerOf(existing)?.uid !== uid) {
      throw new SpecError("", `${rt.kind} ${name} already exists and is not owned by this service; delete or rename it`, ServiceReason.NotOwned);
    }
  }

  async function deletePod(pod: PodObject, ctx: ReconcileContext, gracePeriodSeconds?: number): Promise<void> {
    try {
      await mgr.client.delete(Pods, pod.metadata?.name ?? "", pod.metadata?.namespace, { preconditionUid: pod.metadata?.uid ?? "", ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }) });
    } catch (err) {
      ctx.log.warn("could not stop a task", { pod: pod.metadata?.name, error: errorText(err) });
    }
  }

  /** Pods of a ReplicaSet or DaemonSet of this service: the service label alone could be copied by anyone. */
  function controllerOfPodIsOurs(pod: PodObject, uid: string): boolean {
    const ref = controllerOf(pod);
    if (ref === undefined) return false;
    if (ref.kind === "DaemonSet") return daemonSets.get(`${pod.metadata?.namespace ?? ""}/${ref.name}`)?.metadata?.ownerReferences?.some((r) => r.uid === uid) ?? false;
    // ReplicaSets are not cached; their names are `<deployment>-<hash>`.
    if (ref.kind !== "ReplicaSet") return false;
    const dep = ref.name.slice(0, ref.name.lastIndexOf("-"));
    const d = deployments.get(`${pod.metadata?.namespace ?? ""}/${dep}`);
    // A Deployment already deleted (obsolete, or the service draining) leaves pods that are still ours to count.
    return d === undefined ? true : controllerOf(d)?.uid === uid;
  }

  const revisionInUse = (namespace: string, family: string, revision: number): boolean =>
    services.list().some((s) => s.metadata.namespace === namespace && (s.status?.deployments ?? []).some((d) => {
      const parsed = d.taskDefinition === undefined ? undefined : parseTaskDefinitionRef(d.taskDefinition);
      return parsed?.ok === true && parsed.ref.family === family && parsed.ref.revision === revision && d.status !== "INACTIVE";
    }));

  return { controller, revisionInUse };
}

function splitShares(desiredCount: number, providers: readonly ProviderPlacement[]): { capacityProvider: string; count: number }[] {
  return splitDesiredCount(desiredCount, providers.map((p) => p.item), "spec.capacityProviderStrategy");
}

/**
 * The API server drops `publishNotReadyAddresses: false` (omitempty), so a desired Service that states it never
 * matches the cached one and would be re-applied on every pass. False is the default: leave it out.
 */
function withoutServerDroppedDefaults(obj: KubeObject): KubeObject {
  const spec = (obj as { spec?: Record<string, unknown> }).spec;
  if (obj.kind !== "Service" || spec?.publishNotReadyAddresses !== false) return obj;
  const { publishNotReadyAddresses: _dropped, ...rest } = spec;
  return { ...obj, spec: rest } as KubeObject;
}

interface BuiltChild {
  object: KubeObject;
  placement: Placement;
  podTemplate: PodTemplate;
}

function buildChild(who: string, build: () => { deployment?: KubeObject; daemonSet?: KubeObject; placement: Placement; podTemplate: PodTemplate }): BuiltChild {
  try {
    const r = build();
    const object = r.deployment ?? r.daemonSet;
    if (object === undefined) throw new Error(`${who}: the builder returned no object`);
    return { object, placement: r.placement, podTemplate: r.podTemplate };
  } catch (e) {
    if (!(e instanceof SpecError) || e.conditionReason === ServiceReason.InvalidPlacement) throw e;
    throw new SpecError(e.field, `${e.reason} (the task definition cannot run here)`, e.conditionReason);
  }
}

function observedChild(o: Owned): ObservedChild {
  const status = o.status;
  return {
    kind: o.kind === "DaemonSet" ? "DaemonSet" : "Deployment",
    name: o.metadata?.name ?? "",
    generation: o.metadata?.generation,
    deploymentId: o.metadata?.annotations?.[DEPLOYMENT_ID_ANNOTATION],
    ...(status === undefined ? {} : { status }),
  };
}
