/** A manager serves metrics and probes, and its controllers follow owned objects back to their owner. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { done, generationChanged } from '../../src/runtime/controller.ts';
import { silentLogger } from '../../src/runtime/log.ts';
import { Manager, type ManagerOptions } from '../../src/runtime/manager.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';

/** A manager watching `namespace`, as the admin of the test control plane. */
async function testManager(namespace: string, opts: Partial<ManagerOptions> = {}): Promise<Manager> {
  const { info } = await testEnv();
  return new Manager({
    client: await RestClient.fromKubeconfigFile(info.kubeconfigPath),
    logger: silentLogger,
    identity: 'test',
    namespaces: [namespace],
    ...opts,
  });
}

test('owned objects requeue their owner; metrics and probes are served', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'mgr');
  const manager = await testManager(ns, { metricsAddress: '127.0.0.1:0', probeAddress: '127.0.0.1:0' });
  const seen: string[] = [];
  // Primary: ConfigMaps; owned: Secrets whose controller is a ConfigMap.
  manager
    .controller('owners', builtin.ConfigMap)
    .owns(builtin.Secret)
    .complete(async ({ key }) => {
      seen.push(`${key.namespace}/${key.name}`);
      return done;
    });
  await manager.start();
  t.after(() => manager.stop());

  const owner = await client.request<KubeObject>({
    method: 'POST',
    path: collectionPath(builtin.ConfigMap, ns),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } },
  });
  await eventually(() => seen.includes(`${ns}/owner`), { what: 'the owner reconciled' });
  const before = seen.length;
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, ns),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'child',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid, controller: true },
        ],
      },
    },
  });
  await eventually(() => seen.slice(before).includes(`${ns}/owner`), {
    what: 'the child to requeue its owner',
  });

  const probe = manager.address('probe')?.port;
  const metrics = manager.address('metrics')?.port;
  assert.equal((await fetch(`http://127.0.0.1:${probe}/healthz`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${probe}/readyz`)).status, 200);
  const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
  assert.match(text, /controller_runtime_reconcile_total\{controller="owners",result="success"\} \d+/);
  assert.match(text, /workqueue_adds_total\{name="owners"\} \d+/);
  assert.match(text, /rest_client_requests_total\{method="WATCH",code="200"\} \d+/);
});

test('a restricted type caches only the objects its selector matches, without managedFields', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'mgr');
  const manager = await testManager(ns);
  manager.cache.restrict(builtin.ConfigMap, 'example.com/mine');
  const seen: string[] = [];
  manager
    .controller('secrets', builtin.Secret)
    .watches(builtin.ConfigMap, (cm) => {
      seen.push(cm.metadata.name);
      return [];
    })
    .complete(async () => done);
  await manager.start();
  t.after(() => manager.stop());
  assert.throws(() => manager.cache.restrict(builtin.ConfigMap, 'x'), /restrict it first/);

  for (const [name, labels] of [
    ['mine', { 'example.com/mine': 'yes' }],
    ['other', {}],
  ] as const)
    await client.request({
      method: 'POST',
      path: collectionPath(builtin.ConfigMap, ns),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { a: 'b' } },
    });
  const mine = await eventually(() => manager.cache.get(builtin.ConfigMap, ns, 'mine'), {
    what: 'the labelled ConfigMap cached',
  });
  assert.equal(mine.metadata.managedFields, undefined, 'managedFields are not kept');
  assert.deepEqual(mine.data, { a: 'b' });
  assert.equal(manager.cache.get(builtin.ConfigMap, ns, 'other'), undefined);
  // kube-root-ca.crt and 'other' exist in the namespace; neither reaches the cache or the watch.
  assert.deepEqual(
    manager.cache.list(builtin.ConfigMap, ns).map((c) => c.metadata.name),
    ['mine'],
  );
  assert.ok(!seen.includes('other') && !seen.includes('kube-root-ca.crt'), seen.join());
});

test('a watch with generationChanged wakes on creation, spec changes and deletion, not on metadata or status', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'mgr');
  const manager = await testManager(ns);
  const passes = { spec: 0, every: 0 };
  // Two watches of one informer: `every` proves each update reached the controller.
  manager
    .controller('generations', builtin.ConfigMap)
    .watches(builtin.Deployment, () => [`${ns}/spec`], generationChanged)
    .watches(builtin.Deployment, () => [`${ns}/every`])
    .complete(async ({ key }) => {
      passes[key.name as keyof typeof passes]++;
      return done;
    });
  await manager.start();
  t.after(() => manager.stop());

  const path = objectPath(builtin.Deployment, ns, 'd');
  const labels = { app: 'd' };
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Deployment, ns),
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    },
  });
  await eventually(() => passes.spec === 1 && passes.every >= 1, { what: 'the creation seen by both' });
  // The controller-manager writes the Deployment's status; a label is a metadata-only change.
  await eventually(
    async () =>
      (
        await client.request<KubeObject & { status?: { observedGeneration?: number } }>({
          method: 'GET',
          path,
        })
      ).status?.observedGeneration === 1,
    { what: 'the status written' },
  );
  const every = passes.every;
  await client.request({
    method: 'PATCH',
    path,
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { touched: 'yes' } } },
  });
  await eventually(() => passes.every > every, { what: 'the label change delivered' });
  await sleep(300);
  assert.equal(passes.spec, 1, 'status and metadata updates wake nothing');

  await client.request({
    method: 'PATCH',
    path,
    contentType: 'application/merge-patch+json',
    body: { spec: { minReadySeconds: 5 } },
  });
  // An update maps its old and its new object: one change may make two passes.
  await eventually(() => passes.spec > 1, { what: 'the spec change woke it' });
  await sleep(300);
  const afterSpec = passes.spec;
  await client.request({ method: 'DELETE', path });
  await eventually(() => passes.spec > afterSpec, { what: 'the deletion woke it' });
});
