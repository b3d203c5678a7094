/** RBAC is enforced, and a test can act as any ServiceAccount through a requested token. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import { ApiError } from '../../src/kube/rest.ts';
import { clientAs, eventually, kubectl, newNamespace, testEnv } from '../support/env.ts';

test('a ServiceAccount token is subject to RBAC', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'rbac');
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ServiceAccount, ns),
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } },
  });
  const reader = await clientAs(ns, 'reader');
  t.after(() => reader.close());
  const list = () => reader.request({ method: 'GET', path: collectionPath(builtin.ConfigMap, ns) });

  const denied = await list().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(denied instanceof ApiError && denied.status === 403, String(denied));
  assert.match(denied.message, /system:serviceaccount:rbac-[0-9a-f]+:reader/);

  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Role, ns),
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'read-configmaps' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.RoleBinding, ns),
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
    },
  });
  await eventually(list, { what: 'the RoleBinding to take effect' });
});

test('kubectl works with the written kubeconfig', async () => {
  const res = await kubectl(['get', 'nodes', '-o', 'name']);
  assert.equal(res.code, 0, res.stderr);
  const { info } = await testEnv();
  assert.deepEqual(res.stdout.trim().split('\n').sort(), info.nodeNames.map((n) => `node/${n}`).sort());
  const zones = await kubectl([
    'get',
    'nodes',
    '-o',
    'jsonpath={.items[*].metadata.labels.topology\\.kubernetes\\.io/zone}',
  ]);
  assert.ok(new Set(zones.stdout.split(' ')).size >= 2, `nodes span zones: ${zones.stdout}`);
});
