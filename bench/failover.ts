/**
 * Failover timing: for each component, the time from a member's death to the operator's decision
 * (the failure record in status) and to its replacement alive in Doris. A CN, broker and BE are
 * killed (a replacement is added); an FE observer's metadata is damaged (it is dropped and rebuilt
 * on a new claim). Each is healed before the next, so the measurements do not overlap.
 */
import { type DorisCluster, dorisClusterKind } from '../src/api/v1alpha1/index.ts';
import { setupClusterController } from '../src/cluster/setup.ts';
import { collectionPath, objectPath } from '../src/kube/resources.ts';
import type { RestClient } from '../src/kube/rest.ts';
import { silentLogger } from '../src/runtime/log.ts';
import { Manager } from '../src/runtime/manager.ts';
import type { SimulatorClient } from '../test/support/doris/index.ts';
import { until } from './operator-process.ts';

export interface FailoverTiming {
  readonly component: string;
  readonly member: string;
  readonly replacement: string;
  /** failover.period used. */
  readonly periodS: number;
  /** Death to the decision written in status. */
  readonly decisionS: number;
  /** Death to the replacement (or the rebuilt FE) alive in Doris. */
  readonly aliveS: number;
}

const period = '5s';
const round = (ms: number) => Math.round(ms / 100) / 10;

export async function benchFailover(
  client: RestClient,
  operatorClient: RestClient,
  sim: SimulatorClient,
  namespace: string,
  components: readonly ('cn' | 'broker' | 'be' | 'fe')[] = ['cn', 'broker', 'be', 'fe'],
): Promise<FailoverTiming[]> {
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
  await manager.start();
  const get = () =>
    client.request<DorisCluster>({
      method: 'GET',
      path: objectPath(dorisClusterKind.resource, namespace, 'doris'),
    });
  try {
    await client.request({
      method: 'POST',
      path: collectionPath(dorisClusterKind.resource, namespace),
      body: {
        apiVersion: 'doris.cloudnative.dev/v1alpha1',
        kind: 'DorisCluster',
        metadata: { name: 'doris', namespace },
        spec: {
          version: '2.1.7',
          fe: { replicas: 4, electionNumber: 3, failover: { period } },
          be: { replicas: 3, failover: { period, recover: 'Automatic' } },
          cn: { replicas: 1, failover: { period } },
          broker: { replicas: 1, failover: { period } },
        },
      },
    });
    const ready = () => until('the cluster Ready', async () => (await get()).status?.phase === 'Ready');
    await ready();
    const key = `${namespace}/doris-fe`;
    const out: FailoverTiming[] = [];
    for (const c of components) {
      const member = c === 'fe' ? 'doris-fe-3' : c === 'be' ? 'doris-be-2' : `doris-${c}-0`;
      const replacement = c === 'fe' ? member : c === 'be' ? 'doris-be-3' : `doris-${c}-1`;
      const before = await sim.cluster(key);
      const oldName = before?.frontends.find((f) => f.host.startsWith(`${member}.`))?.name;
      const died = Date.now();
      if (c === 'fe') await sim.damageMeta(`${namespace}/${member}`);
      else await sim.kill(`${namespace}/${member}`);
      await until('the decision', async () => {
        const f = (await get()).status?.[c]?.failures?.find((x) => x.member === member);
        return f !== undefined && (f.replacement !== undefined || f.rebuiltAt !== undefined);
      });
      const decided = Date.now();
      await until('the replacement alive in Doris', async () => {
        const s = await sim.cluster(key);
        const host = `${replacement}.`;
        if (c === 'fe')
          return s?.frontends.some((f) => f.host.startsWith(host) && f.alive && f.name !== oldName);
        if (c === 'broker') return s?.brokers.some((b) => b.host.startsWith(host) && b.alive);
        return s?.backends.some((b) => b.host.startsWith(host) && b.alive);
      });
      const alive = Date.now();
      out.push({
        component: c,
        member,
        replacement,
        periodS: 5,
        decisionS: round(decided - died),
        aliveS: round(alive - died),
      });
      // Heal before the next measurement: the member back, the replacement gone again.
      if (c !== 'fe') await sim.restart(`${namespace}/${member}`);
      await until('the cluster Ready with no failure left', async () => {
        const s = (await get()).status;
        return s?.phase === 'Ready' && s[c]?.failures === undefined && s.operation === undefined;
      });
    }
    return out;
  } finally {
    await manager.stop();
    await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` }).catch(() => {});
  }
}
