/**
 * Storage growth. StatefulSet claim templates are immutable, so a larger size in the spec is
 * applied to the existing claims directly; the storage class decides whether they may grow
 * (`allowVolumeExpansion`). A class that cannot expand gets a Warning event naming the field.
 */
import type { Component, ResolvedDorisClusterSpec } from '../api/v1alpha1/index.ts';
import { compareQuantities } from '../kube/quantity.ts';
import { builtin, objectPath } from '../kube/resources.ts';
import { contentTypes } from '../kube/rest.ts';
import type { Manager } from '../runtime/manager.ts';
import type { KubeObject } from '../runtime/object.ts';
import type { ClusterRef } from './desired.ts';
import { statefulSetName } from './names.ts';
import { componentVolumes } from './volumes.ts';

/** Grows every claim of `c` smaller than the spec asks; returns the claims it patched. */
export async function expandClaims(
  manager: Manager,
  cluster: KubeObject,
  ref: ClusterRef,
  spec: ResolvedDorisClusterSpec,
  c: Component,
  replicas: number,
): Promise<string[]> {
  const patched: string[] = [];
  for (const v of componentVolumes(spec, c)) {
    if (v.volume.type !== 'PersistentVolumeClaim') continue;
    const want = String(v.volume.size);
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const name = `${v.name}-${statefulSetName(ref.name, c)}-${ordinal}`;
      const claim = manager.cache.get(builtin.PersistentVolumeClaim, ref.namespace, name);
      const has = claim?.spec?.resources?.requests?.storage;
      if (claim === undefined || has === undefined || compareQuantities(want, has) <= 0) continue;
      const className = claim.spec.storageClassName;
      const sc = className ? manager.cache.get(builtin.StorageClass, undefined, className) : undefined;
      if (sc !== undefined && sc.allowVolumeExpansion !== true) {
        await manager.events.record(
          cluster,
          'Warning',
          'ExpansionNotSupported',
          'Expand',
          `spec.${c}.storage: claim ${name} cannot grow from ${has} to ${want}: storage class ${className} does not allow volume expansion`,
        );
        continue;
      }
      await manager.client.request({
        method: 'PATCH',
        path: objectPath(builtin.PersistentVolumeClaim, ref.namespace, name),
        contentType: contentTypes.merge,
        body: { spec: { resources: { requests: { storage: want } } } },
      });
      patched.push(name);
    }
  }
  return patched;
}
