/**
 * One disruptive operation at a time (S4), and the scale-in of stateless members: compute nodes
 * are drained (no new queries) before DROPP, brokers dropped before their pods go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  backendsWithTablets,
  createCluster,
  getCluster,
  logMark,
  namespaceLog,
  patchSpec,
  startOperator,
  waitReady,
} from './support.ts';

test('a scale-in and an upgrade asked together run one after the other, never overlapping (S4)', async (t) => {
  const ns = await newNamespace(t, 'one-at-a-time');
  await startOperator(t, ns);
  const { key, host } = await backendsWithTablets(t, ns);
  const sim = await simulator();
  await sim.setDecommissionRate(key, host, 1);
  const since = await logMark();
  const operations = new Set<string>();
  const watching = setInterval(async () => {
    const op = (await getCluster(ns, 'doris').catch(() => undefined))?.status?.operation;
    if (op) operations.add(`${op.type}:${op.member ?? ''}`);
  }, 200);
  t.after(() => clearInterval(watching));

  await patchSpec(ns, 'doris', { version: '2.1.8', be: { replicas: 3 } });
  await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return (
        c.status?.phase === 'Ready' &&
        c.status.version === '2.1.8' &&
        c.status.be?.ready === '3/3' &&
        c.status.observedGeneration === c.metadata.generation
      );
    },
    { timeoutMs: 240_000, intervalMs: 500, what: 'both changes to finish' },
  );
  clearInterval(watching);
  const log = await namespaceLog(ns, since);
  const decommissionAt = log.findIndex(
    (e) => e.kind === 'statement' && e.text.includes('DECOMMISSION') && e.text.includes(host),
  );
  const droppedAt = log.findIndex(
    (e) => e.text.includes('decommissioned and dropped') && e.text.includes(host),
  );
  const restarts = log
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.kind === 'pod' && !e.member?.endsWith('doris-be-3'));
  assert.ok(decommissionAt >= 0 && droppedAt > decommissionAt);
  for (const { e, i } of restarts) {
    assert.ok(i < decommissionAt || i > droppedAt, `${e.member} restarted while be-3 was decommissioning`);
  }
  assert.ok(
    restarts.every(({ i }) => i > droppedAt),
    'scale-in first, then the upgrade',
  );
  assert.ok(
    [...operations].some((o) => o.startsWith('ScaleIn')) &&
      [...operations].some((o) => o.startsWith('Upgrade')),
    [...operations].join(', '),
  );
});

test('compute nodes are drained before DROPP; brokers are dropped before their pods go', async (t) => {
  const ns = await newNamespace(t, 'stateless');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: { replicas: 2 },
    broker: { replicas: 2 },
  });
  const ready = await waitReady(ns, 'doris', 120_000);
  assert.deepEqual(
    (ready.status?.cn?.members ?? []).map((m) => m.role),
    ['COMPUTE', 'COMPUTE'],
  );
  assert.equal(ready.status?.broker?.ready, '2/2');
  const since = await logMark();
  const started = Date.now();
  await patchSpec(ns, 'doris', { cn: { replicas: 1 }, broker: { replicas: 1 } });
  const { client } = await testEnv();
  await eventually(
    async () => {
      const pods = await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: collectionPath(builtin.Pod, ns),
      });
      const names = pods.items.map((p) => p.metadata.name);
      return !names.includes('doris-cn-1') && !names.includes('doris-broker-1');
    },
    { timeoutMs: 120_000, what: 'cn-1 and broker-1 removed' },
  );
  const log = await namespaceLog(ns, since);
  const idx = (pred: (e: (typeof log)[number]) => boolean) => log.findIndex(pred);
  const disable = idx(
    (e) => e.kind === 'statement' && e.text.includes('disable_query') && e.text.includes('doris-cn-1.'),
  );
  const dropp = idx(
    (e) => e.kind === 'statement' && e.text.includes('DROPP') && e.text.includes('doris-cn-1.'),
  );
  const cnGone = idx((e) => e.kind === 'pod' && e.member === `${ns}/doris-cn-1`);
  assert.ok(disable >= 0 && dropp > disable && cnGone > dropp, 'drain, DROPP, then the pod');
  const dropAt = log[dropp]?.at ?? 0;
  assert.ok(dropAt - (log[disable]?.at ?? 0) >= 25_000, 'running queries got their drain time');
  const dropBroker = idx((e) => e.kind === 'statement' && e.text.includes('DROP BROKER') && !e.error);
  const brokerGone = idx((e) => e.kind === 'pod' && e.member === `${ns}/doris-broker-1`);
  assert.ok(dropBroker >= 0 && brokerGone > dropBroker, 'DROP BROKER before the pod');
  assert.ok(
    !log.some((e) => e.kind === 'statement' && e.text.includes('DECOMMISSION')),
    'no decommission for stateless members',
  );
  assert.ok(Date.now() - started < 120_000);
  await waitReady(ns, 'doris');
});

test('a drained compute node that is wanted again serves queries and loads again', async (t) => {
  const ns = await newNamespace(t, 'cn-again');
  await startOperator(t, ns);
  const sim = await simulator();
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: { replicas: 2 },
  });
  await waitReady(ns, 'doris', 120_000);
  const since = await logMark();
  await patchSpec(ns, 'doris', { cn: { replicas: 1 } });
  const drained = await eventually(
    async () =>
      (await namespaceLog(ns, since)).find(
        (e) => e.kind === 'statement' && /disable_query.*true/.test(e.text) && e.text.includes('doris-cn-1.'),
      ),
    { timeoutMs: 60_000, what: 'cn-1 drained' },
  );
  // The scale-in is undone during the drain; the pod also restarts (no script re-enables it).
  await patchSpec(ns, 'doris', { cn: { replicas: 2 } });
  await sim.restart(`${ns}/doris-cn-1`);
  const back = await eventually(
    async () =>
      (await namespaceLog(ns, drained.seq)).find(
        (e) =>
          e.kind === 'statement' &&
          !e.error &&
          /disable_query"?'?\s*=\s*"?'?false/.test(e.text) &&
          e.text.includes('doris-cn-1.'),
      ),
    { timeoutMs: 60_000, what: 'cn-1 enabled again by the operator' },
  );
  assert.ok(back.source.startsWith('mysql'), 'the operator, not a script, re-enabled it');
  const dc = await waitReady(ns, 'doris');
  assert.equal(dc.status?.cn?.ready, '2/2');
  const cluster = await sim.cluster(`${ns}/doris-fe`);
  assert.ok(cluster, 'the simulator knows the cluster');
  assert.ok(
    !(await namespaceLog(ns, since)).some((e) => e.kind === 'statement' && /DROPP/.test(e.text)),
    'cn-1 was never dropped',
  );
});

test('removing cn and broker from the spec: members drained and dropped like a scale-in, then their objects deleted', async (t) => {
  const ns = await newNamespace(t, 'remove');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: { replicas: 1 },
    broker: { replicas: 1 },
  });
  await waitReady(ns, 'doris', 120_000);
  const since = await logMark();
  await patchSpec(ns, 'doris', { cn: null, broker: null });
  const { client } = await testEnv();
  const names = async (type: typeof builtin.Pod) =>
    (
      await client.request<{ items: KubeObject[] }>({ method: 'GET', path: collectionPath(type, ns) })
    ).items.map((o) => o.metadata.name);
  await eventually(
    async () => {
      const left = [
        ...(await names(builtin.StatefulSet)),
        ...(await names(builtin.Service)),
        ...(await names(builtin.ConfigMap)),
        ...(await names(builtin.PodDisruptionBudget)),
      ].filter((n) => /-(cn|broker)(-|$)/.test(n));
      return left.length === 0;
    },
    { timeoutMs: 120_000, what: 'the cn and broker StatefulSets, Services, ConfigMaps and PDBs deleted' },
  );
  const log = await namespaceLog(ns, since);
  const idx = (pred: (e: (typeof log)[number]) => boolean) => log.findIndex(pred);
  const disable = idx(
    (e) => e.kind === 'statement' && e.text.includes('disable_query') && e.text.includes('doris-cn-0.'),
  );
  const dropp = idx(
    (e) => e.kind === 'statement' && e.text.includes('DROPP') && e.text.includes('doris-cn-0.'),
  );
  const cnGone = idx((e) => e.kind === 'pod' && e.member === `${ns}/doris-cn-0`);
  assert.ok(disable >= 0 && dropp > disable && cnGone > dropp, 'drained, dropped, then the pod');
  const dropBroker = idx((e) => e.kind === 'statement' && e.text.includes('DROP BROKER') && !e.error);
  const brokerGone = idx((e) => e.kind === 'pod' && e.member === `${ns}/doris-broker-0`);
  assert.ok(dropBroker >= 0 && brokerGone > dropBroker, 'DROP BROKER before the pod');
  const sim = await simulator();
  const doris = await sim.cluster(`${ns}/doris-fe`);
  assert.deepEqual(
    doris?.backends.map((b) => b.nodeRole),
    ['mix'],
    'no compute node left in Doris',
  );
  assert.deepEqual(doris?.brokers, [], 'no broker left in Doris');
  const dc = await waitReady(ns, 'doris');
  assert.equal(dc.status?.cn, undefined);
  assert.equal(dc.status?.broker, undefined);
});
