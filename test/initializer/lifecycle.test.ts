/**
 * A DorisInitializer over its cluster's life: root's password from the initializer's Secret, a
 * missing Secret reported by the initializer without stopping the cluster; a cluster deleted and
 * created again on its retained claims is the same Doris (nothing runs twice), one created on new
 * claims is a new Doris (scripts run afresh).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { createCluster, waitReady } from '../cluster/support.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  createInitializer,
  feIp,
  getInitializer,
  mysqlClient,
  putSecret,
  startManagerProcess,
  waitPhase,
} from './support.ts';

const clusterSpec = {
  version: '2.1.7',
  authSecretRef: { name: 'doris-auth' },
  fe: { replicas: 1 },
  be: { replicas: 1 },
};

async function recreateCluster(ns: string, dropClaims: boolean): Promise<void> {
  const { client } = await testEnv();
  await client.request({ method: 'DELETE', path: objectPath(dorisClusterKind.resource, ns, 'doris') });
  await eventually(
    async () =>
      (
        await client.request<{ items: KubeObject[] }>({
          method: 'GET',
          path: collectionPath(builtin.Pod, ns),
        })
      ).items.length === 0,
    { timeoutMs: 60_000, what: 'the pods to go' },
  );
  if (dropClaims) {
    const claims = await client.request<{ items: KubeObject[] }>({
      method: 'GET',
      path: collectionPath(builtin.PersistentVolumeClaim, ns),
    });
    for (const c of claims.items)
      await client.request({
        method: 'DELETE',
        path: objectPath(builtin.PersistentVolumeClaim, ns, c.metadata.name),
      });
    await eventually(
      async () =>
        (
          await client.request<{ items: KubeObject[] }>({
            method: 'GET',
            path: collectionPath(builtin.PersistentVolumeClaim, ns),
          })
        ).items.length === 0,
      { timeoutMs: 60_000, what: 'the claims to go' },
    );
  }
  await createCluster(ns, 'doris', clusterSpec);
  await waitReady(ns, 'doris', 120_000);
}

test("root's password from the initializer; scripts follow Doris' own identity", async (t) => {
  const ns = await newNamespace(t, 'di-life');
  const logs: string[] = [];
  await startManagerProcess(t, ns, logs);
  await putSecret(ns, 'doris-auth', { username: 'k8sop', password: 'Op-0c2e-secret' });
  await createCluster(ns, 'doris', clusterSpec);
  await createInitializer(ns, 'init', {
    clusterRef: { name: 'doris' },
    rootPasswordSecretRef: { name: 'root-password' },
    initSQL: [{ name: 'db', sql: 'CREATE DATABASE IF NOT EXISTS d1;' }],
  });
  // The initializer's Secret is missing: the cluster is not held up, the initializer says why.
  await waitReady(ns, 'doris', 120_000);
  const waiting = await waitPhase(ns, 'init', 'Failed', 30_000);
  assert.match(
    waiting.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.message,
    /spec\.rootPasswordSecretRef: Secret .*root-password does not exist; root keeps its password/,
  );
  // The scripts do not wait for it (they run in the background: Applied shortly after).
  await eventually(async () => (await getInitializer(ns, 'init')).status?.scripts?.[0]?.state === 'Applied', {
    timeoutMs: 20_000,
    what: 'the script to be applied while the root Secret is missing',
  });

  await putSecret(ns, 'root-password', { password: 'Root-5d1a-secret' });
  await waitPhase(ns, 'init', 'Ready', 30_000);
  const ip = await feIp(ns, 'doris');
  await eventually(async () => (await mysqlClient(ip, 'root', 'Root-5d1a-secret', 'SELECT 1')) === '', {
    timeoutMs: 30_000,
    what: "root to take the initializer's password",
  });

  // Nothing runs twice on the same Doris, even through a new DorisCluster object on the old claims.
  const sim = await simulator();
  const runs = async () =>
    (await sim.log()).filter(
      (e) =>
        e.kind === 'statement' &&
        e.cluster?.startsWith(`${ns}/`) &&
        e.text === 'CREATE DATABASE IF NOT EXISTS d1',
    ).length;
  assert.equal(await runs(), 1);
  const id = (await getInitializer(ns, 'init')).status?.dorisClusterId;
  assert.ok(id, 'the Doris the scripts ran on is recorded');
  await recreateCluster(ns, false);
  await waitPhase(ns, 'init', 'Ready', 30_000);
  assert.equal((await getInitializer(ns, 'init')).status?.dorisClusterId, id);
  assert.equal(await runs(), 1, 'the same Doris: the script did not run again');

  // New claims, new metadata: a new Doris, on which the scripts run afresh.
  await recreateCluster(ns, true);
  await eventually(
    async () => {
      const di = await getInitializer(ns, 'init');
      return di.status?.dorisClusterId !== id && di.status?.scripts?.[0]?.state === 'Applied' ? di : false;
    },
    { timeoutMs: 60_000, what: 'the script to run on the new Doris' },
  );
  assert.equal(await runs(), 2);
  const { client } = await testEnv();
  const events = await client.request<{ items: { reason?: string }[] }>({
    method: 'GET',
    path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
  });
  assert.ok(events.items.some((e) => e.reason === 'DorisReplaced'));
});
