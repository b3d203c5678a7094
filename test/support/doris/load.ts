/**
 * The load model behind the metrics: what the control API sets per cluster or member (queries per
 * second, latency, CPU busy fraction, memory, client connections), integrated over time into the
 * counters Prometheus scrapes, so that `rate()` over them gives back the load that was set.
 */

export interface Load {
  /** Queries per second an FE serves. */
  readonly qps: number;
  /** Typical query latency in ms (the p75; higher quantiles grow from it). */
  readonly latencyMs: number;
  /** Busy fraction of a BE's CPUs, 0..1. */
  readonly cpu: number;
  /** Resident memory of the process. */
  readonly memoryBytes: number;
  /** Client connections on top of the real ones. */
  readonly connections: number;
  /** BE: fragment instances running (unset: twice the queries per second). */
  readonly running?: number;
  /** BE: tasks waiting for a fragment thread. */
  readonly queued?: number;
  /** FE: share of the queries that fail, 0..1. */
  readonly errorRatio?: number;
  /** BE: rows loaded per second (one load transaction per 10 000 rows, 100 bytes a row). */
  readonly loadRows?: number;
  /** BE: highest cumulative compaction score (grows with loads that outrun compaction). */
  readonly compactionScore?: number;
}

export const IDLE_LOAD: Load = {
  qps: 0,
  latencyMs: 0,
  cpu: 0.02,
  memoryBytes: 2 * 1024 ** 3,
  connections: 0,
};

/** USER_HZ: /proc/stat counts jiffies of 1/100 s. */
const HZ = 100;

export const CPU_MODES = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'soft_irq',
  'steal',
  'guest',
  'guest_nice',
] as const;

/**
 * A cluster's query workload: queries arrive at `qps` through the FEs (spread over the alive ones)
 * and each costs `cpuMsPerQuery` of CPU on the nodes that execute it: the alive compute nodes that
 * take queries when there are any, else the alive mix BEs (Doris runs external-table fragments on
 * compute nodes, `prefer_compute_node_for_external_table`). Past saturation queries queue and the
 * latency grows with the overload. Concurrency per node follows Little's law (qps x latency).
 */
export interface Workload {
  readonly qps: number;
  readonly cpuMsPerQuery: number;
  /** Latency of a query on an unsaturated node. */
  readonly latencyMs: number;
}

/** Counters of one process, advanced to "now" whenever they are read or the load changes. */
export class Meter {
  /** What the control API set on this member. */
  own: Load = IDLE_LOAD;
  /** Its share of the cluster's workload, when one is set (overrides `own`). */
  share: (() => Partial<Load> | undefined) | undefined;
  queryTotal = 0;
  queryErr = 0;
  latencySumMs = 0;
  loadRows = 0;
  /** Load transactions begun, committed, failed (the FE counts them; a BE meter counts its own). */
  readonly txn = { begin: 0, success: 0, failed: 0 };
  /** JVM collections: a young one every ~10 s at rest, more often with queries; an old one per 100 young. */
  readonly gc = { youngCount: 0, youngMs: 0, oldCount: 0, oldMs: 0 };
  /** Jiffies per mode, for one core (all cores run the same). */
  readonly cpuPerCore: Record<string, number> = Object.fromEntries(CPU_MODES.map((m) => [m, 0]));
  private last = Date.now();
  private calc: { at: number; queries: number; qps: number } | undefined;

  constructor() {
    // A machine that has been up a while, so counters do not start at zero.
    this.cpuPerCore.idle = 50_000;
    this.cpuPerCore.user = 2_000;
    this.cpuPerCore.system = 500;
  }

  /** The load the member runs at now. */
  get load(): Load {
    const share = this.share?.();
    return share === undefined ? this.own : { ...this.own, ...share };
  }

  set(load: Partial<Load>, now = Date.now()): void {
    this.advance(now);
    this.own = { ...this.own, ...load };
  }

  /**
   * `doris_fe_qps` as the FE's MetricCalculator sets it: every `periodMs` (15 s, a fixed-rate
   * timer), the queries counted since its previous run divided by `(elapsed seconds, rounded
   * down) + 1`, so a steady load reads 15/16 of itself and a change shows up to 15 s late
   * (fe/fe-core/.../metric/MetricCalculator.java `update`, MetricRepo.java L513, 2.1 and 3.0).
   */
  calculatedQps(periodMs: number, now = Date.now()): number {
    this.advance(now);
    if (this.calc === undefined) this.calc = { at: now, queries: this.queryTotal, qps: 0 };
    else if (now - this.calc.at >= periodMs) {
      const interval = Math.floor((now - this.calc.at) / 1000) + 1;
      const qps = Math.max(0, (this.queryTotal - this.calc.queries) / interval);
      this.calc = { at: now, queries: this.queryTotal, qps };
    }
    return this.calc.qps;
  }

  /** A statement really executed through the MySQL port. */
  countStatement(ok: boolean): void {
    this.queryTotal++;
    if (!ok) this.queryErr++;
  }

  advance(now = Date.now()): void {
    const dt = Math.max(0, (now - this.last) / 1000);
    this.last = now;
    const load = this.load;
    const queries = load.qps * dt;
    this.queryTotal += queries;
    this.queryErr += queries * Math.min(1, Math.max(0, load.errorRatio ?? 0));
    const rows = Math.max(0, load.loadRows ?? 0) * dt;
    this.loadRows += rows;
    this.txn.begin += rows / 10_000;
    this.txn.success += rows / 10_000;
    const young = dt * (0.1 + load.qps / 500);
    this.gc.youngCount += young;
    this.gc.youngMs += young * 8;
    this.gc.oldCount += young / 100;
    this.gc.oldMs += (young / 100) * 120;
    this.latencySumMs += queries * load.latencyMs;
    const busy = Math.min(1, Math.max(0, load.cpu));
    this.cpuPerCore.user = (this.cpuPerCore.user ?? 0) + busy * 0.8 * HZ * dt;
    this.cpuPerCore.system = (this.cpuPerCore.system ?? 0) + busy * 0.2 * HZ * dt;
    this.cpuPerCore.idle = (this.cpuPerCore.idle ?? 0) + (1 - busy) * HZ * dt;
  }
}
