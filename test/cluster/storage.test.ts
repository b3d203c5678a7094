/**
 * Storage (S5 and growth): claims survive scale-in and cluster deletion by default; a larger size
 * in the spec grows the existing claims where the storage class allows it, and says so where not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';
import {
  createCluster,
  getCluster,
  logMark,
  namespaceLog,
  patchSpec,
  startOperator,
  waitReady,
} from './support.ts';

async function claims(ns: string): Promise<Map<string, string>> {
  const { client } = await testEnv();
  const list = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.PersistentVolumeClaim, ns),
  });
  return new Map(list.items.map((c) => [c.metadata.name, c.status?.capacity?.storage ?? '']));
}

test('claims grow with the spec where the class allows it, and are retained on scale-in and deletion (S5)', async (t) => {
  const ns = await newNamespace(t, 'storage');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1, storage: { meta: { size: '10Gi', storageClassName: 'fixed' } } },
    be: { replicas: 2, storage: { dataDirs: [{ name: 'storage', size: '50Gi' }] } },
  });
  await waitReady(ns, 'doris');
  assert.equal((await claims(ns)).get('data-storage-doris-be-0'), '50Gi');

  await patchSpec(ns, 'doris', {
    fe: { replicas: 1, storage: { meta: { size: '20Gi', storageClassName: 'fixed' } } },
    be: { replicas: 2, storage: { dataDirs: [{ name: 'storage', size: '80Gi' }] } },
  });
  await eventually(
    async () => {
      const c = await claims(ns);
      return c.get('data-storage-doris-be-0') === '80Gi' && c.get('data-storage-doris-be-1') === '80Gi';
    },
    { timeoutMs: 60_000, what: 'the BE claims to grow to 80Gi' },
  );
  const { client } = await testEnv();
  const warning = await eventually(
    async () => {
      const events = await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: collectionPath(builtin.Event, ns),
      });
      return events.items.find((e) => e.reason === 'ExpansionNotSupported');
    },
    { what: 'a warning for the class that cannot expand' },
  );
  assert.match(
    warning.note,
    /spec\.fe\.storage: claim meta-doris-fe-0 cannot grow from 10Gi to 20Gi: storage class fixed does not allow volume expansion/,
  );
  assert.equal((await claims(ns)).get('meta-doris-fe-0'), '10Gi');

  await patchSpec(ns, 'doris', { be: { replicas: 1 } });
  await eventually(
    async () => {
      const pods = await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: collectionPath(builtin.Pod, ns),
        query: { labelSelector: 'app.kubernetes.io/component=be' },
      });
      return pods.items.length === 1;
    },
    { timeoutMs: 90_000, what: 'be-1 removed' },
  );
  assert.ok((await claims(ns)).has('data-storage-doris-be-1'), 'the claim of a removed BE is retained');

  await client.request({ method: 'DELETE', path: objectPath(dorisClusterKind.resource, ns, 'doris') });
  await eventually(
    async () => {
      const sts = await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: collectionPath(builtin.StatefulSet, ns),
      });
      return sts.items.length === 0;
    },
    { timeoutMs: 60_000, what: 'the StatefulSets to be collected' },
  );
  assert.deepEqual(
    [...(await claims(ns)).keys()].sort(),
    ['data-storage-doris-be-0', 'data-storage-doris-be-1', 'meta-doris-fe-0'],
    'every claim survives the deletion',
  );
});

test('a new BE data directory gets a claim on every member without removing any (StatefulSet replaced, pods kept)', async (t) => {
  const ns = await newNamespace(t, 'datadir');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 2 } });
  await waitReady(ns, 'doris');
  const since = await logMark();
  await patchSpec(ns, 'doris', {
    be: {
      replicas: 2,
      storage: { dataDirs: [{ name: 'storage' }, { name: 'extra', size: '10Gi', medium: 'SSD' }] },
    },
  });
  await eventually(
    async () => {
      const c = await claims(ns);
      const dc = await getCluster(ns, 'doris');
      return (
        c.has('data-extra-doris-be-0') &&
        c.has('data-extra-doris-be-1') &&
        dc.status?.phase === 'Ready' &&
        dc.status.be?.updatedReplicas === 2
      );
    },
    { timeoutMs: 120_000, what: 'claims for the new directory and the members restarted' },
  );
  const log = await namespaceLog(ns, since);
  assert.ok(
    !log.some((e) => e.kind === 'statement' && /DECOMMISSION|DROPP|DROP BACKEND/i.test(e.text)),
    'no backend left Doris',
  );
  assert.deepEqual(
    log.filter((e) => e.kind === 'pod').map((e) => e.member),
    [`${ns}/doris-be-0`, `${ns}/doris-be-1`],
    'each BE restarted once, one at a time, from the bottom up',
  );
});
