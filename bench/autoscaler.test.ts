/** Keeps the autoscaler benchmark working: short periods, with the same code as bench/run-autoscaler.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestClient } from '../src/kube/rest.ts';
import { installCrds } from '../test/api/support.ts';
import { simulator, testEnv } from '../test/support/env.ts';
import { benchAutoscaler } from './autoscaler.ts';

test('the autoscaler benchmark runs: out on a load step, in after the window, its cost at rest', async (t) => {
  await installCrds();
  const { info, client } = await testEnv();
  const operatorClient = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  t.after(() => operatorClient.close());
  const ns = `bench-dca-${Date.now().toString(36)}`;
  const f = await benchAutoscaler(client, operatorClient, await simulator(), ns, {
    syncPeriodS: 1,
    scaleDownWindowS: 5,
    cooldownS: 2,
    restMs: 3000,
  });
  assert.ok(f.scaleOutAliveS > 0, `scaled out: ${f.scaleOutAliveS} s`);
  // The window counts from the last high recommendation, up to one sync period before the drop.
  assert.ok(f.scaleInDecisionS >= 4, `scale-in after the 5 s window: ${f.scaleInDecisionS} s`);
  assert.ok(f.perMinute.metricReads > 0, 'the autoscaler read metrics at rest');
  assert.equal(f.perMinute.apiWrites, 0, 'and wrote nothing');
});
