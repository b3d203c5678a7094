/** The controller manager's garbage collector and Deployment controllers run on the test control plane. */
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { isNotFound } from '../../src/kube/rest.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';

test('deleting an owner garbage-collects its children', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'gc');
  const owner = await client.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: collectionPath(builtin.ConfigMap, ns),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } },
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ConfigMap, ns),
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'child',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
      },
    },
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Deployment, ns),
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    },
  });
  await eventually(
    async () => {
      const pods = await client.request<{ items: unknown[] }>({
        method: 'GET',
        path: collectionPath(builtin.Pod, ns),
      });
      return pods.items.length === 2;
    },
    { what: 'the Deployment pods' },
  );

  await client.request({ method: 'DELETE', path: objectPath(builtin.ConfigMap, ns, 'owner') });
  await client.request({
    method: 'DELETE',
    path: objectPath(builtin.Deployment, ns, 'app'),
    body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
  });

  await eventually(
    async () => {
      try {
        await client.request({ method: 'GET', path: objectPath(builtin.ConfigMap, ns, 'child') });
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    },
    { what: 'the child ConfigMap to be collected' },
  );
  await eventually(
    async () => {
      const [rs, pods] = await Promise.all([
        client.request<{ items: unknown[] }>({ method: 'GET', path: collectionPath(builtin.ReplicaSet, ns) }),
        client.request<{ items: unknown[] }>({ method: 'GET', path: collectionPath(builtin.Pod, ns) }),
      ]);
      return rs.items.length === 0 && pods.items.length === 0;
    },
    { what: 'the ReplicaSet and its pods to be collected' },
  );
});
