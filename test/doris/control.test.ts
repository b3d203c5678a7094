/**
 * Faults through the control API: a killed process stops answering and is seen dead by heartbeats,
 * a restarted one comes back with a new start time and its identity, an unreachable FE closes its
 * ports and comes back when healed; a dead master is replaced only while a majority remains.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { test } from 'node:test';
import { eventually } from '../support/env.ts';
import { connect, standalone } from './support.ts';

/** Whether a TCP port accepts connections. */
const open = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = netConnect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

test('kill, restart and network cuts show in ports, heartbeats and the member list', async (t) => {
  // ELECT_NUMBER=1: fe-1 is an observer, so cutting it off leaves the single follower its quorum.
  const c = await standalone(t, { fe: 2, be: 1, electNumber: 1 });
  const [fe0, fe1] = c.fes;
  const be = c.bes[0];
  assert.ok(fe0 && fe1 && be);
  const sql = await connect(t, fe0);
  const row = async (host: string) => (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === host);
  const before = await eventually(
    async () => {
      const r = await row(be.spec.ip);
      return r?.Alive === 'true' ? r : false;
    },
    { what: 'the backend alive' },
  );

  const killed = await c.control.kill(be.spec.key);
  assert.equal(killed.state, 'killed');
  await eventually(async () => !(await open(be.spec.ip, 9050)), { what: 'heartbeat port closed' });
  const dead = await eventually(
    async () => {
      const r = await row(be.spec.ip);
      return r?.Alive === 'false' ? r : false;
    },
    { what: 'the killed backend dead' },
  );
  assert.match(dead.ErrMsg ?? '', /ConnectException/);
  assert.ok(
    Number(dead.HeartbeatFailureCounter) >= 1,
    'dead at the first missed heartbeat (++counter >= the tolerance of 1)',
  );

  await c.control.restart(be.spec.key);
  const back = await eventually(
    async () => {
      const r = await row(be.spec.ip);
      return r?.Alive === 'true' ? r : false;
    },
    { what: 'the restarted backend alive' },
  );
  assert.equal(back.BackendId, before.BackendId, 'same backend');
  assert.ok((back.LastStartTime ?? '') >= (before.LastStartTime ?? ''));
  assert.ok(await open(be.spec.ip, 8040));

  await c.control.setReachable(fe1.spec.key, false);
  assert.equal(await open(fe1.spec.ip, 9030), false, 'an unreachable FE does not answer');
  await eventually(
    async () => (await sql.rows('SHOW FRONTENDS')).find((r) => r.Host === fe1.spec.ip)?.Alive === 'false',
    { what: 'the observer not alive' },
  );
  const cut = (await sql.rows('SHOW FRONTENDS')).find((r) => r.Host === fe1.spec.ip);
  assert.match(cut?.ErrMsg ?? '', /SocketTimeoutException/);
  const members = await c.control.members();
  assert.equal(members.find((m) => m.key === fe1.spec.key)?.unreachable, true);
  await c.control.setReachable(fe1.spec.key, true);
  await eventually(() => open(fe1.spec.ip, 9030), { what: 'query port back' });
  await eventually(async () => (await sql.rows('SHOW FRONTENDS')).every((r) => r.Alive === 'true'), {
    what: 'all alive again',
  });
});

test('a dead master is replaced while a majority of followers runs; without one DDL stops', async (t) => {
  const c = await standalone(t, { fe: 3 });
  const [fe0, fe1, fe2] = c.fes;
  assert.ok(fe0 && fe1 && fe2);
  const sql1 = await connect(t, fe1);
  const masterHost = async () => (await sql1.rows('SHOW FRONTENDS')).find((r) => r.IsMaster === 'true')?.Host;
  assert.equal(await masterHost(), fe0.spec.ip);
  const old = (await c.control.cluster(c.key))?.master;

  await c.control.kill(fe0.spec.key);
  const next = await eventually(async () => {
    const h = await masterHost();
    return h !== undefined && h !== fe0.spec.ip ? h : false;
  });
  assert.ok(next === fe1.spec.ip || next === fe2.spec.ip);
  await sql1.exec('CREATE DATABASE after_failover');

  const other = next === fe1.spec.ip ? fe2 : fe1;
  const survivor = next === fe1.spec.ip ? fe1 : fe2;
  await c.control.kill(next === fe1.spec.ip ? fe1.spec.key : fe2.spec.key);
  const sql = await connect(t, other);
  // The follower forwards both the DDL and SHOW FRONTENDS to a master that is gone.
  const err = await eventually(async () => {
    const e = await sql.error('CREATE DATABASE no_quorum').catch(() => undefined);
    return e ?? false;
  });
  assert.equal(err.message, 'Exception, msg: Failed to get master client.');
  assert.equal((await sql.error('SHOW FRONTENDS')).message, 'Exception, msg: Failed to get master client.');
  assert.equal((await sql.rows('SELECT Host FROM frontends()')).length, 3, 'local reads still answer');
  await eventually(async () => (await c.control.cluster(c.key))?.master === undefined, {
    what: 'the master stepping down',
  });

  // The old master comes back with its meta: same name, now a follower, and DDL works again.
  await c.control.restart(fe0.spec.key);
  await eventually(async () => (await sql.rows('SHOW FRONTENDS')).some((r) => r.IsMaster === 'true'));
  await sql.exec('CREATE DATABASE quorum_back');
  const summary = await c.control.cluster(c.key);
  assert.ok(
    summary?.frontends.some((f) => f.name === old),
    'the restarted FE kept its name',
  );
  assert.notEqual(survivor, undefined);
});
