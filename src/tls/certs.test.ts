import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createCA, createServingCert, expiryOf } from './certs.ts';

test('a serving certificate is signed by its CA and names its hosts', async () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const ca = await createCA({ commonName: 'test-ca', validDays: 3650, now });
  const leaf = await createServingCert(ca, {
    commonName: 'webhook',
    dnsNames: ['webhook.doris-system.svc'],
    ipAddresses: ['127.0.0.1'],
    validDays: 30,
    now,
  });
  const caCert = new X509Certificate(ca.certPem);
  const cert = new X509Certificate(leaf.certPem);
  assert.ok(caCert.ca, 'the CA is marked as a CA');
  assert.ok(!cert.ca, 'the leaf is not a CA');
  assert.ok(cert.verify(caCert.publicKey), 'the leaf is signed by the CA');
  assert.ok(cert.checkHost('webhook.doris-system.svc'));
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.equal(cert.checkHost('other.example'), undefined);
  assert.equal(expiryOf(leaf.certPem).toISOString(), '2026-01-31T00:00:00.000Z');
  assert.match(leaf.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});
