/**
 * DorisClusterAutoscaler on the real control plane with the simulator's workload: compute nodes
 * follow Doris' own load, out fast, in only after the stabilisation window and each drained before
 * its DROPP; an oscillating load does not make it flap; schedules raise and release the minimum;
 * unreadable metrics change nothing; an upgrade makes a scale wait (S4).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dorisClusterAutoscalerKind } from '../../src/api/v1alpha1/index.ts';
import { objectPath } from '../../src/kube/resources.ts';
import { getCluster, logMark, namespaceLog, patchSpec } from '../cluster/support.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  aliveComputeNodes,
  autoscalerEvents,
  cnReplicas,
  conditionOf,
  createAutoscaler,
  getAutoscaler,
  readyComputeCluster,
  startAutoscalingOperator,
} from './support.ts';

test('load up: compute nodes added at once; load down: removed after the window, drained before DROPP; no flapping', async (t) => {
  const ns = await newNamespace(t, 'dca-load');
  await startAutoscalingOperator(t, ns);
  const sim = await simulator();
  await readyComputeCluster(ns);
  await createAutoscaler(ns, 'scaler', {
    clusterRef: { name: 'doris' },
    minReplicas: 1,
    maxReplicas: 4,
    metrics: [{ type: 'CPU', averageUtilization: 60 }],
    syncPeriodSeconds: 1,
    behavior: { cooldownSeconds: 3, scaleDown: { stabilizationWindowSeconds: 12 } },
  });
  await eventually(
    async () => conditionOf(await getAutoscaler(ns, 'scaler'), 'ScalingActive')?.status === 'True',
    {
      timeoutMs: 20_000,
      what: 'metrics read',
    },
  );
  assert.equal(await cnReplicas(ns), 1, 'idle: one compute node');

  // 100 queries/s of 60 ms CPU: 6 cores of work, 4 per compute node -> 3 nodes at 50 %.
  const key = `${ns}/doris-fe`;
  const loadAt = Date.now();
  await sim.setWorkload(key, { qps: 100, cpuMsPerQuery: 60 });
  await eventually(async () => (await cnReplicas(ns)) === 3 && (await aliveComputeNodes(ns)) === 3, {
    timeoutMs: 90_000,
    intervalMs: 250,
    what: 'three compute nodes alive in Doris',
  });
  const scaledOutS = (Date.now() - loadAt) / 1000;
  t.diagnostic(`load step to 3 compute nodes alive in Doris: ${scaledOutS.toFixed(1)} s`);
  const scaled = await getAutoscaler(ns, 'scaler');
  assert.equal(scaled.status?.drivingMetric, 'CPU');
  assert.equal(scaled.status?.desiredReplicas, 3);

  // Oscillating load (2 s high, 2 s low) within the 12 s window: never a scale-in.
  const since = await logMark();
  const seen = new Set<number>();
  for (let i = 0; i < 6; i++) {
    await sim.setWorkload(key, { qps: i % 2 === 0 ? 10 : 100, cpuMsPerQuery: 60 });
    await sleep(2000);
    seen.add(await cnReplicas(ns));
  }
  assert.deepEqual([...seen], [3], 'held at 3 while the load oscillated');

  // 50 queries/s: 3 cores of work -> 2 nodes; only once the window's recommendations agree.
  await sim.setWorkload(key, { qps: 50, cpuMsPerQuery: 60 });
  const dropAt = Date.now();
  await eventually(async () => (await cnReplicas(ns)) === 2, {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: 'scale-in decided',
  });
  const decidedS = (Date.now() - dropAt) / 1000;
  t.diagnostic(`load drop to scale-in decision: ${decidedS.toFixed(1)} s (window 12 s)`);
  assert.ok(decidedS >= 11, `the scale-down window held the decision: ${decidedS} s`);
  await eventually(
    async () =>
      (await aliveComputeNodes(ns)) === 2 && (await getCluster(ns, 'doris')).status?.cn?.ready === '2/2',
    {
      timeoutMs: 90_000,
      what: 'doris-cn-2 drained and dropped',
    },
  );
  const log = await namespaceLog(ns, since);
  const idx = (re: RegExp) =>
    log.findIndex((e) => e.kind === 'statement' && re.test(e.text) && e.text.includes('doris-cn-2.'));
  const drain = idx(/disable_query/);
  const dropp = idx(/DROPP/);
  assert.ok(drain >= 0 && dropp > drain, 'drained, then DROPP');
  assert.equal(
    log.filter((e) => e.kind === 'statement' && /DROPP/.test(e.text)).length,
    1,
    'one compute node dropped',
  );

  // Stable at 2 (37.5 % busy); every change was announced, and there were few.
  await sleep(4000);
  assert.equal(await cnReplicas(ns), 2);
  const rescales = (await autoscalerEvents(ns, 'scaler')).filter((e) => e.reason === 'SuccessfulRescale');
  assert.ok(
    rescales.length >= 2 && rescales.length <= 3,
    `changes: ${rescales.map((e) => e.note).join(' | ')}`,
  );
  assert.match(rescales.at(-1)?.note ?? '', /New size: 2 compute nodes \(was 3\)/);
});

test('a schedule raises the minimum at its start and releases it at its end', async (t) => {
  const ns = await newNamespace(t, 'dca-schedule');
  await startAutoscalingOperator(t, ns);
  await readyComputeCluster(ns);
  // A window opening in 6 s and closing 14 s later, written as cron with seconds in UTC.
  const cron = (ms: number) => {
    const d = new Date(ms);
    return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} * * *`;
  };
  // Cron has whole seconds: the window opens on a second boundary.
  const opens = Math.ceil((Date.now() + 6000) / 1000) * 1000;
  const closes = opens + 14_000;
  await createAutoscaler(ns, 'scaler', {
    clusterRef: { name: 'doris' },
    maxReplicas: 3,
    metrics: [{ type: 'QPS', averageValue: '100' }],
    syncPeriodSeconds: 2,
    behavior: { cooldownSeconds: 0, scaleDown: { stabilizationWindowSeconds: 0 } },
    schedules: [{ name: 'rush', start: cron(opens), end: cron(closes), timeZone: 'UTC', minReplicas: 2 }],
  });
  await sleep(Math.max(0, opens - Date.now() - 1000));
  assert.equal(await cnReplicas(ns), 1, 'before the window');
  await eventually(async () => (await cnReplicas(ns)) === 2, {
    timeoutMs: 5000,
    intervalMs: 100,
    what: 'minimum raised at the start',
  });
  assert.ok(Date.now() >= opens - 100, 'not before the window opened');
  // The cluster is scaled before the status is written: the status follows within the pass.
  const open = await eventually(
    async () => {
      const a = await getAutoscaler(ns, 'scaler');
      return a.status?.activeSchedules?.includes('rush') ? a : false;
    },
    { timeoutMs: 5000, intervalMs: 100, what: 'the schedule reported active' },
  );
  assert.deepEqual(open.status?.activeSchedules, ['rush']);
  assert.equal(conditionOf(open, 'ScalingLimited')?.reason, 'TooFewReplicas');
  await eventually(async () => (await cnReplicas(ns)) === 1, {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: 'minimum released at the end',
  });
  assert.ok(Date.now() >= closes - 100, 'not before the window closed');
  await eventually(async () => (await getAutoscaler(ns, 'scaler')).status?.activeSchedules === undefined, {
    timeoutMs: 5000,
    intervalMs: 100,
    what: 'the schedule reported closed',
  });
});

test('metrics that cannot be read change nothing, and the condition says why; an upgrade makes a scale wait (S4)', async (t) => {
  const ns = await newNamespace(t, 'dca-wait');
  await startAutoscalingOperator(t, ns);
  const sim = await simulator();
  await readyComputeCluster(ns);
  const key = `${ns}/doris-fe`;
  await sim.setWorkload(key, { qps: 200, cpuMsPerQuery: 60 });

  // A Prometheus that does not answer: nothing moves, however loaded the cluster.
  await createAutoscaler(ns, 'scaler', {
    clusterRef: { name: 'doris' },
    maxReplicas: 3,
    metrics: [{ type: 'CPU', averageUtilization: 60 }],
    metricsSource: { type: 'Prometheus', prometheus: { url: 'http://127.0.0.1:9' } },
    syncPeriodSeconds: 1,
  });
  const failing = await eventually(
    async () => {
      const a = await getAutoscaler(ns, 'scaler');
      return conditionOf(a, 'ScalingActive')?.status === 'False' ? a : false;
    },
    { timeoutMs: 20_000, what: 'ScalingActive=False' },
  );
  const active = conditionOf(failing, 'ScalingActive');
  assert.equal(active?.reason, 'FailedGetMetrics');
  assert.match(active?.message ?? '', /127\.0\.0\.1:9/);
  await sleep(3000);
  assert.equal(await cnReplicas(ns), 1, 'no change without metrics');
  assert.ok((await autoscalerEvents(ns, 'scaler')).some((e) => e.reason === 'FailedGetMetrics'));

  // An upgrade starts, then the autoscaler reads the members directly: it waits for the upgrade.
  const since = await logMark();
  await patchSpec(ns, 'doris', { version: '2.1.9' });
  await eventually(async () => (await getCluster(ns, 'doris')).status?.phase === 'Upgrading', {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: 'upgrade started',
  });
  const { client } = await testEnv();
  await client.request({
    method: 'PATCH',
    path: objectPath(dorisClusterAutoscalerKind.resource, ns, 'scaler'),
    contentType: 'application/merge-patch+json',
    body: { spec: { metricsSource: { type: 'Direct', prometheus: null } } },
  });
  const waiting = await eventually(
    async () => {
      const a = await getAutoscaler(ns, 'scaler');
      const able = conditionOf(a, 'AbleToScale');
      return able?.status === 'False' ? able : false;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the scale waits for the upgrade' },
  );
  assert.match(waiting.reason, /OperationInProgress|ClusterUpgrading|ClusterChanging/);
  await eventually(async () => (await aliveComputeNodes(ns)) > 1, {
    timeoutMs: 180_000,
    what: 'scaled out after the upgrade',
  });
  const dc = await getCluster(ns, 'doris');
  assert.equal(dc.status?.fe?.currentVersion, '2.1.9');
  // The FE is upgraded last (S6): the new compute node starts only after it restarted on 2.1.9.
  const log = await namespaceLog(ns, since);
  const feRestart = log.findLastIndex(
    (e) => e.kind === 'process' && e.member === `${ns}/doris-fe-0` && /process started/.test(e.text),
  );
  const cn1 = log.findIndex(
    (e) => e.kind === 'process' && e.member === `${ns}/doris-cn-1` && /process started/.test(e.text),
  );
  assert.ok(
    feRestart >= 0 && cn1 > feRestart,
    `no compute node added during the upgrade (${feRestart}, ${cn1})`,
  );
});

test('while Doris cannot be reached the autoscaler changes nothing (S3), and scales once it can', async (t) => {
  const ns = await newNamespace(t, 'dca-unknown');
  await startAutoscalingOperator(t, ns);
  const sim = await simulator();
  await readyComputeCluster(ns);
  // The only FE cut off: the operator cannot read Doris; the compute node still answers /metrics.
  await sim.setReachable(`${ns}/doris-fe-0`, false);
  await eventually(
    async () =>
      (await getCluster(ns, 'doris')).status?.conditions?.find((c) => c.type === 'Ready')?.reason ===
      'DorisUnreachable',
    { timeoutMs: 90_000, intervalMs: 500, what: 'the cluster to report Doris unreachable' },
  );
  await createAutoscaler(ns, 'scaler', {
    clusterRef: { name: 'doris' },
    // At least 2: a change is due whatever the load.
    minReplicas: 2,
    maxReplicas: 3,
    metrics: [{ type: 'CPU', averageUtilization: 60 }],
    syncPeriodSeconds: 1,
  });
  const held = await eventually(
    async () => {
      const able = conditionOf(await getAutoscaler(ns, 'scaler'), 'AbleToScale');
      return able?.reason === 'DorisUnknown' ? able : false;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the scale held while Doris is unknown' },
  );
  assert.equal(held.status, 'False');
  assert.match(held.message, /waiting to scale to 2/);
  await sleep(3000);
  assert.equal(await cnReplicas(ns), 1, 'nothing changed while Doris was unknown');
  await sim.setReachable(`${ns}/doris-fe-0`, true);
  await eventually(async () => (await cnReplicas(ns)) > 1, {
    timeoutMs: 90_000,
    what: 'scaled once Doris is known',
  });
});
