/**
 * Gauges of the disruptive operations in progress, read from the cached DorisClusters when
 * scraped (so nothing is kept in step by hand): how long the current step has waited on its member
 * and how long it may (spec.rollout.memberTimeoutSeconds). The DorisOperationStuck alert compares
 * the two. Every cluster has both series, 0 s when idle, so dashboards show it idle, not missing.
 */
import { Gauge } from 'prom-client';
import { type DorisCluster, dorisClusterKind } from '../api/v1alpha1/index.ts';
import type { Manager } from '../runtime/manager.ts';

const defaultMemberTimeoutSeconds = 1800;

export function registerOperationMetrics(manager: Manager, now: () => number = Date.now): void {
  const clusters = () =>
    manager.cache.list<DorisCluster>(dorisClusterKind.resource, undefined, manager.primarySelector());
  const labelsOf = (c: DorisCluster) => ({
    namespace: c.metadata.namespace ?? '',
    cluster: c.metadata.name,
  });
  new Gauge({
    name: 'doris_operator_cluster_operation_step_seconds',
    help: 'Seconds the current step of the operation in progress has waited on its member (0 when idle).',
    labelNames: ['namespace', 'cluster', 'type', 'component'],
    registers: [manager.metrics.registry],
    collect() {
      this.reset();
      for (const c of clusters()) {
        const op = c.status?.operation;
        const since = Date.parse(String(op?.memberStartedAt ?? op?.startedAt ?? ''));
        this.set(
          { ...labelsOf(c), type: op?.type ?? 'None', component: op?.component ?? '' },
          Number.isNaN(since) ? 0 : Math.max(0, (now() - since) / 1000),
        );
      }
    },
  });
  new Gauge({
    name: 'doris_operator_cluster_operation_step_timeout_seconds',
    help: 'How long one step of an operation may wait on its member (spec.rollout.memberTimeoutSeconds).',
    labelNames: ['namespace', 'cluster'],
    registers: [manager.metrics.registry],
    collect() {
      this.reset();
      for (const c of clusters())
        this.set(labelsOf(c), c.spec?.rollout?.memberTimeoutSeconds ?? defaultMemberTimeoutSeconds);
    },
  });
}
