/** Matching Doris registrations to the pods of a component, by host (the pod FQDN). */
import type { Component } from '../../api/v1alpha1/index.ts';
import type { Backend, Broker, Frontend } from '../../doris/rows.ts';
import { memberHost, ordinalOf, podName } from '../names.ts';
import type { DorisView } from '../observe.ts';
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
