/**
 * FE failover (tidb-operator's PD member replacement, shared/reference/peers.md). An FE adds no
 * member in place of a failed one: the followers are fixed when the group forms. An FE that stays
 * failed is rebuilt instead: DROP FOLLOWER / DROP OBSERVER through the master, then its metadata
 * claim and pod are deleted, so the StatefulSet recreates it with an empty volume and
 * fe_entrypoint.sh adds it back (a dropped FE restarted on its old metadata exits at start:
 * Env.checkCurrentNodeExist, and Doris asks for an emptied doris-meta before a re-add).
 *
 * The decision is written to status first (the failure record's rebuiltAt, failover.ts); the
 * operation records the pod and claim being replaced, so a restarted operator knows what is old.
 * Only with a master (S3), one FE at a time (S4), and a follower only while the other alive
 * followers keep a majority of the group without it (S2).
 */

import type { Member } from './members.ts';
import { hostPort } from './registrations.ts';
import { sinceMemberStart } from './scale.ts';
import type { Failure, Operation, PlanInput, Step } from './types.ts';
import { continuing, pollMs } from './types.ts';

/**
 * Why dropping follower `m` would leave the group without a majority of alive followers, or
 * undefined when it would not (or `m` is not a listed follower). Doris applies the same rule to
 * alive followers only (`Unable to drop this alive follower`); a dead one it drops whatever the
 * count, so the operator checks it itself.
 */
export function quorumHold(input: PlanInput, m: Member): string | undefined {
  if (!input.doris.known || m.reg?.kind !== 'fe' || m.reg.row.role !== 'FOLLOWER') return undefined;
  const host = m.reg.row.host;
  const followers = input.doris.frontends.filter((f) => f.role === 'FOLLOWER');
  const alive = followers.filter((f) => f.alive && f.host !== host).length;
  const majority = Math.floor((followers.length - 1) / 2) + 1;
  if (alive >= majority) return undefined;
  return `only ${alive} of the other ${followers.length - 1} followers are alive, and dropping ${m.name} needs ${majority} (a majority)`;
}

/** The metadata claims of `m` (the one volume rebuilt; a log claim keeps its logs). */
const metaClaims = (input: PlanInput, m: Member) =>
  (input.claims?.[m.name] ?? []).filter((c) => c.name.startsWith('meta-'));

/** The next step of the FE rebuild failover decided (a failure record with rebuiltAt), if any. */
export function planFrontendRebuild(input: PlanInput, members: readonly Member[]): Step | undefined {
  const failure = (input.failures?.fe ?? []).find((f) => f.rebuiltAt !== undefined);
  const m = failure && members.find((x) => x.name === failure.member);
  if (failure === undefined || m === undefined || m.down === undefined) return undefined;
  const recorded = input.operation;
  const op = recorded?.type === 'Failover' && recorded.member === m.name ? recorded : undefined;
  if (m.pod?.debug === true)
    return {
      kind: 'wait',
      reason: `the rebuild of ${m.name} waits: it is in debug mode (pod annotation runmode=debug)`,
      afterMs: 30_000,
      ...(op ? { operation: continuing(op, 'waiting: the member is in debug mode') } : {}),
    };
  if (!input.doris.known) {
    return {
      kind: 'wait',
      reason: `the rebuild of ${m.name} waits: ${input.doris.reason}`,
      afterMs: pollMs,
      ...(op ? { operation: continuing(op, `waiting for Doris: ${input.doris.reason}`) } : {}),
    };
  }
  const claims = metaClaims(input, m);
  const oldClaims =
    op?.claimUids === undefined ? claims : claims.filter((c) => op.claimUids?.includes(c.uid));
  // With emptyDir metadata the pod is the storage: a pod with another UID starts empty.
  const oldPod = op === undefined || m.pod?.uid === op.podUid ? m.pod : undefined;
  const oldStorage = op === undefined || oldClaims.length > 0 || (op.claimUids?.length === 0 && oldPod);
  const update = (message: string) => ({
    type: 'Failover' as const,
    component: 'fe' as const,
    member: m.name,
    ...((op?.podUid ?? m.pod?.uid) ? { podUid: op?.podUid ?? m.pod?.uid } : {}),
    claimUids: op?.claimUids ?? claims.map((c) => c.uid),
    message,
  });

  if (oldStorage && m.reg?.kind === 'fe') {
    const role = m.reg.row.role;
    const hold = quorumHold(input, m);
    if (hold !== undefined) return quorumWait(m, failure, hold, op);
    return {
      kind: 'sql',
      action: { op: 'dropFrontend', role, hostPort: hostPort('fe', m.reg.row.host) },
      reason: `drop the failed ${role.toLowerCase()} ${m.name} to re-add it with fresh metadata`,
      event: {
        type: 'Normal',
        reason: 'FailoverDropped',
        note: `Dropping ${role} ${m.name} from Doris; it is re-added with fresh metadata`,
      },
      operation: update(`dropping the failed ${role.toLowerCase()} ${m.name} from Doris`),
    };
  }
  if (oldStorage) {
    const pod = oldClaims.length > 0 ? m.pod : oldPod;
    return {
      kind: 'replaceStorage',
      component: 'fe',
      member: m.name,
      claims: oldClaims,
      ...(pod ? { pod: { name: pod.name, uid: pod.uid } } : {}),
      reason: `${m.name} is out of Doris: replace its metadata volume`,
      event: {
        type: 'Normal',
        reason: 'FailoverStorageReplaced',
        note: `Deleting the metadata claim and pod of ${m.name}; it comes back empty and its entrypoint adds it to Doris again`,
      },
      operation: update(`replacing the metadata of ${m.name}`),
    };
  }
  const waiting = `waiting for ${m.name} to rejoin with fresh metadata: ${m.down}`;
  const elapsed = sinceMemberStart(input, m.name);
  return {
    kind: 'wait',
    reason: waiting,
    afterMs: pollMs,
    operation: update(waiting),
    ...(elapsed > input.spec.rollout.memberTimeoutSeconds * 1000
      ? {
          problem: `${m.name} has not rejoined ${Math.round(elapsed / 1000)} s after its metadata was replaced: ${m.down}`,
        }
      : {}),
  };
}

function quorumWait(m: Member, failure: Failure, hold: string, op: Operation | undefined): Step {
  const message = `the rebuild of ${m.name} waits: ${hold}`;
  return {
    kind: 'wait',
    reason: message,
    afterMs: pollMs,
    ...(op ? { operation: continuing(op, message) } : {}),
    problem: `${failure.member} failed since ${failure.since} and is not rebuilt: ${hold}; the FE group must regain followers first`,
  };
}
