/**
 * The pure cluster state machine with a hand-made probe: election only with a majority, the grace a
 * just-added follower gets before it counts, heartbeats filling backend ports, and a backend whose
 * storage came back empty losing its replicas (which the scheduler then re-creates).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLog } from '../support/doris/log.ts';
import { DorisCluster } from '../support/doris/state/cluster.ts';
import type { BackendHeartbeat, Probe } from '../support/doris/state/probe.ts';
import { fastTiming } from '../support/doris/timing.ts';

/** A probe answering from sets of hosts that are up. */
function fakeProbe() {
  const up = new Set<string>();
  const storage = new Map<string, string>();
  const probe: Probe = {
    frontend: (host) =>
      up.has(host)
        ? {
            ok: true,
            startTime: 1,
            version: 'doris-2.1.7',
            queryPort: 9030,
            rpcPort: 9020,
            arrowFlightSqlPort: -1,
          }
        : { ok: false, error: `java.net.UnknownHostException: ${host}` },
    backend: (host): BackendHeartbeat | { ok: false; error: string } =>
      up.has(host)
        ? {
            ok: true,
            startTime: 1,
            version: 'doris-2.1.7',
            bePort: 9060,
            httpPort: 8040,
            brpcPort: 8060,
            arrowFlightSqlPort: -1,
            nodeRole: 'mix',
            cpuCores: 8,
            memoryBytes: 1,
            totalCapacity: 1024 ** 4,
            storageId: storage.get(host) ?? 'disk-1',
          }
        : { ok: false, error: 'java.net.ConnectException: Connection refused (Connection refused)' },
    broker: () => ({ ok: false, error: 'none' }),
  };
  return { up, storage, probe };
}

function cluster(probe: Probe, joinProbeMs = 1000) {
  return new DorisCluster({
    key: 'unit/fe',
    log: new EventLog(),
    probe,
    timing: () => ({ ...fastTiming, joinProbeMs }),
    store: new Map(),
  });
}

test('a master is elected only by a majority of running followers, after the election delay, and steps down without one', () => {
  const { up, probe } = fakeProbe();
  const c = cluster(probe);
  let now = Date.now();
  const tick = (ms = 1000) => {
    now += ms;
    c.tick(now);
  };
  up.add('fe0');
  const first = c.found('fe0', 9010, {});
  for (const host of ['fe1', 'fe2']) {
    const fe = c.frontends.add('FOLLOWER', host, 9010);
    up.add(host);
    c.frontendStarted(fe.name, {});
  }
  tick();
  assert.equal(c.frontends.master, first.name);
  assert.ok(c.frontends.list.every((f) => f.alive));

  up.delete('fe0');
  tick(1);
  assert.equal(c.frontends.master, undefined, 'no master until the BDB-JE timeout and election');
  tick(c.timing().electionMs);
  const second = c.frontends.master;
  assert.ok(second !== undefined && second !== first.name, 'two of three elect a new master');

  const exits: string[] = [];
  c.onMasterExit = (name) => exits.push(name);
  up.delete(c.frontends.byName(second)?.host ?? '');
  tick();
  assert.equal(c.frontends.master, undefined, 'one of three cannot');
  assert.throws(() => c.requireMaster(), /Node catalog is not ready/);
  assert.deepEqual(exits, [], 'the master that went down has nothing left to exit');

  up.add('fe0');
  tick(c.timing().electionMs);
  assert.ok(c.frontends.master !== undefined);
  c.requireMaster();
  // The master loses its quorum while running: its process exits.
  const master = c.frontends.master;
  up.delete('fe0');
  up.delete('fe1');
  up.delete('fe2');
  up.add(c.frontends.byName(master ?? '')?.host ?? '');
  tick();
  assert.deepEqual(exits, [master], 'a master without quorum exits');
});

test('a follower added but never started does not count toward the majority', () => {
  const { up, probe } = fakeProbe();
  const c = cluster(probe, 1000);
  up.add('fe0');
  c.found('fe0', 9010, {});
  c.frontends.add('FOLLOWER', 'fe1', 9010);
  const now = Date.now();
  assert.equal(c.majority(), 1, 'the group is the running master');
  c.tick(now);
  assert.ok(c.frontends.master !== undefined);
  c.tick(now + 60_000);
  assert.equal(c.majority(), 1, 'however long it stays unstarted');
  assert.ok(c.frontends.master !== undefined, 'the master keeps its quorum');
});

test('heartbeats fill backend ports; a backend back with new storage loses its replicas, which are re-created', () => {
  const { up, storage, probe } = fakeProbe();
  const c = cluster(probe);
  up.add('fe0');
  c.found('fe0', 9010, {});
  const bes = c.backends.add(
    ['be0', 'be1', 'be2', 'be3'].map((host) => ({ host, port: 9050 })),
    'default',
    c.allocateId,
  );
  assert.ok(bes.every((b) => b.bePort === -1 && !b.alive));
  for (const b of bes) up.add(b.host);
  c.tick(Date.now());
  assert.ok(bes.every((b) => b.bePort === 9060 && b.alive && b.lastHeartbeat !== undefined));

  c.catalog.createDatabase('d', false, c.allocateId());
  c.catalog.createTable(
    'd',
    { name: 't', buckets: 4, replicationNum: 3, partitions: ['t'] },
    c.eligibleBackends(),
    c.allocateId,
  );
  const [be0] = bes;
  assert.ok(be0);
  const held = c.catalog.replicasOn(be0.id);
  assert.ok(held > 0);

  storage.set('be0', 'disk-2');
  c.tick(Date.now());
  for (let i = 0; i < 10; i++) c.tick(Date.now());
  const total = [...c.catalog.tablets()]
    .filter(({ table }) => c.catalog.database('d').tables.get(table.name) === table)
    .reduce((n, { tablet }) => n + tablet.replicas.length, 0);
  assert.equal(total, 12, 'every tablet of d.t has its three replicas again');
});
