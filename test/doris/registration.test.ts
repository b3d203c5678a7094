/**
 * The entrypoints' start-up, as shipped: be_entrypoint.sh (branch-2.1 L146-200, the same in 3.0) loops
 * forever without an FE master, so the BE process never starts; an FE dropped from the cluster exits at
 * start on its old meta (Env.checkCurrentNodeExist), so its pod crash-loops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { standaloneSpec } from '../support/doris/standalone.ts';
import { eventually } from '../support/env.ts';
import { connect, standalone } from './support.ts';

test('a BE whose FE has no master never starts, however long it waits; it starts once a master appears', async (t) => {
  const c = await standalone(t, { fe: 3, be: 0, timing: { registerTimeoutMs: 500 } });
  const [, fe1, fe2] = c.fes;
  assert.ok(fe1 && fe2);
  // Two of three followers gone: no master.
  c.sim.kill(fe1.spec.key);
  c.sim.kill(fe2.spec.key);
  await eventually(() => c.sim.cluster('standalone/fe').frontends.master === undefined, {
    what: 'no master',
  });
  const be = await c.sim.launch(
    standaloneSpec('be', 'be-late', 0, `${c.network}.60`, { env: { ENV_FE_ADDR: `${c.network}.1` } }),
  );
  await sleep(2000); // four times the registration timeout
  assert.notEqual(be.state, 'running', 'no process without a master');
  assert.equal(be.shouldListen(), false, 'its ports (and so its readiness probe) stay closed');
  c.sim.restart(fe1.spec.key);
  await eventually(() => be.state === 'running', {
    timeoutMs: 20_000,
    what: 'the BE to start once a master is back',
  });
  assert.ok(
    c.sim.cluster('standalone/fe').backends.list.some((b) => b.host === be.spec.host),
    'registered',
  );
});

test('an FE dropped from the cluster and restarted on its old meta exits at start, again and again', async (t) => {
  const c = await standalone(t, { fe: 4, be: 0 });
  const fe3 = c.fes[3];
  assert.ok(fe3);
  const sql = await connect(t, c.fes[0] ?? '');
  await sql.exec(`ALTER SYSTEM DROP OBSERVER "${fe3.spec.host}:9010"`);
  c.sim.restart(fe3.spec.key);
  await eventually(
    async () =>
      (await c.control.log()).filter(
        (e) => e.member === fe3.spec.key && /is not added to the cluster, will exit/.test(e.text),
      ).length >= 2,
    { what: 'the dropped FE crash-looping' },
  );
  assert.equal(fe3.shouldListen(), false, 'never ready');
});
