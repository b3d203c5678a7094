/**
 * Webhook configurations created by someone else (Helm, Kustomize): the webhook only writes the
 * CA bundle into them, once; and the configurations it applies itself carry the safe settings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { createCA } from '../../src/tls/certs.ts';
import { buildConfigurations, injectCaBundle } from '../../src/webhook/configurations.ts';
import { admissionKinds } from '../../src/webhook/registry.ts';
import { testEnv } from '../support/env.ts';
import { deleteConfigurations } from './support.ts';

interface Configuration {
  metadata: { resourceVersion: string };
  webhooks: { clientConfig: { caBundle?: string } }[];
}

test('caBundle is injected into configurations the webhook does not manage, and only when it differs', async (t) => {
  const { client } = await testEnv();
  const id = Date.now().toString(36);
  const names = { validating: `doris-test-helm-v-${id}`, mutating: `doris-test-helm-m-${id}` };
  const options = {
    validatingName: names.validating,
    mutatingName: names.mutating,
    service: { namespace: 'doris-system', name: 'doris-admission-webhook', port: 443 },
    // Selects nothing: these configurations must not admit any object of other tests.
    namespaceSelector: { matchLabels: { 'doris-webhook-test/none': id } },
  };
  const { validating, mutating } = buildConfigurations(admissionKinds(), options);
  t.after(() => deleteConfigurations(client, names));
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ValidatingWebhookConfiguration),
    body: validating,
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.MutatingWebhookConfiguration),
    body: mutating,
  });

  const ca = await createCA({ commonName: 'helm-ca' });
  await injectCaBundle(client, options, ca.certPem);
  const get = (type: typeof builtin.ValidatingWebhookConfiguration, name: string) =>
    client.request<Configuration>({ method: 'GET', path: objectPath(type, undefined, name) });
  const v1 = await get(builtin.ValidatingWebhookConfiguration, names.validating);
  const m1 = await get(builtin.MutatingWebhookConfiguration, names.mutating);
  for (const c of [v1, m1]) {
    assert.equal(Buffer.from(c.webhooks[0]!.clientConfig.caBundle ?? '', 'base64').toString(), ca.certPem);
  }
  await injectCaBundle(client, options, ca.certPem);
  const v2 = await get(builtin.ValidatingWebhookConfiguration, names.validating);
  assert.equal(
    v2.metadata.resourceVersion,
    v1.metadata.resourceVersion,
    'no write when the bundle is already there',
  );
});
