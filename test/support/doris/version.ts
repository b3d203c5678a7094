/**
 * Version profiles. The image tag gives the version (`apache/doris:fe-2.1.7`, `apache/doris:be-3.0.3`,
 * `selectdb/doris.be-ubuntu:2.1.5`); the profile decides the exact result-set columns, which differ
 * between 2.1 and 3.0 only for SHOW BACKENDS (25 columns with the misspelt `TrashUsedCapcacity`
 * in 2.1; 27 in 3.0, spelt right and ending with CpuCores and Memory).
 */

export type Profile = '2.1' | '3.0';

export interface DorisVersion {
  /** As printed in the Version column: `doris-2.1.7`. */
  readonly full: string;
  readonly profile: Profile;
}

const DEFAULT_VERSION = '2.1.7';

/** The version an image runs, from the first `x.y.z` in its tag. */
export function versionFromImage(image: string): DorisVersion {
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(tag);
  return versionOf(match ? match[0] : DEFAULT_VERSION);
}

export function versionOf(semver: string): DorisVersion {
  const [major = 2, minor = 1] = semver.split('.').map(Number);
  return { full: `doris-${semver}`, profile: major > 2 || (major === 2 && minor > 1) ? '3.0' : '2.1' };
}

/** Whether `v` is at least `x.y.z`. */
export function atLeast(v: DorisVersion, semver: string): boolean {
  const have = (/(\d+)\.(\d+)\.(\d+)/.exec(v.full)?.slice(1) ?? []).map(Number);
  const want = semver.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (have[i] ?? 0) - (want[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** SHOW FRONTENDS / SHOW PROC '/frontends' / frontends(): 19 columns in 2.1 and 3.0. */
export const FRONTEND_COLUMNS = [
  'Name',
  'Host',
  'EditLogPort',
  'HttpPort',
  'QueryPort',
  'RpcPort',
  'ArrowFlightSqlPort',
  'Role',
  'IsMaster',
  'ClusterId',
  'Join',
  'Alive',
  'ReplayedJournalId',
  'LastStartTime',
  'LastHeartbeat',
  'IsHelper',
  'ErrMsg',
  'Version',
  'CurrentConnected',
] as const;

const BACKEND_COLUMNS_21 = [
  'BackendId',
  'Host',
  'HeartbeatPort',
  'BePort',
  'HttpPort',
  'BrpcPort',
  'ArrowFlightSqlPort',
  'LastStartTime',
  'LastHeartbeat',
  'Alive',
  'SystemDecommissioned',
  'TabletNum',
  'DataUsedCapacity',
  'TrashUsedCapcacity',
  'AvailCapacity',
  'TotalCapacity',
  'UsedPct',
  'MaxDiskUsedPct',
  'RemoteUsedCapacity',
  'Tag',
  'ErrMsg',
  'Version',
  'Status',
  'HeartbeatFailureCounter',
  'NodeRole',
] as const;

/** SHOW BACKENDS columns of a profile. */
export function backendColumns(profile: Profile): readonly string[] {
  if (profile === '2.1') return BACKEND_COLUMNS_21;
  return [
    ...BACKEND_COLUMNS_21.map((c) => (c === 'TrashUsedCapcacity' ? 'TrashUsedCapacity' : c)),
    'CpuCores',
    'Memory',
  ];
}

export const BROKER_COLUMNS = ['Name', 'Host', 'Port', 'Alive', 'LastStartTime', 'LastUpdateTime', 'ErrMsg'];

/** The release line of a version, which decides what its images' start scripts check. */
export type ReleaseLine = '2.0' | '2.1' | '3.0';

export function releaseLine(v: DorisVersion): ReleaseLine {
  if (atLeast(v, '3.0.0')) return '3.0';
  return atLeast(v, '2.1.0') ? '2.1' : '2.0';
}
