/**
 * Storage rules beyond the CRD's (which already refuses shrinking, class and type changes): a BE
 * data directory is mounted at /opt/apache-doris/be/<name>, so a name such as `lib` would hide
 * the BE's own files; and a claim can only grow when its StorageClass allows expansion, which
 * only a lookup of the class can tell (otherwise the resize is accepted here and fails later on
 * the claim, with the cluster stuck in an Expand operation).
 */
import type { Collector } from '../problem.ts';
import type { Facts } from './facts.ts';
import { growingVolumes, volumesOf } from './facts.ts';
import { homeDir, imageDirs } from './layout.ts';
import type { Spec } from './spec.ts';

export function checkStorage(spec: Spec, old: Spec | undefined, facts: Facts, out: Collector): void {
  for (const [i, dir] of (spec.be.storage.dataDirs ?? []).entries()) {
    if ((imageDirs as readonly string[]).includes(dir.name)) {
      out.problem(
        `spec.be.storage.dataDirs[${i}].name`,
        dir.name,
        `"${dir.name}" would be mounted over ${homeDir.be}/${dir.name} of the BE image (${imageDirs.join(', ')} ` +
          'are taken): choose another name, such as storage2',
      );
    }
  }
  const classes = facts.storageClasses;
  if (classes === undefined) return;
  const defaultClass = [...classes].find(([, c]) => c.isDefault)?.[0];
  for (const { now, before } of growingVolumes(spec, old)) {
    const name = now.storageClassName ?? defaultClass;
    const sc = name === undefined ? undefined : classes.get(name);
    if (name !== undefined && sc !== undefined && !sc.allowVolumeExpansion) {
      out.problem(
        `${now.path}.size`,
        now.size,
        `StorageClass ${name} does not allow volume expansion (allowVolumeExpansion is not true), so the ` +
          `claims cannot grow: keep ${before.size}, or have the class allow expansion first`,
      );
    }
  }
  const oldNames = new Set(
    old === undefined ? [] : [...volumesOf(old).values()].map((v) => v.storageClassName),
  );
  for (const v of volumesOf(spec).values()) {
    // An EmptyDir has no claim to stay Pending: its storageClassName is simply unused.
    if (
      v.type !== 'EmptyDir' &&
      v.storageClassName !== undefined &&
      !oldNames.has(v.storageClassName) &&
      !classes.has(v.storageClassName)
    ) {
      out.warn(
        `${v.path}.storageClassName`,
        `StorageClass ${v.storageClassName} does not exist: the claims stay Pending until it does`,
      );
    }
  }
}
