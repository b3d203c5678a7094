/** Keeps the failover benchmark working: one component, with the same code as bench/run-failover.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestClient } from '../src/kube/rest.ts';
import { installCrds } from '../test/api/support.ts';
import { simulator, testEnv } from '../test/support/env.ts';
import { benchFailover } from './failover.ts';

test('the failover benchmark runs: a compute node replaced after its period', async (t) => {
  await installCrds();
  const { info, client } = await testEnv();
  const operatorClient = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  t.after(() => operatorClient.close());
  const ns = `bench-failover-${Date.now().toString(36)}`;
  const [cn] = await benchFailover(client, operatorClient, await simulator(), ns, ['cn']);
  assert.equal(cn?.replacement, 'doris-cn-1');
  assert.ok((cn?.decisionS ?? 0) >= 5, `decided after the 5 s period: ${cn?.decisionS}`);
  assert.ok((cn?.aliveS ?? 0) > (cn?.decisionS ?? 0));
});
