/**
 * Keeps the footprint benchmark working, with the same code as bench/run-footprint.ts and small
 * inputs: 3 clusters, one of them with an FE that holds its replies, 3 s at rest. Figures are not
 * asserted (they are recorded by `npm run bench`); what holds at any scale is: no API read and no
 * write at rest, every child object made by one pass, a cut-off FE does not stop the others.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { installCrds } from '../test/api/support.ts';
import { type PrivateEnvironment, privateEnvironment } from '../test/support/env.ts';
import { type FootprintContext, measureIdle, measureManyClusters, measureOneCluster } from './footprint.ts';
import { auditArgs, buildOperator, OperatorProcess } from './operator-process.ts';

let env: PrivateEnvironment;
let ctx: FootprintContext;
const dir = mkdtempSync(join(tmpdir(), 'doris-bench-audit-'));

before(async () => {
  buildOperator();
  const audit = auditArgs(dir);
  env = await privateEnvironment({}, undefined, { apiServerArgs: audit.args });
  await installCrds();
  const operator = await OperatorProcess.start(env.controlPlane);
  ctx = { admin: env.controlPlane.client(), sim: env.simulator.client, operator, auditLog: audit.logPath };
});

after(async () => {
  await ctx?.operator.stop();
  await env?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the footprint benchmark runs: idle, one cluster, and three clusters with one FE cut off', async () => {
  const idle = await measureIdle(ctx, 3);
  assert.ok(idle.rssMiB > 0 && idle.heap.usedMiB > 0);
  assert.deepEqual(idle.rest.requests, { reads: 0, writes: 0, watches: 0, writesTo: {} });

  const one = await measureOneCluster(ctx, 'fp-one', 3);
  const objects = one.children.map((c) => c.object);
  for (const o of [
    'statefulsets/doris-fe',
    'statefulsets/doris-be',
    'services/doris-fe',
    'configmaps/doris-be-config',
  ])
    assert.ok(objects.includes(o), `${o} among ${objects.join()}`);
  assert.ok(one.credentialsRecordedMs !== undefined, 'the operator account recorded once an FE answered');
  assert.equal(one.rest.requests?.reads, 0, 'no API read at rest');
  assert.equal(one.rest.dorisConnections, 0, 'no new Doris connection at rest');
  assert.ok(one.statusFollowsDoris.beDiedMs > 0);

  const many = await measureManyClusters(ctx, 'fp-many', 3, 1, 3);
  assert.ok(many.readyS > 0 && many.membersAliveS > 0);
  assert.equal(many.rest.requests?.reads, 0, 'no API read at rest');
});
