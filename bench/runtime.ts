/**
 * Runtime benchmarks: a no-op reconciler over N objects (time to reconcile all after start,
 * reconciles per second, API requests, requests while at rest) and the informer cache's memory
 * per object.
 */

import { builtin, collectionPath } from '../src/kube/resources.ts';
import type { RestClient } from '../src/kube/rest.ts';
import { done } from '../src/runtime/controller.ts';
import { Informer } from '../src/runtime/informer.ts';
import { silentLogger } from '../src/runtime/log.ts';
import { Manager } from '../src/runtime/manager.ts';

export interface ReconcileBench {
  readonly objects: number;
  readonly secondsToReconcileAll: number;
  readonly reconcilesPerSecond: number;
  readonly apiRequestsDuringStart: Record<string, number>;
  readonly apiRequestsAtRest: Record<string, number>;
  readonly restSeconds: number;
}

export interface CacheBench {
  readonly objects: number;
  readonly heapBytes: number;
  readonly bytesPerObject: number;
  readonly secondsToSync: number;
}

/** Creates `n` ConfigMaps of about `dataBytes` in `namespace`, `parallel` at a time. */
export async function createObjects(
  client: RestClient,
  namespace: string,
  n: number,
  dataBytes = 256,
  parallel = 64,
): Promise<void> {
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
  const payload = 'x'.repeat(dataBytes);
  for (let i = 0; i < n; i += parallel) {
    await Promise.all(
      Array.from({ length: Math.min(parallel, n - i) }, (_, j) =>
        client.request({
          method: 'POST',
          path: collectionPath(builtin.ConfigMap, namespace),
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `obj-${i + j}`, labels: { bench: 'yes' } },
            data: { payload },
          },
        }),
      ),
    );
  }
}

export async function benchReconcile(
  client: RestClient,
  namespace: string,
  n: number,
  restMs = 10_000,
): Promise<ReconcileBench> {
  const requests: Record<string, number> = {};
  client.onRequest((method, code) => {
    const k = `${method} ${code}`;
    requests[k] = (requests[k] ?? 0) + 1;
  });
  const manager = new Manager({
    client,
    logger: silentLogger,
    identity: 'bench',
    namespaces: [namespace],
    labelSelector: 'bench=yes',
    concurrency: 4,
  });
  const reconciled = new Set<string>();
  let allDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  manager.controller('noop', builtin.ConfigMap).complete(async ({ key }) => {
    reconciled.add(key.name);
    if (reconciled.size === n) allDone();
    return done;
  });
  const started = performance.now();
  await manager.start();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const duringStart = { ...requests };
  for (const k of Object.keys(requests)) delete requests[k];
  await new Promise((r) => setTimeout(r, restMs));
  const atRest = { ...requests };
  await manager.stop();
  return {
    objects: n,
    secondsToReconcileAll: round(seconds),
    reconcilesPerSecond: round(n / seconds),
    apiRequestsDuringStart: duringStart,
    apiRequestsAtRest: atRest,
    restSeconds: restMs / 1000,
  };
}

/** Needs `--expose-gc` for a meaningful figure. */
export async function benchCache(client: RestClient, namespace: string, n: number): Promise<CacheBench> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const informer = new Informer(client, builtin.ConfigMap, { namespace, resyncMs: 0 });
  const started = performance.now();
  informer.start();
  await informer.waitForSync();
  const secondsToSync = (performance.now() - started) / 1000;
  gc?.();
  const heapBytes = process.memoryUsage().heapUsed - before;
  const objects = informer.store.size;
  if (objects < n)
    throw new Error(`expected at least ${n} objects in ${namespace}, the cache holds ${objects}`);
  await informer.stop();
  return {
    objects,
    heapBytes,
    bytesPerObject: Math.round(heapBytes / objects),
    secondsToSync: round(secondsToSync),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
