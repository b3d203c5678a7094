/**
 * A real Prometheus (3.x built from its Go module by hack/prometheus.sh) for tests: started on a
 * loopback port with the given configuration, stopped after the test (its log is kept when it does
 * not start). `dorisPodScrape` is a scrape job that finds Doris members from the test API server's
 * pods and labels them as the autoscaler's Prometheus queries expect (namespace, cluster, component, pod).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import { builtin, collectionPath } from '../../src/kube/resources.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { eventually, testEnv } from './env.ts';
import { freePort } from './ports.ts';
import { Component } from './process.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
let binDir: string | undefined;
/** Prometheus 3 and promtool with Kubernetes discovery, built from their Go module (hack/prometheus.sh). */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  binDir ??= execFileSync('bash', [join(repoRoot, 'hack/prometheus.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  return join(binDir, name);
}

export async function startPrometheus(t: TestContext, config: object): Promise<{ url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'doris-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const prometheus = new Component({
    name: 'prometheus',
    binary: prometheusBinary('prometheus'),
    args: [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    logPath: join(dir, 'prometheus.log'),
  });
  prometheus.start();
  let ready = false;
  t.after(async () => {
    await prometheus.stop();
    if (ready) rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, {
    timeoutMs: 30_000,
    what: `Prometheus ready (log: ${join(dir, 'prometheus.log')})`,
  });
  ready = true;
  return { url };
}

/**
 * Pod discovery without Kubernetes RBAC in the way: an HTTP service discovery endpoint on loopback listing the Running FE (:8030), BE and CN (:8040) pods of
 * `namespace`, read from the API server at each refresh, labelled namespace, cluster, component, pod.
 * Returns the scrape job; the endpoint stops after the test.
 */
export async function dorisPodScrape(t: TestContext, namespace: string, intervalS = 1): Promise<object> {
  const { client } = await testEnv();
  const server = createServer((_req, res) => {
    client
      .request<{ items: KubeObject[] }>({ method: 'GET', path: collectionPath(builtin.Pod, namespace) })
      .then((pods) => {
        const groups = pods.items.flatMap((p) => {
          const component = p.metadata.labels?.['app.kubernetes.io/component'];
          const ip = p.status?.podIP;
          if (
            !['fe', 'be', 'cn'].includes(component ?? '') ||
            ip === undefined ||
            p.status?.phase !== 'Running'
          )
            return [];
          return [
            {
              targets: [`${ip}:${component === 'fe' ? 8030 : 8040}`],
              labels: {
                namespace,
                cluster: p.metadata.labels?.['app.kubernetes.io/instance'] ?? '',
                component,
                pod: p.metadata.name,
              },
            },
          ];
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(groups));
      })
      .catch((err) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    job_name: `doris-${namespace}`,
    scrape_interval: `${intervalS}s`,
    scrape_timeout: `${intervalS}s`,
    http_sd_configs: [{ url: `http://127.0.0.1:${port}/`, refresh_interval: `${intervalS}s` }],
  };
}
