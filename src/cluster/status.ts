/**
 * The status of a DorisCluster, computed from both worlds: Kubernetes (pods, StatefulSets) and
 * Doris (the member rows). Pure. Nothing in it changes while the cluster is at rest (no heartbeat
 * times, no "last checked" stamps), so a cluster at rest causes no status writes.
 */
import type { Component, DorisClusterStatus } from '../api/v1alpha1/index.ts';
import { releaseOf } from '../doris/rows.ts';
import { type Condition, type ConditionInput, setCondition } from '../runtime/conditions.ts';
import { components } from './names.ts';
import { balanceKeys, type DorisView } from './observe.ts';
import { buildMembers, isOutdatedPod, type Member, ranInDoris, releaseOfImage } from './plan/members.ts';
import { hostOf, registrationOf } from './plan/registrations.ts';
import type { Operation, PlanInput, Step } from './plan/types.ts';

type ComponentStatus = NonNullable<DorisClusterStatus['fe']>;
type MemberStatus = NonNullable<ComponentStatus['members']>[number];

const roleOf: Record<Component, MemberStatus['role']> = {
  fe: 'FOLLOWER',
  be: 'BACKEND',
  cn: 'COMPUTE',
  broker: 'BROKER',
};

function members(input: PlanInput, c: Component): MemberStatus[] {
  return (input.pods[c] ?? []).map((pod) => {
    const reg = registrationOf(input, c, pod.ordinal);
    const host = reg?.row.host ?? hostOf(input, c, pod.ordinal);
    const base: MemberStatus = { podName: pod.name, host, role: roleOf[c] };
    if (reg === undefined) return base;
    if (reg.kind === 'fe') {
      return {
        ...base,
        role: reg.row.role,
        alive: reg.row.alive,
        isMaster: reg.row.isMaster,
        version: reg.row.version || undefined,
        ...(reg.row.errMsg ? { errMsg: reg.row.errMsg } : {}),
      };
    }
    if (reg.kind === 'broker')
      return { ...base, alive: reg.row.alive, ...(reg.row.errMsg ? { errMsg: reg.row.errMsg } : {}) };
    const be = reg.row;
    return {
      ...base,
      alive: be.alive,
      version: be.version || undefined,
      tabletNum: be.tabletNum,
      decommission: !be.decommissioned ? 'None' : be.tabletNum > 0 ? 'Decommissioning' : 'Decommissioned',
      ...(be.errMsg ? { errMsg: be.errMsg } : {}),
    };
  });
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function lowestRelease(versions: readonly (string | undefined)[]): string | undefined {
  const releases = versions
    .map((v) => (v ? releaseOf(v) : undefined))
    .filter((v): v is string => v !== undefined);
  return releases.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))[0];
}

export function componentStatus(input: PlanInput, c: Component): ComponentStatus | undefined {
  const spec = input.spec[c];
  if (spec === undefined) return undefined;
  const pods = input.pods[c] ?? [];
  const list = members(input, c);
  const ready = pods.filter(
    (p) => p.ready && (!input.doris.known || list.find((m) => m.podName === p.name)?.alive === true),
  ).length;
  const target = input.target[c];
  return {
    replicas: spec.replicas,
    readyReplicas: ready,
    updatedReplicas: pods.filter((p) => !isOutdatedPod(input, c, p)).length,
    ready: `${ready}/${spec.replicas}`,
    ...(mostCommon(pods.map((p) => p.image)) ? { currentImage: mostCommon(pods.map((p) => p.image)) } : {}),
    ...(target ? { targetImage: target.image } : {}),
    ...(lowestRelease(list.map((m) => m.version))
      ? { currentVersion: lowestRelease(list.map((m) => m.version)) }
      : {}),
    ...(target && releaseOfImage(target.image) ? { targetVersion: releaseOfImage(target.image) } : {}),
    ...(c === 'fe' ? { electionNumber: input.spec.fe.electionNumber } : {}),
    members: list,
    ...((input.failures?.[c]?.length ?? 0) > 0 ? { failures: [...(input.failures?.[c] ?? [])] } : {}),
  };
}

/**
 * Records the operation a step belongs to; start times survive while the operation (or member)
 * does. A wait outside any recorded operation keeps it, with the wait's reason as its message, so
 * status never names a member long back as the one awaited.
 */
export function nextOperation(
  current: Operation | undefined,
  step: Step | undefined,
  now: Date,
): Operation | undefined {
  const update = step?.operation;
  if (update === undefined) {
    if (step?.kind !== 'wait' || current === undefined) return undefined;
    return { ...current, message: step.reason };
  }
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const same =
    current !== undefined && current.type === update.type && current.component === update.component;
  const sameMember = same && current.member === update.member;
  return {
    type: update.type,
    component: update.component,
    ...(update.member ? { member: update.member } : {}),
    startedAt: same ? current.startedAt : stamp,
    ...(update.member
      ? { memberStartedAt: sameMember && current.memberStartedAt ? current.memberStartedAt : stamp }
      : {}),
    ...(update.podUid ? { podUid: update.podUid } : {}),
    ...(update.lastStartTime ? { lastStartTime: update.lastStartTime } : {}),
    ...(update.claimUids ? { claimUids: [...update.claimUids] } : {}),
    message: update.message,
  };
}

export interface StatusInput {
  readonly plan: PlanInput;
  readonly step: Step | undefined;
  readonly generation: number;
  readonly previous: DorisClusterStatus | undefined;
  readonly balanceDisabledByOperator: boolean;
  /** The Degraded condition of a step that failed and is about to be tried again: kept as it is. */
  readonly failing?: Condition;
  /** The member model of this pass (plan/members.ts), when the caller built it already. */
  readonly members?: readonly Member[];
}

export function buildStatus(s: StatusInput): DorisClusterStatus {
  const { plan: input, step } = s;
  const now = input.now;
  const operation = nextOperation(input.operation, step, now);
  const perComponent = Object.fromEntries(
    components.map((c) => [c, componentStatus(input, c)]).filter(([, v]) => v !== undefined),
  ) as Partial<Record<Component, ComponentStatus>>;
  const allReady = components.every((c) => {
    const cs = perComponent[c];
    return (
      cs === undefined ||
      ((cs.readyReplicas ?? 0) >= (cs.replicas ?? 0) && cs.updatedReplicas === cs.replicas)
    );
  });
  const problem = step?.kind === 'wait' ? step.problem : undefined;
  const doris: DorisView = input.doris;
  const ready = allReady && doris.known;
  const firstReadyTime = s.previous?.firstReadyTime ?? (ready ? isoSeconds(now) : undefined);
  const summary = summarize({
    input,
    step,
    operation,
    ready,
    problem,
    // A status from before firstReadyTime existed: the cluster was created long ago.
    created: firstReadyTime !== undefined || !['Creating', 'Pending', undefined].includes(s.previous?.phase),
    members: s.members ?? buildMembers(input),
  });
  const conditions = [
    summary.ready,
    summary.progressing,
    s.failing ?? summary.degraded,
    cond(
      'TabletBalancingPaused',
      s.balanceDisabledByOperator,
      s.balanceDisabledByOperator ? 'PausedForUpgrade' : 'NotPaused',
      (s.balanceDisabledByOperator
        ? 'the operator paused tablet balancing for a BE upgrade and will resume it'
        : 'tablet balancing is not paused by the operator') + balanceReport(doris),
    ),
  ];
  let list: Condition[] = (s.previous?.conditions as Condition[] | undefined) ?? [];
  for (const c of conditions) list = setCondition(list, { ...c, observedGeneration: s.generation }, now);
  const phase = s.failing !== undefined ? 'Degraded' : summary.phase;
  const failedMembers = components
    .flatMap((c) => input.failures?.[c] ?? [])
    .filter((f) => f.recoveredAt === undefined).length;
  const feVersion = doris.known ? doris.frontends.find((f) => f.isMaster)?.version : undefined;
  const master = doris.known ? perComponent.fe?.members?.find((m) => m.isMaster)?.podName : undefined;
  return {
    observedGeneration: s.generation,
    phase,
    ...(firstReadyTime ? { firstReadyTime } : {}),
    ...(failedMembers > 0 ? { failedMembers } : {}),
    ...(feVersion && releaseOf(feVersion)
      ? { version: releaseOf(feVersion) }
      : s.previous?.version
        ? { version: s.previous.version }
        : {}),
    ...(master ? { master } : {}),
    conditions: list,
    ...perComponent,
    ...(operation ? { operation } : {}),
  };
}

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

type Phase = NonNullable<DorisClusterStatus['phase']>;

interface Summary {
  readonly phase: Phase;
  readonly ready: ConditionInput;
  readonly progressing: ConditionInput;
  readonly degraded: ConditionInput;
}

const operationPhase: Record<Operation['type'], Phase> = {
  Upgrade: 'Upgrading',
  Restart: 'Restarting',
  ScaleIn: 'Scaling',
  ScaleOut: 'Scaling',
  Failover: 'Recovering',
  Expand: 'Scaling',
};

/**
 * The phase and the three conditions, told from one reading so they never disagree. A member that
 * is down but never started in Doris (no LastStartTime: a new pod, or one still joining) is coming,
 * which is Creating or Scaling; a member that ran once and is down outside any operation is a
 * fault, which is Degraded and named.
 */
function summarize(x: {
  input: PlanInput;
  step: Step | undefined;
  operation: Operation | undefined;
  ready: boolean;
  problem: string | undefined;
  created: boolean;
  members: readonly Member[];
}): Summary {
  const { input, step, operation, problem } = x;
  const doris = input.doris;
  const all = x.members.filter((m) => m.expected);
  const expected = all.filter((m) => m.down !== undefined);
  // Between two members of a rollout (balancing resumed, the next phase not started) no operation
  // is recorded, but the rollout is what is going on.
  const stale = all.filter((m) => m.outdated);
  const rollout: Operation['type'] | undefined =
    stale.length === 0
      ? undefined
      : stale.some((m) => m.pod?.image !== input.target[m.component]?.image)
        ? 'Upgrade'
        : 'Restart';
  const broken = doris.known ? expected.filter((m) => ranInDoris(m) && m.name !== operation?.member) : [];
  const fault =
    problem ??
    (operation !== undefined || !x.created
      ? undefined
      : !doris.known
        ? `Doris cannot be reached: ${doris.reason}`
        : broken.length > 0
          ? broken.map((m) => `${m.name}: ${m.down}`).join('; ')
          : undefined);
  const faultReason =
    problem !== undefined ? 'OperationStalled' : !doris.known ? 'DorisUnreachable' : 'MembersDown';
  const paused = input.spec.rollout.paused && (operation !== undefined || step !== undefined);
  const acting = operation !== undefined || (step !== undefined && step.kind !== 'wait');
  const phase: Phase =
    fault !== undefined
      ? 'Degraded'
      : paused
        ? 'Paused'
        : operation !== undefined
          ? operationPhase[operation.type]
          : rollout !== undefined
            ? operationPhase[rollout]
            : x.ready
              ? 'Ready'
              : !x.created
                ? 'Creating'
                : 'Scaling';
  const notReady = !doris.known
    ? `Doris state unknown: ${doris.reason}`
    : expected.length > 0
      ? `not ready: ${expected.map((m) => `${m.name} (${m.down})`).join(', ')}`
      : stale.length > 0
        ? `not ready: ${stale.map((m) => m.name).join(', ')} still to restart for the new ${rollout === 'Upgrade' ? 'version' : 'configuration'}`
        : 'not ready: members are starting';
  return {
    phase,
    ready: cond(
      'Ready',
      x.ready,
      x.ready
        ? 'AllMembersReady'
        : !x.created
          ? 'Creating'
          : doris.known
            ? 'MembersNotReady'
            : 'DorisUnreachable',
      x.ready ? 'every member is ready and alive in Doris' : notReady,
      !doris.known && x.created,
    ),
    progressing: cond(
      'Progressing',
      acting || (!x.ready && fault === undefined),
      operation?.type ??
        rollout ??
        (!x.created
          ? 'Creating'
          : step?.kind === 'scale' || !x.ready
            ? 'Scaling'
            : acting
              ? 'Converging'
              : 'Idle'),
      operation?.message ?? (step !== undefined ? step.reason : x.ready ? 'nothing to do' : notReady),
    ),
    degraded: cond(
      'Degraded',
      fault !== undefined,
      fault !== undefined ? faultReason : 'AsExpected',
      fault ?? 'no problem detected',
    ),
  };
}

/** What Doris says of the three balancing settings, for the condition message. */
function balanceReport(doris: DorisView): string {
  if (!doris.known) return '';
  return `; Doris reports ${balanceKeys.map((k) => `${k}=${doris.balance[k]}`).join(', ')}`;
}

function cond(type: string, ok: boolean, reason: string, message: string, unknown = false): ConditionInput {
  return { type, status: unknown ? 'Unknown' : ok ? 'True' : 'False', reason, message };
}
