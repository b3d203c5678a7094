/**
 * Resolves the names in ENV_FE_ADDR the way cluster DNS would, through the pod's resolver search
 * list (`<ns>.svc.<domain> svc.<domain> <domain>`): `svc`, `svc.ns`, `svc.ns.svc` or
 * `svc.ns.svc.<domain>` give the IPs of the Running pods the Service selects (the test control
 * plane has no kube-proxy, so a client goes straight to one of them). A name under another domain
 * (`svc.ns.svc.cluster.local` on a cluster whose domain is example.local) does not resolve, as
 * CoreDNS' kubernetes plugin serves only the zone of the cluster domain.
 */
import { builtin, collectionPath, objectPath } from '../../../../src/kube/resources.ts';
import type { RestClient } from '../../../../src/kube/rest.ts';
import type { AddressResolver } from '../simulator.ts';
import { isRunning, type Pod } from './pod.ts';

export function serviceResolver(
  client: RestClient,
  clusterDomain = 'cluster.local',
  cacheMs = 250,
): AddressResolver {
  const cache = new Map<string, { at: number; ips: Promise<string[]> }>();
  return (name, namespace) => {
    const service = serviceOf(name, namespace, clusterDomain);
    if (service === undefined) return Promise.reject(new Error(`${name}: no such host`));
    const { svc, ns } = service;
    const key = `${ns}/${svc}`;
    const hit = cache.get(key);
    if (hit !== undefined && Date.now() - hit.at < cacheMs) return hit.ips;
    const ips = (async () => {
      const found = await client.request<{ spec: { selector?: Record<string, string> } }>({
        method: 'GET',
        path: objectPath(builtin.Service, ns, svc),
      });
      const selector = Object.entries(found.spec.selector ?? {})
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

/** The Service a DNS name stands for from a pod of `namespace`, or undefined outside the cluster's zone. */
export function serviceOf(
  name: string,
  namespace: string,
  clusterDomain: string,
): { svc: string; ns: string } | undefined {
  const labels = name.replace(/\.$/, '').split('.');
  const [svc, ns = namespace, kind, ...domain] = labels;
  if (svc === undefined || svc === '') return undefined;
  if (labels.length <= 2) return { svc, ns };
  if (kind !== 'svc') return undefined;
  if (domain.length > 0 && domain.join('.') !== clusterDomain) return undefined;
  return { svc, ns };
}
