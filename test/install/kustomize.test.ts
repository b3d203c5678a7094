/**
 * Kustomize renders what Helm renders: `kubectl kustomize config/default` against `helm template`
 * with the default values, and config/overlays/namespaced against `watchNamespaces: [doris]`,
 * object by object. The intended differences are listed (and nothing else may differ). The
 * samples pass a server-side dry run through the admission webhook.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '../../src/runtime/object.ts';
import { installCrds } from '../api/support.ts';
import { scopedNamespace, startWebhook } from '../webhook/support.ts';
import { kubectl, kustomize, renderChart, repoRoot } from './tools.ts';

/** Labels only Helm sets (Kustomize has no chart version nor release service). */
const helmOnlyLabels = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

/** Kinds only Kustomize creates: Helm is told the namespace (`--create-namespace`), Kustomize makes it. */
const kustomizeOnlyKinds = ['Namespace'];

function normalise(objects: readonly KubeObject[], dropKinds: readonly string[] = []): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const o of objects) {
    if (dropKinds.includes(o.kind ?? '')) continue;
    const copy = structuredClone(o);
    for (const l of helmOnlyLabels) delete copy.metadata.labels?.[l];
    if (copy.metadata.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
    out.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, copy);
  }
  return out;
}

async function compare(dir: string, values: object): Promise<void> {
  const fromKustomize = normalise(await kustomize(dir), kustomizeOnlyKinds);
  const fromHelm = normalise(
    await renderChart({ release: 'doris-operator', namespace: 'doris-system', values, includeCrds: true }),
  );
  assert.deepEqual([...fromKustomize.keys()].sort(), [...fromHelm.keys()].sort(), `${dir}: the same objects`);
  for (const [key, want] of fromHelm) assert.deepEqual(fromKustomize.get(key), want, `${dir}: ${key}`);
}

test('config/default renders the objects of helm template with the default values', async () => {
  await compare('config/default', {});
  const ns = (await kustomize('config/default')).find((o) => o.kind === 'Namespace');
  assert.equal(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
});

test('config/overlays/namespaced renders the objects of helm template with watchNamespaces [doris]', async () => {
  await compare('config/overlays/namespaced', { watchNamespaces: ['doris'] });
});

test('every sample passes a server-side dry run through the admission webhook', async (t) => {
  await installCrds();
  const { scope } = await startWebhook(t);
  const ns = await scopedNamespace(t, scope, 'samples');
  const samples = readdirSync(join(repoRoot, 'config/samples')).filter((f) => f.endsWith('.yaml'));
  assert.ok(samples.length >= 3, 'minimal, production and the playground sample');
  for (const f of samples) {
    const r = await kubectl([
      'apply',
      '--dry-run=server',
      '-n',
      ns,
      '-f',
      join(repoRoot, 'config/samples', f),
    ]);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    assert.match(r.stdout, /created \(server dry run\)/, f);
    // Only the expected warnings: the auth Secret is created by the user first, and the minimal
    // sample leaves resources and the account to the reader.
    const expected =
      f === 'minimal.yaml'
        ? /no cpu or memory limit|authSecretRef: not set/
        : f === 'autoscaler.yaml' || f === 'monitor.yaml'
          ? /DorisCluster ([a-z0-9-]+\/)?doris-production does not exist yet/
          : /Secret doris-admin does not exist yet/;
    for (const w of r.stderr.split('\n').filter(Boolean)) assert.match(w, expected, `${f}: ${w}`);
  }
});
