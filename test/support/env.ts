/**
 * What a test file needs from the shared control plane started by `test/run.ts`: an admin client,
 * a fresh namespace per test, kubectl, and polling helpers. Run on its own (`node --test file`),
 * a test file starts a private control plane instead, stopped when the process exits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, collectionPath, objectPath } from '../../src/kube/resources.ts';
import { RestClient } from '../../src/kube/rest.ts';
import {
  ControlPlane,
  type ControlPlaneInfo,
  type ControlPlaneOptions,
  kubeconfigYaml,
  serviceAccountToken,
} from './control-plane.ts';
import { SimulatorClient } from './doris/control/client.ts';
import { type RunningSimulator, startSimulator } from './doris/index.ts';
import type { Timing } from './doris/timing.ts';

let shared: Promise<{ info: ControlPlaneInfo; client: RestClient }> | undefined;

/** The shared control plane of this test run. */
export function testEnv(): Promise<{ info: ControlPlaneInfo; client: RestClient }> {
  shared ??= (async () => {
    const file = process.env.DORIS_TEST_ENV;
    let info: ControlPlaneInfo;
    if (file !== undefined) {
      info = JSON.parse(readFileSync(file, 'utf8')) as ControlPlaneInfo;
    } else {
      const cp = await ControlPlane.start();
      process.once('beforeExit', () => void cp.stop());
      info = cp.info;
    }
    const client = await RestClient.fromKubeconfigFile(info.kubeconfigPath);
    process.once('beforeExit', () => client.close());
    return { info, client };
  })();
  return shared;
}

let sharedSimulator: Promise<SimulatorClient> | undefined;

/**
 * The control API of the run's Doris simulator (started by `test/run.ts`). A test file run on its
 * own starts a private one as a child process, killed when the file's process exits.
 */
export function simulator(): Promise<SimulatorClient> {
  sharedSimulator ??= (async () => {
    const url = process.env.DORIS_SIMULATOR_URL;
    if (url !== undefined) return new SimulatorClient(url);
    const { info } = await testEnv();
    const urlFile = join(info.dir, `simulator-${process.pid}.url`);
    const main = join(import.meta.dirname, 'doris/main.ts');
    const args = [main, `--kubeconfig=${info.kubeconfigPath}`, `--url-file=${urlFile}`];
    // As for the control plane's processes: the kernel kills it if this process dies first.
    const child = existsSync('/usr/bin/setpriv')
      ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, ...args], {
          stdio: 'ignore',
        })
      : spawn(process.execPath, args, { stdio: 'ignore' });
    child.unref();
    process.once('exit', () => child.kill());
    await eventually(() => existsSync(urlFile), { timeoutMs: 30_000, what: 'the Doris simulator' });
    return new SimulatorClient(readFileSync(urlFile, 'utf8'));
  })();
  return sharedSimulator;
}

export interface PrivateEnvironment {
  readonly controlPlane: ControlPlane;
  readonly simulator: RunningSimulator;
  stop(): Promise<void>;
}

/**
 * For a test file that disturbs the control plane itself (freezes the controller manager) or
 * slows every Doris member down: its own control plane and simulator, so tests of other files
 * running at the same time are not affected. Call before anything else uses `testEnv()`.
 */
export async function privateEnvironment(
  timing: Partial<Timing> = {},
  clusterDomain?: string,
  controlPlaneOptions: ControlPlaneOptions = {},
): Promise<PrivateEnvironment> {
  const controlPlane = await ControlPlane.start(controlPlaneOptions);
  const sim = await startSimulator({
    kubeconfigPath: controlPlane.info.kubeconfigPath,
    timing,
    ...(clusterDomain ? { clusterDomain } : {}),
  });
  const client = await RestClient.fromKubeconfigFile(controlPlane.info.kubeconfigPath);
  shared = Promise.resolve({ info: controlPlane.info, client });
  sharedSimulator = Promise.resolve(sim.client);
  return {
    controlPlane,
    simulator: sim,
    stop: async () => {
      await sim.stop();
      client.close();
      await controlPlane.stop();
    },
  };
}

/** A client that acts as a ServiceAccount, with a token from the TokenRequest API. */
export async function clientAs(namespace: string, serviceAccount: string): Promise<RestClient> {
  const { info, client } = await testEnv();
  const token = await serviceAccountToken(client, namespace, serviceAccount);
  return RestClient.fromKubeconfigText(kubeconfigYaml(info.server, info.caPem, token));
}

/** Creates a namespace for one test and deletes it when the test ends. */
export async function newNamespace(t: TestContext, prefix = 'test'): Promise<string> {
  const { client } = await testEnv();
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  });
  t.after(async () => {
    await client
      .request({ method: 'DELETE', path: objectPath(builtin.Namespace, undefined, name) })
      .catch(() => {});
  });
  // Pods are refused until the service-account controller has made the namespace's `default`.
  await eventually(
    async () => {
      await client.request({ method: 'GET', path: objectPath(builtin.ServiceAccount, name, 'default') });
      return true;
    },
    { timeoutMs: 20_000, what: `default ServiceAccount in ${name}` },
  );
  return name;
}

export interface EventuallyOptions {
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** @default 100 */
  readonly intervalMs?: number;
  /** Names what is awaited in the failure message. */
  readonly what?: string;
}

/**
 * Polls `check` until it returns a value other than false/undefined and returns that value; a
 * thrown error counts as "not yet". Fails with the last error or value after the timeout.
 */
export async function eventually<T>(
  check: () => Promise<T | false | undefined> | T | false | undefined,
  opts: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${opts.timeoutMs ?? 30_000} ms waiting for ${opts.what ?? 'condition'}: ${detail}`,
      );
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the machine's kubectl against the test control plane. */
export async function kubectl(args: readonly string[], input?: string): Promise<KubectlResult> {
  const { info } = await testEnv();
  const res = spawnSync('kubectl', [`--kubeconfig=${info.kubeconfigPath}`, ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status ?? 1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}
