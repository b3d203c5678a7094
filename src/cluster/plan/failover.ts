/**
 * Failover of BEs, compute nodes and brokers (tidb-operator's model, shared/reference/peers.md). A member that ran in Doris and has been down (Doris reports it not
 * alive, or its pod is not Ready or gone) for longer than `failover.period` gets a replacement: the
 * StatefulSet runs `replicas` plus one member per replaced failure. Decisions live in status (the
 * failure records, written before the StatefulSet grows), so a restarted operator resumes them; one
 * replacement is made at a time, at most `maxMembers` are in place, and nothing is decided while
 * Doris cannot be seen (S3). When the failed member is healthy again its record goes, and the extra
 * member leaves through the ordinary scale-in path (drained and dropped, S1). A BE gets a spare for
 * Doris to re-replicate onto; the failed BE itself is never dropped or decommissioned (it may hold
 * the only copy of a tablet), and the spare stays after its return unless recover is Automatic.
 */
import { type Component, durationMs } from '../../api/v1alpha1/index.ts';
import { podName } from '../names.ts';
import { type Member, ranInDoris } from './members.ts';
import type { Failure, PlanInput } from './types.ts';

export const failoverComponents = ['be', 'cn', 'broker'] as const satisfies readonly Component[];

/** Members of `c` added in place of failed ones, which the StatefulSet runs beyond `replicas`. */
export function replacements(input: PlanInput, c: Component): number {
  return (input.failures?.[c] ?? []).filter((f) => f.replacement !== undefined).length;
}

/**
 * Down, and not for a reason of the operator's or the scheduler's making: it ran in Doris once, it
 * is not the member an operation is working on, and its pod (if any) was placed on a node.
 */
function failed(input: PlanInput, m: Member): boolean {
  if (!m.expected || m.down === undefined || m.name === input.operation?.member) return false;
  if (m.pod !== undefined && !m.pod.scheduled) return false;
  return ranInDoris(m);
}

const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** The failure records after this pass, with this pass's decision in them. */
export function nextFailures(
  input: PlanInput,
  members: readonly Member[],
  /** The operator's --no-failover: failures are still recorded and reported, nothing is added. */
  allowed = true,
): Partial<Record<Component, readonly Failure[]>> {
  const out: Partial<Record<Component, readonly Failure[]>> = {};
  for (const c of failoverComponents) {
    const spec = input.spec[c];
    const previous = input.failures?.[c] ?? [];
    if (spec === undefined) continue;
    // Unknown is not failed (S3): the records stay as they are until Doris can be seen.
    if (!input.doris.known) {
      if (previous.length > 0) out[c] = previous;
      continue;
    }
    const now = input.now.getTime();
    const failedNow = members.filter((m) => m.component === c && failed(input, m));
    const list: Failure[] = failedNow.map((m) => {
      const before = previous.find((f) => f.member === m.name);
      const { recoveredAt: _, ...still } = before ?? { member: m.name, since: iso(input.now) };
      return { ...still, reason: m.down ?? '' };
    });
    // A BE back from a failure keeps its spare until every BE is healthy again, and then only with
    // recover: Automatic (the spare then leaves by decommission); with Manual it stays.
    if (c === 'be') {
      const allUp = members.every((m) => m.component !== 'be' || !m.expected || m.down === undefined);
      for (const f of previous) {
        if (f.replacement === undefined || failedNow.some((m) => m.name === f.member)) continue;
        if (input.spec.be.failover.recover === 'Automatic' && allUp) continue;
        list.push({
          ...f,
          reason: 'alive again',
          recoveredAt: f.recoveredAt ?? iso(input.now),
          message:
            input.spec.be.failover.recover === 'Automatic'
              ? `${f.member} is back; ${f.replacement} is decommissioned once every BE is healthy`
              : `${f.member} is back; the spare ${f.replacement} stays (spec.be.failover.recover: Manual)`,
        });
      }
    }
    const period = durationMs(spec.failover.period);
    const due = list
      .filter(
        (f) =>
          f.replacement === undefined && f.recoveredAt === undefined && now - Date.parse(f.since) >= period,
      )
      .sort((a, b) => a.since.localeCompare(b.since));
    const placed = list.filter((f) => f.replacement !== undefined);
    const coming = placed.find((f) => members.find((m) => m.name === f.replacement)?.down !== undefined);
    for (const [i, f] of due.entries()) {
      const at = list.indexOf(f);
      const note = !spec.failover.enabled
        ? 'failover is off (failover.enabled: false): not replaced'
        : !allowed
          ? 'failover is off for this operator (--no-failover): not replaced'
          : placed.length >= spec.failover.maxMembers
            ? `not replaced: ${placed.length} replacement(s) in place, failover.maxMembers is ${spec.failover.maxMembers}`
            : coming !== undefined || i > 0
              ? `waits: one replacement at a time (${coming?.replacement ?? due[0]?.member} first)`
              : undefined;
      if (note !== undefined) {
        list[at] = { ...f, message: note };
        continue;
      }
      const replacement = podName(input.cluster, c, spec.replicas + placed.length);
      list[at] = {
        ...f,
        replacement,
        message: `${replacement} added in its place; it leaves again once ${f.member} is healthy`,
      };
      placed.push(list[at] as Failure);
    }
    if (list.length > 0) out[c] = list;
  }
  return out;
}
