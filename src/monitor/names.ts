/**
 * Names and labels of what a DorisMonitor creates. Everything carries the monitor label (its
 * informers select on it) and, in the monitor namespace, an owner reference; RoleBindings in the
 * other watched namespaces cannot be owned across namespaces, so they carry the monitor's
 * namespace too and are removed by its finalizer.
 */
export const monitorLabel = 'doris.cloudnative.dev/monitor';
export const monitorNamespaceLabel = 'doris.cloudnative.dev/monitor-namespace';
export const monitorFinalizer = 'doris.cloudnative.dev/monitor-cleanup';

/**
 * ClusterRoles the installation provides, named after it (`<prefix>-monitor-prometheus`, the
 * manager's MONITOR_CLUSTER_ROLE_PREFIX); the operator binds them, and only them, per namespace.
 */
export const defaultClusterRolePrefix = 'doris-operator';
export const clusterRolesOf = (prefix = defaultClusterRolePrefix) => ({
  prometheus: `${prefix}-monitor-prometheus`,
  logCollector: `${prefix}-monitor-log-collector`,
});

export type Part = 'prometheus' | 'grafana' | 'loki' | 'log-collector';

export const partName = (monitor: string, part: Part) => `${monitor}-${part}`;

/** A RoleBinding's name, unique per monitor in any namespace. */
export const bindingName = (monitorNamespace: string, monitor: string, part: Part) =>
  `doris-monitor.${monitorNamespace}.${monitor}.${part}`;

export const ports = { prometheus: 9090, grafana: 3000, loki: 3100, collector: 12345 } as const;

export function partLabels(monitor: string, part: Part): Record<string, string> {
  return {
    'app.kubernetes.io/name': part,
    'app.kubernetes.io/instance': monitor,
    'app.kubernetes.io/component': 'monitoring',
    'app.kubernetes.io/managed-by': 'doris-operator',
    [monitorLabel]: monitor,
  };
}

/** In-cluster URL of a part's Service. */
export const serviceUrl = (monitorNamespace: string, monitor: string, part: Part, domain = 'cluster.local') =>
  `http://${partName(monitor, part)}.${monitorNamespace}.svc.${domain}:${ports[part === 'log-collector' ? 'collector' : part]}`;
