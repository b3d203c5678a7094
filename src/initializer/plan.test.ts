import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisInitializerSpecSchema } from '../api/v1alpha1/index.ts';
import { grantKeys, levelOf, observeGrants, onClause } from './grants.ts';
import { planUser, type UserRecord } from './plan.ts';
import { scriptsPending, stateOf } from './scripts.ts';
import { rerunnable, scriptProblems, sessionStatement, splitStatements } from './statements.ts';

const userOf = (u: object) =>
  dorisInitializerSpecSchema.parse({ clusterRef: { name: 'c' }, users: [u] }).users[0]!;

test('statements split on ; outside quotes and comments; comment-only pieces are dropped', () => {
  const sql = `-- schema
CREATE TABLE t (s VARCHAR(10) COMMENT 'a;b');  /* ; */
INSERT INTO t VALUES ("x;y"), ('it''s;'), ('a\\';b'); --trailing ;
;
\`odd;name\`;`;
  assert.deepEqual(splitStatements(sql), [
    "-- schema\nCREATE TABLE t (s VARCHAR(10) COMMENT 'a;b')",
    "/* ; */\nINSERT INTO t VALUES (\"x;y\"), ('it''s;'), ('a\\';b')",
    '`odd;name`',
  ]);
  assert.deepEqual(splitStatements('  -- nothing\n'), []);
  assert.deepEqual(splitStatements('--no space needed in Doris\nSELECT 1'), [
    '--no space needed in Doris\nSELECT 1',
  ]);
});

test('what Doris would refuse in a script is found before it runs: # comments, quotes and comments never closed', () => {
  assert.deepEqual(
    scriptProblems("SELECT 1;\n-- fine\nSELECT '#not a comment' # but this is no comment\n;"),
    ['line 3: # starts no comment in Doris (a syntax error there); use -- or /* */'],
  );
  assert.deepEqual(scriptProblems("SELECT 'open;\nSELECT 2;"), ["line 1: the ' quote is never closed"]);
  assert.deepEqual(scriptProblems('SELECT 1; /* never closed'), ['line 1: the /* comment is never closed']);
  assert.deepEqual(scriptProblems('SELECT `a#b`, "c#d" /* # */ -- #\n'), []);
});

test('a statement is run again after a crash only when running it twice changes nothing', () => {
  for (const s of [
    'CREATE DATABASE IF NOT EXISTS d',
    'create table if not exists d.t (k int)',
    'CREATE EXTERNAL TABLE IF NOT EXISTS x (k int)',
    'DROP TABLE IF EXISTS d.t',
    "GRANT SELECT_PRIV ON d.* TO 'u'",
    'SET GLOBAL x = 1',
    '/* c */ SELECT 1',
  ])
    assert.equal(rerunnable(s), true, s);
  for (const s of [
    'INSERT INTO d.t VALUES (1)',
    'CREATE TABLE d.t (k int)',
    'ALTER TABLE d.t ADD COLUMN c INT',
    'DELETE FROM d.t WHERE k = 1',
  ])
    assert.equal(rerunnable(s), false, s);
});

test('levels: 2-part patterns are in the internal catalog; SHOW GRANTS cells read back as the same keys', () => {
  assert.equal(levelOf({ level: 'db1.*' }), 'internal.db1.*');
  assert.equal(levelOf({ level: '*.*' }), 'internal.*.*');
  assert.equal(levelOf({ level: 'hive.db.t' }), 'hive.db.t');
  assert.equal(levelOf({ workloadGroup: 'g' }), 'WORKLOAD GROUP g');
  assert.equal(onClause('internal.db1.*'), '`internal`.`db1`.*');
  assert.equal(onClause("WORKLOAD GROUP g'x"), "WORKLOAD GROUP 'g''x'");
  const observed = observeGrants([
    {
      UserIdentity: "'app'@'%'",
      Roles: 'analyst,default_role_rbac_app@%',
      GlobalPrivs: 'Grant_priv',
      CatalogPrivs: 'internal: Alter_priv',
      DatabasePrivs: 'internal.db1: Select_priv,Load_priv; internal.mysql: Select_priv',
      TablePrivs: 'internal.db1.t: Drop_priv',
      ResourcePrivs: null,
      WorkloadGroupPrivs: 'normal: Usage_priv',
    },
  ]).get('app@%');
  assert.deepEqual([...(observed?.roles ?? [])], ['analyst']);
  const declared = grantKeys([
    { privileges: ['SELECT_PRIV', 'LOAD_PRIV'], level: 'db1.*' },
    { privileges: ['ALTER_PRIV'], level: '*.*' },
    { privileges: ['DROP_PRIV'], level: 'internal.db1.t' },
    { privileges: ['GRANT_PRIV'], level: '*.*.*' },
    { privileges: ['USAGE_PRIV'], workloadGroup: 'normal' },
  ]);
  for (const k of declared) assert.ok(observed?.grants.has(k), k);
});

test('a new user is created with its grants; a known one only gets what it lacks', () => {
  const u = userOf({
    name: 'app',
    passwordSecretRef: { name: 's' },
    roles: ['analyst'],
    grants: [{ privileges: ['SELECT_PRIV', 'LOAD_PRIV'], level: 'db1.*' }],
    defaultWorkloadGroup: 'g1',
  });
  const fresh = planUser(u, undefined, undefined, { password: 'pw', version: '7' });
  assert.deepEqual(
    fresh.steps.map((s) => s.sql),
    [
      'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY PASSWORD ?',
      'GRANT ? TO ?@?',
      'GRANT LOAD_PRIV, SELECT_PRIV ON `internal`.`db1`.* TO ?@?',
      "SET PROPERTY FOR ? 'default_workload_group' = ?",
    ],
  );
  // The hashed form: SHA1(SHA1('pw')), as MySQL's PASSWORD('pw').
  assert.deepEqual(fresh.steps[0]?.values, [
    'app',
    '%',
    { password: '*D821809F681A40A6E379B50D0463EFAE20BDD122' },
  ]);
  assert.ok(
    fresh.steps.every((s) => !s.what.includes('pw')),
    'no password in what is logged',
  );
  const record: UserRecord = fresh.record;

  const observed = observeGrants([
    {
      UserIdentity: "'app'@'%'",
      Roles: 'analyst',
      DatabasePrivs: 'internal.db1: Select_priv,Load_priv',
    },
  ]).get('app@%');
  assert.deepEqual(
    planUser(u, observed, record, { password: 'pw', version: '7' }).steps,
    [],
    'at rest: nothing',
  );
  assert.deepEqual(
    planUser(u, observed, record, { password: 'pw2', version: '8' }).steps.map((s) => s.sql),
    ['SET PASSWORD FOR ?@? = ?'],
    'a new Secret version sets the password',
  );
});

test('what the operator granted and the spec no longer has is revoked; what others granted is left', () => {
  const u = userOf({
    name: 'app',
    passwordSecretRef: { name: 's' },
    grants: [{ privileges: ['SELECT_PRIV'], level: 'db1.*' }],
  });
  const previous: UserRecord = {
    name: 'app',
    host: '%',
    state: 'Present',
    passwordVersion: '1',
    roles: ['analyst'],
    grants: ['LOAD_PRIV@internal.db1.*', 'SELECT_PRIV@internal.db1.*'],
  };
  const observed = observeGrants([
    {
      UserIdentity: "'app'@'%'",
      Roles: 'analyst,ops',
      DatabasePrivs: 'internal.db1: Select_priv,Load_priv,Drop_priv',
    },
  ]).get('app@%');
  const steps = planUser(u, observed, previous, { password: 'pw', version: '1' }).steps.map((s) => s.sql);
  assert.deepEqual(steps, ['REVOKE ? FROM ?@?', 'REVOKE LOAD_PRIV ON `internal`.`db1`.* FROM ?@?']);
});

test('ensure: absent drops a user that exists, and nothing when it is gone', () => {
  const u = userOf({ name: 'old', ensure: 'absent' });
  const observed = observeGrants([{ UserIdentity: "'old'@'%'", Roles: '' }]).get('old@%');
  assert.deepEqual(
    planUser(u, observed, undefined, undefined).steps.map((s) => s.sql),
    ['DROP USER IF EXISTS ?@?'],
  );
  assert.deepEqual(planUser(u, undefined, undefined, undefined).steps, []);
});

test('a run is due while a script has work or an entry that does not say its state; not past a failed one', () => {
  const script = (name: string, digest: string) => ({
    name,
    digest,
    statements: ['SELECT 1'],
    rerunOnChange: false,
    timeoutMs: 1000,
  });
  const a = script('a', 'd1');
  const b = script('b', 'd2');
  const entry = (name: string, digest: string, state: 'Applied' | 'Failed' | 'InDoubt' | 'Changed') => ({
    name,
    digest,
    state,
    statements: 1,
    done: 1,
  });
  const applied = [{ name: 'a', digest: 'd1', at: '2026-01-01T00:00:00Z' }];
  assert.equal(scriptsPending([a, b], {}), true);
  assert.equal(
    scriptsPending([a, b], { applied, scripts: [entry('a', 'd1', 'Applied')] }),
    true,
    'b is to run',
  );
  assert.equal(scriptsPending([a, b], { scripts: [entry('a', 'd1', 'Failed')] }), false, 'b waits for a');
  assert.equal(scriptsPending([a, b], { scripts: [entry('a', 'd1', 'InDoubt')] }), false);
  const changed = script('a', 'd9');
  assert.equal(stateOf(changed, { applied }), 'Changed');
  assert.equal(
    scriptsPending([changed], { applied, scripts: [entry('a', 'd1', 'Applied')] }),
    true,
    'to record Changed',
  );
  assert.equal(scriptsPending([changed], { applied, scripts: [entry('a', 'd9', 'Changed')] }), false);
  assert.equal(stateOf({ ...changed, rerunOnChange: true }, { applied }), 'Pending');
  const recorded = { applied, scripts: [entry('a', 'd9', 'Changed')] };
  assert.equal(
    stateOf({ ...changed, rerunOnChange: true }, recorded),
    'Pending',
    'rerunOnChange turned on later',
  );
});

test("a grant the user already held when it was declared is not recorded as the operator's, so never revoked", () => {
  const u = userOf({
    name: 'app',
    passwordSecretRef: { name: 's' },
    roles: ['analyst'],
    grants: [{ privileges: ['SELECT_PRIV', 'LOAD_PRIV'], level: 'db1.*' }],
  });
  const observed = observeGrants([
    { UserIdentity: "'app'@'%'", Roles: 'analyst', DatabasePrivs: 'internal.db1: Select_priv' },
  ]).get('app@%');
  const plan = planUser(u, observed, undefined, { password: 'pw', version: '1' });
  assert.deepEqual(plan.steps.map((s) => s.sql).slice(-1), ['GRANT LOAD_PRIV ON `internal`.`db1`.* TO ?@?']);
  assert.deepEqual(plan.record.grants, ['LOAD_PRIV@internal.db1.*']);
  assert.deepEqual(plan.record.roles, []);
  // Later both leave the spec: only what the operator added is revoked.
  const now = userOf({ name: 'app', passwordSecretRef: { name: 's' } });
  const held = observeGrants([
    { UserIdentity: "'app'@'%'", Roles: 'analyst', DatabasePrivs: 'internal.db1: Select_priv,Load_priv' },
  ]).get('app@%');
  assert.deepEqual(
    planUser(now, held, plan.record, { password: 'pw', version: '1' }).steps.map((s) => s.sql),
    ['REVOKE LOAD_PRIV ON `internal`.`db1`.* FROM ?@?'],
  );
});

test('the session statements replayed on a new connection: USE, SWITCH and session SET only', () => {
  for (const s of [
    'USE d',
    'use `d`',
    'SWITCH hive',
    "SET time_zone = '+08:00'",
    '/* c */ SET @@session.x = 1',
  ])
    assert.equal(sessionStatement(s), true, s);
  for (const s of [
    'SET GLOBAL x = 1',
    "SET PASSWORD FOR 'u' = PASSWORD('p')",
    "SET PROPERTY FOR 'u' 'k' = 'v'",
    'USERS',
    'INSERT INTO t VALUES (1)',
  ])
    assert.equal(sessionStatement(s), false, s);
});
