/**
 * The DorisCluster samples reach Ready on every supported release line, with the simulator
 * refusing to start what the images' start scripts refuse (start_fe.sh's JDK options,
 * start_be.sh's host checks, per line): the operator's whole conf files and host preparation are
 * what lets them start. Its own control plane with six nodes: production.yaml puts its five FEs on
 * five different nodes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { newNamespace, type PrivateEnvironment, privateEnvironment, simulator } from '../support/env.ts';
import { createAuthSecret, createCluster, startOperator, waitReady } from './support.ts';

const samples = join(import.meta.dirname, '../../config/samples');
const dorisClusters = ['minimal.yaml', 'doris-cluster.yaml', 'production.yaml'];

let env: PrivateEnvironment;
before(async () => {
  env = await privateEnvironment({}, undefined, { nodes: 6 });
});
after(() => env.stop());

for (const version of ['2.0.15', '2.1.8', '3.0.4']) {
  test(`every DorisCluster sample reaches Ready on Doris ${version}`, async (t) => {
    const ns = await newNamespace(t, `line-${version.replaceAll('.', '')}`);
    await createAuthSecret(ns, 'doris-admin', 'admin', `pw-${version}`);
    await startOperator(t, ns);
    const names: string[] = [];
    for (const file of dorisClusters) {
      const sample = parse(readFileSync(join(samples, file), 'utf8')) as {
        metadata: { name: string };
        spec: Record<string, unknown>;
      };
      await createCluster(ns, sample.metadata.name, { ...sample.spec, version });
      names.push(sample.metadata.name);
    }
    for (const name of names) {
      const ready = await waitReady(ns, name, 240_000);
      assert.equal(ready.status?.version, version, name);
    }
    // Every member runs the release asked for, and none of them had to be restarted by a start script.
    const sim = await simulator();
    const ours = (await sim.members()).filter((m) => m.key.startsWith(`${ns}/`));
    assert.ok(ours.length >= 20, `members: ${ours.length}`);
    assert.ok(
      ours.every((m) => m.version.includes(version)),
      ours.map((m) => m.version).join(', '),
    );
    const refused = (await sim.log()).filter(
      (e) => (e.member ?? '').startsWith(`${ns}/`) && /start script|permission denied/.test(e.text),
    );
    assert.deepEqual(
      refused.map((e) => e.text),
      [],
    );
  });
}
