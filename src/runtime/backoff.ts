/** Retry delays: per-key exponential backoff, an overall token bucket, and jittered reconnects. */

/** Exponential delay per key: base * 2^failures, capped, reset by `forget`. */
export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  /** @param baseMs first delay @default 5  @param maxMs cap @default 300000 (5 min) */
  constructor(baseMs = 5, maxMs = 300_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n, 40));
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/**
 * A token bucket shared by all keys: it bounds the overall retry rate, so a burst of failing keys
 * cannot hammer the API server even while each key's own backoff is still short.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly now: () => number;

  /** @param perSecond refill rate @default 10  @param burst bucket size @default 100 */
  constructor(perSecond = 10, burst = 100, now: () => number = () => performance.now()) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.now = now;
    this.last = now();
  }

  /** Reserves one token and returns how long to wait before using it. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.perSecond) * 1000;
  }
}

/** The delay before retry `attempt` (0-based) of a reconnect: exponential with full jitter. */
export function jitteredBackoff(attempt: number, baseMs = 200, maxMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
