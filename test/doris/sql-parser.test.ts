/** The statement parser: what each admin, client and entrypoint statement becomes, and what is refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitStatements } from '../support/doris/sql/lexer.ts';
import { parseStatement } from '../support/doris/sql/parser.ts';
import type { Statement } from '../support/doris/sql/statements.ts';

const parse = (sql: string): Statement => {
  const [stmt] = splitStatements(sql);
  assert.ok(stmt, sql);
  return parseStatement(stmt);
};

const cases: [string, Partial<Statement> & { kind: Statement['kind'] }][] = [
  ['show frontends;', { kind: 'showFrontends' }],
  ["SHOW PROC '/frontends/'", { kind: 'showFrontends' }],
  ['SELECT * FROM frontends()', { kind: 'select', from: 'frontends' }],
  ["show proc '/backends'", { kind: 'showBackends' }],
  ['SHOW BROKER', { kind: 'showBrokers' }],
  [
    'ALTER SYSTEM ADD FOLLOWER "fe-1.svc:9010"',
    { kind: 'addFrontend', role: 'FOLLOWER', hostPort: 'fe-1.svc:9010' },
  ],
  ["alter system drop observer 'h:9010'", { kind: 'dropFrontend', role: 'OBSERVER', hostPort: 'h:9010' }],
  [
    'ALTER SYSTEM ADD BACKEND "a:9050", "b:9050" PROPERTIES ("tag.location" = "g1")',
    { kind: 'addBackend', hostPorts: ['a:9050', 'b:9050'], props: { 'tag.location': 'g1' } },
  ],
  ['ALTER SYSTEM DROP BACKEND "a:9050"', { kind: 'dropBackend', force: false, targets: ['a:9050'] }],
  ['ALTER SYSTEM DROPP BACKEND "10002"', { kind: 'dropBackend', force: true, targets: ['10002'] }],
  [
    'ALTER SYSTEM DECOMMISSION BACKEND "10002","10003"',
    { kind: 'decommissionBackend', targets: ['10002', '10003'] },
  ],
  ['CANCEL ALTER SYSTEM DECOMMISSION BACKEND "a:9050"', { kind: 'cancelDecommission', targets: ['a:9050'] }],
  [
    'ALTER SYSTEM MODIFY BACKEND "a:9050" SET ("disable_query"="false","disable_load"="false")',
    { kind: 'modifyBackend', targets: ['a:9050'], props: { disable_query: 'false', disable_load: 'false' } },
  ],
  ['ALTER SYSTEM ADD BROKER hdfs "b:8000"', { kind: 'addBroker', name: 'hdfs', hostPorts: ['b:8000'] }],
  ['ALTER SYSTEM DROP ALL BROKER hdfs', { kind: 'dropAllBroker', name: 'hdfs' }],
  [
    'admin set frontend config("disable_balance"="true")',
    { kind: 'setConfig', all: false, props: { disable_balance: 'true' } },
  ],
  ["SHOW FRONTEND CONFIG LIKE '%balance%'", { kind: 'showConfig', pattern: '%balance%' }],
  [
    "SET PASSWORD FOR 'root' = PASSWORD('x')",
    { kind: 'setPassword', user: { name: 'root', host: '%' }, plain: 'x' },
  ],
  [
    "SET PASSWORD FOR 'root'@'%' = '*6BB4'",
    { kind: 'setPassword', user: { name: 'root', host: '%' }, hash: '*6BB4' },
  ],
  [
    "CREATE USER IF NOT EXISTS 'op'@'%' IDENTIFIED BY 'pw' DEFAULT ROLE 'admin'",
    { kind: 'createUser', user: { name: 'op', host: '%' }, ifNotExists: true, plain: 'pw', role: 'admin' },
  ],
  [
    'GRANT NODE_PRIV ON *.*.* TO op',
    {
      kind: 'grantPrivileges',
      privs: ['NODE'],
      target: { kind: 'table', ctl: '*', db: '*', tbl: '*' },
      to: { user: { name: 'op', host: '%' } },
    },
  ],
  [
    "grant select_priv, Load_priv ON db1.* TO ROLE 'r1'",
    {
      kind: 'grantPrivileges',
      privs: ['SELECT', 'LOAD'],
      target: { kind: 'table', ctl: 'internal', db: 'db1', tbl: '*' },
      to: { role: 'r1' },
    },
  ],
  [
    "REVOKE USAGE_PRIV ON WORKLOAD GROUP 'g1' FROM 'u'@'%'",
    {
      kind: 'revokePrivileges',
      privs: ['USAGE'],
      target: { kind: 'workloadGroup', name: 'g1' },
      to: { user: { name: 'u', host: '%' } },
    },
  ],
  [
    "GRANT 'admin', 'r1' TO 'op'@'%'",
    { kind: 'grantRoles', roles: ['admin', 'r1'], user: { name: 'op', host: '%' } },
  ],
  ["REVOKE 'r1' FROM op", { kind: 'revokeRoles', roles: ['r1'], user: { name: 'op', host: '%' } }],
  ['CREATE ROLE IF NOT EXISTS r1', { kind: 'createRole', name: 'r1', ifNotExists: true }],
  ['DROP ROLE r1', { kind: 'dropRole', name: 'r1', ifExists: false }],
  ['SHOW ALL GRANTS', { kind: 'showGrants', all: true }],
  [
    'CREATE TABLE IF NOT EXISTS db.t (k INT) DUPLICATE KEY(k) PARTITION BY RANGE(k) (PARTITION p1 VALUES LESS THAN ("10"), PARTITION p2 VALUES LESS THAN MAXVALUE) DISTRIBUTED BY HASH(k) BUCKETS 4 PROPERTIES ("replication_num" = "1")',
    {
      kind: 'createTable',
      db: 'db',
      name: 't',
      ifNotExists: true,
      buckets: 4,
      partitions: ['p1', 'p2'],
      props: { replication_num: '1' },
    },
  ],
  [
    'CREATE READ ONLY REPOSITORY `r` WITH S3 ON LOCATION "s3://b/p" PROPERTIES ("s3.region" = "x")',
    { kind: 'createRepository', name: 'r', readOnly: true, type: 'S3', location: 's3://b/p' },
  ],
  [
    'BACKUP SNAPSHOT db.l TO r ON (t1 PARTITION (p1), t2) PROPERTIES ("type" = "full")',
    { kind: 'backup', db: 'db', label: 'l', repo: 'r', tables: ['t1', 't2'], exclude: [] },
  ],
  [
    'BACKUP SNAPSHOT l TO r EXCLUDE (t3)',
    { kind: 'backup', label: 'l', repo: 'r', tables: [], exclude: ['t3'] },
  ],
  [
    'RESTORE SNAPSHOT db.l FROM r ON (t1 AS t9) PROPERTIES ("backup_timestamp"="2022-04-08-15-52-29")',
    { kind: 'restore', db: 'db', label: 'l', repo: 'r', tables: ['t1'] },
  ],
  ["SHOW BACKUP FROM db WHERE SnapshotName = 'l'", { kind: 'showBackup', db: 'db', label: 'l' }],
  ['SHOW RESTORE', { kind: 'showRestore' }],
  [
    "SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'l' AND TIMESTAMP = 't'",
    { kind: 'showSnapshot', repo: 'r', label: 'l', timestamp: 't' },
  ],
  ['CANCEL BACKUP FROM db', { kind: 'cancelJob', type: 'backup', db: 'db' }],
  [
    'SET NAMES utf8mb4 COLLATE utf8mb4_general_ci',
    { kind: 'setVariables', assignments: [{ name: 'names', value: 'utf8mb4' }] },
  ],
  [
    'SET @@session.query_timeout = 60',
    { kind: 'setVariables', assignments: [{ name: 'query_timeout', value: '60' }] },
  ],
  ['USE internal.db', { kind: 'use', db: 'db' }],
  // mysql2's client-side placeholders quote values with single quotes.
  ["ALTER SYSTEM DROP BROKER 'hdfs' 'b:8000'", { kind: 'dropBroker', name: 'hdfs', hostPorts: ['b:8000'] }],
  [
    "ADMIN SET FRONTEND CONFIG ('disable_balance'='true')",
    { kind: 'setConfig', props: { disable_balance: 'true' } },
  ],
  ["ALTER SYSTEM DECOMMISSION BACKEND 'a:9050'", { kind: 'decommissionBackend', targets: ['a:9050'] }],
];

for (const [sql, want] of cases) {
  test(`parses ${sql.slice(0, 70)}`, () => {
    assert.deepEqual({ ...parse(sql), ...want }, parse(sql));
  });
}

test('select items keep their source text as the column label', () => {
  const s = parse('select @@version_comment limit 1');
  assert.equal(s.kind, 'select');
  if (s.kind !== 'select') return;
  assert.equal(s.items[0]?.label, '@@version_comment');
  assert.equal(s.limit, 1);
});

test('comments are dropped and statements split at top-level semicolons only', () => {
  const parts = splitStatements(
    "/* x */ CREATE USER 'a;b' IDENTIFIED BY 'p;w'; -- c\nGRANT NODE_PRIV ON *.*.* TO `a;b`;",
  );
  assert.deepEqual(
    parts.map((p) => p.text),
    ["CREATE USER 'a;b' IDENTIFIED BY 'p;w'", 'GRANT NODE_PRIV ON *.*.* TO `a;b`'],
  );
});

test('anything else is a syntax error in Doris words', () => {
  assert.throws(() => parse('DELETE FROM t'), {
    message: /^errCode = 2, detailMessage = Syntax error in line 1:\nDELETE FROM t/,
  });
  assert.throws(() => parse("SHOW PROC '/jobs'"), /Syntax error/);
});
