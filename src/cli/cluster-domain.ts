/**
 * The cluster's DNS domain, as the kubelet gives it to pods: the `svc.<domain>` entry of the
 * resolver's search list (`search <ns>.svc.cluster.local svc.cluster.local cluster.local`).
 * Outside a pod there is none, and Kubernetes' default applies.
 */
import { readFileSync } from 'node:fs';

export const defaultClusterDomain = 'cluster.local';

export function clusterDomainOf(resolvConf: string): string | undefined {
  for (const line of resolvConf.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key !== 'search') continue;
    for (const v of values) {
      const m = /^svc\.(.+?)\.?$/.exec(v);
      if (m?.[1]) return m[1];
    }
  }
  return undefined;
}

export function detectClusterDomain(path = '/etc/resolv.conf'): string {
  try {
    return clusterDomainOf(readFileSync(path, 'utf8')) ?? defaultClusterDomain;
  } catch {
    return defaultClusterDomain;
  }
}
