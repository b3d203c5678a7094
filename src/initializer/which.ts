/** Which DorisInitializer initializes a cluster: one per cluster, the oldest (then by name); the others stand aside. */
import { type DorisInitializer, dorisInitializerKind } from '../api/v1alpha1/index.ts';
import type { Manager } from '../runtime/manager.ts';

export function clusterInitializer(
  manager: Manager,
  namespace: string,
  cluster: string,
): DorisInitializer | undefined {
  return manager.cache
    .list<DorisInitializer>(dorisInitializerKind.resource, namespace, manager.primarySelector())
    .filter((d) => d.spec?.clusterRef?.name === cluster && d.metadata.deletionTimestamp === undefined)
    .sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        a.metadata.name.localeCompare(b.metadata.name),
    )[0];
}
