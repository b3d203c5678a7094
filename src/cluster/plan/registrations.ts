/**
 * Matching Doris registrations (rows of SHOW FRONTENDS / BACKENDS / BROKER) to members: by the pod
 * FQDN under any cluster domain, or by pod IP for members that register by IP. A row of this
 * cluster's kind that matches no member's naming and no pod IP is unknown, never absent (S3).
 */
import type { Component } from '../../api/v1alpha1/index.ts';
import type { Backend, Broker, Frontend } from '../../doris/rows.ts';
import { components, memberHost, memberOfHost } from '../names.ts';
import { ports } from '../ports.ts';
import type { PlanInput } from './types.ts';

export type Registration =
  | { readonly kind: 'fe'; readonly row: Frontend }
  | { readonly kind: 'be'; readonly row: Backend }
  | { readonly kind: 'broker'; readonly row: Broker };

/** The host a member would register under with the default domain (status, before it registers). */
export const hostOf = (input: PlanInput, c: Component, ordinal: number) =>
  memberHost(input.cluster, c, input.namespace, ordinal, input.clusterDomain);

/** The host:port a member is addressed by in ALTER SYSTEM statements. */
export function hostPort(c: Component, host: string): string {
  if (c === 'fe') return `${host}:${ports.fe.editLog}`;
  if (c === 'broker') return `${host}:${ports.broker.ipc}`;
  return `${host}:${ports.be.heartbeat}`;
}

/** Every row Doris lists for the kind of registration `c` has (BE and CN share the backends). */
export function rowsOf(input: PlanInput, c: Component): Registration[] {
  if (!input.doris.known) return [];
  if (c === 'fe') return input.doris.frontends.map((row) => ({ kind: 'fe', row }));
  if (c === 'broker') return input.doris.brokers.map((row) => ({ kind: 'broker', row }));
  return input.doris.backends.map((row) => ({ kind: 'be', row }));
}

/** The Doris registration of one member, if Doris lists it: by FQDN (any domain) or its pod's IP. */
export function registrationOf(input: PlanInput, c: Component, ordinal: number): Registration | undefined {
  const ip = (input.pods[c] ?? []).find((p) => p.ordinal === ordinal)?.ip;
  return rowsOf(input, c).find((r) => {
    const named = memberOfHost(input.cluster, input.namespace, r.row.host);
    return named !== undefined
      ? named.component === c && named.ordinal === ordinal
      : ip !== undefined && r.row.host === ip;
  });
}

/** Whether Doris reports the member alive. */
export function isAlive(reg: Registration | undefined): boolean {
  return reg?.row.alive === true;
}

/**
 * Registrations that belong to this component's naming with an ordinal at or above `replicas`,
 * i.e. members removed from Kubernetes that Doris still lists.
 */
export function strayRegistrations(
  input: PlanInput,
  c: Component,
  replicas: number,
): { ordinal: number; reg: Registration }[] {
  const out: { ordinal: number; reg: Registration }[] = [];
  for (const reg of rowsOf(input, c)) {
    const named = memberOfHost(input.cluster, input.namespace, reg.row.host);
    if (named?.component === c && named.ordinal >= replicas) out.push({ ordinal: named.ordinal, reg });
  }
  return out.sort((a, b) => b.ordinal - a.ordinal);
}

/**
 * Rows of the kind `c` registers as that the operator cannot map to any member of this cluster: not
 * its naming under any domain, not one of its pods' IPs. While one exists, nothing of `c` is
 * removed: it may be one of our members under a name we do not understand (S3, S1).
 */
export function unknownRegistrations(input: PlanInput, c: Component): Registration[] {
  const ips = new Set(components.flatMap((x) => (input.pods[x] ?? []).map((p) => p.ip)));
  return rowsOf(input, c).filter(
    (r) => memberOfHost(input.cluster, input.namespace, r.row.host) === undefined && !ips.has(r.row.host),
  );
}
