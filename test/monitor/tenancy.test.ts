/**
 * Two managed DorisMonitors, each running a real Prometheus: one in a namespace that enforces the
 * restricted pod security profile watching a cluster in another namespace (a RoleBinding there,
 * removed by its finalizer), one beside its cluster. Each sees only its own cluster's members and
 * cannot read the other namespace's pods; deleting a monitor deletes what it created, and its
 * Prometheus claim goes or stays as storageRetention says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dorisMonitorKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { bindingName } from '../../src/monitor/names.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { createCluster, waitReady } from '../cluster/support.ts';
import { clientAs, eventually, newNamespace, testEnv } from '../support/env.ts';
import { activeTargets, createMonitor, runManagedPrometheus, startMonitoringOperator } from './support.ts';

test('monitors in two namespaces see only their own clusters, run restricted, and clean up on deletion', async (t) => {
  const { client } = await testEnv();
  const nsA = await newNamespace(t, 'mon-a');
  const nsB = await newNamespace(t, 'mon-b');
  const nsM = await newNamespace(t, 'mon-m');
  await client.request({
    method: 'PATCH',
    path: objectPath(builtin.Namespace, undefined, nsM),
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  });
  await startMonitoringOperator(t, [nsA, nsB, nsM], { targetsPollMs: 2000 });
  const small = { version: '2.1.8', fe: { replicas: 1 }, be: { replicas: 1 } };
  await createCluster(nsA, 'a', small);
  await createCluster(nsB, 'b', small);
  await createMonitor(nsM, 'mon-a', {
    clusterRefs: [{ name: 'a', namespace: nsA }],
    prometheus: { scrapeInterval: '1s' },
    storageRetention: 'Delete',
  });
  await createMonitor(nsB, 'mon-b', { clusterRefs: [{ name: 'b' }], prometheus: { scrapeInterval: '1s' } });
  await Promise.all([waitReady(nsA, 'a', 120_000), waitReady(nsB, 'b', 120_000)]);

  // Every part of mon-a runs in the restricted namespace: the API server admitted each pod.
  for (const pod of ['mon-a-prometheus-0', 'mon-a-loki-0'])
    await eventually(
      async () =>
        (
          await client
            .request<KubeObject>({ method: 'GET', path: objectPath(builtin.Pod, nsM, pod) })
            .catch(() => undefined)
        )?.status?.phase === 'Running',
      { timeoutMs: 60_000, what: `${pod} admitted and running` },
    );
  for (const deployment of ['mon-a-grafana', 'mon-a-log-collector'])
    await eventually(
      async () =>
        (
          await client.request<KubeObject>({
            method: 'GET',
            path: objectPath(builtin.Deployment, nsM, deployment),
          })
        ).status?.readyReplicas === 1,
      { timeoutMs: 60_000, what: `${deployment} ready` },
    );

  const [promA, promB] = await Promise.all([
    runManagedPrometheus(t, nsM, 'mon-a'),
    runManagedPrometheus(t, nsB, 'mon-b'),
  ]);
  for (const [prom, ns, cluster] of [
    [promA, nsA, 'a'],
    [promB, nsB, 'b'],
  ] as const) {
    const targets = await eventually(
      async () => {
        const list = (await activeTargets(prom.url)).filter((x) => x.labels.job === 'doris');
        return list.length === 2 && list.every((x) => x.health === 'up') ? list : undefined;
      },
      { timeoutMs: 60_000, what: `2 targets up for ${cluster}` },
    );
    assert.deepEqual(targets.map((x) => `${x.labels.namespace}/${x.labels.cluster}/${x.labels.pod}`).sort(), [
      `${ns}/${cluster}/${cluster}-be-0`,
      `${ns}/${cluster}/${cluster}-fe-0`,
    ]);
  }

  // mon-b's Prometheus is bound in its own namespace only.
  const asB = await clientAs(nsB, 'mon-b-prometheus');
  await asB.request({ method: 'GET', path: collectionPath(builtin.Pod, nsB) });
  await assert.rejects(
    asB.request({ method: 'GET', path: collectionPath(builtin.Pod, nsA) }),
    /403|forbidden/i,
  );
  asB.close();

  // mon-a's binding lives in nsA; deleting mon-a removes it (finalizer), its parts and its claim.
  const binding = bindingName(nsM, 'mon-a', 'prometheus');
  await client.request({ method: 'GET', path: objectPath(builtin.RoleBinding, nsA, binding) });
  const claimA = 'data-mon-a-prometheus-0';
  await client.request({ method: 'GET', path: objectPath(builtin.PersistentVolumeClaim, nsM, claimA) });
  await promA.stop();
  await client.request({ method: 'DELETE', path: objectPath(dorisMonitorKind.resource, nsM, 'mon-a') });
  const gone = (path: string) =>
    client.request({ method: 'GET', path }).then(
      () => false,
      () => true,
    );
  await eventually(
    async () =>
      (await gone(objectPath(dorisMonitorKind.resource, nsM, 'mon-a'))) &&
      (await gone(objectPath(builtin.RoleBinding, nsA, binding))) &&
      (await gone(objectPath(builtin.StatefulSet, nsM, 'mon-a-prometheus'))) &&
      (await gone(objectPath(builtin.Deployment, nsM, 'mon-a-grafana'))) &&
      (await gone(objectPath(builtin.ConfigMap, nsM, 'mon-a-prometheus-config'))) &&
      (await gone(objectPath(builtin.PersistentVolumeClaim, nsM, claimA))),
    { timeoutMs: 90_000, what: 'mon-a, its binding in the cluster namespace, its parts and its claim gone' },
  );

  // mon-b keeps its claim (storageRetention Retain, the default).
  await promB.stop();
  await client.request({ method: 'DELETE', path: objectPath(dorisMonitorKind.resource, nsB, 'mon-b') });
  await eventually(async () => await gone(objectPath(builtin.StatefulSet, nsB, 'mon-b-prometheus')), {
    timeoutMs: 90_000,
    what: 'mon-b-prometheus gone',
  });
  await client.request({
    method: 'GET',
    path: objectPath(builtin.PersistentVolumeClaim, nsB, 'data-mon-b-prometheus-0'),
  });
});
