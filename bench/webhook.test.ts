/** Keeps the webhook benchmark working: a small run with the same code as bench/run-webhook.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestClient } from '../src/kube/rest.ts';
import { testEnv } from '../test/support/env.ts';
import { benchWebhook, percentiles } from './webhook.ts';

test('percentiles', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.deepEqual(percentiles(xs), { p50: 50, p99: 99, max: 100 });
});

test('the webhook benchmark runs', async (t) => {
  const { info } = await testEnv();
  const client = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  t.after(() => client.close());
  const r = await benchWebhook(client, info.kubeconfigPath, 40, 4);
  assert.equal(r.admissions, 40);
  assert.ok(r.webhook.validate.p50 > 0 && r.webhook.mutate.p50 > 0);
  assert.ok(r.endToEnd.withWebhooks.p50 > 0 && r.endToEnd.concurrent.perSecond > 0);
  assert.equal(r.apiserverView['validate.dorisclusters.doris.cloudnative.dev']?.calls, 40);
});
