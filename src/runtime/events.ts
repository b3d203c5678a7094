/**
 * Kubernetes Events (events.k8s.io/v1) for what a user wants to see in `kubectl describe`.
 * Repeats of the same event on the same object within the series window update the existing
 * Event's `series` (count, last observed) instead of creating new objects: the first repeat at
 * once, later ones at most every `seriesUpdateMs` (a failure retried every few seconds must not
 * become a write every few seconds). The count of a burst's last repeats is written with the next
 * repeat, not by a timer: a timer would write to the API server when nothing happens.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { builtin, collectionPath, objectPath } from '../kube/resources.ts';
import { contentTypes, isNotFound, type RestClient } from '../kube/rest.ts';
import type { KubeObject } from './object.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** `reportingController`. @default 'doris.cloudnative.dev/doris-operator' */
  readonly controller?: string;
  /** `reportingInstance`, e.g. the pod name. */
  readonly instance: string;
  /** Repeats within this window join one series. @default 600000 (10 min) */
  readonly seriesWindowMs?: number;
  /** A series is written at most this often. @default 30000 */
  readonly seriesUpdateMs?: number;
  readonly logger?: Logger;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  last: number;
  /** The count the Event holds. */
  written: number;
  writtenAt: number;
}

/** MicroTime: RFC 3339 with exactly six fractional digits (the API server refuses other forms). */
export function microTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class EventRecorder {
  private readonly client: RestClient;
  private readonly opts: EventRecorderOptions;
  private readonly series = new Map<string, Series>();

  constructor(client: RestClient, opts: EventRecorderOptions) {
    this.client = client;
    this.opts = opts;
  }

  /**
   * Records an event about `regarding`. `reason` is a short CamelCase word (`ScalingIn`),
   * `action` what the operator did (`Decommission`), `note` a sentence for humans. Never throws:
   * an event that cannot be written must not fail a reconcile.
   */
  async record(
    regarding: KubeObject,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): Promise<void> {
    const namespace = regarding.metadata.namespace ?? 'default';
    const id = `${regarding.metadata.uid}|${type}|${reason}|${action}|${note}`;
    const now = Date.now();
    const known = this.series.get(id);
    try {
      if (known !== undefined && now - known.last < (this.opts.seriesWindowMs ?? 600_000)) {
        known.count++;
        known.last = now;
        const due = known.written === 1 || now - known.writtenAt >= (this.opts.seriesUpdateMs ?? 30_000);
        if (due) await this.writeSeries(known);
        return;
      }
      const name = `${regarding.metadata.name}.${now.toString(16)}${randomBytes(2).toString('hex')}`;
      await this.client.request({
        method: 'POST',
        path: collectionPath(builtin.Event, namespace),
        body: {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name, namespace },
          eventTime: microTime(new Date(now)),
          reportingController: this.opts.controller ?? 'doris.cloudnative.dev/doris-operator',
          reportingInstance: this.opts.instance,
          action,
          reason,
          note: note.slice(0, 1024),
          type,
          regarding: {
            apiVersion: regarding.apiVersion,
            kind: regarding.kind,
            name: regarding.metadata.name,
            namespace: regarding.metadata.namespace,
            uid: regarding.metadata.uid,
          },
        },
      });
      this.series.set(id, { name, namespace, count: 1, last: now, written: 1, writtenAt: now });
      this.prune(now);
    } catch (err) {
      if (known !== undefined && isNotFound(err)) this.series.delete(id);
      this.opts.logger?.warn(
        { reason, err: err instanceof Error ? err.message : String(err) },
        'event not recorded',
      );
    }
  }

  private async writeSeries(s: Series): Promise<void> {
    const count = s.count;
    s.written = count;
    s.writtenAt = Date.now();
    await this.client.request({
      method: 'PATCH',
      path: objectPath(builtin.Event, s.namespace, s.name),
      contentType: contentTypes.merge,
      body: { series: { count, lastObservedTime: microTime(new Date(s.last)) } },
    });
  }

  private prune(now: number): void {
    const window = this.opts.seriesWindowMs ?? 600_000;
    if (this.series.size < 1000) return;
    for (const [id, s] of this.series) if (now - s.last >= window) this.series.delete(id);
  }
}
