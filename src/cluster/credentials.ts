/**
 * The operator's Doris account, kept in step with the Secret named by spec.authSecretRef.
 *
 * Other operators lose new pods to error 1045 when the password in the Secret changes: Doris still
 * has the old one. Here the password last confirmed in Doris is kept in a Secret the operator owns
 * (`<cluster>-operator-credentials`); when the user's Secret says something else, the operator
 * logs in with the confirmed one (or, on a new cluster, as root with the empty password Doris
 * starts with) and sets the new password, or creates the account with NODE and ADMIN privileges.
 * Passwords never leave Secrets and the SQL connection: not in logs, events, status or ConfigMaps (S7).
 */

import { DorisClient, secret } from '../doris/client.ts';
import { DorisError } from '../doris/errors.ts';
import { passwordHash } from '../doris/password.ts';
import { builtin, objectPath } from '../kube/resources.ts';
import { isNotFound } from '../kube/rest.ts';
import type { Manager } from '../runtime/manager.ts';
import type { NamedWatches } from '../runtime/named-watch.ts';
import type { KubeObject } from '../runtime/object.ts';
import { type ClusterRef, ownerRef } from './desired.ts';
import { objectLabels } from './names.ts';
import type { Credentials } from './observe.ts';

export const operatorSecretName = (cluster: string) => `${cluster}-operator-credentials`;

export const decode = (s: KubeObject | undefined, k: string) =>
  Buffer.from(s?.data?.[k] ?? '', 'base64').toString('utf8');

/** A Secret, from its watch (no request at rest; the cluster tracks it), else from the API server. */
export async function readSecret(
  manager: Manager,
  namespace: string,
  name: string,
  watched?: NamedWatches,
): Promise<KubeObject | undefined> {
  if (watched !== undefined) return watched.read({ namespace, name });
  try {
    return await manager.client.request<KubeObject>({
      method: 'GET',
      path: objectPath(builtin.Secret, namespace, name),
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The credentials the user asked for: the auth Secret's, or root with no password. */
export async function desiredCredentials(
  manager: Manager,
  namespace: string,
  secretName: string | undefined,
  watched?: NamedWatches,
): Promise<Credentials> {
  if (secretName === undefined) return { user: 'root', password: '' };
  const secret = await readSecret(manager, namespace, secretName, watched);
  if (secret === undefined)
    throw new Error(`spec.authSecretRef: Secret ${namespace}/${secretName} does not exist`);
  const missing = ['username', 'password'].filter((k) => secret.data?.[k] === undefined);
  if (missing.length > 0 || decode(secret, 'username') === '')
    throw new Error(
      `spec.authSecretRef: Secret ${namespace}/${secretName} needs the keys username and password (a kubernetes.io/basic-auth Secret); ${missing.length > 0 ? `${missing.join(' and ')} missing` : 'username is empty'}`,
    );
  return { user: decode(secret, 'username'), password: decode(secret, 'password') };
}

type Login = { ok: true; client: DorisClient } | { ok: false; denied: boolean };

export async function login(ip: string, c: Credentials): Promise<Login> {
  try {
    return {
      ok: true,
      client: await DorisClient.connect(
        { host: ip, user: c.user, password: c.password },
        // An FE that takes the login but holds its replies must not hold this cluster's pass long.
        { connectTimeoutMs: 3000, queryTimeoutMs: 10_000 },
      ),
    };
  } catch (err) {
    return { ok: false, denied: err instanceof DorisError && err.accessDenied };
  }
}

/**
 * Makes Doris accept `desired`, returning the credentials to use for this pass. `feIp` is any FE
 * pod IP (account statements are forwarded to the master).
 */
export async function syncCredentials(
  manager: Manager,
  ref: ClusterRef,
  cluster: KubeObject,
  desired: Credentials,
  feIp: string | undefined,
  watched?: NamedWatches,
  /** Doris refused the confirmed credentials last time: log in to find out, even if nothing changed. */
  verify = true,
): Promise<Credentials> {
  if (feIp === undefined) return desired;
  const stored = await readSecret(manager, ref.namespace, operatorSecretName(ref.name), watched);
  const confirmed: Credentials | undefined = stored && {
    user: decode(stored, 'username'),
    password: decode(stored, 'password'),
  };
  // At rest the Secret and Doris agree: no login of its own, the observation uses the account (a
  // refusal there sets `verify` for the next pass, which repairs the account as below).
  if (!verify && confirmed?.user === desired.user && confirmed.password === desired.password) return desired;
  const root = confirmedRoot(stored);
  const remember = (c: Credentials) => rememberCredentials(manager, ref, c, root);
  const first = await login(feIp, desired);
  if (first.ok) {
    const isNew = confirmed?.user !== desired.user || confirmed.password !== desired.password;
    try {
      // Checked once per new account: 3.0 entrypoints create it with NODE_PRIV only, and observing
      // Doris (SHOW FRONTEND CONFIG) and every ALTER SYSTEM / ADMIN SET need ADMIN_PRIV as well.
      if (isNew) await ensurePrivileges(first.client, feIp, desired, [confirmed, root]);
    } finally {
      await first.client.close();
    }
    if (isNew) await remember(desired);
    return desired;
  }
  if (!first.denied) return desired; // unreachable: the observation will say so
  const candidates = [confirmed, root, { user: 'root', password: '' }].filter(
    (c): c is Credentials => c !== undefined && !(c.user === desired.user && c.password === desired.password),
  );
  for (const c of candidates) {
    const attempt = await login(feIp, c);
    if (!attempt.ok) continue;
    let hadAccount = false;
    try {
      const grants = await attempt.client.query('SHOW ALL GRANTS');
      hadAccount = grants.some((r) => String(r.UserIdentity ?? '').includes(`'${desired.user}'@`));
      if (hadAccount) {
        await attempt.client.query("SET PASSWORD FOR ?@'%' = ?", [
          desired.user,
          secret(passwordHash(desired.password)),
        ]);
      } else {
        await attempt.client.query("CREATE USER ?@'%' IDENTIFIED BY PASSWORD ?", [
          desired.user,
          secret(passwordHash(desired.password)),
        ]);
        await attempt.client.query("GRANT NODE_PRIV, ADMIN_PRIV ON *.*.* TO ?@'%'", [desired.user]);
      }
    } finally {
      await attempt.client.close();
    }
    const confirmedNow = await login(feIp, desired);
    if (confirmedNow.ok) {
      try {
        await ensurePrivileges(confirmedNow.client, feIp, desired, [c, root]);
      } finally {
        await confirmedNow.client.close();
      }
    }
    await remember(desired);
    await manager.events.record(
      cluster,
      'Normal',
      hadAccount ? 'PasswordChanged' : 'AccountCreated',
      'SyncCredentials',
      `Doris account ${desired.user} now matches Secret ${ref.namespace}/${cluster.spec?.authSecretRef?.name ?? ''}`,
    );
    return desired;
  }
  return confirmed ?? desired;
}

/** Global privileges the operator's account needs (as SHOW GRANTS names them). */
const neededPrivileges = ['Node_priv', 'Admin_priv'] as const;

/** Grants what the account lacks, as root (with no password yet, or its own) or the last confirmed account. */
export async function ensurePrivileges(
  client: DorisClient,
  feIp: string,
  desired: Credentials,
  known: readonly (Credentials | undefined)[],
): Promise<void> {
  if (desired.user === 'root') return; // built-in, with every privilege
  const rows = await client.query('SHOW GRANTS');
  const held = rows.map((r) => `${r.GlobalPrivs ?? ''},${r.Roles ?? ''}`).join(',');
  // The built-in operator role (root's) holds both; the admin role (the admin user's) lacks
  // NODE_PRIV, which the member entrypoints need to register once root has a password.
  if (/\boperator\b/.test(held)) return;
  const roles = /\badmin\b/.test(held) ? 'Admin_priv' : '';
  const missing = neededPrivileges.filter((p) => !held.includes(p) && !roles.includes(p));
  if (missing.length === 0) return;
  const privileges = missing.map((p) => p.toUpperCase()).join(', ');
  const grantors = [{ user: 'root', password: '' }, ...known].filter(
    (c): c is Credentials => c !== undefined && c.user !== desired.user,
  );
  for (const c of grantors) {
    const attempt = await login(feIp, c);
    if (!attempt.ok) continue;
    try {
      await attempt.client.query(`GRANT ${privileges} ON *.*.* TO ?@'%'`, [desired.user]);
      return;
    } catch {
      // This account may not grant: try the next one.
    } finally {
      await attempt.client.close();
    }
  }
  throw new Error(
    `spec.authSecretRef: the Doris account ${desired.user} lacks ${privileges}, which the operator needs, and no account it can log in as may grant them: run GRANT ${privileges} ON *.*.* TO '${desired.user}'@'%'`,
  );
}

/** Root's password as last confirmed in Doris, kept next to the operator's account. */
export function confirmedRoot(stored: KubeObject | undefined): Credentials | undefined {
  const password = stored?.data?.[rootPasswordKey];
  return password === undefined ? undefined : { user: 'root', password: decode(stored, rootPasswordKey) };
}

const rootPasswordKey = 'root-password';

/** Records what Doris accepts now: the operator's account, and root's password once secured. */
export async function rememberCredentials(
  manager: Manager,
  ref: ClusterRef,
  c: Credentials,
  root: Credentials | undefined,
): Promise<void> {
  await manager.applier.apply(builtin.Secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/basic-auth',
    metadata: {
      name: operatorSecretName(ref.name),
      namespace: ref.namespace,
      labels: objectLabels(ref.name),
      ownerReferences: [ownerRef(ref)],
    },
    stringData: {
      username: c.user,
      password: c.password,
      ...(root === undefined ? {} : { [rootPasswordKey]: root.password }),
    },
  });
}
