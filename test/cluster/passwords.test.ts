/**
 * A password made of quotes, backslashes and `''` is stored by Doris exactly as the Secret holds
 * it, for the operator's own account, for root and for a declared user: each logs in through the
 * real `mysql` client. Sent as a string literal, Doris' legacy parser (which account statements
 * use on 2.0, 2.1 and 3.0) would collapse the `''` that a client library's `\'\'` becomes, and the
 * operator would lock itself out; the operator sends the hashed form instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import { createInitializer, feIp, mysqlClient, putSecret, waitPhase } from '../initializer/support.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';
import { createAuthSecret, createCluster, operatorProcess, waitReady } from './support.ts';

const nasty = (who: string) => `${who}'s ''pass'' \\ \\'x\\' "q" ;--#`;

test("passwords of quotes, backslashes and '' work for the operator's account, root and a declared user (mysql client)", async (t) => {
  const ns = await newNamespace(t, 'passwords');
  await createAuthSecret(ns, 'doris-admin', 'op', nasty('op'));
  await putSecret(ns, 'root-password', { password: nasty('root') });
  await putSecret(ns, 'app-password', { password: nasty('app') });
  await operatorProcess(t, ns);
  await createCluster(ns, 'doris', {
    version: '3.0.4',
    authSecretRef: { name: 'doris-admin' },
    rootSecretRef: { name: 'root-password' },
    fe: { replicas: 1 },
    be: { replicas: 1 },
  });
  await waitReady(ns, 'doris', 120_000);
  await createInitializer(ns, 'doris', {
    clusterRef: { name: 'doris' },
    users: [{ name: 'app', passwordSecretRef: { name: 'app-password' } }],
  });
  await waitPhase(ns, 'doris', 'Ready', 60_000);
  const host = await feIp(ns, 'doris');
  for (const user of ['op', 'root', 'app']) {
    const error = await eventually(
      async () => ((await mysqlClient(host, user, nasty(user), 'SELECT 1')) === '' ? 'ok' : false),
      { timeoutMs: 30_000, intervalMs: 1000, what: `${user} logging in with its Secret's password` },
    );
    assert.equal(error, 'ok', user);
    assert.match(
      await mysqlClient(host, user, `${nasty(user)}x`, 'SELECT 1'),
      /ERROR 1045/,
      `${user}: wrong password refused`,
    );
  }
  // A new cluster's root is secured without a word of root having been "changed by hand".
  const { client } = await testEnv();
  const events = await client.request<{ items: { reason: string; note: string }[] }>({
    method: 'GET',
    path: collectionPath(builtin.Event, ns),
  });
  assert.deepEqual(
    events.items.filter((e) => e.reason === 'RootNotSecured').map((e) => e.note),
    [],
  );
  assert.ok(events.items.some((e) => e.reason === 'RootSecured'));
});
