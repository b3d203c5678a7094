/**
 * The members of a cluster: every ordinal its StatefulSets should run, with the pod and the Doris
 * registration (matched by host, the pod FQDN) of each, and whether it is down.
 */
import type { Component } from '../../api/v1alpha1/index.ts';
import { type Backend, type Broker, type Frontend, releaseOf } from '../../doris/rows.ts';
import { components, memberHost, ordinalOf, podName } from '../names.ts';
import type { DorisView, PodView } from '../observe.ts';
import { ports } from '../ports.ts';
import type { PlanInput } from './types.ts';

export type Registration =
  | { readonly kind: 'fe'; readonly row: Frontend }
  | { readonly kind: 'be'; readonly row: Backend }
  | { readonly kind: 'broker'; readonly row: Broker };

export const hostOf = (input: PlanInput, c: Component, ordinal: number) =>
  memberHost(input.cluster, c, input.namespace, ordinal);

/** The host:port a member is addressed by in ALTER SYSTEM statements. */
export function hostPort(c: Component, host: string): string {
  if (c === 'fe') return `${host}:${ports.fe.editLog}`;
  if (c === 'broker') return `${host}:${ports.broker.ipc}`;
  return `${host}:${ports.be.heartbeat}`;
}

/** The Doris registration of one member, if Doris lists it. */
export function registrationOf(doris: DorisView, c: Component, host: string): Registration | undefined {
  if (!doris.known) return undefined;
  if (c === 'fe') {
    const row = doris.frontends.find((f) => f.host === host);
    return row && { kind: 'fe', row };
  }
  if (c === 'broker') {
    const row = doris.brokers.find((b) => b.host === host);
    return row && { kind: 'broker', row };
  }
  const row = doris.backends.find((b) => b.host === host);
  return row && { kind: 'be', row };
}

/** Whether Doris reports the member alive. */
export function isAlive(reg: Registration | undefined): boolean {
  return reg?.row.alive === true;
}

/**
 * Registrations that belong to this component's naming (`<cluster>-<c>-<n>.<svc>...`) with an
 * ordinal at or above `replicas`, i.e. members removed from Kubernetes that Doris still lists.
 */
export function strayRegistrations(
  input: PlanInput,
  c: Component,
  replicas: number,
): { ordinal: number; reg: Registration }[] {
  if (!input.doris.known) return [];
  const prefix = `${podName(input.cluster, c, 0).replace(/-0$/, '')}-`;
  const suffix = hostOf(input, c, 0).slice(podName(input.cluster, c, 0).length);
  const rows: Registration[] =
    c === 'fe'
      ? input.doris.frontends.map((row) => ({ kind: 'fe', row }))
      : c === 'broker'
        ? input.doris.brokers.map((row) => ({ kind: 'broker', row }))
        : input.doris.backends.map((row) => ({ kind: 'be', row }));
  const out: { ordinal: number; reg: Registration }[] = [];
  for (const reg of rows) {
    const host = reg.row.host;
    if (!host.endsWith(suffix) || !host.startsWith(prefix)) continue;
    const ordinal = ordinalOf(host.slice(0, host.length - suffix.length));
    if (ordinal !== undefined && ordinal >= replicas) out.push({ ordinal, reg });
  }
  return out.sort((a, b) => b.ordinal - a.ordinal);
}

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
      const reg = registrationOf(input.doris, c, host);
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

function downReason(input: PlanInput, m: Omit<Member, 'down'>): string | undefined {
  const pod = m.pod;
  if (pod === undefined) return 'its pod does not exist';
  if (pod.deleting) return 'its pod is terminating';
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
  return t !== undefined && (pod.image !== t.image || pod.configHash !== t.configHash);
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
