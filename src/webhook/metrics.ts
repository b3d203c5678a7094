/**
 * The webhook's Prometheus metrics: admissions by kind, operation and verdict, their latency
 * inside the webhook (from the request's arrival to the response written), and the serving
 * certificate's expiry and rotations, so an alert can fire long before the API server would see
 * an expired certificate.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** mutate: patched | unchanged; validate: allowed | denied; either: error. */
export type Verdict = 'patched' | 'unchanged' | 'allowed' | 'denied' | 'error';

export class WebhookMetrics {
  readonly registry: Registry;
  readonly admissions: Counter<'kind' | 'operation' | 'verdict'>;
  readonly latency: Histogram<'kind' | 'operation' | 'verdict'>;
  readonly certificateExpiry: Gauge<'certificate'>;
  readonly rotations: Counter<'step'>;

  constructor(registry = new Registry(), processMetrics = true) {
    this.registry = registry;
    if (processMetrics) collectDefaultMetrics({ register: registry });
    this.admissions = new Counter({
      name: 'doris_webhook_admissions_total',
      help: 'Admission reviews answered, by kind, operation and verdict (patched, unchanged, allowed, denied, error).',
      labelNames: ['kind', 'operation', 'verdict'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'doris_webhook_admission_duration_seconds',
      help: 'Time from an admission request arriving to its response, inside the webhook.',
      labelNames: ['kind', 'operation', 'verdict'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.certificateExpiry = new Gauge({
      name: 'doris_webhook_certificate_expiry_timestamp_seconds',
      help: 'When the certificate in use expires (serving, ca), as a Unix time.',
      labelNames: ['certificate'],
      registers: [registry],
    });
    this.rotations = new Counter({
      name: 'doris_webhook_certificate_rotations_total',
      help: 'Certificate steps this replica wrote: create, add-next-ca, promote-next-ca, renew-serving, prune-bundle.',
      labelNames: ['step'],
      registers: [registry],
    });
  }
}
