/** Server-side apply writes only when the stored object would change, and notices edits by others. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { Applier } from '../../src/runtime/apply.ts';
import { EventRecorder } from '../../src/runtime/events.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { patchStatus } from '../../src/runtime/status.ts';
import { newNamespace, testEnv } from '../support/env.ts';

test('apply writes on change only, and repairs drift made by someone else', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'apply');
  const requests: string[] = [];
  client.onRequest((method, code) => requests.push(`${method} ${code}`));
  const applier = new Applier(client);
  const desired = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'conf', namespace: ns, labels: { app: 'doris' } },
    data,
  });
  const get = () =>
    client.request<KubeObject>({ method: 'GET', path: objectPath(builtin.ConfigMap, ns, 'conf') });
  const count = async (fn: () => Promise<unknown>) => {
    const before = requests.length;
    await fn();
    return requests.slice(before);
  };

  const created = await applier.apply(builtin.ConfigMap, desired({ a: '1', b: '2' }));
  assert.equal(created.changed, true);
  let live = await get();
  assert.equal(
    live.metadata.managedFields?.some((f) => (f as { manager: string }).manager === 'doris-operator'),
    true,
  );

  // The create's own resourceVersion is remembered: an object at rest costs no request.
  let result: { changed: boolean } | undefined;
  for (let i = 0; i < 3; i++) {
    const atRest = await count(async () => {
      result = await applier.apply(builtin.ConfigMap, desired({ a: '1', b: '2' }), live);
    });
    assert.equal(result?.changed, false);
    assert.deepEqual(atRest, [], 'an object at rest costs no request');
  }

  // A fresh operator process (nothing remembered) checks once with a dry-run and writes nothing.
  const fresh = new Applier(client);
  const firstCheck = await count(async () => {
    result = await fresh.apply(builtin.ConfigMap, desired({ a: '1', b: '2' }), live);
  });
  assert.equal(result?.changed, false);
  assert.deepEqual(firstCheck, ['PATCH 200'], 'one dry-run, no write');

  // Someone edits a field we own (a `kubectl edit`): the next apply restores it.
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.ConfigMap, ns, 'conf'),
    contentType: 'application/merge-patch+json',
    body: { data: { a: 'edited' } },
  });
  live = await get();
  result = await applier.apply(builtin.ConfigMap, desired({ a: '1', b: '2' }), live);
  assert.equal(result.changed, true);
  assert.equal((await get()).data.a, '1');

  // Someone adds a field we do not own: nothing to write.
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.ConfigMap, ns, 'conf'),
    contentType: 'application/merge-patch+json',
    body: { metadata: { annotations: { note: 'added by hand' } } },
  });
  live = await get();
  const unrelated = await count(async () => {
    result = await applier.apply(builtin.ConfigMap, desired({ a: '1', b: '2' }), live);
  });
  assert.equal(result?.changed, false);
  assert.deepEqual(unrelated, ['PATCH 200'], 'only a dry-run, no write');

  // A field we stop setting is removed.
  live = await get();
  result = await applier.apply(builtin.ConfigMap, desired({ a: '1' }), live);
  assert.equal(result.changed, true);
  assert.deepEqual((await get()).data, { a: '1' });
});

test('status is written only when it differs', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'status');
  const pvc = await client.request<KubeObject>({
    method: 'POST',
    path: collectionPath(builtin.PersistentVolumeClaim, ns),
    body: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'c' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: 'none',
      },
    },
  });
  const status = {
    ...pvc.status,
    conditions: [{ type: 'Resizing', status: 'True', reason: 'Test', message: 'm' }],
  };
  assert.equal(await patchStatus(client, builtin.PersistentVolumeClaim, pvc, status), true);
  const after = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.PersistentVolumeClaim, ns, 'c'),
  });
  assert.equal(after.status.conditions[0].reason, 'Test');
  assert.equal(await patchStatus(client, builtin.PersistentVolumeClaim, after, after.status), false);
  // A status computed from a stale object is refused, not written over newer facts.
  await assert.rejects(
    patchStatus(client, builtin.PersistentVolumeClaim, pvc, { phase: 'Pending', conditions: [] }),
    /409/,
  );
});

test('repeated events join one series', async (t) => {
  const { client, info } = await testEnv();
  const ns = await newNamespace(t, 'events');
  const cm = await client.request<KubeObject>({
    method: 'POST',
    path: collectionPath(builtin.ConfigMap, ns),
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
  });
  const own = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  t.after(() => own.close());
  const recorder = new EventRecorder(own, { instance: 'test', seriesUpdateMs: 1000 });
  const regarding = { ...cm, apiVersion: 'v1', kind: 'ConfigMap' };
  const writes: string[] = [];
  own.onRequest((method) => writes.push(method));
  for (let i = 0; i < 2; i++) {
    await recorder.record(regarding, 'Normal', 'ScalingOut', 'Scale', 'scaling be from 3 to 4');
  }
  await recorder.record(regarding, 'Warning', 'DecommissionStalled', 'Decommission', 'be-3 holds 12 tablets');
  const events = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Event, ns),
  });
  const byReason = new Map(events.items.map((e) => [e.reason as string, e]));
  assert.equal(events.items.length, 2);
  assert.equal(byReason.get('ScalingOut')?.series?.count, 2);
  assert.equal(byReason.get('DecommissionStalled')?.type, 'Warning');
  assert.equal(byReason.get('ScalingOut')?.regarding?.name, 'x');
  assert.equal(byReason.get('ScalingOut')?.reportingController, 'doris.cloudnative.dev/doris-operator');

  // More repeats within seriesUpdateMs write nothing; the next one after it writes the whole count.
  const patches = () => writes.filter((m) => m === 'PATCH').length;
  const before = patches();
  for (let i = 0; i < 5; i++)
    await recorder.record(regarding, 'Normal', 'ScalingOut', 'Scale', 'scaling be from 3 to 4');
  assert.equal(patches(), before, 'no write within seriesUpdateMs');
  await new Promise((r) => setTimeout(r, 1000));
  await recorder.record(regarding, 'Normal', 'ScalingOut', 'Scale', 'scaling be from 3 to 4');
  assert.equal(patches(), before + 1);
  const event = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.Event, ns, byReason.get('ScalingOut')?.metadata.name ?? ''),
  });
  assert.equal(event.series?.count, 8);
});
