/**
 * Informers on the real API server: the cache equals the server after bursts of changes, and no
 * change is lost across an API server restart or a forced 410 Gone (compacted history).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { Informer } from '../../src/runtime/informer.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { ControlPlane, kubeconfigYaml } from '../support/control-plane.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

/** What handlers were told, folded into the state they imply: name -> data.v. */
function track(informer: Informer): { state: Map<string, string>; log: string[] } {
  const state = new Map<string, string>();
  const log: string[] = [];
  const set = (o: KubeObject) => {
    state.set(o.metadata.name, o.data?.v ?? '');
  };
  informer.addHandler({
    add: (o) => {
      log.push(`add ${o.metadata.name}`);
      set(o);
    },
    update: (_old, o) => {
      log.push(`update ${o.metadata.name}=${o.data?.v}`);
      set(o);
    },
    delete: (o) => {
      log.push(`delete ${o.metadata.name}`);
      state.delete(o.metadata.name);
    },
  });
  return { state, log };
}

async function serverState(client: RestClient, ns: string): Promise<Map<string, string>> {
  const list = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.ConfigMap, ns),
  });
  return new Map(
    list.items
      .filter((c) => c.metadata.name !== 'kube-root-ca.crt')
      .map((c) => [c.metadata.name, c.data?.v ?? '']),
  );
}

function withoutRootCA(m: Map<string, string>): Map<string, string> {
  const copy = new Map(m);
  copy.delete('kube-root-ca.crt');
  return copy;
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const cm = (name: string, v: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { v },
});

test('the cache matches the server after 1,000 objects are created, updated and deleted in bursts', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'burst');
  const informer = new Informer(client, builtin.ConfigMap, { namespace: ns, resyncMs: 0, pageSize: 100 });
  const { state } = track(informer);
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();

  const names = Array.from({ length: 1000 }, (_, i) => `cm-${i}`);
  await inBatches(names, 50, (n) =>
    client.request({ method: 'POST', path: collectionPath(builtin.ConfigMap, ns), body: cm(n, '1') }),
  );
  await inBatches(
    names.filter((_, i) => i % 2 === 0),
    50,
    (n) =>
      client.request({
        method: 'PATCH',
        path: objectPath(builtin.ConfigMap, ns, n),
        contentType: 'application/merge-patch+json',
        body: { data: { v: '2' } },
      }),
  );
  await inBatches(
    names.filter((_, i) => i % 3 === 0),
    50,
    (n) => client.request({ method: 'DELETE', path: objectPath(builtin.ConfigMap, ns, n) }),
  );

  const want = await serverState(client, ns);
  assert.equal(want.size, 1000 - Math.ceil(1000 / 3));
  await eventually(
    () => JSON.stringify([...withoutRootCA(state)].sort()) === JSON.stringify([...want].sort()),
    {
      what: 'handlers to reflect the server',
    },
  );
  const cached = new Map(
    informer.store
      .list()
      .filter((o) => o.metadata.name !== 'kube-root-ca.crt')
      .map((o) => [o.metadata.name, o.data?.v ?? '']),
  );
  assert.deepEqual([...cached].sort(), [...want].sort(), 'the store equals the server');
  assert.equal(informer.stats.lists, 1, 'one list, then only watch events');
});

test('no change is lost across an API server restart', async (t) => {
  const cp = await ControlPlane.start({ nodes: 1 });
  t.after(() => cp.stop());
  const client = cp.client();
  const ns = 'default';
  const informer = new Informer(client, builtin.ConfigMap, { namespace: ns, resyncMs: 0 });
  const { state, log } = track(informer);
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  const post = (name: string) =>
    client.request({ method: 'POST', path: collectionPath(builtin.ConfigMap, ns), body: cm(name, '1') });
  await post('kept');
  await post('changed');
  await post('removed');
  await eventually(() => state.size >= 3);

  await cp.restartApiServer(1000);
  // Changes made right after the restart, racing the informer's reconnect.
  await post('created');
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.ConfigMap, ns, 'changed'),
    contentType: 'application/merge-patch+json',
    body: { data: { v: '2' } },
  });
  await client.request({ method: 'DELETE', path: objectPath(builtin.ConfigMap, ns, 'removed') });

  const want = await serverState(client, ns);
  await eventually(
    () => JSON.stringify([...withoutRootCA(state)].sort()) === JSON.stringify([...want].sort()),
    {
      what: `the informer to catch up (log: ${log.join(', ')})`,
      timeoutMs: 30_000,
    },
  );
  assert.ok(
    log.includes('add created') && log.includes('update changed=2') && log.includes('delete removed'),
    log.join(', '),
  );
  assert.ok(informer.stats.watches >= 2, 'the watch was re-established');
});

test('a forced 410 Gone relists and still reports every change', async (t) => {
  // Without the watch cache, watches are served from etcd's history, which compaction erases.
  const cp = await ControlPlane.start({ nodes: 1, apiServerArgs: ['--watch-cache=false'] });
  t.after(() => cp.stop());
  const admin = cp.client();
  const proxy = await TcpProxy.start(Number(new URL(cp.info.server).port));
  t.after(() => proxy.close());
  const viaProxy = await RestClient.fromKubeconfigText(
    kubeconfigYaml(`https://127.0.0.1:${proxy.port}`, cp.info.caPem, cp.info.token),
  );
  t.after(() => viaProxy.close());

  const ns = 'default';
  const informer = new Informer(viaProxy, builtin.ConfigMap, { namespace: ns, resyncMs: 0 });
  const { state, log } = track(informer);
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  const post = (name: string) =>
    admin.request({ method: 'POST', path: collectionPath(builtin.ConfigMap, ns), body: cm(name, '1') });
  await post('a');
  await post('b');
  await eventually(() => state.has('a') && state.has('b'));

  proxy.cut();
  await post('c');
  await admin.request({ method: 'DELETE', path: objectPath(builtin.ConfigMap, ns, 'a') });
  await admin.request({
    method: 'PATCH',
    path: objectPath(builtin.ConfigMap, ns, 'b'),
    contentType: 'application/merge-patch+json',
    body: { data: { v: '2' } },
  });
  await cp.compactEtcd();
  const relistsBefore = informer.stats.relists;
  proxy.restore();

  const want = await serverState(admin, ns);
  await eventually(
    () => JSON.stringify([...withoutRootCA(state)].sort()) === JSON.stringify([...want].sort()),
    {
      what: 'the informer to relist',
      timeoutMs: 60_000,
    },
  );
  assert.ok(informer.stats.relists > relistsBefore, 'the informer relisted after 410');
  assert.ok(log.includes('add c') && log.includes('delete a') && log.includes('update b=2'), log.join(', '));
});

test('a metadata-only informer syncs on an empty namespace and follows objects without their content', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'meta');
  const informer = new Informer(client, builtin.Secret, { namespace: ns, metadataOnly: true, resyncMs: 0 });
  const { log } = track(informer);
  informer.start();
  t.after(() => informer.stop());
  // The API server answers an empty metadata list with `items: null`.
  await informer.waitForSync(AbortSignal.timeout(10_000));
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, ns),
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { v: 'secret' } },
  });
  const cached = await eventually(() => informer.store.get(`${ns}/s`), { what: 'the Secret seen' });
  assert.equal(cached.data, undefined, 'no data in a metadata-only cache');
  assert.ok(cached.metadata.resourceVersion);
  await client.request({ method: 'DELETE', path: objectPath(builtin.Secret, ns, 's') });
  await eventually(() => log.includes('delete s'), { what: 'the delete seen' });
  assert.deepEqual(log, ['add s', 'delete s']);
});
