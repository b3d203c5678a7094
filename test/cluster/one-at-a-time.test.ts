/**
 * One member at a time, under adversarial timing (S2, S4, S6, S8): a full topology (5 FE, 3 BE,
 * 2 CN, 1 broker) upgraded, its pod templates changed, and restarted on demand, while members
 * take seconds to come back, once with the controller
 * manager frozen after every deletion the operator makes (no pod is recreated meanwhile, as during
 * a controller-manager restart), once with the operator SIGKILLed at random, seeded instants. The
 * invariants are checked at every instant from the simulator's ordered log, not at the end.
 *
 * This file runs on its own control plane and simulator: freezing the controller manager and
 * slowing every member down must not disturb tests of other files running at the same time.
 * Replay a failure with DORIS_CHAOS_SEED=<the printed seed>.
 */
import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { freezeAfterDeletions, killRepeatedly, seededBetween } from '../support/chaos.ts';
import {
  eventually,
  newNamespace,
  type PrivateEnvironment,
  privateEnvironment,
  testEnv,
} from '../support/env.ts';
import {
  balanceBreaks,
  downIntervals,
  finalBalance,
  overlaps,
  quorumLosses,
  restartOrder,
} from './invariants.ts';
import {
  createCluster,
  createTable,
  getCluster,
  logMark,
  namespaceLog,
  operatorProcess,
  patchSpec,
  waitReady,
  watchRows,
} from './support.ts';

/** Members take seconds to start, as a JVM replaying its meta does (real Doris: 15 s and more). */
const processStartMs = 3000;
const between = seededBetween('one-at-a-time');

let env: PrivateEnvironment;
before(async () => {
  // Elections at Doris' own pace: no master for 30 s after the master's restart (BDB-JE timeout).
  env = await privateEnvironment({ processStartMs, electionMs: 30_000 });
});
after(async () => {
  env.controlPlane.freezeControllerManager(false);
  await env.stop();
});

const topology = {
  version: '2.1.8',
  fe: { replicas: 5, electionNumber: 3 },
  be: { replicas: 3 },
  cn: { replicas: 2 },
  broker: { replicas: 1 },
};

async function readyFullTopology(t: TestContext, ns: string): Promise<void> {
  await createCluster(ns, 'doris', topology);
  await waitReady(ns, 'doris', 240_000);
  await createTable(t, ns, 'doris');
}

/** Waits until every member runs 2.1.9 and the cluster is Ready again. */
function upgraded(ns: string, timeoutMs: number) {
  return eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const s = c.status;
      const all = [s?.fe, s?.be, s?.cn, s?.broker];
      const present = [s?.fe, s?.be, s?.cn].filter((x) => x !== undefined);
      return s?.phase === 'Ready' &&
        s.observedGeneration === c.metadata.generation &&
        present.every((x) => x.currentVersion === '2.1.9') &&
        all.every((x) => x?.updatedReplicas === x?.replicas)
        ? c
        : false;
    },
    { timeoutMs, intervalMs: 500, what: `${ns}/doris upgraded to 2.1.9` },
  );
}

/**
 * Every invariant, at every instant of the log since `since`. A restart (`upgrade: false`: a pod
 * template change or an on-demand restart) keeps tablet balancing on throughout.
 */
async function assertOneAtATime(ns: string, since: number, upgrade = true): Promise<void> {
  const log = await namespaceLog(ns, since);
  const down = downIntervals(log, ns);
  const trail = () =>
    log
      .filter((e) => e.kind !== 'statement' || /ADMIN SET|DECOMMISSION|DROP/i.test(e.text))
      .map((e) => `#${e.seq} ${e.kind} ${e.member ?? ''} ${e.text}${e.error ? ` (${e.error})` : ''}`)
      .join('\n');
  assert.equal(new Set(down.map((d) => d.member)).size, 11, `every member restarted once:\n${trail()}`);
  assert.deepEqual(overlaps(down), [], `no two members down at once (S4):\n${trail()}`);
  assert.deepEqual(quorumLosses(log), [], `FE quorum never lost (S2):\n${trail()}`);
  assert.deepEqual(restartOrder(down), ['be', 'cn', 'fe', 'broker'], 'Doris order (S6)');
  const fes = down.filter((d) => d.member.includes('-fe-')).map((d) => d.member.replace(/.*-fe-/, ''));
  assert.deepEqual(fes.slice(0, 2).sort(), ['3', '4'], `observers first: ${fes.join(', ')}`);
  if (upgrade)
    assert.deepEqual(
      balanceBreaks(log, down),
      [],
      `balancing paused for every BE restart only (S6):\n${trail()}`,
    );
  else
    assert.ok(
      !log.some((e) => e.kind === 'statement' && /ADMIN SET FRONTEND CONFIG.*disable_/i.test(e.text)),
      'a restart leaves tablet balancing alone',
    );
  assert.deepEqual(
    Object.values(finalBalance(log)),
    [false, false, false],
    'balancing fully back on at the end',
  );
  const masters = log.filter((e) => e.kind === 'membership' && /^master \S+ lost/.test(e.text));
  assert.ok(
    masters.length <= 1,
    `the master changed once at most (its own restart, last): ${masters.length}`,
  );
}

/** Every row readable at every read made during the upgrade: no BE went while another was down. */
async function assertRowsReadable(reader: ReturnType<typeof watchRows>): Promise<void> {
  const { reads, wrong } = await reader.stop();
  assert.ok(reads >= 20, `rows read ${reads} times during the upgrade`);
  assert.deepEqual(wrong, [], 'every read saw every row');
}

test('upgrade with the controller manager frozen after each deletion: one member down at a time', async (t) => {
  const ns = await newNamespace(t, 'frozen');
  await operatorProcess(t, ns);
  await readyFullTopology(t, ns);
  const since = await logMark();
  const reader = watchRows(t, ns, 'doris');
  await patchSpec(ns, 'doris', { version: '2.1.9' });

  // Every time the operator deletes a pod, the controller manager freezes for 3-8 s.
  const freezer = freezeAfterDeletions(env.controlPlane, ns, since, () => between(3000, 8000));
  let freezes = 0;
  try {
    await upgraded(ns, 420_000);
  } finally {
    freezes = await freezer.stop();
  }
  assert.ok(freezes >= 11, `the controller manager was frozen after each of the 11 deletions (${freezes})`);
  await assertOneAtATime(ns, since);
  await assertRowsReadable(reader);
});

test('upgrade with the operator SIGKILLed at random instants (>= 20 kills): one member down at a time', async (t) => {
  const ns = await newNamespace(t, 'killed');
  const operator = await operatorProcess(t, ns);
  await readyFullTopology(t, ns);
  const since = await logMark();
  const reader = watchRows(t, ns, 'doris');
  await patchSpec(ns, 'doris', { version: '2.1.9' });

  const { kills } = await killRepeatedly(t, ns, operator, upgraded(ns, 420_000), () => between(200, 2500));
  assert.ok(kills >= 20, `the operator was killed ${kills} times during the upgrade (>= 20)`);
  await assertOneAtATime(ns, since);
  await assertRowsReadable(reader);
});

/**
 * Waits until every StatefulSet's template carries the change (`changed`), every pod runs its
 * StatefulSet's current template, and the cluster is Ready again.
 */
function rolled(ns: string, timeoutMs: number, changed: (template: KubeObject) => boolean) {
  return eventually(
    async () => {
      const { client } = await testEnv();
      const c = await getCluster(ns, 'doris');
      if (c.status?.phase !== 'Ready' || c.status.observedGeneration !== c.metadata.generation) return false;
      const hash = 'doris.cloudnative.dev/pod-template-hash';
      const sets = await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: collectionPath(builtin.StatefulSet, ns),
      });
      if (sets.items.length !== 4 || !sets.items.every((s) => changed(s.spec.template))) return false;
      const want = new Map(
        sets.items.map((s) => [s.metadata.name, s.spec.template.metadata.annotations?.[hash] as string]),
      );
      const pods = await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: collectionPath(builtin.Pod, ns),
      });
      return pods.items.length === 11 &&
        pods.items.every(
          (p) => p.metadata.annotations?.[hash] === want.get(p.metadata.name.replace(/-\d+$/, '')),
        )
        ? c
        : false;
    },
    { timeoutMs, intervalMs: 500, what: `${ns}/doris rolled onto its new pod templates` },
  );
}

test('a pod template change (resources, env) with the operator SIGKILLed at random instants: one member down at a time, in the Doris order', async (t) => {
  const ns = await newNamespace(t, 'template');
  const operator = await operatorProcess(t, ns);
  await readyFullTopology(t, ns);
  const since = await logMark();
  const reader = watchRows(t, ns, 'doris');
  const tz = [{ name: 'TZ', value: 'Asia/Shanghai' }];
  await patchSpec(ns, 'doris', {
    fe: { pod: { env: tz } },
    be: { resources: { requests: { cpu: '2' } }, pod: { env: tz } },
    cn: { pod: { env: tz } },
    broker: { pod: { env: tz } },
  });
  const withTz = (tpl: KubeObject) =>
    tpl.spec.containers[0].env.some((e: { name: string }) => e.name === 'TZ');
  const { kills } = await killRepeatedly(t, ns, operator, rolled(ns, 420_000, withTz), () =>
    between(200, 2500),
  );
  assert.ok(kills >= 10, `the operator was killed ${kills} times during the rollout (>= 10)`);
  await assertOneAtATime(ns, since, false);
  await assertRowsReadable(reader);
});

test('an on-demand restart (restartedAt annotation) with the controller manager frozen after each deletion: one member down at a time', async (t) => {
  const ns = await newNamespace(t, 'restart');
  await operatorProcess(t, ns);
  await readyFullTopology(t, ns);
  const since = await logMark();
  const reader = watchRows(t, ns, 'doris');
  const { client } = await testEnv();
  const at = new Date().toISOString();
  await client.request({
    method: 'PATCH',
    path: objectPath(dorisClusterKind.resource, ns, 'doris'),
    contentType: 'application/merge-patch+json',
    body: { metadata: { annotations: { 'doris.cloudnative.dev/restartedAt': at } } },
  });
  const freezer = freezeAfterDeletions(env.controlPlane, ns, since, () => between(3000, 8000));
  let freezes = 0;
  try {
    await rolled(
      ns,
      420_000,
      (tpl) => tpl.metadata.annotations?.['doris.cloudnative.dev/restartedAt'] === at,
    );
  } finally {
    freezes = await freezer.stop();
  }
  assert.ok(freezes >= 11, `the controller manager was frozen after each of the 11 deletions (${freezes})`);
  await assertOneAtATime(ns, since, false);
  await assertRowsReadable(reader);
});

test('the master pod deleted by someone else during the FE phase, no master for 30 s: the rollout waits and finishes master-last', async (t) => {
  const ns = await newNamespace(t, 'master-gone');
  await operatorProcess(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.8',
    fe: { replicas: 4, electionNumber: 3 },
    be: { replicas: 1 },
  });
  await waitReady(ns, 'doris', 240_000);
  const since = await logMark();
  await patchSpec(ns, 'doris', { version: '2.1.9' });
  // Once the observer is back on 2.1.9, the master's pod goes, out of the operator's hands.
  const observerBack = await eventually(
    async () =>
      (await namespaceLog(ns, since)).find(
        (e) =>
          e.kind === 'process' && e.member === `${ns}/doris-fe-3` && e.text.startsWith('process started'),
      ),
    { timeoutMs: 180_000, what: 'the observer restarted' },
  );
  const state = await env.simulator.client.cluster(`${ns}/doris-fe`);
  const masterHost = state?.frontends.find((f) => f.name === state.master)?.host ?? '';
  const masterPod = masterHost.split('.')[0] ?? '';
  assert.match(masterPod, /^doris-fe-[0-2]$/);
  const { client } = await testEnv();
  await client.request({ method: 'DELETE', path: objectPath(builtin.Pod, ns, masterPod) });
  await upgraded(ns, 300_000);

  const log = await namespaceLog(ns, since);
  const lost = log.findIndex((e) => e.seq > observerBack.seq && /^master \S+ lost/.test(e.text));
  const elected = log.findIndex((e, i) => i > lost && /^master elected/.test(e.text));
  assert.ok(lost >= 0 && elected > lost, 'Doris was without a master for a while');
  assert.ok((log[elected]?.at ?? 0) - (log[lost]?.at ?? 0) >= 29_000, 'for the BDB-JE timeout');
  const ours = log.findIndex(
    (e) => e.kind === 'pod' && e.member === `${ns}/${masterPod}` && e.seq > observerBack.seq,
  );
  const operatorDeletions = log
    .map((e, i) => ({ e, i }))
    .filter(({ e, i }) => e.kind === 'pod' && e.text === 'pod terminating' && i !== ours);
  for (const { e, i } of operatorDeletions)
    assert.ok(i < lost || i > elected, `${e.member} deleted while Doris had no master`);
  // Master last: an FE the operator restarted while it was master was its last FE restart (here the
  // master's pod was recreated on 2.1.9 by the test's deletion, so the operator may not need to).
  const feDeletions = operatorDeletions.filter(({ e }) => e.member?.includes('-fe-'));
  feDeletions.forEach(({ e, i }, k) => {
    const masterThen = log
      .slice(0, i)
      .filter((x) => /^master elected: |founded the cluster as master/.test(x.text))
      .at(-1);
    const pod = e.member?.split('/')[1] ?? '?';
    if (masterThen?.text.includes(`(${pod}.`))
      assert.equal(k, feDeletions.length - 1, `${pod} was restarted while master, before other FEs`);
  });
  assert.ok(feDeletions.length >= 3, 'the operator restarted the other FEs');
  // Apart from the pod deleted by the test, one member down at a time.
  const down = downIntervals(log, ns).filter(
    (d) =>
      !(
        d.member === `${ns}/${masterPod}` &&
        d.from > observerBack.seq &&
        d.from <= (log[ours]?.seq ?? 0) + 5
      ),
  );
  assert.deepEqual(overlaps(down), [], 'the operator added no second down member');
});
