// Task definition volumes, mountPoints, volumesFrom, sharedMemorySize and tmpfs as pod volumes and volume mounts.
// docs/mapping.md ("Volumes") states the rules: host path → hostPath, task-scoped → emptyDir, shared Docker volumes
// and EFS with access points/IAM/TLS → a PersistentVolumeClaim, other EFS → NFS.
import type { V1Volume } from "@kubernetes/client-node";

/** A volume mount (a plain object, as the pod template holds it). */
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}
import type { TaskDefinitionSpec, Volume } from "../../api/task-definition.ts";
import { SpecError } from "../../api/spec-error.ts";
import { NameAllocator, toDnsSubdomain, uniqueDnsLabels } from "../names.ts";
import type { Report } from "./report.ts";

/** A PersistentVolumeClaim the pod template uses; someone (the user, or a controller for autoprovision) creates it. */
export interface VolumeClaim {
  readonly claimName: string;
  /** The ECS volume it stands for. */
  readonly volume: string;
  readonly kind: "dockerShared" | "efs";
  /** Docker shared volumes with autoprovision: true: the controller may create the claim. */
  readonly autoprovision?: boolean;
  /** For EFS: the file system and access point (for the PersistentVolume, e.g. the EFS CSI volumeHandle). */
  readonly fileSystemId?: string;
  readonly accessPointId?: string;
}

export interface PodVolumes {
  volumes: V1Volume[];
  /** Mounts per container, in containerDefinitions order. */
  mounts: VolumeMount[][];
  claims: VolumeClaim[];
  /** ECS volumes with configuredAtLaunch: their pod volume (an emptyDir placeholder) is replaced by the Service or Task builder. */
  configuredAtLaunch: { volume: string; podVolume: string }[];
}

export interface VolumeContext {
  readonly region?: string;
  readonly windows: boolean;
}

const TMPFS_OPTIONS_MAPPED = new Set(["rw", "ro"]);

/**
 * Pod volumes for `spec.volumes` (in order, ECS names made DNS labels) plus generated ones (`shm-<container>`,
 * `tmpfs-<container>-<n>`), and each container's mounts: its mountPoints, then those it gets through volumesFrom
 * (recursively, read-only when volumesFrom says so), then /dev/shm and tmpfs.
 */
export function buildVolumes(spec: TaskDefinitionSpec, containerNames: ReadonlyMap<string, string>, ctx: VolumeContext, report: Report): PodVolumes {
  const ecsVolumes = spec.volumes ?? [];
  const podNames = uniqueDnsLabels(ecsVolumes.map((v) => v.name));
  const allocator = new NameAllocator(podNames.values());
  const out: PodVolumes = { volumes: [], mounts: [], claims: [], configuredAtLaunch: [] };

  ecsVolumes.forEach((v, i) => {
    const name = podNames.get(v.name) ?? v.name;
    out.volumes.push({ name, ...volumeSource(v, name, `spec.volumes[${i}]`, ctx, report, out) });
  });

  const containers = spec.containerDefinitions;
  const own = containers.map((c, ci) =>
    (c.mountPoints ?? []).map((m) => ({
      name: podNames.get(m.sourceVolume) ?? m.sourceVolume,
      mountPath: m.containerPath,
      ...(m.readOnly === true ? { readOnly: true } : {}),
      ...subPathOf(spec, m.sourceVolume, ctx.region),
      field: `spec.containerDefinitions[${ci}].mountPoints`,
    })),
  );
  const byName = new Map(containers.map((c, i) => [c.name, i]));

  /** Docker --volumes-from: every mount of the source container, including those it got the same way. */
  const inherited = (ci: number, seen: Set<number>): VolumeMount[] => {
    const c = containers[ci];
    if (!c || seen.has(ci)) return [];
    seen.add(ci);
    const mounts: VolumeMount[] = (own[ci] ?? []).map(({ field: _field, ...m }) => m);
    for (const from of c.volumesFrom ?? []) {
      const si = byName.get(from.sourceContainer);
      if (si === undefined) continue;
      for (const m of inherited(si, seen)) mounts.push(from.readOnly === true ? { ...m, readOnly: true } : m);
    }
    return mounts;
  };

  containers.forEach((c, ci) => {
    const field = `spec.containerDefinitions[${ci}]`;
    const mounts: VolumeMount[] = [];
    const paths = new Set<string>();
    const add = (m: VolumeMount, from: string): void => {
      if (paths.has(m.mountPath)) {
        report.unsupportedField(from, `${m.mountPath} is mounted more than once in container ${JSON.stringify(c.name)}; the first mount is kept`);
        return;
      }
      paths.add(m.mountPath);
      mounts.push(m);
    };
    for (const { field: f, ...m } of own[ci] ?? []) add(m, f);
    (c.volumesFrom ?? []).forEach((from, fi) => {
      const si = byName.get(from.sourceContainer);
      if (si === undefined) return;
      for (const m of inherited(si, new Set([ci]))) {
        if (!paths.has(m.mountPath)) add(from.readOnly === true ? { ...m, readOnly: true } : m, `${field}.volumesFrom[${fi}]`);
      }
    });
    const lp = c.linuxParameters;
    const containerName = containerNames.get(c.name) ?? c.name;
    if (lp?.sharedMemorySize !== undefined && lp.sharedMemorySize > 0) {
      report.refuseOnFargate(`${field}.linuxParameters.sharedMemorySize`, "it sets linuxParameters.sharedMemorySize");
      const name = allocator.allocate(`shm-${containerName}`, `shm/${c.name}`);
      out.volumes.push({ name, emptyDir: { medium: "Memory", sizeLimit: `${lp.sharedMemorySize}Mi` } });
      add({ name, mountPath: "/dev/shm" }, `${field}.linuxParameters.sharedMemorySize`);
    }
    (lp?.tmpfs ?? []).forEach((t, ti) => {
      const tf = `${field}.linuxParameters.tmpfs[${ti}]`;
      report.refuseOnFargate(tf, "it sets linuxParameters.tmpfs");
      const name = allocator.allocate(`tmpfs-${containerName}-${ti}`, `tmpfs/${c.name}/${ti}`);
      out.volumes.push({ name, emptyDir: { medium: "Memory", ...(t.size > 0 ? { sizeLimit: `${t.size}Mi` } : {}) } });
      const options = t.mountOptions ?? [];
      const lost = options.filter((o) => !TMPFS_OPTIONS_MAPPED.has(o));
      if (lost.length > 0) report.unsupportedField(`${tf}.mountOptions`, `tmpfs mount options ${lost.join(", ")} have no Kubernetes counterpart (the emptyDir is mounted with the kubelet's options)`);
      add({ name, mountPath: t.containerPath, ...(options.includes("ro") ? { readOnly: true } : {}) }, tf);
    });
    out.mounts.push(mounts);
  });
  return out;
}

function subPathOf(spec: TaskDefinitionSpec, volumeName: string, region: string | undefined): { subPath?: string } {
  const efs = spec.volumes?.find((v) => v.name === volumeName)?.efsVolumeConfiguration;
  if (!efs || !usesEfsClaim(efs, region)) return {};
  // A claim mounts the file system's root; the root directory becomes a subPath of each mount.
  const sub = (efs.rootDirectory ?? "/").replace(/^\/+|\/+$/g, "");
  return sub === "" ? {} : { subPath: sub };
}

type Efs = NonNullable<Volume["efsVolumeConfiguration"]>;

/** EFS needs the EFS CSI driver (a claim) for access points, IAM authorisation and TLS; plain NFS does the rest. */
function usesEfsClaim(efs: Efs, region: string | undefined): boolean {
  return (
    efs.authorizationConfig?.accessPointId !== undefined ||
    efs.authorizationConfig?.iam === "ENABLED" ||
    efs.transitEncryption === "ENABLED" ||
    region === undefined
  );
}

function volumeSource(v: Volume, podName: string, field: string, ctx: VolumeContext, report: Report, out: PodVolumes): Omit<V1Volume, "name"> {
  if (v.configuredAtLaunch === true) {
    out.configuredAtLaunch.push({ volume: v.name, podVolume: podName });
    return { emptyDir: {} };
  }
  if (v.host?.sourcePath !== undefined && v.host.sourcePath !== "") {
    report.refuseOnFargate(`${field}.host.sourcePath`, "it is a host volume (host.sourcePath)");
    return { hostPath: { path: v.host.sourcePath } };
  }
  const docker = v.dockerVolumeConfiguration;
  if (docker) {
    report.refuseOnFargate(`${field}.dockerVolumeConfiguration`, "it is a Docker volume (dockerVolumeConfiguration)");
    const opts = docker.driverOpts ?? {};
    if (docker.labels !== undefined && Object.keys(docker.labels).length > 0) report.unsupportedField(`${field}.dockerVolumeConfiguration.labels`, "Docker volume labels have no Kubernetes counterpart");
    if ((docker.scope ?? "task") === "shared") {
      const claimName = toDnsSubdomain(v.name);
      out.claims.push({ claimName, volume: v.name, kind: "dockerShared", ...(docker.autoprovision === true ? { autoprovision: true } : {}) });
      if (docker.driver !== undefined && docker.driver !== "local") report.unsupportedField(`${field}.dockerVolumeConfiguration.driver`, `the Docker volume driver ${docker.driver} is not used: the volume is the PersistentVolumeClaim ${claimName}`);
      if (Object.keys(opts).length > 0) report.unsupportedField(`${field}.dockerVolumeConfiguration.driverOpts`, `driver options are not used: the volume is the PersistentVolumeClaim ${claimName}`);
      return { persistentVolumeClaim: { claimName } };
    }
    // A task-scoped local volume lives and dies with the task: an emptyDir; `type: tmpfs` makes it memory-backed.
    const tmpfs = opts.type === "tmpfs";
    if (docker.driver !== undefined && docker.driver !== "local") report.unsupportedField(`${field}.dockerVolumeConfiguration.driver`, `the Docker volume driver ${docker.driver} is not used: the volume is an emptyDir`);
    const lost = Object.keys(opts).filter((k) => !(tmpfs && (k === "type" || k === "device")));
    if (lost.length > 0) report.unsupportedField(`${field}.dockerVolumeConfiguration.driverOpts`, `driver options ${lost.join(", ")} are not used: the volume is an emptyDir`);
    return { emptyDir: tmpfs ? { medium: "Memory" } : {} };
  }
  const efs = v.efsVolumeConfiguration;
  if (efs) {
    if (usesEfsClaim(efs, ctx.region)) {
      const ap = efs.authorizationConfig?.accessPointId;
      const claimName = toDnsSubdomain(`efs-${efs.fileSystemId}${ap === undefined ? "" : `-${ap}`}`);
      out.claims.push({ claimName, volume: v.name, kind: "efs", fileSystemId: efs.fileSystemId, ...(ap === undefined ? {} : { accessPointId: ap }) });
      if (efs.transitEncryptionPort !== undefined) report.unsupportedField(`${field}.efsVolumeConfiguration.transitEncryptionPort`, `set the port on the PersistentVolume behind claim ${claimName}`);
      return { persistentVolumeClaim: { claimName } };
    }
    if (efs.transitEncryptionPort !== undefined) report.unsupportedField(`${field}.efsVolumeConfiguration.transitEncryptionPort`, "plain NFS mounts do not encrypt in transit");
    return { nfs: { server: `${efs.fileSystemId}.efs.${ctx.region ?? ""}.amazonaws.com`, path: efs.rootDirectory ?? "/" } };
  }
  if (v.fsxWindowsFileServerVolumeConfiguration) {
    report.unsupportedField(`${field}.fsxWindowsFileServerVolumeConfiguration`, "FSx for Windows File Server has no Kubernetes volume type here; the volume is an empty emptyDir (use an SMB CSI PersistentVolumeClaim)");
    return { emptyDir: {} };
  }
  if (v.s3filesVolumeConfiguration) {
    report.unsupportedField(`${field}.s3filesVolumeConfiguration`, "S3 Files has no Kubernetes volume type here; the volume is an empty emptyDir");
    return { emptyDir: {} };
  }
  // `host: {}` or no configuration: a Docker-managed volume that lives as long as the task.
  return { emptyDir: {} };
}

/** A managedEBSVolume of a RunTask or CreateService volumeConfigurations entry (the fields this mapping reads). */
export interface ManagedEbsVolume {
  readonly volumeType?: string | undefined;
  readonly sizeInGiB?: number | undefined;
  readonly snapshotId?: string | undefined;
  readonly iops?: number | undefined;
  readonly throughput?: number | undefined;
  readonly encrypted?: boolean | undefined;
  readonly kmsKeyId?: string | undefined;
  readonly filesystemType?: string | undefined;
  readonly volumeInitializationRate?: number | undefined;
  readonly tagSpecifications?: readonly unknown[] | undefined;
  readonly roleArn?: string | undefined;
  readonly terminationPolicy?: { readonly deleteOnTermination: boolean } | undefined;
}

/** ECS's default EBS volume type when volumeType is not set. */
export const DEFAULT_EBS_VOLUME_TYPE = "gp3";

/**
 * A managedEBSVolume as a generic ephemeral volume: a PersistentVolumeClaim made from a claim template for each pod
 * and deleted with it, as ECS creates an EBS volume per task. `sizeInGiB` → the storage request, `volumeType` → the
 * storage class configured for it (`storageClasses`, else the cluster's default class), `snapshotId` → a VolumeSnapshot
 * of that name as the data source. IOPS, throughput, encryption and filesystem are the storage class's parameters:
 * each one set is reported in `notes`, as is a terminationPolicy that keeps the volume (an ephemeral claim never
 * outlives its pod). Throws SpecError without a size or a snapshot to take it from.
 */
export function buildEbsVolume(field: string, ebs: ManagedEbsVolume, storageClasses: Readonly<Record<string, string>>): { source: Omit<V1Volume, "name">; notes: string[] } {
  const notes: string[] = [];
  if (ebs.sizeInGiB === undefined && (ebs.snapshotId === undefined || ebs.snapshotId === "")) {
    throw new SpecError(`${field}.sizeInGiB`, "an EBS volume needs sizeInGiB (or a snapshotId to take its size from)");
  }
  const type = ebs.volumeType ?? DEFAULT_EBS_VOLUME_TYPE;
  const storageClassName = storageClasses[type];
  if (storageClassName === undefined) notes.push(`${field}.volumeType: no storage class is configured for EBS volume type ${type}; the cluster's default storage class is used`);
  const byClass = (["iops", "throughput", "encrypted", "kmsKeyId", "filesystemType", "volumeInitializationRate"] as const).filter((k) => ebs[k] !== undefined);
  for (const k of byClass) notes.push(`${field}.${k}: set by the storage class${storageClassName === undefined ? "" : ` ${storageClassName}`}, not per volume`);
  if ((ebs.tagSpecifications ?? []).length > 0) notes.push(`${field}.tagSpecifications: volume tags are set by the storage class's CSI driver, not per volume`);
  if (ebs.roleArn !== undefined) notes.push(`${field}.roleArn: the CSI driver's own identity manages the volume`);
  if (ebs.terminationPolicy?.deleteOnTermination === false) notes.push(`${field}.terminationPolicy.deleteOnTermination: false is not honoured: the volume is deleted with the task's pod`);
  // With a snapshot and no size, the claim asks for 1Gi: CSI drivers restore the snapshot at its own size when larger.
  const storage = `${ebs.sizeInGiB ?? 1}Gi`;
  const snapshot = ebs.snapshotId === undefined || ebs.snapshotId === "" ? undefined : toDnsSubdomain(ebs.snapshotId, 253);
  return {
    source: {
      ephemeral: {
        volumeClaimTemplate: {
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage } },
            ...(storageClassName === undefined ? {} : { storageClassName }),
            ...(snapshot === undefined ? {} : { dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: snapshot } }),
          },
        },
      },
    },
    notes,
  };
}

/** A volumeConfigurations entry of RunTask or CreateService. */
export interface LaunchVolumeConfiguration {
  readonly name: string;
  readonly managedEBSVolume?: ManagedEbsVolume | undefined;
}

/**
 * volumeConfigurations of a Task or a Service: each names a task definition volume with configuredAtLaunch, whose
 * emptyDir placeholder in the pod becomes the task's EBS volume (a generic ephemeral volume, buildEbsVolume): ECS
 * creates one EBS volume per task, for a service's tasks as for a standalone task's. Replaces the volumes in `volumes`
 * and returns what could not be mapped. Throws SpecError for a name the task definition does not configure at launch.
 */
export function applyLaunchVolumes(
  volumes: V1Volume[] | undefined,
  configuredAtLaunch: readonly { readonly volume: string; readonly podVolume: string }[],
  configurations: readonly LaunchVolumeConfiguration[] | undefined,
  storageClasses: Readonly<Record<string, string>>,
): { volumes: V1Volume[] | undefined; notes: string[] } {
  const notes: string[] = [];
  let out = volumes;
  (configurations ?? []).forEach((vc, i) => {
    const field = `spec.volumeConfigurations[${i}]`;
    const target = configuredAtLaunch.find((v) => v.volume === vc.name);
    if (target === undefined) throw new SpecError(`${field}.name`, `the task definition has no volume ${JSON.stringify(vc.name)} with configuredAtLaunch: true`);
    if (vc.managedEBSVolume === undefined) {
      notes.push(`${field}: no managedEBSVolume; the volume ${JSON.stringify(vc.name)} is an emptyDir`);
      return;
    }
    const { source, notes: ebsNotes } = buildEbsVolume(`${field}.managedEBSVolume`, vc.managedEBSVolume, storageClasses);
    out = (out ?? []).map((v) => (v.name === target.podVolume ? { name: v.name, ...source } : v));
    notes.push(...ebsNotes);
  });
  return { volumes: out, notes };
}
