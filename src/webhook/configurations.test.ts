/** The webhook configurations: safe settings, one webhook per kind and mode, Service or URL, selectors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildConfigurations } from './configurations.ts';
import { dorisClusterAdmission } from './doris-cluster/index.ts';
import { parseSelector } from './selector.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests walk the JSON the API server returns
type Json = Record<string, any>;
const kinds = [dorisClusterAdmission()];

test('in a cluster: the Service, the CA bundle, failurePolicy Fail, no side effects, at most 5 s', () => {
  const { validating, mutating } = buildConfigurations(kinds, {
    validatingName: 'v',
    mutatingName: 'm',
    service: { namespace: 'doris-system', name: 'doris-admission-webhook', port: 443 },
    caBundle: 'PEM',
    namespaceSelector: parseSelector('doris.cloudnative.dev/tenant in (a,b)'),
    timeoutSeconds: 30,
  });
  const v = (validating.webhooks as Json[])[0]!;
  const m = (mutating.webhooks as Json[])[0]!;
  assert.equal(v.name, 'validate.dorisclusters.doris.cloudnative.dev');
  assert.equal(m.name, 'default.dorisclusters.doris.cloudnative.dev');
  assert.deepEqual(v.clientConfig, {
    service: {
      namespace: 'doris-system',
      name: 'doris-admission-webhook',
      port: 443,
      path: '/validate/doris.cloudnative.dev/v1alpha1/dorisclusters',
    },
    caBundle: Buffer.from('PEM').toString('base64'),
  });
  for (const w of [v, m]) {
    assert.equal(w.failurePolicy, 'Fail');
    assert.equal(w.sideEffects, 'None');
    assert.equal(w.timeoutSeconds, 5);
    assert.deepEqual(w.admissionReviewVersions, ['v1']);
    // The main resource only: status writes of the controller never wait for the webhook.
    assert.deepEqual(w.rules[0].resources, ['dorisclusters']);
    assert.deepEqual(w.rules[0].operations, ['CREATE', 'UPDATE']);
    assert.deepEqual(w.namespaceSelector, {
      matchExpressions: [{ key: 'doris.cloudnative.dev/tenant', operator: 'In', values: ['a', 'b'] }],
    });
  }
});

test('cert-manager mode: no caBundle (the CA injector writes it), the inject annotation; local runs use a URL', () => {
  const { validating } = buildConfigurations(kinds, {
    validatingName: 'v',
    mutatingName: 'm',
    url: 'https://127.0.0.1:9443/',
    injectCaFrom: 'doris-system/doris-admission-webhook',
  });
  const v = (validating.webhooks as Json[])[0]!;
  assert.deepEqual(v.clientConfig, {
    url: 'https://127.0.0.1:9443/validate/doris.cloudnative.dev/v1alpha1/dorisclusters',
  });
  assert.equal(
    (validating.metadata as Json).annotations['cert-manager.io/inject-ca-from'],
    'doris-system/doris-admission-webhook',
  );
  assert.throws(
    () => buildConfigurations(kinds, { validatingName: 'v', mutatingName: 'm' }),
    /needs a service or a url/,
  );
});
