/** BE and CN: CPU, memory, disk per data directory, compaction, tablets, loads and scans. */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, inCluster, q, sel, timeseries } from './kit.ts';

export function backendDashboard() {
  return dashboard({
    uid: 'doris-be',
    title: 'Doris / BE and CN',
    description:
      'Backends and compute nodes: CPU, memory, disks, compaction, tablets, loads and scans, per member.',
    podsOf: 'component=~"be|cn"',
  })
    .withRow(new RowBuilder('Resources'))
    .withPanel(
      timeseries(
        'CPU busy',
        'percent',
        'Busy share of the CPUs the BE sees (doris_be_cpu comes from /proc/stat: the node, not only the container).',
        q(
          `100 * (1 - sum by (pod) (rate(doris_be_cpu${sel('device="cpu", mode="idle"')}[$__rate_interval])) / ` +
            `sum by (pod) (rate(doris_be_cpu${sel('device="cpu"')}[$__rate_interval])))`,
          '{{pod}}',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Memory',
        'bytes',
        'Memory the BE process has allocated.',
        q(`doris_be_memory_allocated_bytes${sel()}`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Disk use per data directory',
        'percent',
        'Share of each data directory in use.',
        q(
          `100 * (1 - doris_be_disks_avail_capacity${sel()} / doris_be_disks_total_capacity${sel()})`,
          '{{pod}} {{path}}',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Disk IO utilisation',
        'percent',
        'The busiest disk of each member.',
        q(`doris_be_max_disk_io_util_percent${sel()}`, '{{pod}}'),
      ),
    )
    .withRow(new RowBuilder('Tablets and compaction'))
    .withPanel(
      timeseries(
        'Compaction score',
        'short',
        'Highest base and cumulative compaction score; above 100 loads outrun compaction.',
        q(`doris_be_tablet_cumulative_max_compaction_score${sel()}`, '{{pod}} cumulative'),
        q(`doris_be_tablet_base_max_compaction_score${sel()}`, '{{pod}} base'),
      ),
    )
    .withPanel(
      timeseries(
        'Tablets per backend',
        'short',
        'Tablet replicas on each backend, as the master FE counts them.',
        q(`max by (backend) (doris_fe_tablet_num${inCluster()})`, '{{backend}}'),
      ),
    )
    .withRow(new RowBuilder('Loads and scans'))
    .withPanel(
      timeseries(
        'Rows loaded',
        'rowsps',
        'Rows loaded per second into each BE.',
        q(`rate(doris_be_load_rows${sel()}[$__rate_interval])`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Bytes loaded',
        'Bps',
        'Bytes loaded per second into each BE.',
        q(`rate(doris_be_load_bytes${sel()}[$__rate_interval])`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Rows scanned',
        'rowsps',
        'Rows read by queries per second.',
        q(`rate(doris_be_query_scan_rows${sel()}[$__rate_interval])`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Query fragments',
        'short',
        'Fragment instances running, and tasks queued for a thread.',
        q(`doris_be_fragment_instance_count${sel()}`, '{{pod}} running'),
        q(`doris_be_fragment_thread_pool_queue_size${sel()}`, '{{pod}} queued'),
      ),
    );
}
