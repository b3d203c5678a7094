import assert from 'node:assert/strict';
import { test } from 'node:test';
import { materiallySame } from './reconcile.ts';

test('a status whose metrics moved within half the tolerance band is not rewritten', () => {
  const status = (cpu: string, desired = 1) => ({
    currentReplicas: 1,
    desiredReplicas: desired,
    reason: `CPU ${cpu} below target 60`,
    currentMetrics: [{ type: 'CPU' as const, current: cpu, target: '60', recommended: 1 }],
  });
  assert.equal(materiallySame(status('1.7'), status('2'), 0.05), true);
  assert.equal(materiallySame(status('2'), status('9'), 0.05), false, '7 points of 60 is more than 5 %');
  assert.equal(materiallySame(status('2'), status('2', 2), 0.05), false, 'a new decision is written');
  assert.equal(materiallySame(status('2'), { ...status('2'), currentMetrics: [] }, 0.05), false);
  assert.equal(materiallySame({}, status('2'), 0.05), false);
  const cond = (message: string, reason = 'TooFewReplicas') => ({
    type: 'ScalingLimited',
    status: 'True' as const,
    reason,
    message,
    lastTransitionTime: '2026-11-27T10:00:00Z',
  });
  assert.equal(
    materiallySame(
      { ...status('1.7'), conditions: [cond('CPU 1.7 below')] },
      { ...status('2'), conditions: [cond('CPU 2 below')] },
      0.05,
    ),
    true,
    'a condition message quoting the value is not a change',
  );
  assert.equal(
    materiallySame(
      { ...status('2'), conditions: [cond('x')] },
      { ...status('2'), conditions: [cond('x', 'TooManyReplicas')] },
      0.05,
    ),
    false,
  );
});
