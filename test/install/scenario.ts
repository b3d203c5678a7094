/**
 * The DorisCluster scenario run against an install: create (through the webhook, with kubectl as a
 * user would), Ready, then scale out, grow a claim and add a BE data directory (StatefulSet
 * replaced, members rolled onto it), Ready again, and a DorisInitializer with a user and a script
 * from a ConfigMap applied to it, a DorisClusterAutoscaler holding its compute nodes, and a managed
 * DorisMonitor whose Loki is then turned off (its parts deleted). These steps make the operator use every right the chart
 * grants it, so a missing rule shows as a refusal and a needless one as an unused rule.
 */
import assert from 'node:assert/strict';
import {
  dorisClusterAutoscalerKind,
  dorisClusterKind,
  dorisInitializerKind,
  dorisMonitorKind,
} from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { createAuthSecret as createBasicAuth, getCluster, waitReady } from '../cluster/support.ts';
import { eventually, testEnv } from '../support/env.ts';
import { listAs } from './install.ts';
import { kubectl, toYamlStream } from './tools.ts';

export function clusterManifest(
  name: string,
  labels: Record<string, string> = {},
  spec: object = {},
): object {
  return {
    apiVersion: dorisClusterKind.apiVersion,
    kind: 'DorisCluster',
    metadata: { name, labels },
    spec: {
      version: '2.1.8',
      authSecretRef: { name: 'doris-admin' },
      // Named classes make the webhook look StorageClasses up (its list right).
      fe: { replicas: 1, storage: { meta: { size: '1Gi', storageClassName: 'standard' } } },
      be: { replicas: 1, storage: { dataDirs: [{ name: 'data1', size: '2Gi', storageClassName: 'fixed' }] } },
      ...spec,
    },
  };
}

/** The clusters' auth Secret (a kubernetes.io/basic-auth Secret for Doris' `admin`). */
export function createAuthSecret(namespace: string, name = 'doris-admin'): Promise<void> {
  return createBasicAuth(namespace, name, 'admin', 'install-test');
}

/** `kubectl apply` as admin: through the admission webhook. Returns stderr (warnings) or throws. */
export async function applyAsUser(namespace: string, manifest: object): Promise<string> {
  const r = await kubectl(['apply', '-n', namespace, '-f', '-'], toYamlStream([manifest]));
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stderr;
}

export async function patchCluster(
  namespace: string,
  name: string,
  spec: object,
): Promise<{ code: number; stderr: string }> {
  const r = await kubectl([
    'patch',
    'doriscluster',
    name,
    '-n',
    namespace,
    '--type=merge',
    '-p',
    JSON.stringify({ spec }),
  ]);
  return { code: r.code, stderr: r.stderr };
}

/** Ready at the current generation with nothing left to do (Progressing False), BE at `be`. */
export function waitSettled(
  namespace: string,
  name: string,
  be: string,
  timeoutMs = 120_000,
): Promise<KubeObject> {
  return eventually(
    async () => {
      const dc = await getCluster(namespace, name);
      const s = dc.status;
      const progressing = (s?.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing');
      return s?.phase === 'Ready' &&
        s.observedGeneration === dc.metadata.generation &&
        progressing?.status === 'False' &&
        s.be?.ready === be
        ? dc
        : false;
    },
    { timeoutMs, what: `${namespace}/${name} to settle with BE ${be}` },
  );
}

/** Create -> Ready -> (refused growth in a fixed class) -> scale, grow, reconfigure -> Ready. */
export async function runScenario(
  namespace: string,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  await createAuthSecret(namespace);
  // The BEs' own conf file from a ConfigMap: the webhook asks whether the user may read it
  // (a SubjectAccessReview) and whether it exists; the operator watches and reads it.
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ConfigMap, namespace),
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-be-conf` },
      data: { 'be.conf': 'max_tablet_version_num = 2000\n' },
    },
  });
  const base = clusterManifest(name, labels) as { spec: { be: object } };
  const warnings = await applyAsUser(namespace, {
    ...base,
    spec: { ...base.spec, be: { ...base.spec.be, configMapRef: { name: `${name}-be-conf` } } },
  });
  assert.doesNotMatch(warnings, /configMapRef/);
  // A reference the webhook could not check (403 on the Secret) would come back as a warning.
  assert.doesNotMatch(warnings, /could not be checked/);
  const created = await waitReady(namespace, name, 90_000);
  // The mutating webhook defaulted the object at admission.
  assert.equal((created.spec as { rollout?: { paused?: boolean } }).rollout?.paused, false);

  // The validating webhook refuses to grow a claim whose class cannot expand: it read the classes.
  const refused = await patchCluster(namespace, name, {
    be: { storage: { dataDirs: [{ name: 'data1', size: '4Gi', storageClassName: 'fixed' }] } },
  });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /does not allow volume expansion/);

  const be0 = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.Pod, namespace, `${name}-be-0`),
  });
  const changed = await patchCluster(namespace, name, {
    fe: { storage: { meta: { size: '2Gi', storageClassName: 'standard' } } },
    // A compute node, for the autoscaler below.
    cn: { replicas: 1 },
    // A new data directory: the StatefulSet is replaced (its pods orphaned) and the BEs roll onto it.
    be: {
      replicas: 2,
      storage: {
        dataDirs: [
          { name: 'data1', size: '2Gi', storageClassName: 'fixed' },
          { name: 'data2', size: '2Gi', storageClassName: 'standard' },
        ],
      },
    },
  });
  assert.equal(changed.code, 0, changed.stderr);
  await waitSettled(namespace, name, '2/2');
  const claim = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.PersistentVolumeClaim, namespace, `meta-${name}-fe-0`),
  });
  assert.equal(claim.spec.resources.requests.storage, '2Gi', 'the FE claim grew');
  const pods = await listAs(collectionPath(builtin.Pod, namespace));
  const be0now = pods.find((p) => p.metadata.name === `${name}-be-0`);
  assert.notEqual(be0now?.metadata.uid, be0.metadata.uid, 'be-0 was restarted onto the new data directory');
  const dc = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(dorisClusterKind.resource, namespace, name),
  });
  assert.equal(dc.status?.observedGeneration, dc.metadata.generation);

  // A DorisInitializer: a user whose password is in a Secret, and a script in a ConfigMap.
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, namespace),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-password' },
      stringData: { password: 'app-pw' },
    },
  });
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.ConfigMap, namespace),
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'init-sql' },
      data: { 'init.sql': 'CREATE DATABASE IF NOT EXISTS app;' },
    },
  });
  await applyAsUser(namespace, {
    apiVersion: dorisInitializerKind.apiVersion,
    kind: 'DorisInitializer',
    metadata: { name: `${name}-init`, labels },
    spec: {
      clusterRef: { name },
      users: [
        {
          name: 'app',
          passwordSecretRef: { name: 'app-password' },
          grants: [{ privileges: ['SELECT_PRIV'], level: 'app.*' }],
        },
      ],
      initSQL: [{ name: 'schema', configMapKeyRef: { name: 'init-sql', key: 'init.sql' } }],
    },
  });
  await eventually(
    async () => {
      const di = await client.request<KubeObject>({
        method: 'GET',
        path: objectPath(dorisInitializerKind.resource, namespace, `${name}-init`),
      });
      return di.status?.phase === 'Ready' ? di : false;
    },
    { timeoutMs: 60_000, what: `the DorisInitializer of ${namespace}/${name} to be Ready` },
  );

  // A DorisClusterAutoscaler holding at least 2 compute nodes: it writes spec.cn.replicas and its status.
  await applyAsUser(namespace, {
    apiVersion: dorisClusterAutoscalerKind.apiVersion,
    kind: 'DorisClusterAutoscaler',
    metadata: { name, labels },
    spec: {
      clusterRef: { name },
      minReplicas: 2,
      maxReplicas: 2,
      metrics: [{ type: 'CPU', averageUtilization: 60 }],
      syncPeriodSeconds: 1,
    },
  });
  await eventually(
    async () => {
      const dca = await client.request<KubeObject>({
        method: 'GET',
        path: objectPath(dorisClusterAutoscalerKind.resource, namespace, name),
      });
      const cn = ((await getCluster(namespace, name)).spec?.cn as { replicas?: number } | undefined)
        ?.replicas;
      return cn === 2 && dca.status?.currentReplicas === 2 ? dca : false;
    },
    { timeoutMs: 60_000, what: `the autoscaler of ${namespace}/${name} to hold 2 compute nodes` },
  );

  // A managed DorisMonitor (Prometheus bound to the install's ClusterRole in this namespace,
  // Grafana, Loki and the collector), then Loki turned off: its parts are deleted.
  const monitor = (loki: boolean) => ({
    apiVersion: dorisMonitorKind.apiVersion,
    kind: 'DorisMonitor',
    metadata: { name, labels },
    spec: { clusterRefs: [{ name }], loki: { enabled: loki } },
  });
  const exists = (type: Parameters<typeof objectPath>[0], object: string) =>
    client.request({ method: 'GET', path: objectPath(type, namespace, object) }).then(
      () => true,
      () => false,
    );
  await applyAsUser(namespace, monitor(true));
  await eventually(
    async () =>
      (await exists(builtin.Deployment, `${name}-log-collector`)) &&
      (await exists(builtin.StatefulSet, `${name}-prometheus`)) &&
      (await exists(builtin.Deployment, `${name}-grafana`)),
    { timeoutMs: 60_000, what: `the monitor of ${namespace}/${name} deployed` },
  );
  await applyAsUser(namespace, monitor(false));
  await eventually(async () => !(await exists(builtin.Deployment, `${name}-log-collector`)), {
    timeoutMs: 60_000,
    what: `the log collector of ${namespace}/${name} removed`,
  });
}
