/** The review handling: envelopes, operations, wrong resources, internal errors, and logs without values. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../runtime/log.ts';
import { dorisClusterAdmission } from './doris-cluster/index.ts';
import { AdmissionHandler } from './handler.ts';
import type { KindAdmission } from './kinds.ts';
import { WebhookMetrics } from './metrics.ts';
import { BadReviewError } from './review.ts';

function setup() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const metrics = new WebhookMetrics(undefined, false);
  return { lines, metrics, handler: new AdmissionHandler(metrics, createLogger('debug', sink)) };
}

const review = (request: Record<string, unknown>) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u1',
    kind: { group: 'doris.cloudnative.dev', version: 'v1alpha1', kind: 'DorisCluster' },
    resource: { group: 'doris.cloudnative.dev', version: 'v1alpha1', resource: 'dorisclusters' },
    name: 'c',
    namespace: 'ns',
    operation: 'CREATE',
    ...request,
  },
});

const secretValue = 'S3cr3t-Passw0rd';
const object = {
  metadata: { name: 'c' },
  spec: {
    version: '2.1.8',
    fe: { config: { initial_root_password: secretValue, x: `a\n${secretValue}` } },
    be: {},
  },
};

test('a denial names the fields; the log has the fields but never the values', async () => {
  const { lines, metrics, handler } = setup();
  const res = await handler.handle(dorisClusterAdmission(), 'validate', review({ object }));
  assert.equal(res.allowed, false);
  assert.equal(res.uid, 'u1');
  assert.deepEqual(
    res.status?.details?.causes.map((c) => c.field),
    ['spec.fe.config.initial_root_password', 'spec.fe.config.x'],
  );
  assert.ok(!JSON.stringify(res).includes(secretValue), 'the response does not echo the secret either');
  const log = lines.join('');
  assert.match(log, /admission denied/);
  assert.match(log, /spec\.fe\.config\.initial_root_password/);
  assert.ok(!log.includes(secretValue));
  assert.match(
    await metrics.registry.metrics(),
    /doris_webhook_admissions_total\{kind="DorisCluster",operation="CREATE",verdict="denied"\} 1/,
  );
});

test('DELETE is allowed untouched; other resources and broken envelopes are refused', async () => {
  const { handler } = setup();
  const kind = dorisClusterAdmission();
  assert.equal((await handler.handle(kind, 'validate', review({ operation: 'DELETE' }))).allowed, true);
  const other = await handler.handle(
    kind,
    'validate',
    review({
      resource: { group: '', version: 'v1', resource: 'pods' },
      kind: { group: '', version: 'v1', kind: 'Pod' },
    }),
  );
  assert.equal(other.allowed, false);
  assert.equal(other.status?.code, 500);
  const status = await handler.handle(kind, 'mutate', review({ subResource: 'status', object }));
  assert.equal(status.allowed, false);
  await assert.rejects(handler.handle(kind, 'validate', { kind: 'AdmissionReview' }), BadReviewError);
});

test('a failing kind becomes an error verdict, not a crash', async () => {
  const { handler, metrics } = setup();
  const broken: KindAdmission = {
    ...dorisClusterAdmission(),
    default: () => {
      throw new Error('boom');
    },
  };
  const res = await handler.handle(broken, 'mutate', review({ object }));
  assert.equal(res.allowed, false);
  assert.equal(res.status?.code, 500);
  assert.match(res.status?.message ?? '', /doris-admission-webhook failed: boom/);
  assert.match(await metrics.registry.metrics(), /verdict="error"\} 1/);
});
