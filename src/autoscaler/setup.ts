/** Registers the DorisClusterAutoscaler controller: its own kind and the clusters it scales. */

import { Counter } from 'prom-client';
import {
  type DorisClusterAutoscaler,
  dorisClusterAutoscalerKind,
  dorisClusterKind,
} from '../api/v1alpha1/index.ts';
import { builtin } from '../kube/resources.ts';
import type { Manager } from '../runtime/manager.ts';
import { type KubeObject, keyOf } from '../runtime/object.ts';
import { type AutoscalerDeps, type Memory, reconcileAutoscaler } from './reconcile.ts';

/** What of a cluster decides whether a change of spec.cn.replicas can be made now. */
function clusterGate(c: KubeObject): string {
  const s = c.status ?? {};
  const ready = (s.conditions ?? []).find((x: { type: string }) => x.type === 'Ready');
  return [
    c.metadata.generation,
    s.observedGeneration,
    s.phase,
    s.operation?.type,
    ready?.status,
    ready?.reason,
  ].join('|');
}

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
    // An operation ending or spec.cn changing lets a waiting decision through at once; the
    // cluster's other status writes (member views) do not cost a metrics read each.
    .watches(
      dorisClusterKind.resource,
      (c) => autoscalersOf(c.metadata.namespace, c.metadata.name),
      (a, b) => clusterGate(a) !== clusterGate(b),
    )
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
