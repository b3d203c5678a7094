/**
 * What a DorisMonitor watches, resolved: each cluster with its namespace and FE election number
 * (which FEs are followers), and the label names Prometheus gives every Doris series. The
 * dashboards, alerts and the autoscaler's Prometheus queries all use these label names.
 */
import type { ResolvedMonitorSpec } from '../api/v1alpha1/index.ts';
import { labelKeys, MANAGED_BY } from '../cluster/names.ts';

export interface WatchedCluster {
  readonly namespace: string;
  readonly name: string;
  /** FEs with an ordinal below this are followers, the others observers (the entrypoint's ELECT_NUMBER). */
  readonly electionNumber: number;
}

/** The scrape job of the Doris members and the one of the operator. */
export const jobs = { doris: 'doris', operator: 'doris-operator' } as const;

/** Label selector of every Doris member pod (any cluster); the relabelling keeps the watched ones. */
export const memberPodSelector = `${labelKeys.name}=doris,${labelKeys.managedBy}=${MANAGED_BY}`;

/** Prometheus' name for a pod label in discovery metadata. */
export const podLabelMeta = (key: string) =>
  `__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;

export function watchedClusters(
  monitorNamespace: string,
  spec: Pick<ResolvedMonitorSpec, 'clusterRefs'>,
  electionNumberOf: (namespace: string, name: string) => number,
): WatchedCluster[] {
  return spec.clusterRefs.map((r) => {
    const namespace = r.namespace ?? monitorNamespace;
    return { namespace, name: r.name, electionNumber: electionNumberOf(namespace, r.name) };
  });
}

export const watchedNamespaces = (clusters: readonly WatchedCluster[]): string[] =>
  [...new Set(clusters.map((c) => c.namespace))].sort();

/** Escapes a literal for a Prometheus (RE2) regex. */
export const regexLiteral = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
