/**
 * Helpers of the DorisMonitor tests: the operator with the cluster and monitor controllers, the
 * installation's monitoring ClusterRoles, and "the kubelet" of a managed Prometheus: once the
 * monitor's Prometheus pod runs (kwok gives it a loopback IP), a real Prometheus 3 is started on
 * that IP with the ConfigMaps the operator wrote and the arguments of its StatefulSet. Only what a
 * kubelet would provide is changed: mounted paths become folders, and the in-cluster credentials
 * of its ServiceAccount become a kubeconfig (a TokenRequest token), so pod discovery runs against
 * the test API server with exactly the RBAC the monitor set up.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { dorisMonitorKind } from '../../src/api/v1alpha1/index.ts';
import { setupClusterController } from '../../src/cluster/setup.ts';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { isConflict, RestClient } from '../../src/kube/rest.ts';
import { partName } from '../../src/monitor/names.ts';
import { prometheusPaths } from '../../src/monitor/scrape.ts';
import { setupMonitorController } from '../../src/monitor/setup.ts';
import { createLogger, silentLogger } from '../../src/runtime/log.ts';
import { Manager } from '../../src/runtime/manager.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { installCrds } from '../api/support.ts';
import { kubeconfigYaml, serviceAccountToken } from '../support/control-plane.ts';
import { eventually, testEnv } from '../support/env.ts';
import { freePort } from '../support/ports.ts';
import { Component } from '../support/process.ts';
import { prometheusBinary } from '../support/prometheus.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

/** The ClusterRoles the installation provides for monitors (config/rbac/monitor_roles.yaml). */
export async function installMonitorRoles(): Promise<void> {
  const { client } = await testEnv();
  for (const doc of parseAllDocuments(
    readFileSync(join(repoRoot, 'config/rbac/monitor_roles.yaml'), 'utf8'),
  )) {
    const role = doc.toJS() as KubeObject;
    await client
      .request({ method: 'POST', path: collectionPath(builtin.ClusterRole), body: role })
      .catch((err) => {
        if (!isConflict(err)) throw err;
      });
  }
}

export interface MonitoringOperator {
  readonly manager: Manager;
  /** Where the operator serves its /metrics (what its managed Prometheus scrapes). */
  readonly metrics: string;
}

/** A manager running the cluster and monitor controllers for `namespaces`; stopped after the test. */
export async function startMonitoringOperator(
  t: TestContext,
  namespaces: string[],
  opts: { targetsPollMs?: number } = {},
): Promise<MonitoringOperator> {
  await installCrds();
  await installMonitorRoles();
  const { info } = await testEnv();
  const metrics = `127.0.0.1:${await freePort()}`;
  const manager = new Manager({
    client: await RestClient.fromKubeconfigFile(info.kubeconfigPath),
    logger: process.env.OPERATOR_LOGS ? createLogger('debug') : silentLogger,
    identity: `test-${namespaces[0]}`,
    namespaces,
    metricsAddress: metrics,
  });
  setupClusterController(manager);
  setupMonitorController(manager, { operatorMetrics: metrics, ...opts });
  await manager.start();
  t.after(() => manager.stop());
  return { manager, metrics };
}

export async function createMonitor(ns: string, name: string, spec: object): Promise<void> {
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(dorisMonitorKind.resource, ns),
    body: { apiVersion: dorisMonitorKind.apiVersion, kind: 'DorisMonitor', metadata: { name }, spec },
  });
}

export async function getMonitor(ns: string, name: string): Promise<KubeObject> {
  const { client } = await testEnv();
  return client.request<KubeObject>({ method: 'GET', path: objectPath(dorisMonitorKind.resource, ns, name) });
}

export interface RunningPrometheus {
  readonly url: string;
  /** Instant query; the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** Starts the real Prometheus for the monitor's Prometheus pod, as a kubelet would run it. */
export async function runManagedPrometheus(
  t: TestContext,
  ns: string,
  monitor: string,
): Promise<RunningPrometheus> {
  const { client, info } = await testEnv();
  const name = partName(monitor, 'prometheus');
  const pod = await eventually(
    async () => {
      const p = await client
        .request<KubeObject>({ method: 'GET', path: objectPath(builtin.Pod, ns, `${name}-0`) })
        .catch(() => undefined);
      return p?.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    },
    { timeoutMs: 60_000, what: `pod ${name}-0 running` },
  );
  const sts = await client.request<KubeObject>({
    method: 'GET',
    path: objectPath(builtin.StatefulSet, ns, name),
  });
  const container = sts.spec.template.spec.containers[0] as { args: string[] };
  const configMap = async (cm: string) =>
    (await client.request<KubeObject>({ method: 'GET', path: objectPath(builtin.ConfigMap, ns, cm) }))
      .data as Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'doris-monitor-prometheus-'));
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  for (const [file, text] of Object.entries(await configMap(`${name}-rules`)))
    writeFileSync(join(rulesDir, file), text);
  // The ServiceAccount's in-cluster credentials, as a kubeconfig.
  const token = await serviceAccountToken(client, ns, name);
  writeFileSync(join(dir, 'kubeconfig'), kubeconfigYaml(info.server, info.caPem, token));
  const config = parse((await configMap(`${name}-config`))['prometheus.yml'] ?? '') as {
    rule_files?: string[];
    scrape_configs: { kubernetes_sd_configs?: Record<string, unknown>[] }[];
    [k: string]: unknown;
  };
  config.rule_files = config.rule_files?.map((f) => f.replace(prometheusPaths.rules, rulesDir));
  for (const job of config.scrape_configs)
    for (const sd of job.kubernetes_sd_configs ?? []) sd.kubeconfig_file = join(dir, 'kubeconfig');
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const ip = pod.status.podIP as string;
  const args = container.args.map((a) =>
    a.startsWith('--config.file=')
      ? `--config.file=${join(dir, 'prometheus.yml')}`
      : a.startsWith('--storage.tsdb.path=')
        ? `--storage.tsdb.path=${join(dir, 'data')}`
        : a.startsWith('--web.listen-address=')
          ? `--web.listen-address=${ip}${a.slice(a.lastIndexOf(':'))}`
          : a,
  );
  const prometheus = new Component({
    name: `prometheus-${ns}`,
    binary: prometheusBinary('prometheus'),
    args,
    logPath: join(dir, 'prometheus.log'),
  });
  prometheus.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await prometheus.stop();
  };
  t.after(async () => {
    await stop();
    if (!process.env.KEEP_PROMETHEUS) rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://${ip}:${args
    .find((a) => a.startsWith('--web.listen-address='))
    ?.split(':')
    .pop()}`;
  await eventually(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, {
    timeoutMs: 30_000,
    what: `Prometheus ready (log: ${join(dir, 'prometheus.log')})`,
  });
  return {
    url,
    stop,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: [] } };
      if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
      return body.data?.result ?? [];
    },
  };
}

/** Active targets of a Prometheus, by job. */
export async function activeTargets(
  url: string,
): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]> {
  const res = await fetch(`${url}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: [] } };
  return body.data.activeTargets;
}
