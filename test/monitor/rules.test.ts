/**
 * The alert rules and the Prometheus configuration checked by promtool (3.16, built from its Go
 * module): `check rules`, `check config`, and `test rules` with a case for every alert, each
 * reading the series the way Doris and the operator export them. A new alert without a case fails.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { monitorSpecSchema } from '../../src/api/v1alpha1/index.ts';
import { alertRules } from '../../src/monitor/alerts.ts';
import { prometheusConfig } from '../../src/monitor/scrape.ts';
import { prometheusBinary } from '../support/prometheus.ts';

const spec = monitorSpecSchema.parse({
  clusterRefs: [{ name: 'c' }, { name: 'd', namespace: 'other' }],
  prometheus: { remoteWrite: [{ url: 'https://rw.example/api/v1/write' }], alertmanagers: ['am:9093'] },
});
const groups = alertRules(spec.alerts);

function promtool(t: { after: (f: () => void) => void }, files: Record<string, unknown>, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'doris-promtool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, body] of Object.entries(files))
    writeFileSync(join(dir, name), typeof body === 'string' ? body : stringify(body));
  try {
    return execFileSync(prometheusBinary('promtool'), args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    assert.fail(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

const doris = { job: 'doris', namespace: 'ns', cluster: 'c' };
const sel = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
const fe = (pod: string, role = 'follower') => ({ ...doris, component: 'fe', pod, role });
const be = (pod: string, component = 'be') => ({ ...doris, component, pod });
const op = { job: 'doris-operator', instance: 'doris-operator-metrics.doris-system.svc:8080' };

interface Case {
  readonly alert: string;
  readonly series: [string, string][];
  readonly at: string;
  readonly labels: Record<string, string>;
  readonly summary: string;
}

const cases: Case[] = [
  {
    alert: 'DorisFEDown',
    // The master goes down and is relabelled a follower once Doris elects another: one alert still,
    // pending since the first miss.
    series: [
      [sel('up', fe('c-fe-1', 'master')), '1 0 0 stale'],
      [sel('up', fe('c-fe-1')), '_ _ _ 0 0 0'],
    ],
    at: '3m',
    labels: { ...doris, component: 'fe', pod: 'c-fe-1', severity: 'warning' },
    summary: 'FE c-fe-1 of ns/c does not answer on :8030/metrics.',
  },
  {
    alert: 'DorisBEDown',
    series: [[sel('up', be('c-be-0')), '1 0x5']],
    at: '3m',
    labels: { ...be('c-be-0'), severity: 'warning' },
    summary: 'BE c-be-0 of ns/c does not answer on :8040/metrics.',
  },
  {
    alert: 'DorisCNDown',
    series: [[sel('up', be('c-cn-0', 'cn')), '1 0x5']],
    at: '3m',
    labels: { ...be('c-cn-0', 'cn'), severity: 'warning' },
    summary: 'Compute node c-cn-0 of ns/c does not answer.',
  },
  {
    alert: 'DorisBackendNotAlive',
    series: [
      [sel('node_info', { ...fe('c-fe-0'), type: 'be_node_num', state: 'total' }), '3x6'],
      [sel('node_info', { ...fe('c-fe-0'), type: 'be_node_num', state: 'alive' }), '3 2x5'],
    ],
    at: '4m',
    labels: { namespace: 'ns', cluster: 'c', severity: 'warning' },
    summary: 'The FE sees 1 backend(s) of ns/c not alive (no heartbeat).',
  },
  {
    alert: 'DorisNoMaster',
    series: [
      [sel('up', fe('c-fe-0')), '1x5'],
      [sel('up', fe('c-fe-1')), '1x5'],
      [sel('node_info', { ...fe('c-fe-0'), type: 'is_master' }), '1 stale'],
    ],
    at: '3m',
    labels: { namespace: 'ns', cluster: 'c', severity: 'critical' },
    summary: 'No FE of ns/c is master: metadata cannot change, loads and DDL fail.',
  },
  {
    alert: 'DorisFollowerQuorumAtRisk',
    // The master votes: with it, 2 of 3 followers are up (at risk, not lost).
    series: [
      [sel('up', fe('c-fe-0', 'master')), '1x5'],
      [sel('up', fe('c-fe-1')), '1 0x4'],
      [sel('up', fe('c-fe-2')), '1x5'],
      [sel('up', fe('c-fe-3', 'observer')), '0x5'],
    ],
    at: '3m',
    labels: { namespace: 'ns', cluster: 'c', severity: 'warning' },
    summary: 'ns/c has just a majority of FE followers up: one more lost stops metadata changes.',
  },
  {
    alert: 'DorisFollowerQuorumLost',
    series: [
      [sel('up', fe('c-fe-0')), '1x5'],
      [sel('up', fe('c-fe-1')), '1 0x4'],
      [sel('up', fe('c-fe-2')), '1 0x4'],
    ],
    at: '3m',
    labels: { namespace: 'ns', cluster: 'c', severity: 'critical' },
    summary: 'ns/c has fewer than a majority of FE followers up: no master can be elected.',
  },
  {
    alert: 'DorisBEDiskAlmostFull',
    series: [
      [
        sel('doris_be_disks_total_capacity', { ...be('c-be-0'), path: '/opt/apache-doris/be/storage' }),
        '100x10',
      ],
      [
        sel('doris_be_disks_avail_capacity', { ...be('c-be-0'), path: '/opt/apache-doris/be/storage' }),
        '50 10x9',
      ],
    ],
    at: '7m',
    labels: { ...be('c-be-0'), path: '/opt/apache-doris/be/storage', severity: 'warning' },
    summary: 'Data directory /opt/apache-doris/be/storage of c-be-0 is 90 % full.',
  },
  {
    alert: 'DorisCompactionScoreHigh',
    series: [
      [sel('doris_be_tablet_cumulative_max_compaction_score', be('c-be-0')), '10 150x12'],
      [sel('doris_be_tablet_base_max_compaction_score', be('c-be-0')), '1x13'],
    ],
    at: '12m',
    labels: { namespace: 'ns', cluster: 'c', pod: 'c-be-0', severity: 'warning' },
    summary: 'Compaction on c-be-0 lags (score 150): loads may soon fail with -235.',
  },
  {
    alert: 'DorisQueryErrorRatioHigh',
    series: [
      [sel('doris_fe_query_total', fe('c-fe-0')), '0+100x20'],
      [sel('doris_fe_query_err', fe('c-fe-0')), '0+10x20'],
    ],
    at: '15m',
    labels: { namespace: 'ns', cluster: 'c', severity: 'warning' },
    summary: '10% of the queries of ns/c fail.',
  },
  {
    alert: 'DorisQueryLatencyHigh',
    series: [[sel('doris_fe_query_latency_ms', { ...fe('c-fe-0'), quantile: '0.99' }), '6000x15']],
    at: '12m',
    labels: { namespace: 'ns', cluster: 'c', severity: 'warning' },
    summary: 'p99 query latency of ns/c is 6000 ms.',
  },
  {
    alert: 'DorisTabletsScheduledLong',
    series: [[sel('doris_fe_scheduled_tablet_num', fe('c-fe-0')), '5x40']],
    at: '32m',
    labels: { namespace: 'ns', cluster: 'c', severity: 'info' },
    summary: '5 tablets of ns/c are being repaired or balanced for 30 minutes.',
  },
  {
    alert: 'DorisFEHeapHigh',
    series: [
      [sel('jvm_heap_size_bytes', { ...fe('c-fe-0', 'master'), type: 'used' }), '95x5 stale'],
      [sel('jvm_heap_size_bytes', { ...fe('c-fe-0', 'master'), type: 'max' }), '100x5 stale'],
      [sel('jvm_heap_size_bytes', { ...fe('c-fe-0'), type: 'used' }), '_x6 95x10'],
      [sel('jvm_heap_size_bytes', { ...fe('c-fe-0'), type: 'max' }), '_x6 100x10'],
    ],
    at: '12m',
    labels: { ...doris, component: 'fe', pod: 'c-fe-0', severity: 'warning' },
    summary: 'FE c-fe-0 uses 95% of its heap.',
  },
  {
    alert: 'DorisOperatorDown',
    series: [[sel('up', op), '0x10']],
    at: '6m',
    labels: { ...op, severity: 'warning' },
    summary: 'The doris-operator metrics endpoint does not answer: no failover, scaling or upgrade happens.',
  },
  {
    alert: 'DorisOperatorReconcileErrors',
    series: [
      [sel('controller_runtime_reconcile_errors_total', { ...op, controller: 'doriscluster' }), '0+1x30'],
    ],
    at: '20m',
    labels: { controller: 'doriscluster', severity: 'warning' },
    summary: 'Controller doriscluster has failed reconciles for 15 minutes.',
  },
  {
    alert: 'DorisOperationStuck',
    series: [
      [
        sel('doris_operator_cluster_operation_step_seconds', {
          ...op,
          namespace: 'ns',
          cluster: 'c',
          type: 'Upgrade',
          component: 'fe',
        }),
        '0+60x40',
      ],
      [
        sel('doris_operator_cluster_operation_step_timeout_seconds', {
          ...op,
          namespace: 'ns',
          cluster: 'c',
        }),
        '1800x40',
      ],
    ],
    at: '33m',
    labels: { ...op, namespace: 'ns', cluster: 'c', type: 'Upgrade', component: 'fe', severity: 'critical' },
    summary: 'The operation on ns/c has waited on one member longer than spec.rollout.memberTimeoutSeconds.',
  },
];

test('promtool check rules accepts the alert rules', (t) => {
  const out = promtool(t, { 'rules.yaml': { groups } }, 'check', 'rules', 'rules.yaml');
  assert.match(out, /SUCCESS: 16 rules found/);
});

test('promtool check config accepts the rendered Prometheus configuration', (t) => {
  const config = prometheusConfig({
    spec,
    clusters: [
      { namespace: 'ns', name: 'c', electionNumber: 3 },
      { namespace: 'other', name: 'd', electionNumber: 1 },
    ],
    operatorMetrics: 'doris-operator-metrics.doris-system.svc:8080',
  });
  const out = promtool(t, { 'prometheus.yml': config }, 'check', 'config', '--syntax-only', 'prometheus.yml');
  assert.match(out, /SUCCESS/);
});

test('every alert has a promtool unit test, and each fires as its test says', (t) => {
  const rules = groups.flatMap((g) => g.rules);
  assert.deepEqual(
    cases.map((c) => c.alert).sort(),
    rules.map((r) => r.alert).sort(),
    'each alert needs exactly one case',
  );
  const tests = cases.map((c) => {
    const rule = rules.find((r) => r.alert === c.alert);
    return {
      interval: '1m',
      input_series: c.series.map(([series, values]) => ({ series, values })),
      alert_rule_test: [
        {
          eval_time: c.at,
          alertname: c.alert,
          exp_alerts: [
            {
              exp_labels: c.labels,
              exp_annotations: { summary: c.summary, runbook: rule?.annotations.runbook },
            },
          ],
        },
      ],
    };
  });
  // A quorum merely at risk is not lost; a healthy cluster raises nothing.
  const series = (list: [string, string][]) => list.map(([s, values]) => ({ series: s, values }));
  const none = (...alerts: string[]) =>
    alerts.map((alertname) => ({ eval_time: '5m', alertname, exp_alerts: [] }));
  tests.push(
    {
      interval: '1m',
      input_series: series(cases.find((c) => c.alert === 'DorisFollowerQuorumAtRisk')?.series ?? []),
      alert_rule_test: none('DorisFollowerQuorumLost') as never,
    },
    {
      interval: '1m',
      input_series: series([
        [sel('up', fe('c-fe-0')), '1x6'],
        [sel('up', fe('c-fe-1', 'master')), '1x6'],
        [sel('up', fe('c-fe-2')), '1x6'],
        [sel('up', be('c-be-0')), '1x6'],
        [sel('node_info', { ...fe('c-fe-1'), type: 'is_master' }), '1x6'],
      ]),
      alert_rule_test: none(
        'DorisFEDown',
        'DorisBEDown',
        'DorisNoMaster',
        'DorisFollowerQuorumAtRisk',
        'DorisFollowerQuorumLost',
      ) as never,
    },
  );
  const out = promtool(
    t,
    {
      'rules.yaml': { groups },
      'tests.yaml': { rule_files: ['rules.yaml'], evaluation_interval: '1m', tests },
    },
    'test',
    'rules',
    'tests.yaml',
  );
  assert.match(out, /SUCCESS/);
});
