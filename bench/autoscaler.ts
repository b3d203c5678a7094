/**
 * Autoscaler timing and cost, on one cluster (1 FE, 1 BE, compute nodes) under the simulator's
 * workload: the time from a load step to the new compute node alive in Doris, from a load drop to
 * the scale-in decision (after the scale-down window), and what the autoscaler costs at rest per
 * minute: metric reads, API writes, the wall time of its passes (an upper bound of its CPU) and
 * the process CPU with and without it (the process also runs the simulator).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DorisCluster,
  dorisClusterAutoscalerKind,
  dorisClusterKind,
} from '../src/api/v1alpha1/index.ts';
import type { AutoscalerDeps } from '../src/autoscaler/reconcile.ts';
import { setupAutoscalerController } from '../src/autoscaler/setup.ts';
import { setupClusterController } from '../src/cluster/setup.ts';
import { collectionPath, objectPath } from '../src/kube/resources.ts';
import type { RestClient } from '../src/kube/rest.ts';
import { silentLogger } from '../src/runtime/log.ts';
import { Manager } from '../src/runtime/manager.ts';
import type { SimulatorClient } from '../test/support/doris/index.ts';
import { until } from './operator-process.ts';

export interface AutoscalerFigures {
  readonly syncPeriodS: number;
  readonly scaleDownWindowS: number;
  readonly cooldownS: number;
  /** Load step to the second compute node alive in Doris. */
  readonly scaleOutAliveS: number;
  /** Load drop to spec.cn.replicas lowered. */
  readonly scaleInDecisionS: number;
  /** At rest, per minute, per autoscaler. */
  readonly perMinute: {
    readonly metricReads: number;
    readonly apiWrites: number;
    /** Wall time of its passes: an upper bound of the autoscaler's own CPU. */
    readonly passSeconds: number;
    readonly cpuSWithAutoscaler: number;
    readonly cpuSWithout: number;
  };
}

const round = (ms: number) => Math.round(ms / 100) / 10;

export async function benchAutoscaler(
  client: RestClient,
  operatorClient: RestClient,
  sim: SimulatorClient,
  namespace: string,
  opts: { syncPeriodS?: number; scaleDownWindowS?: number; cooldownS?: number; restMs?: number } = {},
): Promise<AutoscalerFigures> {
  const syncPeriodS = opts.syncPeriodS ?? 15;
  const scaleDownWindowS = opts.scaleDownWindowS ?? 30;
  const restMs = opts.restMs ?? 60_000;
  const cooldownS = opts.cooldownS ?? 0;
  await client.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
  const manager = new Manager({
    client: operatorClient,
    logger: silentLogger,
    identity: `bench-${namespace}`,
    namespaces: [namespace],
  });
  setupClusterController(manager);
  const deps: AutoscalerDeps = setupAutoscalerController(manager);
  let writes = 0;
  operatorClient.onRequest((method) => {
    if (method !== 'GET') writes++;
  });
  await manager.start();
  const get = () =>
    client.request<DorisCluster>({
      method: 'GET',
      path: objectPath(dorisClusterKind.resource, namespace, 'doris'),
    });
  const cnReplicas = async () => ((await get()).spec?.cn as { replicas?: number } | undefined)?.replicas;
  const aliveCn = async () =>
    ((await sim.cluster(`${namespace}/doris-fe`))?.backends ?? []).filter(
      (b) => b.nodeRole === 'computation' && b.alive,
    ).length;
  try {
    await client.request({
      method: 'POST',
      path: collectionPath(dorisClusterKind.resource, namespace),
      body: {
        apiVersion: dorisClusterKind.apiVersion,
        kind: 'DorisCluster',
        metadata: { name: 'doris' },
        spec: { version: '2.1.8', fe: { replicas: 1 }, be: { replicas: 1 }, cn: { replicas: 1 } },
      },
    });
    await until('cluster Ready', async () => (await get()).status?.phase === 'Ready', 180_000);
    const autoscaler = {
      apiVersion: dorisClusterAutoscalerKind.apiVersion,
      kind: 'DorisClusterAutoscaler',
      metadata: { name: 'doris' },
      spec: {
        clusterRef: { name: 'doris' },
        maxReplicas: 3,
        metrics: [{ type: 'CPU', averageUtilization: 60 }],
        syncPeriodSeconds: syncPeriodS,
        behavior: { cooldownSeconds: cooldownS, scaleDown: { stabilizationWindowSeconds: scaleDownWindowS } },
      },
    };
    const createAutoscaler = () =>
      client.request({
        method: 'POST',
        path: collectionPath(dorisClusterAutoscalerKind.resource, namespace),
        body: autoscaler,
      });
    await createAutoscaler();
    // Two reads: CPU is a rate.
    await sleep(syncPeriodS * 2000 + 2000);

    // At rest: one minute with the autoscaler, one without it.
    // Wall time of the autoscaler's passes (an upper bound of its CPU: it includes waiting for
    // the members' answers); the process CPU also holds the simulator, hence the run without it.
    const passSeconds = async () =>
      (await manager.metrics.reconcileTime.get()).values
        .filter((v) => v.metricName?.endsWith('_sum') && v.labels.controller === 'dorisclusterautoscaler')
        .reduce((sum, v) => sum + v.value, 0);
    const rest = async () => {
      const reads = deps.cost.requests;
      const w = writes;
      const passes = await passSeconds();
      const cpu = process.cpuUsage();
      await sleep(restMs);
      const used = process.cpuUsage(cpu);
      const scale = 60_000 / restMs;
      return {
        reads: (deps.cost.requests - reads) * scale,
        writes: (writes - w) * scale,
        passS: ((await passSeconds()) - passes) * scale,
        cpuS: ((used.user + used.system) / 1e6) * scale,
      };
    };
    const withIt = await rest();
    await client.request({
      method: 'DELETE',
      path: objectPath(dorisClusterAutoscalerKind.resource, namespace, 'doris'),
    });
    await sleep(2000);
    const without = await rest();
    await createAutoscaler();
    await sleep(syncPeriodS * 2000 + 2000);

    // 100 queries/s of 60 ms CPU: 6 cores of work for 4-core compute nodes.
    const step = Date.now();
    await sim.setWorkload(`${namespace}/doris-fe`, { qps: 100, cpuMsPerQuery: 60 });
    await until('a second compute node alive', async () => (await aliveCn()) >= 2, 180_000);
    const scaleOutAliveS = round(Date.now() - step);
    await until(
      'three compute nodes',
      async () => (await cnReplicas()) === 3 && (await aliveCn()) === 3,
      180_000,
    );
    await sleep(syncPeriodS * 1000);

    const drop = Date.now();
    await sim.setWorkload(`${namespace}/doris-fe`, { qps: 10, cpuMsPerQuery: 60 });
    await until('the scale-in decision', async () => ((await cnReplicas()) ?? 3) < 3, 600_000);
    const scaleInDecisionS = round(Date.now() - drop);
    return {
      syncPeriodS,
      scaleDownWindowS,
      cooldownS,
      scaleOutAliveS,
      scaleInDecisionS,
      perMinute: {
        metricReads: Math.round(withIt.reads),
        apiWrites: Math.round(withIt.writes),
        passSeconds: Math.round(withIt.passS * 1000) / 1000,
        cpuSWithAutoscaler: Math.round(withIt.cpuS * 1000) / 1000,
        cpuSWithout: Math.round(without.cpuS * 1000) / 1000,
      },
    };
  } finally {
    await sim.setWorkload(`${namespace}/doris-fe`, null).catch(() => undefined);
    await manager.stop();
    await client
      .request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` })
      .catch(() => undefined);
  }
}
