/**
 * The Doris alert rules, as a Prometheus rule file (data). Every alert reads metrics Doris 2.1/3.0
 * export under the labels the scrape configuration gives (namespace, cluster, component, pod, role)
 * or the operator's own, and carries a one-line runbook. Doris exports no count of unhealthy tablet
 * replicas; tablets the master keeps scheduling for long (repair or balance) stand in for it.
 */
import type { ResolvedMonitorSpec } from '../api/v1alpha1/index.ts';
import { jobs } from './targets.ts';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' | 'info' };
  readonly annotations: { readonly summary: string; readonly runbook: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const by = 'namespace, cluster';
const up = (sel: string) => `up{job="${jobs.doris}", ${sel}}`;
/** The voting FEs: the master is a follower too. */
const followers = up('component="fe", role=~"follower|master"');

export function alertRules(alerts: ResolvedMonitorSpec['alerts']): RuleGroup[] {
  const members: AlertRule[] = [
    {
      alert: 'DorisFEDown',
      // Without role: a master that stops is relabelled a follower after the election, and the
      // alert must stay the same one.
      expr: `max without (role) (${up('component="fe"')}) == 0`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'FE {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.cluster }} does not answer on :8030/metrics.',
        runbook:
          'kubectl describe pod and kubectl logs the FE; check fe.warn.log lines in Loki; the operator restarts or fails it over per spec.fe.failover.',
      },
    },
    {
      alert: 'DorisBEDown',
      expr: `${up('component="be"')} == 0`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'BE {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.cluster }} does not answer on :8040/metrics.',
        runbook:
          'kubectl describe pod and check be.WARNING lines in Loki; replicas on it are repaired by Doris after tablet_repair_delay_factor_second; do not delete its claim.',
      },
    },
    {
      alert: 'DorisCNDown',
      expr: `${up('component="cn"')} == 0`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'Compute node {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.cluster }} does not answer.',
        runbook: 'Compute nodes hold no data: queries move to the others; check the pod and its node.',
      },
    },
    {
      alert: 'DorisBackendNotAlive',
      expr:
        `max by (${by}) (node_info{type="be_node_num", state="total"}) - ` +
        `max by (${by}) (node_info{type="be_node_num", state="alive"}) > 0`,
      for: '2m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'The FE sees {{ $value }} backend(s) of {{ $labels.namespace }}/{{ $labels.cluster }} not alive (no heartbeat).',
        runbook:
          'SHOW BACKENDS shows which one and its ErrMsg; a BE that runs but misses heartbeats points at the network or a full disk.',
      },
    },
    {
      alert: 'DorisNoMaster',
      expr:
        `max by (${by}) (${up('component="fe"')}) unless on (${by}) ` +
        `max by (${by}) (node_info{type="is_master"} == 1)`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary:
          'No FE of {{ $labels.namespace }}/{{ $labels.cluster }} is master: metadata cannot change, loads and DDL fail.',
        runbook:
          'Check the followers are up and can reach each other on :9010; a majority of followers is needed to elect one (see DorisFollowerQuorumLost).',
      },
    },
    {
      alert: 'DorisFollowerQuorumAtRisk',
      expr:
        `sum by (${by}) (${followers}) <= on (${by}) floor(count by (${by}) (${followers}) / 2) + 1 ` +
        `and on (${by}) count by (${by}) (${followers}) > 1`,
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          '{{ $labels.namespace }}/{{ $labels.cluster }} has just a majority of FE followers up: one more lost stops metadata changes.',
        runbook:
          'Bring the missing follower back before any maintenance; the operator will not restart another FE meanwhile.',
      },
    },
    {
      alert: 'DorisFollowerQuorumLost',
      expr: `sum by (${by}) (${followers}) < on (${by}) floor(count by (${by}) (${followers}) / 2) + 1`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary:
          '{{ $labels.namespace }}/{{ $labels.cluster }} has fewer than a majority of FE followers up: no master can be elected.',
        runbook:
          'Restore the followers (their metadata claims hold the journal); never recreate several followers at once.',
      },
    },
    {
      alert: 'DorisBEDiskAlmostFull',
      expr: `100 * (1 - doris_be_disks_avail_capacity / doris_be_disks_total_capacity) > ${alerts.diskUsedPercent}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'Data directory {{ $labels.path }} of {{ $labels.pod }} is {{ printf "%.0f" $value }} % full.',
        runbook:
          'Grow spec.be.storage (or let a DorisClusterAutoscaler storage policy do it) or add BEs; at 95 % Doris refuses loads (flood stage).',
      },
    },
    {
      alert: 'DorisCompactionScoreHigh',
      expr:
        'max by (namespace, cluster, pod) (doris_be_tablet_cumulative_max_compaction_score) > 100 or ' +
        'max by (namespace, cluster, pod) (doris_be_tablet_base_max_compaction_score) > 100',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Compaction on {{ $labels.pod }} lags (score {{ $value }}): loads may soon fail with -235.',
        runbook:
          'Loads come in more often than compaction merges them: batch loads, or raise the BE compaction threads.',
      },
    },
    {
      alert: 'DorisQueryErrorRatioHigh',
      expr:
        `sum by (${by}) (rate(doris_fe_query_err[5m])) / ` +
        `sum by (${by}) (rate(doris_fe_query_total[5m])) > 0.05`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          '{{ $value | humanizePercentage }} of the queries of {{ $labels.namespace }}/{{ $labels.cluster }} fail.',
        runbook:
          'fe.warn.log in Loki (component fe) names the failing queries; check BE health and memory limits.',
      },
    },
    {
      alert: 'DorisQueryLatencyHigh',
      expr: `max by (${by}) (doris_fe_query_latency_ms{quantile="0.99"}) > ${alerts.p99LatencyMs}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'p99 query latency of {{ $labels.namespace }}/{{ $labels.cluster }} is {{ $value }} ms.',
        runbook:
          'Find slow queries in the audit log (fe.audit.log in Loki); add compute nodes or a DorisClusterAutoscaler on P99Latency.',
      },
    },
    {
      alert: 'DorisTabletsScheduledLong',
      expr: `max by (${by}) (doris_fe_scheduled_tablet_num) > 0`,
      for: '30m',
      labels: { severity: 'info' },
      annotations: {
        summary:
          '{{ $value }} tablets of {{ $labels.namespace }}/{{ $labels.cluster }} are being repaired or balanced for 30 minutes.',
        runbook:
          'SHOW PROC "/cluster_health/tablet_health" shows unhealthy replicas; a BE down or decommissioning is the usual cause.',
      },
    },
    {
      alert: 'DorisFEHeapHigh',
      // Without role, as DorisFEDown: the FE that was master stays one alert.
      expr:
        'max without (role) (jvm_heap_size_bytes{type="used"}) / ignoring (type) ' +
        'max without (role) (jvm_heap_size_bytes{type="max"}) > 0.9',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'FE {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its heap.',
        runbook:
          'Raise the FE memory (JAVA_OPTS -Xmx follows the container limit) or reduce concurrent metadata-heavy work.',
      },
    },
  ];
  const operator: AlertRule[] = [
    {
      alert: 'DorisOperatorDown',
      expr: `up{job="${jobs.operator}"} == 0`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'The doris-operator metrics endpoint does not answer: no failover, scaling or upgrade happens.',
        runbook: 'kubectl -n <operator namespace> get pods and logs of doris-controller-manager.',
      },
    },
    {
      alert: 'DorisOperatorReconcileErrors',
      expr: `sum by (controller) (rate(controller_runtime_reconcile_errors_total{job="${jobs.operator}"}[5m])) > 0`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Controller {{ $labels.controller }} has failed reconciles for 15 minutes.',
        runbook: 'kubectl describe the custom resources (events say why) and read the operator log.',
      },
    },
    {
      alert: 'DorisOperationStuck',
      expr:
        `doris_operator_cluster_operation_step_seconds > on (${by}) group_left ` +
        'doris_operator_cluster_operation_step_timeout_seconds',
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary:
          'The operation on {{ $labels.namespace }}/{{ $labels.cluster }} has waited on one member longer than spec.rollout.memberTimeoutSeconds.',
        runbook:
          'kubectl describe doriscluster shows status.operation and its message; fix the member it waits for, the operator never skips it.',
      },
    },
  ];
  return alerts.enabled
    ? [
        { name: 'doris.members', rules: members },
        { name: 'doris.operator', rules: operator },
      ]
    : [];
}
