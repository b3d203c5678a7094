/** A DorisCluster becomes a running Doris cluster, with status taken from Doris itself. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { newNamespace, testEnv } from '../support/env.ts';
import { createCluster, feRolesLabelled, startOperator, waitReady } from './support.ts';

test('a 3 FE / 3 BE cluster is created, registers in Doris and reports Ready', async (t) => {
  const ns = await newNamespace(t, 'deploy');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 3 }, be: { replicas: 3 } });
  const dc = await waitReady(ns, 'doris');
  const s = dc.status;
  assert.equal(s?.fe?.ready, '3/3');
  assert.equal(s?.be?.ready, '3/3');
  assert.equal(s?.version, '2.1.7');
  const fes = s?.fe?.members ?? [];
  assert.equal(fes.filter((m) => m.isMaster).length, 1, 'one master');
  assert.equal(fes.filter((m) => m.role === 'FOLLOWER').length, 3, 'electionNumber 3: three followers');
  assert.ok((s?.be?.members ?? []).every((m) => m.alive && m.decommission === 'None'));
  // Each FE pod says its role in Doris: one master, two followers.
  const roles = await feRolesLabelled(ns, 'doris');
  assert.deepEqual(Object.values(roles).sort(), ['follower', 'follower', 'master']);
  assert.equal(roles[s?.master ?? ''], 'master', 'status.master names the pod labelled master');

  const { client } = await testEnv();
  const sts = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.StatefulSet, ns),
  });
  assert.deepEqual(sts.items.map((s) => s.metadata.name).sort(), ['doris-be', 'doris-fe']);
  const claims = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.PersistentVolumeClaim, ns),
  });
  assert.equal(claims.items.length, 6, 'a meta claim per FE and a data claim per BE');
  const pods = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, ns),
  });
  for (const pod of pods.items) {
    assert.equal(pod.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  }
});
