/**
 * Runs the admission webhook benchmark on a private local control plane and records the result
 * under bench/results/ with the machine and date: `npx node bench/run-webhook.ts [admissions]`.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { RestClient } from '../src/kube/rest.ts';
import { ControlPlane } from '../test/support/control-plane.ts';
import { benchWebhook } from './webhook.ts';

const n = Number(process.argv[2] ?? 1000);
const cp = await ControlPlane.start({ nodes: 1 });
try {
  const client = await RestClient.fromKubeconfigFile(cp.info.kubeconfigPath);
  const bench = await benchWebhook(client, cp.info.kubeconfigPath, n);
  client.close();
  const date = new Date().toISOString().slice(0, 10);
  const result = {
    date,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    ...bench,
  };
  const file = join(import.meta.dirname, 'results', `webhook-${date}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`recorded in ${file}`);
} finally {
  await cp.stop();
}
