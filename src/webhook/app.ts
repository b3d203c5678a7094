/**
 * The `doris-admission-webhook` process put together: certificates (self-signed, kept in a Secret
 * and rotated; or mounted by cert-manager), the HTTPS admission server, the webhook
 * configurations, and the metrics and probe endpoints. The CLI (`doris-operator webhook`) and the
 * tests both run it through this class.
 *
 * Order matters for a webhook with failurePolicy Fail: the server listens with valid certificates
 * before the configurations point the API server at it; on a certificate change the CA bundle is
 * trusted before a certificate it signed is served.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { RestClient } from '../kube/rest.ts';
import { close, serveMetricsAndProbes } from '../runtime/http.ts';
import { expiryOf, type KeyPair } from '../tls/certs.ts';
import { MountedCertificates } from './certs/mounted.ts';
import type { RotationPolicy } from './certs/plan.ts';
import { SelfSignedCertificates } from './certs/self-signed.ts';
import { bundlePem, type CertState } from './certs/state.ts';
import { applyConfigurations, type ConfigurationOptions, injectCaBundle } from './configurations.ts';
import { AdmissionHandler } from './handler.ts';
import type { KindAdmission } from './kinds.ts';
import { WebhookMetrics } from './metrics.ts';
import { admissionKinds } from './registry.ts';
import { WebhookServer } from './server.ts';

export type CertificateSource =
  | {
      readonly mode: 'self-signed';
      readonly namespace: string;
      readonly secretName: string;
      readonly caValidityMs: number;
      readonly servingValidityMs: number;
      readonly caOverlapMs: number;
      readonly checkIntervalMs: number;
      readonly now?: () => Date;
    }
  | { readonly mode: 'cert-manager'; readonly dir: string; readonly pollMs?: number };

export interface WebhookAppOptions {
  readonly client: RestClient;
  readonly logger: Logger;
  /** `host:port` of the HTTPS server (port 0: any free port). */
  readonly listenAddress: string;
  readonly certificates: CertificateSource;
  /** The webhook configurations; `manage: false` only injects the CA bundle into existing ones. */
  readonly configurations: ConfigurationOptions & { readonly manage: boolean };
  readonly metricsAddress?: string;
  readonly probeAddress?: string;
  readonly shutdownDelayMs?: number;
  readonly clusterDomain?: string;
  /** Look up referenced Secrets and StorageClasses (needs get on secrets, list on storageclasses). @default true */
  readonly checkReferences?: boolean;
  readonly metrics?: WebhookMetrics;
}

/** DNS names and IPs the serving certificate must carry for the API server to reach it. */
export function servingNames(
  o: ConfigurationOptions,
  clusterDomain = 'cluster.local',
): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  if (o.service !== undefined) {
    const { name, namespace } = o.service;
    dnsNames.push(
      name,
      `${name}.${namespace}`,
      `${name}.${namespace}.svc`,
      `${name}.${namespace}.svc.${clusterDomain}`,
    );
  }
  if (o.url !== undefined) {
    const host = new URL(o.url).hostname.replace(/^\[|\]$/g, '');
    if (/^[\d.]+$/.test(host) || host.includes(':')) ipAddresses.push(host);
    else dnsNames.push(host);
  }
  return { dnsNames, ipAddresses };
}

export class WebhookApp {
  readonly metrics: WebhookMetrics;
  readonly kinds: readonly KindAdmission[];
  private readonly opts: WebhookAppOptions;
  private server: WebhookServer | undefined;
  private selfSigned: SelfSignedCertificates | undefined;
  private mounted: MountedCertificates | undefined;
  private httpServers: (Server | undefined)[] = [];
  private listening = false;
  private configurations: WebhookAppOptions['configurations'];
  private reinjectTimer: NodeJS.Timeout | undefined;
  private lastBundle: string | undefined;
  private publishing: Promise<void> = Promise.resolve();
  port = 0;

  constructor(opts: WebhookAppOptions) {
    this.opts = opts;
    this.configurations = opts.configurations;
    this.metrics = opts.metrics ?? new WebhookMetrics();
    this.kinds = admissionKinds({
      client: opts.checkReferences === false ? undefined : opts.client,
      clusterDomain: opts.clusterDomain,
    });
  }

  get ready(): boolean {
    return this.server?.ready === true && this.listening;
  }

  /** The port of the metrics endpoint, once started (0 when disabled). */
  get metricsPort(): number {
    return (this.httpServers[0]?.address() as { port: number } | null)?.port ?? 0;
  }

  /** The self-signed certificate manager (tests force checks through it). */
  get certificates(): SelfSignedCertificates | undefined {
    return this.selfSigned;
  }

  async start(): Promise<number> {
    const { logger } = this.opts;
    this.httpServers = await serveMetricsAndProbes({
      metricsAddress: this.opts.metricsAddress,
      probeAddress: this.opts.probeAddress,
      registry: this.metrics.registry,
      ready: () => this.ready,
      notReady: 'not serving',
    });
    const initial = await this.startCertificates();
    this.server = new WebhookServer({
      handler: new AdmissionHandler(this.metrics, logger),
      kinds: this.kinds,
      address: this.opts.listenAddress,
      certificate: initial.serving,
      logger,
      shutdownDelayMs: this.opts.shutdownDelayMs,
    });
    this.port = await this.server.start();
    // A URL on port 0 (local runs) means "wherever the server listens".
    const url = this.configurations.url?.replace(/:0(?=\/|$)/, `:${this.port}`);
    this.configurations = { ...this.configurations, ...(url ? { url } : {}) };
    this.listening = true;
    await this.publish(initial.bundle);
    this.keepInjecting();
    logger.info({ port: this.port, certificates: this.opts.certificates.mode }, 'admission webhook serving');
    return this.port;
  }

  async stop(): Promise<void> {
    if (this.reinjectTimer !== undefined) clearInterval(this.reinjectTimer);
    this.selfSigned?.stop();
    this.mounted?.stop();
    await this.server?.stop();
    this.listening = false;
    await Promise.all(this.httpServers.map(close));
  }

  private async startCertificates(): Promise<{ serving: KeyPair; bundle?: string }> {
    const source = this.opts.certificates;
    if (source.mode === 'cert-manager') {
      this.mounted = new MountedCertificates({
        dir: source.dir,
        logger: this.opts.logger,
        pollMs: source.pollMs,
        onCertificate: (pair) => this.serveCertificate(pair),
      });
      const pair = await this.mounted.start();
      this.metrics.certificateExpiry.set({ certificate: 'serving' }, expiryOf(pair.certPem).getTime() / 1000);
      return { serving: pair };
    }
    const { dnsNames, ipAddresses } = servingNames(this.opts.configurations, this.opts.clusterDomain);
    const policy: RotationPolicy = {
      caValidityMs: source.caValidityMs,
      servingValidityMs: source.servingValidityMs,
      // A replica that applied an older bundle corrects it within one check: the overlap covers two.
      caOverlapMs: Math.max(source.caOverlapMs, 2 * source.checkIntervalMs + 1000),
      dnsNames,
      ipAddresses,
    };
    this.selfSigned = new SelfSignedCertificates({
      client: this.opts.client,
      namespace: source.namespace,
      secretName: source.secretName,
      policy,
      checkIntervalMs: source.checkIntervalMs,
      logger: this.opts.logger,
      metrics: this.metrics,
      now: source.now,
      onState: (state) => this.onCertState(state),
    });
    const state = await this.selfSigned.start();
    return { serving: state.serving, bundle: bundlePem(state) };
  }

  /** A new self-signed state: trust its bundle first, then serve its certificate. */
  private async onCertState(state: CertState): Promise<void> {
    this.metrics.certificateExpiry.set(
      { certificate: 'serving' },
      expiryOf(state.serving.certPem).getTime() / 1000,
    );
    this.metrics.certificateExpiry.set({ certificate: 'ca' }, expiryOf(state.ca.certPem).getTime() / 1000);
    if (!this.listening) return; // the first state is published once the server listens
    await this.publish(bundlePem(state));
    this.serveCertificate(state.serving);
  }

  private serveCertificate(pair: KeyPair): void {
    try {
      this.server?.setCertificate(pair);
      this.metrics.certificateExpiry.set({ certificate: 'serving' }, expiryOf(pair.certPem).getTime() / 1000);
    } catch (err) {
      this.opts.logger.error(
        { err: String(err) },
        'the new serving certificate could not be loaded; keeping the old one',
      );
    }
  }

  /**
   * Configurations created by an installer (Helm, Kustomize) may appear after this process
   * started, or be re-created without a caBundle: with self-signed certificates and unmanaged
   * configurations, the bundle is written again every few seconds (a GET of each, a patch only
   * when it differs), not only when the certificates change.
   */
  private keepInjecting(): void {
    const source = this.opts.certificates;
    if (this.configurations.manage || source.mode !== 'self-signed') return;
    this.reinjectTimer = setInterval(
      () => {
        this.publish(this.lastBundle).catch((err: unknown) =>
          this.opts.logger.warn({ err: String(err) }, 'caBundle injection failed; retrying'),
        );
      },
      Math.min(source.checkIntervalMs, 10_000),
    );
    this.reinjectTimer.unref();
  }

  /**
   * Points the API server at this webhook (managed configurations) or gives it the CA bundle.
   * Publications run one after another, so a periodic one never writes an older bundle over a
   * newer one.
   */
  private publish(bundle: string | undefined): Promise<void> {
    if (bundle !== undefined) this.lastBundle = bundle;
    const run = this.publishing.catch(() => undefined).then(() => this.publishNow(bundle));
    this.publishing = run;
    return run;
  }

  private async publishNow(bundle: string | undefined): Promise<void> {
    const { client } = this.opts;
    const c = this.configurations;
    if (c.manage) await applyConfigurations(client, this.kinds, { ...c, caBundle: bundle });
    else if (bundle !== undefined) await injectCaBundle(client, c, bundle);
  }
}
