/**
 * With configurations made by an installer (`--no-manage-webhook-configurations`, as the chart and
 * Kustomize run it), the webhook writes their caBundle even when they appear after it started,
 * or lose it later: the installer's apply order and timing do not matter.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { contentTypes, RestClient } from '../../src/kube/rest.ts';
import { silentLogger } from '../../src/runtime/log.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { WebhookApp } from '../../src/webhook/app.ts';
import { buildConfigurations } from '../../src/webhook/configurations.ts';
import { admissionKinds } from '../../src/webhook/registry.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';

test('unmanaged configurations created after the webhook started get its caBundle, and get it back', async (t) => {
  const { info, client } = await testEnv();
  const ns = await newNamespace(t, 'inject');
  const id = `t${randomBytes(3).toString('hex')}`; // a letter first: '8e4123' would be read as a float by YAML
  const names = { validatingName: `inject-${id}-validating`, mutatingName: `inject-${id}-mutating` };
  // Selects no namespace: these configurations never admit anything of other tests.
  const options = { ...names, url: 'https://127.0.0.1:1', namespaceSelector: { matchLabels: { never: id } } };
  const webhookClient = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  const app = new WebhookApp({
    client: webhookClient,
    logger: silentLogger,
    listenAddress: '127.0.0.1:0',
    certificates: {
      mode: 'self-signed',
      namespace: ns,
      secretName: 'certs',
      caValidityMs: 3650 * 86_400_000,
      servingValidityMs: 365 * 86_400_000,
      caOverlapMs: 60_000,
      checkIntervalMs: 1000,
    },
    configurations: { manage: false, ...options },
  });
  await app.start();
  const built = buildConfigurations(admissionKinds(), options);
  const pairs = [
    [builtin.ValidatingWebhookConfiguration, built.validating],
    [builtin.MutatingWebhookConfiguration, built.mutating],
  ] as const;
  t.after(async () => {
    await app.stop();
    webhookClient.close();
    for (const [type, body] of pairs)
      await client
        .request({
          method: 'DELETE',
          path: objectPath(type, undefined, (body.metadata as { name: string }).name),
        })
        .catch(() => {});
  });

  // The installer creates them now, without a caBundle.
  for (const [type, body] of pairs)
    await client.request({ method: 'POST', path: collectionPath(type), body });
  const bundles = () =>
    Promise.all(
      pairs.map(async ([type, body]) => {
        const live = await client.request<KubeObject>({
          method: 'GET',
          path: objectPath(type, undefined, (body.metadata as { name: string }).name),
        });
        return live.webhooks[0].clientConfig.caBundle as string | undefined;
      }),
    );
  const first = await eventually(async () => ((await bundles()).every(Boolean) ? bundles() : false), {
    timeoutMs: 15_000,
    what: 'caBundle in both configurations',
  });
  assert.ok(Buffer.from(first[0]!, 'base64').toString().includes('BEGIN CERTIFICATE'));

  // An installer re-applying without the field clears it: it comes back.
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.ValidatingWebhookConfiguration, undefined, names.validatingName),
    contentType: contentTypes.json,
    body: [{ op: 'remove', path: '/webhooks/0/clientConfig/caBundle' }],
  });
  await eventually(async () => (await bundles())[0] === first[0], {
    timeoutMs: 15_000,
    what: 'the caBundle to be written again',
  });
});
