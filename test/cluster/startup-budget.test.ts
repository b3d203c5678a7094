/**
 * An FE replaying a large metadata image opens its ports late; the kubelet's startup probe kills
 * it if that takes longer than its budget, and it starts (and replays) again, forever. The budget
 * is `spec.fe.probes.startTimeoutSeconds`. The simulator plays the kubelet's startup probe from
 * the pod's own probe, and the FE's replay time is set per member.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newNamespace, simulator } from '../support/env.ts';
import { createCluster, getCluster, logMark, namespaceLog, startOperator, waitReady } from './support.ts';

test('an FE whose metadata replay outlasts probes.startTimeoutSeconds is killed again and again; a longer budget lets it start', async (t) => {
  const ns = await newNamespace(t, 'replay');
  await startOperator(t, ns);
  const sim = await simulator();
  const since = await logMark();
  // Both FEs take 40 s to replay their metadata at every start.
  await sim.setReplay(`${ns}/short-fe-0`, 40_000);
  await sim.setReplay(`${ns}/long-fe-0`, 40_000);
  t.after(async () => {
    await sim.setReplay(`${ns}/short-fe-0`, 0);
    await sim.setReplay(`${ns}/long-fe-0`, 0);
  });
  const spec = (startTimeoutSeconds: number) => ({
    version: '2.1.8',
    fe: { replicas: 1, probes: { startTimeoutSeconds } },
    be: { replicas: 1 },
  });
  await createCluster(ns, 'short', spec(30));
  await createCluster(ns, 'long', spec(90));
  await waitReady(ns, 'long', 120_000);
  // By now the short budget's FE was killed at 30 s and at least once more is under way.
  await sleep(5000);
  const killed = (await namespaceLog(ns, since)).filter(
    (e) => e.member === `${ns}/short-fe-0` && /the startup probe failed for 30 s/.test(e.text),
  );
  assert.ok(killed.length >= 1, 'the FE with the 30 s budget was killed by its startup probe');
  assert.ok(
    !(await namespaceLog(ns, since)).some(
      (e) => e.member === `${ns}/long-fe-0` && /startup probe failed/.test(e.text),
    ),
    'the FE with the 90 s budget was never killed',
  );
  assert.notEqual((await getCluster(ns, 'short')).status?.phase, 'Ready');
});
