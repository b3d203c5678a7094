/**
 * Doris' root account starts without a password, and with the operator on an account of its own
 * (spec.authSecretRef naming another user) nobody would ever close it. The operator does, as soon
 * as an FE answers: root gets the password of the Secret spec.rootSecretRef names, or of
 * `<cluster>-root`, which the operator generates once (and never rewrites) for the user to read.
 * The password Doris accepted is recorded next to the operator's account, so a cluster at rest
 * logs in nowhere, and a new password in the named Secret is set with the old one. The member
 * entrypoints try root without a password first and then the auth Secret's account, so new members
 * keep registering.
 */

import { randomBytes } from 'node:crypto';
import type { ResolvedDorisClusterSpec } from '../api/v1alpha1/index.ts';
import { secret } from '../doris/client.ts';
import { passwordHash } from '../doris/password.ts';
import { clusterInitializer } from '../initializer/which.ts';
import { builtin, collectionPath } from '../kube/resources.ts';
import { isConflict } from '../kube/rest.ts';
import type { Manager } from '../runtime/manager.ts';
import type { NamedWatches } from '../runtime/named-watch.ts';
import type { KubeObject } from '../runtime/object.ts';
import {
  confirmedRoot,
  decode,
  ensurePrivileges,
  login,
  operatorSecretName,
  readSecret,
  rememberCredentials,
} from './credentials.ts';
import { type ClusterRef, ownerRef } from './desired.ts';
import { objectLabels } from './names.ts';
import type { Credentials } from './observe.ts';

export const rootSecretName = (cluster: string) => `${cluster}-root`;

/**
 * The Secret root's password comes from: the cluster's spec.rootSecretRef, else the one its
 * DorisInitializer names (the oldest initializer of the cluster, as the initializer controller
 * counts them); undefined when the operator generates it.
 */
export function rootPasswordSource(
  manager: Manager,
  ref: ClusterRef,
  spec: ResolvedDorisClusterSpec,
): { name: string; key: string; field: string } | undefined {
  if (spec.rootSecretRef !== undefined)
    return { name: spec.rootSecretRef.name, key: 'password', field: 'spec.rootSecretRef' };
  const initializer = clusterInitializer(manager, ref.namespace, ref.name);
  const r = initializer?.spec?.rootPasswordSecretRef;
  return r === undefined || initializer === undefined
    ? undefined
    : {
        name: r.name,
        key: r.key ?? 'password',
        field: `DorisInitializer ${initializer.metadata.name} spec.rootPasswordSecretRef`,
      };
}

/** The password root should have; undefined when root is the operator's own account (or trials). */
export async function desiredRootPassword(
  manager: Manager,
  ref: ClusterRef,
  spec: ResolvedDorisClusterSpec,
  account: Credentials,
  watched?: NamedWatches,
): Promise<string | undefined> {
  if (spec.authSecretRef === undefined || account.user === 'root') return undefined;
  const named = rootPasswordSource(manager, ref, spec);
  if (named !== undefined) {
    const s = await readSecret(manager, ref.namespace, named.name, watched);
    const password = decode(s, named.key);
    if (password !== '') return password;
    const problem = `${named.field}: Secret ${ref.namespace}/${named.name} ${s === undefined ? 'does not exist' : `has no password (key ${named.key})`}`;
    // The cluster's own field stops the pass; an initializer's Secret is its own to report: root keeps its password.
    if (named.field === 'spec.rootSecretRef') throw new Error(problem);
    return undefined;
  }
  const name = rootSecretName(ref.name);
  const existing = await readSecret(manager, ref.namespace, name, watched);
  if (existing !== undefined) return decode(existing, 'password');
  // A root secured before (by a Secret named elsewhere, since gone) keeps its password: it is
  // written into the generated Secret rather than replaced.
  const confirmed = confirmedRoot(
    await readSecret(manager, ref.namespace, operatorSecretName(ref.name), watched),
  );
  const password = confirmed?.password || randomBytes(18).toString('base64url');
  try {
    await manager.client.request({
      method: 'POST',
      path: collectionPath(builtin.Secret, ref.namespace),
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/basic-auth',
        metadata: { name, labels: objectLabels(ref.name), ownerReferences: [ownerRef(ref)] },
        stringData: { username: 'root', password },
      },
    });
  } catch (err) {
    // Created meanwhile (another pass, or the user): theirs stands.
    if (!isConflict(err)) throw err;
    return decode(await readSecret(manager, ref.namespace, name), 'password');
  }
  return password;
}

/**
 * Gives root `password` in Doris unless it is known to have it. Returns whether it has it now; a
 * root that accepts neither no password nor the last one recorded was changed by hand, and is
 * reported (Warning event), not fought over.
 */
export async function secureRoot(
  manager: Manager,
  ref: ClusterRef,
  cluster: KubeObject,
  account: Credentials,
  password: string,
  feIp: string | undefined,
  watched?: NamedWatches,
): Promise<boolean> {
  const stored = await readSecret(manager, ref.namespace, operatorSecretName(ref.name), watched);
  const known = confirmedRoot(stored);
  if (known?.password === password) return true;
  if (feIp === undefined) return false;
  const wanted = { user: 'root', password };
  const remember = () => rememberCredentials(manager, ref, account, wanted);
  const already = await login(feIp, wanted);
  if (already.ok) {
    await already.client.close();
    await remember();
    return true;
  }
  // Only Doris' own refusal of every password says root was changed by hand; an FE that does not
  // answer yet (a new cluster's, still starting) says nothing, and the next pass tries again.
  let refusedAll = already.denied;
  for (const old of [{ user: 'root', password: '' }, known]) {
    if (old === undefined) continue;
    const attempt = await login(feIp, old);
    if (!attempt.ok) {
      refusedAll &&= attempt.denied;
      continue;
    }
    try {
      // Once root has a password, the entrypoints register new members with this account: it must
      // hold NODE_PRIV (and ADMIN_PRIV for the operator) before root is closed.
      const mine = await login(feIp, account);
      if (mine.ok) {
        try {
          await ensurePrivileges(mine.client, feIp, account, [old]);
        } finally {
          await mine.client.close();
        }
      }
      await attempt.client.query("SET PASSWORD FOR 'root'@'%' = ?", [secret(passwordHash(password))]);
    } finally {
      await attempt.client.close();
    }
    await remember();
    await manager.events.record(
      cluster,
      'Normal',
      old.password === '' ? 'RootSecured' : 'RootPasswordChanged',
      'SecureRoot',
      `Doris root now has the password of Secret ${ref.namespace}/${
        rootPasswordSource(manager, ref, (cluster.spec ?? {}) as ResolvedDorisClusterSpec)?.name ??
        rootSecretName(ref.name)
      }`,
    );
    return true;
  }
  if (!refusedAll) return false;
  await manager.events.record(
    cluster,
    'Warning',
    'RootNotSecured',
    'SecureRoot',
    'Doris root accepts neither an empty password nor the one the operator set last: it was changed by hand; set it to the password of the root Secret, or name a Secret with the current one in spec.rootSecretRef',
  );
  return false;
}
