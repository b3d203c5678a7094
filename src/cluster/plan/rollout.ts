/**
 * Rolling restarts for new images (upgrades) and new configuration, in the order Doris requires
 * (S6): BE, then CN, then FE observers, FE followers, the FE master last, then Broker. One member
 * at a time: its pod is deleted (the StatefulSets use OnDelete, so the operator picks who restarts)
 * and nothing else moves until that member is confirmed: a pod with a new UID, Ready, alive in
 * Doris with a new start time and the target version. The deletion is recorded in status first
 * (pod UID and Doris start time), so an operator killed at any point knows what it started (S8).
 *
 * Tablet balancing is one state of three FE settings, paused for the BE phase of an upgrade (so
 * Doris does not re-replicate the tablets of a BE that is only restarting) and resumed once no BE
 * is left, in both directions until Doris reports all three as wanted, even across operator kills.
 */
import type { Component } from '../../api/v1alpha1/index.ts';
import { type BalanceSettings, balanceKeys } from '../observe.ts';
import { type Member, releaseOfImage } from './members.ts';
import { sinceMemberStart } from './scale.ts';
import { continuing, type PlanInput, pollMs, type Step } from './types.ts';

/** The Doris upgrade order of the components. */
export const rolloutOrder: readonly Component[] = ['be', 'cn', 'fe', 'broker'];

/**
 * Members in the order they restart: FE observers, followers, the master last; within a rank the
 * lowest ordinal first. After a StatefulSet is replaced for new volumes, its controller stops at
 * the first adopted pod whose volumes differ (a pod's volumes cannot be updated), so it can only
 * recreate members from the bottom up.
 */
export function restartOrder(members: readonly Member[]): Member[] {
  const rank = (m: Member): number => {
    if (m.reg?.kind !== 'fe') return 0;
    return m.reg.row.isMaster ? 2 : m.reg.row.role === 'FOLLOWER' ? 1 : 0;
  };
  return [...members].sort((a, b) => rank(a) - rank(b) || a.ordinal - b.ordinal);
}

/** Whether all three balancing settings are `paused`. */
export function balanceIs(b: BalanceSettings, paused: boolean): boolean {
  return balanceKeys.every((k) => b[k] === paused);
}

/** The member whose restart the operator recorded and Doris has not confirmed yet. */
export function unconfirmedRestart(input: PlanInput, members: readonly Member[]): Member | undefined {
  const op = input.operation;
  if (op?.podUid === undefined || (op.type !== 'Upgrade' && op.type !== 'Restart')) return undefined;
  const m = members.find((x) => x.name === op.member);
  if (m?.down === undefined) return undefined;
  const deleted = m.pod === undefined || m.pod.uid !== op.podUid || m.pod.deleting;
  return deleted ? m : undefined;
}

/** The next rollout step, or undefined when every member runs its target. */
export function planRollout(input: PlanInput, members: readonly Member[]): Step | undefined {
  const doris = input.doris;
  const bes = members.filter((m) => m.component === 'be' && m.expected);
  const beImage = input.target.be?.image;
  const beUpgrade = bes.some((m) => m.outdated && m.pod?.image !== beImage);
  if (doris.known && !beUpgrade && input.balanceDisabledByOperator && !balanceIs(doris.balance, false)) {
    return {
      kind: 'sql',
      action: { op: 'setBalance', disabled: false },
      reason: 'the BE upgrade is done: turn tablet balancing back on',
      event: { type: 'Normal', reason: 'BalancingResumed', note: 'Tablet balancing and scheduling resumed' },
    };
  }
  for (const c of rolloutOrder) {
    const target = input.target[c];
    if (target === undefined) continue;
    // A member being debugged keeps its pod: the rollout takes it up once its debug mode is off.
    const outdated = members.filter(
      (m) => m.component === c && m.expected && m.outdated && m.pod?.debug !== true,
    );
    if (outdated.length === 0) continue;
    if (!doris.known) {
      return {
        kind: 'wait',
        reason: `rollout of ${c} waits: ${doris.reason}`,
        afterMs: pollMs,
        problem: `cannot reach Doris to confirm members: ${doris.reason}`,
      };
    }
    if (input.spec.rollout.paused)
      return { kind: 'wait', reason: 'rollout paused (spec.rollout.paused)', afterMs: 30_000 };
    const type = outdated.some((m) => m.pod?.image !== target.image)
      ? ('Upgrade' as const)
      : ('Restart' as const);
    if (c === 'be' && type === 'Upgrade' && !balanceIs(doris.balance, true)) {
      return {
        kind: 'sql',
        action: { op: 'setBalance', disabled: true },
        reason: 'turn tablet balancing off for the BE upgrade',
        event: {
          type: 'Normal',
          reason: 'BalancingPaused',
          note: 'Tablet balancing and scheduling paused for the BE upgrade',
        },
        operation: { type, component: c, message: 'pausing tablet balancing' },
      };
    }
    // A restart recorded but not carried out (the operator stopped in between) is resumed first.
    const recorded = outdated.find(
      (m) => m.name === input.operation?.member && m.pod?.uid === input.operation.podUid,
    );
    const next =
      recorded?.reg?.kind === 'fe' && recorded.reg.row.isMaster
        ? restartOrder(outdated)[0]
        : (recorded ?? restartOrder(outdated)[0]);
    if (next?.pod === undefined) continue;
    const why = type === 'Upgrade' ? `upgrade to ${target.image}` : 'new configuration';
    const started = next.reg?.row.lastStartTime;
    return {
      kind: 'deletePod',
      component: c,
      pod: next.name,
      uid: next.pod.uid,
      reason: `restart ${next.name} for the ${why}`,
      event: {
        type: 'Normal',
        reason: type === 'Upgrade' ? 'Upgrading' : 'Restarting',
        note: `Restarting ${next.name} for the ${why}`,
      },
      operation: {
        type,
        component: c,
        member: next.name,
        podUid: next.pod.uid,
        ...(started ? { lastStartTime: started } : {}),
        message: `restarting ${next.name} for the ${why}`,
      },
    };
  }
  return undefined;
}

/** Waiting for a restarted member to be confirmed; past memberTimeoutSeconds the cluster is Degraded. */
export function waitForRestart(input: PlanInput, m: Member): Step {
  const op = input.operation;
  const elapsed = sinceMemberStart(input, m.name);
  const want = releaseOfImage(input.target[m.component]?.image ?? '');
  const message = `waiting for ${m.name} to be back${want ? ` on ${want}` : ''}: ${m.down}`;
  return {
    kind: 'wait',
    reason: message,
    afterMs: pollMs,
    ...(op !== undefined ? { operation: continuing(op, message) } : {}),
    ...(elapsed > input.spec.rollout.memberTimeoutSeconds * 1000
      ? {
          problem: `${m.name} is not back after ${Math.round(elapsed / 1000)} s (${m.down}); the rollout stops here (spec.rollout.memberTimeoutSeconds)`,
        }
      : {}),
  };
}
