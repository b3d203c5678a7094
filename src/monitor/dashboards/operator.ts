/** The operator: reconciles, errors, queue depth, API requests and the operations in progress. */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { jobs } from '../targets.ts';
import { dashboard, inCluster, q, timeseries } from './kit.ts';

const op = `job="${jobs.operator}"`;

export function operatorDashboard() {
  return dashboard({
    uid: 'doris-operator',
    title: 'Doris / Operator',
    description:
      'The doris-operator: reconciles, errors, work queues, API requests and the operations it is carrying out.',
  })
    .withRow(new RowBuilder('Reconciles'))
    .withPanel(
      timeseries(
        'Reconciles per second',
        'ops',
        'Reconciles per controller and result.',
        q(
          `sum by (controller, result) (rate(controller_runtime_reconcile_total{${op}}[$__rate_interval]))`,
          '{{controller}} {{result}}',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Reconcile errors',
        'ops',
        'Failed reconciles per controller per second.',
        q(
          `sum by (controller) (rate(controller_runtime_reconcile_errors_total{${op}}[$__rate_interval]))`,
          '{{controller}}',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Reconcile p99 duration',
        's',
        'How long a reconcile takes, 99th percentile per controller.',
        q(
          `histogram_quantile(0.99, sum by (le, controller) (rate(controller_runtime_reconcile_time_seconds_bucket{${op}}[$__rate_interval])))`,
          '{{controller}}',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Queue depth',
        'short',
        'Keys waiting per work queue.',
        q(`workqueue_depth{${op}}`, '{{name}}'),
      ),
    )
    .withPanel(
      timeseries(
        'API requests',
        'reqps',
        'Requests to the Kubernetes API server by HTTP status.',
        q(`sum by (code) (rate(rest_client_requests_total{${op}}[$__rate_interval]))`, '{{code}}'),
      ),
    )
    .withRow(new RowBuilder('Operations'))
    .withPanel(
      timeseries(
        'Operation step age',
        's',
        'How long the current step of each cluster operation has waited on its member (0 when idle), and the timeout.',
        q(
          `doris_operator_cluster_operation_step_seconds${inCluster()}`,
          '{{cluster}} {{type}} {{component}}',
        ),
        q(`doris_operator_cluster_operation_step_timeout_seconds${inCluster()}`, '{{cluster}} timeout'),
      ),
    );
}
