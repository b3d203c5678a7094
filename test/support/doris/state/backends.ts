/**
 * The backends (BE and compute nodes) of one cluster. A backend is metadata first (`ADD BACKEND`
 * with the heartbeat port); the master's heartbeats fill in its ports, version and capacity. The
 * decommission flag is all Doris records: the scheduler moves its replicas away and drops the row at
 * zero tablets (see scheduler.ts).
 */
import { ddlError } from '../errors.ts';
import { type HostPort, parseHostPort } from './probe.ts';

export interface Backend {
  readonly id: number;
  readonly host: string;
  readonly heartbeatPort: number;
  /** -1 until the first heartbeat. */
  bePort: number;
  httpPort: number;
  brpcPort: number;
  arrowFlightSqlPort: number;
  lastStartTime?: number;
  lastHeartbeat?: number;
  lastReportTablets?: number;
  alive: boolean;
  decommissioned: boolean;
  tagLocation: string;
  disableQuery: boolean;
  disableLoad: boolean;
  errMsg: string;
  version: string;
  heartbeatFailureCounter: number;
  nodeRole: 'mix' | 'computation';
  cpuCores: number;
  memoryBytes: number;
  totalCapacity: number;
  /** The storage the backend last reported; a change means its replicas were lost. */
  storageId?: string;
  /** Control API: replicas moved per tick instead of the default, 0 to stall. */
  decommissionRate?: number;
  /** When heartbeats last found it dead (epoch ms); unset while alive. */
  deadSince?: number;
  /** Group-commit WALs not yet replayed into tablets (control API): Doris keeps the row while any is. */
  pendingWal: number;
}

/** A statement's target: `"host:port"` or, for some statements, a backend id. */
export type BackendTarget = { readonly hostPort: HostPort } | { readonly id: number };

export function parseBackendTarget(text: string): BackendTarget {
  if (/^\d+$/.test(text)) return { id: Number(text) };
  const hostPort = parseHostPort(text);
  if (hostPort === undefined) throw ddlError(`Invalid host port format: ${text}`);
  return { hostPort };
}

const label = (t: BackendTarget): string =>
  'id' in t ? String(t.id) : `${t.hostPort.host}:${t.hostPort.port}`;

export class Backends {
  readonly list: Backend[] = [];

  byId(id: number): Backend | undefined {
    return this.list.find((b) => b.id === id);
  }

  find(host: string, heartbeatPort: number): Backend | undefined {
    return this.list.find((b) => b.host === host && b.heartbeatPort === heartbeatPort);
  }

  /** ALTER SYSTEM ADD BACKEND: every address is checked before any is added. */
  add(hostPorts: readonly HostPort[], tagLocation: string, nextId: () => number): Backend[] {
    for (const hp of hostPorts) {
      if (hp.host === '')
        throw ddlError("backend's hostName should not be empty while enable_fqdn_mode is true");
      if (this.find(hp.host, hp.port) !== undefined) {
        throw ddlError(`Same backend already exists[${hp.host}:${hp.port}]`);
      }
    }
    return hostPorts.map((hp) => {
      const be: Backend = {
        id: nextId(),
        host: hp.host,
        heartbeatPort: hp.port,
        bePort: -1,
        httpPort: -1,
        brpcPort: -1,
        arrowFlightSqlPort: -1,
        alive: false,
        decommissioned: false,
        tagLocation,
        disableQuery: false,
        disableLoad: false,
        errMsg: '',
        version: '',
        heartbeatFailureCounter: 0,
        pendingWal: 0,
        nodeRole: 'mix',
        cpuCores: 0,
        memoryBytes: 0,
        totalCapacity: 0,
      };
      this.list.push(be);
      return be;
    });
  }

  /** DROPP BACKEND: the rows go at once, whatever they hold. */
  dropp(targets: readonly BackendTarget[]): Backend[] {
    const found = targets.map((t) => {
      const be = this.resolve(t);
      if (be === undefined) throw ddlError(`backend does not exists[${label(t)}]`);
      return be;
    });
    for (const be of found) this.remove(be);
    return found;
  }

  remove(be: Backend): void {
    const i = this.list.indexOf(be);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** The backends DECOMMISSION would flag: unknown ones fail, flagged ones are skipped. */
  toDecommission(targets: readonly BackendTarget[]): Backend[] {
    const out: Backend[] = [];
    for (const t of targets) {
      const be = this.resolve(t);
      if (be === undefined) {
        throw ddlError(
          'id' in t
            ? `Backend does not exist, backend id is ${t.id}`
            : `Backend does not exist[${t.hostPort.host}:${t.hostPort.port}]`,
        );
      }
      if (!be.decommissioned && !out.includes(be)) out.push(be);
    }
    return out;
  }

  /** CANCEL DECOMMISSION: clears the flag; a backend that is not decommissioned is ignored. */
  cancelDecommission(targets: readonly BackendTarget[]): Backend[] {
    const found = targets.map((t) => {
      const be = this.resolve(t);
      if (be === undefined) throw ddlError(`Backend does not exist[${label(t)}]`);
      return be;
    });
    const changed = found.filter((be) => be.decommissioned);
    for (const be of changed) be.decommissioned = false;
    return changed;
  }

  /** MODIFY BACKEND ... SET ("disable_query"="true", "disable_load"="false", "tag.location"="g1"). */
  modify(targets: readonly BackendTarget[], props: Readonly<Record<string, string>>): Backend[] {
    const found = targets.map((t) => {
      const be = this.resolve(t);
      if (be === undefined) throw ddlError(`Backend does not exist[${label(t)}]`);
      return be;
    });
    for (const [key, value] of Object.entries(props)) {
      if (!['disable_query', 'disable_load', 'tag.location'].includes(key)) {
        throw ddlError(`Unknown properties: {${key}=${value}}`);
      }
    }
    for (const be of found) {
      if (props.disable_query !== undefined) be.disableQuery = props.disable_query === 'true';
      if (props.disable_load !== undefined) be.disableLoad = props.disable_load === 'true';
      if (props['tag.location'] !== undefined) be.tagLocation = props['tag.location'];
    }
    return found;
  }

  private resolve(t: BackendTarget): Backend | undefined {
    return 'id' in t ? this.byId(t.id) : this.find(t.hostPort.host, t.hostPort.port);
  }
}
