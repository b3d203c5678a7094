import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoscalerSpecSchema, type ResolvedAutoscalerSpec } from '../api/v1alpha1/index.ts';
import { type DecisionInput, decide, metricProposal, scaleDownLimit, scaleUpLimit } from './decide.ts';
import { parseExposition, select } from './exposition.ts';
import { boundsAt, cronProblem, isOpen, nextChange } from './schedules.ts';

const spec = (extra: object = {}): ResolvedAutoscalerSpec =>
  autoscalerSpecSchema.parse({
    clusterRef: { name: 'doris' },
    minReplicas: 1,
    maxReplicas: 10,
    metrics: [{ type: 'CPU', averageUtilization: 60 }],
    ...extra,
  });

const t0 = Date.parse('2026-11-27T10:00:00Z');
const input = (over: Partial<DecisionInput>): DecisionInput => ({
  spec: spec(),
  current: 2,
  readings: [{ type: 'CPU', value: 60, target: 60 }],
  bounds: { min: 1, max: 10 },
  recommendations: [],
  events: [],
  now: t0,
  ...over,
});

test('compute nodes that did not answer: idle when scaling up, at target when scaling down (GetResourceReplicas)', () => {
  // 8 asked for, 4 answered at 1.5x: the 4 others count as idle -> 0.75x overall: no change.
  assert.equal(metricProposal(8, 90, 60, 0.1, 4), 8);
  // 4 of 6 answered at 3x: (3 x 4) / 6 = 2x -> 12.
  assert.equal(metricProposal(6, 180, 60, 0.1, 4), 12);
  // 4 of 6 answered at 0.25x; the 2 others at target: (1 + 2) / 6 = 0.5x -> 3.
  assert.equal(metricProposal(6, 15, 60, 0.1, 4), 3);
});

test('rate policies count the net change of their period, both directions (periodStartReplicas)', () => {
  const down = spec({
    behavior: { scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
  }).behavior.scaleDown;
  // 10 now after +4 within the period: the period started at 6, so 50 % down allows 3.
  assert.equal(scaleDownLimit(10, [{ at: t0 - 10_000, delta: 4 }], down, t0), 3);
  const up = spec().behavior.scaleUp;
  // 4 now after -2 within the period: it started at 6, so 100 % up allows 12.
  assert.equal(scaleUpLimit(4, [{ at: t0 - 5000, delta: -2 }], up, t0), 12);
});

test('HPA formula: ceil(current x value / target), unchanged within the tolerance band', () => {
  assert.equal(metricProposal(2, 90, 60, 0.1), 3);
  assert.equal(metricProposal(2, 65, 60, 0.1), 2, '8 % above target is within 10 %');
  assert.equal(metricProposal(4, 20, 60, 0.1), 2);
  assert.equal(metricProposal(3, 0, 60, 0.1), 0);
  assert.equal(metricProposal(0, 5, 1, 0.1), 5, 'from zero, the value itself asks');
  assert.equal(metricProposal(3, 120, 60, 0), 6, 'exact doubles do not round up by float error');
});

test('the metric asking for the most wins; it is named', () => {
  const d = decide(
    input({
      spec: spec({
        metrics: [
          { type: 'CPU', averageUtilization: 60 },
          { type: 'QPS', averageValue: '100' },
        ],
      }),
      readings: [
        { type: 'CPU', value: 90, target: 60 },
        { type: 'QPS', value: 250, target: 100 },
      ],
    }),
  );
  assert.equal(d.desired, 5);
  assert.equal(d.driving, 'QPS');
  assert.equal(d.perMetric.get('CPU'), 3);
  assert.match(d.reason, /QPS 250 above target 100: 5 compute nodes/);
});

test('no scale-down while a metric cannot be read; scale-up still happens', () => {
  const s = spec({
    metrics: [
      { type: 'CPU', averageUtilization: 60 },
      { type: 'QPS', averageValue: '100' },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
  });
  const down = decide(
    input({
      spec: s,
      current: 4,
      readings: [
        { type: 'CPU', value: 10, target: 60 },
        { type: 'QPS', error: 'down', target: 100 },
      ],
    }),
  );
  assert.equal(down.desired, 4);
  const up = decide(
    input({
      spec: s,
      current: 2,
      readings: [
        { type: 'CPU', value: 120, target: 60 },
        { type: 'QPS', error: 'down', target: 100 },
      ],
    }),
  );
  assert.equal(up.desired, 4);
  const none = decide(input({ readings: [{ type: 'CPU', error: 'all down', target: 60 }] }));
  assert.equal(none.noMetrics, true);
  assert.equal(none.desired, 2);
});

test('scale-down waits for the highest recommendation of its window (default 300 s)', () => {
  const low = [{ type: 'CPU' as const, value: 10, target: 60 }];
  const recent = [{ at: t0 - 200_000, replicas: 4 }];
  const held = decide(input({ current: 4, readings: low, recommendations: recent }));
  assert.equal(held.desired, 4);
  assert.equal(held.limit, 'ScaleDownStabilized');
  const old = [{ at: t0 - 301_000, replicas: 4 }];
  const after = decide(input({ current: 4, readings: low, recommendations: old }));
  assert.equal(after.desired, 1);
});

test('scale-up rate: 100 % or 4 pods per 15 s (the larger), counting changes made within the period', () => {
  const rules = spec().behavior.scaleUp;
  assert.equal(scaleUpLimit(2, [], rules, t0), 6, 'max(2 x 2, 2 + 4)');
  assert.equal(scaleUpLimit(10, [], rules, t0), 20);
  assert.equal(scaleUpLimit(6, [{ at: t0 - 5000, delta: 4 }], rules, t0), 6, 'period started at 2');
  assert.equal(scaleUpLimit(6, [{ at: t0 - 16_000, delta: 4 }], rules, t0), 12);
  const d = decide(input({ current: 1, readings: [{ type: 'CPU', value: 100, target: 10 }] }));
  assert.equal(d.desired, 5, 'ten asked, 1 + 4 allowed');
  assert.equal(d.limit, 'ScaleUpLimit');
});

test('scale-down policies: Pods 1 per 60 s removes one at a time', () => {
  const s = spec({
    behavior: {
      scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
    },
  });
  assert.equal(scaleDownLimit(5, [], s.behavior.scaleDown, t0), 4);
  assert.equal(scaleDownLimit(4, [{ at: t0 - 10_000, delta: -1 }], s.behavior.scaleDown, t0), 4);
  const d = decide(input({ spec: s, current: 5, readings: [{ type: 'CPU', value: 1, target: 60 }] }));
  assert.equal(d.desired, 4);
  assert.equal(d.limit, 'ScaleDownLimit');
  const off = spec({ behavior: { scaleDown: { selectPolicy: 'Disabled' } } });
  assert.equal(
    decide(input({ spec: off, current: 5, readings: [{ type: 'CPU', value: 1, target: 60 }] })).desired,
    5,
  );
});

test('cool-down holds load-driven changes but not the bounds', () => {
  const hot = [{ type: 'CPU' as const, value: 120, target: 60 }];
  assert.equal(
    decide(input({ readings: hot, lastScaleAt: t0 - 1000 })).desired,
    4,
    'no cool-down by default, as HPA',
  );
  const cool = spec({ behavior: { cooldownSeconds: 60 } });
  const d = decide(input({ spec: cool, readings: hot, lastScaleAt: t0 - 30_000 }));
  assert.equal(d.desired, 2);
  assert.equal(d.limit, 'CoolingDown');
  assert.equal(decide(input({ readings: hot, lastScaleAt: t0 - 61_000 })).desired, 4);
  const bounded = decide(
    input({ readings: hot, lastScaleAt: t0 - 1000, bounds: { min: 5, max: 10, minFrom: 'schedule day' } }),
  );
  assert.equal(bounded.desired, 5);
  assert.equal(bounded.limit, 'TooFewReplicas');
  assert.match(bounded.reason, /schedule day/);
});

test('min and max clamp, and say so', () => {
  const d = decide(
    input({ readings: [{ type: 'CPU', value: 600, target: 60 }], bounds: { min: 1, max: 3 } }),
  );
  assert.equal(d.desired, 3);
  assert.equal(d.limit, 'TooManyReplicas');
});

test('schedules: open between the last start and the next end, in their time zone', () => {
  const s = spec({
    minReplicas: 1,
    maxReplicas: 8,
    schedules: [
      {
        name: 'business',
        start: '0 8 * * 1-5',
        end: '0 20 * * 1-5',
        timeZone: 'Europe/Berlin',
        minReplicas: 4,
      },
      { name: 'night-cap', start: '0 22 * * *', end: '0 6 * * *', maxReplicas: 2 },
      { name: 'too-big', start: '0 0 1 1 *', end: '0 0 2 1 *', minReplicas: 50 },
    ],
  });
  // Friday 2026-11-27 10:00 UTC = 11:00 in Berlin.
  const b = boundsAt(s, t0);
  assert.deepEqual(b.open, ['business']);
  assert.equal(b.min, 4);
  assert.equal(b.minFrom, 'schedule business');
  // 19:30 UTC = 20:30 Berlin: closed.
  assert.equal(isOpen(s.schedules[0] as never, Date.parse('2026-11-27T19:30:00Z')), false);
  const night = boundsAt(s, Date.parse('2026-11-27T23:00:00Z'));
  assert.deepEqual(night.open, ['night-cap']);
  assert.equal(night.max, 2);
  // A schedule minimum beyond maxReplicas is clamped to it.
  assert.equal(boundsAt(s, Date.parse('2027-01-01T12:00:00Z')).min, 8);
  assert.equal(nextChange(s, t0), Date.parse('2026-11-27T19:00:00Z'), '20:00 Berlin');
});

test('a window opening in the hour a spring-forward skips opens that day', () => {
  const s = spec({
    schedules: [
      { name: 'night', start: '30 2 * * *', end: '30 4 * * *', timeZone: 'Europe/Berlin', minReplicas: 3 },
    ],
  });
  // 2025-03-30: 02:00 Berlin jumps to 03:00; 02:30 fires at 03:00 local (01:00Z). 02:10Z is 04:10 local.
  assert.deepEqual(boundsAt(s, Date.parse('2025-03-30T02:10:00Z')).open, ['night']);
  assert.deepEqual(boundsAt(s, Date.parse('2025-03-30T02:40:00Z')).open, [], 'closed at 04:30 local');
  assert.deepEqual(
    boundsAt(s, Date.parse('2025-03-29T01:40:00Z')).open,
    ['night'],
    'an ordinary day: 02:40 local',
  );
});

test('cron and time zone problems are named', () => {
  assert.equal(cronProblem('*/5 * * * *', 'UTC'), undefined);
  assert.equal(cronProblem('0 */10 * * * *', 'Asia/Tokyo'), undefined);
  assert.match(cronProblem('0 8 * *', 'UTC') ?? '', /has 4 fields/);
  assert.match(cronProblem('61 * * * *', 'UTC') ?? '', /invalid cron expression/);
  assert.match(cronProblem('0 8 * * *', 'Mars/Olympus') ?? '', /unknown time zone/);
});

test('exposition: FE and BE label styles, summaries, comments', () => {
  const samples = parseExposition(
    [
      '# HELP doris_fe_qps query per second',
      '# TYPE doris_fe_qps gauge',
      'doris_fe_qps 12.5',
      'doris_fe_query_latency_ms{quantile="0.99", user="a\\"b"} 40.0',
      'doris_be_cpu{device="cpu",mode="idle"} 1775135302',
      'garbage line',
    ].join('\n'),
  );
  assert.equal(select(samples, 'doris_fe_qps')[0]?.value, 12.5);
  assert.deepEqual(select(samples, 'doris_fe_query_latency_ms', { quantile: '0.99' })[0]?.labels, {
    quantile: '0.99',
    user: 'a"b',
  });
  assert.equal(select(samples, 'doris_be_cpu', { device: 'cpu', mode: 'idle' })[0]?.value, 1775135302);
  assert.equal(samples.length, 3);
});
