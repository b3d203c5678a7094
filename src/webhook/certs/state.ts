/**
 * The webhook's certificates as kept in one Secret, shared by all replicas: the CA that signs,
 * the next CA while a CA rotation is under way, the bundle of CAs the API server must trust
 * (what goes into `caBundle`), and the serving pair.
 *
 * Secret keys: ca.crt/ca.key, next-ca.crt/next-ca.key, ca-bundle.crt, tls.crt/tls.key; the time
 * the next CA was added is an annotation. tls.crt/tls.key are the names cert-manager and
 * kubernetes.io/tls Secrets use, so tools that read those find the serving pair.
 */
import { certInfo, type KeyPair, splitPem } from '../../tls/certs.ts';

export interface CertState {
  readonly ca: KeyPair;
  readonly nextCa?: KeyPair;
  /** When the next CA was added to the bundle (the overlap counts from here). */
  readonly nextCaSince?: Date;
  /** PEM certificates of every CA the API server trusts for this webhook. */
  readonly bundle: readonly string[];
  readonly serving: KeyPair;
}

export const NEXT_CA_SINCE = 'doris.cloudnative.dev/next-ca-since';

export interface SecretObject {
  apiVersion?: string;
  kind?: string;
  type?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

export function bundlePem(state: CertState): string {
  return `${state.bundle.map((pem) => pem.trim()).join('\n')}\n`;
}

/** The Secret holding `state`. */
export function toSecret(
  name: string,
  namespace: string,
  state: CertState,
  resourceVersion?: string,
): SecretObject {
  const data: Record<string, string> = {
    'ca.crt': b64(state.ca.certPem),
    'ca.key': b64(state.ca.keyPem),
    'ca-bundle.crt': b64(bundlePem(state)),
    'tls.crt': b64(state.serving.certPem),
    'tls.key': b64(state.serving.keyPem),
  };
  if (state.nextCa !== undefined) {
    data['next-ca.crt'] = b64(state.nextCa.certPem);
    data['next-ca.key'] = b64(state.nextCa.keyPem);
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name,
      namespace,
      ...(resourceVersion ? { resourceVersion } : {}),
      labels: {
        'app.kubernetes.io/name': 'doris-operator',
        'app.kubernetes.io/component': 'admission-webhook',
      },
      annotations: state.nextCaSince ? { [NEXT_CA_SINCE]: state.nextCaSince.toISOString() } : {},
    },
    data,
  };
}

/**
 * The state in a Secret; `corrupt` when keys are missing or a certificate does not parse (it is
 * then replaced as a whole, since nothing in it can be trusted).
 */
export function fromSecret(secret: SecretObject): CertState | 'corrupt' {
  const d = secret.data ?? {};
  const pair = (cert: string, key: string): KeyPair | undefined => {
    const certPem = unb64(d[cert]);
    const keyPem = unb64(d[key]);
    return certPem && keyPem ? { certPem, keyPem } : undefined;
  };
  const ca = pair('ca.crt', 'ca.key');
  const serving = pair('tls.crt', 'tls.key');
  const bundle = splitPem(unb64(d['ca-bundle.crt']) ?? '');
  if (ca === undefined || serving === undefined || bundle.length === 0) return 'corrupt';
  const nextCa = pair('next-ca.crt', 'next-ca.key');
  const since = secret.metadata.annotations?.[NEXT_CA_SINCE];
  try {
    for (const pem of [ca.certPem, serving.certPem, ...bundle, ...(nextCa ? [nextCa.certPem] : [])])
      certInfo(pem);
  } catch {
    return 'corrupt';
  }
  return {
    ca,
    serving,
    bundle,
    ...(nextCa ? { nextCa, nextCaSince: since ? new Date(since) : new Date(0) } : {}),
  };
}

/** Whether two states serve and trust the same certificates. */
export function sameCertificates(a: CertState | undefined, b: CertState | undefined): boolean {
  return a?.serving.certPem === b?.serving.certPem && bundlePem(a as CertState) === bundlePem(b as CertState);
}
