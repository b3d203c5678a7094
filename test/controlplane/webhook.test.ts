/** The API server calls an admission webhook served over HTTPS by the test, trusting its own CA. */
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { ApiError } from '../../src/kube/rest.ts';
import { createCA, createServingCert } from '../../src/tls/certs.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';

interface AdmissionReview {
  request: { uid: string; object: { data?: Record<string, string> } };
}

test('a ValidatingWebhookConfiguration calls an HTTPS server that can deny', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'hook');
  const ca = await createCA({ commonName: 'webhook-test-ca' });
  const serving = await createServingCert(ca, { commonName: 'webhook', ipAddresses: ['127.0.0.1'] });
  let calls = 0;
  const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      calls++;
      const review = JSON.parse(body) as AdmissionReview;
      const deny = review.request.object.data?.deny === 'yes';
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: deny
            ? {
                uid: review.request.uid,
                allowed: false,
                status: { code: 403, message: 'data.deny: must not be yes' },
              }
            : { uid: review.request.uid, allowed: true },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;

  const name = `deny-${ns}`;
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ValidatingWebhookConfiguration),
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: 'deny.test.doris.cloudnative.dev',
          clientConfig: {
            url: `https://127.0.0.1:${port}/validate`,
            caBundle: Buffer.from(ca.certPem).toString('base64'),
          },
          rules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
          ],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
        },
      ],
    },
  });
  t.after(() =>
    client.request({
      method: 'DELETE',
      path: objectPath(builtin.ValidatingWebhookConfiguration, undefined, name),
    }),
  );
  const create = (cmName: string, deny: string) =>
    client.request({
      method: 'POST',
      path: collectionPath(builtin.ConfigMap, ns),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cmName }, data: { deny } },
    });

  // The API server picks webhook configurations up asynchronously: wait until it calls us.
  let attempt = 0;
  const err = await eventually(
    () =>
      create(`probe-${attempt++}`, 'yes').then(
        () => false,
        (e: unknown) => e,
      ),
    { what: 'the webhook to deny' },
  );
  assert.ok(err instanceof ApiError, String(err));
  assert.equal(err.status, 403);
  assert.match(
    err.message,
    /admission webhook "deny.test.doris.cloudnative.dev" denied the request: data.deny: must not be yes/,
  );
  await create('allowed', 'no');
  assert.ok(calls >= 2, `the webhook was called ${calls} times`);
});
