/**
 * Shared by the API tests: installs the committed CRDs (config/crd/bases, which the drift test
 * keeps equal to src/api/) on the test control plane, and builds DorisCluster objects.
 */
import { resolve } from 'node:path';
import { dorisClusterKind } from '../../src/api/v1alpha1/doris-cluster.ts';
import { collectionPath } from '../../src/kube/resources.ts';
import { eventually, kubectl, testEnv } from '../support/env.ts';

const bases = resolve(import.meta.dirname, '../../config/crd/bases');

let installed: Promise<void> | undefined;

/** Applies the CRDs once per test process and waits until the API server serves them. */
export function installCrds(): Promise<void> {
  installed ??= (async () => {
    // Server-side apply keeps every x-kubernetes-* key (typed client calls drop them).
    const apply = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', bases]);
    if (apply.code !== 0) throw new Error(`installing the CRDs failed: ${apply.stderr}`);
    // Right after creation the CRD may have no status yet, which `kubectl wait` reports as an error
    // instead of waiting: ask again until it says Established.
    await eventually(
      async () => {
        const wait = await kubectl([
          'wait',
          '--for=condition=Established',
          '--timeout=60s',
          `crd/${dorisClusterKind.crd().metadata.name}`,
        ]);
        if (wait.code !== 0) throw new Error(`the DorisCluster CRD is not established: ${wait.stderr}`);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the DorisCluster CRD to be established' },
    );
    const { client } = await testEnv();
    await eventually(
      () => client.request({ method: 'GET', path: collectionPath(dorisClusterKind.resource) }),
      {
        what: 'dorisclusters to be served',
      },
    );
  })();
  return installed;
}

type Json = Record<string, unknown>;

/** Deep merge for building test objects: objects merge, arrays and scalars replace, undefined deletes. */
export function merge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else if (isPlain(v) && isPlain(out[k])) out[k] = merge(out[k] as Json, v);
    else out[k] = v;
  }
  return out;
}

const isPlain = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A small valid DorisCluster, with `patch` merged into the whole object. */
export function dorisCluster(name: string, patch: Json = {}): Json {
  return merge(
    {
      apiVersion: dorisClusterKind.apiVersion,
      kind: dorisClusterKind.kind,
      metadata: { name },
      spec: { version: '2.1.8', fe: { replicas: 3 }, be: { replicas: 3 } },
    },
    patch,
  );
}
