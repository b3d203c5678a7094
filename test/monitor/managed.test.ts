/**
 * A managed DorisMonitor against a real Prometheus 3 running its rendered configuration: pod
 * discovery through the test API server with the monitor's own RBAC, targets for every member of
 * a 3 FE / 3 BE / 1 CN cluster, every dashboard panel's query and every series every alert reads
 * returning data (the dashboards are walked, so no panel escapes), a scale-out followed without
 * any user action, and a killed BE firing DorisBEDown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monitorSpecSchema } from '../../src/api/v1alpha1/index.ts';
import { alertRules } from '../../src/monitor/alerts.ts';
import { dashboards } from '../../src/monitor/dashboards/index.ts';
import { createCluster, getCluster, patchSpec, waitReady } from '../cluster/support.ts';
import { eventually, newNamespace, simulator } from '../support/env.ts';
import {
  activeTargets,
  createMonitor,
  getMonitor,
  runManagedPrometheus,
  startMonitoringOperator,
} from './support.ts';

/** The vector selectors an expression reads: `name{...}` and bare metric names. */
export function selectorsOf(expr: string): string[] {
  const keywords = new Set([
    'by',
    'on',
    'ignoring',
    'without',
    'group_left',
    'group_right',
    'and',
    'or',
    'unless',
    'bool',
    'offset',
  ]);
  const braced = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\}/g)].map((m) => m[0]);
  const rest = expr
    .replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\}/g, ' ')
    .replace(/\b(by|on|ignoring|without)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  const bare = [...rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter((m) => m[2] === undefined && !keywords.has(m[1] ?? '') && !/^\d/.test(m[1] ?? ''))
    .map((m) => m[1] ?? '');
  return [...new Set([...braced, ...bare])];
}

test('selectorsOf finds every series an expression reads', () => {
  assert.deepEqual(
    selectorsOf(
      'max by (namespace, cluster) (up{job="doris", component="fe"}) unless on (namespace, cluster) max by (namespace, cluster) (node_info{type="is_master"} == 1)',
    ),
    ['up{job="doris", component="fe"}', 'node_info{type="is_master"}'],
  );
  assert.deepEqual(selectorsOf('max by (namespace, cluster) (doris_fe_scheduled_tablet_num) > 0'), [
    'doris_fe_scheduled_tablet_num',
  ]);
  assert.deepEqual(
    selectorsOf('100 * (1 - doris_be_disks_avail_capacity / doris_be_disks_total_capacity) > 85'),
    ['doris_be_disks_avail_capacity', 'doris_be_disks_total_capacity'],
  );
});

const instantiate = (expr: string) =>
  expr.replaceAll('$cluster', 'doris').replaceAll('$pod', '.+').replaceAll('$__rate_interval', '1m');

test('managed monitor: every member a target, every panel and alert reads data, scale-out followed, a killed BE alerts', async (t) => {
  const ns = await newNamespace(t, 'monitor');
  const operator = await startMonitoringOperator(t, [ns], { targetsPollMs: 2000 });
  await createCluster(ns, 'doris', {
    version: '2.1.8',
    fe: { replicas: 3 },
    be: { replicas: 3 },
    cn: { replicas: 1 },
  });
  await createMonitor(ns, 'mon', {
    clusterRefs: [{ name: 'doris' }],
    prometheus: { scrapeInterval: '1s', evaluationInterval: '1s' },
  });
  await waitReady(ns, 'doris', 180_000);
  const prometheus = await runManagedPrometheus(t, ns, 'mon');
  const sim = await simulator();
  await sim.setLoad(
    { cluster: `${ns}/doris-fe` },
    { qps: 40, latencyMs: 25, errorRatio: 0.02, loadRows: 5000 },
  );

  // Every member up, and the FEs with the role Doris gives them (the operator labels their pods).
  const doris = await eventually(
    async () => {
      const targets = (await activeTargets(prometheus.url)).filter((x) => x.labels.job === 'doris');
      const masters = targets.filter((x) => x.labels.role === 'master').length;
      return targets.length === 7 && targets.every((x) => x.health === 'up') && masters === 1
        ? targets
        : undefined;
    },
    { timeoutMs: 60_000, what: '7 Doris targets up, one of them the master' },
  );
  const byPod = Object.fromEntries(doris.map((x) => [x.labels.pod, x.labels]));
  const master = (await getCluster(ns, 'doris')).status?.fe?.members?.find((m) => m.isMaster)?.podName;
  for (const i of [0, 1, 2]) {
    assert.equal(byPod[`doris-fe-${i}`]?.component, 'fe');
    assert.equal(byPod[`doris-fe-${i}`]?.role, `doris-fe-${i}` === master ? 'master' : 'follower');
    assert.equal(byPod[`doris-be-${i}`]?.component, 'be');
    assert.equal(byPod[`doris-be-${i}`]?.cluster, 'doris');
    assert.equal(byPod[`doris-be-${i}`]?.namespace, ns);
  }
  assert.equal(byPod['doris-cn-0']?.component, 'cn');
  await eventually(
    async () =>
      (await activeTargets(prometheus.url)).some(
        (x) => x.labels.job === 'doris-operator' && x.health === 'up',
      ),
    { timeoutMs: 30_000, what: 'the operator target up' },
  );

  // Enough samples for rate() over 1m and for the summaries' quantiles.
  await new Promise((r) => setTimeout(r, 6000));
  const empty: string[] = [];
  let panels = 0;
  for (const d of dashboards())
    for (const panel of d.panels ?? [])
      for (const target of panel.targets ?? []) {
        if (target.expr === undefined) continue;
        panels++;
        const result = await prometheus.query(instantiate(target.expr));
        if (result.length === 0) empty.push(`${d.uid} / ${panel.title}: ${target.expr}`);
      }
  assert.ok(panels >= 40, `walked ${panels} panel queries`);
  const rules = alertRules(monitorSpecSchema.parse({ clusterRefs: [{ name: 'doris' }] }).alerts).flatMap(
    (g) => g.rules,
  );
  for (const rule of rules)
    for (const sel of selectorsOf(rule.expr))
      if ((await prometheus.query(sel)).length === 0) empty.push(`alert ${rule.alert}: ${sel}`);
  assert.deepEqual(empty, [], 'queries that returned no data');

  // The monitor reports what Prometheus sees.
  await eventually(
    async () => {
      const m = await getMonitor(ns, 'mon');
      return m.status?.targets?.up === 7 && m.status?.targets?.total === 7 && m.status?.phase === 'Ready';
    },
    { timeoutMs: 30_000, what: 'status: 7 of 7 targets up, Ready' },
  );

  // At rest (targets asked for every 2 s here), the operator writes nothing.
  const writes = async () =>
    (await operator.manager.metrics.apiRequests.get()).values
      .filter((v) => v.labels.method !== 'GET')
      .reduce((sum, v) => sum + v.value, 0);
  const before = await writes();
  await new Promise((r) => setTimeout(r, 10_000));
  assert.equal(await writes(), before, 'API writes at rest');

  // A compute node more: a target more, nobody touched the monitor.
  await patchSpec(ns, 'doris', { cn: { replicas: 2 } });
  await eventually(
    async () =>
      (await activeTargets(prometheus.url)).some((x) => x.labels.pod === 'doris-cn-1' && x.health === 'up'),
    { timeoutMs: 90_000, what: 'doris-cn-1 scraped' },
  );
  await eventually(async () => (await getMonitor(ns, 'mon')).status?.targets?.total === 8, {
    timeoutMs: 30_000,
    what: 'status: 8 targets',
  });

  // A BE dies: DorisBEDown fires (for: 1m) in that Prometheus, and the status names it.
  await sim.kill(`${ns}/doris-be-2`);
  await eventually(
    async () => {
      const m = await getMonitor(ns, 'mon');
      return (m.status?.targets?.down ?? []).includes(`${ns}/doris-be-2`) && m.status?.phase === 'Degraded';
    },
    { timeoutMs: 30_000, what: 'status names doris-be-2 down' },
  );
  await eventually(
    async () => {
      const res = await fetch(`${prometheus.url}/api/v1/alerts`);
      const alerts = (
        (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } }
      ).data.alerts;
      return alerts.some(
        (a) => a.labels.alertname === 'DorisBEDown' && a.labels.pod === 'doris-be-2' && a.state === 'firing',
      );
    },
    { timeoutMs: 150_000, intervalMs: 2000, what: 'DorisBEDown firing for doris-be-2' },
  );
});
