/**
 * Each FE pod carries its role in Doris as a label (`doris.cloudnative.dev/fe-role`: master,
 * follower or observer), from SHOW FRONTENDS: a monitor's Prometheus labels the FE's series with
 * it, and `kubectl get pods -l doris.cloudnative.dev/fe-role=master` finds the master. Doris moves
 * the master on its own (an election after the master stops), so the label follows what each pass
 * sees; it is written only when it differs, and removed from a pod Doris does not list.
 */

import type { Frontend } from '../doris/rows.ts';
import { builtin, objectPath } from '../kube/resources.ts';
import { contentTypes, isNotFound } from '../kube/rest.ts';
import type { Manager } from '../runtime/manager.ts';
import type { KubeObject } from '../runtime/object.ts';
import { labelKeys, memberOfHost, ordinalOf } from './names.ts';

export type FeRole = 'master' | 'follower' | 'observer';

function feRoleOf(row: Frontend): FeRole {
  return row.isMaster ? 'master' : row.role === 'FOLLOWER' ? 'follower' : 'observer';
}

/** The FE pods whose role label differs from Doris' view: the role to set, or null to remove it. */
export function feRoleChanges(
  cluster: string,
  namespace: string,
  fePods: readonly KubeObject[],
  frontends: readonly Frontend[],
): { pod: string; role: FeRole | null }[] {
  const byOrdinal = new Map<number, FeRole>();
  const byIp = new Map<string, FeRole>();
  for (const row of frontends) {
    const member = memberOfHost(cluster, namespace, row.host);
    if (member?.component === 'fe') byOrdinal.set(member.ordinal, feRoleOf(row));
    else byIp.set(row.host, feRoleOf(row));
  }
  const changes: { pod: string; role: FeRole | null }[] = [];
  for (const pod of fePods) {
    if (pod.metadata.deletionTimestamp !== undefined) continue;
    const ordinal = ordinalOf(pod.metadata.name);
    const ip: string | undefined = pod.status?.podIP;
    const want =
      (ordinal === undefined ? undefined : byOrdinal.get(ordinal)) ??
      (ip === undefined ? undefined : byIp.get(ip)) ??
      null;
    const have = pod.metadata.labels?.[labelKeys.feRole] ?? null;
    if (want !== have) changes.push({ pod: pod.metadata.name, role: want });
  }
  return changes;
}

/** Sets the role labels that differ; a pod gone meanwhile is skipped. Returns how many were written. */
export async function labelFeRoles(
  manager: Manager,
  namespace: string,
  changes: readonly { pod: string; role: FeRole | null }[],
): Promise<number> {
  let written = 0;
  for (const { pod, role } of changes) {
    try {
      await manager.client.request({
        method: 'PATCH',
        path: objectPath(builtin.Pod, namespace, pod),
        contentType: contentTypes.merge,
        body: { metadata: { labels: { [labelKeys.feRole]: role } } },
      });
      written++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return written;
}
