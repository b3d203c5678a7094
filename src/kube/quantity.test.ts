import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareQuantities, parseQuantity } from './quantity.ts';

test('parseQuantity reads binary, decimal and exponent suffixes', () => {
  const cases: [string, number | undefined][] = [
    ['1Gi', 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['100Mi', 100 * 2 ** 20],
    ['10G', 10e9],
    ['500m', 0.5],
    ['2', 2],
    ['1e3', 1000],
    ['.5Ki', 512],
    ['', undefined],
    ['Gi', undefined],
    ['10GB', undefined],
    ['ten', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseQuantity(text), want, text);
});

test('compareQuantities orders across units and refuses non-quantities', () => {
  assert.ok(compareQuantities('1Gi', '1000Mi') > 0);
  assert.ok(compareQuantities('1G', '1Gi') < 0);
  assert.equal(compareQuantities('1024Mi', '1Gi'), 0);
  assert.throws(() => compareQuantities('1Gi', 'big'), /cannot compare quantities 1Gi and big/);
});
