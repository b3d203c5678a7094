/**
 * Backup and restore through the MySQL protocol: repositories, the state progressions of SHOW
 * BACKUP and SHOW RESTORE, snapshots, the one-job-per-database rule, failures injected through the
 * control API, asynchronous restore failures and cancellation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../support/env.ts';
import { connect, DETAIL, type Sql, standalone } from './support.ts';

const BACKUP_COLUMNS = [
  'JobId',
  'SnapshotName',
  'DbName',
  'State',
  'BackupObjs',
  'CreateTime',
  'SnapshotFinishedTime',
  'UploadFinishedTime',
  'FinishedTime',
  'UnfinishedTasks',
  'Progress',
  'TaskErrMsg',
  'Status',
  'Timeout',
];
const RESTORE_COLUMNS = [
  'JobId',
  'Label',
  'Timestamp',
  'DbName',
  'State',
  'AllowLoad',
  'ReplicationNum',
  'ReplicaAllocation',
  'ReserveReplica',
  'ReserveDynamicPartitionEnable',
  'RestoreObjs',
  'CreateTime',
  'MetaPreparedTime',
  'SnapshotFinishedTime',
  'DownloadFinishedTime',
  'FinishedTime',
  'UnfinishedTasks',
  'Progress',
  'TaskErrMsg',
  'Status',
  'Timeout',
];
const REPO = `CREATE REPOSITORY s3_repo WITH S3 ON LOCATION "s3://bucket/prefix"
  PROPERTIES ("s3.endpoint" = "http://127.0.0.1:9000", "s3.region" = "us-east-1", "s3.access_key" = "ak", "s3.secret_key" = "sk", "use_path_style" = "true")`;

async function prepare(sql: Sql): Promise<void> {
  await eventually(async () => (await sql.rows('SHOW BACKENDS')).every((r) => r.Alive === 'true'), {
    what: 'backends alive',
  });
  await sql.exec('CREATE DATABASE shop');
  await sql.exec(
    'CREATE TABLE shop.orders (id BIGINT) DISTRIBUTED BY HASH(id) BUCKETS 4 PROPERTIES ("replication_num" = "3")',
  );
  await sql.exec(
    'CREATE TABLE shop.items (id BIGINT) DISTRIBUTED BY HASH(id) BUCKETS 2 PROPERTIES ("replication_num" = "3")',
  );
  await sql.exec(REPO);
}

/** Polls SHOW BACKUP/RESTORE for a label until a final state, recording each state seen. */
async function follow(
  sql: Sql,
  show: string,
  label: string,
): Promise<{ states: string[]; row: Record<string, string | null> }> {
  const states: string[] = [];
  const row = await eventually(
    async () => {
      const r = (await sql.rows(show)).find((x) => x.SnapshotName === label || x.Label === label);
      const state = r?.State ?? '';
      if (state !== '' && states.at(-1) !== state) states.push(state);
      return state === 'FINISHED' || state === 'CANCELLED' ? r : false;
    },
    { intervalMs: 20, what: `${label} to end` },
  );
  return { states, row: row as Record<string, string | null> };
}

test('a backup runs PENDING..FINISHED, one job per database, and lands as a snapshot in the repository', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3, timing: { jobTicksPerState: 2 } });
  const sql = await connect(t, c.fes[0] ?? '');
  await prepare(sql);
  const [repo] = await sql.rows('SHOW REPOSITORIES');
  assert.deepEqual(Object.keys(repo ?? {}), [
    'RepoId',
    'RepoName',
    'CreateTime',
    'IsReadOnly',
    'Location',
    'Broker',
    'Type',
    'ErrMsg',
  ]);
  assert.equal(repo?.RepoName, 's3_repo');
  assert.equal(repo?.Type, 'S3');
  assert.equal(repo?.IsReadOnly, 'false');

  await sql.exec('BACKUP SNAPSHOT shop.snap1 TO s3_repo ON (orders) PROPERTIES ("type" = "full")');
  const busy = await sql.error('BACKUP SNAPSHOT shop.snap2 TO s3_repo');
  assert.equal(busy.message, `${DETAIL}Can only run one backup or restore job of a database at same time`);
  await sql.exec('USE shop');
  assert.deepEqual(await sql.columns('SHOW BACKUP'), BACKUP_COLUMNS);
  const { states, row } = await follow(sql, 'SHOW BACKUP', 'snap1');
  const order = [
    'PENDING',
    'SNAPSHOTING',
    'UPLOAD_SNAPSHOT',
    'UPLOADING',
    'SAVE_META',
    'UPLOAD_INFO',
    'FINISHED',
  ];
  assert.deepEqual(
    states,
    order.filter((x) => states.includes(x)),
    'states follow the Doris order',
  );
  assert.equal(states.at(-1), 'FINISHED');
  assert.ok(states.length >= 4, `several states seen: ${states.join(' ')}`);
  assert.equal(row.DbName, 'shop');
  assert.equal(row.BackupObjs, '[shop.orders]');
  assert.equal(row.Status, '[OK]');
  assert.equal(row.Timeout, '86400');
  assert.match(row.FinishedTime ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

  const snaps = await sql.rows('SHOW SNAPSHOT ON s3_repo');
  assert.equal(snaps.length, 1);
  assert.equal(snaps[0]?.Snapshot, 'snap1');
  assert.match(snaps[0]?.Timestamp ?? '', /^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/);
  assert.equal(snaps[0]?.Status, 'OK');
  const detail = await sql.rows(
    `SHOW SNAPSHOT ON s3_repo WHERE SNAPSHOT = 'snap1' AND TIMESTAMP = '${snaps[0]?.Timestamp}'`,
  );
  assert.deepEqual(Object.keys(detail[0] ?? {}), ['Snapshot', 'Timestamp', 'Database', 'Details', 'Status']);
  assert.equal(detail[0]?.Database, 'shop');

  assert.deepEqual(
    (await sql.rows('SHOW DATABASES')).map((r) => r.Database),
    ['__internal_schema', 'information_schema', 'mysql', 'shop'],
  );

  // A second backup may run once the first has ended.
  await sql.exec('BACKUP SNAPSHOT snap2 TO s3_repo');
  assert.equal((await follow(sql, 'SHOW BACKUP', 'snap2')).row.BackupObjs, '[shop.orders, shop.items]');
});

test('restores: missing timestamp refused, a good one FINISHED with its tables, too many replicas CANCELLED', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3 });
  const sql = await connect(t, c.fes[0] ?? '');
  await prepare(sql);
  await sql.exec('BACKUP SNAPSHOT shop.snap TO s3_repo ON (orders)');
  await sql.exec('USE shop');
  await follow(sql, 'SHOW BACKUP', 'snap');
  const [{ Timestamp: ts } = { Timestamp: '' }] = await sql.rows('SHOW SNAPSHOT ON s3_repo');
  await sql.exec('CREATE DATABASE copy');

  const missing = await sql.error(
    'RESTORE SNAPSHOT copy.snap FROM s3_repo ON (orders) PROPERTIES ("replication_num" = "1")',
  );
  assert.equal(missing.message, `${DETAIL}Missing backup_timestamp property`);

  await sql.exec(
    `RESTORE SNAPSHOT copy.snap FROM s3_repo ON (orders) PROPERTIES ("backup_timestamp" = "${ts}", "replication_num" = "1")`,
  );
  await sql.exec('USE copy');
  assert.deepEqual(await sql.columns('SHOW RESTORE'), RESTORE_COLUMNS);
  const ok = await follow(sql, 'SHOW RESTORE', 'snap');
  assert.deepEqual(ok.states.at(-1), 'FINISHED');
  assert.ok(ok.states.includes('DOWNLOADING') || ok.states.length >= 3, ok.states.join(' '));
  assert.equal(ok.row.ReplicationNum, '1');
  assert.equal(ok.row.Status, '[OK]');
  assert.deepEqual(await sql.rows('SHOW TABLES FROM copy'), [{ Tables_in_copy: 'orders' }]);

  await sql.exec('CREATE DATABASE big');
  await sql.exec(
    `RESTORE SNAPSHOT big.snap FROM s3_repo PROPERTIES ("backup_timestamp" = "${ts}", "replication_num" = "5")`,
  );
  await sql.exec('USE big');
  const failed = await follow(sql, 'SHOW RESTORE', 'snap');
  assert.equal(failed.row.State, 'CANCELLED');
  assert.match(
    failed.row.Status ?? '',
    /replication num should be less than the number of available backends\. replication num is 5, available backend num is 3/,
  );
});

test('the control API fails the next backups; CANCEL BACKUP cancels a running one', async (t) => {
  const c = await standalone(t, { fe: 1, be: 3, timing: { jobTicksPerState: 3 } });
  const sql = await connect(t, c.fes[0] ?? '');
  await prepare(sql);
  await sql.exec('USE shop');
  await c.control.failNextBackups(c.key, 1);
  await sql.exec('BACKUP SNAPSHOT b1 TO s3_repo');
  const failed = await follow(sql, 'SHOW BACKUP', 'b1');
  assert.equal(failed.row.State, 'CANCELLED');
  assert.ok(failed.states.includes('UPLOADING'), 'it failed while uploading');
  assert.match(failed.row.Status ?? '', /^\[COMMON_ERROR, msg: /);
  assert.equal((await c.control.cluster(c.key))?.failNextBackups, 0);

  await sql.exec('BACKUP SNAPSHOT b2 TO s3_repo');
  assert.equal((await follow(sql, 'SHOW BACKUP', 'b2')).row.State, 'FINISHED', 'only the next one failed');

  await sql.exec('BACKUP SNAPSHOT b3 TO s3_repo');
  await sql.exec('CANCEL BACKUP FROM shop');
  const cancelled = (await sql.rows("SHOW BACKUP WHERE SnapshotName = 'b3'"))[0];
  assert.equal(cancelled?.State, 'CANCELLED');
  assert.deepEqual(
    (await sql.rows('SHOW SNAPSHOT ON s3_repo')).map((s) => s.Snapshot),
    ['b2'],
    'failed and cancelled backups leave no snapshot',
  );
  await sql.exec('DROP REPOSITORY s3_repo');
  assert.deepEqual(await sql.rows('SHOW REPOSITORIES'), []);
  assert.equal(
    (await sql.error('BACKUP SNAPSHOT b4 TO s3_repo')).message,
    `${DETAIL}Repository s3_repo does not exist`,
  );
});
