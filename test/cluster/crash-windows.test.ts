/**
 * The windows between two statements, and steps Doris refuses (S6, S8, S4):
 * - the operator killed between each pair of the three balancing statements, pausing and resuming:
 *   the next operator finishes the job from what Doris reports, and no BE restarts with balancing on;
 * - a DECOMMISSION Doris refuses: status and an event say why, retries back off, nothing is removed;
 * - a 30 s decommission: passes and status writes follow the requeue, not the progress figures.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import { balanceBreaks, downIntervals, finalBalance } from './invariants.ts';
import {
  backendsWithTablets,
  createCluster,
  createTable,
  getCluster,
  internalReplicas,
  killOperator,
  logMark,
  namespaceLog,
  operatorProcess,
  patchSpec,
  replicaTotal,
  stallReported,
  startOperator,
  waitReady,
} from './support.ts';

test('an operator killed between any two balancing statements, pausing or resuming, leaves all three right (S6, S8)', async (t) => {
  const ns = await newNamespace(t, 'balance');
  const sim = await simulator();
  const key = `${ns}/doris-fe`;
  let operator: ChildProcess = await operatorProcess(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 3 } });
  await waitReady(ns, 'doris', 120_000);
  const since = await logMark();

  // Kill the operator while Doris holds back the reply to `setting` = `value`: the statement took
  // effect, the ones after it in the same step were never sent.
  const killAfter = async (setting: string, value: boolean, start?: () => Promise<void>) => {
    const pattern = `${setting}'\\s*=\\s*'${value}`;
    await sim.stallReplies({ pattern, ms: 5000, cluster: key });
    const mark = await logMark();
    await start?.();
    await eventually(
      async () =>
        (await namespaceLog(ns, mark)).some(
          (e) => e.text.startsWith('reply held') && e.text.includes(setting),
        ),
      { timeoutMs: 120_000, intervalMs: 50, what: `${setting}=${value} sent` },
    );
    await killOperator(operator);
    operator = await operatorProcess(t, ns);
  };
  await killAfter('disable_balance', true, () => patchSpec(ns, 'doris', { version: '2.1.8' }));
  await killAfter('disable_tablet_scheduler', true);
  await killAfter('disable_balance', false);
  await killAfter('disable_tablet_scheduler', false);

  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.phase === 'Ready' && c.status.be?.currentVersion === '2.1.8' ? c : false;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: 'the upgrade to finish' },
  );
  const log = await namespaceLog(ns, since);
  assert.deepEqual(
    balanceBreaks(log, downIntervals(log, ns)),
    [],
    'every BE restarted with all three paused',
  );
  assert.deepEqual(finalBalance(log), {
    disable_balance: false,
    disable_tablet_scheduler: false,
    disable_colocate_balance: false,
  });
  const cond = dc.status?.conditions?.find((c) => c.type === 'TabletBalancingPaused');
  assert.equal(cond?.status, 'False');
  assert.match(
    cond?.message ?? '',
    /disable_balance=false, disable_tablet_scheduler=false, disable_colocate_balance=false/,
    'status says what Doris reports for all three',
  );
});

test('a DECOMMISSION Doris refuses (a fresh 3-BE cluster, no user table) is reported in status and events, retried with backoff, and nothing is removed', async (t) => {
  const ns = await newNamespace(t, 'refused');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 3 } });
  await waitReady(ns, 'doris', 120_000);
  // No user table at all: Doris' internal tables alone (replication 3 once 3 BEs ran) refuse it.
  await eventually(async () => (await replicaTotal(`${ns}/doris-fe`)) === internalReplicas, {
    what: 'the internal tables at replication 3',
  });
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 2 } });

  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const degraded = c.status?.conditions?.find((x) => x.type === 'Degraded');
      return degraded?.status === 'True' && c.status?.phase === 'Degraded' ? c : false;
    },
    { timeoutMs: 60_000, what: 'Degraded with the refusal' },
  );
  const degraded = dc.status?.conditions?.find((x) => x.type === 'Degraded');
  assert.equal(degraded?.reason, 'StepFailed');
  assert.match(degraded?.message ?? '', /decommission doris-be-2 \(spec\.be\.replicas\)/);
  assert.match(
    degraded?.message ?? '',
    /After decommission, partition \S+ of table __internal_schema\.\S+ 's replication allocation/,
    "Doris' words, naming an internal table",
  );
  assert.equal(dc.status?.observedGeneration, dc.metadata.generation);

  const { client } = await testEnv();
  const events = await eventually(
    async () => {
      const list = await client.request<{ items: { reason: string; type: string; note: string }[] }>({
        method: 'GET',
        path: collectionPath(builtin.Event, ns),
      });
      const found = list.items.filter((e) => e.reason === 'StepFailed');
      return found.length > 0 ? found : false;
    },
    { what: 'a StepFailed event' },
  );
  assert.equal(events[0]?.type, 'Warning');
  assert.match(events[0]?.note ?? '', /spec\.be\.replicas.*After decommission/);

  // Retried with backoff (5 s, 10 s, ...), not every pass.
  await sleep(20_000);
  const attempts = (await namespaceLog(ns, since)).filter(
    (e) => e.kind === 'statement' && /DECOMMISSION BACKEND/i.test(e.text),
  );
  assert.ok(
    attempts.length >= 2 && attempts.length <= 4,
    `DECOMMISSION tried ${attempts.length} times in ~20 s`,
  );
  const sts = await client.request<{ spec: { replicas: number } }>({
    method: 'GET',
    path: objectPath(builtin.StatefulSet, ns, 'doris-be'),
  });
  assert.equal(sts.spec.replicas, 3, 'the StatefulSet keeps its members');
  assert.ok(!(await namespaceLog(ns, since)).some((e) => e.kind === 'pod'), 'no pod removed');

  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  const back = await waitReady(ns, 'doris');
  assert.equal(back.status?.conditions?.find((x) => x.type === 'Degraded')?.status, 'False');
});

test('on 2.1.2, which accepts that DECOMMISSION and stalls, the stall is reported after memberTimeoutSeconds and nothing is forced; scaling back cancels it', async (t) => {
  const ns = await newNamespace(t, 'stall-212');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.2',
    fe: { replicas: 1 },
    be: { replicas: 3 },
    rollout: { memberTimeoutSeconds: 60 },
  });
  await waitReady(ns, 'doris', 120_000);
  const key = `${ns}/doris-fe`;
  await eventually(async () => (await replicaTotal(key)) === internalReplicas, {
    what: 'the internal tables at replication 3',
  });
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 2 } });
  const degraded = await stallReported(ns, 'doris');
  assert.match(
    degraded.message,
    /decommission of doris-be-2 has not finished after \d+ s \(\d+ tablets left\)/,
  );
  const log = await namespaceLog(ns, since);
  assert.equal(
    log.filter((e) => e.kind === 'statement' && /DECOMMISSION BACKEND/.test(e.text) && !e.error).length,
    1,
    'accepted once',
  );
  assert.ok(!log.some((e) => e.kind === 'statement' && /DROPP/.test(e.text)), 'never forced with DROPP');
  assert.ok(!log.some((e) => e.kind === 'pod'), 'no pod removed');

  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  const back = await waitReady(ns, 'doris');
  assert.equal(back.status?.conditions?.find((x) => x.type === 'Degraded')?.status, 'False');
  assert.ok(
    (await namespaceLog(ns, since)).some(
      (e) => e.kind === 'statement' && /CANCEL DECOMMISSION/i.test(e.text),
    ),
    'the decommission was cancelled',
  );
  assert.equal(
    (await simulator().then((s) => s.cluster(key)))?.backends.some((b) => b.decommissioned),
    false,
  );
});

test('during a 30 s decommission, passes and status writes follow the 2 s requeue, not the tablet count', async (t) => {
  const ns = await newNamespace(t, 'quiet');
  const manager = await startOperator(t, ns);
  const sim = await simulator();
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 4 } });
  await waitReady(ns, 'doris', 120_000);
  await createTable(t, ns, 'doris', 400);
  const host = `doris-be-3.doris-be-internal.${ns}.svc.cluster.local`;
  await sim.setDecommissionRate(`${ns}/doris-fe`, host, 1); // ~300 replicas at 10 a second

  const { client } = await testEnv();
  let writes = 0;
  const abort = new AbortController();
  const start = await getCluster(ns, 'doris');
  const watching = client
    .stream(
      {
        method: 'GET',
        path: collectionPath(dorisClusterKind.resource, ns),
        query: { watch: 1, resourceVersion: start.metadata.resourceVersion },
      },
      (line) => {
        if ((line as { type: string }).type === 'MODIFIED') writes++;
      },
      abort.signal,
    )
    .catch(() => undefined);
  const passes = async () => {
    const metric = await manager.metrics.reconcileTotal.get();
    return metric.values.reduce((n, v) => n + v.value, 0);
  };
  const passesBefore = await passes();
  const began = Date.now();
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(async () => (await getCluster(ns, 'doris')).status?.be?.members?.length === 3, {
    timeoutMs: 120_000,
    intervalMs: 500,
    what: 'the decommission to finish',
  });
  const seconds = (Date.now() - began) / 1000;
  abort.abort();
  await watching;
  const ran = (await passes()) - passesBefore;
  assert.ok(seconds >= 20, `the decommission took ${seconds.toFixed(1)} s (a long one is the point)`);
  const bound = seconds / 2 + 8;
  assert.ok(ran <= bound, `${ran} passes in ${seconds.toFixed(1)} s (at most ${bound.toFixed(0)})`);
  assert.ok(writes <= bound, `${writes} writes in ${seconds.toFixed(1)} s (at most ${bound.toFixed(0)})`);
});

test('a scale-in waits while another BE is down, and goes on once it is back (S4)', async (t) => {
  const ns = await newNamespace(t, 'wait-down');
  await startOperator(t, ns);
  const sim = await simulator();
  await backendsWithTablets(t, ns);
  await sim.kill(`${ns}/doris-be-0`);
  const killedAt = Date.now();
  await eventually(
    async () =>
      (await getCluster(ns, 'doris')).status?.be?.members?.find((m) => m.podName === 'doris-be-0')?.alive ===
      false,
    { what: 'be-0 seen dead' },
  );
  // Its pod turns NotReady (the kubelet's probe), which wakes the operator: not the 30 s look at rest.
  const noticedMs = Date.now() - killedAt;
  assert.ok(noticedMs < 10_000, `a dead member shows in status after ${noticedMs} ms`);
  const since = await logMark();
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const p = c.status?.conditions?.find((x) => x.type === 'Progressing');
      return /doris-be-0 \((its pod is not Ready|Doris reports it not alive)\)/.test(p?.message ?? '');
    },
    { what: 'status saying what the scale-in waits for' },
  );
  await sleep(3000);
  assert.ok(
    !(await namespaceLog(ns, since)).some((e) => e.kind === 'statement' && /DECOMMISSION/i.test(e.text)),
    'no decommission while another BE is down',
  );
  await sim.restart(`${ns}/doris-be-0`);
  await eventually(async () => (await getCluster(ns, 'doris')).status?.be?.members?.length === 3, {
    timeoutMs: 120_000,
    what: 'the scale-in to finish once be-0 is back',
  });
});

test('two of three followers killed: Doris is unknown, nothing destructive happens, no FE pod is touched (S3, S2)', async (t) => {
  const ns = await newNamespace(t, 'no-quorum');
  await startOperator(t, ns);
  const sim = await simulator();
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 3 }, be: { replicas: 4 } });
  await waitReady(ns, 'doris', 120_000);
  const since = await logMark();
  await sim.kill(`${ns}/doris-fe-1`);
  await sim.kill(`${ns}/doris-fe-2`);
  await patchSpec(ns, 'doris', { be: { replicas: 3 } });
  await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'Unknown';
    },
    { timeoutMs: 30_000, what: 'Ready=Unknown once the master lost its quorum' },
  );
  await sleep(5000);
  const log = await namespaceLog(ns, since);
  assert.ok(
    log.some((e) => /master lost its quorum.*exit/.test(e.text)),
    'the master exited, as Doris does without quorum',
  );
  assert.ok(
    !log.some(
      (e) => e.kind === 'statement' && /DECOMMISSION|DROP/i.test(e.text) && e.source.startsWith('mysql'),
    ),
    'no decommission or drop',
  );
  assert.ok(!log.some((e) => e.kind === 'pod'), 'no pod deleted');
  await sim.restart(`${ns}/doris-fe-1`);
  await sim.restart(`${ns}/doris-fe-2`);
  await eventually(async () => (await getCluster(ns, 'doris')).status?.be?.members?.length === 3, {
    timeoutMs: 120_000,
    what: 'the scale-in to finish once the FEs are back',
  });
});

test('a new follower crash-looping right after its ADD FOLLOWER: the master keeps its quorum, no FE pod is touched (S2)', async (t) => {
  const ns = await newNamespace(t, 'crashloop');
  await startOperator(t, ns);
  const sim = await simulator();
  await sim.setCrashLoop(`${ns}/doris-fe-1`, true);
  t.after(() => sim.setCrashLoop(`${ns}/doris-fe-1`, false).catch(() => {}));
  const since = await logMark();
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 3 }, be: { replicas: 1 } });
  await eventually(
    async () =>
      (await namespaceLog(ns, since)).filter((e) => /crash-loop fault/.test(e.text)).length >= 2 &&
      (await sim.cluster(`${ns}/doris-fe`))?.frontends.length === 3,
    { timeoutMs: 60_000, what: 'fe-1 added, then crash-looping' },
  );
  await sleep(3000);
  const c = await sim.cluster(`${ns}/doris-fe`);
  assert.ok(c?.master !== undefined, 'Doris keeps a master: an unstarted follower is outside the quorum');
  const dc = await getCluster(ns, 'doris');
  assert.notEqual(dc.status?.phase, 'Ready', 'not Ready while fe-1 is down');
  const log = await namespaceLog(ns, since);
  assert.ok(!log.some((e) => e.kind === 'pod'), 'no FE pod deleted');
  assert.ok(
    !log.some((e) => e.kind === 'statement' && /DROP (FOLLOWER|OBSERVER)/i.test(e.text)),
    'nothing dropped',
  );
  await sim.setCrashLoop(`${ns}/doris-fe-1`, false);
  await waitReady(ns, 'doris', 90_000);
});
