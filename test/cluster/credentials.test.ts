/**
 * The operator's Doris account follows the auth Secret: set on a new cluster, rotated when the
 * Secret changes, and new members still join afterwards (no error 1045). The passwords never show
 * up in logs, events, status, ConfigMaps or pod specs (S7).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  createCluster,
  getCluster,
  logMark,
  namespaceLog,
  patchSpec,
  startOperator,
  waitReady,
} from './support.ts';

async function canLogin(ns: string, user: string, password: string): Promise<boolean> {
  const { client } = await testEnv();
  const pods = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, ns),
    query: { labelSelector: 'app.kubernetes.io/component=fe' },
  });
  const ip = pods.items[0]?.status?.podIP;
  try {
    const conn = await mysql.createConnection({ host: ip, port: 9030, user, password, connectTimeout: 3000 });
    await conn.end();
    return true;
  } catch (err) {
    if ((err as { errno?: number }).errno === 1045) return false;
    throw err;
  }
}

test('the account follows the auth Secret, new members keep joining, and passwords stay secret (S7)', async (t) => {
  const ns = await newNamespace(t, 'creds');
  const logs: string[] = [];
  await startOperator(t, ns, logs);
  const { client } = await testEnv();
  const secret = (password: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'doris-auth' },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: 'root', password },
  });
  const first = 'Pa55-first-7f3c';
  const second = 'Pa55-second-91ab';
  await client.request({ method: 'POST', path: collectionPath(builtin.Secret, ns), body: secret(first) });
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    authSecretRef: { name: 'doris-auth' },
    fe: { replicas: 1 },
    be: { replicas: 1 },
  });
  await waitReady(ns, 'doris', 120_000);
  assert.equal(await canLogin(ns, 'root', first), true, 'root has the Secret password');
  assert.equal(await canLogin(ns, 'root', ''), false, 'the empty password no longer works');

  await client.request({
    method: 'PUT',
    path: objectPath(builtin.Secret, ns, 'doris-auth'),
    body: secret(second),
  });
  await eventually(() => canLogin(ns, 'root', second), {
    timeoutMs: 60_000,
    what: 'the password to rotate in Doris',
  });
  assert.equal(await canLogin(ns, 'root', first), false);
  await patchSpec(ns, 'doris', { be: { replicas: 2 } });
  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.be?.ready === '2/2' && c.status.phase === 'Ready' ? c : false;
    },
    { timeoutMs: 90_000, what: 'a new BE to join with the rotated password' },
  );
  assert.equal(dc.status?.be?.members?.length, 2);

  const events = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Event, ns),
  });
  assert.ok(
    events.items.some((e) => e.reason === 'PasswordChanged'),
    'the rotation is visible as an event',
  );
  const configMaps = await client.request({ method: 'GET', path: collectionPath(builtin.ConfigMap, ns) });
  const pods = await client.request({ method: 'GET', path: collectionPath(builtin.Pod, ns) });
  const statefulSets = await client.request({ method: 'GET', path: collectionPath(builtin.StatefulSet, ns) });
  const places = { logs: logs.join('\n'), events, status: dc.status, configMaps, pods, statefulSets };
  for (const [where, value] of Object.entries(places)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    for (const password of [first, second]) {
      assert.ok(!text.includes(password), `a password appears in ${where}`);
      assert.ok(
        !text.includes(Buffer.from(password).toString('base64')),
        `a base64 password appears in ${where}`,
      );
    }
  }
  assert.ok(logs.length > 0, 'the logs were captured');
});

for (const version of ['2.1.7', '3.0.3']) {
  test(`${version}: a non-root account gets the privileges the operator needs, and the cluster reaches Ready`, async (t) => {
    const ns = await newNamespace(t, `acct-${version.replace(/\./g, '')}`);
    const { client } = await testEnv();
    const sim = await simulator();
    await client.request({
      method: 'POST',
      path: collectionPath(builtin.Secret, ns),
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'doris-auth' },
        type: 'kubernetes.io/basic-auth',
        stringData: { username: 'k8sop', password: 'k8sop-Pa55' },
      },
    });
    await createCluster(ns, 'doris', {
      version,
      authSecretRef: { name: 'doris-auth' },
      fe: { replicas: 1 },
      be: { replicas: 1 },
    });
    // Before the operator runs: the 3.0 scripts create k8sop with NODE_PRIV only; 2.1 ones nothing.
    await eventually(async () => (await sim.cluster(`${ns}/doris-fe`))?.backends.length === 1, {
      timeoutMs: 60_000,
      what: 'the BE registered by its entrypoint',
    });
    const since = await logMark();
    await startOperator(t, ns);
    await waitReady(ns, 'doris', 90_000);
    assert.equal(await canLogin(ns, 'k8sop', 'k8sop-Pa55'), true);
    const grants = (await namespaceLog(ns, since)).filter(
      (e) => e.kind === 'statement' && /^GRANT/i.test(e.text) && !e.error,
    );
    assert.ok(
      grants.some((e) => /ADMIN_PRIV/.test(e.text)),
      `the operator granted ADMIN_PRIV: ${grants.map((e) => e.text).join(' | ')}`,
    );
  });
}
