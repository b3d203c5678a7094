/** cert-manager mode: the mounted serving pair is read at start and reloaded when the files change. */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../runtime/log.ts';
import { createCA, createServingCert, type KeyPair } from '../../tls/certs.ts';
import { MountedCertificates } from './mounted.ts';

function write(dir: string, pair: KeyPair): void {
  // As the kubelet does: new files written aside, then swapped in.
  writeFileSync(join(dir, 'tls.crt.tmp'), pair.certPem);
  writeFileSync(join(dir, 'tls.key.tmp'), pair.keyPem);
  renameSync(join(dir, 'tls.key.tmp'), join(dir, 'tls.key'));
  renameSync(join(dir, 'tls.crt.tmp'), join(dir, 'tls.crt'));
}

test('reloads the serving pair when cert-manager renews it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-certs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await createCA({ commonName: 'cm-ca' });
  const first = await createServingCert(ca, { commonName: 'hook', dnsNames: ['hook.ns.svc'] });
  write(dir, first);
  const seen: KeyPair[] = [];
  const mounted = new MountedCertificates({
    dir,
    logger: silentLogger,
    pollMs: 200,
    onCertificate: (p) => seen.push(p),
  });
  t.after(() => mounted.stop());
  assert.equal((await mounted.start()).certPem, first.certPem);
  const second = await createServingCert(ca, { commonName: 'hook', dnsNames: ['hook.ns.svc'] });
  write(dir, second);
  const deadline = Date.now() + 5000;
  while (!seen.some((p) => p.certPem === second.certPem) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(seen.at(-1)?.certPem, second.certPem);
  assert.equal(seen.at(-1)?.keyPem, second.keyPem);
});
