/** Cluster overview: members alive per role, the master, load, latency, errors, connections, disk. */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { jobs } from '../targets.ts';
import { dashboard, inCluster, q, stat, timeseries } from './kit.ts';

const up = (extra: string) => `up{job="${jobs.doris}", cluster=~"$cluster", ${extra}}`;

export function overviewDashboard() {
  return dashboard({
    uid: 'doris-overview',
    title: 'Doris / Cluster overview',
    description:
      'Each Doris cluster at a glance: members alive per role, the master FE, load, latency, errors and disk use.',
  })
    .withRow(new RowBuilder('Members'))
    .withPanel(
      stat(
        'FE followers up',
        'none',
        'FE followers answering, the master included; a majority must be up for a master to exist.',
        q(`sum by (cluster) (${up('component="fe", role=~"follower|master"')})`, '{{cluster}}'),
      ),
    )
    .withPanel(
      stat(
        'FE observers up',
        'none',
        'FE observers answering (they serve queries, do not vote).',
        q(
          `sum by (cluster) (${up('component="fe", role="observer"')}) or sum by (cluster) (0 * ${up('component="fe"')})`,
          '{{cluster}}',
        ),
      ),
    )
    .withPanel(
      stat(
        'BE up',
        'none',
        'Backends answering on :8040.',
        q(`sum by (cluster) (${up('component="be"')})`, '{{cluster}}'),
      ),
    )
    .withPanel(
      stat(
        'CN up',
        'none',
        'Compute nodes answering on :8040.',
        q(
          `sum by (cluster) (${up('component="cn"')}) or sum by (cluster) (0 * ${up('component="fe"')})`,
          '{{cluster}}',
        ),
      ),
    )
    .withPanel(
      stat(
        'Master FE',
        'none',
        'The FE that reports node_info{type="is_master"}.',
        q(`max by (cluster, pod) (node_info${inCluster('type="is_master"')})`, '{{cluster}} {{pod}}'),
      ),
    )
    .withPanel(
      stat(
        'Backends alive (FE view)',
        'none',
        'Backends the master FE receives heartbeats from, of those registered.',
        q(
          `max by (cluster) (node_info${inCluster('type="be_node_num", state="alive"')})`,
          '{{cluster}} alive',
        ),
        q(
          `max by (cluster) (node_info${inCluster('type="be_node_num", state="total"')})`,
          '{{cluster}} registered',
        ),
      ),
    )
    .withRow(new RowBuilder('Queries'))
    .withPanel(
      timeseries(
        'Queries per second',
        'reqps',
        'Queries per second over all FEs (doris_fe_qps).',
        q(`sum by (cluster) (doris_fe_qps${inCluster()})`, '{{cluster}}'),
      ),
    )
    .withPanel(
      timeseries(
        'p99 query latency',
        'ms',
        'The slowest FE p99 query latency (doris_fe_query_latency_ms is a summary: quantiles, not buckets).',
        q(`max by (cluster) (doris_fe_query_latency_ms${inCluster('quantile="0.99"')})`, '{{cluster}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Query errors per second',
        'reqps',
        'Failed queries per second over all FEs.',
        q(`sum by (cluster) (rate(doris_fe_query_err${inCluster()}[$__rate_interval]))`, '{{cluster}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Connections',
        'short',
        'MySQL connections over all FEs (limit qe_max_connection per FE).',
        q(`sum by (cluster) (doris_fe_connection_total${inCluster()})`, '{{cluster}}'),
      ),
    )
    .withRow(new RowBuilder('Storage'))
    .withPanel(
      timeseries(
        'Disk use per data directory',
        'percent',
        'Share of each BE data directory in use; Doris refuses loads at 95 %.',
        q(
          `100 * (1 - doris_be_disks_avail_capacity${inCluster()} / doris_be_disks_total_capacity${inCluster()})`,
          '{{pod}} {{path}}',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Data held by Doris',
        'bytes',
        'Bytes of tablet data per cluster (doris_be_disks_local_used_capacity).',
        q(`sum by (cluster) (doris_be_disks_local_used_capacity${inCluster()})`, '{{cluster}}'),
      ),
    );
}
