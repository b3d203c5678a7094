/**
 * The autoscaler at Doris' own pace: heartbeats every 10 s (a compute node is alive only from the
 * first one after its start), processes taking 15 s to start, the FE's qps gauge refreshed every
 * 15 s, and the autoscaler's default 15 s sync. Compute nodes that are still starting count as
 * idle, so a load step adds what the load needs and no more while the new nodes come up.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getCluster } from '../cluster/support.ts';
import {
  eventually,
  newNamespace,
  type PrivateEnvironment,
  privateEnvironment,
  simulator,
} from '../support/env.ts';
import {
  aliveComputeNodes,
  autoscalerEvents,
  cnReplicas,
  conditionOf,
  createAutoscaler,
  getAutoscaler,
  readyComputeCluster,
  startAutoscalingOperator,
} from './support.ts';

let env: PrivateEnvironment;
before(async () => {
  env = await privateEnvironment({ tickMs: 10_000, processStartMs: 15_000 });
});
after(() => env.stop());

test('a load step at Doris pace: two compute nodes added, no overshoot while they start and join', async (t) => {
  const ns = await newNamespace(t, 'dca-pace');
  await startAutoscalingOperator(t, ns);
  await readyComputeCluster(ns, 300_000);
  await createAutoscaler(ns, 'scaler', {
    clusterRef: { name: 'doris' },
    maxReplicas: 6,
    metrics: [{ type: 'CPU', averageUtilization: 60 }],
  });
  const sim = await simulator();
  t.after(async () => {
    const dca = await getAutoscaler(ns, 'scaler').catch(() => undefined);
    const dc = await getCluster(ns, 'doris').catch(() => undefined);
    t.diagnostic(`autoscaler: ${JSON.stringify(dca?.status)}`);
    t.diagnostic(
      `cluster: ${JSON.stringify({ spec: dc?.spec?.cn, phase: dc?.status?.phase, cn: dc?.status?.cn, op: dc?.status?.operation, conditions: dc?.status?.conditions })}`,
    );
    t.diagnostic(
      `doris: ${JSON.stringify((await sim.cluster(`${ns}/doris-fe`))?.backends.map((b) => [b.host.split('.')[0], b.alive, b.nodeRole]))}`,
    );
  });
  // Two reads 15 s apart before CPU is known.
  await eventually(
    async () =>
      conditionOf(await getAutoscaler(ns, 'scaler'), 'ScalingActive')?.reason === 'ValidMetricFound',
    { timeoutMs: 60_000, intervalMs: 1000, what: 'CPU read twice' },
  );

  // 100 queries/s of 60 ms: 6 cores of work on 4-core compute nodes -> 3 of them at 50 %.
  const step = Date.now();
  await sim.setWorkload(`${ns}/doris-fe`, { qps: 100, cpuMsPerQuery: 60 });
  let most = 1;
  await eventually(
    async () => {
      const replicas = await cnReplicas(ns);
      most = Math.max(most, replicas);
      // At least 3: an overshoot fails below with what happened, not as a timeout here.
      return replicas >= 3 && (await aliveComputeNodes(ns)) >= 3;
    },
    { timeoutMs: 300_000, intervalMs: 500, what: 'three compute nodes alive in Doris' },
  );
  t.diagnostic(
    `load step to three compute nodes alive at Doris pace: ${((Date.now() - step) / 1000).toFixed(1)} s`,
  );
  // Two more sync periods with everything joined: still 3.
  const settled = Date.now();
  while (Date.now() - settled < 35_000) {
    const replicas =
      ((await getCluster(ns, 'doris')).spec?.cn as { replicas?: number } | undefined)?.replicas ?? 0;
    most = Math.max(most, replicas);
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.equal(most, 3, 'never more than the load needs');
  const rescales = (await autoscalerEvents(ns, 'scaler')).filter((e) => e.reason === 'SuccessfulRescale');
  assert.deepEqual(
    rescales.map((e) => /New size: (\d+)/.exec(e.note)?.[1]),
    ['2', '3'],
    'one node, then the next once the first took its share',
  );
});
