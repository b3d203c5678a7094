/**
 * The master's heartbeats. Each FE row learns its ports, version, start time and replayed journal
 * from the reply, and turns dead at the first failure. A backend fills its `-1` ports at the first
 * reply and turns dead only when consecutive failures exceed
 * `max_backend_heartbeat_failure_tolerance_count`. A backend whose storage changed lost its replicas.
 */
import type { DorisCluster } from './cluster.ts';

export function heartbeat(cluster: DorisCluster, now: number): void {
  const { probe, frontends, backends, brokers } = cluster;
  for (const fe of frontends.list) {
    const r = probe.frontend(fe.host, fe.editLogPort, fe.name);
    const wasAlive = fe.alive;
    if (r.ok) {
      fe.alive = true;
      fe.lastHeartbeat = now;
      fe.lastStartTime = r.startTime;
      fe.version = r.version;
      fe.queryPort = r.queryPort;
      fe.rpcPort = r.rpcPort;
      fe.arrowFlightSqlPort = r.arrowFlightSqlPort;
      fe.replayedJournalId = cluster.journalId;
      fe.errMsg = '';
    } else {
      fe.alive = fe.name === frontends.master;
      fe.errMsg = r.error;
    }
    if (wasAlive !== fe.alive)
      cluster.record(`frontend ${fe.name} (${fe.host}) ${fe.alive ? 'alive' : 'not alive'}`);
  }

  const tolerance = cluster.masterConfig().int('max_backend_heartbeat_failure_tolerance_count');
  for (const be of backends.list) {
    const r = probe.backend(be.host, be.heartbeatPort);
    const wasAlive = be.alive;
    if (r.ok) {
      if (be.storageId !== undefined && be.storageId !== r.storageId) {
        const lost = cluster.catalog.removeReplicasOn(be.id);
        cluster.record(`backend ${be.id} (${be.host}) came back with new storage: ${lost} replicas lost`);
      }
      be.storageId = r.storageId;
      be.bePort = r.bePort;
      be.httpPort = r.httpPort;
      be.brpcPort = r.brpcPort;
      be.arrowFlightSqlPort = r.arrowFlightSqlPort;
      be.lastStartTime = r.startTime;
      be.lastHeartbeat = now;
      be.lastReportTablets = now;
      be.version = r.version;
      be.nodeRole = r.nodeRole;
      be.cpuCores = r.cpuCores;
      be.memoryBytes = r.memoryBytes;
      be.totalCapacity = r.totalCapacity;
      be.heartbeatFailureCounter = 0;
      be.alive = true;
      be.errMsg = '';
    } else {
      // Dead at `++counter >= tolerance`: the first missed heartbeat with the default of 1
      // (system/HeartbeatMgr.java via Backend.handleHbResponse; simulator-fidelity.md §4.1).
      be.heartbeatFailureCounter++;
      be.errMsg = r.error;
      if (be.heartbeatFailureCounter >= tolerance) be.alive = false;
    }
    if (wasAlive && !be.alive) be.deadSince = now;
    if (be.alive) delete be.deadSince;
    if (wasAlive !== be.alive)
      cluster.record(`backend ${be.id} (${be.host}) ${be.alive ? 'alive' : 'not alive'}`);
  }

  for (const b of brokers.list) {
    const r = probe.broker(b.host, b.port);
    const wasAlive = b.alive;
    b.alive = r.ok;
    if (r.ok) {
      b.lastStartTime = r.startTime;
      b.lastUpdateTime = now;
      b.errMsg = '';
    } else b.errMsg = r.error;
    if (wasAlive !== b.alive)
      cluster.record(`broker ${b.name} (${b.host}:${b.port}) ${b.alive ? 'alive' : 'not alive'}`);
  }
}
