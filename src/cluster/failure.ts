/**
 * Failures a user must see where users look: a step Doris or the API server refused, or a pass
 * that could not run at all. Each goes to status (Degraded, with the cause in Doris' or the API
 * server's own words, the member and the spec field concerned), to a Warning event (repeats join
 * one series), and its retry is paced by backoff instead of asking Doris again at once.
 */
import type { Component, DorisCluster, DorisClusterStatus } from '../api/v1alpha1/index.ts';
import { dorisClusterKind } from '../api/v1alpha1/index.ts';
import { type Condition, findCondition, setCondition } from '../runtime/conditions.ts';
import { RetryAfterError } from '../runtime/controller.ts';
import type { Manager } from '../runtime/manager.ts';
import type { KubeObject } from '../runtime/object.ts';
import { updateStatus } from '../runtime/status.ts';
import type { Step } from './plan/types.ts';

/** First retry of a refused step; doubles per consecutive failure up to 5 minutes. */
export const stepRetryMs = 5_000;

export const failureReasons = { step: 'StepFailed', pass: 'ReconcileError' } as const;

/** A planned step that failed: carries what was attempted and the field of the spec behind it. */
export class StepFailedError extends RetryAfterError {
  constructor(step: Exclude<Step, { kind: 'wait' }>, cause: unknown, retryInMs: number) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${step.reason} (${fieldOf(step)}): ${why}`, retryInMs);
    this.name = 'StepFailedError';
  }
}

/**
 * When a refused step may be tried again, per cluster: 5 s after the first failure, doubling up
 * to 5 minutes, whatever else wakes the cluster up meanwhile (pod events, requeues). Kept in
 * memory: it paces retries and decides nothing, so a restarted operator may simply try once more.
 */
export class StepBackoff {
  private readonly entries = new Map<string, { reason: string; failures: number; notBefore: number }>();

  /** Milliseconds before the step with `reason` may run again for `key` (0: now). */
  waitMs(key: string, reason: string, now = Date.now()): number {
    const e = this.entries.get(key);
    return e === undefined || e.reason !== reason ? 0 : Math.max(0, e.notBefore - now);
  }

  /** Records a failure; returns the delay before the next attempt. */
  failed(key: string, reason: string, now = Date.now()): number {
    const previous = this.entries.get(key);
    const failures = previous?.reason === reason ? previous.failures + 1 : 1;
    const delay = Math.min(300_000, stepRetryMs * 2 ** (failures - 1));
    this.entries.set(key, { reason, failures, notBefore: now + delay });
    return delay;
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }
}

/** The spec field a step carries out, so the user knows what asked for it. */
export function fieldOf(step: Exclude<Step, { kind: 'wait' }>): string {
  const component: Component | undefined = step.kind === 'sql' ? step.operation?.component : step.component;
  const type = step.operation?.type;
  if (step.kind === 'sql' && step.action.op === 'setBalance') return 'spec.version';
  if (type === 'Upgrade') return 'spec.version';
  if (type === 'Restart' && component) return `spec.${component}.config`;
  if (component) return `spec.${component}.replicas`;
  return 'spec';
}

/** Whether the previous status reports `step` as failing (kept until the step succeeds). */
export function stillFailing(
  previous: DorisClusterStatus | undefined,
  step: Step | undefined,
): Condition | undefined {
  if (step === undefined || step.kind === 'wait') return undefined;
  const degraded = findCondition(previous?.conditions as Condition[] | undefined, 'Degraded');
  return degraded?.status === 'True' &&
    degraded.reason === failureReasons.step &&
    degraded.message.startsWith(`${step.reason} (`)
    ? degraded
    : undefined;
}

/** Records a failed pass in status and as a Warning event; never throws (the caller rethrows). */
export async function reportFailure(manager: Manager, live: KubeObject, err: unknown): Promise<void> {
  const cluster = live as DorisCluster;
  const previous = (cluster.status ?? {}) as DorisClusterStatus;
  const reason = err instanceof StepFailedError ? failureReasons.step : failureReasons.pass;
  const message = err instanceof Error ? err.message : String(err);
  const generation = cluster.metadata.generation ?? 0;
  let conditions = setCondition(previous.conditions as Condition[] | undefined, {
    type: 'Degraded',
    status: 'True',
    reason,
    message,
    observedGeneration: generation,
  });
  // A pass that could not run has not looked at the members: an earlier Ready=True is not news.
  if (reason === failureReasons.pass) {
    conditions = setCondition(conditions, {
      type: 'Ready',
      status: 'False',
      reason,
      message: `the operator cannot manage the cluster: ${message}`,
      observedGeneration: generation,
    });
  }
  const status = { ...previous, observedGeneration: generation, phase: 'Degraded' as const, conditions };
  // A conflict means someone wrote meanwhile: the next pass reports again from fresh facts.
  await updateStatus(manager.client, dorisClusterKind.resource, live, status).catch(() => undefined);
  await manager.events.record(live, 'Warning', reason, 'Reconcile', message);
}
