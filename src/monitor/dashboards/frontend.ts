/** FE: JVM heap and GC, journal and edit log, connections, query latency quantiles, transactions. */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, q, sel, timeseries } from './kit.ts';

export function frontendDashboard() {
  const fe = 'component="fe"';
  return dashboard({
    uid: 'doris-fe',
    title: 'Doris / FE',
    description: 'Frontends: JVM, metadata journal, connections, queries and transactions, per FE.',
    podsOf: fe,
  })
    .withRow(new RowBuilder('JVM'))
    .withPanel(
      timeseries(
        'Heap used',
        'percentunit',
        'Heap in use of the maximum; above 90 % for long, the FE spends its time in GC.',
        q(
          `jvm_heap_size_bytes${sel('type="used"')} / ignoring (type) jvm_heap_size_bytes${sel('type="max"')}`,
          '{{pod}}',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Old generation used',
        'bytes',
        'Old generation of the heap.',
        q(`jvm_old_size_bytes${sel('type="used"')}`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'GC time',
        'ms',
        'Milliseconds per second spent in each collector (jvm_gc time, cumulative).',
        q(`rate(jvm_gc${sel('type="time"')}[$__rate_interval])`, '{{pod}} {{name}}'),
      ),
    )
    .withPanel(
      timeseries('Threads', 'short', 'Live JVM threads.', q(`jvm_thread${sel('type="count"')}`, '{{pod}}')),
    )
    .withRow(new RowBuilder('Metadata'))
    .withPanel(
      timeseries(
        'Journal id',
        'short',
        'Last journal id each FE replayed; a follower or observer far behind the master serves stale metadata.',
        q(`doris_fe_max_journal_id${sel()}`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Edit log writes',
        'ops',
        'Edit log entries written per second (master) and read (the others).',
        q(`rate(doris_fe_edit_log${sel('type=~"write|read"')}[$__rate_interval])`, '{{pod}} {{type}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Edit log write latency p99',
        'ms',
        'How long the master takes to write an edit log entry to BDB JE (its followers acknowledge it).',
        q(`doris_fe_editlog_write_latency_ms${sel('quantile="0.99"')}`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Edit log size',
        'bytes',
        'Bytes of edit log not yet folded into an image (checkpoint).',
        q(`doris_fe_edit_log${sel('type="current_bytes"')}`, '{{pod}}'),
      ),
    )
    .withRow(new RowBuilder('Queries'))
    .withPanel(
      timeseries(
        'Connections',
        'short',
        'MySQL connections per FE.',
        q(`doris_fe_connection_total${sel()}`, '{{pod}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Queries per second',
        'reqps',
        'Queries per second per FE, and failed ones.',
        q(`rate(doris_fe_query_total${sel()}[$__rate_interval])`, '{{pod}}'),
        q(`rate(doris_fe_query_err${sel()}[$__rate_interval])`, '{{pod}} errors'),
      ),
    )
    .withPanel(
      timeseries(
        'Query latency quantiles',
        'ms',
        'Query latency per FE at the 75th, 95th, 99th and 99.9th percentile.',
        q(`doris_fe_query_latency_ms${sel('quantile=~"0.75|0.95|0.99|0.999"')}`, '{{pod}} p{{quantile}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Transactions',
        'ops',
        'Load transactions begun, committed and failed per second.',
        q(
          `sum by (type) (rate(doris_fe_txn_counter${sel('type=~"begin|success|failed"')}[$__rate_interval]))`,
          '{{type}}',
        ),
      ),
    );
}
