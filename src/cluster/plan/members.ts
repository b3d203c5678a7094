/**
 * The members of a cluster: every ordinal its StatefulSets should run, with the pod and the Doris
 * registration of each, and whether it is down.
 */
import type { Component } from '../../api/v1alpha1/index.ts';
import { releaseOf } from '../../doris/rows.ts';
import { components, podName } from '../names.ts';
import type { PodView } from '../observe.ts';
import { hostOf, type Registration, registrationOf } from './registrations.ts';
import type { PlanInput } from './types.ts';

/**
 * One member of the cluster as the planner reasons about it: every ordinal the StatefulSet should
 * run, whether or not its pod exists right now. A planner that looked only at existing pods could
 * not see a member whose pod is being recreated, and would restart the next one at once.
 */
export interface Member {
  readonly component: Component;
  readonly ordinal: number;
  /** Pod name (the member keeps it across restarts). */
  readonly name: string;
  readonly host: string;
  readonly pod?: PodView;
  readonly reg?: Registration;
  /** The StatefulSet should run it now (its ordinal is below the StatefulSet's replicas). */
  readonly expected: boolean;
  /**
   * Why it is down, or undefined when it is up. Absent, terminating, not Ready, not registered,
   * Alive=false in Doris and "restarted but not confirmed" are all the same word: down.
   */
  readonly down?: string;
  /** Its pod runs another image or configuration than the component's target. */
  readonly outdated: boolean;
}

/** Every member of every component, in component order then ordinal. */
export function buildMembers(input: PlanInput): Member[] {
  const out: Member[] = [];
  for (const c of components) {
    const pods = input.pods[c] ?? [];
    const replicas = input.statefulSets[c]?.replicas ?? 0;
    const top = Math.max(replicas, ...pods.map((p) => p.ordinal + 1));
    for (let ordinal = 0; ordinal < top; ordinal++) {
      const pod = pods.find((p) => p.ordinal === ordinal);
      const host = hostOf(input, c, ordinal);
      const reg = registrationOf(input, c, ordinal);
      const base = { component: c, ordinal, name: podName(input.cluster, c, ordinal), host };
      const member = {
        ...base,
        ...(pod ? { pod } : {}),
        ...(reg ? { reg } : {}),
        expected: ordinal < replicas,
        outdated: pod !== undefined && isOutdatedPod(input, c, pod),
      };
      const down = downReason(input, member);
      out.push(down === undefined ? member : { ...member, down });
    }
  }
  return out;
}

/** Doris recorded a start of it (LastStartTime): it ran once, so being down now is a fault, not a start. */
export function ranInDoris(m: Member): boolean {
  const started = m.reg?.row.lastStartTime;
  return started !== undefined && started !== null;
}

function downReason(input: PlanInput, m: Omit<Member, 'down'>): string | undefined {
  const pod = m.pod;
  if (pod === undefined) return 'its pod does not exist';
  if (pod.deleting) return 'its pod is terminating';
  if (pod.debug)
    return 'it is in debug mode (pod annotation runmode=debug: its entrypoint waits instead of starting Doris); failover and rollouts leave it alone';
  // Reported as such: the scheduler's problem (resources, affinity, a volume's node), not Doris'.
  if (!pod.scheduled) return 'its pod is not scheduled on any node (Pending)';
  if (!pod.ready) return 'its pod is not Ready';
  if (input.doris.known) {
    if (m.reg === undefined) return 'Doris does not list it';
    if (!m.reg.row.alive) return 'Doris reports it not alive';
    const want = releaseOfImage(input.target[m.component]?.image ?? '');
    const has = 'version' in m.reg.row ? releaseOf(m.reg.row.version) : undefined;
    if (!m.outdated && want !== undefined && has !== undefined && want !== has)
      return `Doris reports version ${has}, not ${want}`;
  }
  const op = input.operation;
  if (op?.member === m.name && op.podUid !== undefined && (op.type === 'Upgrade' || op.type === 'Restart')) {
    // The pod the operator deleted may still be listed, or Doris may still show the old process
    // alive until its next heartbeat: only a new pod and a new start time in Doris confirm it.
    if (pod.uid === op.podUid) return undefined; // not deleted yet: nothing happened to it
    if (!input.doris.known) return 'its restart is not confirmed (Doris unknown)';
    const started = m.reg?.row.lastStartTime;
    if (op.lastStartTime !== undefined && started === op.lastStartTime)
      return 'Doris has not seen it restart yet';
  }
  return undefined;
}

/** Whether a pod runs another image or configuration than its component's target. */
export function isOutdatedPod(input: PlanInput, c: Component, pod: PodView): boolean {
  const t = input.target[c];
  return t !== undefined && (pod.image !== t.image || pod.templateHash !== t.templateHash);
}

/** The release of an image tag such as apache/doris:be-2.1.8 (undefined for digests or custom tags). */
export function releaseOfImage(image: string): string | undefined {
  return releaseOf(image.slice(image.lastIndexOf(':') + 1));
}

/**
 * Expected members that are down, other than `except` (the member the next step is about). A
 * member Doris does not list (a new one still joining, or one the StatefulSet controller has not
 * created yet) holds no tablets and casts no vote: its absence takes nothing away, and waiting for
 * it could wait forever (a replaced StatefulSet creates its missing pods only once the adopted ones
 * before them match its new volumes).
 */
export function unavailable(members: readonly Member[], except?: string): Member[] {
  return members.filter(
    (m) => m.expected && m.down !== undefined && m.name !== except && m.reg !== undefined,
  );
}
