/**
 * An install of the chart on the test control plane, run the way a cluster would run it except
 * for the containers: the chart is rendered and applied for real (its Deployments get fake pods),
 * and the manager and webhook run as local processes started with the rendered Deployments' own
 * arguments and environment, authenticated with tokens of the chart's ServiceAccounts, through a
 * recording proxy (audit-proxy.ts). Only listen addresses are changed, and the webhook
 * configurations are pointed at the local webhook's URL instead of the Service (the one thing the
 * test control plane cannot route: Services have no endpoints for loopback pod IPs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { contentTypes } from '../../src/kube/rest.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { serviceAccountToken } from '../support/control-plane.ts';
import { eventually, testEnv } from '../support/env.ts';
import { freePorts } from '../support/ports.ts';
import { type Access, AuditProxy } from './audit-proxy.ts';
import { applyManifests, renderChart, repoRoot } from './tools.ts';

export type Component = 'controller-manager' | 'admission-webhook';

export interface Installed {
  readonly release: string;
  readonly namespace: string;
  readonly objects: readonly KubeObject[];
  /** Run last-in first-out after the test, before the uninstall: processes stop while their rights last. */
  readonly cleanups: (() => Promise<unknown>)[];
}

/** Creates the release namespace (restricted Pod Security enforced) and applies the chart for real. */
export async function installChart(
  t: TestContext,
  o: { release: string; namespace: string; values: object },
): Promise<Installed> {
  const { client } = await testEnv();
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Namespace),
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: o.namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    },
  });
  const objects = await renderChart({ ...o, includeCrds: true });
  const cleanups: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await uninstall(objects, o.namespace);
  });
  await applyManifests(objects);
  return { ...o, objects, cleanups };
}

/** Deletes what the install created outside namespaces (the CRDs stay: other tests share them). */
export async function uninstall(objects: readonly KubeObject[], namespace: string): Promise<void> {
  const { client } = await testEnv();
  const types: Record<string, (typeof builtin)[keyof typeof builtin]> = {
    ValidatingWebhookConfiguration: builtin.ValidatingWebhookConfiguration,
    MutatingWebhookConfiguration: builtin.MutatingWebhookConfiguration,
    ClusterRoleBinding: builtin.ClusterRoleBinding,
    ClusterRole: builtin.ClusterRole,
  };
  for (const o of objects) {
    const type = types[o.kind ?? ''];
    if (type === undefined) continue;
    await client
      .request({ method: 'DELETE', path: objectPath(type, undefined, o.metadata.name) })
      .catch(() => {});
  }
  await client
    .request({ method: 'DELETE', path: objectPath(builtin.Namespace, undefined, namespace) })
    .catch(() => {});
}

export function deploymentOf(objects: readonly KubeObject[], component: Component): KubeObject {
  const d = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === component,
  );
  if (d === undefined) throw new Error(`no ${component} Deployment rendered`);
  return d;
}

/** Every rule granted to a ServiceAccount by the rendered Roles and ClusterRoles, with where it applies. */
export function rulesOf(
  objects: readonly KubeObject[],
  namespace: string,
  serviceAccount: string,
): { scope: string; apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[] {
  const out = [];
  for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const subjects = (b.subjects ?? []) as { kind: string; name: string; namespace?: string }[];
    if (
      !subjects.some(
        (s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === namespace,
      )
    )
      continue;
    const role = objects.find(
      (o) =>
        o.kind === b.roleRef.kind &&
        o.metadata.name === b.roleRef.name &&
        (o.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace),
    );
    if (role === undefined) throw new Error(`${b.kind} ${b.metadata.name} refers to a missing role`);
    const scope = b.kind === 'ClusterRoleBinding' ? '*' : (b.metadata.namespace ?? '');
    for (const r of role.rules ?? []) out.push({ scope, ...r });
  }
  return out;
}

export interface LocalProcess {
  readonly name: string;
  readonly proxy: AuditProxy;
  readonly logs: string[];
  readonly ports: { metrics: number; probe: number; serve?: number };
  readonly env: Record<string, string>;
  readonly child: ChildProcess;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  metrics(): Promise<string>;
  /** Log lines and recorded requests that show a refusal. */
  refusals(): string[];
}

/**
 * Starts the process a Deployment of the install would run, as that Deployment's ServiceAccount.
 * `extraArgs` come after the rendered ones (commander keeps the last value of an option).
 */
export async function startComponent(
  inst: Installed,
  component: Component,
  extraArgs: (ports: { metrics: number; probe: number; serve: number }) => string[] = () => [],
): Promise<LocalProcess> {
  const { info, client } = await testEnv();
  const deployment = deploymentOf(inst.objects, component);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const podName = `${deployment.metadata.name}-local-${process.pid}`;
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    env[e.name] =
      field === 'metadata.namespace' ? inst.namespace : field === 'metadata.name' ? podName : e.value;
  }
  const token = await serviceAccountToken(client, inst.namespace, pod.serviceAccountName);
  const proxy = await AuditProxy.start(info.server, info.caPem);
  const dir = mkdtempSync(join(tmpdir(), 'doris-install-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, proxy.kubeconfig(token), { mode: 0o600 });
  const [metrics, probe, serve] = (await freePorts(3)) as [number, number, number];
  const args = [
    join(repoRoot, 'src/cli/main.ts'),
    ...container.args,
    `--kubeconfig=${kubeconfig}`,
    `--metrics-bind-address=127.0.0.1:${metrics}`,
    `--health-probe-bind-address=127.0.0.1:${probe}`,
    '--log-level=debug',
    ...extraArgs({ metrics, probe, serve }),
  ];
  const childEnv = { ...process.env, ...env };
  delete childEnv.KUBECONFIG;
  // As for the control plane's processes: the kernel kills it if the test process dies first.
  const child = existsSync('/usr/bin/setpriv')
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, ...args], { env: childEnv })
    : spawn(process.execPath, args, { env: childEnv });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      logs.push(...lines.filter(Boolean));
      // INSTALL_LOGS=1 shows the processes' logs while a test runs.
      if (process.env.INSTALL_LOGS)
        for (const l of lines) if (l) process.stderr.write(`[${component}] ${l}\n`);
    });
  }
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stopped: Promise<number | null> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
      return code;
    })();
    return stopped;
  };
  inst.cleanups.push(stop);
  const local: LocalProcess = {
    name: `${inst.release}/${component}`,
    proxy,
    logs,
    ports: { metrics, probe, serve },
    env,
    child,
    stop,
    metrics: () => httpGet(metrics, '/metrics').then((r) => r.body),
    refusals: () => [
      ...logs.filter((l) => /\b403\b|forbidden/i.test(l)),
      ...proxy.refused().map((r) => `${r.status} ${r.method} ${r.url}`),
    ],
  };
  await eventually(
    async () => {
      if (child.exitCode !== null)
        throw new Error(`${local.name} exited ${child.exitCode}:\n${logs.join('\n')}`);
      return (await httpGet(probe, '/readyz')).status === 200;
    },
    { timeoutMs: 30_000, what: `${local.name} to be ready` },
  );
  return local;
}

/** Starts the controller-manager and waits until it holds its leader lease. */
export async function startManager(inst: Installed): Promise<LocalProcess> {
  const manager = await startComponent(inst, 'controller-manager');
  const { client } = await testEnv();
  const leaseArg = deploymentOf(
    inst.objects,
    'controller-manager',
  ).spec.template.spec.containers[0].args.find((a: string) => a.startsWith('--leader-election-id='));
  if (leaseArg !== undefined) {
    const lease = leaseArg.split('=')[1];
    await eventually(
      async () => {
        const l = await client.request<KubeObject>({
          method: 'GET',
          path: objectPath(builtin.Lease, inst.namespace, lease),
        });
        return l.spec?.holderIdentity === manager.env.POD_NAME;
      },
      { timeoutMs: 30_000, what: `${manager.name} to hold lease ${lease}` },
    );
  }
  return manager;
}

/**
 * Starts the webhook. Its configurations (created by the chart, pointing at the Service) are first
 * pointed at the local process's URL; the webhook itself then writes their caBundle, as in a cluster.
 */
export async function startWebhook(inst: Installed): Promise<LocalProcess> {
  const { client } = await testEnv();
  const [port] = (await freePorts(1)) as [number];
  const configs = inst.objects.filter(
    (o) => o.kind === 'ValidatingWebhookConfiguration' || o.kind === 'MutatingWebhookConfiguration',
  );
  for (const c of configs) {
    const type =
      c.kind === 'ValidatingWebhookConfiguration'
        ? builtin.ValidatingWebhookConfiguration
        : builtin.MutatingWebhookConfiguration;
    await client.request({
      method: 'PATCH',
      path: objectPath(type, undefined, c.metadata.name),
      contentType: contentTypes.json,
      body: (c.webhooks as { clientConfig: { service: { path: string } } }[]).flatMap((w, i) => [
        { op: 'remove', path: `/webhooks/${i}/clientConfig/service` },
        {
          op: 'add',
          path: `/webhooks/${i}/clientConfig/url`,
          value: `https://127.0.0.1:${port}${w.clientConfig.service.path}`,
        },
      ]),
    });
  }
  const webhook = await startComponent(inst, 'admission-webhook', () => [
    `--listen-address=127.0.0.1:${port}`,
    `--webhook-url=https://127.0.0.1:${port}`,
  ]);
  await eventually(
    async () => {
      for (const c of configs) {
        const type =
          c.kind === 'ValidatingWebhookConfiguration'
            ? builtin.ValidatingWebhookConfiguration
            : builtin.MutatingWebhookConfiguration;
        const live = await client.request<KubeObject>({
          method: 'GET',
          path: objectPath(type, undefined, c.metadata.name),
        });
        if (!live.webhooks.every((w: { clientConfig: { caBundle?: string } }) => w.clientConfig.caBundle))
          return false;
      }
      return true;
    },
    { timeoutMs: 30_000, what: `${webhook.name} to inject its caBundle` },
  );
  return webhook;
}

/**
 * The (group, resource, verb) triples a process used: each request's own verb, plus `create` for a
 * server-side apply that created its object (201), which the API server authorizes as a create too.
 */
export function usedAccesses(accesses: readonly (Access & { status: number })[]): Set<string> {
  const used = new Set<string>();
  for (const a of accesses) {
    used.add(`${a.group}|${a.resource}|${a.verb}`);
    if (a.verb === 'patch' && a.status === 201) used.add(`${a.group}|${a.resource}|create`);
  }
  return used;
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.once('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', fail);
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Lists an object collection as admin. */
export async function listAs<T = KubeObject>(path: string): Promise<T[]> {
  const { client } = await testEnv();
  return (await client.request<{ items: T[] }>({ method: 'GET', path })).items;
}
