/**
 * The volumes of each component: claim templates for what must survive a pod (FE metadata, BE data
 * directories, CN cache, log volumes when asked) and emptyDirs only where the user chose them.
 */
import type { Component, ResolvedDorisClusterSpec } from '../api/v1alpha1/index.ts';
import { paths } from './ports.ts';

export interface VolumeChoice {
  readonly type: 'PersistentVolumeClaim' | 'EmptyDir';
  readonly size: string | number;
  readonly storageClassName?: string;
}

/** A volume of a component: its name (claim template / pod volume), mount path and choice. */
export interface ComponentVolume {
  readonly name: string;
  readonly mountPath: string;
  readonly volume: VolumeChoice;
}

export function componentVolumes(spec: ResolvedDorisClusterSpec, c: Component): ComponentVolume[] {
  const out: ComponentVolume[] = [];
  if (c === 'fe') {
    out.push({ name: 'meta', mountPath: paths.feMeta, volume: spec.fe.storage.meta });
    if (spec.fe.storage.logs) out.push({ name: 'log', mountPath: paths.feLog, volume: spec.fe.storage.logs });
  } else if (c === 'be') {
    for (const d of spec.be.storage.dataDirs)
      out.push({ name: `data-${d.name}`, mountPath: paths.beDir(d.name), volume: d });
    if (spec.be.storage.logs) out.push({ name: 'log', mountPath: paths.beLog, volume: spec.be.storage.logs });
  } else if (c === 'cn' && spec.cn) {
    out.push({ name: 'cache', mountPath: paths.cnCache, volume: spec.cn.storage.cache });
    if (spec.cn.storage.logs) out.push({ name: 'log', mountPath: paths.beLog, volume: spec.cn.storage.logs });
  } else if (c === 'broker' && spec.broker?.storage.logs) {
    out.push({ name: 'log', mountPath: paths.brokerLog, volume: spec.broker.storage.logs });
  }
  return out;
}

/** The claim templates of the StatefulSet (PVC-backed volumes only). */
export function claimTemplates(
  volumes: readonly ComponentVolume[],
  labels: Record<string, string>,
): object[] {
  return volumes
    .filter((v) => v.volume.type === 'PersistentVolumeClaim')
    .map((v) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: v.name, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: String(v.volume.size) } },
        ...(v.volume.storageClassName === undefined ? {} : { storageClassName: v.volume.storageClassName }),
        volumeMode: 'Filesystem',
      },
    }));
}

/** Pod volumes for the emptyDir choices (claims come from the templates). */
export function emptyDirVolumes(volumes: readonly ComponentVolume[]): object[] {
  return volumes
    .filter((v) => v.volume.type === 'EmptyDir')
    .map((v) => ({ name: v.name, emptyDir: { sizeLimit: String(v.volume.size) } }));
}
