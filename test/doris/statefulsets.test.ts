/**
 * The simulator on the real control plane, with plain StatefulSets shaped like the official
 * operator's: FE pods elect one master and register followers and observers by ordinal, BE pods
 * register and turn Alive, a deleted master is replaced and comes back with its identity, and
 * losing two of three followers stops DDL until they return.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { isNotFound } from '../../src/kube/rest.ts';
import { eventually, newNamespace, simulator, testEnv } from '../support/env.ts';
import { createDoris, fqdn } from './fixtures.ts';
import { connect } from './support.ts';

interface Pod {
  metadata: { name: string; uid: string };
  status: { phase?: string; podIP?: string };
}

async function podIP(ns: string, name: string): Promise<string> {
  const { client } = await testEnv();
  return eventually(
    async () => {
      const pod = await client.request<Pod>({ method: 'GET', path: objectPath(builtin.Pod, ns, name) });
      return pod.status.phase === 'Running' ? pod.status.podIP : false;
    },
    { timeoutMs: 60_000, what: `${name} Running` },
  );
}

/** Deletes a pod and returns the uid it had (undefined when it was already gone). */
async function deletePod(ns: string, name: string): Promise<string | undefined> {
  const { client } = await testEnv();
  try {
    const pod = await client.request<Pod>({ method: 'GET', path: objectPath(builtin.Pod, ns, name) });
    await client.request({ method: 'DELETE', path: objectPath(builtin.Pod, ns, name) });
    return pod.metadata.uid;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

test('4 FE pods: one master, followers below ELECT_NUMBER, an observer above; 3 BE pods register and turn Alive', async (t) => {
  const { client } = await testEnv();
  const sim = await simulator();
  const ns = await newNamespace(t, 'doris-sts');
  await createDoris(client, ns, { feReplicas: 4, beReplicas: 3, electNumber: 3 });
  const key = `${ns}/doris-fe`;

  const summary = await eventually(
    async () => {
      const c = await sim.cluster(key);
      const ready =
        c !== undefined && c.frontends.length === 4 && c.frontends.every((f) => f.join && f.alive);
      return ready && c.backends.length === 3 && c.backends.every((b) => b.alive) ? c : false;
    },
    { timeoutMs: 90_000, what: `cluster ${key} with 4 FEs and 3 BEs alive` },
  );
  assert.equal(summary.frontends.find((f) => f.isMaster)?.host, fqdn('doris-fe-0', ns));

  const sql = await connect(t, await podIP(ns, 'doris-fe-2'));
  const fes = await sql.rows('SHOW FRONTENDS');
  const byHost = Object.fromEntries(fes.map((r) => [r.Host, r]));
  for (const i of [0, 1, 2])
    assert.equal(byHost[fqdn(`doris-fe-${i}`, ns)]?.Role, 'FOLLOWER', `doris-fe-${i}`);
  assert.equal(byHost[fqdn('doris-fe-3', ns)]?.Role, 'OBSERVER');
  assert.equal(byHost[fqdn('doris-fe-0', ns)]?.IsMaster, 'true');
  assert.equal(fes.filter((r) => r.IsMaster === 'true').length, 1);
  assert.equal(byHost[fqdn('doris-fe-2', ns)]?.CurrentConnected, 'Yes');
  assert.ok(fes.every((r) => r.Version === 'doris-2.1.7' && r.Alive === 'true'));

  const bes = await sql.rows('SHOW BACKENDS');
  assert.deepEqual(
    bes.map((r) => r.Host),
    [0, 1, 2].map((i) => fqdn(`doris-be-${i}`, ns, 'be')),
  );
  assert.ok(bes.every((r) => r.Alive === 'true' && r.BePort === '9060' && r.CpuCores === undefined));

  const health = await fetch(`http://${await podIP(ns, 'doris-fe-0')}:8030/api/health`).then((r) => r.json());
  assert.deepEqual(health, {
    msg: 'success',
    code: 0,
    data: { online_backend_num: 3, total_backend_num: 3 },
    count: 0,
  });

  // The registration went through the entrypoints' statements, in order.
  const log = await sim.log({ cluster: key });
  const adds = log.filter(
    (e) => e.kind === 'statement' && e.text.startsWith('ALTER SYSTEM ADD') && e.error === undefined,
  );
  assert.deepEqual(adds.map((e) => e.text.split(' ')[3]).sort(), [
    'BACKEND',
    'BACKEND',
    'BACKEND',
    'FOLLOWER',
    'FOLLOWER',
    'OBSERVER',
  ]);
});

test('deleting the master FE pod elects a new master; the recreated pod keeps its name through its claim', async (t) => {
  const { client } = await testEnv();
  const sim = await simulator();
  const ns = await newNamespace(t, 'doris-failover');
  await createDoris(client, ns, { feReplicas: 3, beReplicas: 1 });
  const key = `${ns}/doris-fe`;
  const before = await eventually(
    async () => {
      const c = await sim.cluster(key);
      return c !== undefined &&
        c.frontends.length === 3 &&
        c.frontends.every((f) => f.alive) &&
        c.master !== undefined
        ? c
        : false;
    },
    { timeoutMs: 90_000, what: '3 FEs alive' },
  );
  const master = before.frontends.find((f) => f.isMaster);
  assert.ok(master);
  const masterPod = master.host.split('.')[0] ?? '';
  const since = (await sim.log()).at(-1)?.seq ?? 0;
  const oldUid = await deletePod(ns, masterPod);

  const after = await eventually(
    async () => {
      const c = await sim.cluster(key);
      return c?.master !== undefined && c.master !== master.name ? c : false;
    },
    { timeoutMs: 60_000, what: 'a new master' },
  );
  assert.notEqual(after.frontends.find((f) => f.isMaster)?.host, master.host);

  // The StatefulSet recreates the pod with the same claim: same FE name, back as a follower.
  await eventually(
    async () => {
      const pod = await client.request<Pod>({ method: 'GET', path: objectPath(builtin.Pod, ns, masterPod) });
      return pod.metadata.uid !== oldUid && pod.status.phase === 'Running';
    },
    { timeoutMs: 60_000, what: `${masterPod} recreated` },
  );
  const rejoined = await eventually(
    async () => {
      const c = await sim.cluster(key);
      const fe = c?.frontends.find((f) => f.name === master.name);
      return fe?.alive && !fe.isMaster ? c : false;
    },
    { timeoutMs: 60_000, what: `${master.name} alive again as a follower` },
  );
  assert.equal(rejoined.frontends.length, 3, 'no new frontend was added');

  const log = await sim.log({ since });
  const gone = log.findIndex((e) => e.kind === 'pod' && e.member === `${ns}/${masterPod}`);
  const elected = log.findIndex((e) => e.cluster === key && e.text.startsWith('master elected'));
  assert.ok(gone >= 0 && gone < elected, 'the pod went before the election');
});

test('with two of three followers gone DDL fails, and works again when they return', async (t) => {
  const { client } = await testEnv();
  const sim = await simulator();
  const ns = await newNamespace(t, 'doris-quorum');
  await createDoris(client, ns, { feReplicas: 3, beReplicas: 0, feUpdateStrategy: 'OnDelete' });
  const key = `${ns}/doris-fe`;
  const c = await eventually(
    async () => {
      const s = await sim.cluster(key);
      return s !== undefined && s.frontends.length === 3 && s.frontends.every((f) => f.alive) ? s : false;
    },
    { timeoutMs: 90_000, what: '3 FEs alive' },
  );
  const masterPod = c.frontends.find((f) => f.isMaster)?.host.split('.')[0] ?? '';
  const others = ['doris-fe-0', 'doris-fe-1', 'doris-fe-2'].filter((p) => p !== masterPod);
  const sql = await connect(t, await podIP(ns, masterPod));
  await sql.exec('CREATE DATABASE before_loss');

  // Recreated pods cannot be scheduled anywhere, so the two followers stay gone.
  const pin = (nodeSelector: Record<string, string> | null) =>
    client.request({
      method: 'PATCH',
      path: objectPath(builtin.StatefulSet, ns, 'doris-fe'),
      contentType: 'application/merge-patch+json',
      body: { spec: { template: { spec: { nodeSelector } } } },
    });
  await pin({ 'doris-simulator/unschedulable': 'true' });
  for (const p of others) await deletePod(ns, p);
  // The master steps down and its process exits (BDBJEJournal / Env.transferToNonMaster): the
  // client sees the refusal or its connection closed.
  let attempt = 0;
  const err = await eventually(
    async () => {
      // Until the master notices the loss, the DDL still succeeds: try again with a new name.
      const e = await sql.error(`CREATE DATABASE during_loss_${attempt++}`).catch((x: unknown) => x as Error);
      return /expected .* to fail/.test(e.message) ? false : e;
    },
    { timeoutMs: 60_000, what: 'DDL refused' },
  );
  assert.match(
    err.message,
    /Node catalog is not ready, please wait for a while|closed|Connection lost|ECONNRESET/,
  );
  await eventually(async () => (await sim.cluster(key))?.master === undefined, {
    what: 'the master stepping down',
  });
  await eventually(
    async () =>
      (await sim.log()).some(
        (e) => e.member === `${ns}/${masterPod}` && /master lost its quorum.*exit/.test(e.text),
      ),
    { what: 'the old master exiting' },
  );

  await pin(null);
  // Pods still pinned to nowhere (recreated from the old template) are deleted again.
  const unpin = async () => {
    const list = await client.request<{ items: (Pod & { spec: { nodeSelector?: object } })[] }>({
      method: 'GET',
      path: collectionPath(builtin.Pod, ns),
    });
    for (const p of list.items) if (p.spec.nodeSelector !== undefined) await deletePod(ns, p.metadata.name);
  };
  await eventually(
    async () => {
      await unpin();
      const again = await connect(t, await podIP(ns, masterPod));
      await again.exec('CREATE DATABASE IF NOT EXISTS after_return');
      return true;
    },
    { timeoutMs: 90_000, intervalMs: 300, what: 'DDL working again' },
  );
  // Both come back under their names once their pods run again.
  const back = await eventually(
    async () => {
      await unpin();
      const s = await sim.cluster(key);
      return s?.frontends.every((f) => f.alive) ? s : false;
    },
    { timeoutMs: 60_000, intervalMs: 300, what: 'all three followers alive' },
  );
  assert.deepEqual(back.frontends.map((f) => f.name).sort(), c.frontends.map((f) => f.name).sort());
  const pods = await client.request<{ items: Pod[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, ns),
  });
  assert.equal(pods.items.filter((p) => p.status.phase === 'Running').length, 3);
});
