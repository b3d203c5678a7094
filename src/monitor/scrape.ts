/**
 * The Prometheus configuration of a managed DorisMonitor, as data (rendered to YAML by the caller).
 * Members are found by Kubernetes pod discovery limited to the watched namespaces (so a Role in
 * each is enough) and kept by relabelling when they belong to a watched cluster: FE on its `http`
 * port (8030), BE and CN on `webserver` (8040), Broker left out (it serves no metrics). Each series
 * gets namespace, cluster, component, pod and, for an FE, role: master, follower or observer from
 * the label the operator keeps on FE pods (Doris' SHOW FRONTENDS, cluster/role-labels.ts), else
 * follower or observer from the cluster's election number (a pod the operator has not labelled yet).
 */
import type { ResolvedMonitorSpec } from '../api/v1alpha1/index.ts';
import { labelKeys } from '../cluster/names.ts';
import {
  jobs,
  memberPodSelector,
  podLabelMeta,
  regexLiteral,
  type WatchedCluster,
  watchedNamespaces,
} from './targets.ts';

/** Where the rule files and remote-write secrets are mounted in the Prometheus container. */
export const prometheusPaths = {
  config: '/etc/prometheus/config',
  rules: '/etc/prometheus/rules',
  secrets: '/etc/prometheus/secrets',
  data: '/prometheus',
} as const;

export interface ScrapeInput {
  readonly spec: ResolvedMonitorSpec;
  readonly clusters: readonly WatchedCluster[];
  /** host:port of the operator's metrics Service, when known. */
  readonly operatorMetrics?: string | undefined;
}

const clusterLabel = podLabelMeta(labelKeys.cluster);
const componentLabel = podLabelMeta(labelKeys.component);
const feRoleLabel = podLabelMeta(labelKeys.feRole);

/** Relabelling that keeps the members of the watched clusters and names their series. */
export function memberRelabelling(clusters: readonly WatchedCluster[]): object[] {
  const keep = clusters.map((c) => `${regexLiteral(c.namespace)};${regexLiteral(c.name)}`).join('|');
  const followers = clusters
    .filter((c) => c.electionNumber > 0)
    .map((c) => ({
      source_labels: ['__meta_kubernetes_namespace', clusterLabel, '__meta_kubernetes_pod_name'],
      regex: `${regexLiteral(c.namespace)};${regexLiteral(c.name)};${regexLiteral(c.name)}-fe-(${ordinals(c.electionNumber)})`,
      target_label: 'role',
      replacement: 'follower',
    }));
  return [
    { source_labels: ['__meta_kubernetes_namespace', clusterLabel], regex: `(${keep})`, action: 'keep' },
    {
      source_labels: [componentLabel, '__meta_kubernetes_pod_container_port_name'],
      regex: '(fe;http|be;webserver|cn;webserver)',
      action: 'keep',
    },
    // A pod that finished or has not started has no one to answer.
    { source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Pending|Succeeded|Failed)', action: 'drop' },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: [clusterLabel], target_label: 'cluster' },
    { source_labels: [componentLabel], target_label: 'component' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
    { source_labels: [componentLabel], regex: 'fe', target_label: 'role', replacement: 'observer' },
    ...followers,
    { source_labels: [feRoleLabel], regex: '(master|follower|observer)', target_label: 'role' },
  ];
}

/** `0|1|2` for an election number of 3. */
const ordinals = (n: number) => Array.from({ length: n }, (_, i) => String(i)).join('|');

export function prometheusConfig({ spec, clusters, operatorMetrics }: ScrapeInput): object {
  const p = spec.prometheus;
  const scrapeConfigs: object[] = [
    {
      job_name: jobs.doris,
      metrics_path: '/metrics',
      kubernetes_sd_configs: [
        {
          role: 'pod',
          namespaces: { names: watchedNamespaces(clusters) },
          selectors: [{ role: 'pod', label: memberPodSelector }],
        },
      ],
      relabel_configs: memberRelabelling(clusters),
    },
  ];
  if (operatorMetrics !== undefined)
    scrapeConfigs.push({
      job_name: jobs.operator,
      metrics_path: '/metrics',
      static_configs: [{ targets: [operatorMetrics] }],
    });
  return {
    global: {
      scrape_interval: p.scrapeInterval,
      evaluation_interval: p.evaluationInterval,
      ...(p.externalLabels && Object.keys(p.externalLabels).length > 0
        ? { external_labels: p.externalLabels }
        : {}),
    },
    ...(spec.alerts.enabled ? { rule_files: [`${prometheusPaths.rules}/*.yaml`] } : {}),
    ...(p.alertmanagers && p.alertmanagers.length > 0
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: p.alertmanagers }] }] } }
      : {}),
    ...(p.remoteWrite && p.remoteWrite.length > 0
      ? {
          remote_write: p.remoteWrite.map((w, i) => ({
            url: w.url,
            ...(w.bearerTokenSecretRef
              ? { authorization: { credentials_file: `${prometheusPaths.secrets}/remote-write-${i}` } }
              : {}),
          })),
        }
      : {}),
    scrape_configs: scrapeConfigs,
  };
}
