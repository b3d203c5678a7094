/** The test control plane runs real workloads: StatefulSets get scheduled, Running pods with loopback IPs and bound volumes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { ApiError } from '../../src/kube/rest.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';

interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string };
}
interface Claim {
  metadata: { name: string };
  spec: { resources: { requests: { storage: string } } };
  status: { phase?: string; capacity?: { storage?: string } };
}

function statefulSet(name: string, replicas: number, storageClassName?: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: name,
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'apache/doris:fe-2.1.7' }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            ...(storageClassName === undefined ? {} : { storageClassName }),
          },
        },
      ],
    },
  };
}

test('a StatefulSet with a volumeClaimTemplate gets Running pods, Bound claims and loopback pod IPs', async (t) => {
  const { client, info } = await testEnv();
  const ns = await newNamespace(t, 'sts');
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.StatefulSet, ns),
    body: statefulSet('web', 3),
  });

  const pods = await eventually(
    async () => {
      const list = await client.request<{ items: Pod[] }>({
        method: 'GET',
        path: collectionPath(builtin.Pod, ns),
      });
      return list.items.length === 3 &&
        list.items.every((p) => p.status.phase === 'Running' && p.status.podIP)
        ? list.items
        : false;
    },
    { timeoutMs: 60_000, what: '3 Running pods' },
  );
  assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ['web-0', 'web-1', 'web-2']);
  for (const pod of pods) {
    assert.ok(
      pod.status.podIP?.startsWith(`${info.podNetwork}.`),
      `${pod.metadata.name} has IP ${pod.status.podIP}`,
    );
    assert.ok(
      info.nodeNames.includes(pod.spec.nodeName ?? ''),
      `${pod.metadata.name} is bound to a kwok node`,
    );
  }
  assert.equal(new Set(pods.map((p) => p.status.podIP)).size, 3, 'pod IPs are distinct');

  const claims = await client.request<{ items: Claim[] }>({
    method: 'GET',
    path: collectionPath(builtin.PersistentVolumeClaim, ns),
  });
  assert.deepEqual(claims.items.map((c) => [c.metadata.name, c.status.phase]).sort(), [
    ['data-web-0', 'Bound'],
    ['data-web-1', 'Bound'],
    ['data-web-2', 'Bound'],
  ]);
});

test('claims expand only where the storage class allows it', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'expand');
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.StatefulSet, ns),
    body: statefulSet('grow', 1),
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.StatefulSet, ns),
    body: statefulSet('keep', 1, 'fixed'),
  });
  const bound = (name: string) =>
    eventually(
      async () => {
        const c = await client.request<Claim>({
          method: 'GET',
          path: objectPath(builtin.PersistentVolumeClaim, ns, name),
        });
        return c.status.phase === 'Bound' ? c : false;
      },
      { timeoutMs: 60_000, what: `${name} Bound` },
    );
  await bound('data-grow-0');
  await bound('data-keep-0');
  const resize = (name: string) =>
    client.request({
      method: 'PATCH',
      path: objectPath(builtin.PersistentVolumeClaim, ns, name),
      contentType: 'application/merge-patch+json',
      body: { spec: { resources: { requests: { storage: '3Gi' } } } },
    });

  await resize('data-grow-0');
  await eventually(
    async () => {
      const c = await client.request<Claim>({
        method: 'GET',
        path: objectPath(builtin.PersistentVolumeClaim, ns, 'data-grow-0'),
      });
      return c.status.capacity?.storage === '3Gi';
    },
    { what: 'data-grow-0 capacity 3Gi' },
  );

  const refused = await resize('data-keep-0').then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(
    refused instanceof ApiError && refused.status === 403,
    `expansion of a fixed class is refused: ${refused}`,
  );
  assert.match(
    refused.message,
    /only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/,
  );
});
