/**
 * Runs the admission webhook benchmark on a private local control plane and records the result
 * under bench/results/ with the machine and date: `npx node bench/run-webhook.ts [admissions]`.
 */
import { RestClient } from '../src/kube/rest.ts';
import { ControlPlane } from '../test/support/control-plane.ts';
import { recordResult } from './record.ts';
import { benchWebhook } from './webhook.ts';

const n = Number(process.argv[2] ?? 1000);
const cp = await ControlPlane.start({ nodes: 1 });
try {
  const client = await RestClient.fromKubeconfigFile(cp.info.kubeconfigPath);
  const bench = await benchWebhook(client, cp.info.kubeconfigPath, n);
  client.close();
  recordResult('webhook', { ...bench });
} finally {
  await cp.stop();
}
