/**
 * DorisClusterAutoscaler admission through the real API server and kubectl: every bad input is
 * refused naming its field (by the CRD schema or by the webhook), a cluster without compute nodes
 * cannot be autoscaled, and a second autoscaler of a cluster is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterAutoscalerKind, dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { installCrds } from '../api/support.ts';
import { kubectlApply, scopedNamespace, startWebhook, waitForWebhook } from './support.ts';

const autoscaler = (name: string, spec: object) => ({
  apiVersion: dorisClusterAutoscalerKind.apiVersion,
  kind: 'DorisClusterAutoscaler',
  metadata: { name },
  spec: {
    clusterRef: { name: 'doris' },
    maxReplicas: 4,
    metrics: [{ type: 'CPU', averageUtilization: 60 }],
    ...spec,
  },
});

test('DorisClusterAutoscaler admission: refusals naming the field, clusters without compute nodes, one per cluster', async (t) => {
  await installCrds();
  const hook = await startWebhook(t);
  const ns = await scopedNamespace(t, hook.scope);
  await waitForWebhook(ns);
  const cluster = (name: string, spec: object) => ({
    apiVersion: dorisClusterKind.apiVersion,
    kind: 'DorisCluster',
    metadata: { name },
    spec: { version: '2.1.8', fe: { replicas: 1 }, be: { replicas: 1 }, ...spec },
  });
  for (const c of [cluster('doris', { cn: { replicas: 1 } }), cluster('nocn', {})]) {
    const r = await kubectlApply(c, ns);
    assert.equal(r.code, 0, r.stderr);
  }

  const refused: [string, object, RegExp][] = [
    ['min above max', { minReplicas: 5, maxReplicas: 2 }, /spec\.minReplicas: .*must not exceed maxReplicas/],
    ['no metric', { metrics: [] }, /spec\.metrics: .*(at least 1|should have at least 1)/i],
    ['a metric with no target', { metrics: [{ type: 'QPS' }] }, /spec\.metrics\[0\].*averageValue/],
    [
      'the wrong target',
      { metrics: [{ type: 'CPU', averageValue: '5' }] },
      /spec\.metrics\[0\].*averageUtilization/,
    ],
    [
      'a target of 0',
      { metrics: [{ type: 'QPS', averageValue: '0' }] },
      /spec\.metrics\[0\]\.averageValue: .*positive/,
    ],
    [
      'a negative target',
      { metrics: [{ type: 'P99Latency', value: '-5' }] },
      /spec\.metrics\[0\]\.value: .*positive/,
    ],
    [
      'utilisation above 100',
      { metrics: [{ type: 'CPU', averageUtilization: 150 }] },
      /spec\.metrics\[0\]\.averageUtilization: .*100/,
    ],
    [
      'an invalid cron',
      { schedules: [{ name: 'day', start: '61 8 * * *', end: '0 20 * * *', minReplicas: 2 }] },
      /spec\.schedules\[0\]\.start: invalid cron expression "61 8 \* \* \*"/,
    ],
    [
      'a cron of four fields',
      { schedules: [{ name: 'day', start: '0 8 * *', end: '0 20 * * *', minReplicas: 2 }] },
      /spec\.schedules\[0\]\.start: .*has 4 fields/,
    ],
    [
      'an unknown time zone',
      {
        schedules: [
          { name: 'day', start: '0 8 * * *', end: '0 20 * * *', timeZone: 'Mars/Olympus', minReplicas: 2 },
        ],
      },
      /spec\.schedules\[0\]\.timeZone: unknown time zone "Mars\/Olympus"/,
    ],
    [
      'a schedule without bounds',
      { schedules: [{ name: 'day', start: '0 8 * * *', end: '0 20 * * *' }] },
      /spec\.schedules\[0\]: .*sets minReplicas, maxReplicas or both/,
    ],
    [
      'Prometheus without a URL',
      { metricsSource: { type: 'Prometheus' } },
      /spec\.metricsSource\.prometheus: .*url is required/,
    ],
    [
      'a cluster without compute nodes',
      { clusterRef: { name: 'nocn' } },
      /spec\.clusterRef\.name: .*has no compute nodes \(spec\.cn\)/,
    ],
  ];
  for (const [what, spec, message] of refused) {
    const r = await kubectlApply(autoscaler('bad', spec), ns);
    assert.notEqual(r.code, 0, `${what} was accepted`);
    assert.match(r.stderr, message, what);
  }

  const ok = await kubectlApply(
    autoscaler('scaler', {
      schedules: [
        { name: 'day', start: '0 8 * * 1-5', end: '0 20 * * 1-5', timeZone: 'Europe/Berlin', minReplicas: 2 },
      ],
    }),
    ns,
  );
  assert.equal(ok.code, 0, ok.stderr);
  const second = await kubectlApply(autoscaler('second', {}), ns);
  assert.notEqual(second.code, 0);
  assert.match(
    second.stderr,
    /spec\.clusterRef\.name: .*DorisClusterAutoscaler scaler already scales cluster doris/,
  );
  const missing = await kubectlApply(autoscaler('later', { clusterRef: { name: 'not-yet' } }), ns);
  assert.equal(missing.code, 0, missing.stderr);
  assert.match(missing.stderr, /Warning: spec\.clusterRef\.name: DorisCluster not-yet does not exist yet/);
});
