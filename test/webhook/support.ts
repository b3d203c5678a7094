/**
 * Shared by the webhook tests: runs the admission webhook in-process (as `doris-operator webhook`
 * does) against the test control plane, reachable by the API server at https://127.0.0.1:<port>,
 * with webhook configurations of its own, scoped by a namespace label so that tests running at
 * the same time are not affected; and kubectl helpers.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import { silentLogger } from '../../src/runtime/log.ts';
import { WebhookApp, type WebhookAppOptions } from '../../src/webhook/app.ts';
import { eventually, type KubectlResult, testEnv } from '../support/env.ts';

/** The namespace label a webhook started by `startWebhook` selects on. */
export const SCOPE_LABEL = 'doris-webhook-test/scope';

export interface RunningWebhook {
  readonly app: WebhookApp;
  readonly scope: string;
  readonly client: RestClient;
  readonly secretNamespace: string;
  readonly names: { readonly validating: string; readonly mutating: string };
}

type Overrides = Partial<Omit<WebhookAppOptions, 'client' | 'logger' | 'certificates' | 'configurations'>> & {
  readonly certificates?: Partial<Extract<WebhookAppOptions['certificates'], { mode: 'self-signed' }>>;
};

/** Creates a namespace in the webhook's scope (or any labels), deleted after the test. */
export async function scopedNamespace(t: TestContext, scope: string, prefix = 'wh'): Promise<string> {
  const { client } = await testEnv();
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [SCOPE_LABEL]: scope } } },
  });
  t.after(() =>
    client
      .request({ method: 'DELETE', path: objectPath(builtin.Namespace, undefined, name) })
      .catch(() => {}),
  );
  return name;
}

export async function startWebhook(t: TestContext, overrides: Overrides = {}): Promise<RunningWebhook> {
  const { info } = await testEnv();
  const scope = randomBytes(4).toString('hex');
  const client = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
  const secretNamespace = await scopedNamespace(t, `certs-${scope}`, 'whcerts');
  const names = { validating: `doris-test-validating-${scope}`, mutating: `doris-test-mutating-${scope}` };
  const { certificates, ...rest } = overrides;
  const app = new WebhookApp({
    client,
    logger: silentLogger,
    listenAddress: '127.0.0.1:0',
    ...rest,
    certificates: {
      mode: 'self-signed',
      namespace: secretNamespace,
      secretName: 'webhook-certs',
      caValidityMs: 3650 * 86_400_000,
      servingValidityMs: 365 * 86_400_000,
      caOverlapMs: 60_000,
      checkIntervalMs: 60_000,
      ...certificates,
    },
    configurations: {
      manage: true,
      validatingName: names.validating,
      mutatingName: names.mutating,
      // Port 0: the app puts the port it listens on into the configurations.
      url: 'https://127.0.0.1:0',
      namespaceSelector: { matchLabels: { [SCOPE_LABEL]: scope } },
    },
  });
  await app.start();
  t.after(async () => {
    await app.stop();
    await deleteConfigurations(client, names);
    client.close();
  });
  return { app, scope, client, secretNamespace, names };
}

export async function deleteConfigurations(
  client: RestClient,
  names: { validating: string; mutating: string },
): Promise<void> {
  await client
    .request({
      method: 'DELETE',
      path: objectPath(builtin.ValidatingWebhookConfiguration, undefined, names.validating),
    })
    .catch(() => {});
  await client
    .request({
      method: 'DELETE',
      path: objectPath(builtin.MutatingWebhookConfiguration, undefined, names.mutating),
    })
    .catch(() => {});
}

/**
 * kubectl, run without blocking this process: the webhook under test answers from this same
 * event loop (test/support's kubectl waits synchronously, which would starve it).
 */
export async function kubectl(args: readonly string[], input?: string): Promise<KubectlResult> {
  const { info } = await testEnv();
  const child = spawn('kubectl', [`--kubeconfig=${info.kubeconfigPath}`, ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(input ?? '');
  const timer = setTimeout(() => child.kill(), 60_000);
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Applies an object with kubectl (stdin JSON); returns the exit code and output. */
export function kubectlApply(obj: unknown, ns: string, extra: string[] = []) {
  return kubectl(['apply', '-n', ns, '-f', '-', ...extra], JSON.stringify(obj));
}

/** Waits until the API server calls this webhook for the namespace (configurations are picked up asynchronously). */
export async function waitForWebhook(ns: string): Promise<void> {
  let i = 0;
  await eventually(
    async () => {
      const name = `probe-${i++}`;
      // Only the webhook refuses a FE running the BE image: a refusal naming it proves it is called.
      const res = await kubectl(
        ['create', '--dry-run=server', '-n', ns, '-f', '-'],
        JSON.stringify({
          apiVersion: 'doris.cloudnative.dev/v1alpha1',
          kind: 'DorisCluster',
          metadata: { name },
          spec: { version: '2.1.8', fe: { image: 'apache/doris:be-2.1.8' }, be: {} },
        }),
      );
      return res.code !== 0 && res.stderr.includes('spec.fe.image: "apache/doris:be-2.1.8" is a BE image');
    },
    { timeoutMs: 30_000, what: 'the API server to call the webhook' },
  );
}
