/**
 * What the user who sends an admission request may do, asked of the API server
 * (SubjectAccessReview). The operator holds more rights than any tenant: an object may only make
 * it read what its author could read (a ConfigMap it copies, a Secret it uses).
 */
import { builtin, collectionPath } from '../kube/resources.ts';
import type { RestClient } from '../kube/rest.ts';
import type { UserInfo } from './review.ts';

export interface Access {
  readonly verb: string;
  readonly resource: string;
  readonly group?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Whether `user` may do `access`; undefined when the API server could not say. */
export async function userMay(
  client: RestClient,
  user: UserInfo,
  access: Access,
  timeoutMs = 1500,
): Promise<boolean | undefined> {
  try {
    const review = await client.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: collectionPath(builtin.SubjectAccessReview),
      timeoutMs,
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          ...(user.username === undefined ? {} : { user: user.username }),
          ...(user.uid === undefined ? {} : { uid: user.uid }),
          ...(user.groups === undefined ? {} : { groups: user.groups }),
          ...(user.extra === undefined ? {} : { extra: user.extra }),
          resourceAttributes: {
            verb: access.verb,
            resource: access.resource,
            group: access.group ?? '',
            ...(access.namespace === undefined ? {} : { namespace: access.namespace }),
            ...(access.name === undefined ? {} : { name: access.name }),
          },
        },
      },
    });
    return review.status?.allowed === true;
  } catch {
    return undefined;
  }
}
