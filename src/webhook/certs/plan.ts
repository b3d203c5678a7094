/**
 * Certificate rotation as one pure step at a time, from the state in the Secret and the clock.
 *
 * A serving certificate is renewed at 2/3 of its lifetime by the same CA: the API server already
 * trusts it, so the switch is safe at once. A CA is rotated with an overlap so that the API server
 * never meets a certificate it does not trust:
 *   1. add-next-ca: at 2/3 of the CA's lifetime a next CA joins the bundle (caBundle now trusts
 *      both), while serving continues with the old CA's certificate;
 *   2. promote-next-ca: `overlap` later, when every API server has picked up the new caBundle,
 *      the next CA becomes the signing CA and a new serving certificate is issued from it;
 *   3. prune-bundle: an old CA leaves the bundle only once it has expired, when nothing it
 *      signed can be valid any more (a replica that has not reloaded yet stays trusted till then).
 */
import { certInfo, createCA, createServingCert, type KeyPair } from '../../tls/certs.ts';
import type { CertState } from './state.ts';

export interface RotationPolicy {
  readonly caValidityMs: number;
  readonly servingValidityMs: number;
  /** Time between adding the next CA to caBundle and serving a certificate it signed. */
  readonly caOverlapMs: number;
  /** Fraction of a lifetime after which it is renewed. @default 2/3 */
  readonly renewFraction?: number;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

export type RotationStep =
  | { readonly kind: 'create'; readonly reason: string }
  | { readonly kind: 'prune-bundle'; readonly keep: readonly string[] }
  | { readonly kind: 'add-next-ca' }
  | { readonly kind: 'promote-next-ca' }
  | { readonly kind: 'renew-serving'; readonly reason: string }
  | { readonly kind: 'none'; readonly nextCheckAt: Date };

function renewPoint(pem: string, fraction: number): number {
  const { notBefore, notAfter } = certInfo(pem);
  return notBefore.getTime() + fraction * (notAfter.getTime() - notBefore.getTime());
}

const sorted = (xs: readonly string[]) => [...xs].sort().join(',');

export function planRotation(
  state: CertState | 'corrupt' | undefined,
  now: Date,
  policy: RotationPolicy,
): RotationStep {
  if (state === undefined) return { kind: 'create', reason: 'no certificates yet' };
  if (state === 'corrupt') return { kind: 'create', reason: 'the Secret holds no usable certificates' };
  const t = now.getTime();
  const fraction = policy.renewFraction ?? 2 / 3;
  const ca = certInfo(state.ca.certPem);
  if (ca.notAfter.getTime() <= t) return { kind: 'create', reason: 'the CA has expired' };

  const inUse = new Set([state.ca.certPem, ...(state.nextCa ? [state.nextCa.certPem] : [])]);
  const keep = state.bundle.filter((pem) => inUse.has(pem) || certInfo(pem).notAfter.getTime() > t);
  for (const pem of inUse) if (!keep.includes(pem)) keep.push(pem);
  if (keep.length !== state.bundle.length || keep.some((p, i) => p !== state.bundle[i])) {
    return { kind: 'prune-bundle', keep };
  }

  if (state.nextCa !== undefined) {
    const since = state.nextCaSince?.getTime() ?? 0;
    if (t >= since + policy.caOverlapMs) return { kind: 'promote-next-ca' };
  } else if (t >= renewPoint(state.ca.certPem, fraction)) {
    return { kind: 'add-next-ca' };
  }

  const serving = certInfo(state.serving.certPem);
  if (serving.issuer !== ca.subject) return { kind: 'renew-serving', reason: 'not signed by the current CA' };
  if (
    sorted(serving.dnsNames) !== sorted(policy.dnsNames) ||
    sorted(serving.ipAddresses) !== sorted(policy.ipAddresses)
  ) {
    return { kind: 'renew-serving', reason: 'the service names changed' };
  }
  const servingRenew = renewPoint(state.serving.certPem, fraction);
  if (t >= servingRenew) return { kind: 'renew-serving', reason: 'two thirds of its lifetime have passed' };

  const caNext =
    state.nextCa !== undefined
      ? (state.nextCaSince?.getTime() ?? 0) + policy.caOverlapMs
      : renewPoint(state.ca.certPem, fraction);
  const expiries = state.bundle.map((pem) => certInfo(pem).notAfter.getTime());
  return { kind: 'none', nextCheckAt: new Date(Math.min(caNext, servingRenew, ...expiries)) };
}

async function newCa(now: Date, policy: RotationPolicy): Promise<KeyPair> {
  // A distinct subject per CA lets a serving certificate's issuer tell which CA signed it.
  return createCA({
    commonName: `doris-admission-webhook-ca@${Math.floor(now.getTime() / 1000)}-${Math.random().toString(36).slice(2, 8)}`,
    validMs: policy.caValidityMs,
    now,
  });
}

function newServing(ca: KeyPair, now: Date, policy: RotationPolicy): Promise<KeyPair> {
  return createServingCert(ca, {
    commonName: policy.dnsNames[0] ?? policy.ipAddresses[0] ?? 'doris-admission-webhook',
    dnsNames: policy.dnsNames,
    ipAddresses: policy.ipAddresses,
    validMs: policy.servingValidityMs,
    now,
  });
}

/** The state after `step` (new keys are generated here). */
export async function applyStep(
  state: CertState | 'corrupt' | undefined,
  step: RotationStep,
  now: Date,
  policy: RotationPolicy,
): Promise<CertState> {
  if (step.kind === 'create' || state === undefined || state === 'corrupt') {
    const ca = await newCa(now, policy);
    return { ca, bundle: [ca.certPem], serving: await newServing(ca, now, policy) };
  }
  switch (step.kind) {
    case 'prune-bundle':
      return { ...state, bundle: step.keep };
    case 'add-next-ca': {
      const nextCa = await newCa(now, policy);
      return { ...state, nextCa, nextCaSince: now, bundle: [...state.bundle, nextCa.certPem] };
    }
    case 'promote-next-ca': {
      const ca = state.nextCa ?? (await newCa(now, policy));
      return { ca, bundle: state.bundle, serving: await newServing(ca, now, policy) };
    }
    case 'renew-serving':
      return { ...state, serving: await newServing(state.ca, now, policy) };
    case 'none':
      return state;
  }
}
