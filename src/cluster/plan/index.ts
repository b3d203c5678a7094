/**
 * The planner of a DorisCluster: at most one step per pass, chosen in a fixed order.
 * 1. Non-disruptive growth first (create StatefulSets, scale out, cancel an unwanted decommission),
 *    FE before BE before CN and Broker, because the others register with the FE.
 * 2. A rollout member that was restarted is confirmed before anything else moves (S4).
 * 3. Scale-in before rollouts: a member about to be removed need not be upgraded first
 *    (tidb-operator makes the same choice).
 * 4. Stray registrations, then the rollout in the Doris order (BE, CN, FE, Broker; S6).
 */
import { components } from '../names.ts';
import { planRollout } from './rollout.ts';
import { planScale } from './scale.ts';
import { planStaleRegistrations } from './stale.ts';
import type { PlanInput, Step } from './types.ts';

export type { Operation, PlanInput, SqlAction, Step } from './types.ts';

export function plan(input: PlanInput): Step | undefined {
  const scaling = components.map((c) => planScale(input, c)).filter((s): s is Step => s !== undefined);
  const growth = scaling.find((s) => s.operation === undefined && s.kind !== 'wait');
  if (growth !== undefined) return growth;

  const rollingMember = input.operation?.type === 'Upgrade' || input.operation?.type === 'Restart';
  const rollout = planRollout(input);
  if (rollingMember && rollout?.kind === 'wait') return rollout;

  const scaleIn = scaling[0];
  if (scaleIn !== undefined) return scaleIn;
  for (const c of components) {
    const stale = planStaleRegistrations(input, c);
    if (stale !== undefined) return stale;
  }
  return rollout;
}
