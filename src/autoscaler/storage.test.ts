import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoscalerSpecSchema } from '../api/v1alpha1/index.ts';
import { type DirFacts, grownSize, planStorage } from './storage.ts';

const rule = autoscalerSpecSchema.parse({
  clusterRef: { name: 'doris' },
  maxReplicas: 2,
  metrics: [{ type: 'CPU', averageUtilization: 60 }],
  storage: { be: { maxSize: '80Gi', forSeconds: 60 } },
}).storage?.be as NonNullable<NonNullable<ReturnType<typeof autoscalerSpecSchema.parse>['storage']>['be']>;
const dir = (over: Partial<DirFacts> = {}): DirFacts => ({
  name: 'storage',
  size: '50Gi',
  settled: true,
  expandable: true,
  ...over,
});
const full = (fraction: number) => new Map([['storage', { fraction, pod: 'doris-be-1' }]]);
const t0 = 1_000_000;

test('a step of 20 % in whole Gi, never beyond maxSize', () => {
  assert.equal(grownSize('50Gi', rule), '60Gi');
  assert.equal(grownSize('100G', rule), '80Gi');
  assert.equal(grownSize('70Gi', rule), '80Gi', '84Gi would pass the limit');
});

test('grows only after forSeconds above the threshold, one step, then waits for the claims', () => {
  const since = new Map<string, number>();
  assert.equal(planStorage(rule, [dir()], full(0.5), since, t0).reports[0]?.state, 'Ok');
  const first = planStorage(rule, [dir()], full(0.9), since, t0);
  assert.equal(first.reports[0]?.state, 'Filling');
  assert.equal(first.grow, undefined);
  const later = planStorage(rule, [dir()], full(0.9), since, t0 + 61_000);
  assert.equal(later.grow?.to, '60Gi');
  assert.match(
    later.grow?.note ?? '',
    /Grew spec\.be\.storage\.dataDirs\[storage\]\.size from 50Gi to 60Gi: 90% used on doris-be-1 for 61 s/,
  );
  // The claims have not taken the new size yet: nothing more.
  const pending = planStorage(rule, [dir({ size: '60Gi', settled: false })], full(0.9), since, t0 + 200_000);
  assert.equal(pending.grow, undefined);
  assert.equal(pending.reports[0]?.state, 'Growing');
  // A dip below the threshold starts the clock again.
  planStorage(rule, [dir({ size: '60Gi' })], full(0.5), since, t0 + 210_000);
  assert.equal(planStorage(rule, [dir({ size: '60Gi' })], full(0.9), since, t0 + 220_000).grow, undefined);
});

test('at maxSize or on a class that cannot expand: a warning naming the field, no growth', () => {
  const since = new Map([['storage', t0 - 120_000]]);
  const limit = planStorage(rule, [dir({ size: '80Gi' })], full(0.95), since, t0);
  assert.equal(limit.grow, undefined);
  assert.equal(limit.reports[0]?.state, 'AtLimit');
  assert.match(
    limit.warnings[0]?.note ?? '',
    /spec\.be\.storage\.dataDirs\[storage\]\.size: .*already at maxSize 80Gi/,
  );
  const fixed = planStorage(rule, [dir({ expandable: false })], full(0.95), since, t0);
  assert.equal(fixed.reports[0]?.state, 'NotExpandable');
  assert.equal(fixed.warnings[0]?.reason, 'StorageNotExpandable');
  assert.equal(planStorage(rule, [dir()], undefined, since, t0).reports[0]?.state, 'Unknown');
});
