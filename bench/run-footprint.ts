/**
 * Runs the footprint benchmark on a private control plane (its API server keeping an audit log of
 * the operator's requests) and simulator, and records the result under bench/results/:
 * `node bench/run-footprint.ts [clusters] [cutOff] [restSeconds]` (default 100, 10, 60);
 * `BENCH_KEEP_AUDIT=1` keeps the API server's audit log of the operator's requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCrds } from '../test/api/support.ts';
import { privateEnvironment } from '../test/support/env.ts';
import { measureIdle, measureManyClusters, measureOneCluster } from './footprint.ts';
import { footprintTable, officialFigures } from './footprint-table.ts';
import { auditArgs, buildOperator, imageNodeFlags, OperatorProcess } from './operator-process.ts';
import { recordResult } from './record.ts';

const [clusters = 100, cutOff = 10, restSeconds = 60] = process.argv.slice(2).map(Number);

buildOperator();
const dir = mkdtempSync(join(tmpdir(), 'doris-bench-audit-'));
const audit = auditArgs(dir);
const env = await privateEnvironment({}, undefined, { apiServerArgs: audit.args });
let operator: OperatorProcess | undefined;
try {
  await installCrds();
  operator = await OperatorProcess.start(env.controlPlane);
  const ctx = {
    admin: env.controlPlane.client(),
    sim: env.simulator.client,
    operator,
    auditLog: audit.logPath,
  };
  const idle = await measureIdle(ctx, restSeconds);
  console.error('idle:', JSON.stringify(idle));
  const one = await measureOneCluster(ctx, 'bench-one', restSeconds);
  console.error('one cluster:', JSON.stringify(one));
  const many = await measureManyClusters(ctx, 'bench-many', clusters, cutOff, restSeconds);
  const figures = {
    operator: 'dist/cli/main.js (the image build), own process, every namespace',
    nodeFlags: imageNodeFlags(),
    simulatorTiming: await env.simulator.client.timing(),
    idle,
    one,
    many,
    official: officialFigures,
  };
  recordResult('footprint', figures);
  console.log(footprintTable(figures));
} finally {
  await operator?.stop();
  await env.stop();
  if (process.env.BENCH_KEEP_AUDIT) console.error(`audit log kept: ${audit.logPath}`);
  else rmSync(dir, { recursive: true, force: true });
}
