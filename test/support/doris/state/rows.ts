/**
 * SHOW FRONTENDS / SHOW BACKENDS / SHOW BROKER rows, as the FE answering prints them (the master,
 * when a follower forwarded the statement): HttpPort is that FE's own on every row, its own row is
 * always Alive with its own ports; CurrentConnected `Yes` marks the FE the client is connected to;
 * backends are sorted by Host; unset times are SQL NULL.
 */
import { formatBool, formatCapacity, formatMemory, formatPercent, formatTime } from '../format.ts';
import { BROKER_COLUMNS, backendColumns, FRONTEND_COLUMNS, type Profile } from '../version.ts';
import type { Backend } from './backends.ts';
import type { DorisCluster } from './cluster.ts';

/** The FE answering the query. */
export interface Viewer {
  readonly name: string;
  /** The FE the client is connected to, when it forwarded the statement to `name` (the master). */
  readonly connected?: string;
  readonly httpPort: number;
  readonly queryPort: number;
  readonly rpcPort: number;
  readonly arrowFlightSqlPort: number;
  readonly profile: Profile;
}

export interface ResultSet {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | null)[])[];
}

export function frontendRows(cluster: DorisCluster, viewer: Viewer): ResultSet {
  const rows = cluster.frontends.list.map((fe) => {
    const self = fe.name === viewer.name;
    return [
      fe.name,
      fe.host,
      String(fe.editLogPort),
      String(viewer.httpPort),
      String(self ? viewer.queryPort : fe.queryPort),
      String(self ? viewer.rpcPort : fe.rpcPort),
      String(self ? viewer.arrowFlightSqlPort : fe.arrowFlightSqlPort),
      fe.role,
      formatBool(fe.name === cluster.frontends.master),
      String(cluster.clusterId),
      formatBool(fe.join),
      formatBool(self || fe.alive),
      String(self ? cluster.journalId : fe.replayedJournalId),
      formatTime(fe.lastStartTime),
      formatTime(fe.lastHeartbeat),
      formatBool(fe.role === 'FOLLOWER'),
      fe.errMsg,
      fe.version,
      fe.name === (viewer.connected ?? viewer.name) ? 'Yes' : 'No',
    ];
  });
  return { columns: FRONTEND_COLUMNS, rows };
}

export function backendRows(cluster: DorisCluster, profile: Profile): ResultSet {
  const sorted = [...cluster.backends.list].sort((a, b) => a.host.localeCompare(b.host) || a.id - b.id);
  return { columns: backendColumns(profile), rows: sorted.map((be) => backendRow(cluster, be, profile)) };
}

function backendRow(cluster: DorisCluster, be: Backend, profile: Profile): (string | null)[] {
  const heartbeated = be.lastHeartbeat !== undefined;
  const total = heartbeated ? be.totalCapacity : 0;
  // Before the first report Doris shows 1 byte available (a guard against division by zero).
  const avail = heartbeated ? Math.round(total * 0.95) : 1;
  const status: Record<string, unknown> = {
    lastSuccessReportTabletsTime: formatTime(be.lastReportTablets) ?? 'N/A',
    lastStreamLoadTime: -1,
    isQueryDisabled: be.disableQuery,
    isLoadDisabled: be.disableLoad,
  };
  if (profile === '3.0') {
    status.isActive = true;
    status.currentFragmentNum = 0;
    status.lastFragmentUpdateTime = be.lastHeartbeat ?? 0;
  }
  const row = [
    String(be.id),
    be.host,
    String(be.heartbeatPort),
    String(be.bePort),
    String(be.httpPort),
    String(be.brpcPort),
    String(be.arrowFlightSqlPort),
    formatTime(be.lastStartTime),
    formatTime(be.lastHeartbeat),
    formatBool(be.alive),
    formatBool(be.decommissioned),
    String(cluster.catalog.replicasOn(be.id)),
    formatCapacity(0),
    formatCapacity(0),
    formatCapacity(avail),
    formatCapacity(total),
    formatPercent(total - avail, total),
    formatPercent(total - avail, total),
    formatCapacity(0),
    `{"location" : "${be.tagLocation}"}`,
    be.errMsg,
    be.version,
    JSON.stringify(status),
    String(be.heartbeatFailureCounter),
    be.nodeRole,
  ];
  if (profile === '3.0') row.push(String(be.cpuCores), formatMemory(be.memoryBytes));
  return row;
}

export function brokerRows(cluster: DorisCluster): ResultSet {
  return {
    columns: BROKER_COLUMNS,
    rows: cluster.brokers.list.map((b) => [
      b.name,
      b.host,
      String(b.port),
      formatBool(b.alive),
      formatTime(b.lastStartTime),
      formatTime(b.lastUpdateTime),
      b.errMsg,
    ]),
  };
}
