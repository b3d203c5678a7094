/** Registers the DorisClusterAutoscaler controller: its own kind and the clusters it scales. */

import { Counter } from 'prom-client';
import {
  type DorisClusterAutoscaler,
  dorisClusterAutoscalerKind,
  dorisClusterKind,
} from '../api/v1alpha1/index.ts';
import { builtin } from '../kube/resources.ts';
import type { Manager } from '../runtime/manager.ts';
import { keyOf } from '../runtime/object.ts';
import { type AutoscalerDeps, type Memory, reconcileAutoscaler } from './reconcile.ts';

export function setupAutoscalerController(
  manager: Manager,
  options: { now?: () => number } = {},
): AutoscalerDeps {
  const deps: AutoscalerDeps = {
    manager,
    memory: new Map<string, Memory>(),
    cost: { requests: 0, failures: 0 },
    ...options,
  };
  const autoscalersOf = (namespace: string | undefined, cluster: string) =>
    manager.cache
      .list<DorisClusterAutoscaler>(dorisClusterAutoscalerKind.resource, namespace, manager.primarySelector())
      .filter((a) => a.spec?.clusterRef?.name === cluster)
      .map((a) => keyOf(a));
  // Pods are read from the cache the cluster controller fills (its own children only).
  manager.cache.informersFor(builtin.Pod);
  manager
    .controller('dorisclusterautoscaler', dorisClusterAutoscalerKind.resource)
    // Its own status writes (metrics as read) must not trigger another read.
    .ignoringStatusUpdates()
    // An operation ending or spec.cn changing lets a waiting decision through at once.
    .watches(dorisClusterKind.resource, (c) => autoscalersOf(c.metadata.namespace, c.metadata.name))
    .complete((ctx) => reconcileAutoscaler(deps, ctx));
  new Counter({
    name: 'doris_operator_autoscaler_metric_reads_total',
    help: 'Metric reads of the autoscalers (members /metrics or Prometheus queries), by result.',
    labelNames: ['result'],
    registers: [manager.metrics.registry],
    collect() {
      this.reset();
      this.inc({ result: 'success' }, deps.cost.requests - deps.cost.failures);
      this.inc({ result: 'failure' }, deps.cost.failures);
    },
  });
  return deps;
}
