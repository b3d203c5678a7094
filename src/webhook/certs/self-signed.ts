/**
 * Self-signed mode: the webhook keeps its own CA and serving certificate in a Secret, shared by
 * every replica, and rotates them (plan.ts) long before they expire.
 *
 * Replicas coordinate through the Secret alone, with optimistic concurrency: each one plans from
 * what it read and writes with that resourceVersion (or creates the Secret); whoever loses the
 * race (409) reads again and adopts the winner's certificates. Two replicas starting together on
 * an empty namespace therefore end with one CA between them. Every replica re-reads the Secret
 * every `checkIntervalMs`, so a rotation written by one is served by all within that interval.
 */
import type { Logger } from 'pino';
import { builtin, collectionPath, objectPath } from '../../kube/resources.ts';
import { isConflict, isNotFound, type RestClient } from '../../kube/rest.ts';
import type { WebhookMetrics } from '../metrics.ts';
import { applyStep, planRotation, type RotationPolicy } from './plan.ts';
import { type CertState, fromSecret, type SecretObject, sameCertificates, toSecret } from './state.ts';

export interface SelfSignedOptions {
  readonly client: RestClient;
  readonly namespace: string;
  readonly secretName: string;
  readonly policy: RotationPolicy;
  /** How often the Secret is re-read even when no step is due. @default 60000 */
  readonly checkIntervalMs?: number;
  readonly logger: Logger;
  readonly metrics?: WebhookMetrics;
  /** The clock (tests move it forward). @default () => new Date() */
  readonly now?: () => Date;
  /**
   * Called with the certificates to use, at start and after every change, whoever wrote it:
   * the caller trusts the bundle (caBundle) first, then serves the new certificate.
   */
  readonly onState: (state: CertState) => Promise<void>;
}

const MIN_DELAY = 100;

export class SelfSignedCertificates {
  private readonly opts: SelfSignedOptions;
  private delivered: CertState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<CertState> | undefined;

  constructor(opts: SelfSignedOptions) {
    this.opts = opts;
  }

  /** Ensures the Secret holds valid certificates, delivers them, and starts the check loop. */
  async start(): Promise<CertState> {
    const state = await this.sync();
    this.schedule(state);
    return state;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** The certificates delivered last. */
  get current(): CertState | undefined {
    return this.delivered;
  }

  /** One pass: read, apply due steps, write, deliver. Serialised: passes never overlap. */
  sync(): Promise<CertState> {
    const run = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.syncOnce());
    this.running = run;
    return run;
  }

  private schedule(state: CertState | undefined): void {
    if (this.stopped) return;
    const interval = this.opts.checkIntervalMs ?? 60_000;
    let delay = interval;
    if (state !== undefined) {
      const step = planRotation(state, this.now(), this.opts.policy);
      const due = step.kind === 'none' ? step.nextCheckAt.getTime() - this.now().getTime() : 0;
      delay = Math.max(MIN_DELAY, Math.min(interval, due));
    }
    this.timer = setTimeout(() => {
      this.sync().then(
        (s) => this.schedule(s),
        (err: unknown) => {
          this.opts.logger.error({ err: String(err) }, 'certificate check failed; retrying');
          this.schedule(undefined);
        },
      );
    }, delay);
    this.timer.unref();
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private async syncOnce(): Promise<CertState> {
    const { client, namespace, secretName, policy, logger } = this.opts;
    for (let attempt = 0; attempt < 10; attempt++) {
      const secret = await this.read();
      const stored = secret === undefined ? undefined : fromSecret(secret);
      let state = stored;
      const steps: string[] = [];
      for (let i = 0; i < 4; i++) {
        const step = planRotation(state, this.now(), policy);
        if (step.kind === 'none') break;
        state = await applyStep(state, step, this.now(), policy);
        steps.push(step.kind);
      }
      if (state === undefined || state === 'corrupt') throw new Error('no certificate state after planning');
      if (steps.length > 0) {
        try {
          const body = toSecret(secretName, namespace, state, secret?.metadata.resourceVersion);
          if (secret === undefined) {
            await client.request({ method: 'POST', path: collectionPath(builtin.Secret, namespace), body });
          } else {
            await client.request({
              method: 'PUT',
              path: objectPath(builtin.Secret, namespace, secretName),
              body,
            });
          }
        } catch (err) {
          // Another replica wrote first (409 on update, or AlreadyExists on create): adopt its state.
          if (isConflict(err)) continue;
          throw err;
        }
        for (const s of steps) this.opts.metrics?.rotations.inc({ step: s });
        logger.info({ secret: `${namespace}/${secretName}`, steps }, 'webhook certificates updated');
      }
      if (!sameCertificates(this.delivered, state)) {
        await this.opts.onState(state);
        this.delivered = state;
      }
      return state;
    }
    throw new Error(`could not update Secret ${namespace}/${secretName}: conflicts on every attempt`);
  }

  private async read(): Promise<SecretObject | undefined> {
    const { client, namespace, secretName } = this.opts;
    try {
      return await client.request<SecretObject>({
        method: 'GET',
        path: objectPath(builtin.Secret, namespace, secretName),
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
