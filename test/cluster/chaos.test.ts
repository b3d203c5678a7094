/**
 * Faults: the operator process is SIGKILLed mid-decommission and mid-upgrade and a new one
 * resumes correctly (S8, S1, S6); with the FE unreachable nothing destructive happens (S3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, newNamespace, simulator } from '../support/env.ts';
import {
  backendsWithTablets,
  createCluster,
  getCluster,
  internalReplicas,
  logMark,
  namespaceLog,
  operatorProcess,
  patchSpec,
  startOperator,
  waitReady,
} from './support.ts';

test('an operator killed mid-decommission is replaced and the scale-in completes safely (S8, S1)', async (t) => {
  const ns = await newNamespace(t, 'kill-scale');
  const first = await operatorProcess(t, ns);
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
  first.kill('SIGKILL');
  await sim.setDecommissionRate(key, host, null);
  await operatorProcess(t, ns);
  const dc = await waitReady(ns, 'doris', 120_000);
  assert.equal(dc.status?.be?.ready, '3/3');
  const log = await namespaceLog(ns);
  const dropped = log.findIndex(
    (e) => e.text.includes('decommissioned and dropped') && e.text.includes(host),
  );
  const gone = log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/doris-be-3`);
  assert.ok(dropped >= 0 && gone > dropped, 'the pod went only after Doris finished the decommission');
  const decommissions = log.filter(
    (e) => e.kind === 'statement' && e.text.includes('DECOMMISSION') && e.text.includes(host),
  );
  assert.equal(decommissions.length, 1, 'the new operator did not start the decommission again');
  assert.equal(
    (await sim.cluster(key))?.backends.reduce((n, b) => n + b.tablets, 0),
    36 + internalReplicas,
    'no replica lost',
  );
});

test('an operator killed while tablet balancing is paused turns it back on after restarting (S8, S6)', async (t) => {
  const ns = await newNamespace(t, 'kill-upgrade');
  const first = await operatorProcess(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 3 } });
  await waitReady(ns, 'doris', 120_000);
  const since = await logMark();
  await patchSpec(ns, 'doris', { version: '2.1.8' });
  await eventually(
    async () =>
      (await namespaceLog(ns, since)).some(
        (e) => e.kind === 'statement' && /disable_balance.*true/i.test(e.text) && !e.error,
      ),
    { what: 'balancing paused', intervalMs: 20 },
  );
  first.kill('SIGKILL');
  const paused = await getCluster(ns, 'doris');
  assert.equal(
    paused.status?.conditions?.find((c) => c.type === 'TabletBalancingPaused')?.status,
    'True',
    'status remembers it',
  );
  await operatorProcess(t, ns);
  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.phase === 'Ready' &&
        c.status.version === '2.1.8' &&
        c.status.observedGeneration === c.metadata.generation
        ? c
        : false;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: 'the upgrade to finish under the new operator' },
  );
  assert.equal(dc.status?.conditions?.find((c) => c.type === 'TabletBalancingPaused')?.status, 'False');
  const log = await namespaceLog(ns, since);
  const off = log.findLastIndex((e) => e.kind === 'statement' && /disable_balance.*true/i.test(e.text));
  const on = log.findLastIndex((e) => e.kind === 'statement' && /disable_balance.*false/i.test(e.text));
  const trail = log
    .filter((e) => e.kind === 'pod' || /disable_balance|DECOMMISSION/i.test(e.text))
    .map((e) => `${e.kind}:${e.text}${e.error ? ` (${e.error})` : ''}`);
  assert.ok(on > off, `balancing was turned back on after the last pause: ${trail.join(' | ')}`);
});

test('with the FE unreachable, a scale-in takes no destructive step and says why (S3)', async (t) => {
  const ns = await newNamespace(t, 'unknown');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 4 } });
  await waitReady(ns, 'doris', 120_000);
  const sim = await simulator();
  const since = await logMark();
  await sim.setReachable(`${ns}/doris-fe-0`, false);
  t.after(() => sim.setReachable(`${ns}/doris-fe-0`, true).catch(() => {}));
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
      return c.status?.observedGeneration === c.metadata.generation && ready?.status === 'Unknown'
        ? c
        : false;
    },
    { timeoutMs: 30_000, what: 'Ready=Unknown' },
  );
  assert.match(dc.status?.conditions?.find((x) => x.type === 'Ready')?.reason ?? '', /DorisUnreachable/);
  await new Promise((r) => setTimeout(r, 3000));
  const log = await namespaceLog(ns, since);
  assert.ok(
    !log.some((e) => e.kind === 'statement' && /DECOMMISSION|DROP/i.test(e.text)),
    'no decommission or drop was sent',
  );
  assert.ok(!log.some((e) => e.kind === 'pod' && e.member === `${ns}/doris-be-3`), 'no pod removed');

  await sim.setReachable(`${ns}/doris-fe-0`, true);
  await eventually(async () => (await getCluster(ns, 'doris')).status?.be?.members?.length === 3, {
    timeoutMs: 120_000,
    what: 'the scale-in to finish once Doris answers',
  });
});
