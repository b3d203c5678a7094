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
  if (stableJson(live.status ?? {}) === stableJson(status)) return false;
  await client.request({
    method: 'PUT',
    path: objectPath(type, live.metadata.namespace, live.metadata.name, 'status'),
    body: { ...live, status },
  });
  return true;
}
