/**
 * What `kubectl get doriscluster` says through a cluster's life: the phase and the Ready,
 * Progressing and Degraded conditions are sampled all along creation, an upgrade, a configuration
 * restart, a scale-out and a member lost at rest, and must agree with each other and with what is
 * happening at every sample, not only at the end. A healthy start logs no warning.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DorisCluster } from '../../src/api/v1alpha1/index.ts';
import { eventually, newNamespace, simulator } from '../support/env.ts';
import { createCluster, getCluster, patchSpec, startOperator, waitReady } from './support.ts';

type Sample = {
  phase: string;
  ready: string;
  progressing: string;
  degraded: string;
  message: string;
  detail: string;
};

function sample(c: DorisCluster): Sample | undefined {
  const s = c.status;
  if (s?.phase === undefined || s.observedGeneration !== c.metadata.generation) return undefined;
  const get = (type: string) => s.conditions?.find((x) => x.type === type);
  return {
    phase: s.phase,
    ready: get('Ready')?.status ?? '',
    progressing: get('Progressing')?.status ?? '',
    degraded: get('Degraded')?.status ?? '',
    message: get('Degraded')?.message ?? '',
    detail: `${get('Ready')?.message ?? ''} | ${get('Progressing')?.reason ?? ''}: ${get('Progressing')?.message ?? ''}`,
  };
}

/** Samples the status every 100 ms while `during` runs, then checks that each sample is coherent. */
async function phasesDuring(ns: string, during: () => Promise<unknown>): Promise<Sample[]> {
  const seen: Sample[] = [];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const s = await getCluster(ns, 'doris').then(sample, () => undefined); // not created yet
      if (s !== undefined) seen.push(s);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    await during();
  } finally {
    done = true;
    await sampler;
  }
  const last = await getCluster(ns, 'doris').then(sample, () => undefined);
  if (last !== undefined) seen.push(last);
  for (const s of seen) {
    const at = JSON.stringify(s);
    assert.equal(s.ready === 'True', s.phase === 'Ready', `Ready condition and phase agree: ${at}`);
    assert.equal(s.degraded === 'True', s.phase === 'Degraded', `Degraded condition and phase agree: ${at}`);
    if (['Creating', 'Scaling', 'Upgrading', 'Restarting'].includes(s.phase))
      assert.equal(s.progressing, 'True', `Progressing while ${s.phase}: ${at}`);
    if (s.phase === 'Ready') assert.equal(s.progressing, 'False', `nothing in progress when Ready: ${at}`);
  }
  return seen;
}

const phases = (samples: readonly Sample[]) => [...new Set(samples.map((s) => s.phase))];

test('phase and conditions agree at every instant: Creating, Upgrading, Restarting, Scaling, then Degraded naming a lost member', async (t) => {
  const ns = await newNamespace(t, 'phases');
  const logs: string[] = [];
  await startOperator(t, ns, logs);

  const creation = await phasesDuring(ns, async () => {
    await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 3 } });
    await waitReady(ns, 'doris', 120_000);
  });
  assert.deepEqual(phases(creation), ['Creating', 'Ready'], 'a healthy creation is never Degraded');
  // Warnings are for what a user must act on: a healthy start has none (a 409 on a status write is
  // the optimistic lock at work, retried at once and quietly).
  const loud = logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
  assert.deepEqual(loud, [], 'no warning in the operator log of a healthy start');

  const upgrade = await phasesDuring(ns, async () => {
    await patchSpec(ns, 'doris', { version: '2.1.8' });
    await eventually(async () => (await getCluster(ns, 'doris')).status?.phase === 'Upgrading', {
      what: 'Upgrading',
    });
    await waitReady(ns, 'doris', 120_000);
  });
  assert.deepEqual(
    phases(upgrade).filter((p) => p !== 'Ready'),
    ['Upgrading'],
    JSON.stringify(upgrade.filter((s) => s.phase !== 'Upgrading' && s.phase !== 'Ready')),
  );

  const restart = await phasesDuring(ns, async () => {
    await patchSpec(ns, 'doris', { be: { config: { max_tablet_version_num: '2000' } } });
    await eventually(async () => (await getCluster(ns, 'doris')).status?.phase === 'Restarting', {
      what: 'Restarting',
    });
    await waitReady(ns, 'doris', 120_000);
  });
  assert.deepEqual(
    phases(restart).filter((p) => p !== 'Ready'),
    ['Restarting'],
  );

  const scale = await phasesDuring(ns, async () => {
    await patchSpec(ns, 'doris', { be: { replicas: 4 } });
    await eventually(async () => (await getCluster(ns, 'doris')).status?.phase === 'Scaling', {
      what: 'Scaling',
    });
    await waitReady(ns, 'doris', 120_000);
  });
  assert.deepEqual(
    phases(scale).filter((p) => p !== 'Ready'),
    ['Scaling'],
  );

  // A member lost at rest is a fault, named in the condition, and Ready comes back with it.
  const sim = await simulator();
  const lost = await phasesDuring(ns, async () => {
    await sim.kill(`${ns}/doris-be-1`);
    await eventually(async () => (await getCluster(ns, 'doris')).status?.phase === 'Degraded', {
      what: 'Degraded',
    });
    await sim.restart(`${ns}/doris-be-1`);
    await waitReady(ns, 'doris', 120_000);
  });
  const degraded = lost.find((s) => s.phase === 'Degraded');
  assert.match(degraded?.message ?? '', /doris-be-1: /, 'the Degraded condition names the member');
  assert.deepEqual(
    phases(lost).filter((p) => p !== 'Ready'),
    ['Degraded'],
  );
});

test('an object the API server refuses (a node port outside its range) turns the cluster Degraded with the API server words, at the current generation', async (t) => {
  const ns = await newNamespace(t, 'bad-port');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 1, service: { type: 'NodePort', queryNodePort: 80 } },
    be: { replicas: 1 },
  });
  const dc = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      return c.status?.phase === 'Degraded' && c.status.observedGeneration === c.metadata.generation
        ? c
        : false;
    },
    { what: 'Degraded' },
  );
  const degraded = dc.status?.conditions?.find((x) => x.type === 'Degraded');
  assert.equal(degraded?.reason, 'ReconcileError');
  assert.match(degraded?.message ?? '', /nodePort.*80/);
  assert.equal(dc.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'False');

  // Fixed in the spec: the cluster goes on by itself.
  await patchSpec(ns, 'doris', { fe: { service: { queryNodePort: 30930 } } });
  await waitReady(ns, 'doris', 120_000);
});
