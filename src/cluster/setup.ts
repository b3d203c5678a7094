/** Registers the DorisCluster controller: its own kind, the objects it owns, and the pods of its members. */
import { dorisClusterKind, dorisInitializerKind } from '../api/v1alpha1/index.ts';
import { builtin } from '../kube/resources.ts';
import { generationChanged } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import { byLabel } from '../runtime/manager.ts';
import { StepBackoff } from './failure.ts';
import { labelKeys } from './names.ts';
import { KeptConnections } from './observe.ts';
import { registerOperationMetrics } from './operation-metrics.ts';
import { type ClusterDeps, reconcileCluster } from './reconcile.ts';
import { nodeGone } from './stranded.ts';

export interface ClusterControllerOptions {
  /** How long a connection to a cluster's master is kept before a new login (default 5 min). */
  readonly connectionMaxAgeMs?: number;
}

export function setupClusterController(manager: Manager, opts: ClusterControllerOptions = {}): void {
  // Only the clusters' own objects are cached (they all carry the cluster label), not every pod,
  // Service or ConfigMap of the Kubernetes cluster.
  for (const type of [
    builtin.StatefulSet,
    builtin.Service,
    builtin.ConfigMap,
    builtin.PodDisruptionBudget,
    builtin.Pod,
    builtin.PersistentVolumeClaim,
  ])
    manager.cache.restrict(type, labelKeys.cluster);
  const deps: ClusterDeps = {
    manager,
    backoff: new StepBackoff(),
    refused: new Set(),
    connections: new KeptConnections(opts.connectionMaxAgeMs),
    unknownLooks: new Map(),
  };
  const controller = manager
    .controller('doriscluster', dorisClusterKind.resource)
    // Its own status writes carry progress figures: passes follow the requeue each pass asks for.
    .ignoringStatusUpdates()
    .owns(builtin.StatefulSet)
    .owns(builtin.Service)
    .owns(builtin.ConfigMap)
    .owns(builtin.PodDisruptionBudget)
    // Pods are owned by the StatefulSets, not the cluster: map them back by their cluster label.
    .watches(builtin.Pod, byLabel(labelKeys.cluster))
    .watches(builtin.PersistentVolumeClaim, byLabel(labelKeys.cluster))
    // An initializer may name the Secret of root's password: its creation, spec changes and
    // deletion wake the cluster, not the status its runner writes per statement.
    .watches(
      dorisInitializerKind.resource,
      (d) =>
        d.spec?.clusterRef?.name === undefined ? [] : [`${d.metadata.namespace}/${d.spec.clusterRef.name}`],
      generationChanged,
    )
    // A node deleted or taken out of service wakes the clusters with pods on it (stranded.ts).
    .watches(builtin.Node, (node) =>
      nodeGone(node.metadata.name, manager.cache.get(builtin.Node, undefined, node.metadata.name)) ===
      undefined
        ? []
        : manager.cache
            .list(builtin.Pod)
            .filter((p) => p.spec?.nodeName === node.metadata.name)
            .flatMap(byLabel(labelKeys.cluster)),
    )
    .complete((ctx) => reconcileCluster(deps, ctx));
  registerOperationMetrics(manager);
  // The Secrets each cluster names (auth, root, its own): watched as metadata, their data read on change.
  deps.secrets = manager.namedWatches(builtin.Secret, (owners) => {
    for (const key of owners) controller.queue.add(key);
  });
  // The users' own conf files (configMapRef): not in the cache, which holds the clusters' objects only.
  deps.configMaps = manager.namedWatches(builtin.ConfigMap, (owners) => {
    for (const key of owners) controller.queue.add(key);
  });
  manager.onStop(() => deps.connections?.closeAll());
  // Storage classes are read (expansion support) from the cache.
  manager.cache.informersFor(builtin.StorageClass);
}
