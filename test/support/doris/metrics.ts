/**
 * Prometheus text as Doris writes it. FE (PrometheusMetricVisitor): HELP and TYPE once per name,
 * labels joined with `", "`, doubles printed Java-style (`0.0`), `node_info{type="is_master"}` only
 * on the master. BE: only `# TYPE` lines, the `doris_be_` prefix, labels joined with `,`.
 */
import { CPU_MODES, type Meter } from './load.ts';
import type { DorisCluster } from './state/cluster.ts';

const double = (v: number): string =>
  Number.isInteger(v) ? v.toFixed(1) : String(Math.round(v * 1000) / 1000);
const long = (v: number): string => String(Math.floor(v));
const feLabels = (l: Record<string, string>): string =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
const beLabels = (l: Record<string, string>): string =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

export interface FeMetricsInput {
  readonly meter: Meter;
  readonly cluster: DorisCluster;
  readonly isMaster: boolean;
  readonly connections: number;
}

export function frontendMetrics({ meter, cluster, isMaster, connections }: FeMetricsInput): string {
  meter.advance();
  const load = meter.load;
  const out: string[] = [];
  const metric = (
    name: string,
    type: string,
    help: string,
    lines: [Record<string, string> | undefined, string][],
  ) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of lines)
      out.push(`${name}${labels === undefined ? '' : feLabels(labels)} ${value}`);
  };
  const heapMax = 8 * 1024 ** 3;
  const heapUsed = Math.min(heapMax, Math.round(load.memoryBytes * 0.6));
  metric('jvm_heap_size_bytes', 'gauge', 'jvm heap stat', [
    [{ type: 'max' }, long(heapMax)],
    [{ type: 'committed' }, long(Math.max(heapUsed, 1024 ** 3))],
    [{ type: 'used' }, long(heapUsed)],
  ]);
  metric('jvm_non_heap_size_bytes', 'gauge', 'jvm non heap stat', [
    [{ type: 'committed' }, long(180 * 1024 ** 2)],
    [{ type: 'used' }, long(170 * 1024 ** 2)],
  ]);
  metric('jvm_young_size_bytes', 'gauge', 'jvm young mem pool stat', [
    [{ type: 'used' }, long(heapUsed * 0.3)],
    [{ type: 'peak_used' }, long(heapMax * 0.3)],
    [{ type: 'max' }, long(heapMax * 0.4)],
  ]);
  metric('jvm_old_size_bytes', 'gauge', 'jvm old mem pool stat', [
    [{ type: 'used' }, long(heapUsed * 0.7)],
    [{ type: 'peak_used' }, long(heapMax * 0.6)],
    [{ type: 'max' }, long(heapMax * 0.6)],
  ]);
  // One line per collector and count/time, the name carrying both (PrometheusMetricVisitor.visitJvm).
  const gc = meter.gc;
  metric('jvm_gc', 'gauge', 'jvm gc stat', [
    [{ name: 'G1 Young Generation Count', type: 'count' }, long(gc.youngCount)],
    [{ name: 'G1 Young Generation Time', type: 'time' }, long(gc.youngMs)],
    [{ name: 'G1 Old Generation Count', type: 'count' }, long(gc.oldCount)],
    [{ name: 'G1 Old Generation Time', type: 'time' }, long(gc.oldMs)],
  ]);
  metric('jvm_thread', 'gauge', 'jvm thread stat', [
    [{ type: 'count' }, '180'],
    [{ type: 'peak_count' }, '200'],
    [{ type: 'runnable_count' }, '40'],
    [{ type: 'blocked_count' }, '0'],
    [{ type: 'waiting_count' }, '100'],
  ]);
  const qps = meter.calculatedQps(cluster.timing().metricCalculatorMs);
  metric('doris_fe_qps', 'gauge', 'query per second', [[undefined, double(qps)]]);
  metric('doris_fe_rps', 'gauge', 'request per second', [[undefined, double(qps)]]);
  metric('doris_fe_query_err_rate', 'gauge', 'query error per second', [
    [undefined, double(qps * Math.min(1, Math.max(0, load.errorRatio ?? 0)))],
  ]);
  metric('doris_fe_query_total', 'counter', 'total query', [[undefined, long(meter.queryTotal)]]);
  metric('doris_fe_request_total', 'counter', 'total request', [[undefined, long(meter.queryTotal)]]);
  metric('doris_fe_query_err', 'counter', 'total error query', [[undefined, long(meter.queryErr)]]);
  metric('doris_fe_connection_total', 'gauge', 'total connections', [
    [undefined, long(connections + load.connections)],
  ]);
  metric('doris_fe_max_journal_id', 'gauge', 'max journal id of this frontends', [
    [undefined, long(cluster.journalId)],
  ]);
  // The master writes every journal entry, the others read (replay) them (MetricRepo edit_log).
  metric('doris_fe_edit_log', 'counter', 'counter of edit log write into bdbje', [
    [{ type: 'write' }, long(isMaster ? cluster.journalId : 0)],
    [{ type: 'read' }, long(isMaster ? 0 : cluster.journalId)],
    [{ type: 'current' }, long(cluster.journalId % 50_000)],
    [{ type: 'accumulated_bytes' }, long(cluster.journalId * 512)],
    [{ type: 'current_bytes' }, long((cluster.journalId % 50_000) * 512)],
  ]);
  out.push('# HELP doris_fe_editlog_write_latency_ms ', '# TYPE doris_fe_editlog_write_latency_ms summary');
  for (const [q, v] of [
    ['0.75', 1],
    ['0.95', 2],
    ['0.98', 3],
    ['0.99', 4],
    ['0.999', 8],
  ] as const)
    out.push(`doris_fe_editlog_write_latency_ms${feLabels({ quantile: q })} ${double(isMaster ? v : 0)}`);
  out.push(
    `doris_fe_editlog_write_latency_ms_sum ${double(isMaster ? cluster.journalId * 1.2 : 0)}`,
    `doris_fe_editlog_write_latency_ms_count ${long(isMaster ? cluster.journalId : 0)}`,
  );
  // Transactions are counted where GlobalTransactionMgr runs: on the master.
  const txn = isMaster ? meter.txn : { begin: 0, success: 0, failed: 0 };
  metric('doris_fe_txn_counter', 'counter', 'counter of transactions', [
    [{ type: 'begin' }, long(txn.begin)],
    [{ type: 'success' }, long(txn.success)],
    [{ type: 'failed' }, long(txn.failed)],
    [{ type: 'reject' }, '0'],
  ]);
  out.push('# HELP doris_fe_query_latency_ms ', '# TYPE doris_fe_query_latency_ms summary');
  const factors: [string, number][] = [
    ['0.75', 1],
    ['0.95', 1.5],
    ['0.98', 1.8],
    ['0.99', 2],
    ['0.999', 3],
  ];
  for (const [q, f] of factors)
    out.push(`doris_fe_query_latency_ms${feLabels({ quantile: q })} ${double(load.latencyMs * f)}`);
  out.push(
    `doris_fe_query_latency_ms_sum ${double(meter.latencySumMs)}`,
    `doris_fe_query_latency_ms_count ${long(meter.queryTotal)}`,
  );
  const bes = cluster.backends.list;
  const lines: string[] = [
    `node_info${feLabels({ type: 'fe_node_num', state: 'total' })} ${cluster.frontends.list.length}`,
    `node_info${feLabels({ type: 'be_node_num', state: 'total' })} ${bes.length}`,
    `node_info${feLabels({ type: 'be_node_num', state: 'alive' })} ${bes.filter((b) => b.alive).length}`,
    `node_info${feLabels({ type: 'be_node_num', state: 'decommissioned' })} ${bes.filter((b) => b.decommissioned).length}`,
    `node_info${feLabels({ type: 'broker_node_num', state: 'dead' })} ${cluster.brokers.list.filter((b) => !b.alive).length}`,
  ];
  if (isMaster) lines.push(`node_info${feLabels({ type: 'is_master' })} 1`);
  out.push('# TYPE node_info gauge', ...lines);
  if (isMaster) {
    metric('doris_fe_scheduled_tablet_num', 'gauge', 'number of tablets being scheduled', [[undefined, '0']]);
    metric(
      'doris_fe_tablet_num',
      'gauge',
      'tablet number',
      bes.map((b) => [{ backend: `${b.host}:${b.heartbeatPort}` }, long(cluster.catalog.replicasOn(b.id))]),
    );
  }
  return `${out.join('\n')}\n`;
}

export interface BeMetricsInput {
  readonly meter: Meter;
  readonly cores: number;
  readonly totalCapacity: number;
  /** Bytes in use on the data disk (default 5 %). */
  readonly usedCapacity?: number | undefined;
  readonly storagePath: string;
}

export function backendMetrics({
  meter,
  cores,
  totalCapacity,
  usedCapacity,
  storagePath,
}: BeMetricsInput): string {
  meter.advance();
  const out: string[] = ['# TYPE doris_be_cpu counter'];
  for (const mode of CPU_MODES) {
    out.push(
      `doris_be_cpu${beLabels({ device: 'cpu', mode })} ${long((meter.cpuPerCore[mode] ?? 0) * cores)}`,
    );
  }
  for (let i = 0; i < cores; i++) {
    for (const mode of CPU_MODES)
      out.push(`doris_be_cpu${beLabels({ device: `cpu${i}`, mode })} ${long(meter.cpuPerCore[mode] ?? 0)}`);
  }
  const gauge = (name: string, lines: [Record<string, string> | undefined, string][], type = 'gauge') => {
    out.push(`# TYPE doris_be_${name} ${type}`);
    for (const [labels, value] of lines)
      out.push(`doris_be_${name}${labels === undefined ? '' : beLabels(labels)} ${value}`);
  };
  const load = meter.load;
  gauge('memory_allocated_bytes', [[undefined, long(load.memoryBytes)]]);
  gauge('process_thread_num', [[undefined, '320']]);
  gauge('process_fd_num_used', [[undefined, '450']]);
  gauge('load_average', [
    [{ mode: '1_minutes' }, double(load.cpu * cores)],
    [{ mode: '5_minutes' }, double(load.cpu * cores)],
    [{ mode: '15_minutes' }, double(load.cpu * cores)],
  ]);
  gauge('fragment_instance_count', [[undefined, long(load.running ?? load.qps * 2)]]);
  gauge('fragment_thread_pool_queue_size', [[undefined, long(load.queued ?? 0)]]);
  gauge('scanner_thread_pool_queue_size', [[undefined, '0']]);
  gauge('load_rows', [[undefined, long(meter.loadRows)]], 'counter');
  gauge('load_bytes', [[undefined, long(meter.loadRows * 100)]], 'counter');
  gauge('query_scan_rows', [[undefined, long(meter.queryTotal * 1000)]], 'counter');
  gauge('query_scan_bytes', [[undefined, long(meter.queryTotal * 64_000)]], 'counter');
  gauge('disks_total_capacity', [[{ path: storagePath }, long(totalCapacity)]]);
  const used = Math.min(totalCapacity, usedCapacity ?? totalCapacity * 0.05);
  gauge('disks_avail_capacity', [[{ path: storagePath }, long(totalCapacity - used)]]);
  gauge('disks_local_used_capacity', [[{ path: storagePath }, long(used)]]);
  gauge('disks_state', [[{ path: storagePath }, '1']]);
  gauge('max_disk_io_util_percent', [[undefined, long(load.cpu * 30)]]);
  gauge('tablet_base_max_compaction_score', [[undefined, long((load.compactionScore ?? 0) / 10)]]);
  gauge('tablet_cumulative_max_compaction_score', [[undefined, long(load.compactionScore ?? 0)]]);
  return `${out.join('\n')}\n`;
}
