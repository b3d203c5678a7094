/**
 * Certificate rotation, step by step on a simulated clock: serving certificates renew at 2/3 of
 * their life; a CA rotates with an overlap; and at every step the certificate served next is
 * trusted by the bundle the API server had before the step (so no admission ever fails on TLS).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certInfo, isSignedBy } from '../../tls/certs.ts';
import { applyStep, planRotation, type RotationPolicy } from './plan.ts';
import { type CertState, fromSecret, toSecret } from './state.ts';

const minute = 60_000;
const policy: RotationPolicy = {
  caValidityMs: 90 * minute,
  servingValidityMs: 30 * minute,
  caOverlapMs: 5 * minute,
  dnsNames: ['hook.ns.svc'],
  ipAddresses: ['127.0.0.1'],
};

async function trustedBy(state: CertState, bundle: readonly string[]): Promise<boolean> {
  for (const ca of bundle) if (await isSignedBy(state.serving.certPem, ca)) return true;
  return false;
}

test('eight simulated hours: renewals and CA rotations never serve a certificate the previous bundle does not trust', async () => {
  const start = new Date('2026-01-01T00:00:00Z').getTime();
  let state: CertState | undefined;
  const seen: string[] = [];
  for (let t = start; t < start + 8 * 60 * minute; t += minute) {
    const now = new Date(t);
    for (;;) {
      const step = planRotation(state, now, policy);
      if (step.kind === 'none') {
        assert.ok(step.nextCheckAt.getTime() > t, 'the next check is in the future');
        break;
      }
      const next = await applyStep(state, step, now, policy);
      if (state !== undefined) {
        assert.ok(
          await trustedBy(next, state.bundle),
          `${step.kind} at ${now.toISOString()} serves an untrusted certificate`,
        );
      }
      assert.ok(certInfo(next.serving.certPem).notAfter.getTime() > t);
      seen.push(step.kind);
      state = next;
    }
    assert.ok(await trustedBy(state!, state!.bundle));
    assert.ok(state!.bundle.length <= 3);
  }
  const count = (k: string) => seen.filter((s) => s === k).length;
  assert.equal(count('create'), 1);
  assert.ok(count('add-next-ca') >= 6, `CA rotations: ${count('add-next-ca')}`);
  assert.equal(count('promote-next-ca'), count('add-next-ca'));
  assert.ok(count('renew-serving') >= 6);
  assert.ok(count('prune-bundle') >= 5);
});

test('the next CA is served only after the overlap', async () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const created = await applyStep(undefined, { kind: 'create', reason: 'test' }, t0, policy);
  const at = (m: number) => new Date(t0.getTime() + m * minute);
  // Lifetimes count from notBefore, backdated by a tenth: serving 33 min (renewed at 22 - 3 = 19),
  // CA 99 min (next CA at 66 - 9 = 57).
  assert.equal(planRotation(created, at(18), policy).kind, 'none');
  assert.equal(planRotation(created, at(20), policy).kind, 'renew-serving');
  assert.equal(planRotation(created, at(58), policy).kind, 'add-next-ca');
  const rotating = await applyStep(created, { kind: 'add-next-ca' }, at(58), policy);
  assert.equal(rotating.bundle.length, 2);
  assert.notEqual(planRotation(rotating, at(62), policy).kind, 'promote-next-ca');
  assert.equal(planRotation(rotating, at(63), policy).kind, 'promote-next-ca');
});

test('the Secret form round-trips, and a damaged Secret is recreated', async () => {
  const s = await applyStep(undefined, { kind: 'create', reason: 'test' }, new Date(), policy);
  const secret = toSecret('certs', 'ns', s);
  assert.deepEqual(fromSecret(JSON.parse(JSON.stringify(secret))), s);
  const damaged = { ...secret, data: { ...secret.data, 'tls.crt': Buffer.from('junk').toString('base64') } };
  assert.equal(fromSecret(damaged), 'corrupt');
  assert.equal(planRotation('corrupt', new Date(), policy).kind, 'create');
  assert.equal(planRotation(s, new Date(), { ...policy, dnsNames: ['other.ns.svc'] }).kind, 'renew-serving');
});
