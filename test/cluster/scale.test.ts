/**
 * Safe scaling (S1, S2): BE scale-in decommissions first and removes a pod only once Doris has
 * moved every tablet; a stalled decommission never loses the pod and scaling back up cancels it;
 * FE scale-in removes observers through the master before their pods go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  backendsWithTablets,
  createCluster,
  getCluster,
  internalReplicas,
  logMark,
  namespaceLog,
  patchSpec,
  rowCount,
  sqlOn,
  stallReported,
  startOperator,
  tableRows,
  waitReady,
} from './support.ts';

async function podNames(ns: string, component: string): Promise<string[]> {
  const { client } = await testEnv();
  const pods = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, ns),
    query: { labelSelector: `app.kubernetes.io/component=${component}` },
  });
  return pods.items.map((p) => p.metadata.name).sort();
}

test('BE scale-in: decommission, wait for the tablets to move, then remove the pod (S1)', async (t) => {
  const ns = await newNamespace(t, 'scale-be');
  await startOperator(t, ns);
  const { key, host } = await backendsWithTablets(t, ns);
  const sim = await simulator();
  const before = (await sim.cluster(key))?.backends.find((b) => b.host === host)?.tablets ?? 0;
  assert.ok(before > 0, 'be-3 holds tablets');
  await sim.setDecommissionRate(key, host, 1);
  const since = await logMark();

  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(async () => (await podNames(ns, 'be')).length === 3, {
    timeoutMs: 90_000,
    what: 'be-3 removed',
  });
  const dc = await waitReady(ns, 'doris');
  assert.equal(dc.status?.be?.ready, '3/3');
  assert.equal(dc.status?.operation, undefined, 'the operation is over');

  const log = await namespaceLog(ns, since);
  const at = (pred: (e: { kind: string; text: string; member?: string }) => boolean) => log.findIndex(pred);
  const decommission = at(
    (e) => e.kind === 'statement' && e.text.includes('DECOMMISSION BACKEND') && e.text.includes(host),
  );
  const dropped = at((e) => e.text.includes('decommissioned and dropped') && e.text.includes(host));
  const podGone = at((e) => e.kind === 'pod' && e.member === `${ns}/doris-be-3`);
  assert.ok(decommission >= 0, 'DECOMMISSION was sent');
  assert.ok(dropped > decommission, 'Doris finished the decommission');
  assert.ok(
    podGone > dropped,
    `the pod went only after Doris dropped the backend: ${JSON.stringify(log.map((e) => e.text))}`,
  );
  const tablets = (await sim.cluster(key))?.backends.reduce((n, b) => n + b.tablets, 0);
  assert.equal(
    tablets,
    36 + internalReplicas,
    'no replica lost: 12 tablets x 3 replicas, and the internal ones',
  );
  assert.ok(
    !log.some((e) => e.kind === 'statement' && /DROPP/.test(e.text)),
    'Doris dropped the emptied backend itself (drop_backend_after_decommission): no DROPP skipping its checks',
  );
  assert.equal(await rowCount(t, ns, 'doris'), tableRows, 'every row is still there');
});

test('with drop_backend_after_decommission=false the emptied row stays, and the operator drops it once no group-commit WAL is pending', async (t) => {
  const ns = await newNamespace(t, 'keep-row');
  await startOperator(t, ns);
  const { key, host } = await backendsWithTablets(t, ns);
  const sql = await sqlOn(t, ns, 'doris');
  await sql(`ADMIN SET FRONTEND CONFIG ('drop_backend_after_decommission' = 'false')`);
  const sim = await simulator();
  await sim.setPendingWal(key, host, 2);
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });

  // Empty of tablets but WALs still to replay: the registration and the pod stay, and say why.
  const be3 = async () => (await sim.cluster(key))?.backends.find((b) => b.host === host);
  await eventually(async () => (await be3())?.tablets === 0, { timeoutMs: 60_000, what: 'be-3 emptied' });
  const op = await eventually(
    async () => {
      const m = (await getCluster(ns, 'doris')).status?.operation?.message ?? '';
      return /2 group-commit WALs/.test(m) ? m : false;
    },
    { what: 'the operation naming the pending WALs' },
  );
  assert.match(op, /doris-be-3/);
  await sleep(3000);
  assert.equal((await podNames(ns, 'be')).length, 4, 'the pod stays while WALs are pending');
  assert.ok(
    !(await namespaceLog(ns, since)).some((e) => e.kind === 'statement' && /DROPP/.test(e.text)),
    'no DROPP while WALs are pending',
  );

  await sim.setPendingWal(key, host, 0);
  await eventually(async () => (await podNames(ns, 'be')).length === 3, {
    timeoutMs: 90_000,
    what: 'be-3 removed',
  });
  const log = await namespaceLog(ns, since);
  const dropp = log.findIndex((e) => e.kind === 'statement' && /DROPP/.test(e.text) && e.text.includes(host));
  const podGone = log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/doris-be-3`);
  assert.ok(dropp >= 0 && podGone > dropp, 'DROPP of the empty row, then the pod');
  assert.ok(!log.some((e) => e.text.includes('decommissioned and dropped')), 'Doris kept the row');
  assert.equal(
    (await sim.cluster(key))?.backends.reduce((n, b) => n + b.tablets, 0),
    36 + internalReplicas,
    'no replica lost',
  );
  assert.equal(await rowCount(t, ns, 'doris'), tableRows, 'every row is still there');
});

test('a stalled decommission keeps the pod; scaling back up cancels it (S1)', async (t) => {
  const ns = await newNamespace(t, 'stall');
  await startOperator(t, ns);
  const { key, host } = await backendsWithTablets(t, ns);
  const sim = await simulator();
  await sim.setDecommissionRate(key, host, 0);

  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(
    async () => (await sim.cluster(key))?.backends.find((b) => b.host === host)?.decommissioned === true,
    {
      what: 'the decommission to start',
    },
  );
  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const member = c.status?.be?.members?.find((m) => m.podName === 'doris-be-3');
      return c.status?.operation?.type === 'ScaleIn' && member?.decommission === 'Decommissioning'
        ? c
        : false;
    },
    { what: 'the operation and the decommission in status' },
  );
  assert.equal(dc.status?.operation?.member, 'doris-be-3');
  assert.equal(
    dc.status?.be?.members?.find((m) => m.podName === 'doris-be-3')?.decommission,
    'Decommissioning',
  );
  // Held for a while: the operator keeps waiting, never removes the pod while tablets remain.
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(await podNames(ns, 'be'), ['doris-be-0', 'doris-be-1', 'doris-be-2', 'doris-be-3']);
    await new Promise((r) => setTimeout(r, 500));
  }
  await patchSpec(ns, 'doris', { be: { replicas: 4 } });
  await eventually(
    async () => (await sim.cluster(key))?.backends.find((b) => b.host === host)?.decommissioned === false,
    {
      what: 'the decommission to be cancelled',
    },
  );
  const ready = await waitReady(ns, 'doris');
  assert.equal(ready.status?.be?.ready, '4/4');
  assert.deepEqual(await podNames(ns, 'be'), ['doris-be-0', 'doris-be-1', 'doris-be-2', 'doris-be-3']);
});

test('FE scale-in drops observers through the master before their pods go (S2)', async (t) => {
  const ns = await newNamespace(t, 'scale-fe');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 5, electionNumber: 3 },
    be: { replicas: 1 },
  });
  const dc = await waitReady(ns, 'doris');
  const roles = (dc.status?.fe?.members ?? []).map((m) => `${m.podName}:${m.role}`).sort();
  assert.deepEqual(roles, [
    'doris-fe-0:FOLLOWER',
    'doris-fe-1:FOLLOWER',
    'doris-fe-2:FOLLOWER',
    'doris-fe-3:OBSERVER',
    'doris-fe-4:OBSERVER',
  ]);
  const since = await logMark();

  await patchSpec(ns, 'doris', { fe: { replicas: 3 } });
  await eventually(async () => (await podNames(ns, 'fe')).length === 3, {
    timeoutMs: 60_000,
    what: 'two observers removed',
  });
  const after = await waitReady(ns, 'doris');
  assert.equal(after.status?.fe?.members?.length, 3);
  const log = await namespaceLog(ns, since);
  for (const ordinal of [3, 4]) {
    const drop = log.findIndex(
      (e) =>
        e.kind === 'statement' &&
        e.text.includes('DROP OBSERVER') &&
        e.text.includes(`doris-fe-${ordinal}.`) &&
        !e.error,
    );
    const gone = log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/doris-fe-${ordinal}`);
    assert.ok(drop >= 0 && gone > drop, `fe-${ordinal}: dropped (${drop}) before its pod went (${gone})`);
  }
  assert.ok(
    !log.some((e) => e.kind === 'statement' && e.text.includes('DROP FOLLOWER')),
    'no follower dropped',
  );
});

test('tablets left in the recycle bin with drop_backend_after_decommission=false: reported as stalled, never forced (S1)', async (t) => {
  const ns = await newNamespace(t, 'recycled');
  await startOperator(t, ns);
  await backendsWithTablets(t, ns);
  await patchSpec(ns, 'doris', { rollout: { memberTimeoutSeconds: 60 } });
  const sql = await sqlOn(t, ns, 'doris');
  await sql(`ADMIN SET FRONTEND CONFIG ('drop_backend_after_decommission' = 'false')`);
  await sql('DROP TABLE d.t'); // without FORCE: its tablets stay in TabletNum for a day
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const degraded = c.status?.conditions?.find((x) => x.type === 'Degraded');
      return degraded?.status === 'True' ? c : false;
    },
    { timeoutMs: 120_000, intervalMs: 1000, what: 'the stall reported after memberTimeoutSeconds' },
  );
  const degraded = dc.status?.conditions?.find((x) => x.type === 'Degraded');
  assert.equal(degraded?.reason, 'OperationStalled');
  assert.match(degraded?.message ?? '', /decommission of doris-be-3 has not finished .* recycle bin/);
  const be3 = dc.status?.be?.members?.find((m) => m.podName === 'doris-be-3');
  assert.equal(be3?.decommission, 'Decommissioning', `be-3 still holds tablets: ${JSON.stringify(be3)}`);
  assert.ok((be3?.tabletNum ?? 0) > 0);
  const log = await namespaceLog(ns, since);
  assert.ok(!log.some((e) => e.kind === 'statement' && /DROPP/.test(e.text)), 'never forced with DROPP');
  assert.ok(!log.some((e) => e.kind === 'pod'), 'no pod removed');
  assert.deepEqual(await podNames(ns, 'be'), ['doris-be-0', 'doris-be-1', 'doris-be-2', 'doris-be-3']);
});

test('a BE that dies mid-decommission holding single copies: the stall is reported, the pod kept, nothing forced (S1)', async (t) => {
  const ns = await newNamespace(t, 'dead-decom');
  await startOperator(t, ns);
  const { key, host } = await backendsWithTablets(t, ns);
  const sim = await simulator();
  const sql = await sqlOn(t, ns, 'doris');
  await sql(
    'CREATE TABLE d.single (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 8 PROPERTIES ("replication_num" = "1")',
  );
  await patchSpec(ns, 'doris', { rollout: { memberTimeoutSeconds: 60 } });
  await sim.setDecommissionRate(key, host, 0);
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(
    async () => (await sim.cluster(key))?.backends.find((b) => b.host === host)?.decommissioned === true,
    { what: 'the decommission to start' },
  );
  await sim.kill(`${ns}/doris-be-3`);
  await sim.setDecommissionRate(key, host, null);
  const degraded = await stallReported(ns, 'doris');
  assert.match(degraded.message, /decommission of doris-be-3 has not finished/);
  assert.ok(((await sim.cluster(key))?.backends.find((b) => b.host === host)?.tablets ?? 0) > 0);
  const log = await namespaceLog(ns, since);
  assert.ok(!log.some((e) => e.kind === 'statement' && /DROPP/.test(e.text)), 'never forced with DROPP');
  assert.ok(!log.some((e) => e.kind === 'pod'), 'no pod removed');
  assert.equal((await podNames(ns, 'be')).length, 4);
});
