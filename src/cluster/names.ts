/**
 * Names and labels of everything the operator creates for a DorisCluster. Selector labels are
 * fixed at creation (a StatefulSet's selector is immutable), so they hold only the cluster name
 * and the component, never anything a user can edit.
 */
import type { Component } from '../api/v1alpha1/index.ts';

export const components: readonly Component[] = ['fe', 'be', 'cn', 'broker'];

export const labelKeys = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: 'doris.cloudnative.dev/cluster',
  /** On FE pods: master, follower or observer, as Doris last reported (role-labels.ts). */
  feRole: 'doris.cloudnative.dev/fe-role',
} as const;

export const annotationKeys = {
  /** Digest of the component's configuration; a change restarts its members one at a time. */
  configHash: 'doris.cloudnative.dev/config-hash',
  /** Digest of a component's whole pod template: a pod whose digest differs is restarted, one at a time. */
  templateHash: 'doris.cloudnative.dev/pod-template-hash',
  /**
   * On a DorisCluster: any new value restarts every member, one at a time in the Doris order (what
   * `kubectl rollout restart` does for a Deployment). Copied into every pod template.
   */
  restartedAt: 'doris.cloudnative.dev/restartedAt',
} as const;

export const MANAGED_BY = 'doris-operator';

/** The labels a component's StatefulSet selects its pods by. */
export function selectorLabels(cluster: string, component: Component): Record<string, string> {
  return { [labelKeys.name]: 'doris', [labelKeys.instance]: cluster, [labelKeys.component]: component };
}

/** Labels of every object of a component (selector labels plus ownership markers). */
export function objectLabels(cluster: string, component?: Component): Record<string, string> {
  return {
    [labelKeys.name]: 'doris',
    [labelKeys.instance]: cluster,
    ...(component === undefined ? {} : { [labelKeys.component]: component }),
    [labelKeys.managedBy]: MANAGED_BY,
    [labelKeys.cluster]: cluster,
  };
}

export const statefulSetName = (cluster: string, c: Component) => `${cluster}-${c}`;
/** Headless Service giving each member its DNS name (`<pod>.<this>.<ns>.svc.cluster.local`). */
export const internalServiceName = (cluster: string, c: Component) => `${cluster}-${c}-internal`;
/** The client Service of the FE (query 9030, HTTP 8030). */
export const feServiceName = (cluster: string) => `${cluster}-fe`;
export const configMapName = (cluster: string, c: Component) => `${cluster}-${c}-config`;
export const podName = (cluster: string, c: Component, ordinal: number) =>
  `${statefulSetName(cluster, c)}-${ordinal}`;

/**
 * The host a member registers under in Doris: its pod FQDN under the cluster's domain (the images
 * force enable_fqdn_mode). Doris rows are matched with memberOfHost, under any domain, so a wrong
 * domain setting shows in status only, never in what is removed.
 */
export function memberHost(
  cluster: string,
  c: Component,
  namespace: string,
  ordinal: number,
  domain = 'cluster.local',
): string {
  return `${podName(cluster, c, ordinal)}.${internalServiceName(cluster, c)}.${namespace}.svc.${domain}`;
}

/**
 * The member a registered host names, under any cluster domain: `<pod>.<cluster>-<c>-internal.
 * <namespace>.svc.<domain>` (what `hostname -f` gives in the pod; the domain is the kubelet's,
 * not always cluster.local). Undefined for any other host (an IP, another cluster's member).
 */
export function memberOfHost(
  cluster: string,
  namespace: string,
  host: string,
): { component: Component; ordinal: number } | undefined {
  const [pod, service, ns, svc] = host.split('.');
  if (ns !== namespace || svc !== 'svc' || pod === undefined) return undefined;
  for (const c of components) {
    if (service !== internalServiceName(cluster, c) || !pod.startsWith(`${statefulSetName(cluster, c)}-`))
      continue;
    const ordinal = ordinalOf(pod);
    if (ordinal !== undefined && podName(cluster, c, ordinal) === pod) return { component: c, ordinal };
  }
  return undefined;
}

/** A host without its cluster domain (`<pod>.<svc>.<ns>.svc`), to compare pod FQDNs under any domain. */
export function hostKey(host: string): string {
  const labels = host.split('.');
  return labels.length > 4 && labels[3] === 'svc' ? labels.slice(0, 4).join('.') : host;
}

/** The ordinal of a StatefulSet pod name, or undefined. */
export function ordinalOf(pod: string): number | undefined {
  const m = /-(\d+)$/.exec(pod);
  return m === null ? undefined : Number(m[1]);
}
