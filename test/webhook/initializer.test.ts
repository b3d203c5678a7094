/**
 * DorisInitializer admission through the real API server and kubectl: privileges written loosely
 * are defaulted to GRANT's names, every bad input is refused naming its field (by the CRD schema or
 * by the webhook), and a second initializer of a cluster is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterKind, dorisInitializerKind } from '../../src/api/v1alpha1/index.ts';
import { collectionPath, objectPath } from '../../src/kube/resources.ts';
import { installCrds } from '../api/support.ts';
import { putSecret } from '../initializer/support.ts';
import { testEnv } from '../support/env.ts';
import { kubectlApply, scopedNamespace, startWebhook, waitForWebhook } from './support.ts';

const initializer = (name: string, spec: object) => ({
  apiVersion: dorisInitializerKind.apiVersion,
  kind: 'DorisInitializer',
  metadata: { name },
  spec: { clusterRef: { name: 'doris' }, ...spec },
});

const user = (grants: object[], extra: object = {}) => ({
  users: [{ name: 'app', passwordSecretRef: { name: 'app-password' }, grants, ...extra }],
});

test('DorisInitializer admission: defaults, refusals naming the field, one initializer per cluster', async (t) => {
  await installCrds();
  const hook = await startWebhook(t);
  const ns = await scopedNamespace(t, hook.scope);
  await waitForWebhook(ns);

  // Loosely written privileges are stored as GRANT names them.
  const ok = await kubectlApply(
    initializer('init', user([{ privileges: ['select', 'Load_priv'], level: 'app.*' }])),
    ns,
  );
  assert.equal(ok.code, 0, ok.stderr);
  const { client } = await testEnv();
  const stored = await client.request<{
    spec: { users: { grants: { privileges: string[] }[]; host: string }[] };
  }>({
    method: 'GET',
    path: objectPath(dorisInitializerKind.resource, ns, 'init'),
  });
  assert.deepEqual(stored.spec.users[0]?.grants[0]?.privileges, ['SELECT_PRIV', 'LOAD_PRIV']);
  assert.equal(stored.spec.users[0]?.host, '%', 'the CRD defaults the host');

  // The cluster it initializes logs the operator in as `op` (its auth Secret's username).
  await putSecret(ns, 'op-auth', { username: 'op', password: 'x' });
  await client.request({
    method: 'POST',
    path: collectionPath(dorisClusterKind.resource, ns),
    body: {
      apiVersion: dorisClusterKind.apiVersion,
      kind: 'DorisCluster',
      metadata: { name: 'doris' },
      spec: { version: '2.1.8', authSecretRef: { name: 'op-auth' }, fe: {}, be: {} },
    },
  });
  // (Another cluster: a second initializer of `doris` would be refused.)
  const warned = await kubectlApply(
    initializer('cased', {
      clusterRef: { name: 'other' },
      users: [{ name: 'ROOT', passwordSecretRef: { name: 's' } }],
    }),
    ns,
  );
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(
    warned.stderr,
    /Warning: spec\.users\[0\]\.name: ROOT is not Doris' root: user names are case-sensitive/,
  );
  await client.request({ method: 'DELETE', path: objectPath(dorisInitializerKind.resource, ns, 'cased') });

  const refused: [string, object, RegExp][] = [
    [
      'admin below *.*.*',
      user([{ privileges: ['ADMIN_PRIV'], level: 'app.*' }]),
      /spec\.users\[0\]\.grants\[0\]\.privileges: ADMIN_PRIV can only be granted on level \*\.\*\.\*/,
    ],
    [
      'usage on a table',
      user([{ privileges: ['USAGE_PRIV'], level: 'app.*' }]),
      /spec\.users\[0\]\.grants\[0\]\.privileges: USAGE_PRIV is granted on a workloadGroup or a resource/,
    ],
    [
      'select on a workload group',
      user([{ privileges: ['SELECT_PRIV'], workloadGroup: 'g' }]),
      /only USAGE_PRIV and GRANT_PRIV/,
    ],
    [
      'two targets',
      user([{ privileges: ['SELECT_PRIV'], level: 'app.*', workloadGroup: 'g' }]),
      /spec\.users\[0\]\.grants\[0\]: .*set exactly one of level, workloadGroup or resource/,
    ],
    [
      'unknown privilege',
      user([{ privileges: ['FLY'], level: 'app.*' }]),
      /spec\.users\[0\]\.grants\[0\]\.privileges\[0\]: Unsupported value: "FLY_PRIV": supported values: "NODE_PRIV"/,
    ],
    [
      'bad level',
      user([{ privileges: ['SELECT_PRIV'], level: '*.app.*' }]),
      /spec\.users\[0\]\.grants\[0\]\.level: Invalid value/,
    ],
    [
      'no password',
      { users: [{ name: 'app' }] },
      /spec\.users\[0\]\.passwordSecretRef: Required value: passwordSecretRef is required for a present user/,
    ],
    [
      'root',
      { users: [{ name: 'root', passwordSecretRef: { name: 's' } }] },
      /spec\.users\[0\]\.name: .*root and admin are built-in Doris accounts/,
    ],
    ['operator role', user([], { roles: ['operator'] }), /the operator role cannot be granted/],
    [
      'script without a source',
      { initSQL: [{ name: 's' }] },
      /spec\.initSQL\[0\]: .*set exactly one of sql or configMapKeyRef/,
    ],
    [
      'empty script',
      { initSQL: [{ name: 's', sql: '-- nothing\n;' }] },
      /spec\.initSQL\[0\]\.sql: has no statement/,
    ],
    ['bad database name', { databases: ['1db'] }, /spec\.databases\[0\]: Invalid value/],
    [
      "the operator's own account",
      { users: [{ name: 'op', passwordSecretRef: { name: 's' } }] },
      /spec\.users\[0\]\.name: op is the operator's own account/,
    ],
    [
      'a # comment in a script',
      { initSQL: [{ name: 's', sql: 'CREATE DATABASE a; # make it\n' }] },
      /spec\.initSQL\[0\]\.sql: Doris would refuse it: line 1: # starts no comment in Doris/,
    ],
    ['same database twice', { databases: ['a', 'a'] }, /spec\.databases\[1\]: database a is listed twice/],
  ];
  for (const [what, spec, message] of refused) {
    const r = await kubectlApply(initializer('bad', spec), ns);
    assert.notEqual(r.code, 0, `${what} was accepted`);
    assert.match(r.stderr, message, what);
  }

  // The cluster it initializes cannot change.
  const moved = await kubectlApply(
    {
      ...initializer('init', user([{ privileges: ['SELECT_PRIV'], level: 'app.*' }])),
      spec: { clusterRef: { name: 'other' } },
    },
    ns,
  );
  assert.notEqual(moved.code, 0);
  assert.match(moved.stderr, /spec\.clusterRef: .*clusterRef cannot change/);

  // A second initializer of the same cluster.
  const second = await kubectlApply(initializer('second', { databases: ['x'] }), ns);
  assert.notEqual(second.code, 0);
  assert.match(
    second.stderr,
    /spec\.clusterRef\.name: .*DorisInitializer init already initializes cluster doris/,
  );
});
