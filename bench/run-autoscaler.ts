/**
 * Runs the autoscaler benchmark on a private control plane and simulator (fast timing profile) and
 * records the result under bench/results/: `node bench/run-autoscaler.ts`.
 */
import { RestClient } from '../src/kube/rest.ts';
import { installCrds } from '../test/api/support.ts';
import { privateEnvironment, testEnv } from '../test/support/env.ts';
import { benchAutoscaler } from './autoscaler.ts';
import { recordResult } from './record.ts';

const env = await privateEnvironment();
try {
  await installCrds();
  const { client, info } = await testEnv();
  const operatorClient = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  const timing = await env.simulator.client.timing();
  const figures = await benchAutoscaler(client, operatorClient, env.simulator.client, 'bench-autoscaler');
  operatorClient.close();
  recordResult('autoscaler', { profile: 'fast', simulatorTiming: timing, ...figures });
} finally {
  await env.stop();
}
