/**
 * Two managers share one lease: exactly one reconciles; a killed leader is replaced once its lease
 * expires; a leader stopped with SIGTERM releases the lease and is replaced at once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';

interface Proc {
  readonly id: string;
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  leaderSince?: number;
  exitCode?: number | null;
}

const fixture = resolve(import.meta.dirname, 'fixtures/lease-manager.ts');

function startManager(kubeconfig: string, ns: string, id: string): Proc {
  const child = spawn(process.execPath, [fixture, kubeconfig, ns, id], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const proc: Proc = { id, child, lines: [] };
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      proc.lines.push(line);
      if (line.msg === 'became leader') proc.leaderSince = performance.now();
    }
  });
  child.once('exit', (code) => {
    proc.exitCode = code;
  });
  return proc;
}

const reconciled = (p: Proc) =>
  p.lines.filter((l) => l.msg === 'reconciled').map((l) => String(l.reconciled));

test('exactly one manager reconciles; failover after a crash and after SIGTERM', async (t) => {
  const { client, info } = await testEnv();
  const ns = await newNamespace(t, 'lease');
  const procs: Proc[] = [];
  t.after(() => {
    for (const p of procs) p.child.kill('SIGKILL');
  });
  const start = (id: string) => {
    const p = startManager(info.kubeconfigPath, ns, id);
    procs.push(p);
    return p;
  };
  const createCM = (name: string) =>
    client.request({
      method: 'POST',
      path: collectionPath(builtin.ConfigMap, ns),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { 'lease-test': 'yes' } } },
    });

  const a = start('manager-a');
  const b = start('manager-b');
  const first = await eventually(() => [a, b].find((p) => p.leaderSince !== undefined), { what: 'a leader' });
  const standby = first === a ? b : a;
  for (const n of ['one', 'two', 'three']) await createCM(n);
  await eventually(() => reconciled(first).length >= 3, { what: 'the leader to reconcile' });
  assert.deepEqual(reconciled(standby), [], 'the standby reconciles nothing');
  assert.equal(standby.leaderSince, undefined);

  // A crash: the lease is not released, so the standby waits for it to expire (4 s).
  const killedAt = performance.now();
  first.child.kill('SIGKILL');
  await eventually(() => standby.leaderSince !== undefined, {
    what: 'the standby to take over',
    timeoutMs: 15_000,
  });
  const crashHandover = (standby.leaderSince ?? 0) - killedAt;
  assert.ok(
    crashHandover >= 3000 && crashHandover < 4000 + 2500,
    `handover after a crash took ${crashHandover} ms`,
  );
  await createCM('four');
  await eventually(() => reconciled(standby).includes(`${ns}/four`), { what: 'the new leader to reconcile' });

  // A graceful stop releases the lease: the next standby takes over well before expiry.
  const c = start('manager-c');
  await eventually(() => c.lines.some((l) => l.msg === 'manager started'), { what: 'manager-c to start' });
  const stoppedAt = performance.now();
  standby.child.kill('SIGTERM');
  await eventually(() => c.leaderSince !== undefined, { what: 'manager-c to take over', timeoutMs: 10_000 });
  const graceful = (c.leaderSince ?? 0) - stoppedAt;
  assert.ok(graceful < 2000, `handover after SIGTERM took ${graceful} ms (lease duration is 4000 ms)`);
  await eventually(() => standby.exitCode !== undefined, { what: 'the old leader to exit' });
  assert.equal(standby.exitCode, 0, 'SIGTERM is a clean exit');
});
