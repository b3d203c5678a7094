/**
 * PrometheusOperator mode: the same scrape targets, alert rules and dashboards handed to a
 * Prometheus Operator already running (kube-prometheus-stack): a PodMonitor (FE `http`, BE and CN
 * `webserver`, relabelled exactly as in the managed mode, job "doris"), a PrometheusRule, and one
 * ConfigMap per dashboard labelled for Grafana's dashboard sidecar. Nothing is deployed.
 */
import type { ResolvedMonitorSpec } from '../api/v1alpha1/index.ts';
import type { ResourceType } from '../kube/resources.ts';
import { builtin } from '../kube/resources.ts';
import type { OwnerReference } from '../runtime/object.ts';
import { alertRules } from './alerts.ts';
import { dashboards } from './dashboards/index.ts';
import type { Desired } from './managed.ts';
import { monitorLabel } from './names.ts';
import { memberRelabelling } from './scrape.ts';
import { jobs, type WatchedCluster, watchedNamespaces } from './targets.ts';

export const podMonitorType: ResourceType = {
  group: 'monitoring.coreos.com',
  version: 'v1',
  kind: 'PodMonitor',
  plural: 'podmonitors',
  namespaced: true,
};
export const prometheusRuleType: ResourceType = {
  group: 'monitoring.coreos.com',
  version: 'v1',
  kind: 'PrometheusRule',
  plural: 'prometheusrules',
  namespaced: true,
};

export interface OperatorModeInput {
  readonly name: string;
  readonly namespace: string;
  readonly owner: OwnerReference;
  readonly spec: ResolvedMonitorSpec;
  readonly clusters: readonly WatchedCluster[];
}

const camel = (r: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]),
  );

export function prometheusOperatorObjects(input: OperatorModeInput): Desired[] {
  const { spec, name, namespace } = input;
  const labels = {
    'app.kubernetes.io/name': 'doris-monitor',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'doris-operator',
    [monitorLabel]: name,
  };
  const meta = (objectName: string, extra: Record<string, string> = {}) => ({
    name: objectName,
    namespace,
    labels: { ...labels, ...extra },
    ownerReferences: [input.owner],
  });
  const relabelings = [
    ...memberRelabelling(input.clusters).map((r) => camel(r as Record<string, unknown>)),
    { targetLabel: 'job', replacement: jobs.doris },
  ];
  const endpoint = (port: string) => ({
    port,
    path: '/metrics',
    interval: spec.prometheus.scrapeInterval,
    relabelings,
  });
  const out: Desired[] = [
    {
      type: podMonitorType,
      object: {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: meta(`${name}-doris`, spec.prometheusOperator.labels),
        spec: {
          namespaceSelector: { matchNames: watchedNamespaces(input.clusters) },
          selector: {
            matchLabels: {
              'app.kubernetes.io/name': 'doris',
              'app.kubernetes.io/managed-by': 'doris-operator',
            },
          },
          podMetricsEndpoints: [endpoint('http'), endpoint('webserver')],
        },
      },
    },
  ];
  const groups = alertRules(spec.alerts);
  if (groups.length > 0)
    out.push({
      type: prometheusRuleType,
      object: {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: meta(`${name}-doris`, spec.prometheusOperator.labels),
        spec: { groups },
      },
    });
  const dashboardLabels = spec.prometheusOperator.dashboardLabels ?? { grafana_dashboard: '1' };
  for (const d of dashboards())
    out.push({
      type: builtin.ConfigMap,
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta(`${name}-${d.uid}`, dashboardLabels),
        data: { [`${d.uid}.json`]: JSON.stringify(d) },
      },
    });
  return out;
}
