/**
 * The operator's footprint, measured on the manager process as it runs in production (see
 * operator-process.ts): memory idle and with clusters, CPU, the time from an apply to every child
 * object, the API requests and Doris statements it makes at rest, how fast status follows Doris,
 * and N small clusters in N namespaces created together, some of them with an FE that never answers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type DorisCluster, dorisClusterKind } from '../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../src/kube/resources.ts';
import type { RestClient } from '../src/kube/rest.ts';
import type { SimulatorClient } from '../test/support/doris/index.ts';
import {
  auditedRequests,
  countRequests,
  type OperatorProcess,
  type RequestCounts,
  round1,
  statusWrites,
  until,
} from './operator-process.ts';

export interface FootprintContext {
  readonly admin: RestClient;
  readonly sim: SimulatorClient;
  readonly operator: OperatorProcess;
  /** The API server's audit log of the operator's requests; counts are omitted without one. */
  readonly auditLog?: string;
}

export type Heap = Awaited<ReturnType<OperatorProcess['heap']>>;

export interface AtRest {
  readonly seconds: number;
  readonly cpuS: number;
  readonly requests?: RequestCounts;
  /** Status writes meanwhile, with the fields each changed (there should be none). */
  readonly statusWrites?: ReturnType<typeof statusWrites>;
  /** Statements the operator sent to Doris (every cluster). */
  readonly dorisStatements: number;
  /** Connections the operator's clusters' FEs accepted (from anyone: the entrypoints are done). */
  readonly dorisConnections: number;
}

/** The process's memory after a phase, and the operator at rest after it. */
export interface Idle {
  readonly rssMiB: number;
  readonly anonMiB: number;
  readonly fileMiB: number;
  readonly heap: Heap;
  readonly rest: AtRest;
}

export interface OneCluster extends Idle {
  readonly shape: string;
  /** Objects the spec calls for, each with the time its create completed after the apply. */
  readonly children: readonly { readonly object: string; readonly ms: number }[];
  /** Apply to the last of them. */
  readonly allChildrenMs: number;
  /**
   * Apply to the operator's record of its Doris account (`<cluster>-operator-credentials`): it
   * says what Doris confirmed, so it is written once an FE answers, not with the children.
   */
  readonly credentialsRecordedMs?: number;
  readonly statefulSetsMs: number;
  /** Apply to every member alive in Doris. */
  readonly membersAliveMs: number;
  readonly readyMs: number;
  /** Apply to Doris at rest (tablet counts steady) and status showing it: the at-rest window starts there. */
  readonly dorisSettledMs: number;
  readonly convergenceCpuS: number;
  /** A BE killed: time until status says it is not alive, and after its restart that it is. */
  readonly statusFollowsDoris: { readonly beDiedMs: number; readonly beBackMs: number };
}

export interface ManyClusters extends Idle {
  readonly clusters: number;
  /** Clusters whose FE holds every reply (never answers in time): they cannot become Ready. */
  readonly cutOff: number;
  /** Creation to every member of the other clusters alive in Doris. */
  readonly membersAliveS: number;
  /** Creation to every other cluster Ready. */
  readonly readyS: number;
  readonly convergenceCpuS: number;
}

const clusterKey = (ns: string) => `${ns}/doris-fe`;

async function createNamespace(admin: RestClient, name: string): Promise<void> {
  await admin.request({
    method: 'POST',
    path: collectionPath(builtin.Namespace),
    body: { metadata: { name } },
  });
}

async function createCluster(admin: RestClient, ns: string, spec: object): Promise<void> {
  await admin.request({
    method: 'POST',
    path: collectionPath(dorisClusterKind.resource, ns),
    body: {
      apiVersion: dorisClusterKind.apiVersion,
      kind: 'DorisCluster',
      metadata: { name: 'doris' },
      spec,
    },
  });
}

const getCluster = (admin: RestClient, ns: string) =>
  admin.request<DorisCluster>({ method: 'GET', path: objectPath(dorisClusterKind.resource, ns, 'doris') });

/** Statements the operator sent to Doris after log entry `since`. */
async function operatorStatements(sim: SimulatorClient, since: number, cluster?: string): Promise<number> {
  const entries = await sim.log({ since, ...(cluster ? { cluster } : {}) });
  return entries.filter((e) => e.kind === 'statement' && e.source.startsWith('mysql ')).length;
}

async function logHead(sim: SimulatorClient): Promise<number> {
  const all = await sim.log();
  return all.at(-1)?.seq ?? 0;
}

async function connectionsAccepted(sim: SimulatorClient, namespaces?: ReadonlySet<string>): Promise<number> {
  return (await sim.members())
    .filter((m) => namespaces === undefined || namespaces.has(m.key.split('/')[0] ?? ''))
    .reduce((n, m) => n + m.connectionsAccepted, 0);
}

/** The operator left alone for `seconds`: its CPU, requests and Doris statements meanwhile. */
async function atRest(
  ctx: FootprintContext,
  seconds: number,
  namespaces?: ReadonlySet<string>,
): Promise<AtRest> {
  const seq = await logHead(ctx.sim);
  const connections = await connectionsAccepted(ctx.sim, namespaces);
  const from = Date.now();
  const before = ctx.operator.sample();
  await sleep(seconds * 1000);
  const after = ctx.operator.sample();
  const to = Date.now();
  return {
    seconds,
    cpuS: round1((after.cpuS - before.cpuS) * 100) / 100,
    ...(ctx.auditLog
      ? {
          requests: countRequests(auditedRequests(ctx.auditLog, from, to)),
          statusWrites: statusWrites(ctx.auditLog, from, to),
        }
      : {}),
    dorisStatements: await operatorStatements(ctx.sim, seq),
    dorisConnections: (await connectionsAccepted(ctx.sim, namespaces)) - connections,
  };
}

export async function measureIdle(ctx: FootprintContext, restSeconds: number): Promise<Idle> {
  const rest = await atRest(ctx, restSeconds);
  return { ...memory(ctx.operator), heap: await ctx.operator.heap(), rest };
}

/** One 3 FE / 3 BE cluster: creation, convergence, rest, and a BE death seen in status. */
export async function measureOneCluster(
  ctx: FootprintContext,
  ns: string,
  restSeconds: number,
): Promise<OneCluster> {
  const { admin, sim, operator } = ctx;
  await createNamespace(admin, ns);
  const cpu0 = operator.sample().cpuS;
  const t0 = Date.now();
  await createCluster(admin, ns, { version: '2.1.7', fe: { replicas: 3 }, be: { replicas: 3 } });
  await until('every member alive in Doris', async () => {
    const c = await sim.cluster(clusterKey(ns));
    const fes = c?.frontends.filter((f) => f.alive).length ?? 0;
    const bes = c?.backends.filter((b) => b.alive).length ?? 0;
    return fes === 3 && bes === 3;
  });
  const membersAliveMs = Date.now() - t0;
  await until('the cluster Ready', async () => (await getCluster(admin, ns)).status?.phase === 'Ready');
  const readyMs = Date.now() - t0;
  const convergenceCpuS = round1((operator.sample().cpuS - cpu0) * 100) / 100;
  await dorisAtRest(sim, new Set([ns]));
  // ...and status caught up with it (the operator looks every 30 s at rest).
  await until(
    'status to show the tablets Doris has',
    async () => {
      const inDoris = (await sim.cluster(clusterKey(ns)))?.backends.map((b) => b.tablets).sort();
      const inStatus = (await getCluster(admin, ns)).status?.be?.members?.map((m) => m.tabletNum).sort();
      return JSON.stringify(inDoris) === JSON.stringify(inStatus);
    },
    120_000,
    1000,
  );
  const dorisSettledMs = Date.now() - t0;
  const created = ctx.auditLog ? createdObjects(ctx.auditLog, ns, t0) : [];
  const isRecord = (c: { object: string }) => c.object === 'secrets/doris-operator-credentials';
  const children = created.filter((c) => !isRecord(c));
  const record = created.find(isRecord);
  const rest = await atRest(ctx, restSeconds, new Set([ns]));
  const { rssMiB, anonMiB, fileMiB } = operator.sample();
  const heap = await operator.heap();

  const memberAlive = async (pod: string) =>
    (await getCluster(admin, ns)).status?.be?.members?.find((m) => m.podName === pod)?.alive;
  const died = Date.now();
  await sim.kill(`${ns}/doris-be-2`);
  await until('status to say the BE is not alive', async () => (await memberAlive('doris-be-2')) === false);
  const beDiedMs = Date.now() - died;
  const restarted = Date.now();
  await sim.restart(`${ns}/doris-be-2`);
  await until('status to say the BE is alive', async () => (await memberAlive('doris-be-2')) === true);
  const beBackMs = Date.now() - restarted;
  return {
    shape: '3 FE / 3 BE',
    children,
    allChildrenMs: Math.max(0, ...children.map((c) => c.ms)),
    ...(record ? { credentialsRecordedMs: record.ms } : {}),
    statefulSetsMs: Math.max(
      0,
      ...children.filter((c) => c.object.startsWith('statefulsets/')).map((c) => c.ms),
    ),
    membersAliveMs,
    readyMs,
    dorisSettledMs,
    convergenceCpuS,
    rssMiB,
    anonMiB,
    fileMiB,
    heap,
    rest,
    statusFollowsDoris: { beDiedMs, beBackMs },
  };
}

/**
 * Doris goes on after Ready (its internal tables reach 3 replicas, tablets move), and status
 * follows it: at rest means Doris at rest too, tablet counts unchanged for 15 s.
 */
async function dorisAtRest(sim: SimulatorClient, namespaces: ReadonlySet<string>): Promise<void> {
  let tablets = '';
  let steady = 0;
  await until(
    'Doris at rest',
    async () => {
      const now = JSON.stringify(
        (await sim.clusters())
          .filter((c) => namespaces.has(c.key.split('/')[0] ?? ''))
          .map((c) => [c.key, c.backends.map((b) => b.tablets)]),
      );
      steady = now === tablets ? steady + 1 : 0;
      tablets = now;
      return steady >= 3;
    },
    300_000,
    5000,
  );
}

/** Objects the operator created in `ns` after `t0`, with the time their create completed. */
function createdObjects(auditLog: string, ns: string, t0: number): { object: string; ms: number }[] {
  return auditedRequests(auditLog, t0)
    .filter(
      (e) =>
        e.objectRef?.namespace === ns &&
        e.objectRef.subresource === undefined &&
        (e.verb === 'create' || e.verb === 'patch') &&
        e.responseStatus?.code === 201,
    )
    .map((e) => ({
      object: `${e.objectRef?.resource}/${e.objectRef?.name}`,
      ms: Date.parse(e.stageTimestamp) - t0,
    }))
    .sort((a, b) => a.ms - b.ms);
}

/**
 * `clusters` clusters of 1 FE / 1 BE, one per namespace, created together; the FEs of the first
 * `cutOff` hold every reply for two minutes. The others must converge regardless.
 */
export async function measureManyClusters(
  ctx: FootprintContext,
  prefix: string,
  clusters: number,
  cutOff: number,
  restSeconds: number,
): Promise<ManyClusters> {
  const { admin, sim, operator } = ctx;
  const namespaces = Array.from({ length: clusters }, (_, i) => `${prefix}-${i}`);
  for (const ns of namespaces.slice(0, cutOff))
    await sim.stallReplies({ pattern: '.', ms: 120_000, count: 1_000_000, cluster: clusterKey(ns) });
  await inBatches(namespaces, 20, (ns) => createNamespace(admin, ns));
  const healthy = new Set(namespaces.slice(cutOff));
  const cpu0 = operator.sample().cpuS;
  const t0 = Date.now();
  await inBatches(namespaces, 20, (ns) =>
    createCluster(admin, ns, { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 1 } }),
  );
  await until(
    'every member of the healthy clusters alive in Doris',
    async () => {
      const alive = (await sim.clusters()).filter(
        (c) =>
          healthy.has(c.key.split('/')[0] ?? '') &&
          c.frontends.some((f) => f.alive) &&
          c.backends.some((b) => b.alive),
      );
      return alive.length === healthy.size;
    },
    600_000,
    250,
  );
  const membersAliveS = round1((Date.now() - t0) / 1000);
  await until(
    'the healthy clusters Ready',
    async () => {
      const list = await admin.request<{ items: DorisCluster[] }>({
        method: 'GET',
        path: collectionPath(dorisClusterKind.resource),
      });
      const ready = list.items.filter(
        (c) => healthy.has(c.metadata.namespace ?? '') && c.status?.phase === 'Ready',
      );
      return ready.length === healthy.size;
    },
    600_000,
    250,
  );
  const readyS = round1((Date.now() - t0) / 1000);
  const convergenceCpuS = round1((operator.sample().cpuS - cpu0) * 100) / 100;
  await dorisAtRest(sim, healthy);
  const rest = await atRest(ctx, restSeconds, healthy);
  return {
    clusters,
    cutOff,
    membersAliveS,
    readyS,
    convergenceCpuS,
    ...memory(operator),
    heap: await operator.heap(),
    rest,
  };
}

function memory(operator: OperatorProcess): { rssMiB: number; anonMiB: number; fileMiB: number } {
  const { rssMiB, anonMiB, fileMiB } = operator.sample();
  return { rssMiB, anonMiB, fileMiB };
}

async function inBatches<T>(items: readonly T[], size: number, f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}
