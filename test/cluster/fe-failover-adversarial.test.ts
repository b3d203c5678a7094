/**
 * FE failover under adversarial timing: members take seconds to start, elections take Doris' 30 s,
 * the controller manager freezes after each of the operator's pod deletions, and the operator is
 * SIGKILLed at random, seeded instants throughout. A follower and an observer fail together; at
 * every instant of the simulator's log the master keeps its quorum (S2), no other member goes down,
 * and the two rebuilds never overlap (S4). Replay a failure with DORIS_CHAOS_SEED=<the printed seed>.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freezeAfterDeletions, killRepeatedly, seededBetween } from '../support/chaos.ts';
import { eventually, newNamespace, type PrivateEnvironment, privateEnvironment } from '../support/env.ts';
import { downIntervals, quorumLosses } from './invariants.ts';
import { createCluster, getCluster, logMark, namespaceLog, operatorProcess, waitReady } from './support.ts';

const between = seededBetween('fe-failover-adversarial');

let env: PrivateEnvironment;
before(async () => {
  env = await privateEnvironment({ processStartMs: 3000, electionMs: 30_000 });
});
after(async () => {
  env.controlPlane.freezeControllerManager(false);
  await env.stop();
});

test('a follower and an observer with damaged metadata are rebuilt one after the other, quorum kept at every instant, with the controller manager frozen and the operator SIGKILLed at random', async (t) => {
  const ns = await newNamespace(t, 'fe-rebuild');
  const operator = await operatorProcess(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 5, electionNumber: 3, failover: { period: '5s' } },
    be: { replicas: 1 },
  });
  await waitReady(ns, 'doris', 300_000);
  const sim = env.simulator.client;
  const key = `${ns}/doris-fe`;
  const state = await sim.cluster(key);
  const masterPod = state?.frontends.find((f) => f.name === state.master)?.host.split('.')[0];
  const follower = ['doris-fe-0', 'doris-fe-1', 'doris-fe-2'].find((p) => p !== masterPod) ?? '';
  const observer = 'doris-fe-4';
  const names = new Map(state?.frontends.map((f) => [f.host.split('.')[0], f.name]));
  const since = await logMark();

  await sim.damageMeta(`${ns}/${follower}`);
  await sim.damageMeta(`${ns}/${observer}`);

  const healed = eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const now = await sim.cluster(key);
      const back = (pod: string) =>
        now?.frontends.some((f) => f.host.startsWith(`${pod}.`) && f.alive && f.name !== names.get(pod));
      return (
        c.status?.phase === 'Ready' && c.status.fe?.failures === undefined && back(follower) && back(observer)
      );
    },
    { timeoutMs: 360_000, intervalMs: 1000, what: 'both FEs rebuilt and the cluster Ready' },
  );
  // The controller manager freezes for 3-8 s after each pod the operator deletes.
  const freezer = freezeAfterDeletions(env.controlPlane, ns, since, () => between(3000, 8000));
  let kills = 0;
  let freezes = 0;
  try {
    ({ kills } = await killRepeatedly(t, ns, operator, healed, () => between(500, 4000)));
  } finally {
    freezes = await freezer.stop();
  }
  assert.ok(kills >= 5, `the operator was killed ${kills} times`);
  assert.ok(freezes >= 2, `the controller manager froze after each pod deletion (${freezes})`);

  const log = await namespaceLog(ns, since);
  const trail = () =>
    log
      .filter((e) => e.kind !== 'statement' || /DROP|ADD/i.test(e.text))
      .map((e) => `#${e.seq} ${e.kind} ${e.member ?? ''} ${e.text}${e.error ? ` (${e.error})` : ''}`)
      .join('\n');
  assert.deepEqual(quorumLosses(log), [], `the master never lost its quorum (S2):\n${trail()}`);
  const others = downIntervals(log, ns).filter(
    (d) => d.member !== `${ns}/${follower}` && d.member !== `${ns}/${observer}`,
  );
  assert.deepEqual(others, [], `no other member went down:\n${trail()}`);
  const drops = log.filter(
    (e) => e.kind === 'statement' && /DROP (FOLLOWER|OBSERVER)/.test(e.text) && !e.error,
  );
  assert.equal(drops.length, 2, `each dropped once:\n${trail()}`);
  // One at a time: the second drop comes after the first member is alive again under its new name.
  const first = drops[0]?.text.includes(`${follower}.`) ? follower : observer;
  const rejoined = log.findIndex(
    (e) =>
      e.kind === 'membership' &&
      new RegExp(`^frontend \\S+ \\(${first}\\.[^)]*\\) (alive|joined as \\w+)$`).test(e.text) &&
      !e.text.includes(names.get(first) ?? '?'),
  );
  const second = log.indexOf(drops[1] as (typeof log)[number]);
  assert.ok(
    rejoined >= 0 && rejoined < second,
    `the second rebuild waited for ${first} to rejoin (S4):\n${trail()}`,
  );
  const deletions = (pod: string) =>
    log.filter((e) => e.kind === 'pod' && e.member === `${ns}/${pod}` && e.text === 'pod terminating').length;
  assert.equal(deletions(follower), 1, 'the follower pod replaced once');
  assert.equal(deletions(observer), 1, 'the observer pod replaced once');
  const roles = new Map((await sim.cluster(key))?.frontends.map((f) => [f.host.split('.')[0], f.role]));
  assert.equal(roles.get(follower), 'FOLLOWER');
  assert.equal(roles.get(observer), 'OBSERVER');
});
