/**
 * Resolves the names in ENV_FE_ADDR the way cluster DNS would: `svc`, `svc.ns`, or
 * `svc.ns.svc.cluster.local` to the IPs of the Running pods the Service selects (the test control
 * plane has no kube-proxy, so a client goes straight to one of them).
 */
import { builtin, collectionPath, objectPath } from '../../../../src/kube/resources.ts';
import type { RestClient } from '../../../../src/kube/rest.ts';
import type { AddressResolver } from '../simulator.ts';
import { isRunning, type Pod } from './pod.ts';

export function serviceResolver(client: RestClient, cacheMs = 250): AddressResolver {
  const cache = new Map<string, { at: number; ips: Promise<string[]> }>();
  return (name, namespace) => {
    const [svc = '', ns = namespace] = name.split('.');
    const key = `${ns}/${svc}`;
    const hit = cache.get(key);
    if (hit !== undefined && Date.now() - hit.at < cacheMs) return hit.ips;
    const ips = (async () => {
      const service = await client.request<{ spec: { selector?: Record<string, string> } }>({
        method: 'GET',
        path: objectPath(builtin.Service, ns, svc),
      });
      const selector = Object.entries(service.spec.selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      if (selector === '') return [];
      const pods = await client.request<{ items: Pod[] }>({
        method: 'GET',
        path: collectionPath(builtin.Pod, ns),
        query: { labelSelector: selector },
      });
      return pods.items.filter(isRunning).map((p) => p.status?.podIP ?? '');
    })();
    cache.set(key, { at: Date.now(), ips });
    return ips;
  };
}
