/**
 * The generated DorisCluster CRD on the real API server: defaults applied as withDefaults applies
 * them, `kubectl explain` shows the field docs, `kubectl get doris` shows the printer columns, the
 * status subresource separates spec from status, and the sample applies cleanly.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { JsonSchema } from '../../src/api/schema/structural.ts';
import {
  type DorisClusterSpec,
  dorisClusterKind,
  dorisClusterSpecSchema,
} from '../../src/api/v1alpha1/doris-cluster.ts';
import { withDefaults } from '../../src/api/v1alpha1/doris-cluster-defaults.ts';
import { collectionPath, objectPath } from '../../src/kube/resources.ts';
import { contentTypes } from '../../src/kube/rest.ts';
import { eventually, kubectl, newNamespace, testEnv } from '../support/env.ts';
import { dorisCluster, installCrds } from './support.ts';

type Json = Record<string, unknown>;
const samples = resolve(import.meta.dirname, '../../config/samples');
const words = (s: string) => s.replace(/\s+/g, ' ').trim();

test('the API server applies the same defaults as withDefaults', async (t) => {
  await installCrds();
  const ns = await newNamespace(t, 'api-defaults');
  const input: DorisClusterSpec = { version: '2.1.8', fe: {}, be: {}, cn: {}, broker: {} };
  const create = await kubectl(
    ['create', '-n', ns, '-f', '-'],
    JSON.stringify(dorisCluster('minimal', { spec: input })),
  );
  assert.equal(create.code, 0, create.stderr);
  const get = await kubectl(['get', '-n', ns, 'doriscluster', 'minimal', '-o', 'json']);
  assert.equal(get.code, 0, get.stderr);
  const stored = JSON.parse(get.stdout) as { spec: Json };

  // Exactly what parsing with the source schema gives: no default missing or different on either side.
  assert.deepEqual(stored.spec, JSON.parse(JSON.stringify(dorisClusterSpecSchema.parse(input))));
  // The ones that matter most, spelled out.
  const s = stored.spec as ReturnType<typeof withDefaults>;
  assert.equal(s.fe.replicas, 3);
  assert.equal(s.be.replicas, 3);
  assert.deepEqual(s.fe.storage.meta, { type: 'PersistentVolumeClaim', size: '20Gi' });
  assert.deepEqual(s.be.storage.dataDirs, [
    { name: 'storage', medium: 'HDD', type: 'PersistentVolumeClaim', size: '100Gi' },
  ]);
  assert.deepEqual(s.be.storage.retentionPolicy, { whenScaled: 'Retain', whenDeleted: 'Retain' });
  assert.deepEqual(s.rollout, {
    paused: false,
    maxUnavailable: 1,
    memberTimeoutSeconds: 1800,
    restartOnConfigChange: true,
  });
  assert.equal(s.fe.service.type, 'ClusterIP');
  // The two computed defaults stay out of the stored object; withDefaults derives them.
  assert.equal(s.fe.electionNumber, undefined);
  assert.equal(s.fe.image, undefined);
  const resolved = withDefaults(stored.spec as DorisClusterSpec);
  assert.equal(resolved.fe.electionNumber, 3);
  assert.equal(resolved.cn?.image, 'apache/doris:be-2.1.8');
});

test('kubectl explain shows the field documentation', async () => {
  await installCrds();
  const schema = dorisClusterKind.openAPISchema();
  const fe = (
    (schema.properties as Record<string, JsonSchema>).spec!.properties as Record<string, JsonSchema>
  ).fe!;
  const election = (fe.properties as Record<string, JsonSchema>).electionNumber!;
  // The OpenAPI document the server publishes lags the CRD a little.
  const out = await eventually(
    async () => {
      const res = await kubectl(['explain', 'doriscluster.spec.fe.electionNumber']);
      return res.code === 0 && res.stdout;
    },
    { what: 'kubectl explain doriscluster.spec.fe.electionNumber' },
  );
  assert.match(out, /FIELD: electionNumber <integer>/);
  assert.ok(words(out).includes(words(String(election.description))), out);

  // Defaults show where users read: the rollout policy's included.
  const timeout = await kubectl(['explain', 'dc.spec.rollout.memberTimeoutSeconds']);
  assert.equal(timeout.code, 0, timeout.stderr);
  assert.match(words(timeout.stdout), /Default: 1800\./, timeout.stdout);
  const rollout = await kubectl(['explain', 'dc.spec.rollout']);
  assert.match(words(rollout.stdout), /paused <boolean> .*Default: false\./, rollout.stdout);

  const storage = await kubectl(['explain', 'dc.spec.be.storage.dataDirs']);
  assert.equal(storage.code, 0, storage.stderr);
  assert.match(storage.stdout, /medium\s+<string>\s+enum: HDD, SSD/);
  assert.match(words(storage.stdout), /Directories can be added but not removed/);
});

test('kubectl get doris lists clusters with the printer columns', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'api-get');
  await client.request({
    method: 'POST',
    path: collectionPath(dorisClusterKind.resource, ns),
    body: dorisCluster('analytics'),
  });
  await client.request({
    method: 'PATCH',
    path: objectPath(dorisClusterKind.resource, ns, 'analytics', 'status'),
    contentType: contentTypes.merge,
    body: {
      status: {
        phase: 'Upgrading',
        version: '2.1.8',
        master: 'analytics-fe-1',
        fe: { ready: '3/3' },
        be: { ready: '2/3' },
        operation: {
          type: 'Upgrade',
          component: 'be',
          member: 'analytics-be-2',
          startedAt: '2025-01-01T00:00:00Z',
        },
      },
    },
  });

  const res = await kubectl(['get', 'doris', '-n', ns]);
  assert.equal(res.code, 0, res.stderr);
  // kubectl leaves an empty cell for a missing value, so cells are cut at the header's column starts.
  // Other kinds of the category would print tables of their own, with kind-prefixed names.
  const lines = res.stdout.trimEnd().split('\n');
  const rowAt = lines.findIndex((l) => /^(doriscluster\.doris\.cloudnative\.dev\/)?analytics\s/.test(l));
  assert.ok(rowAt > 0, res.stdout);
  const header = lines[rowAt - 1]!;
  const starts = [...header.matchAll(/\S+/g)].map((m) => m.index);
  const cells = starts.map((start, i) => lines[rowAt]!.slice(start, starts[i + 1]).trim());
  assert.deepEqual(header.trim().split(/\s+/), [
    'NAME',
    'FE',
    'BE',
    'CN',
    'VERSION',
    'PHASE',
    'FAILED',
    'OPERATION',
    'AGE',
  ]);
  assert.deepEqual(cells.slice(1, 8), ['3/3', '2/3', '', '2.1.8', 'Upgrading', '', 'Upgrade']);

  const wide = await kubectl(['get', 'dc', '-n', ns, '-o', 'wide']);
  assert.equal(wide.code, 0, wide.stderr);
  assert.match(wide.stdout, /BROKER\s+VERSION\s+MASTER\s+PHASE\s+FAILED\s+OPERATION\s+MEMBER/);
  assert.match(wide.stdout, /2\.1\.8\s+analytics-fe-1\s+Upgrading/);
  assert.match(wide.stdout, /Upgrading\s+Upgrade\s+analytics-be-2/);
});

test('status and spec are separate subresources', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'api-status');
  const path = objectPath(dorisClusterKind.resource, ns, 'sub');
  await client.request({
    method: 'POST',
    path: collectionPath(dorisClusterKind.resource, ns),
    body: dorisCluster('sub'),
  });

  // A status written through the main resource is dropped, and a spec written through /status too.
  await client.request({
    method: 'PATCH',
    path,
    contentType: contentTypes.merge,
    body: { status: { phase: 'Ready' } },
  });
  const afterMain = await client.request<{ status?: Json; metadata: { generation: number } }>({
    method: 'GET',
    path,
  });
  assert.equal(afterMain.status, undefined);
  await client.request({
    method: 'PATCH',
    path: `${path}/status`,
    contentType: contentTypes.merge,
    body: { spec: { fe: { replicas: 5 } }, status: { phase: 'Ready', observedGeneration: 1 } },
  });
  const afterStatus = await client.request<{
    spec: { fe: { replicas: number } };
    status: Json;
    metadata: Json;
  }>({
    method: 'GET',
    path,
  });
  assert.equal(afterStatus.spec.fe.replicas, 3);
  assert.deepEqual(afterStatus.status, { phase: 'Ready', observedGeneration: 1 });
  assert.equal(afterStatus.metadata.generation, 1);
});

test('the samples apply cleanly (server-side dry run)', async (t) => {
  await installCrds();
  const ns = await newNamespace(t, 'api-sample');
  const files = readdirSync(samples).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('doris-cluster.yaml'));
  for (const f of files) {
    const res = await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', join(samples, f)]);
    assert.equal(res.code, 0, `${f}: ${res.stderr}`);
    assert.match(res.stdout, /created \(server dry run\)/, `${f}: ${res.stdout}`);
    assert.equal(res.stderr, '', `${f}: warnings: ${res.stderr}`);
  }
});
