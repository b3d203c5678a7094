/**
 * A namespaced install (the kustomize overlay's Role, as the operator's ServiceAccount) asked to
 * monitor a cluster in a namespace it does not watch: it cannot grant Prometheus access there, and
 * says so in the monitor's Ready condition, while the parts in its own namespace are deployed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { setupMonitorController } from '../../src/monitor/setup.ts';
import { silentLogger } from '../../src/runtime/log.ts';
import { Manager } from '../../src/runtime/manager.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { installCrds } from '../api/support.ts';
import { clientAs, eventually, newNamespace, testEnv } from '../support/env.ts';
import { createMonitor, getMonitor, installMonitorRoles } from './support.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

test('a namespaced install cannot watch another namespace for a monitor, and says so', async (t) => {
  await installCrds();
  await installMonitorRoles();
  const { client } = await testEnv();
  const ns = await newNamespace(t, 'mon-nsd');
  const other = await newNamespace(t, 'mon-away');
  // The overlay's manager Role (namespaced install), bound to a ServiceAccount of this namespace.
  const [role] = parseAllDocuments(
    readFileSync(join(repoRoot, 'config/overlays/namespaced/tenant_rbac.yaml'), 'utf8'),
  ).map((d) => d.toJS() as KubeObject);
  assert.equal(role?.kind, 'Role');
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Role, ns),
    body: { ...role, metadata: { name: 'op', namespace: ns } },
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ServiceAccount, ns),
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'op' } },
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.RoleBinding, ns),
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'op' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'op' },
      subjects: [{ kind: 'ServiceAccount', name: 'op', namespace: ns }],
    },
  });
  const manager = new Manager({
    client: await clientAs(ns, 'op'),
    logger: silentLogger,
    identity: 'nsd',
    namespaces: [ns],
  });
  setupMonitorController(manager);
  await manager.start();
  t.after(() => manager.stop());

  await createMonitor(ns, 'm', { clusterRefs: [{ name: 'doris' }, { name: 'far', namespace: other }] });
  await eventually(
    async () => {
      const ready = ((await getMonitor(ns, 'm')).status?.conditions ?? []).find(
        (c: { type: string }) => c.type === 'Ready',
      );
      return ready?.reason === 'NamespaceNotWatched' && ready.message.includes(other);
    },
    { timeoutMs: 30_000, what: 'Ready=False, NamespaceNotWatched naming the namespace' },
  );
  // What it may do, it did: the parts and the binding in its own namespace.
  await client.request({ method: 'GET', path: objectPath(builtin.StatefulSet, ns, 'm-prometheus') });
  const bindings = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.RoleBinding, ns),
  });
  assert.ok(
    bindings.items.some((b) => (b.roleRef as { name: string }).name === 'doris-operator-monitor-prometheus'),
  );
  const away = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.RoleBinding, other),
  });
  assert.deepEqual(
    away.items.filter((b) => b.metadata.name.startsWith('doris-monitor.')),
    [],
  );
});
