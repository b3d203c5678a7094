/**
 * The installers as a user runs them: the pinned helm binary (hack/helm.sh), `kubectl kustomize`,
 * and `kubectl apply --server-side` against the test control plane. Everything runs as a child
 * process without blocking the event loop, so webhook or proxy servers of the same test keep
 * answering while kubectl waits on them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../src/runtime/object.ts';
import { testEnv } from '../support/env.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const chartDir = join(repoRoot, 'charts/doris-operator');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(opts.input);
  });
}

/** Like run(), failing with the command's stderr on a non-zero exit. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

let helmPath: string | undefined;

/** The pinned helm binary, fetched into the cache on first use. */
export function helmBinary(): string {
  helmPath ??= execFileSync('bash', [join(repoRoot, 'hack/helm.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  return helmPath ?? '';
}

export function helm(args: readonly string[], input?: string): Promise<RunResult> {
  return run(helmBinary(), args, { input });
}

/** Every YAML document of a stream as an object (empty documents dropped). */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors[0]?.message}`);
      return d.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}

export function toYamlStream(objects: readonly object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

export interface RenderOptions {
  readonly release?: string;
  readonly namespace: string;
  readonly values?: object;
  readonly includeCrds?: boolean;
}

/** `helm template` with the values given as a file, parsed. */
export async function renderChart(o: RenderOptions): Promise<KubeObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'doris-chart-'));
  try {
    const valuesFile = join(dir, 'values.yaml');
    writeFileSync(valuesFile, stringify(o.values ?? {}));
    const out = await runOk(helmBinary(), [
      'template',
      o.release ?? 'doris-operator',
      chartDir,
      '--namespace',
      o.namespace,
      '--values',
      valuesFile,
      ...(o.includeCrds ? ['--include-crds'] : []),
    ]);
    return parseManifests(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function kustomize(dir: string): Promise<KubeObject[]> {
  return parseManifests(await runOk('kubectl', ['kustomize', join(repoRoot, dir)]));
}

/** kubectl against the test control plane as admin (or with the given kubeconfig). */
export async function kubectl(
  args: readonly string[],
  input?: string,
  kubeconfig?: string,
): Promise<RunResult> {
  const { info } = await testEnv();
  return run('kubectl', [`--kubeconfig=${kubeconfig ?? info.kubeconfigPath}`, ...args], { input });
}

/** Server-side apply of manifests, for real or as a server-side dry run. */
export async function applyManifests(objects: readonly object[], dryRun = false): Promise<string> {
  const r = await kubectl(
    [
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=doris-install-test',
      ...(dryRun ? ['--dry-run=server'] : []),
      '-f',
      '-',
    ],
    toYamlStream(objects),
  );
  if (r.code !== 0) throw new Error(`kubectl apply${dryRun ? ' --dry-run=server' : ''} failed:\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** Objects of a kind, optionally by name. */
export function ofKind(objects: readonly KubeObject[], kind: string, name?: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = ofKind(objects, kind, name);
  if (found.length !== 1) throw new Error(`want one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0]!;
}
