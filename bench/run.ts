/**
 * Runs the benchmarks on a private local control plane and records the results under
 * bench/results/ with the machine and date: `npm run bench`.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { RestClient } from '../src/kube/rest.ts';
import { ControlPlane } from '../test/support/control-plane.ts';
import { benchCache, benchReconcile, createObjects } from './runtime.ts';

const cp = await ControlPlane.start({ nodes: 1 });
try {
  // The operator side gets clients of its own, so the counts hold only the operator's requests.
  const admin = cp.client();
  await createObjects(admin, 'bench-reconcile', 1000);
  const reconcile = await benchReconcile(
    await RestClient.fromKubeconfigFile(cp.info.kubeconfigPath),
    'bench-reconcile',
    1000,
  );
  await createObjects(admin, 'bench-cache', 10_000, 256);
  const cacheClient = await RestClient.fromKubeconfigFile(cp.info.kubeconfigPath);
  const cache = await benchCache(cacheClient, 'bench-cache', 10_000);
  cacheClient.close();
  const date = new Date().toISOString().slice(0, 10);
  const result = {
    date,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    reconcile,
    cache,
  };
  const file = join(import.meta.dirname, 'results', `runtime-${date}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`recorded in ${file}`);
} finally {
  await cp.stop();
}
