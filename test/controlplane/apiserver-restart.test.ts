/**
 * The harness restarts kube-apiserver on the same port and etcd data, and watches survive it the
 * way real clients make them survive: the broken watch is resumed from its last resourceVersion;
 * when the restarted server's watch cache no longer reaches that far back it answers 410 Expired,
 * and a relist then holds every change made while the watch was down. Runs on a private control
 * plane so the restart disturbs no other test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { isGone, RestClient } from '../../src/kube/rest.ts';
import { ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/env.ts';

interface ConfigMap {
  metadata: { name: string; resourceVersion: string };
  data?: Record<string, string>;
}
interface WatchEvent {
  type: string;
  object: ConfigMap & { code?: number; reason?: string };
}

test('a watch survives an API server restart on the same port and data', async (t) => {
  const cp = await ControlPlane.start({ nodes: 1 });
  t.after(() => cp.stop());
  const client = await RestClient.fromKubeconfigFile(cp.info.kubeconfigPath);
  t.after(() => client.close());
  const ns = 'default';
  const path = collectionPath(builtin.ConfigMap, ns);
  const create = (name: string) =>
    client.request({
      method: 'POST',
      path,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: '1' } },
    });
  const watch = (resourceVersion: string, events: WatchEvent[], signal?: AbortSignal) =>
    client.stream(
      {
        method: 'GET',
        path,
        query: { watch: true, resourceVersion, allowWatchBookmarks: true },
        timeoutMs: 60_000,
      },
      (e) => events.push(e as WatchEvent),
      signal,
    );
  const list = await client.request<{ metadata: { resourceVersion: string } }>({ method: 'GET', path });

  // A watch open across the restart sees the change before it, then breaks.
  const before: WatchEvent[] = [];
  const broken = watch(list.metadata.resourceVersion, before).then(
    () => 'ended',
    () => 'failed',
  );
  await create('before');
  await eventually(() => before.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'before'));
  const lastSeen = before.at(-1)?.object.metadata.resourceVersion ?? '';
  await cp.restartApiServer(500);
  assert.ok(['ended', 'failed'].includes(await broken), 'the restart broke the watch');

  // Changes made while no watch is open.
  await create('while-down');
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.ConfigMap, ns, 'before'),
    contentType: 'application/merge-patch+json',
    body: { data: { v: '2' } },
  });

  // Resuming from the last seen version either replays them or answers 410 Expired.
  const resumed: WatchEvent[] = [];
  const abort = new AbortController();
  const resuming = watch(lastSeen, resumed, abort.signal).catch((err: unknown) => {
    if (!isGone(err)) throw err;
    resumed.push({ type: 'ERROR', object: { metadata: { name: '', resourceVersion: '' }, code: 410 } });
  });
  await eventually(() => resumed.length >= 2 || resumed.some((e) => e.type === 'ERROR'), {
    what: 'the resumed watch',
  });
  abort.abort();
  await resuming;
  const expired = resumed.find((e) => e.type === 'ERROR');
  let resumeFrom: string;
  if (expired !== undefined) {
    assert.equal(expired.object.code, 410, `expected 410 Expired, got ${JSON.stringify(expired.object)}`);
    const relist = await client.request<{ metadata: { resourceVersion: string }; items: ConfigMap[] }>({
      method: 'GET',
      path,
    });
    const byName = new Map(relist.items.map((c) => [c.metadata.name, c]));
    assert.equal(byName.get('before')?.data?.v, '2', 'the relist holds the update made while down');
    assert.ok(byName.has('while-down'), 'the relist holds the object created while down');
    resumeFrom = relist.metadata.resourceVersion;
  } else {
    assert.deepEqual(
      resumed.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED while-down', 'MODIFIED before'],
    );
    resumeFrom = resumed.at(-1)?.object.metadata.resourceVersion ?? '';
  }

  // From there the watch continues with what happens next.
  const after: WatchEvent[] = [];
  const abortAfter = new AbortController();
  const continuing = watch(resumeFrom, after, abortAfter.signal).catch(() => {});
  await create('after');
  await eventually(() => after.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'after'), {
    what: 'the event after the restart',
  });
  abortAfter.abort();
  await continuing;
  assert.deepEqual(
    after.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED after'],
  );
});
