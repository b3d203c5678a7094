/**
 * Users, passwords and privileges through the MySQL protocol, and the entrypoints' account flow:
 * root and admin start without passwords, SET PASSWORD (plain and hash), CREATE USER, GRANT, SHOW
 * GRANTS, and members that register with USER/PASSWD once root has a password.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordHash } from '../../src/doris/password.ts';
import { standaloneSpec } from '../support/doris/standalone.ts';
import { eventually } from '../support/env.ts';
import { connect, loginError, standalone } from './support.ts';

test('root and admin start without a password; SET PASSWORD, CREATE USER and GRANT change who may do what', async (t) => {
  const c = await standalone(t, { fe: 1 });
  const fe = c.fes[0];
  assert.ok(fe);
  const root = await connect(t, fe);
  const admin = await connect(t, fe, { user: 'admin' });

  // admin holds ADMIN_PRIV: it may read the node views but not change the nodes.
  assert.equal((await admin.rows('SHOW FRONTENDS')).length, 1);
  const denied = await admin.error(`ALTER SYSTEM ADD OBSERVER "${c.network}.90:9010"`);
  assert.equal(denied.errno, 1227);

  const [hash] = await root.rows("SELECT PASSWORD('123456')");
  assert.deepEqual(hash, { "PASSWORD('123456')": '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9' });

  await root.exec("CREATE USER 'op'@'%' IDENTIFIED BY 'op-pw'");
  const dup = await root.error("CREATE USER 'op'@'%' IDENTIFIED BY 'x'");
  // Auth.createUserInternal (branch-2.1): "already exist", 1105.
  assert.equal(dup.errno, 1105);
  assert.equal(dup.message, "errCode = 2, detailMessage = User 'op'@'%' already exist");
  await root.exec("CREATE USER IF NOT EXISTS 'op'@'%' IDENTIFIED BY 'x'");
  const op = await connect(t, fe, { user: 'op', password: 'op-pw' });
  assert.equal((await op.error('SHOW BACKENDS')).errno, 1227);
  await root.exec("GRANT NODE_PRIV ON *.*.* TO 'op'@'%'");
  await op.exec(`ALTER SYSTEM ADD BACKEND "${c.network}.91:9050"`);
  assert.equal((await op.rows('SHOW BACKENDS')).length, 1);

  const grants = await root.rows('SHOW ALL GRANTS');
  const byUser = Object.fromEntries(grants.map((g) => [g.UserIdentity, g]));
  assert.equal(byUser["'root'@'%'"]?.Roles, 'operator');
  assert.equal(byUser["'root'@'%'"]?.GlobalPrivs, 'Node_priv,Admin_priv');
  assert.equal(byUser["'admin'@'%'"]?.GlobalPrivs, 'Admin_priv');
  assert.equal(byUser["'op'@'%'"]?.GlobalPrivs, 'Node_priv');
  assert.equal(byUser["'op'@'%'"]?.Password, 'Yes');
  assert.equal(byUser["'root'@'%'"]?.Password, 'No');
  assert.equal((await op.error('SHOW ALL GRANTS')).errno, 1227, 'NODE_PRIV alone does not read grants');
  assert.deepEqual(
    (await op.rows('SHOW GRANTS')).map((g) => g.UserIdentity),
    ["'op'@'%'"],
  );

  // Only root changes root's password; a hash works as well as PASSWORD('x').
  // (SetPassVar.analyze, branch-2.1)
  const notRoot = await op.error("SET PASSWORD FOR 'root' = PASSWORD('x')");
  assert.equal(
    notRoot.message,
    'errCode = 2, detailMessage = Can not set password for root user, except root itself',
  );
  await root.exec("SET PASSWORD FOR 'root'@'%' = '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'");
  const noPassword = await loginError(fe.spec.ip, 'root', '');
  assert.equal(noPassword.message, "Access denied for user 'root@127.0.0.1' (using password: NO)");
  await connect(t, fe, { password: '123456' });
  await root.exec("ALTER USER root@'%' IDENTIFIED BY 'other'");
  await connect(t, fe, { password: 'other' });
  assert.equal((await loginError(fe.spec.ip, 'root', '123456')).errno, 1045);
});

test('2.1 entrypoints create no account: USER and PASSWD are only used to log in', async (t) => {
  const c = await standalone(t, { fe: 2, be: 1, env: { USER: 'k8sop', PASSWD: 'k8s-secret' } });
  const fe0 = c.fes[0];
  assert.ok(fe0);
  const root = await connect(t, fe0);
  const missing = await root.error("SHOW GRANTS FOR 'k8sop'@'%'");
  assert.equal(missing.message, "errCode = 2, detailMessage = User: 'k8sop'@'%' does not exist");
});

test('3.0 entrypoints create USER with NODE_PRIV while root has no password, and log in with it once root has one', async (t) => {
  const env = { USER: 'k8sop', PASSWD: 'k8s-secret' };
  const c = await standalone(t, { fe: 2, be: 1, env, version: '3.0.3' });
  const [fe0, fe1] = c.fes;
  assert.ok(fe0 && fe1);
  const root = await connect(t, fe0);
  const [grant] = await root.rows("SHOW GRANTS FOR 'k8sop'@'%'");
  assert.equal(grant?.GlobalPrivs, 'Node_priv');

  await root.exec("SET PASSWORD FOR 'root' = PASSWORD('rootpw')");
  const since = (await c.control.log()).at(-1)?.seq ?? 0;
  const be = await c.sim.launch(
    standaloneSpec('be', 'be-late', 5, `${c.network}.50`, { env: { ...env, ENV_FE_ADDR: fe1.spec.ip } }),
  );
  await eventually(() => be.state === 'running', { what: 'the late BE started' });
  const rows = await connect(t, fe0, { user: 'k8sop', password: 'k8s-secret' }).then((s) =>
    s.rows('SHOW BACKENDS'),
  );
  assert.ok(
    rows.some((r) => r.Host === `${c.network}.50`),
    'registered with k8sop',
  );

  const log = (await c.control.log({ since })).filter((e) => e.source === 'entrypoint standalone/be-late');
  assert.match(log[0]?.error ?? '', /Access denied for user 'root@/, 'root without a password failed first');
  assert.ok(log.some((e) => e.text.startsWith('ALTER SYSTEM ADD BACKEND') && e.error === undefined));
});

test("a password holding '' sent as client libraries escape it is stored with one quote; the hashed form stores it exactly", async (t) => {
  const c = await standalone(t, { fe: 1 });
  const fe = c.fes[0];
  assert.ok(fe);
  const root = await connect(t, fe);
  const password = "it''s \\ a pass";
  // mysql2 escapes ' as \' and \ as \\ (sqlstring): the legacy parser unescapes, then collapses ''.
  await root.conn.query("CREATE USER 'plain'@'%' IDENTIFIED BY ?", [password]);
  assert.match((await loginError(fe.spec.ip, 'plain', password)).message, /Access denied/);
  await connect(t, fe, { user: 'plain', password: "it's \\ a pass" });
  // The operator's form: the stage-2 hash, hex digits only (src/doris/password.ts).
  await root.conn.query("CREATE USER 'hashed'@'%' IDENTIFIED BY PASSWORD ?", [passwordHash(password)]);
  await connect(t, fe, { user: 'hashed', password });
});
