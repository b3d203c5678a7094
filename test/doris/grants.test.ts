/**
 * Roles, GRANT and REVOKE as Doris 2.1 answers them (mysql/privilege/Auth.java, Role.java,
 * analysis/GrantStmt.java, RevokeStmt.java, TablePattern.java, branch-2.1 at 2.1.8): the levels a
 * pattern names, the default role a user's own grants live in, the cells SHOW GRANTS prints and the
 * error texts an initializer has to read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, standalone } from './support.ts';

test('GRANT and REVOKE change what a user holds, by level, and SHOW GRANTS prints it the way Doris does', async (t) => {
  const c = await standalone(t, { fe: 1 });
  const fe = c.fes[0];
  assert.ok(fe);
  const root = await connect(t, fe);
  await root.exec('CREATE DATABASE db1');
  await root.exec("CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'");
  const grants = async () => (await root.rows("SHOW GRANTS FOR 'app'@'%'"))[0];

  // A new user holds its default role's privileges only.
  let g = await grants();
  assert.equal(g?.UserIdentity, "'app'@'%'");
  assert.equal(g?.Password, 'Yes');
  assert.equal(g?.Roles, '');
  assert.equal(g?.GlobalPrivs, null);
  assert.equal(g?.DatabasePrivs, 'internal.information_schema: Select_priv; internal.mysql: Select_priv');
  assert.equal(g?.WorkloadGroupPrivs, 'normal: Usage_priv');

  // Names are case-insensitive; the cell is in Doris' bit order, not the grant's.
  await root.exec('GRANT load_priv, Select_priv ON db1.* TO app');
  await root.exec('GRANT SELECT_PRIV ON internal.db1.* TO app');
  await root.exec('GRANT ALTER_PRIV ON *.* TO app');
  await root.exec('GRANT GRANT_PRIV ON *.*.* TO app');
  g = await grants();
  assert.equal(g?.GlobalPrivs, 'Grant_priv');
  // `*.*` is the current catalog, not global (TablePattern.analyze).
  assert.equal(g?.CatalogPrivs, 'internal: Alter_priv');
  assert.equal(
    g?.DatabasePrivs,
    'internal.db1: Select_priv,Load_priv; internal.information_schema: Select_priv; internal.mysql: Select_priv',
  );

  await root.exec('REVOKE LOAD_PRIV ON db1.* FROM app');
  g = await grants();
  assert.match(String(g?.DatabasePrivs), /^internal\.db1: Select_priv; /);
  // Revoking what the level holds not at all is silent; a level never granted is an error.
  await root.exec('REVOKE DROP_PRIV ON db1.* FROM app');
  const never = await root.error('REVOKE SELECT_PRIV ON db2.* FROM app');
  assert.equal(
    never.message,
    'errCode = 2, detailMessage = internal.db2.* does not exist in role default_role_rbac_app@%',
  );

  // Roles: created empty, granted privileges, granted to users; their privileges show in the cells.
  await root.exec('CREATE ROLE analyst');
  await root.exec("GRANT SELECT_PRIV ON internal.db1.* TO ROLE 'analyst'");
  await root.exec("GRANT 'analyst' TO 'app'@'%'");
  g = await grants();
  assert.equal(g?.Roles, 'analyst');
  const dup = await root.error('CREATE ROLE analyst');
  assert.match(dup.message, /detailMessage = Role role: analyst, .* already exists$/);
  await root.exec("REVOKE 'analyst' FROM app");
  assert.equal((await grants())?.Roles, '');
  await root.exec('DROP ROLE analyst');
  assert.equal(
    (await root.error("GRANT 'analyst' TO app")).message,
    'errCode = 2, detailMessage = role:analyst does not exist',
  );
});

test('GRANT refuses what Doris refuses, with its words', async (t) => {
  // 2.1.8: names are checked (#39856, 2.1.6), except with CREATE_PRIV (#45166, 2.1.8).
  const c = await standalone(t, { fe: 1, version: '2.1.8' });
  const fe = c.fes[0];
  assert.ok(fe);
  const root = await connect(t, fe);
  await root.exec("CREATE USER 'app'@'%'");
  const says = async (sql: string, detail: string, errno = 1105) => {
    const e = await root.error(sql);
    assert.equal(e.errno, errno, sql);
    assert.equal(
      e.message,
      detail.startsWith('Syntax') ? e.message : `errCode = 2, detailMessage = ${detail}`,
      sql,
    );
    if (detail.startsWith('Syntax')) assert.match(e.message, /Syntax error/);
  };
  await says(
    'GRANT ADMIN_PRIV ON *.* TO app',
    'ADMIN_PRIV and NODE_PRIV can only be granted/revoke on/from *.*.*',
  );
  await says('GRANT USAGE ON *.*.* TO app', 'Unknown privilege type USAGE');
  await says('GRANT SELECT ON *.*.* TO app', 'Syntax');
  await says('GRANT SELECT_PRIV ON nodb.* TO app', 'database:nodb does not exist');
  await says('GRANT SELECT_PRIV ON *.*.* TO nobody', "user 'nobody'@'%' does not exist");
  await says(
    'GRANT USAGE_PRIV ON *.*.* TO app',
    'Can not grant/revoke Usage_priv to/from any other users or roles',
  );
  await says("GRANT 'operator' TO app", 'Can not grant role: operator');
  await says('GRANT SELECT_PRIV ON *.db1.* TO app', 'Do not support format: *.db1.*');
  await says("CREATE USER 'app'@'%'", "User 'app'@'%' already exist");
  await says("DROP USER 'nobody'@'%'", 'User `nobody`@`%` does not exist.');
  await says("DROP USER 'admin'@'%'", 'Can not drop system user', 5064);
  await says("SET PASSWORD FOR 'nobody'@'%' = PASSWORD('x')", "user 'nobody'@'%' does not exist", 1228);
  // CREATE_PRIV may be granted on a database not created yet (2.1.8: #45125).
  await root.exec('GRANT CREATE_PRIV, SELECT_PRIV ON later.* TO app');
  await root.exec("DROP USER IF EXISTS 'nobody'@'%'");
  await root.exec("GRANT USAGE_PRIV ON WORKLOAD GROUP 'normal' TO app");

  // User properties (UserProperty.update): the workload group must exist; tags print as Tag.toString.
  await says("SET PROPERTY FOR 'app' 'default_workload_group' = 'g1'", 'workload group g1 not exists');
  await says("SET PROPERTY FOR 'nobody' 'default_workload_group' = 'normal'", 'Unknown user(nobody)');
  await root.exec("CREATE WORKLOAD GROUP IF NOT EXISTS g1 PROPERTIES ('cpu_share' = '10')");
  await root.exec(
    "SET PROPERTY FOR 'app' 'default_workload_group' = 'g1', 'resource_tags.location' = 'group_a,group_b'",
  );
  const props = new Map((await root.rows("SHOW PROPERTY FOR 'app'")).map((r) => [r.Key, r.Value]));
  assert.equal(props.get('default_workload_group'), 'g1');
  assert.equal(props.get('resource_tags'), '{"location" : "group_a"}, {"location" : "group_b"}');
  assert.deepEqual(await root.rows("SHOW PROPERTY FOR 'nobody'"), []);
});

test('GRANT on a database that does not exist, per release: accepted before 2.1.6 and 3.0.3, refused after', async (t) => {
  for (const [version, refused] of [
    ['2.0.15', false],
    ['2.1.5', false],
    ['2.1.7', true],
    ['3.0.2', false],
    ['3.0.3', true],
  ] as const) {
    const c = await standalone(t, { fe: 1, version });
    const fe = c.fes[0];
    assert.ok(fe);
    const root = await connect(t, fe);
    await root.exec("CREATE USER 'app'@'%'");
    const outcome = await root.exec('GRANT SELECT_PRIV ON later.* TO app').then(
      () => 'granted',
      (err: Error) => err.message,
    );
    if (refused) assert.match(outcome, /database:later does not exist/, version);
    else assert.equal(outcome, 'granted', version);
    // On 2.1.7 CREATE_PRIV is not exempt yet (#45166 is 2.1.8); on 3.0.3 neither.
    if (refused)
      assert.match(
        await root.exec('GRANT CREATE_PRIV, SELECT_PRIV ON later.* TO app').then(
          () => 'granted',
          (err: Error) => err.message,
        ),
        /database:later does not exist/,
        version,
      );
  }
});
