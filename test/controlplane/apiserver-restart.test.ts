/**
 * A watch survives an API server restart: the harness restarts kube-apiserver on the same port and
 * etcd data, and a watch resumed from its last resourceVersion misses nothing that changed while
 * it was down. Runs on a private control plane so the restart disturbs no other test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { ControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/env.ts';

interface WatchEvent {
  type: string;
  object: { metadata: { name: string; resourceVersion: string } };
}

test('a watch resumed from its resourceVersion survives an API server restart', async (t) => {
  const cp = await ControlPlane.start({ nodes: 1 });
  t.after(() => cp.stop());
  const client = await RestClient.fromKubeconfigFile(cp.info.kubeconfigPath);
  t.after(() => client.close());
  const ns = 'watched';
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  });
  const list = await client.request<{ metadata: { resourceVersion: string } }>({
    method: 'GET',
    path: collectionPath(builtin.ConfigMap, ns),
  });

  const seen: string[] = [];
  let resourceVersion = list.metadata.resourceVersion;
  let reconnects = 0;
  let allowReconnect = true;
  const abort = new AbortController();
  t.after(() => abort.abort());
  const watching = (async () => {
    while (!abort.signal.aborted) {
      try {
        await client.stream(
          {
            method: 'GET',
            path: collectionPath(builtin.ConfigMap, ns),
            query: { watch: true, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 60 },
            timeoutMs: 120_000,
          },
          (value) => {
            const event = value as WatchEvent;
            resourceVersion = event.object.metadata.resourceVersion;
            if (event.type !== 'BOOKMARK') seen.push(`${event.type} ${event.object.metadata.name}`);
          },
          abort.signal,
        );
      } catch {
        // The API server went away; reconnect below.
      }
      while (!allowReconnect && !abort.signal.aborted) await sleep(50);
      reconnects++;
      await sleep(200);
    }
  })();

  const create = (name: string) =>
    client.request({
      method: 'POST',
      path: collectionPath(builtin.ConfigMap, ns),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: '1' } },
    });
  await create('before');
  await eventually(() => seen.includes('ADDED before'), { what: 'the first event' });

  allowReconnect = false;
  const reconnectsBefore = reconnects;
  await cp.restartApiServer(500);
  // Changes made after the restart but before the watch reconnects must still arrive.
  await create('while-disconnected');
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.ConfigMap, ns, 'before'),
    contentType: 'application/merge-patch+json',
    body: { data: { v: '2' } },
  });
  allowReconnect = true;
  await create('after');

  await eventually(() => seen.includes('ADDED after'), {
    what: 'events after the restart',
    timeoutMs: 30_000,
  });
  abort.abort();
  await watching;
  assert.ok(reconnects > reconnectsBefore, 'the watch was broken by the restart and reconnected');
  assert.deepEqual(seen, ['ADDED before', 'ADDED while-disconnected', 'MODIFIED before', 'ADDED after']);
});
