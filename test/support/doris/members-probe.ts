/**
 * The heartbeat probe answered from the simulated processes: a host that resolves to no member is
 * an unknown host (its pod is gone), a stopped process refuses connections, a cut-off one times out.
 */
import { totalCapacityOf } from './http.ts';
import type { Member } from './member.ts';
import type { HeartbeatFailure, Probe } from './state/probe.ts';

export function membersProbe(members: () => Iterable<Member>): Probe {
  const find = (
    kind: Member['spec']['kind'],
    host: string,
    port: (m: Member) => boolean,
  ): Member | undefined => {
    for (const m of members()) {
      if (m.spec.kind === kind && (m.spec.host === host || m.spec.ip === host) && port(m)) return m;
    }
    return undefined;
  };
  const unknown = (host: string): HeartbeatFailure => ({
    ok: false,
    error: `java.net.UnknownHostException: ${host}`,
  });
  const down = (m: Member): HeartbeatFailure => ({
    ok: false,
    error:
      m.unreachable && m.state === 'running'
        ? 'java.net.SocketTimeoutException: connect timed out'
        : 'java.net.ConnectException: Connection refused (Connection refused)',
  });
  return {
    frontend: (host, port, name) => {
      const m = find('fe', host, (x) => x.ports.editLog === port);
      if (m === undefined) return unknown(host);
      if (!m.up || m.frontendName !== name) return down(m);
      return {
        ok: true,
        startTime: m.startTime,
        version: m.spec.version.full,
        queryPort: m.ports.query,
        rpcPort: m.ports.rpc,
        arrowFlightSqlPort: m.ports.arrowFlightSql,
      };
    },
    backend: (host, port) => {
      const m = find('be', host, (x) => x.ports.heartbeat === port);
      if (m === undefined) return unknown(host);
      if (!m.up) return down(m);
      return {
        ok: true,
        startTime: m.startTime,
        version: m.spec.version.full,
        bePort: m.ports.be,
        httpPort: m.ports.http,
        brpcPort: m.ports.brpc,
        arrowFlightSqlPort: m.ports.arrowFlightSql,
        nodeRole: m.spec.conf.be_node_role === 'computation' ? 'computation' : 'mix',
        cpuCores: m.spec.cpuCores,
        memoryBytes: m.spec.memoryBytes,
        totalCapacity: totalCapacityOf(m),
        storageId: m.spec.storageId,
      };
    },
    broker: (host, port) => {
      const m = find('broker', host, (x) => x.ports.brokerIpc === port);
      if (m === undefined) return unknown(host);
      if (!m.up) return down(m);
      return { ok: true, startTime: m.startTime };
    },
  };
}
