/**
 * The MySQL protocol face of an FE, through mysql2: exact columns and their order per version,
 * value formats, SQL NULLs, the three forms of the node views, and the error texts and codes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../support/env.ts';
import { connect, DETAIL, loginError, standalone } from './support.ts';

const FE_COLUMNS = [
  'Name',
  'Host',
  'EditLogPort',
  'HttpPort',
  'QueryPort',
  'RpcPort',
  'ArrowFlightSqlPort',
  'Role',
  'IsMaster',
  'ClusterId',
  'Join',
  'Alive',
  'ReplayedJournalId',
  'LastStartTime',
  'LastHeartbeat',
  'IsHelper',
  'ErrMsg',
  'Version',
  'CurrentConnected',
];
const BE_COLUMNS_21 = [
  'BackendId',
  'Host',
  'HeartbeatPort',
  'BePort',
  'HttpPort',
  'BrpcPort',
  'ArrowFlightSqlPort',
  'LastStartTime',
  'LastHeartbeat',
  'Alive',
  'SystemDecommissioned',
  'TabletNum',
  'DataUsedCapacity',
  'TrashUsedCapcacity',
  'AvailCapacity',
  'TotalCapacity',
  'UsedPct',
  'MaxDiskUsedPct',
  'RemoteUsedCapacity',
  'Tag',
  'ErrMsg',
  'Version',
  'Status',
  'HeartbeatFailureCounter',
  'NodeRole',
];
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

test('2.1: SHOW FRONTENDS has 19 columns in order, the same in SHOW PROC and frontends(), with Doris formats', async (t) => {
  const c = await standalone(t, { fe: 3, be: 1 });
  const [fe0, fe1] = c.fes;
  assert.ok(fe0 && fe1);
  const sql = await connect(t, fe1);
  await eventually(async () => (await sql.rows('SHOW FRONTENDS')).every((r) => r.Alive === 'true'), {
    what: 'FEs alive',
  });

  assert.deepEqual(await sql.columns('SHOW FRONTENDS'), FE_COLUMNS);
  assert.deepEqual(await sql.columns("SHOW PROC '/frontends'"), FE_COLUMNS);
  assert.deepEqual(await sql.columns('SELECT * FROM frontends()'), FE_COLUMNS);
  assert.deepEqual(await sql.columns('select Host, IsMaster from frontends()'), ['Host', 'IsMaster']);

  const rows = await sql.rows('SHOW FRONTENDS');
  assert.equal(rows.length, 3);
  const master = rows.filter((r) => r.IsMaster === 'true');
  assert.equal(master.length, 1, 'one master');
  assert.equal(master[0]?.Host, fe0.spec.ip, 'pod 0 founded the cluster');
  for (const r of rows) {
    assert.match(r.Name ?? '', /^fe_[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$/);
    assert.equal(r.Role, 'FOLLOWER');
    assert.equal(r.EditLogPort, '9010');
    assert.equal(r.HttpPort, '8030');
    assert.equal(r.QueryPort, '9030');
    assert.equal(r.ArrowFlightSqlPort, '-1');
    assert.equal(r.Join, 'true');
    assert.equal(r.IsHelper, 'true');
    assert.match(r.ClusterId ?? '', /^\d+$/);
    assert.match(r.LastStartTime ?? '', TIME);
    assert.match(r.LastHeartbeat ?? '', TIME);
    assert.equal(r.Version, 'doris-2.1.7');
    assert.equal(r.CurrentConnected, r.Host === fe1.spec.ip ? 'Yes' : 'No');
  }
  assert.equal(new Set(rows.map((r) => r.ClusterId)).size, 1);

  // Added but never started: not joined, not alive, NULL times, no version.
  await sql.exec(`ALTER SYSTEM ADD OBSERVER "${c.network}.200:9010"`);
  const observer = (await sql.rows('SHOW FRONTENDS')).find((r) => r.Host === `${c.network}.200`);
  assert.equal(observer?.Role, 'OBSERVER');
  assert.equal(observer?.IsHelper, 'false');
  assert.equal(observer?.Join, 'false');
  assert.equal(observer?.Alive, 'false');
  assert.equal(observer?.LastStartTime, null);
  assert.equal(observer?.LastHeartbeat, null);
  assert.equal(observer?.Version, '');
});

test('2.1: SHOW BACKENDS has 25 columns (TrashUsedCapcacity); a backend never heartbeated shows -1 ports, NULL times, 1.000 B', async (t) => {
  const c = await standalone(t, { fe: 1, be: 2 });
  const sql = await connect(t, c.fes[0] ?? '');
  assert.deepEqual(await sql.columns('SHOW BACKENDS'), BE_COLUMNS_21);
  assert.deepEqual(await sql.columns("SHOW PROC '/backends'"), BE_COLUMNS_21);
  assert.deepEqual(await sql.columns('SELECT * FROM backends()'), BE_COLUMNS_21);

  const ghost = `${c.network}.250`;
  await sql.exec(`ALTER SYSTEM ADD BACKEND "${ghost}:9050"`);
  const rows = await eventually(async () => {
    const r = await sql.rows('SHOW BACKENDS');
    const heartbeatFailed = r.some((x) => x.Host === ghost && Number(x.HeartbeatFailureCounter) > 0);
    return r.filter((x) => x.Alive === 'true').length === 2 && heartbeatFailed ? r : false;
  });
  assert.deepEqual(
    rows.map((r) => r.Host),
    [...rows.map((r) => r.Host ?? '')].sort(),
    'rows are sorted by Host',
  );
  const g = rows.find((r) => r.Host === ghost);
  assert.ok(g);
  assert.match(g.BackendId ?? '', /^\d+$/);
  for (const port of ['BePort', 'HttpPort', 'BrpcPort', 'ArrowFlightSqlPort'])
    assert.equal(g[port], '-1', port);
  assert.equal(g.LastStartTime, null);
  assert.equal(g.LastHeartbeat, null);
  assert.equal(g.Alive, 'false');
  assert.equal(g.SystemDecommissioned, 'false');
  assert.equal(g.TabletNum, '0');
  assert.equal(g.DataUsedCapacity, '0.000 ');
  assert.equal(g.TrashUsedCapcacity, '0.000 ');
  assert.equal(g.AvailCapacity, '1.000 B');
  assert.equal(g.TotalCapacity, '0.000 ');
  assert.equal(g.UsedPct, '0.00 %');
  assert.equal(g.MaxDiskUsedPct, '0.00 %');
  assert.equal(g.Tag, '{"location" : "default"}');
  assert.match(
    g.Status ?? '',
    /"lastSuccessReportTabletsTime":.*"isQueryDisabled":false,"isLoadDisabled":false/,
  );
  assert.match(g.ErrMsg ?? '', /^java\.net\.UnknownHostException: /);
  assert.ok(Number(g.HeartbeatFailureCounter) >= 1);

  const live = rows.find((r) => r.Alive === 'true');
  assert.ok(live);
  assert.equal(live.BePort, '9060');
  assert.equal(live.HttpPort, '8040');
  assert.equal(live.BrpcPort, '8060');
  assert.match(live.LastStartTime ?? '', TIME);
  assert.match(live.AvailCapacity ?? '', /^\d+\.\d{3} GB$/);
  assert.match(live.UsedPct ?? '', /^\d+\.\d{2} %$/);
  assert.equal(live.NodeRole, 'mix');
  assert.equal(live.Version, 'doris-2.1.7');
  assert.equal(live.HeartbeatFailureCounter, '0');
});

test('3.0: SHOW BACKENDS has 27 columns, TrashUsedCapacity spelt right and CpuCores, Memory at the end', async (t) => {
  const c = await standalone(t, { fe: 1, be: 1, version: '3.0.3' });
  const sql = await connect(t, c.fes[0] ?? '');
  const columns = await sql.columns('SHOW BACKENDS');
  assert.equal(columns.length, 27);
  assert.deepEqual(columns, [
    ...BE_COLUMNS_21.map((x) => (x === 'TrashUsedCapcacity' ? 'TrashUsedCapacity' : x)),
    'CpuCores',
    'Memory',
  ]);
  assert.deepEqual(await sql.columns('SHOW FRONTENDS'), FE_COLUMNS);
  const [row] = await eventually(async () => {
    const r = await sql.rows('SHOW BACKENDS');
    return r[0]?.Alive === 'true' ? r : false;
  });
  assert.equal(row?.Version, 'doris-3.0.3');
  assert.equal(row?.CpuCores, '4');
  assert.equal(row?.Memory, '16.00 GB');
  assert.match(row?.Status ?? '', /"isActive":true,"currentFragmentNum":0,"lastFragmentUpdateTime":\d+/);
});

test('admin statements fail with the reference texts as 1105/HY000 errCode = 2', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3 });
  const sql = await connect(t, c.fes[0] ?? '');
  const [be0, be1] = c.bes;
  const fe = c.fes[0]?.spec.ip;
  const expect = async (statement: string, detail: string) => {
    const err = await sql.error(statement);
    assert.equal(err.errno, 1105, statement);
    assert.equal(err.sqlState, 'HY000', statement);
    assert.equal(err.message, DETAIL + detail, statement);
  };
  await expect(
    `ALTER SYSTEM DROP BACKEND "${be0?.spec.ip}:9050"`,
    'It is highly NOT RECOMMENDED to use DROP BACKEND stmt.It is not safe to directly drop a backend. All data on this backend will be discarded permanently. If you insist, use DROPP instead of DROP',
  );
  await expect(
    `ALTER SYSTEM DROPP BACKEND "${c.network}.99:9050"`,
    `backend does not exists[${c.network}.99:9050]`,
  );
  await expect(
    `ALTER SYSTEM ADD BACKEND "${c.network}.98:9050", "${be1?.spec.ip}:9050"`,
    `Same backend already exists[${be1?.spec.ip}:9050]`,
  );
  assert.equal((await sql.rows('SHOW BACKENDS')).length, 3, 'a list with one duplicate adds nothing');
  await expect(
    `ALTER SYSTEM DECOMMISSION BACKEND "${c.network}.99:9050"`,
    `Backend does not exist[${c.network}.99:9050]`,
  );
  await expect('ALTER SYSTEM DECOMMISSION BACKEND "999"', 'Backend does not exist, backend id is 999');
  await expect(
    `ALTER SYSTEM DROP FOLLOWER "${c.network}.99:9010"`,
    `frontend does not exist[${c.network}.99:9010]`,
  );
  await expect(`ALTER SYSTEM DROP OBSERVER "${fe}:9010"`, `OBSERVER does not exist[${fe}:9010]`);
  await expect(`ALTER SYSTEM DROP FOLLOWER "${fe}:9010"`, 'can not drop current master node.');
  const [self] = await sql.rows('SHOW FRONTENDS');
  await expect(
    `ALTER SYSTEM ADD FOLLOWER "${fe}:9010"`,
    `frontend already exists name: ${self?.Name}, role: FOLLOWER, ${fe}:9010`,
  );
  await expect(
    'ALTER SYSTEM ADD FOLLOWER ":9010"',
    "frontend's hostName should not be empty while enable_fqdn_mode is true",
  );
  await expect(
    'ALTER SYSTEM ADD BACKEND ":9050"',
    "backend's hostName should not be empty while enable_fqdn_mode is true",
  );
  await expect(
    'SHOW FRONTENDZ',
    'Syntax error in line 1:\nSHOW FRONTENDZ\nEncountered: FRONTENDZ (not supported by the Doris simulator)',
  );

  // Unknown database is 1049 with the same prefix.
  const err = await sql.error('USE nodb');
  assert.equal(err.errno, 1049);
  assert.equal(err.message, `${DETAIL}Unknown database 'nodb'`);
});

test('the quorum guard refuses to drop an alive follower when the rest could not keep a majority', async (t) => {
  const c = await standalone(t, { fe: 3 });
  const [fe0, fe1, fe2] = c.fes;
  assert.ok(fe0 && fe1 && fe2);
  const sql = await connect(t, fe0);
  await eventually(async () => (await sql.rows('SHOW FRONTENDS')).every((r) => r.Alive === 'true'));
  await c.control.kill(fe2.spec.key);
  await eventually(
    async () => (await sql.rows('SHOW FRONTENDS')).find((r) => r.Host === fe2.spec.ip)?.Alive === 'false',
    {
      what: 'fe-2 not alive',
    },
  );
  const err = await sql.error(`ALTER SYSTEM DROP FOLLOWER "${fe1.spec.ip}:9010"`);
  assert.equal(
    err.message,
    `${DETAIL}Unable to drop this alive follower, because the quorum requirements are not met after this command execution. Current num alive followers 2, num followers 3, majority after execution 2`,
  );
  // The dead follower is not guarded, and its name never comes back.
  const dead = (await sql.rows('SHOW FRONTENDS')).find((r) => r.Host === fe2.spec.ip);
  await sql.exec(`ALTER SYSTEM DROP FOLLOWER "${fe2.spec.ip}:9010"`);
  await sql.exec(`ALTER SYSTEM ADD FOLLOWER "${fe2.spec.ip}:9010"`);
  const readded = (await sql.rows('SHOW FRONTENDS')).find((r) => r.Host === fe2.spec.ip);
  assert.notEqual(readded?.Name, dead?.Name);
});

test('logins and privileges: 1045/28000 for a bad password, 1227/42000 without NODE_PRIV, NULL as SQL NULL', async (t) => {
  const c = await standalone(t, { fe: 1 });
  const fe = c.fes[0];
  assert.ok(fe);
  const root = await connect(t, fe);
  const bad = await loginError(fe.spec.ip, 'root', 'nope');
  assert.equal(bad.errno, 1045);
  assert.equal(bad.sqlState, '28000');
  assert.equal(bad.message, "Access denied for user 'root@127.0.0.1' (using password: YES)");
  const unknown = await loginError(fe.spec.ip, 'ghost', '');
  assert.equal(unknown.message, "Access denied for user 'ghost@127.0.0.1' (using password: NO)");

  await root.exec("CREATE USER 'reader'@'%' IDENTIFIED BY 'pw'");
  const reader = await connect(t, fe, { user: 'reader', password: 'pw' });
  const denied = await reader.error(`ALTER SYSTEM ADD BACKEND "${c.network}.77:9050"`);
  assert.equal(denied.errno, 1227);
  assert.equal(denied.sqlState, '42000');
  assert.equal(
    denied.message,
    'Access denied; you need (at least one of) the NODE privilege(s) for this operation',
  );

  const [row] = await root.rows('SELECT DATABASE(), @@version_comment, 1 AS one');
  assert.deepEqual(row, { 'DATABASE()': null, '@@version_comment': 'Doris version doris-2.1.7', one: 1 });
  const [multi] = (await root.conn.query('SELECT 1 AS a; SELECT 2 AS b')) as unknown as [[unknown, unknown]];
  assert.equal(multi.length, 2, 'multiple statements return one result each');
});

test('brokers register through their entrypoint, turn Alive, and can be dropped; client session statements work', async (t) => {
  const c = await standalone(t, { fe: 1, brokers: 1 });
  const broker = c.brokers[0];
  assert.ok(broker);
  const sql = await connect(t, c.fes[0] ?? '');
  assert.deepEqual(await sql.columns('SHOW BROKER'), [
    'Name',
    'Host',
    'Port',
    'Alive',
    'LastStartTime',
    'LastUpdateTime',
    'ErrMsg',
  ]);
  const [row] = await eventually(async () => {
    const r = await sql.rows('SHOW BROKER');
    return r[0]?.Alive === 'true' ? r : false;
  });
  assert.equal(row?.Name, 'broker');
  assert.equal(row?.Host, broker.spec.ip);
  assert.equal(row?.Port, '8000');
  await c.control.kill(broker.spec.key);
  await eventually(async () => (await sql.rows('SHOW BROKER'))[0]?.Alive === 'false', {
    what: 'broker dead',
  });
  await sql.exec(`ALTER SYSTEM DROP BROKER broker "${broker.spec.ip}:8000"`);
  assert.deepEqual(await sql.rows("SHOW PROC '/brokers'"), []);

  await sql.exec('SET NAMES utf8mb4');
  await sql.exec('SET query_timeout = 60');
  assert.deepEqual(await sql.rows('SELECT @@query_timeout, @@session.autocommit'), [
    { '@@query_timeout': '60', '@@session.autocommit': 1 },
  ]);
  const vars = await sql.rows("SHOW VARIABLES LIKE 'version%'");
  assert.deepEqual(
    vars.map((v) => [v.Variable_name, v.Value]),
    [
      ['version', '5.7.99'],
      ['version_comment', 'Doris version doris-2.1.7'],
    ],
  );
  const unknown = await sql.error('SELECT @@no_such_variable');
  assert.equal(unknown.errno, 1193);
});
