/** JSON Patch diffs: applying diff(a, b) to a gives b, with RFC 6901 escaping; equal values give []. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyPatch, diff } from './json-patch.ts';

test('diff then apply round-trips arbitrary JSON', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      assert.deepEqual(applyPatch(a, diff(a, b)), b);
      assert.deepEqual(diff(a, structuredClone(a)), []);
    }),
    { numRuns: 500 },
  );
});

test('a key named __proto__ is a key like any other', () => {
  const a = {};
  const b = JSON.parse('{"__proto__": {"a": 1}}');
  assert.deepEqual(applyPatch(a, diff(a, b)), b);
});

test('keys with / and ~ are escaped', () => {
  const ops = diff({ m: {} }, { m: { 'a/b': 1, 'c~d': 2 } });
  assert.deepEqual(ops.map((o) => o.path).sort(), ['/m/a~1b', '/m/c~0d']);
});
