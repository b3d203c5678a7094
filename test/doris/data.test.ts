/**
 * Rows in simulator tables: INSERT and SELECT through the MySQL protocol, rows that live in tablets
 * and so survive what keeps a healthy replica (decommission) and vanish with the last one (DROPP),
 * the quorum a load needs, replicas that missed a load, and statements a follower forwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../support/env.ts';
import { connect, DETAIL, type Sql, standalone } from './support.ts';

async function backendsAlive(sql: Sql, n: number): Promise<void> {
  await eventually(
    async () => (await sql.rows('SHOW BACKENDS')).filter((r) => r.Alive === 'true').length === n,
    { what: `${n} backends alive` },
  );
}

const values = (from: number, n: number): string =>
  Array.from({ length: n }, (_, i) => `(${from + i}, 'v${from + i}')`).join(', ');

async function count(sql: Sql, table = 'd.t'): Promise<number> {
  return Number((await sql.rows(`SELECT count(*) FROM ${table}`))[0]?.['count(*)']);
}

test('INSERT and SELECT: rows by column list or table order, count(*), *, and errors naming what is wrong', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3 });
  const sql = await connect(t, c.fes[0] ?? '');
  await backendsAlive(sql, 3);
  await sql.exec('CREATE DATABASE d');
  await sql.exec(
    'CREATE TABLE d.t (k INT, v VARCHAR(10), note DECIMAL(10, 2)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 4 PROPERTIES ("replication_num" = "3")',
  );
  const [ok] = await sql.conn.query(`INSERT INTO d.t (k, v) VALUES ${values(1, 20)}`);
  assert.equal((ok as { affectedRows: number }).affectedRows, 20);
  await sql.exec("INSERT INTO d.t VALUES (100, 'x', 1.5)");
  assert.equal(await count(sql), 21);
  const rows = await sql.rows('SELECT * FROM d.t');
  assert.deepEqual(Object.keys(rows[0] ?? {}), ['k', 'v', 'note']);
  assert.deepEqual(
    rows.map((r) => Number(r.k)).sort((a, b) => a - b),
    [...Array.from({ length: 20 }, (_, i) => i + 1), 100],
  );
  const hundred = rows.find((r) => Number(r.k) === 100);
  assert.equal(hundred?.v, 'x');
  assert.equal(Number(hundred?.note), 1.5);
  assert.equal(rows.find((r) => Number(r.k) === 1)?.note, null, 'a column left out is NULL');
  await sql.exec('USE d');
  assert.deepEqual(await sql.rows('SELECT v FROM t LIMIT 1').then((r) => r.length), 1);
  assert.equal((await sql.error('SELECT * FROM d.nope')).message, `${DETAIL}Unknown table 'nope'`);
  assert.equal(
    (await sql.error("INSERT INTO d.t (k, w) VALUES (1, 'a')")).message,
    `${DETAIL}Unknown column 'w' in 't'`,
  );
});

test('rows survive a decommission: every replica moves before the row goes', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4 });
  const sql = await connect(t, c.fes[0] ?? '');
  await backendsAlive(sql, 4);
  await sql.exec('CREATE DATABASE d');
  await sql.exec(
    'CREATE TABLE d.t (k INT, v VARCHAR(10)) DISTRIBUTED BY HASH(k) BUCKETS 8 PROPERTIES ("replication_num" = "1")',
  );
  await sql.exec(`INSERT INTO d.t VALUES ${values(0, 200)}`);
  const be = c.bes[0]?.spec.ip ?? '';
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be}:9050"`);
  await eventually(async () => !(await sql.rows('SHOW BACKENDS')).some((r) => r.Host === be), {
    what: 'the decommissioned backend dropped by Doris',
  });
  assert.equal(await count(sql), 200, 'single copies moved with their rows');
});

test('DROPP of the only replica loses its rows: queries fail on the tablet, and stay failing', async (t) => {
  const c = await standalone(t, { fe: 1, be: 2 });
  const sql = await connect(t, c.fes[0] ?? '');
  await backendsAlive(sql, 2);
  await sql.exec('CREATE DATABASE d');
  await sql.exec(
    'CREATE TABLE d.t (k INT, v VARCHAR(10)) DISTRIBUTED BY HASH(k) BUCKETS 4 PROPERTIES ("replication_num" = "1")',
  );
  await sql.exec(`INSERT INTO d.t VALUES ${values(0, 50)}`);
  const be = c.bes[1]?.spec.ip ?? '';
  await sql.exec(`ALTER SYSTEM DROPP BACKEND "${be}:9050"`);
  const err = await sql.error('SELECT count(*) FROM d.t');
  assert.match(err.message, /Failed to get scan range, no queryable replica found in tablet: \d+$/);
  await c.control.restart(c.bes[1]?.spec.key ?? '');
  await backendsAlive(sql, 2);
  assert.match((await sql.error('SELECT * FROM d.t')).message, /no queryable replica found in tablet/);
});

test('a load needs a quorum of alive replicas; a replica that missed it is not read until repaired', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3 });
  const sql = await connect(t, c.fes[0] ?? '');
  await backendsAlive(sql, 3);
  await sql.exec('CREATE DATABASE d');
  await sql.exec(
    'CREATE TABLE d.t (k INT, v VARCHAR(10)) DISTRIBUTED BY HASH(k) BUCKETS 2 PROPERTIES ("replication_num" = "3")',
  );
  const [a, b, cBe] = c.bes;
  assert.ok(a && b && cBe);
  await sql.exec(`INSERT INTO d.t VALUES ${values(0, 10)}`);

  await c.control.kill(a.spec.key);
  await backendsAlive(sql, 2);
  await sql.exec(`INSERT INTO d.t VALUES ${values(10, 10)}`);
  await c.control.kill(b.spec.key);
  await backendsAlive(sql, 1);
  assert.match(
    (await sql.error(`INSERT INTO d.t VALUES ${values(20, 1)}`)).message,
    /^errCode = 2, detailMessage = tablet \d+ alive replica num 1 < quorum replica num 2, alive backends: \[\d+\]$/,
  );
  assert.equal(await count(sql), 20, 'one healthy replica is enough to read');

  // a comes back without the second load; with c gone too, nothing healthy is left to read.
  await c.control.kill(cBe.spec.key);
  await c.control.restart(a.spec.key);
  await eventually(
    async () => (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === a.spec.ip)?.Alive === 'true',
    { what: 'a alive again' },
  );
  assert.match((await sql.error('SELECT count(*) FROM d.t')).message, /no queryable replica found in tablet/);
  await c.control.restart(b.spec.key);
  await eventually(async () => (await count(sql).catch(() => 0)) === 20, { what: 'a repaired from b' });
  await c.control.kill(b.spec.key);
  await backendsAlive(sql, 1);
  assert.equal(await count(sql), 20, 'a caught up from b and answers alone');
});

test('a follower forwards SHOW FRONTENDS, SHOW BACKENDS and changes to the master and shows its view', async (t) => {
  const c = await standalone(t, { fe: 3, be: 1 });
  const [fe0, fe1] = c.fes;
  assert.ok(fe0 && fe1);
  const follower = await connect(t, fe1);
  await backendsAlive(follower, 1);
  await eventually(async () => (await follower.rows('SHOW FRONTENDS')).every((r) => r.Alive === 'true'), {
    what: 'all frontends alive',
  });
  const rows = await follower.rows('SHOW FRONTENDS');
  const master = rows.find((r) => r.IsMaster === 'true');
  assert.equal(master?.Host, fe0.spec.ip);
  assert.equal(
    rows.find((r) => r.CurrentConnected === 'Yes')?.Host,
    fe1.spec.ip,
    'connected to the follower',
  );
  await follower.exec('CREATE DATABASE through_follower');
  await follower.exec(
    'CREATE TABLE through_follower.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1")',
  );
  await follower.exec('INSERT INTO through_follower.t VALUES (1), (2)');
  const direct = await connect(t, fe0);
  assert.equal(await count(direct, 'through_follower.t'), 2);
  assert.equal((await follower.rows('SHOW BACKENDS')).length, 1);
});
