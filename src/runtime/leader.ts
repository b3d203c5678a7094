/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a lease is taken over
 * only after it has not been renewed for its full duration as observed by this process's own clock
 * (clocks of different machines are never compared); the leader renews every `retryPeriod` and
 * steps down when it cannot renew within `renewDeadline`; `release()` on shutdown empties the
 * holder so a successor takes over at once.
 */
import type { Logger } from 'pino';
import { builtin, collectionPath, objectPath } from '../kube/resources.ts';
import { isConflict, isNotFound, type RestClient } from '../kube/rest.ts';
import { microTime } from './events.ts';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** @default 15000 */
  readonly leaseDurationMs?: number;
  /** @default 10000 */
  readonly renewDeadlineMs?: number;
  /** @default 2000 */
  readonly retryPeriodMs?: number;
  readonly logger?: Logger;
  readonly onLeadership?: (leading: boolean) => void;
}

/** The result of one campaign round: we hold the lease, another holder does, or the API call failed. */
type Attempt = 'holding' | 'other' | 'failed';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export class LeaderElector {
  private readonly client: RestClient;
  private readonly opts: LeaderElectionOptions;
  private leading = false;
  private observed: { record: string; at: number } | undefined;
  private lastRenew = 0;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(client: RestClient, opts: LeaderElectionOptions) {
    this.client = client;
    this.opts = opts;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until leading, then keeps renewing. Resolves when leadership is lost or `stop()` is
   * called; `onLeading` runs once leadership is acquired.
   */
  async run(onLeading: () => void): Promise<void> {
    const retry = this.opts.retryPeriodMs ?? 2000;
    const deadline = this.opts.renewDeadlineMs ?? 10_000;
    while (!this.stopped) {
      let attempt: Attempt = 'failed';
      try {
        attempt = await this.tryAcquireOrRenew();
      } catch (err) {
        this.opts.logger?.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'lease update failed',
        );
      }
      if (attempt === 'holding') {
        this.lastRenew = performance.now();
        if (!this.leading) {
          this.setLeading(true);
          onLeading();
        }
      } else if (this.leading && (attempt === 'other' || performance.now() - this.lastRenew > deadline)) {
        this.opts.logger?.error(
          { lease: this.opts.name },
          'leadership lost: the lease was not renewed in time',
        );
        this.setLeading(false);
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, retry);
      });
    }
  }

  /** Stops campaigning; a leader gives the lease up so a successor need not wait for expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (!this.leading) return;
    try {
      const lease = await this.get();
      if (lease?.spec.holderIdentity === this.opts.identity) {
        await this.client.request({
          method: 'PUT',
          path: objectPath(builtin.Lease, this.opts.namespace, this.opts.name),
          body: {
            ...lease,
            spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime() },
          },
        });
      }
    } catch (err) {
      this.opts.logger?.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'lease release failed',
      );
    }
    this.setLeading(false);
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.opts.logger?.info(
      { lease: this.opts.name, identity: this.opts.identity, leading },
      leading ? 'became leader' : 'stopped leading',
    );
    this.opts.onLeadership?.(leading);
  }

  private async get(): Promise<Lease | undefined> {
    try {
      return await this.client.request<Lease>({
        method: 'GET',
        path: objectPath(builtin.Lease, this.opts.namespace, this.opts.name),
        timeoutMs: 5000,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const now = microTime();
    const durationSeconds = Math.ceil((this.opts.leaseDurationMs ?? 15_000) / 1000);
    const lease = await this.get();
    if (lease === undefined) {
      try {
        await this.client.request({
          method: 'POST',
          path: collectionPath(builtin.Lease, this.opts.namespace),
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.opts.name, namespace: this.opts.namespace },
            spec: {
              holderIdentity: this.opts.identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return 'holding';
      } catch (err) {
        if (isConflict(err)) return 'other';
        throw err;
      }
    }
    const record = JSON.stringify(lease.spec);
    if (this.observed?.record !== record) this.observed = { record, at: performance.now() };
    const holder = lease.spec.holderIdentity ?? '';
    const held = holder !== '' && holder !== this.opts.identity;
    const expiredMs = (lease.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (held && performance.now() - this.observed.at < expiredMs) return 'other';

    const spec =
      holder === this.opts.identity
        ? { ...lease.spec, renewTime: now, leaseDurationSeconds: durationSeconds }
        : {
            holderIdentity: this.opts.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1,
          };
    try {
      await this.client.request({
        method: 'PUT',
        path: objectPath(builtin.Lease, this.opts.namespace, this.opts.name),
        body: { ...lease, spec },
        timeoutMs: 5000,
      });
      return 'holding';
    } catch (err) {
      if (isConflict(err)) return 'other';
      throw err;
    }
  }
}
