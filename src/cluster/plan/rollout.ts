/**
 * Rolling restarts for new images (upgrades) and new configuration, in the order Doris requires
 * (S6): BE, then CN, then FE observers, FE followers, the FE master last, then Broker. One member
 * at a time: its pod is deleted (the StatefulSets use OnDelete) and the next one waits until it is
 * back, ready, and alive in Doris with the target version. Tablet balancing is turned off before
 * the first BE restarts of an upgrade (so Doris does not start re-replicating the tablets of a BE
 * that is only restarting) and turned back on once no BE is left, even after an operator restart:
 * the fact that the operator turned it off lives in status.
 */
import type { Component } from '../../api/v1alpha1/index.ts';
import { releaseOf } from '../../doris/rows.ts';
import type { PodView } from '../observe.ts';
import { hostOf, isAlive, registrationOf } from './members.ts';
import { sinceMemberStart } from './scale.ts';
import { type PlanInput, pollMs, type Step } from './types.ts';

/** The Doris upgrade order of the components. */
export const rolloutOrder: readonly Component[] = ['be', 'cn', 'fe', 'broker'];

export function isOutdated(input: PlanInput, c: Component, pod: PodView): boolean {
  const t = input.target[c];
  return t !== undefined && (pod.image !== t.image || pod.configHash !== t.configHash);
}

/** The Doris release of an image tag such as apache/doris:be-2.1.8 (undefined for digests or custom tags). */
export function releaseOfImage(image: string): string | undefined {
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return releaseOf(tag);
}

/** Members in the order they restart: FE observers, followers, master last; others highest ordinal first. */
export function restartOrder(input: PlanInput, c: Component, pods: readonly PodView[]): PodView[] {
  const rank = (p: PodView): number => {
    if (c !== 'fe') return 0;
    const reg = registrationOf(input.doris, 'fe', hostOf(input, 'fe', p.ordinal));
    if (reg?.kind !== 'fe') return 0;
    return reg.row.isMaster ? 2 : reg.row.role === 'FOLLOWER' ? 1 : 0;
  };
  return [...pods].sort((a, b) => rank(a) - rank(b) || b.ordinal - a.ordinal);
}

/** The next rollout step, or undefined when every member runs its target. */
export function planRollout(input: PlanInput): Step | undefined {
  const bePods = input.pods.be ?? [];
  const beDone = bePods.every((p) => !isOutdated(input, 'be', p) && isConfirmed(input, 'be', p));
  // Balancing comes back as soon as the BE phase is over, before the CN and FE phases.
  if (input.balanceDisabledByOperator && beDone && input.doris.known) {
    return {
      kind: 'sql',
      action: { op: 'setBalance', disabled: false },
      reason: 'the BE upgrade is done: turn tablet balancing back on',
      event: { type: 'Normal', reason: 'BalancingResumed', note: 'Tablet balancing and scheduling resumed' },
    };
  }
  for (const c of rolloutOrder) {
    const pods = input.pods[c] ?? [];
    const target = input.target[c];
    if (target === undefined) continue;
    const outdated = pods.filter((p) => isOutdated(input, c, p));
    // A member restarted by the rollout must be back and confirmed before anything else moves.
    const unconfirmed = pods.find((p) => !isOutdated(input, c, p) && !isConfirmed(input, c, p));
    if (outdated.length === 0 && unconfirmed === undefined) continue;
    if (!input.doris.known) {
      return {
        kind: 'wait',
        reason: `rollout of ${c} waits: ${input.doris.reason}`,
        afterMs: pollMs,
        problem: `cannot reach Doris to confirm members: ${input.doris.reason}`,
      };
    }
    const type = pods.some((p) => p.image !== target.image) ? ('Upgrade' as const) : ('Restart' as const);
    if (unconfirmed !== undefined) {
      const elapsed = sinceMemberStart(input, unconfirmed.name);
      const timeoutMs = input.spec.rollout.memberTimeoutSeconds * 1000;
      return {
        kind: 'wait',
        reason: `${unconfirmed.name} is not yet back in Doris`,
        afterMs: pollMs,
        ...(input.operation?.member === unconfirmed.name
          ? {
              operation: {
                type: input.operation.type,
                component: c,
                member: unconfirmed.name,
                message: `waiting for ${unconfirmed.name} to be alive in Doris with the target version`,
              },
            }
          : {}),
        ...(elapsed > timeoutMs
          ? {
              problem: `${unconfirmed.name} is not alive in Doris with the target version after ${Math.round(elapsed / 1000)} s; the rollout stops here`,
            }
          : {}),
      };
    }
    // Every member of every component must be healthy before one more is taken down (S4).
    const down = rolloutOrder.flatMap((x) =>
      (input.pods[x] ?? []).filter(
        (p) => !p.ready || !isAlive(registrationOf(input.doris, x, hostOf(input, x, p.ordinal))),
      ),
    );
    if (down.length > 0) {
      return {
        kind: 'wait',
        reason: `${down.map((p) => p.name).join(', ')} not ready; the rollout waits`,
        afterMs: pollMs,
      };
    }
    if (input.spec.rollout.paused)
      return { kind: 'wait', reason: 'rollout paused (spec.rollout.paused)', afterMs: 30_000 };
    if (c === 'be' && type === 'Upgrade' && input.doris.known && !input.doris.balanceDisabled) {
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
    const next = restartOrder(input, c, outdated)[0];
    if (next === undefined) continue;
    const why = type === 'Upgrade' ? `upgrade to ${target.image}` : 'new configuration';
    return {
      kind: 'deletePod',
      component: c,
      pod: next.name,
      reason: `restart ${next.name} for the ${why}`,
      event: {
        type: 'Normal',
        reason: type === 'Upgrade' ? 'Upgrading' : 'Restarting',
        note: `Restarting ${next.name} for the ${why}`,
      },
      operation: { type, component: c, member: next.name, message: `restarting ${next.name} for the ${why}` },
    };
  }
  return undefined;
}

/** Back after a restart: pod ready, alive in Doris, and on the target version when it is known. */
function isConfirmed(input: PlanInput, c: Component, pod: PodView): boolean {
  if (!pod.ready) return false;
  const reg = registrationOf(input.doris, c, hostOf(input, c, pod.ordinal));
  if (!input.doris.known) return true; // judged once Doris answers again
  if (!isAlive(reg) || reg === undefined) return false;
  const want = releaseOfImage(input.target[c]?.image ?? '');
  const has = 'version' in reg.row ? releaseOf(reg.row.version) : undefined;
  return want === undefined || has === undefined || want === has;
}
