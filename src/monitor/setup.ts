/** Registers the DorisMonitor controller: its own kind, the clusters it watches, and what it creates. */
import { type DorisMonitor, dorisClusterKind, dorisMonitorKind } from '../api/v1alpha1/index.ts';
import { builtin } from '../kube/resources.ts';
import { Applier } from '../runtime/apply.ts';
import { generationChanged } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import { keyOf } from '../runtime/object.ts';
import { monitorLabel, monitorNamespaceLabel } from './names.ts';
import { cachedTypes, type MonitorDeps, reconcileMonitor } from './reconcile.ts';

export interface MonitorControllerOptions {
  /** host:port of the operator's metrics Service, scraped by managed Prometheus. */
  readonly operatorMetrics?: string | undefined;
  /** Prefix of the installation's monitoring ClusterRoles (default doris-operator). */
  readonly clusterRolePrefix?: string | undefined;
  readonly targets?: MonitorDeps['targets'];
  readonly targetsPollMs?: number;
}

export function setupMonitorController(manager: Manager, opts: MonitorControllerOptions = {}): MonitorDeps {
  const deps: MonitorDeps = {
    manager,
    applier: new Applier(manager.client),
    secretsMade: new Set(),
    ...opts,
  };
  const monitorsOf = (namespace: string | undefined, cluster: string) =>
    manager.cache
      .list<DorisMonitor>(dorisMonitorKind.resource, undefined, manager.primarySelector())
      .filter((m) =>
        (m.spec?.clusterRefs ?? []).some(
          (r) => r.name === cluster && (r.namespace ?? m.metadata.namespace) === namespace,
        ),
      )
      .map((m) => keyOf(m));
  const controller = manager
    .controller('dorismonitor', dorisMonitorKind.resource)
    .ignoringStatusUpdates()
    // A watched cluster appearing, going, or its spec (election number, components) changing
    // changes the configuration; its status writes do not.
    .watches(
      dorisClusterKind.resource,
      (c) => monitorsOf(c.metadata.namespace, c.metadata.name),
      generationChanged,
    )
    .complete((ctx) => reconcileMonitor(deps, ctx));
  // What a monitor created, cached by its label only (the cluster controller caches its own).
  const ownerKey = (o: { metadata: { namespace?: string; labels?: Record<string, string> } }) => {
    const name = o.metadata.labels?.[monitorLabel];
    const ns = o.metadata.labels?.[monitorNamespaceLabel] ?? o.metadata.namespace;
    return name === undefined ? [] : [keyOf({ namespace: ns, name })];
  };
  for (const type of [...cachedTypes, builtin.Pod])
    for (const informer of manager.cache.informersFor(type, monitorLabel))
      controller.watch(informer, ownerKey);
  return deps;
}
