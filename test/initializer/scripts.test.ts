/**
 * Init scripts under adversarial timing: the manager process is SIGKILLed at seeded random points
 * while a script runs, with Doris answering each INSERT 1.5 s after it applied it (the window in
 * which the operator cannot know). Every statement must reach Doris exactly once, asserted from the
 * simulator's ordered log: a statement in flight at a kill is run again only if that changes
 * nothing, otherwise the script waits InDoubt for the user's word. Failures are retried, then
 * reported with the statement number and Doris' error; a missing Secret stops only its user.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCluster, killOperator, waitReady } from '../cluster/support.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import {
  createInitializer,
  getInitializer,
  patchInitializer,
  putSecret,
  startManagerProcess,
  waitPhase,
} from './support.ts';

/** A small seeded generator (mulberry32), so a failing run can be replayed from its printed seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const inserts = 8;

test('init SQL reaches Doris exactly once across operator SIGKILLs at random points', async (t) => {
  const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`init-sql kill seed: ${seed} (SEED=${seed} replays it)`);
  const rand = random(seed);
  const ns = await newNamespace(t, 'di-kill');
  const logs: string[] = [];
  let manager = await startManagerProcess(t, ns, logs);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 1 } });
  await waitReady(ns, 'doris', 120_000);
  const sim = await simulator();
  await sim.stallReplies({ pattern: '^INSERT INTO d\\.t', ms: 1500, count: 100, cluster: `${ns}/doris-fe` });
  const sql = [
    'CREATE DATABASE IF NOT EXISTS d',
    'CREATE TABLE IF NOT EXISTS d.t (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1")',
    ...Array.from({ length: inserts }, (_, i) => `INSERT INTO d.t VALUES (${i})`),
  ].join(';\n');
  await createInitializer(ns, 'init', { clusterRef: { name: 'doris' }, initSQL: [{ name: 'load', sql }] });

  // The user's part, all along: a statement in doubt is looked up in Doris, and the operator told.
  let resolutions = 0;
  const resolving = eventually(
    async () => {
      const di = await getInitializer(ns, 'init');
      const load = di.status?.scripts?.[0];
      if (load?.state === 'Applied') return di;
      if (load?.state === 'InDoubt' && load.started !== undefined) {
        const stmt = sql.split(';\n')[load.started] ?? '';
        const ran = (await statementLog(ns)).filter((e) => e === stmt).length;
        const word = `${ran === 1 ? 'skip' : 'rerun'}-${load.started + 1}`;
        if (di.metadata.annotations?.['doris.cloudnative.dev/resume-load'] !== word) {
          resolutions++;
          await patchInitializer(ns, 'init', {
            metadata: { annotations: { 'doris.cloudnative.dev/resume-load': word } },
          });
        }
      }
      return false;
    },
    { timeoutMs: 180_000, intervalMs: 200, what: 'the script to be applied' },
  );

  // Meanwhile the manager is killed four times at seeded points, and started again.
  const kills: number[] = [];
  for (let kill = 0; kill < 4; kill++) {
    await sleep(1500 + Math.floor(rand() * 2500));
    kills.push(Date.now());
    await killOperator(manager);
    await sleep(Math.floor(rand() * 1000));
    manager = await startManagerProcess(t, ns, logs);
  }
  const final = await resolving;
  assert.equal(final.status?.scripts?.[0]?.done, inserts + 2);
  await waitPhase(ns, 'init', 'Ready', 20_000);

  // Exactly once, from the simulator's ordered log: every INSERT appears once, never twice.
  const ran = await statementLog(ns);
  for (let i = 0; i < inserts; i++) {
    const text = `INSERT INTO d.t VALUES (${i})`;
    assert.equal(
      ran.filter((e) => e === text).length,
      1,
      `${text} ran ${ran.filter((e) => e === text).length} times (seed ${seed})`,
    );
  }
  const during = kills.filter(
    (k) => k < (Date.parse(final.status?.scripts?.[0]?.appliedAt ?? '') || 0),
  ).length;
  console.log(
    `init-sql kill seed ${seed}: ${during} of ${kills.length} kills while the script ran; ${resolutions} statement(s) in doubt resolved by hand`,
  );
});

/** The statements the operator sent to this namespace's cluster, in order (the simulator's log). */
async function statementLog(ns: string): Promise<string[]> {
  const sim = await simulator();
  return (await sim.log())
    .filter((e) => e.kind === 'statement' && e.cluster?.startsWith(`${ns}/`) && e.source.startsWith('mysql'))
    .map((e) => e.text);
}

test('failures are retried and reported; a missing Secret or role stops only its user; one initializer per cluster', async (t) => {
  const ns = await newNamespace(t, 'di-fail');
  const logs: string[] = [];
  await startManagerProcess(t, ns, logs);
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 1 } });
  await putSecret(ns, 'ok-password', { password: 'Ok-3e1f-secret' });
  await createInitializer(ns, 'init', {
    clusterRef: { name: 'doris' },
    backoffLimit: 1,
    users: [
      { name: 'ok', passwordSecretRef: { name: 'ok-password' } },
      { name: 'late', passwordSecretRef: { name: 'late-password' } },
      { name: 'norole', passwordSecretRef: { name: 'ok-password' }, roles: ['nope'] },
    ],
    initSQL: [{ name: 'bad', sql: 'CREATE DATABASE IF NOT EXISTS good;\nINSERT INTO nodb.t VALUES (1);' }],
  });
  await waitReady(ns, 'doris', 120_000);
  const failed = await waitPhase(ns, 'init', 'Failed', 60_000);
  type UserState = { name: string; state: string; message?: string };
  const users = new Map<string, UserState>(
    (failed.status?.users as UserState[] | undefined)?.map((u) => [u.name, u]),
  );
  assert.equal(users.get('ok')?.state, 'Present');
  assert.equal(users.get('late')?.state, 'Failed');
  assert.match(String(users.get('late')?.message), /Secret .*late-password does not exist/);
  assert.equal(users.get('norole')?.state, 'Failed');
  assert.match(String(users.get('norole')?.message), /role:nope does not exist/);

  const bad = await eventually(
    async () => {
      const s = (await getInitializer(ns, 'init')).status?.scripts?.[0];
      return s?.state === 'Failed' ? s : false;
    },
    { timeoutMs: 30_000, what: 'the script to be reported Failed' },
  );
  assert.equal(bad.done, 1, 'the first statement completed');
  assert.equal(bad.attempts, 2, 'tried once more (backoffLimit 1)');
  assert.match(bad.message, /^statement 2 of 2 failed \(attempt 2\): Doris said: .*Unknown database 'nodb'/);
  const sim = await simulator();
  const tries = (await sim.log()).filter(
    (e) =>
      e.kind === 'statement' && e.cluster?.startsWith(`${ns}/`) && e.text.startsWith('INSERT INTO nodb.t'),
  );
  assert.equal(tries.length, 2);
  assert.ok((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0) >= 900, 'the retry waited (backoff)');
  const { client } = await testEnv();
  const events = await client.request<{ items: { reason?: string }[] }>({
    method: 'GET',
    path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
  });
  const reasons = new Set(events.items.map((e) => e.reason));
  assert.ok(reasons.has('ScriptFailed') && reasons.has('PasswordSecretMissing') && reasons.has('UserFailed'));

  // The user's word moves a failed script on: skip the statement that cannot succeed.
  await patchInitializer(ns, 'init', {
    metadata: { annotations: { 'doris.cloudnative.dev/resume-bad': 'skip-2' } },
  });
  const resumed = await eventually(
    async () => {
      const s = (await getInitializer(ns, 'init')).status?.scripts?.[0];
      return s?.state === 'Applied' ? s : false;
    },
    { timeoutMs: 20_000, what: 'the failed script to go on once told to skip its statement' },
  );
  assert.equal(resumed.answered, 'skip-2');
  const triesAfter = (await sim.log()).filter(
    (e) =>
      e.kind === 'statement' && e.cluster?.startsWith(`${ns}/`) && e.text.startsWith('INSERT INTO nodb.t'),
  );
  assert.equal(triesAfter.length, 2, 'the skipped statement was not sent again');

  // The Secret appears: its user is created without anyone touching the initializer.
  await putSecret(ns, 'late-password', { password: 'Late-8a2c-secret' });
  await eventually(
    async () =>
      (await getInitializer(ns, 'init')).status?.users?.find((u: { name: string }) => u.name === 'late')
        ?.state === 'Present',
    { timeoutMs: 20_000, what: 'late to be created once its Secret exists' },
  );

  // A second initializer of the same cluster says so and does nothing.
  await createInitializer(ns, 'other', { clusterRef: { name: 'doris' }, databases: ['other'] });
  const other = await waitPhase(ns, 'other', 'Failed', 20_000);
  const ready = other.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
  assert.equal(ready?.reason, 'ClusterAlreadyInitialized');
  assert.match(ready?.message, /DorisInitializer init already initializes cluster doris/);
});
