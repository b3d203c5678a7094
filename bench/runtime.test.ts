/** Keeps the benchmark code working: a small run with the same code as `npm run bench`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestClient } from '../src/kube/rest.ts';
import { testEnv } from '../test/support/env.ts';
import { benchCache, benchReconcile, createObjects } from './runtime.ts';

test('the runtime benchmark runs and an idle manager makes no requests', async (t) => {
  const { info, client: admin } = await testEnv();
  const ns = `bench-smoke-${Date.now().toString(36)}`;
  t.after(() => admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => {}));
  await createObjects(admin, ns, 50, 64, 25);
  const client = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  const r = await benchReconcile(client, ns, 50, 2000);
  assert.equal(r.objects, 50);
  assert.ok(r.reconcilesPerSecond > 0);
  // At rest only the long-running watches may (re)connect: no reads, no writes.
  assert.deepEqual(
    Object.keys(r.apiRequestsAtRest).filter((k) => !k.startsWith('WATCH')),
    [],
    `a manager at rest sends nothing: ${JSON.stringify(r.apiRequestsAtRest)}`,
  );
  const cacheClient = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  t.after(() => cacheClient.close());
  const c = await benchCache(cacheClient, ns, 50);
  assert.ok(c.objects >= 50);
});
