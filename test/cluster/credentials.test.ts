/**
 * The operator's Doris account follows the auth Secret: set on a new cluster, rotated when the
 * Secret changes, and new members still join afterwards (no error 1045). The passwords never show
 * up in logs, events, status, ConfigMaps or pod specs (S7).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A MySQL connection to an FE of the namespace (of `cluster`, when given) as `user`. */
async function connectAs(ns: string, user: string, password: string, cluster?: string) {
  const { client } = await testEnv();
  const instance = cluster === undefined ? '' : `app.kubernetes.io/instance=${cluster},`;
  const pods = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, ns),
    query: { labelSelector: `${instance}app.kubernetes.io/component=fe` },
  });
  const ip = pods.items[0]?.status?.podIP;
  return mysql.createConnection({ host: ip, port: 9030, user, password, connectTimeout: 3000 });
}

/** Whether `user` can log in to an FE of the namespace (of `cluster`, when given); false on 1045. */
async function canLogin(ns: string, user: string, password: string, cluster?: string): Promise<boolean> {
  try {
    await (await connectAs(ns, user, password, cluster)).end();
    return true;
  } catch (err) {
    if ((err as { errno?: number }).errno === 1045) return false;
    throw err;
  }
}

/** Creates an Opaque Secret `name` in `ns` holding `data`. */
async function putSecret(ns: string, name: string, data: Record<string, string>): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, ns),
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data },
  });
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
  test(`${version}: a non-root account gets the privileges the operator needs, and the cluster stays Ready`, async (t) => {
    const ns = await newNamespace(t, `acct-${version.replace(/\./g, '')}`);
    const { client } = await testEnv();
    const secret = (username: string, password: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'doris-auth' },
      type: 'kubernetes.io/basic-auth',
      stringData: { username, password },
    });
    await client.request({
      method: 'POST',
      path: collectionPath(builtin.Secret, ns),
      body: secret('root', 'root-Pa55'),
    });
    await startOperator(t, ns);
    await createCluster(ns, 'doris', {
      version,
      authSecretRef: { name: 'doris-auth' },
      fe: { replicas: 1 },
      be: { replicas: 1 },
    });
    await waitReady(ns, 'doris', 90_000);
    if (version.startsWith('3.')) {
      // What the 3.0 entrypoints do with USER/PASSWD: the account, with NODE_PRIV only.
      const sql = await sqlAs(ns, 'root', 'root-Pa55');
      await sql.query("CREATE USER 'k8sop'@'%' IDENTIFIED BY 'k8sop-Pa55'");
      await sql.query("GRANT NODE_PRIV ON *.*.* TO 'k8sop'@'%'");
      await sql.end();
    }
    const since = await logMark();
    await client.request({
      method: 'PUT',
      path: objectPath(builtin.Secret, ns, 'doris-auth'),
      body: secret('k8sop', 'k8sop-Pa55'),
    });
    const grant = await eventually(
      async () =>
        (await namespaceLog(ns, since)).find(
          (e) => e.kind === 'statement' && /^GRANT .*ADMIN_PRIV/i.test(e.text) && !e.error,
        ),
      { timeoutMs: 60_000, what: 'the operator to grant ADMIN_PRIV to k8sop' },
    );
    assert.match(grant.text, /k8sop/);
    const dc = await waitReady(ns, 'doris');
    assert.notEqual(dc.status?.conditions?.find((c) => c.type === 'Degraded')?.status, 'True');
    assert.equal(await canLogin(ns, 'k8sop', 'k8sop-Pa55'), true);
  });
}

/** A mysql connection to the cluster's FE as `user`. */
async function sqlAs(ns: string, user: string, password: string): Promise<mysql.Connection> {
  const { client } = await testEnv();
  const pods = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, ns),
    query: { labelSelector: 'app.kubernetes.io/component=fe' },
  });
  return mysql.createConnection({ host: pods.items[0]?.status?.podIP, port: 9030, user, password });
}

test('a Secret named before it exists: Degraded with the cause, a Warning event, and the cluster starts within seconds of the Secret appearing', async (t) => {
  const ns = await newNamespace(t, 'late-secret');
  await startOperator(t, ns);
  const { client } = await testEnv();
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    authSecretRef: { name: 'late-auth' },
    fe: { replicas: 1 },
    be: { replicas: 1 },
  });
  const failing = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const degraded = c.status?.conditions?.find((x) => x.type === 'Degraded');
      return degraded?.status === 'True' ? c : false;
    },
    { what: 'Degraded with the missing Secret' },
  );
  const conditions = failing.status?.conditions ?? [];
  const degraded = conditions.find((x) => x.type === 'Degraded');
  assert.equal(degraded?.reason, 'ReconcileError');
  assert.match(degraded?.message ?? '', /spec\.authSecretRef: Secret .*late-auth does not exist/);
  assert.equal(failing.status?.phase, 'Degraded');
  assert.equal(failing.status?.observedGeneration, failing.metadata.generation);
  const ready = conditions.find((x) => x.type === 'Ready');
  assert.equal(ready?.status, 'False', 'not Ready while the operator cannot act');
  assert.equal(ready?.reason, 'ReconcileError');
  const events = await eventually(
    async () => {
      const list = await client.request<{ items: { reason: string; type: string; note: string }[] }>({
        method: 'GET',
        path: collectionPath(builtin.Event, ns),
      });
      const found = list.items.filter((e) => e.reason === 'ReconcileError');
      return found.length > 0 ? found : false;
    },
    { what: 'a ReconcileError event' },
  );
  assert.equal(events[0]?.type, 'Warning');
  // Let the retries back off well past the first seconds before the Secret appears.
  await sleep(15_000);

  const created = Date.now();
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, ns),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'late-auth' },
      stringData: { username: 'root', password: 'Late-pa55-2d1e' },
    },
  });
  await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.conditions?.find((x) => x.type === 'Degraded')?.reason !== 'ReconcileError';
    },
    { timeoutMs: 10_000, intervalMs: 200, what: 'the Secret picked up' },
  );
  const pickedUpMs = Date.now() - created;
  assert.ok(pickedUpMs < 5000, `picked up ${pickedUpMs} ms after the Secret was created`);
  await waitReady(ns, 'doris', 120_000);
});

test('with an account of its own, the operator gives root a password (generated, or from spec.rootSecretRef) on 2.1 and 3.0; new members still register', async (t) => {
  const ns = await newNamespace(t, 'root');
  const manager = await startOperator(t, ns);
  const requests: string[] = [];
  manager.client.onRequest((method, code) => requests.push(`${method} ${code}`));
  const { client } = await testEnv();
  await putSecret(ns, 'doris-auth', { username: 'doris_admin', password: 'Adm1n-pa55-77c1' });
  await putSecret(ns, 'root-pw', { password: 'R00t-pa55-5e2a' });
  await createCluster(ns, 'd21', {
    version: '2.1.7',
    authSecretRef: { name: 'doris-auth' },
    fe: { replicas: 1 },
    be: { replicas: 1 },
  });
  await createCluster(ns, 'd30', {
    version: '3.0.3',
    authSecretRef: { name: 'doris-auth' },
    rootSecretRef: { name: 'root-pw' },
    fe: { replicas: 1 },
    be: { replicas: 1 },
  });
  await Promise.all([waitReady(ns, 'd21', 120_000), waitReady(ns, 'd30', 120_000)]);

  const generated = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.Secret, ns, 'd21-root'),
  });
  const rootPassword = Buffer.from(generated.data?.password ?? '', 'base64').toString();
  assert.ok(rootPassword.length >= 20, 'a generated root password');
  assert.equal(generated.metadata.ownerReferences?.[0]?.name, 'd21', 'owned by the cluster');
  for (const [cluster, password] of [
    ['d21', rootPassword],
    ['d30', 'R00t-pa55-5e2a'],
  ] as const) {
    assert.equal(
      await canLogin(ns, 'root', '', cluster),
      false,
      `${cluster}: root without a password is refused`,
    );
    assert.equal(await canLogin(ns, 'root', password, cluster), true, `${cluster}: root has its password`);
    assert.equal(await canLogin(ns, 'doris_admin', 'Adm1n-pa55-77c1', cluster), true);
  }
  assert.equal(await canLogin(ns, 'root', rootPassword, 'd30'), false);

  // At rest (a 30 s pass included) the Secrets are read from their watches: no API request at all.
  // Rest starts once Doris has created its internal tables (22 tablets on the one BE): TabletNum
  // is in status, so until then status follows Doris.
  for (const cluster of ['d21', 'd30'])
    await eventually(async () => (await getCluster(ns, cluster)).status?.be?.members?.[0]?.tabletNum === 22, {
      what: `${cluster}: the internal tables in status`,
    });
  // ...and once neither status has changed for 5 s.
  let versions = '';
  await eventually(
    async () => {
      const now = (await Promise.all(['d21', 'd30'].map((c) => getCluster(ns, c))))
        .map((c) => c.metadata.resourceVersion)
        .join();
      const settled = now === versions;
      versions = now;
      return settled;
    },
    { timeoutMs: 60_000, intervalMs: 5000, what: 'both statuses settled' },
  );
  const sim = await simulator();
  const accepted = async () =>
    (await sim.members())
      .filter((m) => m.key.startsWith(`${ns}/`) && m.kind === 'fe')
      .reduce((n, m) => n + m.connectionsAccepted, 0);
  const before = await accepted();
  requests.length = 0;
  await sleep(32_000);
  assert.deepEqual(requests, [], 'no API request at rest');
  // Doris is looked at over the connection kept from the last look: no new one, no login of its own.
  assert.equal((await accepted()) - before, 0, 'no new Doris connection at rest');

  // The entrypoints fall back to the auth Secret's account: new members still join.
  await patchSpec(ns, 'd21', { be: { replicas: 2 } });
  await patchSpec(ns, 'd30', { be: { replicas: 2 } });
  const [a, b] = await Promise.all([waitReady(ns, 'd21', 120_000), waitReady(ns, 'd30', 120_000)]);
  assert.equal(a.status?.be?.ready, '2/2');
  assert.equal(b.status?.be?.ready, '2/2');
});

test('a password of the operator account changed by hand in Doris is restored at the next login of the operator', async (t) => {
  const ns = await newNamespace(t, 'drift');
  // The kept connection is renewed after 5 s (5 min by default): a logged-in session stays valid
  // when its password changes, so only a new login shows the change.
  await startOperator(t, ns, undefined, { connectionMaxAgeMs: 5000 });
  const { client } = await testEnv();
  await putSecret(ns, 'doris-auth', { username: 'doris_admin', password: 'Adm1n-pa55-d41f' });
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    authSecretRef: { name: 'doris-auth' },
    fe: { replicas: 1 },
    be: { replicas: 1 },
  });
  await waitReady(ns, 'doris', 120_000);
  const generated = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.Secret, ns, 'doris-root'),
  });
  const rootPassword = Buffer.from(generated.data?.password ?? '', 'base64').toString();
  const asRoot = await connectAs(ns, 'root', rootPassword);
  await asRoot.query("SET PASSWORD FOR 'doris_admin'@'%' = PASSWORD('changed-by-hand')");
  await asRoot.end();
  assert.equal(await canLogin(ns, 'doris_admin', 'Adm1n-pa55-d41f'), false);
  await eventually(() => canLogin(ns, 'doris_admin', 'Adm1n-pa55-d41f'), {
    timeoutMs: 90_000,
    what: 'the Secret password restored in Doris',
  });
  await waitReady(ns, 'doris', 60_000);
});
