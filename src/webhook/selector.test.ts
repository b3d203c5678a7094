/** Label selector strings become LabelSelector objects for the webhook configurations. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSelector } from './selector.ts';

test('kubectl selector syntax', () => {
  assert.deepEqual(parseSelector(''), {});
  assert.deepEqual(
    parseSelector('team=a, tier in (db, cache),env!=dev,!legacy,doris.cloudnative.dev/tenant'),
    {
      matchLabels: { team: 'a' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['db', 'cache'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'doris.cloudnative.dev/tenant', operator: 'Exists' },
      ],
    },
  );
  assert.throws(() => parseSelector('a in b'), /invalid label selector term/);
});
