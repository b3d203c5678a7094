/**
 * Rolling updates (S6): a version change restarts one member at a time in the Doris order (BE,
 * CN, FE observers, followers, master last), each confirmed alive with the new version before the
 * next, with tablet balancing off during the BE phase and back on after. A configuration change
 * restarts the component's members one at a time. A cluster at rest writes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';
import {
  createCluster,
  feRolesLabelled,
  getCluster,
  logMark,
  namespaceLog,
  patchSpec,
  startOperator,
  waitReady,
} from './support.ts';

test('an upgrade restarts BE, CN, FE observers, followers and the master last, one at a time (S6)', async (t) => {
  const ns = await newNamespace(t, 'upgrade');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 4, electionNumber: 3 },
    be: { replicas: 3 },
    cn: { replicas: 1 },
  });
  const before = await waitReady(ns, 'doris', 120_000);
  const oldMaster = before.status?.fe?.members?.find((m) => m.isMaster)?.podName?.replace(/^doris-/, '');
  assert.equal((await feRolesLabelled(ns, 'doris'))[`doris-${oldMaster}`], 'master');
  const since = await logMark();

  await patchSpec(ns, 'doris', { version: '2.1.8' });
  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.phase === 'Ready' &&
        c.status.observedGeneration === c.metadata.generation &&
        c.status.version === '2.1.8'
        ? c
        : false;
    },
    { timeoutMs: 240_000, intervalMs: 500, what: 'the upgrade to finish' },
  );
  for (const c of ['fe', 'be', 'cn'] as const) {
    assert.equal(dc.status?.[c]?.currentVersion, '2.1.8', `${c} runs 2.1.8`);
    assert.equal(dc.status?.[c]?.updatedReplicas, dc.status?.[c]?.replicas);
  }

  const log = await namespaceLog(ns, since);
  // Pod deletions, in order, as the simulator saw the processes go.
  const restarts = log.filter((e) => e.kind === 'pod').map((e) => (e.member ?? '').split('/')[1] ?? '');
  const order = restarts.map((p) => p.replace(/^doris-/, ''));
  const phase = (p: string) => (p.startsWith('be') ? 0 : p.startsWith('cn') ? 1 : 2);
  assert.deepEqual(
    [...order].sort((a, b) => phase(a) - phase(b)),
    order.map((x) => x),
    `components in Doris order: ${order}`,
  );
  assert.equal(new Set(order).size, 8, `every member restarted once: ${order}`);
  const fe = order.filter((p) => p.startsWith('fe'));
  assert.equal(fe[0], 'fe-3', 'the observer first');
  assert.equal(fe.at(-1), oldMaster, 'the master restarts last');
  // Restarting the master moved it: the labels follow Doris (one master, the observer stays one).
  const roles = await feRolesLabelled(ns, 'doris');
  assert.deepEqual(Object.values(roles).sort(), ['follower', 'follower', 'master', 'observer']);
  assert.equal(roles['doris-fe-3'], 'observer');
  assert.equal(roles[`doris-${oldMaster}`], 'follower', 'the old master is a follower now');
  const master = (await getCluster(ns, 'doris')).status?.master;
  assert.equal(roles[master ?? ''], 'master', `status.master (${master}) follows`);

  // Balancing off before the first BE restart, back on after the BE phase.
  const stmts = log.filter((e) => e.kind === 'statement').map((e) => e.text);
  const off = log.findIndex((e) => e.kind === 'statement' && /disable_balance.*true/i.test(e.text));
  const on = log.findIndex((e) => e.kind === 'statement' && /disable_balance.*false/i.test(e.text));
  const firstBe = log.findIndex((e) => e.kind === 'pod' && e.member?.includes('-be-'));
  const lastBe = log.findLastIndex((e) => e.kind === 'pod' && e.member?.includes('-be-'));
  assert.ok(off >= 0 && off < firstBe, `balancing off before the BE phase: ${stmts.join(' | ')}`);
  assert.ok(on > lastBe, 'balancing back on after the BE phase');
  assert.equal(
    dc.status?.conditions?.find((c) => c.type === 'TabletBalancingPaused')?.status,
    'False',
    'status no longer says balancing is paused',
  );
});

test('a configuration change restarts the members of that component only; at rest nothing is written', async (t) => {
  const ns = await newNamespace(t, 'config');
  const manager = await startOperator(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 2 } });
  await waitReady(ns, 'doris');
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { config: { max_tablet_version_num: '2000' } } });
  await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return (
        c.status?.observedGeneration === c.metadata.generation &&
        c.status?.phase === 'Ready' &&
        c.status.be?.updatedReplicas === 2
      );
    },
    { timeoutMs: 120_000, what: 'the BE restart to finish' },
  );
  const pods = (await namespaceLog(ns, since)).filter((e) => e.kind === 'pod').map((e) => e.member);
  assert.deepEqual(
    pods,
    [`${ns}/doris-be-0`, `${ns}/doris-be-1`],
    'BEs one at a time, lowest first; the FE untouched',
  );

  // Settled: the cluster's resourceVersion holds still for 3 s (the last status write has landed).
  let last = '';
  let stableSince = Date.now();
  await eventually(
    async () => {
      const rv = (await getCluster(ns, 'doris')).metadata.resourceVersion ?? '';
      if (rv !== last) {
        last = rv;
        stableSince = Date.now();
      }
      return Date.now() - stableSince > 3000;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'the cluster to settle' },
  );
  // At rest: count the operator's writes over a few reconciles.
  const writes: string[] = [];
  manager.client.onRequest((method, code) => {
    if (method !== 'GET' && method !== 'WATCH') writes.push(`${method} ${code}`);
  });
  const { client } = await testEnv();
  // Touch the cluster's labels to trigger reconciles without changing the spec.
  for (let i = 0; i < 3; i++) {
    await client.request({
      method: 'PATCH',
      path: `/apis/${dorisClusterKind.apiVersion}/namespaces/${ns}/dorisclusters/doris`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { touch: String(i) } } },
    });
    await new Promise((r) => setTimeout(r, 700));
  }
  assert.deepEqual(writes, [], 'a cluster at rest causes no writes');
  assert.ok(manager.client instanceof RestClient);
});
