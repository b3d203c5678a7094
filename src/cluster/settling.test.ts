import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settlingDelayMs } from './reconcile.ts';

test('a settling cluster is looked at every 2 s, spaced out to 16 s while Doris does not answer', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 10].map(settlingDelayMs),
    [2000, 2000, 4000, 8000, 16_000, 16_000, 16_000],
  );
});
