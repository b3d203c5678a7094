/**
 * The admission webhook through the real API server, with kubectl: every bad object of the case
 * table is refused with a message naming the field and what is valid, its good twin is accepted,
 * warnings reach kubectl, defaulting shows in the stored object, and the admissions are counted on
 * the metrics endpoint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/doris-cluster.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { ApiError, contentTypes, isConflict } from '../../src/kube/rest.ts';
import { installCrds } from '../api/support.ts';
import { testEnv } from '../support/env.ts';
import { baseCluster, createCases, FIXED_SIZE_CLASS, updateCases } from './cases.ts';
import { kubectl, kubectlApply, scopedNamespace, startWebhook, waitForWebhook } from './support.ts';

const DENIED = 'admission webhook "validate.dorisclusters.doris.cloudnative.dev" denied the request';

// biome-ignore lint/suspicious/noExplicitAny: tests walk the JSON the API server returns
type Json = Record<string, any>;

/**
 * What kubectl prints for one cause: `is invalid: spec.fe.image: ...` for a single cause, one
 * `* spec.fe.image: ...` line each for several.
 */
const lineOf = (stderr: string, field: string) =>
  stderr
    .split('\n')
    .map((l) => (l.startsWith(`* ${field}: `) ? l : l.split('is invalid: ')[1]))
    .find((l) => l?.startsWith(`* ${field}: `) || l?.startsWith(`${field}: `));

test('the webhook refuses what only it can check, naming the field, and accepts the good twins', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  const hook = await startWebhook(t, { metricsAddress: '127.0.0.1:0' });
  const ns = await scopedNamespace(t, hook.scope);
  await waitForWebhook(ns);
  const created = await client
    .request({
      method: 'POST',
      path: collectionPath(builtin.StorageClass),
      body: {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: FIXED_SIZE_CLASS },
        provisioner: 'example.com/none',
        allowVolumeExpansion: false,
      },
    })
    .then(
      () => true,
      (e: unknown) => {
        if (isConflict(e)) return false;
        throw e;
      },
    );
  if (created)
    t.after(() =>
      client
        .request({ method: 'DELETE', path: objectPath(builtin.StorageClass, undefined, FIXED_SIZE_CLASS) })
        .catch(() => {}),
    );
  assert.ok(createCases.length + updateCases.length >= 40, 'at least 40 bad objects');

  for (const [i, c] of createCases.entries()) {
    await t.test(`create: ${c.name}`, async () => {
      const bad = await kubectlApply(baseCluster(`bad-${i}`, c.bad), ns);
      assert.notEqual(bad.code, 0, `accepted: ${bad.stdout}`);
      // kubectl renders the causes of the webhook's Invalid status, field first.
      assert.ok(bad.stderr.includes(`The DorisCluster "bad-${i}" is invalid:`), bad.stderr);
      assert.ok(
        lineOf(bad.stderr, c.field)?.includes(c.message),
        `want ${c.field}: ...${c.message}; got ${bad.stderr}`,
      );
      const good = await kubectlApply(baseCluster(`good-${i}`, c.good), ns);
      assert.equal(good.code, 0, good.stderr);
    });
  }

  for (const [i, c] of updateCases.entries()) {
    await t.test(`update: ${c.name}`, async () => {
      const name = `upd-${i}`;
      const init = await kubectlApply(baseCluster(name, c.initial), ns);
      assert.equal(init.code, 0, init.stderr);
      if (c.status) {
        await client.request({
          method: 'PATCH',
          path: objectPath(dorisClusterKind.resource, ns, name, 'status'),
          contentType: contentTypes.merge,
          body: { status: c.status },
        });
      }
      const bad = await kubectl([
        'patch',
        'dc',
        name,
        '-n',
        ns,
        '--type',
        'merge',
        '-p',
        JSON.stringify(c.bad),
      ]);
      assert.notEqual(bad.code, 0, `accepted: ${bad.stdout}`);
      assert.ok(
        lineOf(bad.stderr, c.field)?.includes(c.message),
        `want ${c.field}: ...${c.message}; got ${bad.stderr}`,
      );
      const good = await kubectl([
        'patch',
        'dc',
        name,
        '-n',
        ns,
        '--type',
        'merge',
        '-p',
        JSON.stringify(c.good),
      ]);
      assert.equal(good.code, 0, good.stderr);
    });
  }

  await t.test(
    'a refusal carries one cause per field, as the API server reports invalid objects',
    async () => {
      const obj = baseCluster('causes', {
        spec: {
          fe: { image: 'apache/doris:be-2.1.8', config: { x: 'a\nb' } },
          be: { storage: { dataDirs: [{ name: 'www' }] } },
        },
      });
      const err = await client
        .request({ method: 'POST', path: collectionPath(dorisClusterKind.resource, ns), body: obj })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 422);
      assert.ok(err.message.includes(DENIED), err.message);
      const causes = (err.body as Json).details.causes.map((c: Json) => c.field).sort();
      assert.deepEqual(causes, ['spec.be.storage.dataDirs[0].name', 'spec.fe.config.x', 'spec.fe.image']);
    },
  );

  await t.test('warnings are shown by kubectl without refusing', async () => {
    const risky = {
      apiVersion: dorisClusterKind.apiVersion,
      kind: 'DorisCluster',
      metadata: { name: 'risky' },
      spec: {
        version: '2.1.8',
        authSecretRef: { name: 'no-such-secret' },
        fe: { replicas: 1, storage: { meta: { type: 'EmptyDir' } } },
        be: { replicas: 1 },
      },
    };
    const res = await kubectlApply(risky, ns);
    assert.equal(res.code, 0, res.stderr);
    for (const w of [
      'Warning: spec.fe.replicas: one FE is a single point of failure',
      'Warning: spec.be.replicas: 1 BE(s) are fewer than the default replication number 3',
      'Warning: spec.fe.resources.limits: no cpu or memory limit',
      'Warning: spec.fe.storage.meta.type: EmptyDir loses its data',
      'Warning: spec.authSecretRef.name: Secret no-such-secret does not exist yet',
    ]) {
      assert.ok(res.stderr.includes(w), `missing "${w}" in:\n${res.stderr}`);
    }
  });

  await t.test(
    'defaulting: images follow the version, the election number is pinned, values normalised',
    async () => {
      const res = await kubectlApply(
        {
          apiVersion: dorisClusterKind.apiVersion,
          kind: 'DorisCluster',
          metadata: { name: 'defaulted' },
          spec: { version: 'v2.1.8', fe: { replicas: 1, config: { qe_max_connection: 1024 } }, be: {} },
        },
        ns,
      );
      assert.equal(res.code, 0, res.stderr);
      const path = objectPath(dorisClusterKind.resource, ns, 'defaulted');
      const stored = await client.request<Json>({ method: 'GET', path });
      assert.equal(stored.spec.version, '2.1.8');
      assert.equal(stored.spec.fe.image, 'apache/doris:fe-2.1.8');
      assert.equal(stored.spec.be.image, 'apache/doris:be-2.1.8');
      assert.equal(stored.spec.fe.electionNumber, 1);
      assert.equal(stored.spec.fe.config.qe_max_connection, '1024');
      // Pinned at 1, the FE can grow to 3 members (the CRD refuses a change of the implicit number).
      const grow = await kubectl([
        'patch',
        'dc',
        'defaulted',
        '-n',
        ns,
        '--type',
        'merge',
        '-p',
        '{"spec":{"fe":{"replicas":3}}}',
      ]);
      assert.equal(grow.code, 0, grow.stderr);
      const upgrade = await kubectl([
        'patch',
        'dc',
        'defaulted',
        '-n',
        ns,
        '--type',
        'merge',
        '-p',
        '{"spec":{"version":"3.0.3"}}',
      ]);
      assert.equal(upgrade.code, 0, upgrade.stderr);
      const after = await client.request<Json>({ method: 'GET', path });
      assert.equal(after.spec.fe.image, 'apache/doris:fe-3.0.3');
      assert.equal(after.spec.be.image, 'apache/doris:be-3.0.3');
      assert.equal(after.spec.fe.electionNumber, 1);
    },
  );

  await t.test('admissions are counted per kind, operation and verdict on the metrics endpoint', async () => {
    const text = await (await fetch(`http://127.0.0.1:${hook.app.metricsPort}/metrics`)).text();
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const denied = value(
      'doris_webhook_admissions_total{kind="DorisCluster",operation="CREATE",verdict="denied"}',
    );
    assert.ok(denied >= createCases.length, `denied creates: ${denied}`);
    assert.ok(
      value('doris_webhook_admissions_total{kind="DorisCluster",operation="UPDATE",verdict="denied"}') >=
        updateCases.length,
    );
    assert.ok(
      value('doris_webhook_admissions_total{kind="DorisCluster",operation="CREATE",verdict="patched"}') > 0,
    );
    assert.equal(
      value('doris_webhook_admissions_total{kind="DorisCluster",operation="CREATE",verdict="error"}'),
      0,
    );
    assert.ok(
      value(
        'doris_webhook_admission_duration_seconds_count{kind="DorisCluster",operation="CREATE",verdict="allowed"}',
      ) > 0,
    );
    assert.ok(
      value('doris_webhook_certificate_expiry_timestamp_seconds{certificate="serving"}') > Date.now() / 1000,
    );
  });
});
