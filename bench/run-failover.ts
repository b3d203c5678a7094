/**
 * Runs the failover benchmark on a private control plane and simulator (fast timing profile) and
 * records the result under bench/results/: `node bench/run-failover.ts`.
 */
import { RestClient } from '../src/kube/rest.ts';
import { installCrds } from '../test/api/support.ts';
import { privateEnvironment, testEnv } from '../test/support/env.ts';
import { benchFailover } from './failover.ts';
import { recordResult } from './record.ts';

const env = await privateEnvironment();
try {
  await installCrds();
  const { client, info } = await testEnv();
  const operatorClient = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  const timing = await env.simulator.client.timing();
  const timings = await benchFailover(client, operatorClient, env.simulator.client, 'bench-failover');
  operatorClient.close();
  recordResult('failover', { profile: 'fast', simulatorTiming: timing, timings });
} finally {
  await env.stop();
}
