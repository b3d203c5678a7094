/**
 * Multi-tenancy: two installs of the chart side by side in namespaced mode, each watching its own
 * tenant namespace, with same-named DorisClusters in both. Each install manages only its own
 * (every request it made stayed in its namespaces; its webhook admitted only its tenant's objects),
 * its tokens cannot read the other tenant (403), and broken clusters in one tenant (an auth Secret
 * that does not exist, an FE cut off the network) do not keep a healthy cluster beside them, in
 * the same operator's queue, from becoming Ready.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { ApiError } from '../../src/kube/rest.ts';
import { installCrds } from '../api/support.ts';
import { getCluster, waitReady } from '../cluster/support.ts';
import { installChart, type LocalProcess, startManager, startWebhook } from '../install/install.ts';
import { applyAsUser, clusterManifest, createAuthSecret } from '../install/scenario.ts';
import { clientAs, eventually, newNamespace, simulator } from '../support/env.ts';

async function status(fn: () => Promise<unknown>): Promise<number> {
  try {
    await fn();
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

function namespacesTouched(p: LocalProcess): Set<string> {
  return new Set(p.proxy.accesses().flatMap((a) => (a.namespace === undefined ? [] : [a.namespace])));
}

test('two namespaced installs side by side: same names, own clusters only, no reads across, fair queues', async (t) => {
  await installCrds();
  const id = randomBytes(3).toString('hex');
  const tenantA = await newNamespace(t, 'tenant-a');
  const tenantB = await newNamespace(t, 'tenant-b');
  const [a, b] = await Promise.all(
    [
      { tenant: tenantA, name: 'a' },
      { tenant: tenantB, name: 'b' },
    ].map(async ({ tenant, name }) => {
      const inst = await installChart(t, {
        release: `tenancy-${name}-${id}`,
        namespace: `tenancy-op-${name}-${id}`,
        values: { watchNamespaces: [tenant] },
      });
      const webhook = await startWebhook(inst);
      const manager = await startManager(inst);
      return { inst, webhook, manager, tenant };
    }),
  );
  assert.ok(a !== undefined && b !== undefined);
  await Promise.all([createAuthSecret(tenantA), createAuthSecret(tenantB)]);

  // Tenant A's broken clusters go first, so the healthy one queues behind their failures.
  await applyAsUser(tenantA, clusterManifest('no-secret', {}, { authSecretRef: { name: 'missing' } }));
  await applyAsUser(tenantA, clusterManifest('cut-off'));
  const sim = await simulator();
  const feKey = `${tenantA}/cut-off-fe-0`;
  await eventually(async () => (await sim.member(feKey)) !== undefined, {
    timeoutMs: 60_000,
    what: `${feKey} to run in the simulator`,
  });
  await sim.setReachable(feKey, false);

  // The same name in both tenants, created at once.
  await Promise.all([tenantA, tenantB].map((ns) => applyAsUser(ns, clusterManifest('doris'))));
  const started = Date.now();
  const timed = async (ns: string) => {
    const dc = await waitReady(ns, 'doris', 90_000);
    return { dc, seconds: (Date.now() - started) / 1000 };
  };
  const [{ dc: readyA, seconds: secondsA }, { dc: readyB, seconds: secondsB }] = await Promise.all([
    timed(tenantA),
    timed(tenantB),
  ]);
  t.diagnostic(`Ready after ${secondsA} s beside broken clusters, ${secondsB} s alone`);
  // The Doris view of a cluster at rest is refreshed every 30 s: that is the only slack allowed.
  assert.ok(secondsA <= secondsB + 31, `beside broken clusters ${secondsA} s, alone ${secondsB} s`);
  assert.equal(readyA.status?.fe?.ready, '1/1');
  assert.equal(readyB.status?.fe?.ready, '1/1');
  // Two distinct Doris clusters under one name.
  const [simA, simB] = await Promise.all([
    sim.cluster(`${tenantA}/doris-fe`),
    sim.cluster(`${tenantB}/doris-fe`),
  ]);
  assert.ok(simA !== undefined && simB !== undefined);
  assert.notEqual(simA.clusterId, simB.clusterId);

  // The broken ones are still not Ready (nothing was papered over), and A kept trying them.
  for (const name of ['no-secret', 'cut-off']) {
    const dc = await getCluster(tenantA, name);
    assert.notEqual(dc.status?.phase, 'Ready', `${name} should not be Ready`);
  }
  assert.ok(
    a.manager.logs.some(
      (l) => l.includes(`"object":"${tenantA}/no-secret"`) && l.includes('reconcile failed'),
    ),
    'the cluster without its Secret was reconciled and failed',
  );
  // Its retries back off, so it cannot hold the workers.
  const retries = a.manager.logs.filter(
    (l) => l.includes(`"object":"${tenantA}/no-secret"`) && l.includes('reconcile failed'),
  ).length;
  assert.ok(retries < 40, `the failing cluster was retried ${retries} times`);

  // Each install touched only its own namespaces, and its webhook admitted only its tenant's objects.
  for (const [mine, other] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const p of [mine.manager, mine.webhook]) {
      assert.deepEqual(p.refusals(), [], `${p.name} was refused`);
      const touched = [...namespacesTouched(p)].filter(
        (ns) => ns !== mine.inst.namespace && ns !== mine.tenant,
      );
      assert.deepEqual(touched, [], `${p.name} reached other namespaces`);
    }
    assert.ok(mine.webhook.logs.some((l) => l.includes(`"namespace":"${mine.tenant}"`)));
    assert.ok(!mine.webhook.logs.some((l) => l.includes(`"namespace":"${other.tenant}"`)));
    // A namespaced install's identities cannot read the other tenant, nor list across namespaces.
    for (const sa of [
      `${mine.inst.release}-doris-operator-controller-manager`,
      `${mine.inst.release}-doris-operator-webhook`,
    ]) {
      const as = await clientAs(mine.inst.namespace, sa);
      t.after(() => as.close());
      const reads = {
        dorisclusters: await status(() =>
          as.request({ method: 'GET', path: objectPath(dorisClusterKind.resource, other.tenant, 'doris') }),
        ),
        secret: await status(() =>
          as.request({ method: 'GET', path: objectPath(builtin.Secret, other.tenant, 'doris-admin') }),
        ),
        pods: await status(() =>
          as.request({ method: 'GET', path: collectionPath(builtin.Pod, other.tenant) }),
        ),
        allPods: await status(() => as.request({ method: 'GET', path: collectionPath(builtin.Pod) })),
        allSecrets: await status(() => as.request({ method: 'GET', path: collectionPath(builtin.Secret) })),
      };
      assert.deepEqual(
        reads,
        { dorisclusters: 403, secret: 403, pods: 403, allPods: 403, allSecrets: 403 },
        sa,
      );
    }
  }
});
