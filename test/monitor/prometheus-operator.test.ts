/**
 * PrometheusOperator mode against the Prometheus Operator's own CRDs (v0.94, from its Go module):
 * without them the monitor says so; with them it creates a PodMonitor and a PrometheusRule the
 * CRDs' schemas accept, and dashboard ConfigMaps for Grafana's sidecar, deploys nothing, follows
 * a cluster added to its spec, and its objects go with it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { dorisMonitorKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { dashboards } from '../../src/monitor/dashboards/index.ts';
import { podMonitorType, prometheusRuleType } from '../../src/monitor/prometheus-operator.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';
import { createMonitor, getMonitor, startMonitoringOperator } from './support.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const crdNames = ['podmonitors', 'prometheusrules'];

async function installPrometheusOperatorCrds(): Promise<() => Promise<void>> {
  const { client } = await testEnv();
  const dir = execFileSync('bash', [join(repoRoot, 'hack/prometheus-operator-crds.sh')], {
    encoding: 'utf8',
  }).trim();
  for (const name of crdNames) {
    const crd = parse(readFileSync(join(dir, `monitoring.coreos.com_${name}.yaml`), 'utf8')) as KubeObject;
    await client.request({
      method: 'POST',
      path: collectionPath(builtin.CustomResourceDefinition),
      body: crd,
    });
  }
  await eventually(
    async () => {
      for (const name of crdNames) {
        const crd = await client.request<KubeObject>({
          method: 'GET',
          path: objectPath(builtin.CustomResourceDefinition, undefined, `${name}.monitoring.coreos.com`),
        });
        if (
          !(crd.status?.conditions ?? []).some(
            (c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True',
          )
        )
          return false;
      }
      return true;
    },
    { what: 'Prometheus Operator CRDs established' },
  );
  return async () => {
    for (const name of crdNames)
      await client
        .request({
          method: 'DELETE',
          path: objectPath(builtin.CustomResourceDefinition, undefined, `${name}.monitoring.coreos.com`),
        })
        .catch(() => {});
  };
}

test('PrometheusOperator mode: PodMonitor, PrometheusRule and dashboards for an existing Prometheus Operator', async (t) => {
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'mon-po');
  const other = await newNamespace(t, 'mon-po2');
  await startMonitoringOperator(t, [ns, other]);

  // No Prometheus Operator: said plainly, nothing deployed.
  await createMonitor(ns, 'early', { mode: 'PrometheusOperator', clusterRefs: [{ name: 'doris' }] });
  await eventually(
    async () => {
      const m = await getMonitor(ns, 'early');
      const c = (m.status?.conditions ?? []).find((x: { type: string }) => x.type === 'Prometheus');
      return m.status?.phase === 'Failed' && c?.reason === 'PrometheusOperatorMissing';
    },
    { timeoutMs: 30_000, what: 'PrometheusOperatorMissing reported' },
  );
  await client.request({ method: 'DELETE', path: objectPath(dorisMonitorKind.resource, ns, 'early') });

  t.after(await installPrometheusOperatorCrds());
  await createMonitor(ns, 'kps', {
    mode: 'PrometheusOperator',
    clusterRefs: [{ name: 'doris' }],
    prometheusOperator: { labels: { release: 'kube-prometheus-stack' } },
  });
  const get = (type: Parameters<typeof objectPath>[0], name: string) =>
    client.request<KubeObject>({ method: 'GET', path: objectPath(type, ns, name) });
  // Ready once every object of its pass is written.
  await eventually(async () => (await getMonitor(ns, 'kps')).status?.phase === 'Ready', {
    timeoutMs: 30_000,
    what: 'kps Ready',
  });
  const podMonitor = await eventually(() => get(podMonitorType, 'kps-doris').catch(() => undefined), {
    timeoutMs: 30_000,
    what: 'the PodMonitor',
  });
  assert.equal(podMonitor.metadata.labels?.release, 'kube-prometheus-stack');
  assert.deepEqual(podMonitor.spec.namespaceSelector, { matchNames: [ns] });
  assert.deepEqual(
    podMonitor.spec.podMetricsEndpoints.map((e: { port: string }) => e.port),
    ['http', 'webserver'],
  );
  const relabel = podMonitor.spec.podMetricsEndpoints[0].relabelings as {
    targetLabel?: string;
    replacement?: string;
  }[];
  assert.ok(
    relabel.some((r) => r.targetLabel === 'job' && r.replacement === 'doris'),
    'job "doris" as the dashboards expect',
  );
  assert.ok(relabel.some((r) => r.targetLabel === 'cluster'));

  const rule = await get(prometheusRuleType, 'kps-doris');
  const alerts = (rule.spec.groups as { rules: { alert: string }[] }[]).flatMap((g) =>
    g.rules.map((r) => r.alert),
  );
  assert.ok(alerts.includes('DorisBEDown') && alerts.includes('DorisFollowerQuorumLost'), alerts.join());

  for (const d of dashboards()) {
    const cm = await get(builtin.ConfigMap, `kps-${d.uid}`);
    assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
    assert.equal(JSON.parse(cm.data[`${d.uid}.json`]).uid, d.uid);
  }
  // Nothing deployed.
  for (const type of [builtin.StatefulSet, builtin.Deployment]) {
    const list = await client.request<{ items: KubeObject[] }>({
      method: 'GET',
      path: collectionPath(type, ns),
    });
    assert.deepEqual(
      list.items.map((o) => o.metadata.name),
      [],
      `${type.plural} created`,
    );
  }

  // A cluster of another namespace added: the PodMonitor looks there too.
  await client.request({
    method: 'PATCH',
    path: objectPath(dorisMonitorKind.resource, ns, 'kps'),
    contentType: 'application/merge-patch+json',
    body: { spec: { clusterRefs: [{ name: 'doris' }, { name: 'other', namespace: other }] } },
  });
  await eventually(
    async () =>
      (await get(podMonitorType, 'kps-doris')).spec.namespaceSelector.matchNames.join() ===
      [ns, other].sort().join(),
    { timeoutMs: 30_000, what: 'PodMonitor watching both namespaces' },
  );

  // Deleted with the monitor.
  await client.request({ method: 'DELETE', path: objectPath(dorisMonitorKind.resource, ns, 'kps') });
  await eventually(
    async () =>
      (await get(podMonitorType, 'kps-doris').then(
        () => false,
        () => true,
      )) &&
      (await get(builtin.ConfigMap, 'kps-doris-overview').then(
        () => false,
        () => true,
      )),
    { timeoutMs: 60_000, what: 'PodMonitor and dashboards gone with the monitor' },
  );
});
