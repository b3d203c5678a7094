/**
 * The one-command start (`npm start` without a cluster, run through npm itself): hack/playground.ts
 * brings up its own control plane, the Doris simulator, the webhook and the operator; the sample
 * cluster and every other sample of config/samples become Ready, as seen with kubectl through the
 * kubeconfig it writes; the webhook is in the path; and SIGTERM to npm stops everything: npm exits
 * 0, the control plane's folder is gone and no process of it is left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../support/env.ts';
import { repoRoot, run, toYamlStream } from './tools.ts';

/** Processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
    .flatMap((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmd.includes(text) ? [`${p}: ${cmd.slice(0, 200)}`] : [];
      } catch {
        return [];
      }
    });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

test('npm start without a cluster: playground up, sample Ready behind the webhook, SIGTERM stops everything', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'doris-playground-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, DORIS_PLAYGROUND_DIR: dir };
  delete env.KUBECONFIG;
  delete env.KUBERNETES_SERVICE_HOST;
  // Through npm itself, as users run it: npm must hand SIGTERM on to the playground.
  // Its own process group: a failed test stops the playground under npm too, not only npm.
  const child = spawn('npm', ['start', '--silent'], { env, cwd: repoRoot, detached: true });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  t.after(async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const gone = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
    if (!gone) process.kill(-child.pid, 'SIGKILL');
  });

  await eventually(
    () => {
      if (child.exitCode !== null) throw new Error(`the playground exited ${child.exitCode}: ${output}`);
      return output.includes('Playground is up');
    },
    { timeoutMs: 120_000, intervalMs: 500, what: 'the playground to start' },
  );
  const server = /Kubernetes (https:\/\/127\.0\.0\.1:(\d+))/.exec(output);
  const cpDir = /Component logs: (\S+)\/logs/.exec(output)?.[1];
  assert.ok(server && cpDir, output);
  const kubeconfig = join(dir, 'kubeconfig');
  assert.ok(output.includes(`export KUBECONFIG=${kubeconfig}`), 'it says how to use kubectl');
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { input });

  await eventually(
    async () => {
      const r = await kubectl([
        'get',
        'doriscluster',
        'doris',
        '-n',
        'doris',
        '-o',
        'jsonpath={.status.phase}',
      ]);
      return r.stdout === 'Ready';
    },
    { timeoutMs: 150_000, intervalMs: 1000, what: 'the sample cluster to be Ready' },
  );
  await eventually(() => /doris: Ready/.test(output), { timeoutMs: 15_000, what: 'the live status line' });

  // The webhook is in the path: a data directory named over the image's own directories is refused.
  const bad = {
    apiVersion: 'doris.cloudnative.dev/v1alpha1',
    kind: 'DorisCluster',
    metadata: { name: 'bad', namespace: 'doris' },
    spec: { version: '2.1.8', fe: {}, be: { storage: { dataDirs: [{ name: 'bin' }] } } },
  };
  const refused = await kubectl(['apply', '--dry-run=server', '-f', '-'], toYamlStream([bad]));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /admission webhook .* denied|would be mounted over/);

  // Every sample reaches Ready here, production.yaml's five FEs on five different nodes included.
  for (const sample of ['minimal.yaml', 'production.yaml']) {
    const applied = await kubectl(['apply', '-n', 'doris', '-f', join(repoRoot, 'config/samples', sample)]);
    assert.equal(applied.code, 0, applied.stderr);
  }
  for (const name of ['doris-minimal', 'doris-production']) {
    await eventually(
      async () => {
        const r = await kubectl([
          'get',
          'doriscluster',
          name,
          '-n',
          'doris',
          '-o',
          'jsonpath={.status.phase}',
        ]);
        return r.stdout === 'Ready';
      },
      { timeoutMs: 240_000, intervalMs: 2000, what: `sample ${name} to be Ready` },
    );
  }
  const feNodes = await kubectl([
    'get',
    'pods',
    '-n',
    'doris',
    '-l',
    'app.kubernetes.io/instance=doris-production,app.kubernetes.io/component=fe',
    '-o',
    'jsonpath={.items[*].spec.nodeName}',
  ]);
  assert.equal(new Set(feNodes.stdout.split(' ')).size, 5, `one FE per node: ${feNodes.stdout}`);

  // The autoscaler sample follows the production cluster's compute nodes.
  const autoscaler = await kubectl([
    'apply',
    '-n',
    'doris',
    '-f',
    join(repoRoot, 'config/samples/autoscaler.yaml'),
  ]);
  assert.equal(autoscaler.code, 0, autoscaler.stderr);
  await eventually(
    async () => {
      const r = await kubectl([
        'get',
        'dca',
        'doris-production',
        '-n',
        'doris',
        '-o',
        'jsonpath={.status.currentReplicas}/{.status.conditions[?(@.type=="AbleToScale")].status}',
      ]);
      return r.stdout === '2/True' || r.stdout.startsWith('4/');
    },
    { timeoutMs: 60_000, intervalMs: 2000, what: 'the autoscaler sample to follow doris-production' },
  ).catch(async (err: Error) => {
    const dca = await kubectl(['get', 'dca', '-n', 'doris', '-o', 'yaml']);
    throw new Error(`${err.message}\n${dca.stdout}${dca.stderr}\n${output.slice(-3000)}`);
  });

  // The monitor sample: its parts come up (kwok runs their pods) and its endpoints are reported.
  const monitor = await kubectl([
    'apply',
    '-n',
    'doris',
    '-f',
    join(repoRoot, 'config/samples/monitor.yaml'),
  ]);
  assert.equal(monitor.code, 0, monitor.stderr);
  await eventually(
    async () => {
      const r = await kubectl([
        'get',
        'dm',
        'doris-production-monitor',
        '-n',
        'doris',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Prometheus")].status}/{.status.conditions[?(@.type=="Grafana")].status}/{.status.endpoints.grafana}',
      ]);
      return r.stdout === 'True/True/http://doris-production-monitor-grafana.doris.svc.cluster.local:3000';
    },
    { timeoutMs: 90_000, intervalMs: 2000, what: 'the monitor sample deployed' },
  );

  child.kill('SIGTERM');
  assert.equal(await exited, 0, output.slice(-3000));
  assert.deepEqual(
    processesMentioning('hack/playground.ts'),
    [],
    'npm handed SIGTERM on: no playground left',
  );
  assert.match(output, /Stopped\./);
  assert.equal(existsSync(cpDir), false, 'the control plane folder is removed');
  assert.deepEqual(processesMentioning(cpDir), [], 'no process of the playground is left');
  assert.equal(await portOpen(Number(server[2])), false, 'the API server is gone');
});
