/**
 * The autoscaler reading a DorisMonitor's Prometheus (a real Prometheus 3 running the monitor's
 * rendered configuration, finding the Doris pods from the test API server): every query it would
 * run returns data over the labels the monitor gives, and a load step scales the compute nodes out
 * from what Prometheus reports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoscalerSpecSchema, metricTypes } from '../../src/api/v1alpha1/index.ts';
import { promQueries } from '../../src/autoscaler/readings.ts';
import { getCluster } from '../cluster/support.ts';
import { createMonitor, runManagedPrometheus } from '../monitor/support.ts';
import { eventually, newNamespace, simulator } from '../support/env.ts';
import {
  conditionOf,
  createAutoscaler,
  getAutoscaler,
  readyComputeCluster,
  startAutoscalingOperator,
} from './support.ts';

async function query(url: string, promql: string): Promise<number | undefined> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  const v = body.data?.result?.[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

test('metrics from a real Prometheus: every query answers, and a load step scales compute nodes out', async (t) => {
  const ns = await newNamespace(t, 'dca-prom');
  await startAutoscalingOperator(t, ns, { monitor: true });
  await readyComputeCluster(ns);
  await createMonitor(ns, 'mon', {
    clusterRefs: [{ name: 'doris' }],
    prometheus: { scrapeInterval: '1s', evaluationInterval: '1s' },
    grafana: { enabled: false },
    loki: { enabled: false },
  });
  const { url } = await runManagedPrometheus(t, ns, 'mon');
  const sim = await simulator();
  await sim.setWorkload(`${ns}/doris-fe`, { qps: 20, cpuMsPerQuery: 60 });

  // The queries the autoscaler runs, over the series Prometheus scraped.
  const spec = autoscalerSpecSchema.parse({
    clusterRef: { name: 'doris' },
    maxReplicas: 3,
    metrics: [{ type: 'CPU', averageUtilization: 60 }],
    metricsSource: { type: 'Prometheus', prometheus: { url } },
  });
  const queries = promQueries(spec.metricsSource.prometheus as never, { namespace: ns, cluster: 'doris' });
  const values = await eventually(
    async () => {
      const v = await Promise.all(metricTypes.map((m) => query(url, queries[m])));
      // doris_fe_qps is set by the FE's MetricCalculator every 15 s.
      return v.every((x) => x !== undefined) && (v[metricTypes.indexOf('QPS')] ?? 0) > 0 ? v : false;
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: 'every autoscaler query to return data' },
  );
  const byType = Object.fromEntries(metricTypes.map((m, i) => [m, values[i] as number]));
  t.diagnostic(JSON.stringify(byType));
  // 20 queries/s as MetricCalculator reports them: 15 s of queries over 16.
  assert.ok((byType.QPS ?? 0) > 17 && (byType.QPS ?? 0) < 21, `QPS near 18.75: ${byType.QPS}`);
  // 20 x 60 ms = 1.2 cores of the CN's 4: 30 % busy (within a scrape or two of rate()).
  assert.ok((byType.CPU ?? 0) > 15 && (byType.CPU ?? 0) < 45, `CPU near 30 %: ${byType.CPU}`);

  await createAutoscaler(ns, 'scaler', {
    clusterRef: { name: 'doris' },
    maxReplicas: 3,
    metrics: [{ type: 'QPS', averageValue: '40' }],
    metricsSource: { type: 'Prometheus', prometheus: { url } },
    syncPeriodSeconds: 1,
  });
  await eventually(
    async () =>
      conditionOf(await getAutoscaler(ns, 'scaler'), 'ScalingActive')?.reason === 'ValidMetricFound',
    {
      timeoutMs: 20_000,
      what: 'metrics read from Prometheus',
    },
  );
  assert.equal(((await getCluster(ns, 'doris')).spec?.cn as { replicas: number } | undefined)?.replicas, 1);
  // 100 queries/s (93.75 as the FE reports them), 40 per compute node: 3.
  await sim.setWorkload(`${ns}/doris-fe`, { qps: 100, cpuMsPerQuery: 60 });
  await eventually(
    async () =>
      ((await getCluster(ns, 'doris')).spec?.cn as { replicas: number } | undefined)?.replicas === 3,
    { timeoutMs: 60_000, what: 'scaled out to 3 from Prometheus data' },
  );
  const a = await getAutoscaler(ns, 'scaler');
  assert.equal(a.status?.drivingMetric, 'QPS');
});
