/**
 * Scaling one component. Growing is immediate (new members register themselves). Shrinking takes
 * the highest ordinal out of Doris first and shrinks the StatefulSet only once Doris no longer
 * needs it:
 * - BE: DECOMMISSION, wait while the tablets move, and shrink only when the row is gone or reports
 *   SystemDecommissioned with TabletNum 0 (S1). Never forced: a stall is reported, not overridden.
 * - CN: stop new queries on it, give running ones a bounded drain, then DROPP (it holds no tablets).
 * - FE: only observers go (ordinals at or above the election number); DROP OBSERVER via the master.
 * - Broker: DROP BROKER.
 * Scaling back up while a BE is still decommissioning cancels the decommission and keeps the pod.
 */
import type { Component } from '../../api/v1alpha1/index.ts';
import type { Backend } from '../../doris/rows.ts';
import { podName } from '../names.ts';
import { replacements } from './failover.ts';
import { hostPort, registrationOf, unknownRegistrations } from './registrations.ts';
import { type PlanInput, pollMs, type Step } from './types.ts';

/** How long a compute node gets to finish running queries after new ones stop reaching it. */
export const cnDrainMs = 30_000;

/** A scale step for `c`, or undefined when its member count is settled. */
export function planScale(input: PlanInput, c: Component): Step | undefined {
  const spec = input.spec[c];
  if (spec === undefined) return planRemoval(input, c);
  const sts = input.statefulSets[c];
  // Failover's replacements run beyond the replicas asked for, until their failed member is back.
  const desired = spec.replicas + replacements(input, c);
  if (sts === undefined) {
    return {
      kind: 'scale',
      component: c,
      replicas: desired,
      reason: `create the ${c} StatefulSet with ${desired} members`,
    };
  }
  if (c === 'be' || c === 'cn') {
    const undo = planWantedAgain(input, c, desired);
    if (undo !== undefined) return undo;
  }
  const replacing = (input.failures?.[c] ?? []).find(
    (f) => f.replacement === podName(input.cluster, c, sts.replicas),
  );
  if (desired > sts.replicas && replacing !== undefined) {
    return {
      kind: 'scale',
      component: c,
      replicas: sts.replicas + 1,
      // The decision was announced when it was made (failover.ts decisionEvents).
      reason: `add ${replacing.replacement} in place of the failed ${replacing.member}`,
    };
  }
  if (desired > sts.replicas) {
    return {
      kind: 'scale',
      component: c,
      replicas: desired,
      reason: `scale ${c} out from ${sts.replicas} to ${desired}`,
      event: {
        type: 'Normal',
        reason: 'ScalingOut',
        note: `Scaling ${c} out from ${sts.replicas} to ${desired} members`,
      },
    };
  }
  if (desired < sts.replicas) return planScaleIn(input, c, sts.replicas - 1, desired);
  return undefined;
}

/**
 * A component taken out of the spec (cn, broker): a scale-in to zero on the same safe path as any
 * other (compute nodes drained then dropped, brokers dropped, one member at a time), then its
 * StatefulSet, Services, ConfigMap and PDB go; its claims follow the retention policy.
 */
function planRemoval(input: PlanInput, c: Component): Step | undefined {
  const sts = input.statefulSets[c];
  if (sts === undefined) return undefined;
  if (sts.replicas > 0) return planScaleIn(input, c, sts.replicas - 1, 0);
  const left = input.pods[c] ?? [];
  if (left.length > 0) {
    return {
      kind: 'wait',
      reason: `waiting for the last ${c} pods to go: ${left.map((p) => p.name).join(', ')}`,
      afterMs: pollMs,
    };
  }
  return {
    kind: 'removeComponent',
    component: c,
    reason: `spec.${c} was removed and its members are out of Doris`,
    event: {
      type: 'Normal',
      reason: 'ComponentRemoved',
      note: `Removed the ${c} StatefulSet, Services, ConfigMap and PodDisruptionBudget (spec.${c} is gone)`,
    },
  };
}

/**
 * Members below the desired count that a scale-in had started on are wanted again, and get back
 * what it took: a BE still decommissioning has it cancelled; a compute node the scale-in drained
 * (queries and loads off) serves again, since no Doris script re-enables it (be_entrypoint.sh does
 * not) and it would otherwise stay idle for good.
 */
function planWantedAgain(input: PlanInput, c: 'be' | 'cn', desired: number): Step | undefined {
  if (!input.doris.known) return undefined;
  for (let ordinal = 0; ordinal < desired; ordinal++) {
    const reg = registrationOf(input, c, ordinal);
    if (reg?.kind !== 'be') continue;
    const member = `${input.cluster}-${c}-${ordinal}`;
    const hostPortOf = hostPort(c, reg.row.host);
    const undo =
      c === 'be' && reg.row.decommissioned && reg.row.tabletNum > 0
        ? ({
            op: 'cancelDecommission',
            reason: 'DecommissionCancelled',
            note: `Cancelled the decommission of ${member}`,
          } as const)
        : c === 'cn' && reg.row.queryDisabled && reg.row.loadDisabled
          ? ({
              op: 'enableQuery',
              reason: 'ComputeNodeServing',
              note: `Queries and loads reach ${member} again`,
            } as const)
          : undefined;
    if (undo === undefined) continue;
    return {
      kind: 'sql',
      action: { op: undo.op, hostPort: hostPortOf },
      reason: `${member} is wanted again`,
      event: { type: 'Normal', reason: undo.reason, note: `${undo.note}: ${c}.replicas is ${desired} again` },
    };
  }
  return undefined;
}

function planScaleIn(input: PlanInput, c: Component, ordinal: number, desired: number): Step {
  const member = `${input.cluster}-${c}-${ordinal}`;
  const shrink: Step = {
    kind: 'scale',
    component: c,
    replicas: ordinal,
    reason: `${member} is out of Doris`,
    event: {
      type: 'Normal',
      reason: 'ScaledIn',
      note: `Removed ${member} (${c} now ${ordinal} members, target ${desired})`,
    },
    operation: { type: 'ScaleIn', component: c, member, message: `removing the pod of ${member}` },
  };
  // Unknown is not healthy (S3): nothing is removed from Doris or Kubernetes while we cannot see Doris.
  if (!input.doris.known) {
    return {
      kind: 'wait',
      reason: `scale-in of ${c} waits: ${input.doris.reason}`,
      afterMs: pollMs,
      problem: `cannot reach Doris to scale in ${member}: ${input.doris.reason}`,
    };
  }
  if (input.spec.rollout.paused) {
    return { kind: 'wait', reason: `scale-in of ${member} is paused (spec.rollout.paused)`, afterMs: 30_000 };
  }
  // Unknown is not absent (S3): a row no member matches may be this very member under a name the
  // operator does not understand (another cluster domain); removing a pod then could lose data (S1).
  const unknown = unknownRegistrations(input, c);
  if (unknown.length > 0) {
    const hosts = unknown.map((r) => r.row.host).join(', ');
    return {
      kind: 'wait',
      reason: `scale-in of ${c} waits: Doris lists ${hosts}, which no member matches`,
      afterMs: 30_000,
      problem: `Doris lists ${hosts}, which matches no member of this cluster; nothing of ${c} is removed until that registration is explained or dropped`,
    };
  }
  const reg = registrationOf(input, c, ordinal);
  if (reg === undefined) return shrink;
  const host = reg.row.host;
  const op = (message: string) => ({ type: 'ScaleIn' as const, component: c, member, message });

  if (reg.kind === 'fe') {
    if (reg.row.role === 'FOLLOWER' || ordinal < input.spec.fe.electionNumber) {
      // The schema keeps replicas >= electionNumber, so this only happens if Doris disagrees with us.
      return {
        kind: 'wait',
        reason: `${member} is a follower`,
        afterMs: 30_000,
        problem: `${member} is a FOLLOWER in Doris; the operator removes observers only (S2)`,
      };
    }
    return {
      kind: 'sql',
      action: { op: 'dropFrontend', role: 'OBSERVER', hostPort: hostPort('fe', host) },
      reason: `drop observer ${member} before its pod goes`,
      event: { type: 'Normal', reason: 'ScalingIn', note: `Dropping FE observer ${member} from Doris` },
      operation: op(`dropping observer ${member}`),
    };
  }
  if (reg.kind === 'broker') {
    return {
      kind: 'sql',
      action: { op: 'dropBroker', name: reg.row.name, hostPort: hostPort('broker', host) },
      reason: `drop broker ${member}`,
      event: { type: 'Normal', reason: 'ScalingIn', note: `Dropping broker ${member} from Doris` },
      operation: op(`dropping broker ${member}`),
    };
  }
  if (c === 'cn') return planComputeNodeRemoval(input, member, reg.row);

  // A BE: decommission, then wait for Doris to move every tablet away (S1).
  const be = reg.row;
  if (!be.decommissioned) {
    return {
      kind: 'sql',
      action: { op: 'decommission', hostPort: hostPort('be', host) },
      reason: `decommission ${member}`,
      event: {
        type: 'Normal',
        reason: 'DecommissionStarted',
        note: `Decommissioning ${member}: moving its ${be.tabletNum} tablets to other backends`,
      },
      operation: op(`decommissioning ${member}: ${be.tabletNum} tablets to move`),
    };
  }
  if (be.tabletNum === 0 && input.doris.dropsDecommissioned) {
    // Doris drops the row itself at its next alter cycle (10 s), once no group-commit WAL is
    // pending: a DROPP here would skip that check.
    return {
      kind: 'wait',
      reason: `${member} is decommissioned and empty; Doris drops it at its next cycle`,
      afterMs: pollMs,
      operation: op(`waiting for Doris to drop the emptied ${member}`),
    };
  }
  if (be.tabletNum === 0) {
    // drop_backend_after_decommission=false keeps the row; it holds no tablet, and once its
    // group-commit WALs are replayed nothing else, so removing it is safe.
    const held = walHold(input, be, member, 'be');
    if (held !== undefined) return held;
    return {
      kind: 'sql',
      action: { op: 'dropBackend', hostPort: hostPort('be', host) },
      reason: `${member} is decommissioned and empty`,
      event: {
        type: 'Normal',
        reason: 'DecommissionFinished',
        note: `${member} holds no tablets any more; removing its registration`,
      },
      operation: op(`removing the empty registration of ${member}`),
    };
  }
  const elapsedMs = sinceMemberStart(input, member);
  const timeoutMs = input.spec.rollout.memberTimeoutSeconds * 1000;
  return {
    kind: 'wait',
    reason: `${member} is decommissioning, ${be.tabletNum} tablets left`,
    afterMs: pollMs,
    operation: op(`decommissioning ${member}: ${be.tabletNum} tablets left`),
    ...(elapsedMs > timeoutMs
      ? {
          problem: `decommission of ${member} has not finished after ${Math.round(elapsedMs / 1000)} s (${be.tabletNum} tablets left); it is not forced: check replication and SHOW PROC '/cluster_balance'; tablets of tables dropped without FORCE stay until the recycle bin lets them go (catalog_trash_expire_second)`,
        }
      : {}),
  };
}

function planComputeNodeRemoval(input: PlanInput, member: string, row: Backend): Step {
  const { host, queryDisabled } = row;
  const op = (message: string) => ({ type: 'ScaleIn' as const, component: 'cn' as const, member, message });
  if (!queryDisabled) {
    return {
      kind: 'sql',
      action: { op: 'disableQuery', hostPort: hostPort('cn', host) },
      reason: `stop new queries on ${member}`,
      event: { type: 'Normal', reason: 'ScalingIn', note: `Draining compute node ${member}: no new queries` },
      operation: op(`draining ${member}`),
    };
  }
  if (sinceMemberStart(input, member) < cnDrainMs) {
    return {
      kind: 'wait',
      reason: `letting queries on ${member} finish`,
      afterMs: pollMs,
      operation: op(`draining ${member}`),
    };
  }
  const held = walHold(input, row, member, 'cn');
  if (held !== undefined) return held;
  return {
    kind: 'sql',
    action: { op: 'dropBackend', hostPort: hostPort('cn', host) },
    reason: `drop compute node ${member}`,
    event: {
      type: 'Normal',
      reason: 'ScalingIn',
      note: `Dropping compute node ${member} from Doris (it holds no tablets)`,
    },
    operation: op(`dropping ${member}`),
  };
}

/**
 * Before a DROPP: Doris' own drop of a decommissioned backend waits for `walNum == 0`
 * (SystemHandler.runAlterJobV2), since loads acknowledged through group commit may still sit in a
 * WAL on it. An alive backend must report none; a dead BE cannot be asked, so its row is kept (a
 * dead compute node holds no tablets to replay them into and is dropped as before).
 */
function walHold(input: PlanInput, row: Backend, member: string, c: 'be' | 'cn'): Step | undefined {
  if (!input.doris.known || (!row.alive && c === 'cn')) return undefined;
  const pending = row.alive ? input.doris.pendingWal.get(`${row.host}:${row.heartbeatPort}`) : undefined;
  if (pending === 0) return undefined;
  const why = !row.alive
    ? `${member} is not alive, so its group-commit WALs cannot be counted`
    : pending === undefined
      ? `the group-commit WALs of ${member} could not be counted (GET /api/get_wal_size)`
      : `${member} still has ${pending} group-commit WALs to replay`;
  const elapsedMs = sinceMemberStart(input, member);
  return {
    kind: 'wait',
    reason: `${why}; not dropped yet`,
    afterMs: pollMs,
    operation: { type: 'ScaleIn', component: c, member, message: why },
    ...(elapsedMs > input.spec.rollout.memberTimeoutSeconds * 1000
      ? { problem: `${why}; its registration is kept until none is left (it is not forced)` }
      : {}),
  };
}

/** Milliseconds since the recorded operation started on `member` (0 when it has not). */
export function sinceMemberStart(input: PlanInput, member: string): number {
  const op = input.operation;
  if (op?.member !== member || op.memberStartedAt === undefined) return 0;
  return input.now.getTime() - Date.parse(op.memberStartedAt);
}
