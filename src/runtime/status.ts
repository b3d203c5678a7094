/**
 * Status writes through the status subresource: the new status is compared with the live one and
 * written only if it differs, with the live resourceVersion as an optimistic lock, so a status
 * computed from a stale view is refused (409) and recomputed rather than overwriting newer facts.
 */

import { objectPath, type ResourceType } from '../kube/resources.ts';
import type { RestClient } from '../kube/rest.ts';
import { stableJson } from './apply.ts';
import type { KubeObject } from './object.ts';

/** Writes `status` when it differs from `live.status`; returns whether it wrote. */
export async function patchStatus(
  client: RestClient,
  type: ResourceType,
  live: KubeObject,
  status: object,
): Promise<boolean> {
  return (await updateStatus(client, type, live, status)).written;
}

/** As patchStatus, also returning the object as stored afterwards (for a second write in the same pass). */
export async function updateStatus(
  client: RestClient,
  type: ResourceType,
  live: KubeObject,
  status: object,
): Promise<{ written: boolean; object: KubeObject }> {
  if (stableJson(live.status ?? {}) === stableJson(status)) return { written: false, object: live };
  const object = await client.request<KubeObject>({
    method: 'PUT',
    path: objectPath(type, live.metadata.namespace, live.metadata.name, 'status'),
    body: { ...live, status },
  });
  return { written: true, object };
}
