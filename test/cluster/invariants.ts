/**
 * The Doris safety invariants checked at every instant of a scenario, from the simulator's ordered
 * log (not from the end state): which members were down when, where the master went, in which
 * order members restarted, and what the balancing settings were at each restart.
 */
import type { LogEntry } from '../support/doris/index.ts';

export interface DownInterval {
  /** `namespace/pod`. */
  readonly member: string;
  readonly from: number;
  /** Seq at which it was alive again (Infinity: never in this log). */
  readonly to: number;
  readonly fromAt: number;
}

const componentOf = (member: string) => /-(fe|be|cn|broker)-\d+$/.exec(member)?.[1] ?? '?';
const podOfHost = (host: string) => host.split('.')[0] ?? host;

/**
 * When each member was down: from its process stopping (pod terminating, killed) until Doris
 * records it alive again after its new process started (or the start itself, when Doris never
 * noticed it gone).
 */
export function downIntervals(log: readonly LogEntry[], namespace: string): DownInterval[] {
  const out: DownInterval[] = [];
  const open = new Map<string, { from: number; fromAt: number; startedAt?: number }>();
  const close = (member: string, seq: number) => {
    const o = open.get(member);
    if (o === undefined) return;
    out.push({ member, from: o.from, to: seq, fromAt: o.fromAt });
    open.delete(member);
  };
  for (const e of log) {
    if (e.kind === 'process' && e.member?.startsWith(`${namespace}/`)) {
      if (e.text.startsWith('process stopped') && !open.has(e.member))
        open.set(e.member, { from: e.seq, fromAt: e.at });
      const o = open.get(e.member);
      if (e.text.startsWith('process started') && o !== undefined) o.startedAt = e.seq;
    }
    const alive = /^(?:frontend|backend|broker) \S+ \(([^):]+)[^)]*\) alive$/.exec(e.text);
    if (e.kind === 'membership' && alive?.[1] !== undefined) {
      const member = `${namespace}/${podOfHost(alive[1])}`;
      if (open.get(member)?.startedAt !== undefined) close(member, e.seq);
    }
  }
  // Started but Doris never recorded a change: back at its start.
  for (const [member, o] of open) {
    out.push({ member, from: o.from, to: o.startedAt ?? Number.POSITIVE_INFINITY, fromAt: o.fromAt });
  }
  return out.sort((a, b) => a.from - b.from);
}

/** Pairs of members down at the same instant. */
export function overlaps(intervals: readonly DownInterval[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i];
      const b = intervals[j];
      if (a !== undefined && b !== undefined && b.from < a.to && a.member !== b.member)
        found.push(`${a.member} [${a.from}-${a.to}] and ${b.member} [${b.from}-${b.to}]`);
    }
  }
  return found;
}

/** Masters lost for any reason other than the master's own restart: a lost quorum. */
export function quorumLosses(log: readonly LogEntry[]): string[] {
  return log
    .filter(
      (e) =>
        e.kind === 'membership' && /^master \S+ lost: (\d+) of \d+ followers up, (\d+) needed/.test(e.text),
    )
    .filter((e) => {
      const m = /(\d+) of \d+ followers up, (\d+) needed/.exec(e.text);
      return Number(m?.[1]) < Number(m?.[2]);
    })
    .map((e) => `#${e.seq} ${e.text}`);
}

/** The components in the order their members went down: each one's restarts form one block. */
export function restartOrder(intervals: readonly DownInterval[]): string[] {
  const order: string[] = [];
  for (const i of intervals) {
    const c = componentOf(i.member);
    if (order.at(-1) !== c) order.push(c);
  }
  return order;
}

const balanceKeys = ['disable_balance', 'disable_tablet_scheduler', 'disable_colocate_balance'] as const;

/**
 * Breaks of S6 around tablet balancing: a BE restarted while any of the three settings was off
 * (balancing on), or a setting turned back on while a BE was down.
 */
export function balanceBreaks(log: readonly LogEntry[], intervals: readonly DownInterval[]): string[] {
  const state = new Map<string, boolean>(balanceKeys.map((k) => [k, false]));
  const breaks: string[] = [];
  const beDown = (seq: number) =>
    intervals.find((i) => componentOf(i.member) === 'be' && i.from <= seq && seq < i.to);
  const events = [
    ...log
      .filter(
        (e) => e.kind === 'statement' && e.error === undefined && /ADMIN SET FRONTEND CONFIG/i.test(e.text),
      )
      .map((e) => ({ seq: e.seq, e })),
    ...intervals.filter((i) => componentOf(i.member) === 'be').map((i) => ({ seq: i.from, i })),
  ].sort((a, b) => a.seq - b.seq);
  for (const ev of events) {
    if ('e' in ev) {
      const m = /(disable_\w+)\W+(true|false)/i.exec(ev.e.text);
      if (m?.[1] === undefined || !state.has(m[1])) continue;
      const paused = m[2]?.toLowerCase() === 'true';
      const down = beDown(ev.seq);
      if (!paused && down !== undefined)
        breaks.push(`#${ev.seq} ${m[1]}=false while ${down.member} was down`);
      state.set(m[1], paused);
    } else {
      const on = balanceKeys.filter((k) => state.get(k) !== true);
      if (on.length > 0) breaks.push(`#${ev.seq} ${ev.i.member} restarted with ${on.join(', ')} false`);
    }
  }
  return breaks;
}

/** The balancing settings after the whole log, as the statements left them. */
export function finalBalance(log: readonly LogEntry[]): Record<string, boolean> {
  const state: Record<string, boolean> = Object.fromEntries(balanceKeys.map((k) => [k, false]));
  for (const e of log) {
    if (e.kind !== 'statement' || e.error !== undefined) continue;
    const m = /(disable_\w+)\W+(true|false)/i.exec(e.text);
    if (m?.[1] !== undefined && m[1] in state && /ADMIN SET FRONTEND CONFIG/i.test(e.text))
      state[m[1]] = m[2]?.toLowerCase() === 'true';
  }
  return state;
}
