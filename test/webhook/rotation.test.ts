/**
 * Certificate rotation under load through the real API server. The webhook starts from a Secret
 * whose serving certificate is about to expire, with lifetimes of seconds: it renews the serving
 * certificate several times and rotates its CA (new CA trusted first, served after the overlap),
 * while a stream of DorisCluster admissions goes on. Not one admission fails. Also: two replicas
 * starting together on an empty Secret end with one CA and one serving certificate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { dorisClusterKind } from '../../src/api/v1alpha1/doris-cluster.ts';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import { silentLogger } from '../../src/runtime/log.ts';
import { certInfo, createCA, createServingCert } from '../../src/tls/certs.ts';
import { SelfSignedCertificates } from '../../src/webhook/certs/self-signed.ts';
import { type CertState, toSecret } from '../../src/webhook/certs/state.ts';
import { installCrds } from '../api/support.ts';
import { testEnv } from '../support/env.ts';
import { baseCluster } from './cases.ts';
import { scopedNamespace, startWebhook, waitForWebhook } from './support.ts';

const SECRET = 'webhook-certs';

/** The serial of the certificate a new TLS handshake gets. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().serialNumber.toLowerCase());
      s.end();
    });
    s.on('error', reject);
  });
}

test('certificates rotate under load: expiring serving certificate and CA, no admission fails', async (t) => {
  await installCrds();
  const { client } = await testEnv();
  // Seed: a CA with 22 s left and a serving certificate issued 2 s ago that expires 2 s from now.
  const now = new Date(Date.now() - 2_000);
  const ca = await createCA({ commonName: 'seed-ca@1', validMs: 24_000, now });
  const serving = await createServingCert(ca, {
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    validMs: 4_000,
    now,
  });
  const seedSerial = certInfo(serving.certPem).serialNumber;
  const seedExpiry = certInfo(serving.certPem).notAfter.getTime();
  let servedExpired = false;
  const seed: CertState = { ca, serving, bundle: [ca.certPem] };
  const secretNs = await scopedNamespace(t, 'seed', 'whseed');
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, secretNs),
    body: toSecret(SECRET, secretNs, seed),
  });

  const hook = await startWebhook(t, {
    certificates: {
      namespace: secretNs,
      secretName: SECRET,
      caValidityMs: 24_000,
      servingValidityMs: 9_000,
      caOverlapMs: 2_000,
      checkIntervalMs: 500,
    },
  });
  const ns = await scopedNamespace(t, hook.scope);
  await waitForWebhook(ns);

  const servings = new Set<string>();
  const cas = new Set<string>();
  const watch = setInterval(() => {
    const s = hook.app.certificates?.current;
    if (s) {
      const serial = certInfo(s.serving.certPem).serialNumber;
      if (serial === seedSerial && Date.now() >= seedExpiry) servedExpired = true;
      servings.add(serial);
      cas.add(certInfo(s.ca.certPem).subject);
    }
  }, 100);
  t.after(() => clearInterval(watch));

  const path = collectionPath(dorisClusterKind.resource, ns);
  const failures: string[] = [];
  let ok = 0;
  const deadline = Date.now() + 32_000;
  const worker = async (w: number) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const body = baseCluster(`load-${w}-${i}`);
      await client.request({ method: 'POST', path, query: { dryRun: 'All' }, body }).then(
        () => ok++,
        (e: unknown) => failures.push(`${new Date().toISOString()} ${String(e)}`),
      );
      await sleep(20);
    }
  };
  await Promise.all([worker(0), worker(1)]);
  clearInterval(watch);

  assert.deepEqual(failures, [], 'every admission succeeded through the rotations');
  assert.ok(ok > 200, `admissions: ${ok}`);
  assert.ok(servings.size >= 4, `serving certificates used: ${servings.size}`);
  assert.ok(cas.size >= 2, `CAs used: ${cas.size}`);
  assert.ok(!servedExpired, 'the expiring seed certificate was replaced before it expired');
  // New handshakes get the certificate in force, without a restart.
  const current = hook.app.certificates!.current!;
  assert.equal(
    await servedSerial(hook.app.port),
    certInfo(current.serving.certPem).serialNumber.toLowerCase(),
  );
  t.diagnostic(`${ok} admissions, ${servings.size} serving certificates, ${cas.size} CAs, 0 failures`);
});

test('two replicas starting together on no Secret agree on one CA and one serving certificate', async (t) => {
  const { client } = await testEnv();
  const ns = await scopedNamespace(t, 'race', 'whrace');
  const policy = {
    caValidityMs: 3_600_000,
    servingValidityMs: 600_000,
    caOverlapMs: 60_000,
    dnsNames: ['hook.ns.svc'],
    ipAddresses: [],
  };
  const delivered: CertState[][] = [[], []];
  const replicas = [0, 1].map(
    (i) =>
      new SelfSignedCertificates({
        client,
        namespace: ns,
        secretName: SECRET,
        policy,
        logger: silentLogger,
        onState: async (s) => {
          delivered[i]!.push(s);
        },
      }),
  );
  const [a, b] = await Promise.all(replicas.map((r) => r.start()));
  for (const r of replicas) r.stop();
  assert.equal(a!.serving.certPem, b!.serving.certPem);
  assert.equal(a!.ca.certPem, b!.ca.certPem);
  // The loser of the race never served certificates of its own.
  assert.deepEqual(
    delivered.map((d) => d.length),
    [1, 1],
  );
});
