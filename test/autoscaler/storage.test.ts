/**
 * Storage autoscaling on the real control plane: a BE data directory that stays fuller than the
 * threshold is grown a step at a time through the DorisCluster's claim expansion, up to maxSize
 * (then a warning), and a directory on a class that cannot expand gets a warning instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { createCluster, getCluster, waitReady } from '../cluster/support.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import { autoscalerEvents, createAutoscaler, getAutoscaler, startAutoscalingOperator } from './support.ts';

const GI = 1024 ** 3;
const dataDirSize = async (ns: string, name: string) => {
  const be = (await getCluster(ns, name)).spec?.be as
    | { storage?: { dataDirs?: { size: string }[] } }
    | undefined;
  return be?.storage?.dataDirs?.[0]?.size;
};
async function claimSize(ns: string, name: string): Promise<string | undefined> {
  const { client } = await testEnv();
  const c = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.PersistentVolumeClaim, ns, name),
  });
  return c.status?.capacity?.storage;
}

test('a filling BE data directory grows step by step to maxSize; a fixed class gets a warning', async (t) => {
  const ns = await newNamespace(t, 'dca-storage');
  await startAutoscalingOperator(t, ns);
  // On failure, what the autoscalers last said.
  t.after(async () => {
    for (const name of ['scaler', 'fixed-scaler'])
      t.diagnostic(
        `${name}: ${JSON.stringify((await getAutoscaler(ns, name).catch(() => undefined))?.status)}`,
      );
  });
  const sim = await simulator();
  const cluster = (storageClassName?: string) => ({
    version: '2.1.8',
    fe: { replicas: 1 },
    be: {
      replicas: 1,
      storage: {
        dataDirs: [{ name: 'storage', size: '50Gi', ...(storageClassName ? { storageClassName } : {}) }],
      },
    },
    cn: { replicas: 1 },
  });
  await createCluster(ns, 'doris', cluster());
  await createCluster(ns, 'fixed', cluster('fixed'));
  await waitReady(ns, 'doris', 120_000);
  await waitReady(ns, 'fixed', 120_000);
  const storage = { be: { usedPercent: 80, forSeconds: 2, stepPercent: 20, maxSize: '70Gi' } };
  const spec = (name: string) => ({
    clusterRef: { name },
    maxReplicas: 2,
    metrics: [{ type: 'CPU', averageUtilization: 80 }],
    syncPeriodSeconds: 1,
    storage,
  });
  await createAutoscaler(ns, 'scaler', spec('doris'));
  await createAutoscaler(ns, 'fixed-scaler', spec('fixed'));

  // 45 of 50 GiB: 90 % for more than 2 s -> 60Gi.
  const be = `${ns}/doris-be-0`;
  const filledAt = Date.now();
  await sim.setDisk(be, { usedBytes: 45 * GI, totalBytes: 50 * GI });
  await eventually(async () => (await claimSize(ns, 'data-storage-doris-be-0')) === '60Gi', {
    timeoutMs: 60_000,
    what: 'the claim grown to 60Gi',
  });
  assert.equal(await dataDirSize(ns, 'doris'), '60Gi');
  assert.ok(Date.now() - filledAt >= 2000, 'not before forSeconds');
  // The kubelet grows the filesystem: 75 %, below the threshold: nothing more.
  await sim.setDisk(be, { totalBytes: 60 * GI });
  await sleep(4000);
  assert.equal(await dataDirSize(ns, 'doris'), '60Gi', 'no growth below the threshold');
  const ok = await getAutoscaler(ns, 'scaler');
  assert.equal((ok.status?.storage as { state: string }[] | undefined)?.[0]?.state, 'Ok');

  // Full again: one more step, capped at maxSize (72Gi would pass 70Gi), then a warning, no more.
  await sim.setDisk(be, { usedBytes: 58 * GI });
  await eventually(async () => (await claimSize(ns, 'data-storage-doris-be-0')) === '70Gi', {
    timeoutMs: 60_000,
    what: 'the claim grown to maxSize',
  });
  await sim.setDisk(be, { usedBytes: 68 * GI, totalBytes: 70 * GI });
  const atLimit = await eventually(
    async () => (await autoscalerEvents(ns, 'scaler')).find((e) => e.reason === 'StorageAtLimit'),
    { timeoutMs: 30_000, what: 'a warning at maxSize' },
  );
  assert.match(
    atLimit.note,
    /spec\.be\.storage\.dataDirs\[storage\]\.size: .*97% full on doris-be-0 and already at maxSize 70Gi/,
  );
  assert.equal(await dataDirSize(ns, 'doris'), '70Gi');
  const grown = (await autoscalerEvents(ns, 'scaler')).filter((e) => e.reason === 'StorageGrown');
  assert.deepEqual(
    grown.map((e) => /to (\d+Gi)/.exec(e.note)?.[1]),
    ['60Gi', '70Gi'],
  );

  // The class `fixed` cannot expand: a warning naming the field, the spec unchanged.
  await sim.setDisk(`${ns}/fixed-be-0`, { usedBytes: 48 * GI, totalBytes: 50 * GI });
  const fixed = await eventually(
    async () => (await autoscalerEvents(ns, 'fixed-scaler')).find((e) => e.reason === 'StorageNotExpandable'),
    { timeoutMs: 30_000, what: 'a warning for the class that cannot expand' },
  );
  assert.match(
    fixed.note,
    /spec\.be\.storage\.dataDirs\[storage\]\.size: data directory storage is 96% full on fixed-be-0, but its storage class does not allow volume expansion/,
  );
  assert.equal(await dataDirSize(ns, 'fixed'), '50Gi');
  assert.equal(
    ((await getAutoscaler(ns, 'fixed-scaler')).status?.storage as { state: string }[] | undefined)?.[0]
      ?.state,
    'NotExpandable',
  );
});
