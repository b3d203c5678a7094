/**
 * The image, without a container engine: the Dockerfile's own steps (dockerfile.ts reads them:
 * the same COPY lines through .dockerignore, the same `npm ci --omit=dev`) are carried out in a
 * temporary folder, and the result is started the way the image starts: its ENTRYPOINT and CMD,
 * as its non-root USER, with the whole tree read-only to that user. The manager started from the
 * tree makes a DorisCluster Ready: the production dependencies are enough.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { installCrds } from '../api/support.ts';
import { createCluster, waitReady } from '../cluster/support.ts';
import { eventually, newNamespace, testEnv } from '../support/env.ts';
import { freePorts } from '../support/ports.ts';
import { buildLikeDocker, ignoreFilter, type Stage } from './dockerfile.ts';
import { repoRoot, run } from './tools.ts';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The image's command line with `args` as CMD, mapped onto the folder and run as the image's USER. */
function imageCommand(stage: Stage, args: readonly string[]): [string, string[]] {
  const map = (a: string) => (a === 'node' ? process.execPath : a.startsWith('/') ? join(stage.root, a) : a);
  const argv = [...(stage.entrypoint ?? []).map(map), ...args];
  const [uid, gid = uid] = (stage.user ?? '').split(':');
  if (process.getuid?.() === 0 && uid) {
    return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...argv]];
  }
  return [argv[0]!, argv.slice(1)];
}

test('.dockerignore sends package.json, the lock file and src/ without tests', () => {
  const ignored = ignoreFilter(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
  for (const kept of ['package.json', 'package-lock.json', 'src/cli/main.ts', 'src/webhook/app.ts'])
    assert.equal(ignored(kept), false, kept);
  for (const dropped of [
    'test/run.ts',
    'node_modules/yaml/index.js',
    'src/cluster/plan/plan.test.ts',
    '.git/HEAD',
  ])
    assert.equal(ignored(dropped), true, dropped);
});

test('the Dockerfile steps install production dependencies only; the manager runs from the result as non-root', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'doris-image-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // npm reuses its cache (filled by the project's own `npm ci`); the registry is asked only for what is missing.
  const stage = buildLikeDocker(repoRoot, dir, { ...process.env, npm_config_prefer_offline: 'true' });

  // The image's Node.js is the one the tests run on.
  assert.match(stage.image, new RegExp(`^node:${pkg.devDependencies.node!.replace(/\./g, '\\.')}-`));
  assert.equal(process.version, `v${pkg.devDependencies.node}`);
  assert.deepEqual(stage.cmd, ['manager']);
  assert.ok(stage.user && !/^(0|root)(:|$)/.test(stage.user), `runs as ${stage.user}`);

  const app = join(stage.root, 'app');
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(app, 'node_modules', dep)), dep);
  // Every installed package is at its locked version, and none is a dev-only one.
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; dev?: boolean }>;
  };
  const installed = JSON.parse(readFileSync(join(app, 'node_modules/.package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  assert.ok(Object.keys(installed.packages).length > 50);
  for (const [path, p] of Object.entries(installed.packages)) {
    assert.equal(p.version, lock.packages[path]?.version, `${path} is not at its locked version`);
    assert.notEqual(lock.packages[path]?.dev, true, `${path} is a devDependency`);
  }
  assert.ok(!existsSync(join(app, 'test')), 'no tests in the image');
  assert.ok(!existsSync(join(app, 'src/cluster/plan/plan.test.ts')), 'no unit tests in the image');

  // Readable, not writable, by the image's user: a read-only root filesystem changes nothing.
  chmodSync(dir, 0o755);
  const { info } = await testEnv();
  const kubeconfig = join(dir, 'kubeconfig');
  copyFileSync(info.kubeconfigPath, kubeconfig);
  chmodSync(kubeconfig, 0o644);
  const env = { PATH: process.env.PATH ?? '', ...stage.env };

  const [cmd, crdArgs] = imageCommand(stage, ['crds']);
  const crds = await run(cmd, crdArgs, { cwd: '/', env });
  assert.equal(crds.code, 0, crds.stderr);
  const expected = ['dorisclusters', 'dorisinitializers', 'dorisclusterautoscalers', 'dorismonitors'].map(
    (plural) =>
      parse(readFileSync(join(repoRoot, `config/crd/bases/doris.cloudnative.dev_${plural}.yaml`), 'utf8')),
  );
  const printed = parseAllDocuments(crds.stdout).map((d) => d.toJS());
  assert.deepEqual(printed, expected, '`crds` from the image prints the committed CRDs');
  const [wcmd, webhookArgs] = imageCommand(stage, ['webhook', '--help']);
  assert.equal((await run(wcmd, webhookArgs, { cwd: '/', env })).code, 0);

  await installCrds();
  const ns = await newNamespace(t, 'image');
  const [metrics, probe] = (await freePorts(2)) as [number, number];
  const [mcmd, managerArgs] = imageCommand(stage, [
    ...(stage.cmd ?? []),
    `--kubeconfig=${kubeconfig}`,
    `--namespaces=${ns}`,
    '--no-leader-elect',
    `--metrics-bind-address=127.0.0.1:${metrics}`,
    `--health-probe-bind-address=127.0.0.1:${probe}`,
  ]);
  const child = spawn(mcmd, managerArgs, { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the manager exited ${child.exitCode}: ${output}`);
      const r = await fetch(`http://127.0.0.1:${probe}/readyz`);
      return r.ok;
    },
    { timeoutMs: 30_000, what: 'the manager from the image tree to be ready' },
  );
  await createCluster(ns, 'doris', { version: '2.1.8', fe: { replicas: 1 }, be: { replicas: 1 } });
  await waitReady(ns, 'doris', 90_000);
  const scraped = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
  assert.match(scraped, /controller_runtime_reconcile_total\{[^}]*controller="doriscluster"/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, `graceful stop: ${output.slice(-2000)}`);
  assert.doesNotMatch(output, /EACCES|EROFS|read-only/i, 'nothing is written under the image tree');
});
