/**
 * What a DorisCluster makes the operator do on its author's behalf, checked through the real API
 * server: a ConfigMap named as a component's conf file is copied into the cluster's conf, so its
 * author must be allowed to read it (SubjectAccessReview, as a tenant's ServiceAccount); and in a
 * namespace enforcing the restricted profile the BEs' privileged host preparation is warned about.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/doris-cluster.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { ApiError } from '../../src/kube/rest.ts';
import { installCrds } from '../api/support.ts';
import { clientAs, eventually, testEnv } from '../support/env.ts';
import { baseCluster } from './cases.ts';
import { kubectlApply, SCOPE_LABEL, scopedNamespace, startWebhook, waitForWebhook } from './support.ts';

test('a tenant may name as conf file only a ConfigMap it may read; a restricted namespace is warned about host preparation', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  const hook = await startWebhook(t);
  const ns = await scopedNamespace(t, hook.scope);
  await waitForWebhook(ns);
  const create = (path: string, body: object) => client.request({ method: 'POST', path, body });
  for (const name of ['tenant-conf', 'private-conf'])
    await create(collectionPath(builtin.ConfigMap, ns), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { 'be.conf': 'max_tablet_version_num = 2000\n' },
    });
  await create(collectionPath(builtin.ServiceAccount, ns), {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'tenant' },
  });
  await create(collectionPath(builtin.Role, ns), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'tenant' },
    rules: [
      {
        apiGroups: ['doris.cloudnative.dev'],
        resources: ['dorisclusters'],
        verbs: ['create', 'get', 'update', 'patch'],
      },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['tenant-conf'], verbs: ['get'] },
    ],
  });
  await create(collectionPath(builtin.RoleBinding, ns), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'tenant' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant' },
    subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: ns }],
  });
  const tenant = await clientAs(ns, 'tenant');
  const post = (name: string, configMap: string) =>
    tenant.request({
      method: 'POST',
      path: collectionPath(dorisClusterKind.resource, ns),
      body: baseCluster(name, { spec: { be: { configMapRef: { name: configMap } } } }),
    });

  const refused = await post('leak', 'private-conf').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(refused instanceof ApiError && refused.status === 422, String(refused));
  assert.match(refused.message, /spec\.be\.configMapRef\.name: .*you may not get ConfigMap .*\/private-conf/);
  await post('own', 'tenant-conf');
  const stored = await client.request<{ spec: { be: { configMapRef?: { name: string } } } }>({
    method: 'GET',
    path: objectPath(dorisClusterKind.resource, ns, 'own'),
  });
  assert.equal(stored.spec.be.configMapRef?.name, 'tenant-conf');
  // Naming it on an update needs the same right.
  const swap = await tenant
    .request({
      method: 'PATCH',
      path: objectPath(dorisClusterKind.resource, ns, 'own'),
      contentType: 'application/merge-patch+json',
      body: { spec: { be: { configMapRef: { name: 'private-conf' } } } },
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(swap instanceof ApiError && /you may not get ConfigMap/.test(swap.message), String(swap));

  // A namespace enforcing the restricted profile: the privileged init container would be refused.
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.Namespace, undefined, ns),
    contentType: 'application/merge-patch+json',
    body: {
      metadata: { labels: { [SCOPE_LABEL]: hook.scope, 'pod-security.kubernetes.io/enforce': 'restricted' } },
    },
  });
  // The webhook keeps a namespace's labels for up to 10 s.
  let attempt = 0;
  const warned = await eventually(
    async () => {
      const res = await kubectlApply(
        baseCluster(`restricted-${attempt++}`, { spec: { cn: { replicas: 1 } } }),
        ns,
      );
      return res.code === 0 && res.stderr.includes('hostPreparation') ? res : false;
    },
    { timeoutMs: 20_000, intervalMs: 1000, what: 'the restricted profile warned about' },
  );
  for (const c of ['be', 'cn'])
    assert.ok(
      warned.stderr.includes(
        `Warning: spec.${c}.hostPreparation.enabled: the namespace enforces the restricted pod security profile`,
      ),
      warned.stderr,
    );
  const prepared = await kubectlApply(
    baseCluster('prepared', { spec: { be: { hostPreparation: { enabled: false } } } }),
    ns,
  );
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.ok(!prepared.stderr.includes('hostPreparation'), prepared.stderr);
});
