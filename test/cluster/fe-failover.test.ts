/**
 * FE failover (F6): an FE whose metadata volume is damaged crash-loops for good (it cannot load its
 * image); after failover.period it is dropped from Doris, its metadata claim and pod are replaced,
 * and its entrypoint adds it back with fresh metadata under a new name. Only with a master, and a
 * follower only while the other followers keep a majority (S2); the operator is SIGKILLed right
 * after the drop (S8); with two of three followers lost, or Doris out of sight, nothing is done (S3).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import { quorumLosses } from './invariants.ts';
import {
  createCluster,
  getCluster,
  killOperator,
  logMark,
  namespaceLog,
  operatorProcess,
  startOperator,
  waitReady,
} from './support.ts';

async function claimUid(ns: string, name: string): Promise<string | undefined> {
  const { client } = await testEnv();
  const claim = await client
    .request<{ metadata: { uid: string } }>({
      method: 'GET',
      path: objectPath(builtin.PersistentVolumeClaim, ns, name),
    })
    .catch(() => undefined);
  return claim?.metadata.uid;
}

/** Statements of the log that ran (not refused) and match `re`. */
const ran = (log: Awaited<ReturnType<typeof namespaceLog>>, re: RegExp) =>
  log.filter((e) => e.kind === 'statement' && re.test(e.text) && !e.error);

for (const { role, member, replicas } of [
  { role: 'OBSERVER', member: 'doris-fe-3', replicas: 4 },
  { role: 'FOLLOWER', member: 'doris-fe-2', replicas: 3 },
] as const) {
  test(`an FE ${role.toLowerCase()} whose metadata is damaged is dropped and re-added with fresh metadata (S8: operator killed after the drop; quorum kept)`, async (t) => {
    const ns = await newNamespace(t, `fe-failover-${role.toLowerCase()}`);
    let operator: ChildProcess = await operatorProcess(t, ns);
    await createCluster(ns, 'doris', {
      version: '2.1.7',
      fe: { replicas, electionNumber: 3, failover: { period: '5s' } },
      be: { replicas: 1 },
    });
    await waitReady(ns, 'doris', 150_000);
    const sim = await simulator();
    const key = `${ns}/doris-fe`;
    const before = await sim.cluster(key);
    const oldName = before?.frontends.find((f) => f.host.startsWith(`${member}.`))?.name;
    const oldClaim = await claimUid(ns, `meta-${member}`);
    assert.ok(oldName !== undefined && oldClaim !== undefined);
    const since = await logMark();

    await sim.damageMeta(`${ns}/${member}`);
    // The drop is the decision carried out; the operator dies right after it.
    await eventually(async () => ran(await namespaceLog(ns, since), /DROP (FOLLOWER|OBSERVER)/).length > 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `the DROP ${role} of ${member}`,
    });
    await killOperator(operator);
    const decided = await getCluster(ns, 'doris');
    const failure = decided.status?.fe?.failures?.find((f) => f.member === member);
    assert.ok(failure?.rebuiltAt !== undefined, 'the decision is in status');
    assert.ok(
      Date.parse(String(failure.rebuiltAt)) - Date.parse(String(failure.since)) >= 5000,
      'after the period',
    );
    operator = await operatorProcess(t, ns);

    const healed = await eventually(
      async () => {
        const c = await getCluster(ns, 'doris');
        return c.status?.phase === 'Ready' && c.status.fe?.failures === undefined ? c : false;
      },
      { timeoutMs: 150_000, intervalMs: 1000, what: `${member} rebuilt and the cluster Ready` },
    );
    assert.equal(healed.status?.operation, undefined);
    const after = await sim.cluster(key);
    const now = after?.frontends.find((f) => f.host.startsWith(`${member}.`));
    assert.equal(now?.role, role, 'back in its role');
    assert.equal(now?.alive, true);
    assert.notEqual(now?.name, oldName, 'a new name: Doris never reuses a dropped one');
    const newClaim = await claimUid(ns, `meta-${member}`);
    assert.ok(newClaim !== undefined && newClaim !== oldClaim, 'on a new metadata claim');
    assert.equal(after?.frontends.filter((f) => f.role === 'FOLLOWER').length, 3);

    const log = await namespaceLog(ns, since);
    assert.equal(ran(log, new RegExp(`DROP ${role}`)).length, 1, 'dropped once');
    assert.equal(ran(log, /DROP (FOLLOWER|OBSERVER)/).length, 1, 'nothing else dropped');
    assert.deepEqual(quorumLosses(log), [], 'the master never lost its quorum');
    const drop = log.findIndex((e) => e.kind === 'statement' && /DROP/.test(e.text));
    const podGone = log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/${member}`);
    assert.ok(podGone > drop, 'its pod replaced only after it left Doris');
    const { client } = await testEnv();
    const events = await client.request<{ items: { reason: string; note: string }[] }>({
      method: 'GET',
      path: collectionPath(builtin.Event, ns),
    });
    assert.ok(events.items.some((e) => e.reason === 'FailoverRebuild' && e.note.includes(member)));
  });
}

test('two of three followers lost: no master, nothing is dropped or replaced, and status says why (S3)', async (t) => {
  const ns = await newNamespace(t, 'fe-failover-quorum');
  await startOperator(t, ns);
  await createCluster(ns, 'doris', {
    version: '2.1.7',
    fe: { replicas: 3, failover: { period: '5s' } },
    be: { replicas: 1 },
    cn: { replicas: 1, failover: { period: '5s' } },
  });
  await waitReady(ns, 'doris', 150_000);
  const sim = await simulator();
  const since = await logMark();
  await sim.damageMeta(`${ns}/doris-fe-1`);
  await sim.damageMeta(`${ns}/doris-fe-2`);
  await sim.kill(`${ns}/doris-cn-0`);
  const degraded = await eventually(
    async () => {
      const c = await getCluster(ns, 'doris');
      const message = c.status?.conditions?.find(
        (x) => x.type === 'Degraded' && x.status === 'True',
      )?.message;
      return message !== undefined && /no FE answers with a master/.test(message) ? c : false;
    },
    { timeoutMs: 60_000, what: 'Degraded, saying Doris has no master' },
  );
  // Well past every period: still nothing done; nor once the last FE is out of reach too.
  await new Promise((r) => setTimeout(r, 10_000));
  await sim.setReachable(`${ns}/doris-fe-0`, false);
  await new Promise((r) => setTimeout(r, 10_000));
  const c = await getCluster(ns, 'doris');
  assert.equal(c.status?.phase, 'Degraded');
  assert.equal(c.status?.operation, undefined);
  assert.equal(c.status?.cn?.failures?.some((f) => f.replacement !== undefined) ?? false, false);
  assert.equal(c.status?.fe?.failures?.some((f) => f.rebuiltAt !== undefined) ?? false, false);
  const log = await namespaceLog(ns, since);
  assert.deepEqual(ran(log, /DROP|DECOMMISSION/), [], 'nothing dropped');
  assert.ok(!log.some((e) => e.kind === 'pod' && e.member?.startsWith(`${ns}/`)), 'no pod replaced or added');
  assert.match(
    degraded.status?.conditions?.find((x) => x.type === 'Degraded')?.message ?? '',
    /no FE answers with a master \(.+;.+;.+\)/,
  );
  assert.match(
    c.status?.conditions?.find((x) => x.type === 'Degraded')?.message ?? '',
    /no FE answers with a master \(.*unreachable/,
  );
});
