/**
 * At Doris' own pace (S1): heartbeats every 10 s (a BE is alive only from the first one after its
 * start), the tablet scheduler on the same 10 s round, and the alter daemon dropping an emptied
 * decommissioned BE every 10 s, and not while group-commit WALs are pending on it. A BE scale-in
 * must wait for all of it: DECOMMISSION, the replicas moved, the WAL replayed, Doris' own drop of
 * the row, and only then the pod. Its own control plane and simulator,
 * since these periods apply to every member of a simulator.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  eventually,
  newNamespace,
  type PrivateEnvironment,
  privateEnvironment,
  simulator,
} from '../support/env.ts';
import {
  createCluster,
  getCluster,
  logMark,
  namespaceLog,
  patchSpec,
  replicaTotal,
  startOperator,
  waitReady,
} from './support.ts';

let env: PrivateEnvironment;
before(async () => {
  env = await privateEnvironment({ tickMs: 10_000, alterCycleMs: 10_000, decommissionTabletsPerTick: 10 });
});
after(() => env.stop());

test('BE scale-in with 10 s heartbeats, scheduler rounds and drop cycle, and a pending WAL: the pod goes only after Doris drops the row', async (t) => {
  const ns = await newNamespace(t, 'real-pace');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 4 } });
  await waitReady(ns, 'doris', 240_000);
  const key = `${ns}/doris-fe`;
  const sim = await simulator();
  await eventually(async () => (await replicaTotal(key)) === 22 * 3, {
    timeoutMs: 120_000,
    intervalMs: 1000,
    what: 'the internal tables at replication 3',
  });
  const total = await replicaTotal(key);
  const since = await logMark();
  const host = `doris-be-3.doris-be-internal.${ns}.svc.cluster.local`;
  // Group-commit WALs still to replay on be-3: Doris keeps its emptied row through its 10 s cycles.
  await sim.setPendingWal(key, host, 1);
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  const be3 = async () => (await sim.cluster(key))?.backends.find((b) => b.host === host);
  await eventually(async () => (await be3())?.tablets === 0, {
    timeoutMs: 240_000,
    intervalMs: 1000,
    what: 'be-3 emptied',
  });
  await new Promise((r) => setTimeout(r, 25_000)); // two alter cycles and more
  assert.equal((await be3())?.decommissioned, true, 'the row stays while a WAL is pending');
  assert.equal((await getCluster(ns, 'doris')).status?.be?.members?.length, 4, 'and so does the pod');
  await sim.setPendingWal(key, host, 0);
  await eventually(async () => (await getCluster(ns, 'doris')).status?.be?.members?.length === 3, {
    timeoutMs: 240_000,
    intervalMs: 1000,
    what: 'be-3 removed',
  });
  const log = await namespaceLog(ns, since);
  const decommission = log.findIndex(
    (e) => e.kind === 'statement' && /DECOMMISSION/.test(e.text) && e.text.includes(host),
  );
  const dropped = log.findIndex(
    (e) => e.text.includes('decommissioned and dropped') && e.text.includes(host),
  );
  const podGone = log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/doris-be-3`);
  assert.ok(
    decommission >= 0 && dropped > decommission && podGone > dropped,
    'DECOMMISSION, Doris drops the row, then the pod',
  );
  assert.ok(!log.some((e) => e.kind === 'statement' && /DROPP/.test(e.text)), 'Doris dropped it itself');
  assert.equal(await replicaTotal(key), total, 'no replica lost');
  assert.equal((await sim.cluster(key))?.backends.length, 3);
});
