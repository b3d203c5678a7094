/**
 * The operator as it runs in production, for the footprint benchmark: the manager built to
 * JavaScript (`npm run build`, what the image runs), started as its own process under its own
 * ServiceAccount (so the API server's audit log tells its requests apart), and measured from
 * /proc (RSS, CPU) and its /metrics endpoint (V8 heap).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtin, collectionPath } from '../src/kube/resources.ts';
import { instructions } from '../test/install/dockerfile.ts';
import { type ControlPlane, kubeconfigYaml } from '../test/support/control-plane.ts';
import { freePorts } from '../test/support/ports.ts';
import { Component } from '../test/support/process.ts';

const root = resolve(import.meta.dirname, '..');
export const operatorNamespace = 'doris-bench-operator';
export const operatorUser = `system:serviceaccount:${operatorNamespace}:doris-operator`;

/** Compiles src/ to dist/ as the image's build stage does. */
export function buildOperator(): void {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

/**
 * The Node.js flags of the image's ENTRYPOINT (between `node` and the script), so the manager is
 * measured as the image runs it; `BENCH_NODE_FLAGS` (space-separated) replaces them to compare.
 */
export function imageNodeFlags(): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined)
    return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const entrypoint = instructions(readFileSync(join(root, 'Dockerfile'), 'utf8'))
    .filter((i) => i.op === 'ENTRYPOINT')
    .at(-1);
  if (entrypoint === undefined) throw new Error('the Dockerfile has no ENTRYPOINT');
  const argv = JSON.parse(entrypoint.args) as string[];
  if (argv[0] !== 'node' || argv.at(-1) !== '/app/dist/cli/main.js')
    throw new Error(`unexpected ENTRYPOINT ${entrypoint.args}`);
  return argv.slice(1, -1);
}

export interface Sample {
  /** Resident set size, MiB. */
  readonly rssMiB: number;
  /** Of which anonymous memory (heap, malloc) and file-backed pages (the node binary, libraries). */
  readonly anonMiB: number;
  readonly fileMiB: number;
  /** CPU time (user + system) since the process started, seconds. */
  readonly cpuS: number;
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export class OperatorProcess {
  private readonly component: Component;
  readonly metricsUrl: string;
  readonly logPath: string;

  private constructor(component: Component, metricsUrl: string, logPath: string) {
    this.component = component;
    this.metricsUrl = metricsUrl;
    this.logPath = logPath;
  }

  /**
   * Starts the manager watching every namespace, as the operator's ServiceAccount (bound to
   * cluster-admin: this measures work, not rights), and waits until it is ready.
   */
  static async start(
    cp: ControlPlane,
    opts: { namespaces?: readonly string[] } = {},
  ): Promise<OperatorProcess> {
    const admin = cp.client();
    const post = (path: string, body: object) => admin.request({ method: 'POST', path, body });
    await post(collectionPath(builtin.Namespace), { metadata: { name: operatorNamespace } });
    await post(collectionPath(builtin.ServiceAccount, operatorNamespace), {
      metadata: { name: 'doris-operator' },
    });
    await post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'doris-bench-operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'doris-operator', namespace: operatorNamespace }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'doris-bench-operator-'));
    const token = await cp.tokenFor(operatorNamespace, 'doris-operator');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(cp.info.server, cp.info.caPem, token), { mode: 0o600 });
    const [metricsPort, probePort] = (await freePorts(2)) as [number, number];
    const logPath = join(dir, 'operator.log');
    const component = new Component({
      name: 'doris-operator',
      binary: process.execPath,
      args: [
        ...imageNodeFlags(),
        join(root, 'dist/cli/main.js'),
        'manager',
        `--kubeconfig=${kubeconfig}`,
        '--no-leader-elect',
        ...(opts.namespaces ? [`--namespaces=${opts.namespaces.join(',')}`] : []),
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${probePort}`,
      ],
      logPath,
    });
    component.start();
    const op = new OperatorProcess(component, `http://127.0.0.1:${metricsPort}/metrics`, logPath);
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${probePort}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        // Ready once every cache listed; each informer opens its watch right after its list, so
        // the last watches are sent just after: measurements of rest start once they are.
        await sleep(1000);
        return op;
      }
      if (i > 300) throw new Error(`the operator did not become ready; log: ${logPath}`);
      await sleep(100);
    }
  }

  get pid(): number {
    const pid = this.component.pid;
    if (pid === undefined) throw new Error('the operator is not running');
    return pid;
  }

  sample(): Sample {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
    const rssKiB = kib('VmRSS');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      rssMiB: round1(rssKiB / 1024),
      anonMiB: round1(kib('RssAnon') / 1024),
      fileMiB: round1(kib('RssFile') / 1024),
      cpuS: Math.round((ticks / clockTicks) * 100) / 100,
    };
  }

  /** V8's heap (used, and committed in total) and memory outside it, MiB, from the operator's metrics. */
  async heap(): Promise<{ usedMiB: number; totalMiB: number; externalMiB: number }> {
    const text = await (await fetch(this.metricsUrl)).text();
    const get = (name: string) => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      if (m === null) throw new Error(`${name} missing from the operator metrics`);
      return round1(Number(m[1]) / 2 ** 20);
    };
    return {
      usedMiB: get('nodejs_heap_size_used_bytes'),
      totalMiB: get('nodejs_heap_size_total_bytes'),
      externalMiB: get('nodejs_external_memory_bytes'),
    };
  }

  stop(): Promise<void> {
    return this.component.stop();
  }
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The audit policy: every request of the operator's ServiceAccount at Metadata level, nothing else. */
export function auditArgs(dir: string): { args: string[]; logPath: string } {
  const policy = join(dir, 'audit-policy.yaml');
  writeFileSync(
    policy,
    [
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitStages: [RequestReceived]',
      'rules:',
      // Status writes with their bodies, to tell what changed when one happens at rest.
      '- level: Request',
      `  users: ["${operatorUser}"]`,
      '  resources: [{group: doris.cloudnative.dev, resources: ["dorisclusters/status"]}]',
      `- level: Metadata`,
      `  users: ["${operatorUser}"]`,
      '- level: None',
      '',
    ].join('\n'),
  );
  const logPath = join(dir, 'audit.log');
  return {
    args: [`--audit-policy-file=${policy}`, `--audit-log-path=${logPath}`, '--audit-log-maxsize=0'],
    logPath,
  };
}

export interface AuditEvent {
  readonly auditID: string;
  readonly verb: string;
  readonly requestURI: string;
  readonly stage: string;
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
  readonly objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  readonly responseStatus?: { code?: number };
  /** Only for status writes (logged at Request level). */
  readonly requestObject?: { status?: unknown };
}

/** The operator's requests received in [from, to) (epoch ms), one per request. */
export function auditedRequests(logPath: string, from: number, to = Number.POSITIVE_INFINITY): AuditEvent[] {
  const seen = new Map<string, AuditEvent>();
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as AuditEvent;
    const at = Date.parse(e.requestReceivedTimestamp);
    if (at < from || at >= to) continue;
    // A watch is logged when its response starts and again when it ends: keep the first.
    if (!seen.has(e.auditID)) seen.set(e.auditID, e);
  }
  return [...seen.values()];
}

/**
 * The status writes received in [from, to), each with the status fields it changed from the
 * object's previous status write: what made the operator write when nothing should have changed.
 */
export function statusWrites(
  logPath: string,
  from: number,
  to: number,
): { object: string; at: string; changed: string[] }[] {
  const last = new Map<string, Map<string, string>>();
  const out: { object: string; at: string; changed: string[] }[] = [];
  const writes = auditedRequests(logPath, 0).filter(
    (e) => e.objectRef?.subresource === 'status' && e.requestObject !== undefined,
  );
  for (const e of writes) {
    const object = `${e.objectRef?.namespace}/${e.objectRef?.name}`;
    const fields = flatten(e.requestObject?.status);
    const before = last.get(object);
    last.set(object, fields);
    const at = Date.parse(e.requestReceivedTimestamp);
    if (at < from || at >= to) continue;
    const keys = new Set([...fields.keys(), ...(before?.keys() ?? [])]);
    const changed = [...keys].filter((k) => before?.get(k) !== fields.get(k));
    out.push({ object, at: e.requestReceivedTimestamp, changed });
  }
  return out;
}

function flatten(value: unknown, path = 'status', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, `${path}.${k}`, out);
  } else out.set(path, JSON.stringify(value));
  return out;
}

export interface RequestCounts {
  readonly reads: number;
  readonly writes: number;
  readonly watches: number;
  /** Writes by resource (`events`, `dorisclusters/status`, `statefulsets (dry run)`, ...). */
  readonly writesTo: Record<string, number>;
}

const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'];

export function countRequests(events: readonly AuditEvent[]): RequestCounts {
  const by = (verbs: readonly string[]) => events.filter((e) => verbs.includes(e.verb)).length;
  const writesTo: Record<string, number> = {};
  for (const e of events.filter((x) => writeVerbs.includes(x.verb))) {
    const dry = e.requestURI.includes('dryRun=') ? ' (dry run)' : '';
    const r = [e.objectRef?.resource, e.objectRef?.subresource].filter(Boolean).join('/') + dry;
    writesTo[r] = (writesTo[r] ?? 0) + 1;
  }
  return { reads: by(['get', 'list']), writes: by(writeVerbs), watches: by(['watch']), writesTo };
}

/** Waits until `f` returns something other than false/undefined. */
export async function until<T>(
  what: string,
  f: () => Promise<T | false | undefined>,
  timeoutMs = 300_000,
  intervalMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await f().catch((err: unknown) => {
      last = err;
      return undefined;
    });
    if (v !== false && v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? `; last error: ${last}` : ''}`);
    await sleep(intervalMs);
  }
}
