/**
 * The planner of a DorisCluster: at most one step per pass, chosen in a fixed order.
 * 1. Non-disruptive growth first (create StatefulSets, scale out, cancel an unwanted decommission),
 *    FE before BE before CN and Broker, because the others register with the FE.
 * 2. A member the rollout restarted is confirmed before anything else moves (S4).
 * 3. Scale-in before rollouts: a member about to be removed need not be upgraded first
 *    (tidb-operator makes the same choice).
 * 4. Stray registrations, then the rollout in the Doris order (BE, CN, FE, Broker; S6).
 * Every disruptive step then passes one gate: no member that should be up may be down, except the
 * one the step is about. Two members down at once is how a quorum or the last replica is lost.
 */
import { components } from '../names.ts';
import { planFrontendRebuild } from './fe-failover.ts';
import { buildMembers, type Member, unavailable } from './members.ts';
import { planRollout, unconfirmedRestart, waitForRestart } from './rollout.ts';
import { planScale, sinceMemberStart } from './scale.ts';
import { planDeadComputeNode, planStaleRegistrations } from './stale.ts';
import { continuing, type PlanInput, pollMs, type Step } from './types.ts';

export type { Member } from './members.ts';
export type { Operation, PlanInput, SqlAction, Step } from './types.ts';

/** `members` is buildMembers(input); a caller that built it already passes it in. */
export function plan(input: PlanInput, members: readonly Member[] = buildMembers(input)): Step | undefined {
  const scaling = components.map((c) => planScale(input, c)).filter((s): s is Step => s !== undefined);
  const growth = scaling.find((s) => !isDisruptive(s) && s.kind !== 'wait');
  if (growth !== undefined) return growth;

  // A failed FE being rebuilt comes before anything else that takes members away (one at a time).
  const rebuild = planFrontendRebuild(input, members);
  if (rebuild !== undefined) return gate(input, members, held(input, rebuild));

  const restarting = unconfirmedRestart(input, members);
  if (restarting !== undefined) return waitForRestart(input, restarting);

  const next =
    scaling[0] ??
    components.map((c) => planStaleRegistrations(input, c)).find((s) => s !== undefined) ??
    planDeadComputeNode(input, members) ??
    planRollout(input, members);
  return gate(input, members, next === undefined ? undefined : held(input, next));
}

/**
 * `spec.rollout.paused` holds every disruptive step: a failover's drop and claim deletion and a
 * scale-in's as much as a rollout's restarts. Growth goes on.
 */
function held(input: PlanInput, step: Step): Step {
  if (!input.spec.rollout.paused || !isDisruptive(step)) return step;
  const reason = `${step.reason}: held while the cluster is paused (spec.rollout.paused)`;
  return {
    kind: 'wait',
    reason,
    afterMs: 30_000,
    ...(step.kind !== 'wait' && step.operation !== undefined
      ? { operation: { ...step.operation, message: reason } }
      : {}),
  };
}

/**
 * Every growth step due now (StatefulSets to create or grow), one per component: they take nothing
 * away and do not depend on each other (BE, CN and Broker entrypoints wait for an FE master
 * themselves), so a pass may carry them all out instead of one per pass.
 */
export function growthSteps(input: PlanInput): Step[] {
  return components
    .map((c) => planScale(input, c))
    .filter((s): s is Step => s !== undefined && s.kind === 'scale' && !isDisruptive(s));
}

/** Steps that take a member (or tablet movement) away; growth, and undoing a scale-in, are not. */
export function isDisruptive(step: Step): boolean {
  if (step.kind === 'deletePod' || step.kind === 'replaceStorage') return true;
  if (step.kind === 'sql') return step.action.op !== 'cancelDecommission' && step.action.op !== 'enableQuery';
  return step.kind === 'scale' && step.operation !== undefined;
}

/** The member a step is about: it may be down, it is the one being worked on. */
function subjectOf(step: Step): string | undefined {
  if (step.kind === 'deletePod') return step.pod;
  if (step.kind === 'replaceStorage') return step.member;
  return step.kind === 'wait' ? undefined : step.operation?.member;
}

/**
 * Holds a disruptive step while any other member that should be up is down (S4). The wait is
 * recorded as the operation (the restart still awaited, or the held step itself), so that past
 * memberTimeoutSeconds the cluster reports Degraded instead of waiting in silence.
 */
function gate(input: PlanInput, members: readonly Member[], step: Step | undefined): Step | undefined {
  if (step === undefined || !isDisruptive(step)) return step;
  // A failover step works on a member that is down already; other failed members (down, and
  // handled by failover in turn) do not hold it, or two failures would never heal.
  const failed =
    step.kind !== 'wait' && step.operation?.type === 'Failover'
      ? new Set(components.flatMap((c) => (input.failures?.[c] ?? []).map((f) => f.member)))
      : new Set<string>();
  const down = unavailable(members, subjectOf(step)).filter((m) => !failed.has(m.name));
  if (down.length === 0) return step;
  const names = down.map((m) => `${m.name} (${m.down})`).join(', ');
  const op = input.operation;
  const awaited = down.find((m) => m.name === op?.member);
  const held = step.kind === 'wait' ? undefined : step.operation;
  const operation =
    op !== undefined && awaited !== undefined
      ? continuing(op, `waiting for ${awaited.name}: ${awaited.down}`)
      : held && {
          type: held.type,
          component: held.component,
          ...(held.member ? { member: held.member } : {}),
          message: `${held.message} waits until ${names} is up`,
        };
  const timed = operation?.member;
  const elapsed = timed === undefined ? 0 : sinceMemberStart(input, timed);
  return {
    kind: 'wait',
    reason: `${step.reason} waits until every member is up: ${names} down`,
    afterMs: pollMs,
    ...(operation ? { operation } : {}),
    ...(elapsed > input.spec.rollout.memberTimeoutSeconds * 1000
      ? {
          problem: `${operation?.message} for ${Math.round(elapsed / 1000)} s; nothing else moves (spec.rollout.memberTimeoutSeconds)`,
        }
      : {}),
  };
}
