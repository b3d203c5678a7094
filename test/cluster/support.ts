/** Running the DorisCluster controller in the test process against the shared control plane and simulator. */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { type DorisCluster, dorisClusterKind } from '../../src/api/v1alpha1/index.ts';
import { type ClusterControllerOptions, setupClusterController } from '../../src/cluster/setup.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { createLogger, silentLogger } from '../../src/runtime/log.ts';
import { Manager } from '../../src/runtime/manager.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { installCrds } from '../api/support.ts';
import type { LogEntry } from '../support/doris/index.ts';
import { eventually, simulator, testEnv } from '../support/env.ts';

/** Starts a manager with the cluster controller, watching `namespace` only; stopped after the test. */
export async function startOperator(
  t: TestContext,
  namespace: string,
  logSink?: string[],
  options?: ClusterControllerOptions,
): Promise<Manager> {
  await installCrds();
  const { info } = await testEnv();
  const sink =
    logSink &&
    new Writable({
      write: (chunk, _enc, cb) => {
        logSink.push(String(chunk));
        cb();
      },
    });
  const manager = new Manager({
    client: await RestClient.fromKubeconfigFile(info.kubeconfigPath),
    logger: sink
      ? createLogger('debug', sink)
      : process.env.OPERATOR_LOGS
        ? createLogger('debug')
        : silentLogger,
    identity: `test-${namespace}`,
    namespaces: [namespace],
  });
  setupClusterController(manager, options);
  await manager.start();
  t.after(() => manager.stop());
  return manager;
}

const cli = resolve(import.meta.dirname, '../../src/cli/main.ts');

/**
 * The operator as its own process, as it runs in production (minus leader election), watching
 * `ns`; killed when the test ends. Its log goes to the test's stderr with OPERATOR_LOGS set.
 */
export async function operatorProcess(
  t: TestContext,
  ns: string,
  extraArgs: readonly string[] = [],
): Promise<ChildProcess> {
  await installCrds();
  const { info } = await testEnv();
  const child = spawn(
    process.execPath,
    [
      cli,
      'manager',
      `--kubeconfig=${info.kubeconfigPath}`,
      `--namespaces=${ns}`,
      '--no-leader-elect',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      ...extraArgs,
    ],
    { stdio: ['ignore', process.env.OPERATOR_LOGS ? 'inherit' : 'ignore', 'inherit'] },
  );
  t.after(() => child.kill('SIGKILL'));
  return child;
}

/** SIGKILLs an operator process and waits until it is gone. */
export async function killOperator(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Creates a kubernetes.io/basic-auth Secret (a cluster's authSecretRef) in `namespace`. */
export async function createAuthSecret(
  namespace: string,
  name: string,
  username: string,
  password: string,
): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, namespace),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      type: 'kubernetes.io/basic-auth',
      stringData: { username, password },
    },
  });
}

export async function createCluster(namespace: string, name: string, spec: object): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(dorisClusterKind.resource, namespace),
    body: { apiVersion: dorisClusterKind.apiVersion, kind: 'DorisCluster', metadata: { name }, spec },
  });
}

export async function getCluster(namespace: string, name: string): Promise<DorisCluster> {
  const { client } = await testEnv();
  return client.request<DorisCluster>({
    method: 'GET',
    path: objectPath(dorisClusterKind.resource, namespace, name),
  });
}

export async function patchSpec(namespace: string, name: string, spec: object): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'PATCH',
    path: objectPath(dorisClusterKind.resource, namespace, name),
    contentType: 'application/merge-patch+json',
    body: { spec },
  });
}

/** Waits (up to 2 min: memberTimeoutSeconds is at least 60 s) for the Degraded condition; returns it. */
export async function stallReported(
  namespace: string,
  name: string,
): Promise<{ reason: string; message: string }> {
  return eventually(
    async () => {
      const c = (await getCluster(namespace, name)).status?.conditions?.find((x) => x.type === 'Degraded');
      return c?.status === 'True' ? c : false;
    },
    {
      timeoutMs: 120_000,
      intervalMs: 1000,
      what: `${namespace}/${name}: the stall reported after memberTimeoutSeconds`,
    },
  );
}

/** Waits until the cluster reports phase Ready for its current generation. */
export function waitReady(namespace: string, name: string, timeoutMs = 90_000): Promise<DorisCluster> {
  return eventually(
    async () => {
      const dc = await getCluster(namespace, name);
      const s = dc.status;
      return s?.phase === 'Ready' && s.observedGeneration === dc.metadata.generation ? dc : false;
    },
    { timeoutMs, what: `${namespace}/${name} to be Ready` },
  );
}

/**
 * Waits until every FE pod carries the role Doris gives it in the cluster's status (the master
 * `master`, the others `follower` or `observer`); returns pod -> role.
 */
export function feRolesLabelled(namespace: string, name: string): Promise<Record<string, string>> {
  return eventually(
    async () => {
      const { client } = await testEnv();
      const dc = await getCluster(namespace, name);
      const pods = await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: `${collectionPath(builtin.Pod, namespace)}?labelSelector=${encodeURIComponent(`app.kubernetes.io/component=fe,app.kubernetes.io/instance=${name}`)}`,
      });
      const labels = Object.fromEntries(
        pods.items.map((p) => [p.metadata.name, p.metadata.labels?.['doris.cloudnative.dev/fe-role'] ?? '']),
      );
      const members = dc.status?.fe?.members ?? [];
      const want = Object.fromEntries(
        members.map((m) => [
          m.podName,
          m.isMaster ? 'master' : m.role === 'FOLLOWER' ? 'follower' : 'observer',
        ]),
      );
      const same =
        Object.keys(want).length === pods.items.length &&
        Object.entries(want).every(([pod, role]) => labels[pod] === role);
      return same ? labels : false;
    },
    { timeoutMs: 30_000, what: `${namespace}/${name}: FE pods labelled with their Doris roles` },
  );
}

/** SQL against the cluster's FE pods (any FE answers; DDL reaches the master). */
export async function sqlOn(
  t: TestContext,
  namespace: string,
  name: string,
): Promise<(sql: string) => Promise<unknown[]>> {
  const { client } = await testEnv();
  const pods = await client.request<{ items: { metadata: { name: string }; status: { podIP?: string } }[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, namespace),
    query: { labelSelector: `app.kubernetes.io/instance=${name},app.kubernetes.io/component=fe` },
  });
  const ip = pods.items.find((p) => p.metadata.name.endsWith('-fe-0'))?.status.podIP ?? '';
  const conn = await mysql.createConnection({
    host: ip,
    port: 9030,
    user: 'root',
    password: '',
    connectTimeout: 5000,
  });
  t.after(() => conn.destroy());
  return async (sql) => (await conn.query(sql))[0] as unknown[];
}

/** Rows `createTable` loads into `d.t`. */
export const tableRows = 120;

/**
 * Reads `SELECT count(*) FROM d.t` through every FE in turn, every 300 ms, until stopped: during a
 * rolling change every answer must hold all rows and no tablet may be unreadable (a BE restarted
 * while another is down would leave some tablet without a healthy replica). An FE that is down
 * does not count against it.
 */
export function watchRows(
  t: TestContext,
  namespace: string,
  name: string,
): { stop(): Promise<{ reads: number; wrong: string[] }> } {
  let stopped = false;
  t.after(() => {
    stopped = true;
  });
  let reads = 0;
  const wrong: string[] = [];
  const loop = (async () => {
    const { client } = await testEnv();
    while (!stopped) {
      const pods = await client
        .request<{ items: { status: { podIP?: string } }[] }>({
          method: 'GET',
          path: collectionPath(builtin.Pod, namespace),
          query: { labelSelector: `app.kubernetes.io/instance=${name},app.kubernetes.io/component=fe` },
        })
        .catch(() => ({ items: [] }));
      for (const ip of pods.items.map((p) => p.status.podIP).filter((x): x is string => x !== undefined)) {
        let conn: mysql.Connection | undefined;
        try {
          conn = await mysql.createConnection({ host: ip, port: 9030, user: 'root', connectTimeout: 2000 });
          const [rows] = await conn.query({ sql: 'SELECT count(*) FROM d.t', timeout: 3000 });
          const n = Number((rows as Record<string, unknown>[])[0]?.['count(*)']);
          reads++;
          if (n !== tableRows) wrong.push(`${ip}: ${n} rows`);
        } catch (err) {
          const message = (err as Error).message;
          if (/queryable replica|alive replica/.test(message)) wrong.push(`${ip}: ${message}`);
        } finally {
          conn?.destroy();
        }
      }
      await sleep(300);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { reads, wrong };
    },
  };
}

/** Creates a table whose tablets spread over the backends (replication 3), holding `tableRows` rows. */
export async function createTable(
  t: TestContext,
  namespace: string,
  name: string,
  buckets = 12,
): Promise<void> {
  const sql = await sqlOn(t, namespace, name);
  await sql('CREATE DATABASE IF NOT EXISTS d');
  await sql(
    `CREATE TABLE d.t (k INT, v VARCHAR(10)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS ${buckets} PROPERTIES ("replication_num" = "3")`,
  );
  const values = Array.from({ length: tableRows }, (_, k) => `(${k}, 'v${k}')`).join(', ');
  await sql(`INSERT INTO d.t VALUES ${values}`);
}

/** `SELECT count(*) FROM d.t` through FE 0: every tablet must have a readable replica. */
export async function rowCount(t: TestContext, namespace: string, name: string): Promise<number> {
  const sql = await sqlOn(t, namespace, name);
  const [row] = (await sql('SELECT count(*) FROM d.t')) as Record<string, unknown>[];
  return Number(row?.['count(*)']);
}

/**
 * The simulator's log entries about one namespace (statements of its Doris cluster, its pods),
 * after `since`: the simulator is shared by tests running at the same time.
 */
export async function namespaceLog(ns: string, since = 0): Promise<LogEntry[]> {
  const sim = await simulator();
  return (await sim.log({ since })).filter((e) => (e.cluster ?? e.member ?? '').startsWith(`${ns}/`));
}

/** The sequence number of the simulator's newest log entry. */
export async function logMark(): Promise<number> {
  return (await (await simulator()).log()).at(-1)?.seq ?? 0;
}

/** Replicas of `__internal_schema` (22 tablets) once a cluster has had 3 BEs: Doris raises them to 3. */
export const internalReplicas = 22 * 3;

/** Every replica the simulator's cluster holds, on all backends. */
export async function replicaTotal(key: string): Promise<number> {
  return ((await (await simulator()).cluster(key))?.backends ?? []).reduce((n, b) => n + b.tablets, 0);
}

/**
 * A Ready cluster of one FE and four BEs holding a replicated table (12 tablets x 3) next to the
 * internal tables, all at full replication: the start of every scale-in scenario. Returns the
 * simulator's cluster key and the host of be-3 (the first to leave).
 */
export async function backendsWithTablets(
  t: TestContext,
  ns: string,
): Promise<{ key: string; host: string }> {
  await createCluster(ns, 'doris', { version: '2.1.7', fe: { replicas: 1 }, be: { replicas: 4 } });
  await waitReady(ns, 'doris', 120_000);
  await createTable(t, ns, 'doris');
  const key = `${ns}/doris-fe`;
  await eventually(async () => (await replicaTotal(key)) === 36 + internalReplicas, {
    what: 'user and internal tables at full replication',
  });
  return { key, host: `doris-be-3.doris-be-internal.${ns}.svc.cluster.local` };
}
