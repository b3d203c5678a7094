/** Helpers of the DorisClusterAutoscaler tests: the operator with both controllers, the objects, their events. */
import type { TestContext } from 'node:test';
import { dorisClusterAutoscalerKind } from '../../src/api/v1alpha1/index.ts';
import { setupAutoscalerController } from '../../src/autoscaler/setup.ts';
import { setupClusterController } from '../../src/cluster/setup.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { setupMonitorController } from '../../src/monitor/setup.ts';
import { createLogger, silentLogger } from '../../src/runtime/log.ts';
import { Manager } from '../../src/runtime/manager.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { installCrds } from '../api/support.ts';
import { createCluster, getCluster, waitReady } from '../cluster/support.ts';
import { installMonitorRoles } from '../monitor/support.ts';
import { simulator, testEnv } from '../support/env.ts';

/** A manager running the cluster and autoscaler controllers (and the monitor one, when asked) for `namespace`; stopped after the test. */
export async function startAutoscalingOperator(
  t: TestContext,
  namespace: string,
  opts: { monitor?: boolean } = {},
): Promise<Manager> {
  await installCrds();
  if (opts.monitor) await installMonitorRoles();
  const { info } = await testEnv();
  const manager = new Manager({
    client: await RestClient.fromKubeconfigFile(info.kubeconfigPath),
    logger: process.env.OPERATOR_LOGS ? createLogger('debug') : silentLogger,
    identity: `test-${namespace}`,
    namespaces: [namespace],
  });
  setupClusterController(manager);
  setupAutoscalerController(manager);
  if (opts.monitor) setupMonitorController(manager, { targetsPollMs: 2000 });
  await manager.start();
  t.after(() => manager.stop());
  return manager;
}

export async function createAutoscaler(ns: string, name: string, spec: object): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(dorisClusterAutoscalerKind.resource, ns),
    body: {
      apiVersion: dorisClusterAutoscalerKind.apiVersion,
      kind: 'DorisClusterAutoscaler',
      metadata: { name },
      spec,
    },
  });
}

export async function getAutoscaler(ns: string, name: string): Promise<KubeObject> {
  const { client } = await testEnv();
  return client.request<KubeObject>({
    method: 'GET',
    path: objectPath(dorisClusterAutoscalerKind.resource, ns, name),
  });
}

export function conditionOf(
  o: KubeObject,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return (
    o.status?.conditions as { type: string; status: string; reason: string; message: string }[] | undefined
  )?.find((c) => c.type === type);
}

/** Events about the autoscaler `name`, oldest first. */
export async function autoscalerEvents(
  ns: string,
  name: string,
): Promise<{ reason: string; note: string }[]> {
  const { client } = await testEnv();
  const list = await client.request<{
    items: { reason: string; note?: string; regarding?: { name: string } }[];
  }>({
    method: 'GET',
    path: collectionPath(builtin.Event, ns),
  });
  return list.items
    .filter((e) => e.regarding?.name === name)
    .map((e) => ({ reason: e.reason, note: e.note ?? '' }));
}

/** A Ready cluster `doris` of 1 FE, 1 BE and 1 compute node (Doris 2.1.8) in `ns`. */
export async function readyComputeCluster(ns: string, timeoutMs = 120_000): Promise<void> {
  await createCluster(ns, 'doris', {
    version: '2.1.8',
    fe: { replicas: 1 },
    be: { replicas: 1 },
    cn: { replicas: 1 },
  });
  await waitReady(ns, 'doris', timeoutMs);
}

/** spec.cn.replicas of the cluster `doris`. */
export async function cnReplicas(ns: string): Promise<number> {
  return ((await getCluster(ns, 'doris')).spec?.cn as { replicas?: number } | undefined)?.replicas ?? 0;
}

/** Compute nodes Doris reports alive. */
export async function aliveComputeNodes(ns: string): Promise<number> {
  const c = await (await simulator()).cluster(`${ns}/doris-fe`);
  return (c?.backends ?? []).filter((b) => b.nodeRole === 'computation' && b.alive).length;
}
