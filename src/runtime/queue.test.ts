import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, jitteredBackoff, TokenBucket } from './backoff.ts';
import { WorkQueue } from './queue.ts';

test('a key added many times is handed out once', async () => {
  const q = new WorkQueue();
  for (let i = 0; i < 5; i++) q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('a key is never handed to two workers; re-added while processing, it comes back after done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  q.add('a'); // an event while a worker holds the key
  assert.equal(q.length, 0, 'not queued while processing');
  let second: string | undefined;
  const waiting = q.get().then((k) => {
    second = k;
  });
  await sleep(5);
  assert.equal(second, undefined, 'the second worker waits');
  q.done(first ?? '');
  await waiting;
  assert.equal(second, 'a');
});

test('workers waiting on an empty queue get keys in order', async () => {
  const q = new WorkQueue();
  const got = Promise.all([q.get(), q.get()]);
  q.add('x');
  q.add('y');
  assert.deepEqual(await got, ['x', 'y']);
});

test('addAfter delays and keeps the earliest due time', async () => {
  const q = new WorkQueue();
  q.addAfter('k', 200);
  q.addAfter('k', 20);
  q.addAfter('k', 500);
  const started = performance.now();
  assert.equal(await q.get(), 'k');
  const waited = performance.now() - started;
  assert.ok(waited >= 15 && waited < 150, `waited ${waited} ms`);
  q.done('k');
  await sleep(300);
  assert.equal(q.length, 0, 'the later timers were dropped');
});

test('failures back off exponentially per key and forget resets', () => {
  const b = new ExponentialBackoff(10, 1000);
  assert.deepEqual(
    Array.from({ length: 9 }, () => b.next('k')),
    [10, 20, 40, 80, 160, 320, 640, 1000, 1000],
  );
  assert.equal(b.next('other'), 10, 'keys are independent');
  assert.equal(b.retries('k'), 9);
  b.forget('k');
  assert.equal(b.next('k'), 10);
});

test('the token bucket bounds the overall retry rate', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 2, () => now);
  assert.equal(bucket.reserve(), 0);
  assert.equal(bucket.reserve(), 0);
  assert.equal(bucket.reserve(), 100, 'the third in the same instant waits one refill');
  assert.equal(bucket.reserve(), 200);
  now = 1000;
  assert.equal(bucket.reserve(), 0, 'refilled after a second');
});

test('addRateLimited uses the larger of the key backoff and the bucket delay', () => {
  const q = new WorkQueue({ backoff: new ExponentialBackoff(50, 1000), bucket: new TokenBucket(1000, 1000) });
  assert.equal(q.addRateLimited('k'), 50);
  assert.equal(q.addRateLimited('k'), 100);
  assert.equal(q.retries('k'), 2);
  q.forget('k');
  assert.equal(q.retries('k'), 0);
  q.shutDown();
});

test('shutdown releases waiting workers and refuses new work', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('late');
  assert.equal(await q.get(), undefined);
});

test('jittered reconnect delays grow and stay within [ceiling/2, ceiling]', () => {
  assert.equal(
    jitteredBackoff(0, 200, 30_000, () => 0),
    100,
  );
  assert.equal(
    jitteredBackoff(0, 200, 30_000, () => 1),
    200,
  );
  assert.equal(
    jitteredBackoff(3, 200, 30_000, () => 1),
    1600,
  );
  assert.equal(
    jitteredBackoff(30, 200, 30_000, () => 1),
    30_000,
  );
});
