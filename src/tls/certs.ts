/**
 * X.509 certificates for the operator's own TLS: a self-signed CA and serving certificates it signs.
 * The admission webhook keeps its CA and serving pair in a Secret and the API server trusts the CA
 * through `caBundle`; the test control plane uses the same functions for its API server.
 * ECDSA P-256 keys: generation takes milliseconds, and Go and Node TLS stacks both accept them.
 */
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as never);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM encoded. */
export interface KeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CertOptions {
  /** Subject common name. */
  readonly commonName: string;
  /** Validity in days from now. @default 365 */
  readonly validDays?: number;
  /** Validity in milliseconds from now; overrides validDays (short-lived certificates in tests). */
  readonly validMs?: number;
  /** Clock to use; tests pass a fixed time. @default new Date() */
  readonly now?: Date;
}

export interface ServingCertOptions extends CertOptions {
  /** DNS names and IP addresses the certificate is valid for. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Also usable as a TLS client certificate. @default false */
  readonly clientAuth?: boolean;
}

function serial(): string {
  // Positive 16-byte serial: RFC 5280 requires a positive integer of at most 20 octets.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

async function pemToKey(pem: string): Promise<CryptoKey> {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(body, 'base64'), algorithm, true, ['sign']);
}

function validity(opts: CertOptions, notAfterMax?: Date): { notBefore: Date; notAfter: Date } {
  const now = opts.now ?? new Date();
  const lifetime = opts.validMs ?? (opts.validDays ?? 365) * dayMs;
  // Backdated (an hour, or a tenth of a short lifetime) so a peer whose clock runs slightly
  // behind still accepts it, without making a short-lived certificate due for renewal at once.
  const backdate = Math.min(60 * 60 * 1000, lifetime / 10);
  const notAfter = new Date(now.getTime() + lifetime);
  return {
    notBefore: new Date(now.getTime() - backdate),
    notAfter: notAfterMax !== undefined && notAfterMax < notAfter ? notAfterMax : notAfter,
  };
}

/** Creates a self-signed certificate authority. */
export async function createCA(opts: CertOptions): Promise<KeyPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${opts.commonName}`,
    ...validity(opts),
    signingAlgorithm: algorithm,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/** Creates a serving certificate signed by `ca`; it never outlives the CA. */
export async function createServingCert(ca: KeyPair, opts: ServingCertOptions): Promise<KeyPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await newKeys();
  const names: x509.JsonGeneralName[] = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const usages = [
    x509.ExtendedKeyUsage.serverAuth,
    ...(opts.clientAuth ? [x509.ExtendedKeyUsage.clientAuth] : []),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${opts.commonName}`,
    issuer: caCert.subject,
    ...validity(opts, caCert.notAfter),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey as never,
    signingKey: (await pemToKey(ca.keyPem)) as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension(usages),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/** The instant a PEM certificate stops being valid. */
export function expiryOf(certPem: string): Date {
  return new x509.X509Certificate(certPem).notAfter;
}

/** What rotation decisions read from a certificate. */
export interface CertInfo {
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialNumber: string;
  readonly subject: string;
  readonly issuer: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

export function certInfo(certPem: string): CertInfo {
  const cert = new x509.X509Certificate(certPem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  return {
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: cert.serialNumber,
    subject: cert.subject,
    issuer: cert.issuer,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
  };
}

/** Whether `certPem` was signed by the key of `caPem`. */
export async function isSignedBy(certPem: string, caPem: string): Promise<boolean> {
  const ca = new x509.X509Certificate(caPem);
  return new x509.X509Certificate(certPem).verify({
    publicKey: await ca.publicKey.export(),
    signatureOnly: true,
  });
}

/** The PEM certificates of a bundle, in order (each without a trailing newline, as createCA writes them). */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
