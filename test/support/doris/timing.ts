/**
 * The simulator's clock settings. Real Doris heartbeats every 10 s and its entrypoints wait up to
 * minutes; tests shrink every period so whole scenarios finish in seconds. All of them can be
 * changed while the simulator runs (control API `POST /timing`).
 */

export interface Timing {
  /** Master heartbeat and scheduler period (Doris: `heartbeat_interval_second`, 10 s). */
  readonly tickMs: number;
  /** Replicas a decommissioning backend hands off per tick (the tablet scheduler's clone rate). */
  readonly decommissionTabletsPerTick: number;
  /** Ticks a backup or restore job spends in each state. */
  readonly jobTicksPerState: number;
  /** How long FE pod 0 looks for a master before starting alone (fe_entrypoint.sh: 60 s). */
  readonly masterProbeMs: number;
  /** How long other FE pods look for a master before exiting (fe_entrypoint.sh: 180 s). */
  readonly joinProbeMs: number;
  /** How long a BE loops on registration before starting anyway (be_entrypoint.sh: 60 s). */
  readonly registerTimeoutMs: number;
  /** Pause between two attempts of an entrypoint loop, and before a crashed entrypoint reruns. */
  readonly retryMs: number;
  /** From start_fe.sh/start_be.sh to a running process (JVM start, meta replay). */
  readonly processStartMs: number;
  /** The kubelet's readiness probe period: how soon a pod's Ready condition follows its process. */
  readonly readinessProbeMs: number;
  /** The master's alter daemon period, which drops emptied decommissioned backends (Doris: 10 s). */
  readonly alterCycleMs: number;
  /** How often the internal schema initializer retries (Doris: 5 s). */
  readonly internalSchemaRetryMs: number;
  /** How long a BE is dead before its tablets are re-replicated elsewhere (Doris: about 2 min). */
  readonly repairDelayMs: number;
  /** From losing a master to electing the next (BDB-JE heartbeat timeout 30 s, then replay). */
  readonly electionMs: number;
  /**
   * How long the master waits for a dead backend to answer a group-commit WAL count before it
   * takes 0 (`check_wal_queue_timeout_threshold`, 180 s: GroupCommitManager.getWalQueueSize).
   */
  readonly walCheckTimeoutMs: number;
  /**
   * The FE's MetricCalculator period, which sets `doris_fe_qps` (hard-coded 15 s in MetricRepo;
   * the same in fast timing, since the gauge's lag is what an autoscaler must live with).
   */
  readonly metricCalculatorMs: number;
}

export const realTiming: Timing = {
  tickMs: 10_000,
  decommissionTabletsPerTick: 10,
  jobTicksPerState: 2,
  masterProbeMs: 60_000,
  joinProbeMs: 180_000,
  registerTimeoutMs: 60_000,
  retryMs: 1000,
  processStartMs: 15_000,
  readinessProbeMs: 5000,
  alterCycleMs: 10_000,
  internalSchemaRetryMs: 5000,
  repairDelayMs: 120_000,
  electionMs: 30_000,
  walCheckTimeoutMs: 180_000,
  metricCalculatorMs: 15_000,
};

/** Settings for tests: a tick of 100 ms, entrypoint waits of about a second. */
export const fastTiming: Timing = {
  tickMs: 100,
  decommissionTabletsPerTick: 2,
  jobTicksPerState: 1,
  masterProbeMs: 1500,
  joinProbeMs: 20_000,
  registerTimeoutMs: 10_000,
  retryMs: 100,
  // At least a second: Doris reports LastStartTime in whole seconds, and a restart is confirmed by a
  // new value (a real FE or BE takes 10 s and more to start, never less than a second).
  processStartMs: 1000,
  readinessProbeMs: 200,
  alterCycleMs: 1000,
  internalSchemaRetryMs: 200,
  repairDelayMs: 5000,
  electionMs: 500,
  walCheckTimeoutMs: 2000,
  metricCalculatorMs: 15_000,
};
