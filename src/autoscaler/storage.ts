/**
 * Storage autoscaling: a BE data directory fuller than `usedPercent` on any BE for `forSeconds` has
 * its size in the DorisCluster spec grown by `stepPercent`, up to `maxSize`; the DorisCluster
 * controller then expands the claims (src/cluster/expand.ts). Usage comes from the BEs' own
 * metrics (`doris_be_disks_total_capacity` and `doris_be_disks_avail_capacity` per path). One
 * directory grows at a time, and only once the claims took the previous size.
 */
import type { ResolvedAutoscalerSpec } from '../api/v1alpha1/index.ts';
import { parseQuantity } from '../kube/quantity.ts';
import { parseExposition, select } from './exposition.ts';
import type { MemberTarget, ReadCost } from './readings.ts';
import { cnPort } from './readings.ts';

type Rule = NonNullable<NonNullable<ResolvedAutoscalerSpec['storage']>['be']>;

export interface DirFacts {
  readonly name: string;
  /** Size the cluster spec asks for. */
  readonly size: string;
  /** Every claim of the directory has at least `size` (a previous growth is done). */
  readonly settled: boolean;
  /** false when the storage class cannot grow claims (or the directory is an emptyDir). */
  readonly expandable: boolean;
}

/** The fullest BE per data directory, or undefined when no BE could be read. */
export type Usage = ReadonlyMap<string, { readonly fraction: number; readonly pod: string }>;

export type DirState = 'Ok' | 'Filling' | 'Growing' | 'AtLimit' | 'NotExpandable' | 'Unknown';

export interface DirReport {
  readonly dataDir: string;
  readonly usedPercent?: number;
  readonly size: string;
  readonly state: DirState;
  readonly since?: string;
}

export interface StoragePlan {
  readonly reports: DirReport[];
  readonly grow?: {
    readonly dataDir: string;
    readonly from: string;
    readonly to: string;
    readonly note: string;
  };
  readonly warnings: { readonly dataDir: string; readonly reason: string; readonly note: string }[];
}

const GI = 1024 ** 3;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The next size: `stepPercent` more, in whole Gi, never beyond maxSize. */
export function grownSize(size: string, rule: Rule): string {
  const bytes = parseQuantity(size) ?? 0;
  const max = parseQuantity(rule.maxSize) ?? 0;
  const next = Math.ceil((bytes * (1 + rule.stepPercent / 100)) / GI) * GI;
  return next >= max ? String(rule.maxSize) : `${next / GI}Gi`;
}

/** Pure: what each directory's state is and which one grows now. `aboveSince` is updated in place. */
export function planStorage(
  rule: Rule,
  dirs: readonly DirFacts[],
  usage: Usage | undefined,
  aboveSince: Map<string, number>,
  now: number,
): StoragePlan {
  const reports: DirReport[] = [];
  const warnings: { dataDir: string; reason: string; note: string }[] = [];
  let grow: StoragePlan['grow'];
  for (const d of dirs) {
    const field = `spec.be.storage.dataDirs[${d.name}].size`;
    const u = usage?.get(d.name);
    if (u === undefined) {
      aboveSince.delete(d.name);
      reports.push({ dataDir: d.name, size: d.size, state: usage === undefined ? 'Unknown' : 'Ok' });
      continue;
    }
    const usedPercent = Math.round(u.fraction * 100);
    const base = { dataDir: d.name, usedPercent, size: d.size };
    if (u.fraction * 100 <= rule.usedPercent) {
      aboveSince.delete(d.name);
      reports.push({ ...base, state: d.settled ? 'Ok' : 'Growing' });
      continue;
    }
    const since = aboveSince.get(d.name) ?? now;
    aboveSince.set(d.name, since);
    const state = (s: DirState): DirReport => ({ ...base, state: s, since: iso(since) });
    if (!d.settled) {
      reports.push(state('Growing'));
    } else if (now - since < rule.forSeconds * 1000) {
      reports.push(state('Filling'));
    } else if ((parseQuantity(d.size) ?? 0) >= (parseQuantity(rule.maxSize) ?? 0)) {
      reports.push(state('AtLimit'));
      warnings.push({
        dataDir: d.name,
        reason: 'StorageAtLimit',
        note: `${field}: data directory ${d.name} is ${usedPercent}% full on ${u.pod} and already at maxSize ${rule.maxSize}: add BEs or raise storage.be.maxSize`,
      });
    } else if (!d.expandable) {
      reports.push(state('NotExpandable'));
      warnings.push({
        dataDir: d.name,
        reason: 'StorageNotExpandable',
        note: `${field}: data directory ${d.name} is ${usedPercent}% full on ${u.pod}, but its storage class does not allow volume expansion: add BEs or move to an expandable class`,
      });
    } else if (grow === undefined) {
      const to = grownSize(d.size, rule);
      grow = {
        dataDir: d.name,
        from: d.size,
        to,
        note: `Grew ${field} from ${d.size} to ${to}: ${usedPercent}% used on ${u.pod} for ${Math.round((now - since) / 1000)} s (threshold ${rule.usedPercent}%)`,
      };
      aboveSince.delete(d.name);
      reports.push(state('Growing'));
    } else {
      reports.push(state('Filling'));
    }
  }
  return { reports, ...(grow === undefined ? {} : { grow }), warnings };
}

/** The fullest BE of each data directory (by the last part of its path), from the BEs' /metrics. */
export async function readUsage(bes: readonly MemberTarget[], cost: ReadCost): Promise<Usage | undefined> {
  const usage = new Map<string, { fraction: number; pod: string }>();
  let answered = 0;
  await Promise.all(
    bes.map(async (be) => {
      cost.requests++;
      try {
        const res = await fetch(`http://${be.ip}:${cnPort}/metrics`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const samples = parseExposition(await res.text());
        answered++;
        for (const total of select(samples, 'doris_be_disks_total_capacity')) {
          const path = total.labels.path ?? '';
          const avail = select(samples, 'doris_be_disks_avail_capacity', { path })[0]?.value;
          if (avail === undefined || total.value <= 0) continue;
          const dir = path.replace(/\/+$/, '').split('/').pop() ?? path;
          const fraction = 1 - avail / total.value;
          if ((usage.get(dir)?.fraction ?? -1) < fraction) usage.set(dir, { fraction, pod: be.pod });
        }
      } catch {
        cost.failures++;
      }
    }),
  );
  return answered === 0 ? undefined : usage;
}
