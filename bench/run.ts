/**
 * Runs the benchmarks on a private local control plane and records the results under
 * bench/results/ with the machine and date: `npm run bench`.
 */
import { RestClient } from '../src/kube/rest.ts';
import { ControlPlane } from '../test/support/control-plane.ts';
import { recordResult } from './record.ts';
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
  recordResult('runtime', { reconcile, cache });
} finally {
  await cp.stop();
}
