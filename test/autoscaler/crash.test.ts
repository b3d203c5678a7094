/**
 * S8 with the autoscaler: the operator (its own process, both controllers) is SIGKILLed at seeded
 * random instants while the autoscaler's scale-in runs, and the controller manager freezes after
 * every pod deletion; members take seconds to start. Read from the simulator's ordered log at
 * every instant: one compute node out of service at a time, each drained before its DROPP, each
 * DROPP before its pod goes, none dropped twice, and the autoscaler never asks for more.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createCluster,
  getCluster,
  logMark,
  namespaceLog,
  operatorProcess,
  waitReady,
} from '../cluster/support.ts';
import { freezeAfterDeletions, killRepeatedly, seededBetween } from '../support/chaos.ts';
import {
  eventually,
  newNamespace,
  type PrivateEnvironment,
  privateEnvironment,
  simulator,
} from '../support/env.ts';
import { autoscalerEvents, createAutoscaler } from './support.ts';

const between = seededBetween('autoscaler-crash');
let env: PrivateEnvironment;
before(async () => {
  env = await privateEnvironment({ processStartMs: 3000 });
});
after(async () => {
  env.controlPlane.freezeControllerManager(false);
  await env.stop();
});

test('scale-in by the autoscaler with the operator SIGKILLed at random and the controller manager frozen (S8)', async (t) => {
  const ns = await newNamespace(t, 'dca-crash');
  const operator = await operatorProcess(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.8',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: { replicas: 3 },
  });
  await waitReady(ns, 'doris', 180_000);
  const since = await logMark();
  // No query load: the compute nodes are not needed, one goes every 5 s at most.
  await createAutoscaler(ns, 'scaler', {
    clusterRef: { name: 'doris' },
    minReplicas: 1,
    maxReplicas: 3,
    metrics: [{ type: 'QPS', averageValue: '50' }],
    syncPeriodSeconds: 1,
    behavior: {
      cooldownSeconds: 0,
      scaleDown: { stabilizationWindowSeconds: 2, policies: [{ type: 'Pods', value: 1, periodSeconds: 5 }] },
    },
  });
  const sim = await simulator();
  const settled = eventually(
    async () => {
      const dc = await getCluster(ns, 'doris');
      const cn =
        (await sim.cluster(`${ns}/doris-fe`))?.backends.filter((b) => b.nodeRole === 'computation') ?? [];
      return (
        (dc.spec?.cn as { replicas: number } | undefined)?.replicas === 1 &&
        cn.length === 1 &&
        dc.status?.cn?.ready === '1/1'
      );
    },
    { timeoutMs: 360_000, intervalMs: 500, what: 'one compute node left' },
  );
  const freezer = freezeAfterDeletions(env.controlPlane, ns, since, () => between(2000, 5000));
  let kills = 0;
  try {
    ({ kills } = await killRepeatedly(t, ns, operator, settled, () => between(1500, 9000)));
  } finally {
    await freezer.stop();
  }
  t.diagnostic(`operator killed ${kills} times`);
  assert.ok(kills >= 5, `the operator was killed ${kills} times during the scale-in (>= 5)`);

  const log = await namespaceLog(ns, since);
  const cnOf = (text: string) => /doris-cn-(\d+)\./.exec(text)?.[1];
  let draining: string | undefined;
  const dropped = new Set<string>();
  for (const e of log) {
    if (e.kind === 'statement' && !e.error && /disable_query"\s*=\s*"true/.test(e.text)) {
      const n = cnOf(e.text);
      assert.ok(
        draining === undefined || draining === n,
        `cn-${n} drained while cn-${draining} was (${e.seq})`,
      );
      draining = n;
    }
    if (e.kind === 'statement' && !e.error && /DROPP/.test(e.text)) {
      const n = cnOf(e.text) ?? '';
      assert.equal(draining, n, `DROPP of cn-${n} without its drain first (${e.seq})`);
      assert.ok(!dropped.has(n), `cn-${n} dropped twice`);
      dropped.add(n);
      draining = undefined;
    }
    if (e.kind === 'pod' && e.text === 'pod terminating' && /doris-cn-\d+$/.test(e.member ?? '')) {
      const n = /doris-cn-(\d+)$/.exec(e.member ?? '')?.[1] ?? '';
      assert.ok(dropped.has(n), `the pod of cn-${n} went before its DROPP (${e.seq})`);
    }
  }
  assert.deepEqual([...dropped].sort(), ['1', '2'], 'cn-2 then cn-1 dropped, once each');
  const rescales = (await autoscalerEvents(ns, 'scaler')).filter((e) => e.reason === 'SuccessfulRescale');
  for (const e of rescales) {
    const [, to, from] = /New size: (\d+) compute nodes? \(was (\d+)\)/.exec(e.note) ?? [];
    assert.ok(Number(to) < Number(from), `only scale-in: ${e.note}`);
  }
  await waitReady(ns, 'doris', 60_000);
});
