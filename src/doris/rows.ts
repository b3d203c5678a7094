/**
 * Typed rows of Doris's admin result sets, parsed by column name so that 2.1 (19 FE / 25 BE
 * columns) and 3.0 (19 / 27, with TrashUsedCapacity spelled right) both parse, and positions may
 * move in later releases. Values arrive as strings ('true'/'false', numbers) or SQL NULL.
 */

export type Row = Readonly<Record<string, string | null>>;

export interface Frontend {
  readonly name: string;
  readonly host: string;
  readonly editLogPort: number;
  readonly role: 'FOLLOWER' | 'OBSERVER';
  /** The id of the cluster's metadata (the image's VERSION file): new metadata, new id. */
  readonly clusterId?: string;
  readonly isMaster: boolean;
  readonly join: boolean;
  readonly alive: boolean;
  readonly replayedJournalId: number;
  /** When the process last started (`yyyy-MM-dd HH:mm:ss`); a new value means a new process. */
  readonly lastStartTime?: string;
  readonly lastHeartbeat?: string;
  readonly isHelper: boolean;
  readonly errMsg: string;
  /** e.g. `doris-2.1.7-rc03-443e87e203`; empty before the first heartbeat. */
  readonly version: string;
}

export interface Backend {
  readonly id: string;
  readonly host: string;
  readonly heartbeatPort: number;
  readonly alive: boolean;
  readonly decommissioned: boolean;
  readonly tabletNum: number;
  readonly lastStartTime?: string;
  readonly lastHeartbeat?: string;
  readonly errMsg: string;
  readonly version: string;
  /** `mix` or `computation`; empty when the backend is not alive (newer releases). */
  readonly nodeRole: string;
  readonly heartbeatFailures: number;
  readonly queryDisabled: boolean;
  readonly loadDisabled: boolean;
}

export interface Broker {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly alive: boolean;
  readonly lastStartTime?: string;
  readonly errMsg: string;
}

/** A column that must be present; its absence means we are not talking to the Doris we expect. */
function col(row: Row, ...names: string[]): string | null {
  for (const n of names) if (n in row) return row[n] ?? null;
  throw new Error(`result has no column ${names.join(' or ')} (columns: ${Object.keys(row).join(', ')})`);
}
const str = (row: Row, ...names: string[]) => col(row, ...names) ?? '';
const bool = (row: Row, name: string) => str(row, name).toLowerCase() === 'true';
const int = (row: Row, name: string) => {
  const n = Number(str(row, name));
  return Number.isFinite(n) ? n : 0;
};
const optional = (row: Row, name: string) => (name in row ? (row[name] ?? undefined) : undefined);

export function parseFrontend(row: Row): Frontend {
  const role = str(row, 'Role');
  if (role !== 'FOLLOWER' && role !== 'OBSERVER') throw new Error(`unknown frontend role "${role}"`);
  return {
    name: str(row, 'Name'),
    host: str(row, 'Host', 'IP'),
    editLogPort: int(row, 'EditLogPort'),
    role,
    clusterId: optional(row, 'ClusterId'),
    isMaster: bool(row, 'IsMaster'),
    join: bool(row, 'Join'),
    alive: bool(row, 'Alive'),
    replayedJournalId: int(row, 'ReplayedJournalId'),
    lastStartTime: optional(row, 'LastStartTime'),
    lastHeartbeat: optional(row, 'LastHeartbeat'),
    isHelper: bool(row, 'IsHelper'),
    errMsg: str(row, 'ErrMsg'),
    version: str(row, 'Version'),
  };
}

export function parseBackend(row: Row): Backend {
  let status: { isQueryDisabled?: boolean; isLoadDisabled?: boolean } = {};
  try {
    status = JSON.parse(str(row, 'Status') || '{}');
  } catch {
    // A Status that is not JSON carries nothing we rely on.
  }
  return {
    id: str(row, 'BackendId'),
    host: str(row, 'Host', 'IP'),
    heartbeatPort: int(row, 'HeartbeatPort'),
    alive: bool(row, 'Alive'),
    decommissioned: bool(row, 'SystemDecommissioned'),
    tabletNum: int(row, 'TabletNum'),
    lastStartTime: optional(row, 'LastStartTime'),
    lastHeartbeat: optional(row, 'LastHeartbeat'),
    errMsg: str(row, 'ErrMsg'),
    version: str(row, 'Version'),
    nodeRole: 'NodeRole' in row ? str(row, 'NodeRole') : 'mix',
    heartbeatFailures: 'HeartbeatFailureCounter' in row ? int(row, 'HeartbeatFailureCounter') : 0,
    queryDisabled: status.isQueryDisabled === true,
    loadDisabled: status.isLoadDisabled === true,
  };
}

export function parseBroker(row: Row): Broker {
  return {
    name: str(row, 'Name'),
    host: str(row, 'Host', 'IP'),
    port: int(row, 'Port'),
    alive: bool(row, 'Alive'),
    lastStartTime: optional(row, 'LastStartTime'),
    errMsg: str(row, 'ErrMsg'),
  };
}

/** `doris-2.1.7-rc03-443e87e203` -> `2.1.7`; undefined when there is no version yet. */
export function releaseOf(version: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(version)?.[1];
}
