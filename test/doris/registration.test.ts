/**
 * be_entrypoint.sh registration (branch-2.1 L146-200, the same in 3.0): with no FE master the script
 * loops forever and the BE process never starts; once a master answers it registers and starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { standaloneSpec } from '../support/doris/standalone.ts';
import { eventually } from '../support/env.ts';
import { standalone } from './support.ts';

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
