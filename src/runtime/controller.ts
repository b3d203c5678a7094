/**
 * A controller: event sources feed keys into one work queue, N workers reconcile them. Only this
 * file turns a reconcile's result into queue actions (forget, requeue after, rate-limited retry),
 * as controller-runtime's reconcileHandler does; reconcilers never touch the queue.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Informer } from './informer.ts';
import type { OperatorMetrics } from './metrics.ts';
import { type KubeObject, type ObjectKey, parseKey } from './object.ts';
import { WorkQueue } from './queue.ts';

/** What a reconcile asks for next. "Still waiting" is a requeue, never an error. */
export type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeue'; readonly afterMs: number; readonly reason: string };

export const done: Outcome = { kind: 'done' };
export const requeueAfter = (afterMs: number, reason: string): Outcome => ({
  kind: 'requeue',
  afterMs,
  reason,
});

/** An error retrying cannot fix (e.g. an invalid spec already reported in status): logged, not retried. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * A failure that retrying at once cannot fix but time may (Doris refused a statement, a member is
 * not there yet): retried with backoff starting at `afterMs` and doubling per consecutive failure.
 */
export class RetryAfterError extends Error {
  readonly afterMs: number;
  constructor(message: string, afterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetryAfterError';
    this.afterMs = afterMs;
  }
}

/** The longest a failing key waits between two attempts. */
const maxRetryDelayMs = 300_000;

export interface ReconcileContext {
  readonly key: ObjectKey;
  readonly log: Logger;
  readonly reconcileID: string;
}

export type Reconciler = (ctx: ReconcileContext) => Promise<Outcome>;

/** Maps a changed object to the keys of the primary objects to reconcile. */
export type MapFunc = (obj: KubeObject) => readonly string[];

/** Whether an update (old, new) is worth a pass; additions and deletions always are. */
export type Relevance = (oldObj: KubeObject, newObj: KubeObject) => boolean;

/** Updates that change the spec (a new generation): status writes of a watched kind wake nothing. */
export const generationChanged: Relevance = (a, b) => a.metadata.generation !== b.metadata.generation;

export interface ControllerOptions {
  readonly name: string;
  readonly reconcile: Reconciler;
  /** Workers: keys reconciled at once (never one key twice). @default 16 */
  readonly concurrency?: number;
  readonly logger: Logger;
  readonly metrics?: OperatorMetrics;
  readonly queue?: WorkQueue;
}

/**
 * Whether an update of a primary object is more than its own status: the reconciler writes the
 * status, and reacting to its own writes would make progress figures (tablets left, ...) drive a
 * pass after every pass. A resync (the same object twice) still counts, as the safety net it is.
 */
export function beyondStatus(oldObj: KubeObject, newObj: KubeObject): boolean {
  if (oldObj === newObj) return true;
  const a = oldObj.metadata;
  const b = newObj.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify([a.labels, a.annotations, a.finalizers, a.ownerReferences]) !==
      JSON.stringify([b.labels, b.annotations, b.finalizers, b.ownerReferences])
  );
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly opts: ControllerOptions;
  private workers: Promise<void>[] = [];

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.opts = opts;
    const m = opts.metrics;
    const label = { name: opts.name };
    // Every series exists from the start, as controller-runtime does: an error rate or a queue
    // depth reads 0, not "no data", until the first error or key.
    if (m) {
      m.reconcileErrors.inc({ controller: opts.name }, 0);
      for (const result of ['success', 'error', 'requeue', 'requeue_after'])
        m.reconcileTotal.inc({ controller: opts.name, result }, 0);
      m.queueDepth.set(label, 0);
      m.queueAdds.inc(label, 0);
      m.queueRetries.inc(label, 0);
    }
    this.queue =
      opts.queue ??
      new WorkQueue({
        observer: m && {
          depth: (n) => m.queueDepth.set(label, n),
          added: () => m.queueAdds.inc(label),
          waited: (s) => m.queueLatency.observe(label, s),
          retried: () => m.queueRetries.inc(label),
        },
      });
  }

  /** Feeds the queue from an informer through `map`; `relevant` may drop updates that change nothing of interest. */
  watch(informer: Informer, map: MapFunc, relevant?: Relevance): void {
    const enqueue = (obj: KubeObject) => {
      for (const key of map(obj)) this.queue.add(key);
    };
    informer.addHandler({
      add: enqueue,
      update: (oldObj, newObj) => {
        if (relevant !== undefined && !relevant(oldObj, newObj)) return;
        enqueue(newObj);
        // An owner change moves the object to another primary: tell the old one too.
        if (oldObj !== newObj) enqueue(oldObj);
      },
      delete: enqueue,
    });
  }

  start(): void {
    const n = this.opts.concurrency ?? 16;
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  /** Stops taking keys and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async reconcileOne(key: string): Promise<void> {
    const { metrics, logger } = this.opts;
    const reconcileID = randomUUID();
    const objectKey = parseKey(key);
    const log = logger.child({ controller: this.name, object: key, reconcileID });
    const started = performance.now();
    let result: string;
    try {
      const outcome = await this.opts.reconcile({ key: objectKey, log, reconcileID });
      this.queue.forget(key);
      if (outcome.kind === 'requeue') {
        this.queue.addAfter(key, outcome.afterMs);
        result = 'requeue_after';
        log.debug({ afterMs: outcome.afterMs, reason: outcome.reason }, 'requeue');
      } else {
        result = 'success';
      }
    } catch (err) {
      metrics?.reconcileErrors.inc({ controller: this.name });
      if (err instanceof TerminalError) {
        this.queue.forget(key);
        result = 'error';
        log.error({ err: err.message }, 'reconcile failed; not retrying');
      } else {
        const floor =
          err instanceof RetryAfterError
            ? Math.min(maxRetryDelayMs, err.afterMs * 2 ** Math.min(this.queue.retries(key), 20))
            : 0;
        const delay = this.queue.addRateLimited(key, floor);
        result = 'error';
        log.warn(
          { err: err instanceof Error ? err.message : String(err), retryInMs: delay },
          'reconcile failed',
        );
      }
    }
    metrics?.reconcileTotal.inc({ controller: this.name, result });
    metrics?.reconcileTime.observe({ controller: this.name }, (performance.now() - started) / 1000);
  }
}
