/**
 * Property tests of random specs. Directly over HTTPS (many runs): the webhook always answers 200
 * with an AdmissionReview for the request's uid, never an internal error, every denial carries a
 * message, the validating verdict is exactly the validator's (it never allows what the validator
 * rejects), and the mutating patch applies and leads to a fixed point. Through the API server
 * (fewer runs): no request ever fails with a 500, and whatever the API server stores, the
 * validator accepts.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import fc from 'fast-check';
import { dorisClusterKind } from '../../src/api/v1alpha1/doris-cluster.ts';
import { collectionPath } from '../../src/kube/resources.ts';
import { ApiError } from '../../src/kube/rest.ts';
import { bundlePem } from '../../src/webhook/certs/state.ts';
import { defaultDorisCluster } from '../../src/webhook/doris-cluster/defaults.ts';
import { validateDorisCluster } from '../../src/webhook/doris-cluster/validate.ts';
import { applyPatch, type PatchOp } from '../../src/webhook/json-patch.ts';
import { installCrds } from '../api/support.ts';
import { testEnv } from '../support/env.ts';
import { plausibleSpec, spec, version, wire } from './arbitraries.ts';
import { scopedNamespace, startWebhook, waitForWebhook } from './support.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests walk the JSON the API server returns
type Json = Record<string, any>;

function post(
  port: number,
  ca: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Json }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
          } catch {
            resolve({ status: res.statusCode ?? 0, json: { text } });
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const review = (uid: string, operation: string, object: unknown, oldObject?: unknown) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid,
    kind: { group: 'doris.cloudnative.dev', version: 'v1alpha1', kind: 'DorisCluster' },
    resource: { group: 'doris.cloudnative.dev', version: 'v1alpha1', resource: 'dorisclusters' },
    name: 'prop',
    namespace: 'tenant',
    operation,
    object,
    ...(oldObject === undefined ? {} : { oldObject }),
  },
});

const cluster = (s: unknown) => ({
  apiVersion: dorisClusterKind.apiVersion,
  kind: 'DorisCluster',
  metadata: { name: 'prop', namespace: 'tenant' },
  spec: s,
});

test('random specs straight to the webhook: 200 always, verdicts equal to the validator, patches reach a fixed point', async (t) => {
  const hook = await startWebhook(t, { checkReferences: false });
  const ca = bundlePem(hook.app.certificates!.current!);
  const port = hook.app.port;
  const validatePath = '/validate/doris.cloudnative.dev/v1alpha1/dorisclusters';
  const mutatePath = '/mutate/doris.cloudnative.dev/v1alpha1/dorisclusters';
  let n = 0;
  await fc.assert(
    fc.asyncProperty(spec, fc.option(spec, { nil: undefined }), async (rawSpec, rawOld) => {
      const object = wire(cluster(rawSpec));
      const old = rawOld === undefined ? undefined : wire(cluster(rawOld));
      const operation = old === undefined ? 'CREATE' : 'UPDATE';
      const uid = `u-${n++}`;
      const v = await post(port, ca, validatePath, review(uid, operation, object, old));
      assert.equal(v.status, 200, JSON.stringify(v.json));
      const res = v.json.response;
      assert.equal(res.uid, uid);
      assert.equal(typeof res.allowed, 'boolean');
      const want = validateDorisCluster({ object, oldObject: old, namespace: 'tenant' });
      if (!res.allowed) {
        assert.equal(res.status.code, 422, `never an internal error: ${res.status.message}`);
        assert.ok(res.status.message.length > 0);
        assert.deepEqual(
          res.status.details.causes.map((c: Json) => c.field),
          want.problems.map((p) => p.path),
        );
      }
      assert.equal(
        res.allowed,
        want.problems.length === 0,
        'the webhook allows exactly what the validator allows',
      );

      const m = await post(port, ca, mutatePath, review(uid, operation, object, old));
      assert.equal(m.status, 200);
      assert.equal(m.json.response.allowed, true, JSON.stringify(m.json.response.status));
      const patch: PatchOp[] = m.json.response.patch
        ? JSON.parse(Buffer.from(m.json.response.patch, 'base64').toString())
        : [];
      const defaulted = applyPatch(object, patch);
      assert.deepEqual(defaulted, wire(defaultDorisCluster(object, old)));
      assert.deepEqual(wire(defaultDorisCluster(defaulted, old)), defaulted, 'defaulting is idempotent');
    }),
    { numRuns: 400 },
  );
  const text = await hook.app.metrics.registry.metrics();
  assert.doesNotMatch(text, /verdict="error"/, 'no admission ended in an internal error');
});

test('random specs through the API server: never a 500, and nothing stored that the validator refuses', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  const hook = await startWebhook(t, { checkReferences: false });
  const ns = await scopedNamespace(t, hook.scope);
  await waitForWebhook(ns);
  const path = collectionPath(dorisClusterKind.resource, ns);
  let n = 0;
  let stored = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(plausibleSpec, spec), version, async (rawSpec, upgradeTo) => {
      const name = `p-${n++}`;
      const body = { ...wire(cluster(rawSpec)), metadata: { name } };
      const created: unknown = await client
        .request<Json>({ method: 'POST', path, body })
        .catch((e: unknown) => e);
      if (created instanceof ApiError) {
        assert.ok(created.status >= 400 && created.status < 500, `a ${created.status}: ${created.message}`);
        assert.ok(created.message.length > 0);
        return;
      }
      if (created instanceof Error) throw created;
      const object = created as Json;
      stored++;
      assert.deepEqual(validateDorisCluster({ object, namespace: ns }).problems, []);
      // An update of the version: allowed only where the validator allows it.
      const next = { ...object, spec: { ...object.spec, version: upgradeTo } };
      const updated = await client
        .request<Json>({ method: 'PUT', path: `${path}/${name}`, body: next })
        .catch((e: unknown) => e);
      if (updated instanceof ApiError) {
        assert.ok(updated.status >= 400 && updated.status < 500, `a ${updated.status}: ${updated.message}`);
      } else {
        assert.deepEqual(
          validateDorisCluster({ object: updated, oldObject: created, namespace: ns }).problems,
          [],
        );
      }
    }),
    // One spec known to be valid comes first, so the stored path is always exercised (80 random
    // ones alone may, rarely, all be refused).
    { numRuns: 80, examples: [[{ version: '2.1.7', fe: { replicas: 3 }, be: { replicas: 3 } }, '2.1.8']] },
  );
  assert.ok(stored > 0, 'some random specs were valid and stored');
  assert.doesNotMatch(await hook.app.metrics.registry.metrics(), /verdict="error"/);
});
