/** The invariant checks themselves catch what they are for: fed logs that break each invariant. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEntry } from '../support/doris/index.ts';
import { balanceBreaks, downIntervals, overlaps, quorumLosses, restartOrder } from './invariants.ts';

const ns = 'n';
const host = (pod: string) => `${pod}.doris-${pod.split('-')[1]}-internal.${ns}.svc.cluster.local`;
let seq = 0;
const process_ = (pod: string, text: string): LogEntry => ({
  seq: ++seq,
  at: seq,
  kind: 'process',
  source: 'simulator',
  member: `${ns}/${pod}`,
  text,
});
const alive = (pod: string): LogEntry => ({
  seq: ++seq,
  at: seq,
  kind: 'membership',
  source: 'master',
  cluster: `${ns}/doris-fe`,
  text: `${pod.includes('-fe-') ? 'frontend fe_1' : 'backend 10001'} (${host(pod)}) alive`,
});
const restart = (pod: string) => [
  process_(pod, 'process stopped: pod terminating'),
  process_(pod, `process started (x, ${host(pod)})`),
  alive(pod),
];
const statement = (text: string): LogEntry => ({
  seq: ++seq,
  at: seq,
  kind: 'statement',
  source: 'mysql root',
  cluster: `${ns}/doris-fe`,
  text,
});
const pause = ['disable_balance', 'disable_tablet_scheduler', 'disable_colocate_balance'].map((k) =>
  statement(`ADMIN SET FRONTEND CONFIG ('${k}' = 'true')`),
);

test('restarts one after the other: no overlap, order by component', () => {
  const log = [...restart('doris-be-2'), ...restart('doris-be-1'), ...restart('doris-fe-1')];
  const down = downIntervals(log, ns);
  assert.equal(down.length, 3);
  assert.deepEqual(overlaps(down), []);
  assert.deepEqual(restartOrder(down), ['be', 'fe']);
});

test('a member stopped before the previous one is alive again is an overlap', () => {
  const log = [
    process_('doris-be-2', 'process stopped: pod terminating'),
    process_('doris-be-2', 'process started (be)'),
    process_('doris-be-1', 'process stopped: pod terminating'),
    alive('doris-be-2'),
  ];
  assert.equal(overlaps(downIntervals(log, ns)).length, 1);
});

test('a member that never comes back stays down', () => {
  const log = [process_('doris-fe-2', 'process stopped: pod terminating'), ...restart('doris-fe-1')];
  assert.equal(overlaps(downIntervals(log, ns)).length, 1);
});

test('a master lost without quorum is reported; the master restarting is not', () => {
  const entry = (text: string): LogEntry => ({
    seq: ++seq,
    at: seq,
    kind: 'membership',
    source: 'master',
    text,
  });
  assert.deepEqual(quorumLosses([entry('master fe_1 lost: 2 of 3 followers up, 2 needed')]), []);
  assert.equal(quorumLosses([entry('master fe_1 lost: 1 of 3 followers up, 2 needed')]).length, 1);
});

test('a BE restarted with balancing on, or balancing resumed while a BE is down, breaks S6', () => {
  const unpaused = [...restart('doris-be-2')];
  assert.equal(balanceBreaks(unpaused, downIntervals(unpaused, ns)).length, 1);
  const paused = [...pause, ...restart('doris-be-2')];
  assert.deepEqual(balanceBreaks(paused, downIntervals(paused, ns)), []);
  const early = [
    ...pause,
    process_('doris-be-1', 'process stopped: pod terminating'),
    statement("ADMIN SET FRONTEND CONFIG ('disable_balance' = 'false')"),
    process_('doris-be-1', 'process started (be)'),
    alive('doris-be-1'),
  ];
  assert.equal(balanceBreaks(early, downIntervals(early, ns)).length, 1);
});
