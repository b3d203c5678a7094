/**
 * Failover (tidb-operator's model, shared/reference/peers.md). A member that ran in Doris and has
 * been down (Doris reports it not alive, or its pod is not Ready or gone) for longer than
 * `failover.period` is failed. An FE is rebuilt in place (fe-failover.ts); a BE, compute node or
 * broker gets a replacement: the
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
import { quorumHold } from './fe-failover.ts';
import { type Member, ranInDoris } from './members.ts';
import { sinceMemberStart } from './scale.ts';
import type { EventSpec, Failure, PlanInput } from './types.ts';

export const failoverComponents = ['fe', 'be', 'cn', 'broker'] as const satisfies readonly Component[];

/** Members of `c` added in place of failed ones, which the StatefulSet runs beyond `replicas`. */
export function replacements(input: PlanInput, c: Component): number {
  return (input.failures?.[c] ?? []).filter((f) => f.replacement !== undefined).length;
}

/**
 * Down, and not for a reason of the operator's or the scheduler's making: it ran in Doris once (or
 * was failed already: a member failover dropped from Doris stays failed until it is back), its pod
 * (if any) was placed on a node (unless it was failed already), and it is not the member a rollout or scale-in is working on,
 * unless that one has not come back within rollout.memberTimeoutSeconds: a stuck rollout is a
 * failure, not a reason to wait forever.
 */
function failed(input: PlanInput, m: Member, recorded: boolean): boolean {
  if (!m.expected || m.down === undefined) return false;
  // Someone is debugging it: its being down is theirs, not a failure to act on.
  if (m.pod?.debug === true && !recorded) return false;
  // A pod the scheduler cannot place is not a new failure; a failed member's pod that cannot come
  // back (its node or its local volume gone) stays failed.
  if (m.pod !== undefined && !m.pod.scheduled && !recorded) return false;
  const op = input.operation;
  if (
    op?.member === m.name &&
    op.type !== 'Failover' &&
    sinceMemberStart(input, m.name) <= input.spec.rollout.memberTimeoutSeconds * 1000
  )
    return false;
  return recorded || ranInDoris(m);
}

const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Whether a failure recorded `since` (to the second, as status keeps it) has lasted `period`: it
 * began within the second after `since`, so the period is counted from the end of that second.
 */
const lasted = (since: string, now: Date, period: number) =>
  now.getTime() - Date.parse(since) >= period + 1000;

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
      const why = `nothing is decided while Doris cannot be seen: ${input.doris.reason}`;
      if (previous.length > 0) out[c] = previous.map((f) => ({ ...f, message: why }));
      continue;
    }
    const failedNow = members.filter(
      (m) =>
        m.component === c &&
        failed(
          input,
          m,
          previous.some((f) => f.member === m.name),
        ),
    );
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
    if (!('maxMembers' in spec.failover)) {
      out.fe = frontendDecisions(input, members, list, period, allowed);
      continue;
    }
    const { enabled, maxMembers } = spec.failover;
    const due = list
      .filter(
        (f) =>
          f.replacement === undefined && f.recoveredAt === undefined && lasted(f.since, input.now, period),
      )
      .sort((a, b) => a.since.localeCompare(b.since));
    const placed = list.filter((f) => f.replacement !== undefined);
    const coming = placed.find((f) => members.find((m) => m.name === f.replacement)?.down !== undefined);
    for (const [i, f] of due.entries()) {
      const at = list.indexOf(f);
      const note = !enabled
        ? 'failover is off (failover.enabled: false): not replaced'
        : !allowed
          ? 'failover is off for this operator (--no-failover): not replaced'
          : placed.length >= maxMembers
            ? `not replaced: ${placed.length} replacement(s) in place, failover.maxMembers is ${maxMembers}`
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

/**
 * FE records: one failed FE at a time is decided for a rebuild (rebuiltAt), once its period is over,
 * with no other operation under way, and, for a follower, only while the others keep a majority.
 */
function frontendDecisions(
  input: PlanInput,
  members: readonly Member[],
  list: readonly Failure[],
  period: number,
  allowed: boolean,
): Failure[] {
  const spec = input.spec.fe.failover;
  const op = input.operation;
  let rebuilding = list.find((f) => f.rebuiltAt !== undefined)?.member;
  return list.map((f) => {
    if (f.rebuiltAt !== undefined)
      return { ...f, message: `dropped from Doris at ${f.rebuiltAt}; re-added with fresh metadata` };
    if (!lasted(f.since, input.now, period)) {
      const { message: _, ...waiting } = f;
      return waiting;
    }
    const m = members.find((x) => x.name === f.member);
    const hold = m?.pod?.debug
      ? 'in debug mode (pod annotation runmode=debug): not rebuilt while it is debugged'
      : !spec.enabled
        ? 'failover is off (failover.enabled: false): not rebuilt'
        : !allowed
          ? 'failover is off for this operator (--no-failover): not rebuilt'
          : rebuilding !== undefined
            ? `waits: one FE at a time (${rebuilding} first)`
            : op !== undefined && op.member !== f.member
              ? `waits: ${op.type} of ${op.member ?? op.component} is under way`
              : m && quorumHold(input, m);
    if (hold !== undefined)
      return { ...f, message: hold.startsWith('only ') ? `not rebuilt: ${hold}` : hold };
    rebuilding = f.member;
    return {
      ...f,
      rebuiltAt: iso(input.now),
      message: `dropped from Doris at ${iso(input.now)}; re-added with fresh metadata`,
    };
  });
}

/**
 * The events of this pass's decisions: a replacement added or an FE rebuild decided. They are
 * recorded before the status that holds the decision (at least once: a pass that dies in between
 * decides, and announces, again).
 */
export function decisionEvents(
  previous: PlanInput['failures'],
  next: Partial<Record<Component, readonly Failure[]>>,
): EventSpec[] {
  const out: EventSpec[] = [];
  for (const c of failoverComponents) {
    for (const f of next[c] ?? []) {
      const before = previous?.[c]?.find((p) => p.member === f.member);
      const why = `${f.member} failed since ${f.since} (${f.reason})`;
      if (f.replacement !== undefined && before?.replacement === undefined)
        out.push({
          type: 'Warning',
          reason: 'FailoverReplacement',
          note: `${why}: adding ${f.replacement} in its place (spec.${c}.failover)`,
        });
      if (f.rebuiltAt !== undefined && before?.rebuiltAt === undefined)
        out.push({
          type: 'Warning',
          reason: 'FailoverRebuild',
          note: `${why}: dropping it from Doris and re-adding it with fresh metadata (spec.fe.failover)`,
        });
    }
  }
  return out;
}
