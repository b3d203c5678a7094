/**
 * Two replicas of `doris-operator webhook` (separate processes, as the Deployment runs them)
 * behind a Service-like balancer, sharing one certificate Secret. Under a steady stream of
 * admissions one replica is stopped the way Kubernetes stops a pod (SIGTERM): its readiness
 * fails, it keeps answering through the shutdown delay while the balancer moves new connections
 * to the other replica, finishes what is in flight, and exits. No admission fails, before,
 * during or after; then it is started again and takes traffic.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dorisClusterKind } from '../../src/api/v1alpha1/doris-cluster.ts';
import { collectionPath } from '../../src/kube/resources.ts';
import { installCrds } from '../api/support.ts';
import { eventually, testEnv } from '../support/env.ts';
import { freePorts } from '../support/ports.ts';
import { Component } from '../support/process.ts';
import { Balancer } from './balancer.ts';
import { baseCluster } from './cases.ts';
import { deleteConfigurations, SCOPE_LABEL, scopedNamespace, waitForWebhook } from './support.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');

test('two replicas: stopping one under load loses no admission', async (t) => {
  await installCrds();
  const { info, client } = await testEnv();
  const scope = `replicas-${Date.now().toString(36)}`;
  const certsNs = await scopedNamespace(t, `certs-${scope}`, 'whcerts');
  const ns = await scopedNamespace(t, scope);
  const names = { validating: `doris-test-validating-${scope}`, mutating: `doris-test-mutating-${scope}` };
  t.after(() => deleteConfigurations(client, names));

  const ports = await freePorts(6);
  const backends = [0, 1].map((i) => ({
    port: ports[i * 3]!,
    readyUrl: `http://127.0.0.1:${ports[i * 3 + 2]}/readyz`,
  }));
  const balancer = await Balancer.start(backends);
  t.after(() => balancer.close());
  const replicas = [0, 1].map(
    (i) =>
      new Component({
        name: `webhook-${i}`,
        binary: process.execPath,
        args: [
          main,
          'webhook',
          `--kubeconfig=${info.kubeconfigPath}`,
          `--listen-address=127.0.0.1:${ports[i * 3]}`,
          `--metrics-bind-address=127.0.0.1:${ports[i * 3 + 1]}`,
          `--health-probe-bind-address=127.0.0.1:${ports[i * 3 + 2]}`,
          `--webhook-url=https://127.0.0.1:${balancer.port}`,
          `--secret-namespace=${certsNs}`,
          `--validating-webhook-configuration=${names.validating}`,
          `--mutating-webhook-configuration=${names.mutating}`,
          `--namespace-selector=${SCOPE_LABEL}=${scope}`,
          '--shutdown-delay=2s',
          '--log-level=warn',
        ],
        logPath: join(info.dir, 'logs', `webhook-${scope}-${i}.log`),
      }),
  );
  // Both start at once, racing for the certificate Secret.
  for (const r of replicas) r.start();
  t.after(() => Promise.all(replicas.map((r) => r.stop())));
  await eventually(() => balancer.readiness.every(Boolean), {
    timeoutMs: 30_000,
    what: 'both replicas ready',
  });
  await waitForWebhook(ns);

  const path = collectionPath(dorisClusterKind.resource, ns);
  const failures: string[] = [];
  let ok = 0;
  let running = true;
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      await client
        .request({ method: 'POST', path, query: { dryRun: 'All' }, body: baseCluster(`load-${w}-${i}`) })
        .then(
          () => ok++,
          (e: unknown) => failures.push(`${new Date().toISOString()} ${String(e)}`),
        );
      await sleep(10);
    }
  };
  const load = Promise.all([worker(0), worker(1), worker(2)]);
  await sleep(3000);
  const before = [...balancer.connections];
  await replicas[0]!.stop(15_000); // SIGTERM: the graceful path
  const afterStop = ok;
  await sleep(3000);
  assert.ok(ok > afterStop, 'admissions go on with one replica');
  replicas[0]!.start();
  await eventually(() => balancer.readiness[0], { timeoutMs: 30_000, what: 'the replica back' });
  const connectionsAtRestart = balancer.connections[0]!;
  await replicas[1]!.stop(15_000); // and the other one, now that the first is back
  await sleep(3000);
  running = false;
  await load;

  assert.deepEqual(failures, [], 'no admission failed');
  assert.ok(before[0]! > 0 && before[1]! > 0, `both replicas served before the stop: ${before}`);
  assert.ok(balancer.connections[0]! > connectionsAtRestart, 'the restarted replica took new connections');
  t.diagnostic(`${ok} admissions, 0 failures, connections per replica ${balancer.connections.join('/')}`);
});
