/**
 * Registrations Doris still lists for members that no longer exist in Kubernetes (a StatefulSet
 * shrunk by hand, a scale-in interrupted between the drop and the shrink): they are removed, the
 * safe way for each kind. A BE that still holds tablets is decommissioned, never dropped (S1).
 */
import type { Component } from '../../api/v1alpha1/index.ts';
import type { Member } from './members.ts';
import { hostPort, strayRegistrations } from './registrations.ts';
import type { PlanInput, Step } from './types.ts';

/**
 * A compute node dead for good (its pod cannot be placed: its node or its local volume is gone)
 * whose replacement serves: its registration is dropped, since a dead row stays in SHOW BACKENDS
 * forever and holds nothing (a CN has no tablets). If it is ever placed again, its entrypoint
 * adds it back.
 */
export function planDeadComputeNode(input: PlanInput, members: readonly Member[]): Step | undefined {
  if (!input.doris.known || input.spec.rollout.paused) return undefined;
  for (const f of input.failures?.cn ?? []) {
    const m = members.find((x) => x.name === f.member);
    const replacement = members.find((x) => x.name === f.replacement);
    if (replacement === undefined || replacement.down !== undefined) continue;
    if (m?.reg?.kind !== 'be' || m.reg.row.alive) continue;
    // Only a pod that cannot be placed: a pod merely absent is being recreated, and its entrypoint
    // may already have seen its row; dropping it then would leave a running node out of Doris.
    if (m.pod === undefined || m.pod.scheduled) continue;
    const why = 'its pod cannot be placed on a node';
    return {
      kind: 'sql',
      action: { op: 'dropBackend', hostPort: hostPort('cn', m.reg.row.host) },
      reason: `drop the registration of ${m.name}, dead for good`,
      event: {
        type: 'Normal',
        reason: 'StaleMemberRemoved',
        note: `${m.name} is dead (${why}) and ${f.replacement} serves in its place: dropping its registration (a compute node holds no tablets)`,
      },
      operation: {
        type: 'Failover',
        component: 'cn',
        member: m.name,
        message: `dropping the dead ${m.name}`,
      },
    };
  }
  return undefined;
}

export function planStaleRegistrations(input: PlanInput, c: Component): Step | undefined {
  const sts = input.statefulSets[c];
  if (sts === undefined || !input.doris.known || input.spec.rollout.paused) return undefined;
  const existing = new Set((input.pods[c] ?? []).map((p) => p.ordinal));
  const stray = strayRegistrations(input, c, sts.replicas).filter((s) => !existing.has(s.ordinal));
  const first = stray[0];
  if (first === undefined) return undefined;
  const member = `${input.cluster}-${c}-${first.ordinal}`;
  const reg = first.reg;
  const note = (what: string) => ({
    type: 'Normal' as const,
    reason: 'StaleMemberRemoved',
    note: `${member} no longer exists: ${what}`,
  });
  if (reg.kind === 'fe') {
    if (reg.row.role === 'FOLLOWER') return undefined; // never drop a voter automatically (S2)
    return {
      kind: 'sql',
      action: { op: 'dropFrontend', role: 'OBSERVER', hostPort: hostPort('fe', reg.row.host) },
      reason: `remove stale observer ${member}`,
      event: note('dropping its observer registration'),
    };
  }
  if (reg.kind === 'broker') {
    return {
      kind: 'sql',
      action: { op: 'dropBroker', name: reg.row.name, hostPort: hostPort('broker', reg.row.host) },
      reason: `remove stale broker ${member}`,
      event: note('dropping its broker registration'),
    };
  }
  if (c === 'cn' || reg.row.tabletNum === 0) {
    return {
      kind: 'sql',
      action: { op: 'dropBackend', hostPort: hostPort(c, reg.row.host) },
      reason: `remove stale ${c} ${member}`,
      event: note('dropping its registration (it holds no tablets)'),
    };
  }
  if (!reg.row.decommissioned) {
    return {
      kind: 'sql',
      action: { op: 'decommission', hostPort: hostPort('be', reg.row.host) },
      reason: `decommission stale backend ${member}`,
      event: note(`decommissioning it so its ${reg.row.tabletNum} tablets are re-replicated`),
    };
  }
  return undefined; // decommissioning: Doris finishes it
}
