/**
 * DorisInitializer end to end, on the real control plane and the simulator, with the manager as its
 * own process: users created with their grants and able to log in with the real `mysql` client, a
 * password rotated in its Secret reaching Doris within seconds, a user taken out of the list left
 * alone and one marked absent dropped, databases created, scripts run once, root's password from
 * the initializer, and no password in the operator's log, events or status (S7).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { createCluster, waitReady } from '../cluster/support.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  createInitializer,
  feIp,
  getInitializer,
  mysqlClient,
  patchInitializer,
  putSecret,
  sqlAs,
  startManagerProcess,
  waitPhase,
} from './support.ts';

const passwords = {
  operator: 'Op-4c1d-secret',
  root: 'Root-77e2-secret',
  app: 'App-first-19f0',
  appNext: 'App-second-5b3e',
  reader: 'Reader-0d9a-secret',
};

test('users, grants, databases and scripts are applied and kept; passwords rotate and never show (S7)', async (t) => {
  const ns = await newNamespace(t, 'di');
  const logs: string[] = [];
  await startManagerProcess(t, ns, logs);
  await putSecret(ns, 'doris-auth', { username: 'k8sop', password: passwords.operator });
  await putSecret(ns, 'doris-root', { password: passwords.root });
  await putSecret(ns, 'app-password', { password: passwords.app });
  await putSecret(ns, 'reader-password', { pw: passwords.reader });
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ConfigMap, ns),
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'schema' },
      data: {
        'tables.sql':
          '-- the app schema\nCREATE TABLE IF NOT EXISTS app.t (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2 ' +
          'PROPERTIES ("replication_num" = "1");\nINSERT INTO app.t VALUES (1), (2);',
      },
    },
  });
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    authSecretRef: { name: 'doris-auth' },
    fe: { replicas: 1 },
    be: { replicas: 1 },
  });
  await createInitializer(ns, 'init', {
    clusterRef: { name: 'doris' },
    rootPasswordSecretRef: { name: 'doris-root' },
    users: [
      {
        name: 'app',
        passwordSecretRef: { name: 'app-password' },
        grants: [{ privileges: ['SELECT_PRIV', 'LOAD_PRIV'], level: 'app.*' }],
      },
      {
        name: 'reader',
        passwordSecretRef: { name: 'reader-password', key: 'pw' },
        roles: ['admin'],
        defaultWorkloadGroup: 'normal',
      },
    ],
    databases: ['app', 'staging'],
    initSQL: [
      { name: 'tables', configMapKeyRef: { name: 'schema', key: 'tables.sql' } },
      { name: 'seed', sql: 'INSERT INTO app.t VALUES (3);' },
    ],
  });
  await waitReady(ns, 'doris', 120_000);
  const ready = await waitPhase(ns, 'init', 'Ready', 60_000);
  assert.deepEqual(
    ready.status?.scripts?.map((s: { name: string; state: string; done: number }) => [
      s.name,
      s.state,
      s.done,
    ]),
    [
      ['tables', 'Applied', 2],
      ['seed', 'Applied', 1],
    ],
  );
  const ip = await feIp(ns, 'doris');

  // The real mysql client logs in as each user; root has the initializer's password.
  assert.equal(await mysqlClient(ip, 'app', passwords.app, 'SELECT 1'), '');
  assert.equal(await mysqlClient(ip, 'reader', passwords.reader, 'SELECT 1'), '');
  assert.equal(await mysqlClient(ip, 'root', passwords.root, 'SELECT 1'), '');
  const root = await sqlAs(t, ip, 'root', passwords.root);
  const [app] = await root("SHOW GRANTS FOR 'app'@'%'");
  assert.match(String(app?.DatabasePrivs), /internal\.app: Select_priv,Load_priv/);
  const [reader] = await root("SHOW GRANTS FOR 'reader'@'%'");
  assert.equal(reader?.Roles, 'admin');
  const dbs = (await root('SHOW DATABASES')).map((r) => r.Database);
  assert.ok(dbs.includes('app') && dbs.includes('staging'));
  assert.deepEqual(
    (await root('SELECT count(*) AS n FROM app.t')).map((r) => Number(r.n)),
    [3],
    'each script ran once',
  );

  // Rotation: the new password works and the old one is refused, within seconds.
  const rotated = Date.now();
  await putSecret(ns, 'app-password', { password: passwords.appNext });
  await eventually(async () => (await mysqlClient(ip, 'app', passwords.appNext, 'SELECT 1')) === '', {
    timeoutMs: 15_000,
    what: 'the new password to be accepted',
  });
  const rotationMs = Date.now() - rotated;
  assert.match(await mysqlClient(ip, 'app', passwords.app, 'SELECT 1'), /ERROR 1045/);
  assert.ok(rotationMs < 10_000, `rotation took ${rotationMs} ms`);

  // A grant revoked by hand comes back with the next pass; a grant taken out of the spec is revoked.
  await root("REVOKE LOAD_PRIV ON app.* FROM 'app'@'%'");
  await patchInitializer(ns, 'init', {
    spec: {
      users: [
        {
          name: 'app',
          passwordSecretRef: { name: 'app-password' },
          grants: [
            { privileges: ['SELECT_PRIV'], level: 'app.*' },
            { privileges: ['ALTER_PRIV'], level: 'app.t' },
          ],
        },
      ],
    },
  });
  await eventually(
    async () => {
      const [g] = await root("SHOW GRANTS FOR 'app'@'%'");
      return /internal\.app: Select_priv(;|$)/.test(String(g?.DatabasePrivs)) &&
        String(g?.TablePrivs) === 'internal.app.t: Alter_priv'
        ? g
        : false;
    },
    { timeoutMs: 20_000, what: 'the grants of app to follow the spec' },
  );
  // reader left the list: it is not touched.
  assert.equal(await mysqlClient(ip, 'reader', passwords.reader, 'SELECT 1'), '');

  // ensure: absent drops it.
  await patchInitializer(ns, 'init', {
    spec: {
      users: [
        {
          name: 'app',
          passwordSecretRef: { name: 'app-password' },
          grants: [
            { privileges: ['SELECT_PRIV'], level: 'app.*' },
            { privileges: ['ALTER_PRIV'], level: 'app.t' },
          ],
        },
        { name: 'reader', ensure: 'absent' },
      ],
    },
  });
  await eventually(
    async () => /ERROR 1045/.test(await mysqlClient(ip, 'reader', passwords.reader, 'SELECT 1')),
    {
      timeoutMs: 20_000,
      what: 'reader to be dropped',
    },
  );
  const after = await waitPhase(ns, 'init', 'Ready', 20_000);
  assert.deepEqual(
    after.status?.users?.map((u: { name: string; state: string }) => [u.name, u.state]),
    [
      ['app', 'Present'],
      ['reader', 'Absent'],
    ],
  );
  // Scripts did not run again on any of these passes.
  assert.deepEqual(
    (await root('SELECT count(*) AS n FROM app.t')).map((r) => Number(r.n)),
    [3],
  );

  // A changed script is not run again, unless rerunOnChange says so.
  const scripts = (seed: object) => ({
    spec: {
      initSQL: [
        { name: 'tables', configMapKeyRef: { name: 'schema', key: 'tables.sql' } },
        { name: 'seed', ...seed },
      ],
    },
  });
  await patchInitializer(ns, 'init', scripts({ sql: 'INSERT INTO app.t VALUES (4);' }));
  await eventually(
    async () =>
      (await getInitializer(ns, 'init')).status?.scripts?.find((x: { name: string }) => x.name === 'seed')
        ?.state === 'Changed',
    { timeoutMs: 20_000, what: 'the changed script to be reported Changed' },
  );
  assert.deepEqual(
    (await root('SELECT count(*) AS n FROM app.t')).map((r) => Number(r.n)),
    [3],
  );
  await patchInitializer(ns, 'init', scripts({ sql: 'INSERT INTO app.t VALUES (4);', rerunOnChange: true }));
  await eventually(async () => Number((await root('SELECT count(*) AS n FROM app.t'))[0]?.n) === 4, {
    timeoutMs: 20_000,
    what: 'the changed script to run with rerunOnChange',
  });
  await waitPhase(ns, 'init', 'Ready', 20_000);

  // S7: no password in the operator's log, the namespace's events, or the initializer.
  const events = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
  });
  const seen = [
    logs.join(''),
    JSON.stringify(events.items),
    JSON.stringify(await getInitializer(ns, 'init')),
  ];
  assert.ok(
    events.items.some((e) => e.reason === 'UserChanged'),
    'the user changes are recorded as events',
  );
  for (const [what, value] of Object.entries(passwords))
    for (const [i, text] of seen.entries())
      assert.ok(
        !text.includes(value),
        `the ${what} password appears in ${['the log', 'events', 'the initializer'][i]}`,
      );

  // The simulator's log: every script statement reached Doris once.
  const sim = await simulator();
  const inserts = (await sim.log()).filter(
    (e) => e.kind === 'statement' && e.cluster?.startsWith(`${ns}/`) && /^INSERT INTO app\.t/.test(e.text),
  );
  assert.equal(inserts.length, 3, inserts.map((e) => e.text).join('\n'));
});
