/**
 * The HTTP ports and the load model: FE /api/health, /api/bootstrap and /metrics, BE /api/health and
 * /metrics with Doris's names and formats; load set through the control API shows in the counters'
 * rates; connections are counted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../support/env.ts';
import { connect, standalone } from './support.ts';

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

/** The value of one sample line (`name{labels} value`). */
function sample(text: string, line: string): number {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  if (hit === undefined) throw new Error(`no sample ${line}`);
  return Number(hit.slice(line.length + 1));
}

test('FE and BE HTTP endpoints answer with the bodies and metric formats of Doris', async (t) => {
  const c = await standalone(t, { fe: 2, be: 2 });
  const [fe0, fe1] = c.fes;
  const be0 = c.bes[0];
  assert.ok(fe0 && fe1 && be0);
  const feUrl = `http://${fe0.spec.ip}:8030`;
  await eventually(
    async () => JSON.parse((await get(`${feUrl}/api/health`)).text).data.online_backend_num === 2,
  );
  assert.equal(
    (await get(`${feUrl}/api/health`)).text,
    '{"msg":"success","code":0,"data":{"online_backend_num":2,"total_backend_num":2},"count":0}',
  );
  assert.equal((await get(`${feUrl}/api/bootstrap`)).text, '{"msg":"OK","code":0,"data":null,"count":0}');
  const cluster = c.sim.cluster(c.key);
  const boot = JSON.parse(
    (await get(`${feUrl}/api/bootstrap?cluster_id=${cluster.clusterId}&token=${cluster.token}`)).text,
  );
  assert.deepEqual(Object.keys(boot.data), [
    'queryPort',
    'rpcPort',
    'arrowFlightSqlPort',
    'maxReplayedJournal',
  ]);
  assert.equal(boot.data.queryPort, 9030);
  assert.notEqual(JSON.parse((await get(`${feUrl}/api/bootstrap?cluster_id=1&token=x`)).text).code, 0);

  const master = await get(`${feUrl}/metrics`);
  assert.equal(master.status, 200);
  assert.match(master.type, /^text\/plain/);
  assert.match(master.text, /^# HELP jvm_heap_size_bytes jvm heap stat\n# TYPE jvm_heap_size_bytes gauge\n/);
  assert.match(master.text, /^jvm_heap_size_bytes\{type="max"\} \d+$/m);
  assert.match(master.text, /^# TYPE doris_fe_qps gauge\ndoris_fe_qps 0\.0$/m);
  assert.match(master.text, /^# TYPE doris_fe_query_latency_ms summary$/m);
  assert.match(master.text, /^doris_fe_query_latency_ms\{quantile="0\.99"\} 0\.0$/m);
  assert.match(master.text, /^node_info\{type="be_node_num", state="alive"\} 2$/m);
  assert.match(master.text, /^node_info\{type="is_master"\} 1$/m);
  const follower = await get(`http://${fe1.spec.ip}:8030/metrics`);
  assert.doesNotMatch(follower.text, /is_master/, 'only the master says it is master');

  assert.equal(
    (await get(`http://${be0.spec.ip}:8040/api/health`)).text,
    '{"status": "OK","msg": "To Be Added"}',
  );
  const be = await get(`http://${be0.spec.ip}:8040/metrics`);
  assert.doesNotMatch(be.text, /^# HELP/m, 'the BE writes no HELP lines');
  assert.match(be.text, /^# TYPE doris_be_cpu counter$/m);
  assert.match(be.text, /^doris_be_cpu\{device="cpu",mode="idle"\} \d+$/m);
  assert.match(be.text, /^doris_be_cpu\{device="cpu3",mode="user"\} \d+$/m);
  assert.match(be.text, /^doris_be_memory_allocated_bytes \d+$/m);
});

test('load set through the control API drives qps, query_total, latency, connections and BE CPU', async (t) => {
  const c = await standalone(t, { fe: 1, be: 1 });
  const fe = c.fes[0];
  const be = c.bes[0];
  assert.ok(fe && be);
  const feMetrics = async () => (await get(`http://${fe.spec.ip}:8030/metrics`)).text;
  const beMetrics = async () => (await get(`http://${be.spec.ip}:8040/metrics`)).text;
  assert.equal(
    (await c.control.setLoad({ cluster: c.key }, { qps: 200, latencyMs: 20, cpu: 0.5 })).members,
    2,
  );
  await connect(t, fe);
  await connect(t, fe);
  // The FE's MetricCalculator, every 2 s here instead of 15 s.
  await c.control.setTiming({ metricCalculatorMs: 2000 });

  const first = { at: Date.now(), fe: await feMetrics(), be: await beMetrics() };
  const later = await eventually(async () =>
    Date.now() - first.at > 2100 ? { at: Date.now(), fe: await feMetrics(), be: await beMetrics() } : false,
  );
  const seconds = (later.at - first.at) / 1000;
  const queries = sample(later.fe, 'doris_fe_query_total') - sample(first.fe, 'doris_fe_query_total');
  assert.ok(
    queries / seconds > 120 && queries / seconds < 300,
    `rate(doris_fe_query_total) ~ 200, got ${queries / seconds}`,
  );
  // MetricCalculator.update: the queries since its last run over (whole seconds elapsed + 1).
  const calculated = queries / (Math.floor(seconds) + 1);
  assert.ok(
    Math.abs(sample(later.fe, 'doris_fe_qps') - calculated) < 2,
    `doris_fe_qps ${sample(later.fe, 'doris_fe_qps')}, MetricCalculator gives ${calculated}`,
  );
  assert.equal(sample(later.fe, 'doris_fe_query_latency_ms{quantile="0.75"}'), 20);
  assert.equal(sample(later.fe, 'doris_fe_query_latency_ms{quantile="0.99"}'), 40);
  assert.ok(sample(later.fe, 'doris_fe_connection_total') >= 2, 'real connections are counted');

  const delta = (mode: string) =>
    sample(later.be, `doris_be_cpu{device="cpu",mode="${mode}"}`) -
    sample(first.be, `doris_be_cpu{device="cpu",mode="${mode}"}`);
  const busy = 1 - delta('idle') / (delta('idle') + delta('user') + delta('system'));
  assert.ok(busy > 0.35 && busy < 0.65, `BE CPU busy ~ 0.5, got ${busy}`);

  await c.control.setLoad({ member: be.spec.key }, { memoryBytes: 5 * 1024 ** 3 });
  assert.equal(sample(await beMetrics(), 'doris_be_memory_allocated_bytes'), 5 * 1024 ** 3);
  await assert.rejects(c.control.setLoad({ member: 'nobody' }, { qps: 1 }), /404/);
});
