/**
 * The work queue between event sources and reconcilers, with client-go's semantics: a key queued
 * many times is processed once (deduplication); a key is never handed to two workers at once (a key
 * added while it is being processed is queued again when the worker is done); delayed adds keep
 * the earliest due time; failures are retried with per-key exponential backoff bounded by an
 * overall rate limit.
 */
import { ExponentialBackoff, TokenBucket } from './backoff.ts';

export interface QueueObserver {
  depth?(n: number): void;
  added?(): void;
  /** Seconds a key waited between being queued and being handed to a worker. */
  waited?(seconds: number): void;
  retried?(): void;
}

export interface QueueOptions {
  readonly backoff?: ExponentialBackoff;
  readonly bucket?: TokenBucket;
  readonly observer?: QueueObserver;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Map<string, number>(); // key -> time queued
  private readonly processing = new Set<string>();
  private readonly timers = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly backoff: ExponentialBackoff;
  private readonly bucket: TokenBucket;
  private readonly observer: QueueObserver;
  private shuttingDown = false;

  constructor(opts: QueueOptions = {}) {
    this.backoff = opts.backoff ?? new ExponentialBackoff();
    this.bucket = opts.bucket ?? new TokenBucket();
    this.observer = opts.observer ?? {};
  }

  get length(): number {
    return this.queue.length;
  }

  /** Keys queued, being processed or waiting on a timer. */
  get pending(): number {
    return new Set([...this.dirty.keys(), ...this.processing, ...this.timers.keys()]).size;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.observer.added?.();
    this.dirty.set(key, performance.now());
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.handOut(key, waiter);
    } else {
      this.queue.push(key);
      this.observer.depth?.(this.queue.length);
    }
  }

  /** Adds `key` after `ms`; of several pending delays for one key, the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = performance.now() + ms;
    const existing = this.timers.get(key);
    if (existing !== undefined) {
      if (existing.due <= due) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { due, timer });
  }

  /**
   * Re-adds a failed key after its backoff (and the overall rate limit), and no sooner than
   * `floorMs`; returns the delay.
   */
  addRateLimited(key: string, floorMs = 0): number {
    this.observer.retried?.();
    const delay = Math.max(this.backoff.next(key), this.bucket.reserve(), floorMs);
    this.addAfter(key, delay);
    return delay;
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  /** Clears the key's failure history (call after a success). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** The next key, waiting if none; undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    // On shutdown no new work starts; what is in flight finishes.
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.observer.depth?.(this.queue.length);
      return new Promise((resolve) => this.handOut(key, resolve));
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) this.handOut(key, waiter);
      else {
        this.queue.push(key);
        this.observer.depth?.(this.queue.length);
      }
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private handOut(key: string, to: (key: string) => void): void {
    const queuedAt = this.dirty.get(key) ?? performance.now();
    this.dirty.delete(key);
    this.processing.add(key);
    this.observer.waited?.((performance.now() - queuedAt) / 1000);
    to(key);
  }
}
