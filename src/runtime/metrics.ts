/**
 * The operator's own Prometheus metrics. Names follow controller-runtime and client-go, so the
 * dashboards and alerts people already have for Go operators work for this one too.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Reconciliations per controller and result (success, error, requeue, requeue_after).',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Reconciliations that failed, per controller.',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Duration of reconciliations per controller.',
    labelNames: ['controller'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Keys waiting in the work queue.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Keys added to the work queue.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'Time a key waits in the work queue before a worker takes it.',
    labelNames: ['name'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Keys re-added after a failure.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'rest_client_requests_total',
    help: 'Requests to the Kubernetes API server by verb and HTTP status code.',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  readonly apiLatency = new Histogram({
    name: 'rest_client_request_duration_seconds',
    help: 'Latency of requests to the Kubernetes API server by verb.',
    labelNames: ['method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'leader_election_master_status',
    help: '1 while this process holds the named lease, else 0.',
    labelNames: ['name'],
    registers: [this.registry],
  });

  constructor(processMetrics = true) {
    // The event-loop delay monitor samples with a timer: at prom-client's default 10 ms it costs
    // more CPU than an operator at rest spends on everything else; a late timer still shows.
    if (processMetrics)
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }
}
