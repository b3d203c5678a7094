/** Helpers of the DorisInitializer tests: objects, the operator as its own process, SQL as any user. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { dorisInitializerKind } from '../../src/api/v1alpha1/index.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { installCrds } from '../api/support.ts';
import { eventually, testEnv } from '../support/env.ts';

const cli = resolve(import.meta.dirname, '../../src/cli/main.ts');

/** The manager as its own process, watching `ns`, its log lines collected in `logs`; killed when the test ends. */
export async function startManagerProcess(t: TestContext, ns: string, logs: string[]): Promise<ChildProcess> {
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
      '--log-level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => logs.push(String(d)));
  child.stderr?.on('data', (d) => logs.push(String(d)));
  t.after(() => child.kill('SIGKILL'));
  return child;
}

export async function putSecret(ns: string, name: string, data: Record<string, string>): Promise<void> {
  const { client } = await testEnv();
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data };
  try {
    await client.request({ method: 'POST', path: collectionPath(builtin.Secret, ns), body });
  } catch {
    await client.request({ method: 'PUT', path: objectPath(builtin.Secret, ns, name), body });
  }
}

export async function createInitializer(ns: string, name: string, spec: object): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(dorisInitializerKind.resource, ns),
    body: { apiVersion: dorisInitializerKind.apiVersion, kind: 'DorisInitializer', metadata: { name }, spec },
  });
}

export async function getInitializer(ns: string, name: string): Promise<KubeObject> {
  const { client } = await testEnv();
  return client.request<KubeObject>({
    method: 'GET',
    path: objectPath(dorisInitializerKind.resource, ns, name),
  });
}

export async function patchInitializer(ns: string, name: string, patch: object): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'PATCH',
    path: objectPath(dorisInitializerKind.resource, ns, name),
    contentType: 'application/merge-patch+json',
    body: patch,
  });
}

export function waitPhase(ns: string, name: string, phase: string, timeoutMs = 60_000): Promise<KubeObject> {
  return eventually(
    async () => {
      const di = await getInitializer(ns, name);
      return di.status?.phase === phase && di.status.observedGeneration === di.metadata.generation
        ? di
        : false;
    },
    { timeoutMs, what: `DorisInitializer ${ns}/${name} to be ${phase}` },
  );
}

/** The IP of an FE pod of `cluster`. */
export async function feIp(ns: string, cluster: string): Promise<string> {
  const { client } = await testEnv();
  const pods = await client.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: collectionPath(builtin.Pod, ns),
    query: { labelSelector: `app.kubernetes.io/instance=${cluster},app.kubernetes.io/component=fe` },
  });
  const ip = pods.items.find((p) => p.status?.podIP)?.status?.podIP;
  if (ip === undefined) throw new Error('no FE pod with an IP');
  return ip;
}

/** SQL as `user` through mysql2. */
export async function sqlAs(
  t: TestContext,
  host: string,
  user: string,
  password: string,
): Promise<(sql: string) => Promise<Record<string, unknown>[]>> {
  const conn = await mysql.createConnection({ host, port: 9030, user, password, connectTimeout: 5000 });
  t.after(() => conn.destroy());
  return async (sql) => (await conn.query(sql))[0] as Record<string, unknown>[];
}

const run = promisify(execFile);

/** A login and a statement with the real mysql client: '' on success, else its error line. */
export async function mysqlClient(
  host: string,
  user: string,
  password: string,
  sql: string,
): Promise<string> {
  try {
    await run(
      'mysql',
      ['-h', host, '-P', '9030', '--connect-timeout=5', '-u', user, `-p${password}`, '-e', sql],
      {
        timeout: 20_000,
      },
    );
    return '';
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    return (e.stderr ?? e.message ?? '').trim().split('\n').pop() ?? 'failed';
  }
}
