/**
 * Reading the metrics an autoscaler follows, in the unit of each target, from one of two sources:
 * - Direct: the members' own `/metrics` (FE :8030, CN :8040), as Doris 2.1/3.0 export them
 *   (reference/doris-admin-plane.md §3). CPU is a rate: the busy share between this read of
 *   `doris_be_cpu{device="cpu"}` and the previous one of the same pod.
 * - Prometheus: the equivalent PromQL over the labels the scrape configuration sets.
 * A metric that cannot be read is an error reading, never a zero (zero would scale in).
 */
import type { MetricType, ResolvedAutoscalerSpec } from '../api/v1alpha1/index.ts';
import { parseQuantity } from '../kube/quantity.ts';
import type { Reading } from './decide.ts';
import { parseExposition, type Sample, select } from './exposition.ts';

export interface MemberTarget {
  readonly pod: string;
  readonly uid: string;
  readonly ip: string;
}

export interface Targets {
  readonly namespace: string;
  readonly cluster: string;
  /** FE pods that are Ready. */
  readonly fe: readonly MemberTarget[];
  /** Compute-node pods that are Ready (a CN still starting would pull averages down). */
  readonly cn: readonly MemberTarget[];
  /** spec.cn.replicas: what per-node values of cluster-wide metrics are divided by. */
  readonly current: number;
}

export interface ReadCost {
  requests: number;
  failures: number;
}

const httpTimeoutMs = 5000;
export const fePort = 8030;
export const cnPort = 8040;

/** The target of a metric as a number (percent for CPU, per compute node or a value otherwise). */
export function targetValue(m: ResolvedAutoscalerSpec['metrics'][number]): number {
  if (m.averageUtilization !== undefined) return m.averageUtilization;
  return parseQuantity(m.averageValue ?? m.value ?? 0) ?? Number.NaN;
}

async function scrape(ip: string, port: number, cost: ReadCost): Promise<Sample[]> {
  cost.requests++;
  try {
    const res = await fetch(`http://${ip}:${port}/metrics`, { signal: AbortSignal.timeout(httpTimeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return parseExposition(await res.text());
  } catch (err) {
    cost.failures++;
    throw err;
  }
}

const avg = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const errorText = (err: unknown) =>
  err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);

/** Reads the members' own endpoints; remembers each CN's CPU counters for the next rate. */
export class DirectReader {
  private cpu = new Map<string, { busy: number; total: number }>();
  private readonly cost: ReadCost;

  constructor(cost: ReadCost = { requests: 0, failures: 0 }) {
    this.cost = cost;
  }

  async read(spec: ResolvedAutoscalerSpec, t: Targets): Promise<Reading[]> {
    const types = new Set(spec.metrics.map((m) => m.type));
    const needFe = types.has('QPS') || types.has('P99Latency');
    const needCn = [...types].some((x) => x !== 'QPS' && x !== 'P99Latency');
    const fe = needFe ? await this.gather(t.fe, fePort) : { samples: [], errors: [] };
    const cn = needCn ? await this.gather(t.cn, cnPort) : { samples: [], errors: [] };
    const cpu = types.has('CPU') ? this.cpuShares(cn.samples) : [];
    return spec.metrics.map((m): Reading => {
      const target = targetValue(m);
      const fail = (why: string): Reading => ({ type: m.type, target, error: why });
      const ok = (value: number, ready?: number): Reading => ({
        type: m.type,
        target,
        value,
        ...(ready === undefined ? {} : { ready }),
      });
      const fromFe = m.type === 'QPS' || m.type === 'P99Latency';
      const source = fromFe ? fe : cn;
      if (source.samples.length === 0) {
        const who = fromFe ? 'FE' : 'compute node';
        const pods = fromFe ? t.fe : t.cn;
        return fail(
          pods.length === 0
            ? `no ready ${who} pod to read ${m.type} from`
            : `no ${who} answered on /metrics: ${source.errors.slice(0, 3).join('; ')}`,
        );
      }
      switch (m.type) {
        case 'CPU':
          return cpu.length === 0
            ? { ...fail('CPU is a rate over two reads of doris_be_cpu: first read taken'), pending: true }
            : ok(avg(cpu) * 100, cpu.length);
        case 'Memory':
          return fromEach(cn.samples, 'doris_be_memory_allocated_bytes', fail, ok);
        case 'RunningQueries':
          return fromEach(cn.samples, 'doris_be_fragment_instance_count', fail, ok);
        case 'QueuedQueries':
          return fromEach(cn.samples, 'doris_be_fragment_thread_pool_queue_size', fail, ok);
        case 'QPS': {
          const qps = fe.samples.map((s) => select(s.samples, 'doris_fe_qps')[0]?.value);
          if (qps.every((v) => v === undefined)) return fail('the FEs export no doris_fe_qps');
          return ok(qps.reduce<number>((a, v) => a + (v ?? 0), 0) / Math.max(t.current, 1));
        }
        case 'P99Latency': {
          const p99 = fe.samples.flatMap((s) =>
            select(s.samples, 'doris_fe_query_latency_ms', { quantile: '0.99' }).map((x) => x.value),
          );
          return p99.length === 0
            ? fail('the FEs export no doris_fe_query_latency_ms{quantile="0.99"}')
            : ok(Math.max(...p99));
        }
        default:
          return fail(`unknown metric ${m.type}`);
      }
    });
  }

  private async gather(
    pods: readonly MemberTarget[],
    port: number,
  ): Promise<{ samples: { pod: MemberTarget; samples: Sample[] }[]; errors: string[] }> {
    const results = await Promise.allSettled(pods.map((p) => scrape(p.ip, port, this.cost)));
    const samples: { pod: MemberTarget; samples: Sample[] }[] = [];
    const errors: string[] = [];
    results.forEach((r, i) => {
      const pod = pods[i] as MemberTarget;
      if (r.status === 'fulfilled') samples.push({ pod, samples: r.value });
      else errors.push(`${pod.pod}: ${errorText(r.reason)}`);
    });
    return { samples, errors };
  }

  /** Busy share of each CN since its previous read (pods read for the first time have none yet). */
  private cpuShares(reads: readonly { pod: MemberTarget; samples: Sample[] }[]): number[] {
    const next = new Map<string, { busy: number; total: number }>();
    const shares: number[] = [];
    for (const { pod, samples } of reads) {
      const all = select(samples, 'doris_be_cpu', { device: 'cpu' });
      if (all.length === 0) continue;
      // /proc/stat counts guest time inside user and nice already.
      const total = all.filter((s) => !s.labels.mode?.startsWith('guest')).reduce((a, s) => a + s.value, 0);
      const idle = all
        .filter((s) => s.labels.mode === 'idle' || s.labels.mode === 'iowait')
        .reduce((a, s) => a + s.value, 0);
      const now = { busy: total - idle, total };
      next.set(pod.uid, now);
      const before = this.cpu.get(pod.uid);
      if (before === undefined || now.total <= before.total) continue;
      shares.push(Math.min(1, Math.max(0, (now.busy - before.busy) / (now.total - before.total))));
    }
    // Pods gone since are forgotten with the rest.
    this.cpu = next;
    return shares;
  }
}

function fromEach(
  reads: readonly { samples: Sample[] }[],
  name: string,
  fail: (why: string) => Reading,
  ok: (v: number, ready: number) => Reading,
): Reading {
  const values = reads
    .map((r) => select(r.samples, name)[0]?.value)
    .filter((v): v is number => v !== undefined);
  return values.length === 0 ? fail(`the compute nodes export no ${name}`) : ok(avg(values), values.length);
}

type PrometheusSource = NonNullable<ResolvedAutoscalerSpec['metricsSource']['prometheus']>;

/** The PromQL each metric is read with: the same quantities as the direct reads, over the scraped series. */
export function promQueries(
  p: PrometheusSource,
  t: Pick<Targets, 'namespace' | 'cluster'>,
): Record<MetricType, string> {
  const sel = (component: string, extra = '') =>
    `{${p.labels.namespace}="${t.namespace}",${p.labels.cluster}="${t.cluster}",${p.labels.component}="${component}"${extra}}`;
  return {
    CPU:
      `100 * (1 - sum(rate(doris_be_cpu${sel('cn', ',device="cpu",mode=~"idle|iowait"')}[${p.rateWindow}])) / ` +
      `sum(rate(doris_be_cpu${sel('cn', ',device="cpu",mode!~"guest.*"')}[${p.rateWindow}])))`,
    Memory: `avg(doris_be_memory_allocated_bytes${sel('cn')})`,
    QPS: `sum(doris_fe_qps${sel('fe')})`,
    P99Latency: `max(doris_fe_query_latency_ms${sel('fe', ',quantile="0.99"')})`,
    RunningQueries: `avg(doris_be_fragment_instance_count${sel('cn')})`,
    QueuedQueries: `avg(doris_be_fragment_thread_pool_queue_size${sel('cn')})`,
  };
}

export class PrometheusReader {
  private readonly cost: ReadCost;

  constructor(cost: ReadCost = { requests: 0, failures: 0 }) {
    this.cost = cost;
  }

  async read(spec: ResolvedAutoscalerSpec, t: Targets): Promise<Reading[]> {
    const p = spec.metricsSource.prometheus;
    if (p === undefined)
      return spec.metrics.map((m) => ({
        type: m.type,
        target: targetValue(m),
        error: 'metricsSource.prometheus is not set',
      }));
    const queries = promQueries(p, t);
    return Promise.all(
      spec.metrics.map(async (m): Promise<Reading> => {
        const target = targetValue(m);
        try {
          const v = await this.query(p.url, queries[m.type]);
          if (v === undefined)
            return { type: m.type, target, error: `Prometheus has no data for ${queries[m.type]}` };
          return { type: m.type, target, value: m.type === 'QPS' ? v / Math.max(t.current, 1) : v };
        } catch (err) {
          return { type: m.type, target, error: `Prometheus at ${p.url}: ${errorText(err)}` };
        }
      }),
    );
  }

  private async query(base: string, promql: string): Promise<number | undefined> {
    this.cost.requests++;
    try {
      const url = `${base.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(httpTimeoutMs) });
      const body = (await res.json()) as {
        status?: string;
        error?: string;
        data?: { resultType?: string; result?: { value?: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`);
      const first = body.data?.result?.[0]?.value?.[1];
      const v = first === undefined ? undefined : Number(first);
      return v === undefined || !Number.isFinite(v) ? undefined : v;
    } catch (err) {
      this.cost.failures++;
      throw err;
    }
  }
}
