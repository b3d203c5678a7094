/**
 * Failover of BEs, compute nodes and brokers (F6): a member dead longer than failover.period gets a
 * replacement, recorded in status before the StatefulSet grows, so an operator SIGKILLed right
 * after the decision carries it out on restart (S8); when the failed member is back, the
 * replacement leaves through the safe scale-in path (CN drained then dropped, broker dropped).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  createCluster,
  createTable,
  getCluster,
  internalReplicas,
  killOperator,
  logMark,
  namespaceLog,
  operatorProcess,
  rowCount,
  startOperator,
  tableRows,
  waitReady,
} from './support.ts';

test('a dead CN and a dead broker are replaced after failover.period, and the replacements leave once they are back (S8: operator killed after the decision)', async (t) => {
  const ns = await newNamespace(t, 'failover');
  let operator: ChildProcess = await operatorProcess(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: { replicas: 1, failover: { period: '5s' } },
    broker: { replicas: 1, failover: { period: '5s' } },
  });
  await waitReady(ns, 'doris', 120_000);
  const sim = await simulator();
  const key = `${ns}/doris-fe`;
  const since = await logMark();
  await sim.kill(`${ns}/doris-cn-0`);
  await sim.kill(`${ns}/doris-broker-0`);

  // The decision is in status before anything grows; the operator dies right then.
  const decided = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.cn?.failures?.[0]?.replacement !== undefined ? c : false;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'the CN failover decision in status' },
  );
  await killOperator(operator);
  const failure = decided.status?.cn?.failures?.[0];
  assert.equal(failure?.member, 'doris-cn-0');
  assert.equal(failure?.replacement, 'doris-cn-1');
  assert.ok(Date.parse(String(failure?.since)) <= Date.now() - 5000, 'replaced only after the period');
  operator = await operatorProcess(t, ns);

  await eventually(
    async () => {
      const c = await sim.cluster(key);
      const alive = (host: string) => c?.backends.find((b) => b.host.startsWith(host))?.alive === true;
      const brokers = c?.brokers.filter((b) => b.alive).length ?? 0;
      return (
        alive('doris-cn-1.') && brokers === 1 && c?.brokers.some((b) => b.host.startsWith('doris-broker-1.'))
      );
    },
    { timeoutMs: 90_000, intervalMs: 500, what: 'doris-cn-1 and doris-broker-1 alive in Doris' },
  );
  // kubectl get shows the count (a member of another component missing a heartbeat under load
  // would count too, hence eventually).
  const degraded = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.phase === 'Degraded' && c.status.failedMembers === 2 ? c : false;
    },
    { timeoutMs: 30_000, what: 'Degraded with 2 failed members' },
  );
  assert.match(
    degraded.status?.conditions?.find((c) => c.type === 'Degraded')?.message ?? '',
    /doris-cn-0: .*doris-broker-0: |doris-broker-0: .*doris-cn-0: /,
  );
  const { client } = await testEnv();
  const events = await client.request<{ items: { reason: string; note: string }[] }>({
    method: 'GET',
    path: collectionPath(builtin.Event, ns),
  });
  assert.ok(
    events.items.some((e) => e.reason === 'FailoverReplacement' && e.note.includes('doris-cn-1')),
    'the decision is an event',
  );

  // Back again: the records go, the replacements leave by the scale-in path.
  await sim.restart(`${ns}/doris-cn-0`);
  await sim.restart(`${ns}/doris-broker-0`);
  const healed = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.phase === 'Ready' &&
        c.status.cn?.members?.length === 1 &&
        c.status.broker?.members?.length === 1 &&
        c.status.cn.failures === undefined
        ? c
        : false;
    },
    { timeoutMs: 150_000, intervalMs: 1000, what: 'the replacements gone and the cluster Ready' },
  );
  assert.equal(healed.status?.broker?.failures, undefined);
  // Doris lists one member of each once the replacements are dropped; their pods go just after.
  const podGoneLogged = async (member: string) =>
    (await namespaceLog(ns, since)).some((e) => e.kind === 'pod' && e.member === `${ns}/${member}`);
  await eventually(
    async () => (await podGoneLogged('doris-cn-1')) && (await podGoneLogged('doris-broker-1')),
    {
      timeoutMs: 60_000,
      what: 'the replacement pods gone',
    },
  );
  const log = await namespaceLog(ns, since);
  const at = (re: RegExp, member: string) =>
    log.findIndex((e) => e.kind === 'statement' && re.test(e.text) && e.text.includes(`${member}.`));
  const podGone = (member: string) =>
    log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/${member}`);
  assert.ok(at(/disable_query/, 'doris-cn-1') >= 0, 'the replacement CN was drained');
  assert.ok(at(/DROPP/, 'doris-cn-1') > at(/disable_query/, 'doris-cn-1'), 'then dropped');
  assert.ok(podGone('doris-cn-1') > at(/DROPP/, 'doris-cn-1'), 'then its pod went');
  assert.ok(podGone('doris-broker-1') > at(/DROP BROKER/, 'doris-broker-1'), 'the broker dropped first');
  const c = await sim.cluster(key);
  assert.deepEqual(
    c?.backends.filter((b) => b.nodeRole === 'computation').map((b) => b.host.split('.')[0]),
    ['doris-cn-0'],
  );
  assert.ok(
    !log.some((e) => e.kind === 'statement' && /DROPP/.test(e.text) && e.text.includes('doris-cn-0.')),
  );
});

test('a dead BE gets a spare that Doris re-replicates onto (no tablet lost); back again, the spare is decommissioned (recover: Automatic), never the failed BE (S8: operator killed after the decision and during the decommission)', async (t) => {
  const ns = await newNamespace(t, 'failover-be');
  let operator: ChildProcess = await operatorProcess(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 3, failover: { period: '5s', recover: 'Automatic' } },
  });
  await waitReady(ns, 'doris', 120_000);
  await createTable(t, ns, 'doris');
  const key = `${ns}/doris-fe`;
  const sim = await simulator();
  const full = 36 + internalReplicas;
  const aliveReplicas = async () =>
    ((await sim.cluster(key))?.backends ?? []).filter((b) => b.alive).reduce((n, b) => n + b.tablets, 0);
  await eventually(async () => (await aliveReplicas()) === full, { what: 'every table at 3 replicas' });
  const since = await logMark();

  await sim.kill(`${ns}/doris-be-2`);
  const decided = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.be?.failures?.[0]?.replacement === 'doris-be-3' ? c : false;
    },
    { timeoutMs: 60_000, what: 'a spare BE decided' },
  );
  assert.equal(decided.status?.be?.failures?.[0]?.member, 'doris-be-2');
  // S8: killed right after the decision; the next operator adds the spare from status.
  await killOperator(operator);
  operator = await operatorProcess(t, ns);
  // Doris repairs the missing replicas onto the spare after its repair delay: 3 alive copies again.
  await eventually(async () => (await aliveReplicas()) === full, {
    timeoutMs: 90_000,
    intervalMs: 1000,
    what: 'every tablet back at 3 alive replicas with the spare',
  });
  assert.equal(await rowCount(t, ns, 'doris'), tableRows, 'no row lost');

  await sim.restart(`${ns}/doris-be-2`);
  // S8 again: killed while the spare is being decommissioned.
  await eventually(async () => (await getCluster(ns, 'doris')).status?.operation?.member === 'doris-be-3', {
    timeoutMs: 90_000,
    intervalMs: 200,
    what: 'the spare on its way out',
  });
  await killOperator(operator);
  operator = await operatorProcess(t, ns);
  await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return (
        c.status?.phase === 'Ready' &&
        c.status.be?.members?.length === 3 &&
        c.status.be.failures === undefined
      );
    },
    { timeoutMs: 150_000, intervalMs: 1000, what: 'the spare gone and the cluster Ready' },
  );
  const log = await namespaceLog(ns, since);
  const decommission = log.filter(
    (e) => e.kind === 'statement' && /DECOMMISSION BACKEND/.test(e.text) && !e.error,
  );
  assert.equal(decommission.length, 1);
  assert.match(
    decommission[0]?.text ?? '',
    /doris-be-3\./,
    'the spare is decommissioned, never the failed BE',
  );
  assert.ok(!log.some((e) => e.kind === 'statement' && /DROPP/.test(e.text)), 'nothing dropped');
  assert.ok(
    log.some((e) => e.kind === 'pod' && e.member === `${ns}/doris-be-3`),
    'the spare pod went',
  );
  assert.equal(await aliveReplicas(), full, 'every table still at 3 replicas');
  assert.equal(await rowCount(t, ns, 'doris'), tableRows, 'every row still there');
});

test('failover.maxMembers reached: no member is added beyond it, and status says so', async (t) => {
  const ns = await newNamespace(t, 'failover-max');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: { replicas: 2, failover: { period: '5s', maxMembers: 1 } },
  });
  await waitReady(ns, 'doris', 120_000);
  const sim = await simulator();
  await sim.kill(`${ns}/doris-cn-0`);
  await sim.kill(`${ns}/doris-cn-1`);
  const capped = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const failures = c.status?.cn?.failures ?? [];
      return failures.length === 2 && failures.some((f) => /maxMembers is 1/.test(f.message ?? ''))
        ? c
        : false;
    },
    { timeoutMs: 60_000, what: 'one replacement, the other failure capped' },
  );
  const failures = capped.status?.cn?.failures ?? [];
  assert.deepEqual(
    failures.map((f) => f.replacement).filter((r) => r !== undefined),
    ['doris-cn-2'],
    'one replacement only',
  );
  // Well past the period: still one replacement, the StatefulSet at replicas + 1.
  await new Promise((r) => setTimeout(r, 8000));
  const { client } = await testEnv();
  const sts = await client.request<{ spec: { replicas: number } }>({
    method: 'GET',
    path: `/apis/apps/v1/namespaces/${ns}/statefulsets/doris-cn`,
  });
  assert.equal(sts.spec.replicas, 3);
  const later = await getCluster(ns, 'doris');
  assert.match(
    later.status?.cn?.failures?.find((f) => f.replacement === undefined)?.message ?? '',
    /not replaced: 1 replacement\(s\) in place, failover.maxMembers is 1/,
  );
  assert.equal(later.status?.phase, 'Degraded');
});
