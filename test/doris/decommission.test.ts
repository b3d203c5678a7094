/**
 * The decommission state machine through the MySQL protocol: the flag at once, TabletNum falling at
 * the configured rate, the row gone at zero (or kept with drop_backend_after_decommission=false),
 * stalls, CANCEL DECOMMISSION, the replica check, DROPP and compute nodes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/env.ts';
import { connect, DETAIL, type Sql, standalone } from './support.ts';

/** `__internal_schema`: 7 + 7 + 4 x 2 tablets, at replication 3 once there are 3 BEs. */
const INTERNAL_REPLICAS = 22 * 3;

async function withTable(sql: Sql, backends: number, buckets = 8): Promise<void> {
  await eventually(
    async () => (await sql.rows('SHOW BACKENDS')).filter((r) => r.Alive === 'true').length === backends,
    {
      what: `${backends} backends alive`,
    },
  );
  // The internal tables (22 tablets) reach 3 replicas once 3 BEs are alive: let that settle first.
  if (backends >= 3) {
    await eventually(
      async () =>
        (await sql.rows('SHOW BACKENDS')).reduce((n, r) => n + Number(r.TabletNum), 0) === INTERNAL_REPLICAS,
      { what: 'the internal tables at replication 3' },
    );
  }
  await sql.exec('CREATE DATABASE d');
  await sql.exec(
    `CREATE TABLE d.t (k INT, v VARCHAR(10)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS ${buckets} PROPERTIES ("replication_num" = "3")`,
  );
}

const tablets = async (sql: Sql, host: string): Promise<number | undefined> => {
  const row = (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === host);
  return row === undefined ? undefined : Number(row.TabletNum);
};

test('a decommissioned backend hands its replicas off at the configured rate and its row goes at zero', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4 });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 4);
  const total = async () => (await sql.rows('SHOW BACKENDS')).reduce((n, r) => n + Number(r.TabletNum), 0);
  assert.equal(await total(), 24 + INTERNAL_REPLICAS, '8 tablets x 3 replicas, and the internal ones');
  const be = c.bes[3]?.spec.ip ?? '';
  const before = (await tablets(sql, be)) ?? 0;
  assert.ok(before > 1);

  await c.control.setDecommissionRate(c.key, be, 1);
  const logStart = (await c.control.log()).at(-1)?.seq ?? 0;
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be}:9050"`);
  const flagged = (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === be);
  assert.equal(flagged?.SystemDecommissioned, 'true', 'the flag is set at once');

  await eventually(
    async () => {
      const n = await tablets(sql, be);
      return n !== undefined && n > 0 && n < before;
    },
    { what: 'TabletNum falling' },
  );
  await eventually(async () => (await tablets(sql, be)) === undefined, { what: 'the row removed' });
  assert.equal(await total(), 24 + INTERNAL_REPLICAS, 'every replica moved to the remaining backends');

  const log = await c.control.log({ since: logStart, cluster: c.key });
  const stmt = log.findIndex((e) => e.kind === 'statement' && e.text.startsWith('ALTER SYSTEM DECOMMISSION'));
  const started = log.findIndex((e) => e.text.includes('decommission started'));
  const dropped = log.findIndex((e) => e.text.includes('decommissioned and dropped'));
  assert.ok(stmt >= 0 && stmt < started && started < dropped, JSON.stringify(log.map((e) => e.text)));
});

test('drop_backend_after_decommission=false keeps the row at zero tablets; CANCEL DECOMMISSION clears the flag', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4 });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 4);
  await sql.exec('ADMIN SET FRONTEND CONFIG ("drop_backend_after_decommission" = "false")');
  assert.deepEqual(await sql.rows("SHOW FRONTEND CONFIG LIKE 'drop_backend%'"), [
    {
      Key: 'drop_backend_after_decommission',
      Value: 'false',
      Type: 'boolean',
      IsMutable: 'true',
      MasterOnly: 'true',
      Comment: '',
    },
  ]);
  const [be2, be3] = [c.bes[2]?.spec.ip ?? '', c.bes[3]?.spec.ip ?? ''];
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be3}:9050"`);
  await eventually(async () => (await tablets(sql, be3)) === 0, { what: 'zero tablets' });
  for (let i = 0; i < 5; i++) c.sim.tick();
  const kept = (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === be3);
  assert.equal(kept?.SystemDecommissioned, 'true');
  assert.equal(kept?.TabletNum, '0');

  await sql.exec(`CANCEL DECOMMISSION BACKEND "${be3}:9050"`);
  assert.equal((await sql.rows('SHOW BACKENDS')).find((r) => r.Host === be3)?.SystemDecommissioned, 'false');
  // Cancelling a backend that is not decommissioned is accepted and changes nothing.
  await sql.exec(`CANCEL DECOMMISSION BACKEND "${be2}:9050"`);
  const err = await sql.error(`CANCEL DECOMMISSION BACKEND "${c.network}.99:9050"`);
  assert.equal(err.message, `${DETAIL}Backend does not exist[${c.network}.99:9050]`);
});

test('decommission stalls when stalled through the control API, with the scheduler off, or with no target left; and is refused when replication cannot be kept', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4 });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 4);
  const [be0, be1, , be3] = c.bes.map((m) => m.spec.ip);
  assert.ok(be0 && be1 && be3);

  await c.control.setDecommissionRate(c.key, be3, 0);
  const before = await tablets(sql, be3);
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be3}:9050"`);
  for (let i = 0; i < 5; i++) c.sim.tick();
  assert.equal(await tablets(sql, be3), before, 'rate 0: nothing moves');

  // Scheduler off first, then the rate back: in the other order a background tick could move some.
  await sql.exec('ADMIN SET FRONTEND CONFIG ("disable_tablet_scheduler" = "true")');
  await c.control.setDecommissionRate(c.key, be3, null);
  for (let i = 0; i < 5; i++) c.sim.tick();
  assert.equal(await tablets(sql, be3), before, 'scheduler disabled: nothing moves');

  // With a target backend dead, a tablet whose only free target it was cannot move.
  await c.control.kill(c.bes[0]?.spec.key ?? '');
  await eventually(
    async () => (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === be0)?.Alive === 'false',
  );
  await sql.exec('ADMIN SET FRONTEND CONFIG ("disable_tablet_scheduler" = "false")');
  await eventually(
    async () => {
      const n1 = await tablets(sql, be3);
      for (let i = 0; i < 3; i++) c.sim.tick();
      return n1 === (await tablets(sql, be3)) && (n1 ?? 0) > 0;
    },
    { what: 'a stalled TabletNum above zero' },
  );

  // Three schedulable backends left for three replicas: decommissioning one more is refused.
  await sql.exec(`CANCEL DECOMMISSION BACKEND "${be3}:9050"`);
  await c.control.restart(c.bes[0]?.spec.key ?? '');
  await eventually(
    async () => (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === be0)?.Alive === 'true',
  );
  await sql.exec(`ALTER SYSTEM DROPP BACKEND "${be3}:9050"`);
  assert.equal(await tablets(sql, be3), undefined, 'DROPP removes the row at once');
  const err = await sql.error(`ALTER SYSTEM DECOMMISSION BACKEND "${be1}:9050"`);
  assert.equal(
    err.message,
    `${DETAIL}After decommission, partition column_statistics of table __internal_schema.column_statistics 's replication allocation { tag.location.default: 3 } > available backend num 2 on tag {"location" : "default"}, otherwise need to decrease the partition's replication num.`,
    'the internal tables are checked too: a 3-BE cluster refuses any decommission',
  );
});

test('compute nodes hold no tablets, show NodeRole computation and go at once when decommissioned; DROPP by id', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3, cn: 1 });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 4);
  const cn = c.cns[0]?.spec.ip ?? '';
  const rows = await sql.rows('SHOW BACKENDS');
  assert.equal(rows.find((r) => r.Host === cn)?.NodeRole, 'computation');
  assert.equal(rows.find((r) => r.Host === cn)?.TabletNum, '0');
  assert.deepEqual(
    rows.filter((r) => r.Host !== cn).map((r) => r.NodeRole),
    ['mix', 'mix', 'mix'],
  );
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${cn}:9050"`);
  await eventually(async () => (await tablets(sql, cn)) === undefined, { what: 'the compute node dropped' });

  const ghost = `${c.network}.230`;
  await sql.exec(`ALTER SYSTEM ADD BACKEND "${ghost}:9050"`);
  const id = (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === ghost)?.BackendId;
  await sql.exec(`ALTER SYSTEM DROPP BACKEND "${id}"`);
  assert.equal(await tablets(sql, ghost), undefined);
});

test('dropped tables stay in TabletNum (recycle bin) until FORCE or expiry; they hold a decommission only where Doris keeps the row', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4 });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 4);
  const be3 = c.bes[3]?.spec.ip ?? '';
  const held = (await tablets(sql, be3)) ?? 0;
  await sql.exec('DROP TABLE d.t');
  assert.equal(await tablets(sql, be3), held, 'DROP TABLE without FORCE keeps the tablets counted');

  // With the row kept by config, a decommission moves the live (internal) replicas only.
  await sql.exec('ADMIN SET FRONTEND CONFIG ("drop_backend_after_decommission" = "false")');
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be3}:9050"`);
  const recycled = await eventually(
    async () => {
      const n = await tablets(sql, be3);
      for (let i = 0; i < 3; i++) c.sim.tick();
      return n !== undefined && n === (await tablets(sql, be3)) && n > 0 ? n : false;
    },
    { what: 'TabletNum settled above zero: recycle-bin tablets only' },
  );
  assert.ok(recycled < held + 1, 'only recycle-bin tablets are left');
  await sleep(2500); // two and a half alter cycles (1 s in the fast profile)
  assert.equal(await tablets(sql, be3), recycled, 'the row stays: drop_backend_after_decommission=false');

  // Doris' own drop ignores recycle-bin tablets.
  await sql.exec('ADMIN SET FRONTEND CONFIG ("drop_backend_after_decommission" = "true")');
  await eventually(async () => (await tablets(sql, be3)) === undefined, { what: 'the row dropped by Doris' });

  // FORCE skips the recycle bin.
  await sql.exec(
    'CREATE TABLE d.u (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 4 PROPERTIES ("replication_num" = "3")',
  );
  const be2 = c.bes[2]?.spec.ip ?? '';
  const withU = (await tablets(sql, be2)) ?? 0;
  await sql.exec('DROP TABLE d.u FORCE');
  assert.ok(((await tablets(sql, be2)) ?? 0) < withU, 'DROP TABLE FORCE frees the tablets at once');
});

test('a BE that dies mid-decommission: tablets with another alive replica move, its single copies never do', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4 });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 4);
  await sql.exec(
    'CREATE TABLE d.single (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 8 PROPERTIES ("replication_num" = "1")',
  );
  const be3 = c.bes[3];
  assert.ok(be3);
  const only = [...c.sim.cluster(c.key).catalog.tablets()].filter(
    ({ table, tablet }) =>
      table.name === 'single' && tablet.replicas.includes(c.sim.cluster(c.key).backends.list[3]?.id ?? -1),
  ).length;
  assert.ok(only > 0, 'be-3 holds single copies');
  await c.control.setDecommissionRate(c.key, be3.spec.ip, 0);
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be3.spec.ip}:9050"`);
  await c.control.kill(be3.spec.key);
  await eventually(
    async () => (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === be3.spec.ip)?.Alive === 'false',
  );
  await c.control.setDecommissionRate(c.key, be3.spec.ip, null);
  const left = await eventually(
    async () => {
      const n = await tablets(sql, be3.spec.ip);
      for (let i = 0; i < 5; i++) c.sim.tick();
      return n !== undefined && n === (await tablets(sql, be3.spec.ip)) ? n : false;
    },
    { what: 'TabletNum settled' },
  );
  assert.equal(left, only, 'exactly the single copies stay: nothing to clone them from');
  await sleep(2500);
  assert.equal(await tablets(sql, be3.spec.ip), only, 'the row is never dropped while they are there');
});

test('a dead BE (not decommissioned): dead at the first missed heartbeat, its tablets re-replicated after the repair delay, the stale copies deleted when it returns', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4, timing: { repairDelayMs: 1500 } });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 4);
  const be0 = c.bes[0];
  assert.ok(be0);
  const cluster = c.sim.cluster(c.key);
  const id = cluster.backends.list[0]?.id ?? -1;
  const userTablets = () => [...cluster.catalog.tablets()].filter(({ table }) => table.name === 't');
  const on0 = userTablets().filter(({ tablet }) => tablet.replicas.includes(id)).length;
  assert.ok(on0 > 0);

  await c.control.kill(be0.spec.key);
  c.sim.tick();
  assert.equal(cluster.backends.list[0]?.alive, false, 'dead at the first missed heartbeat');
  await sleep(500);
  assert.ok(
    userTablets().every(({ tablet }) => tablet.replicas.length === 3),
    'nothing is cloned before the repair delay',
  );
  await eventually(
    () =>
      userTablets().every(
        ({ tablet }) => tablet.replicas.filter((r) => cluster.backends.byId(r)?.alive === true).length === 3,
      ),
    { what: 'every tablet back to three alive replicas' },
  );
  await c.control.restart(be0.spec.key);
  await eventually(
    () =>
      cluster.backends.list[0]?.alive === true &&
      userTablets().every(({ tablet }) => tablet.replicas.length === 3),
    { what: 'the redundant copies deleted once it is back' },
  );
  assert.equal(
    userTablets().filter(({ tablet }) => tablet.replicas.includes(id)).length,
    0,
    "the returned BE's stale copies were the redundant ones",
  );
});

test('group-commit WALs hold an emptied decommissioned row; /api/get_wal_size counts them (0 for a backend dead past the timeout)', async (t) => {
  const c = await standalone(t, { fe: 1, be: 4 });
  const fe = c.fes[0];
  assert.ok(fe);
  const sql = await connect(t, fe);
  await withTable(sql, 4);
  const be = c.bes[3]?.spec.ip ?? '';
  const url = (hostPorts: string) =>
    `http://${fe.spec.ip}:${fe.ports.http}/api/get_wal_size?host_ports=${hostPorts}`;
  const get = async (hostPorts: string, auth = 'root:') => {
    const res = await fetch(url(hostPorts), {
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
    });
    return { status: res.status, body: (await res.json()) as { code: number; msg: string; data: unknown } };
  };
  await c.control.setPendingWal(c.key, be, 2);
  assert.deepEqual((await get(`${be}:9050`)).body, {
    msg: 'success',
    code: 0,
    data: [`${be}:9050:2`],
    count: 0,
  });
  assert.equal((await get(`${be}:9050`, 'root:wrong')).status, 401);
  assert.deepEqual((await get('10.9.9.9:9050')).body.msg, 'Backend does not exist[10.9.9.9:9050]');

  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be}:9050"`);
  await eventually(async () => (await tablets(sql, be)) === 0, { what: 'the backend emptied' });
  await sleep(2500); // two alter cycles
  assert.equal(await tablets(sql, be), 0, 'the row stays while WALs are pending');
  await c.control.setPendingWal(c.key, be, 0);
  await eventually(async () => (await tablets(sql, be)) === undefined, { what: 'the row dropped' });

  // A dead backend cannot answer: after check_wal_queue_timeout_threshold (2 s fast) Doris says 0.
  const other = c.bes[2];
  assert.ok(other);
  await c.control.setPendingWal(c.key, other.spec.ip, 5);
  await c.control.kill(other.spec.key);
  await eventually(
    async () => (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === other.spec.ip)?.Alive === 'false',
  );
  const started = Date.now();
  assert.deepEqual((await get(`${other.spec.ip}:9050`)).body.data, [`${other.spec.ip}:9050:0`]);
  assert.ok(Date.now() - started >= 1900, 'the FE waited for the dead backend first');
});

test('before 2.1.3 there is no replica check: a decommission that cannot keep replication is accepted and stalls for good', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3, version: '2.1.2' });
  const sql = await connect(t, c.fes[0] ?? '');
  await withTable(sql, 3);
  const be = c.bes[2]?.spec.ip ?? '';
  const before = await tablets(sql, be);
  await sql.exec(`ALTER SYSTEM DECOMMISSION BACKEND "${be}:9050"`);
  for (let i = 0; i < 10; i++) c.sim.tick();
  const row = (await sql.rows('SHOW BACKENDS')).find((r) => r.Host === be);
  assert.equal(row?.SystemDecommissioned, 'true', 'accepted');
  assert.equal(Number(row?.TabletNum), before, 'no replica has anywhere to go');
});
