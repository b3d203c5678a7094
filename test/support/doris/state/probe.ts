/**
 * What the master learns from a heartbeat. The state machine never looks at sockets: the simulator
 * answers these probes from its running processes, and unit tests can answer them with plain values.
 */

export interface HeartbeatFailure {
  readonly ok: false;
  /** The ErrMsg Doris shows, e.g. `java.net.UnknownHostException: <fqdn>`. */
  readonly error: string;
}

export interface FrontendHeartbeat {
  readonly ok: true;
  readonly startTime: number;
  readonly version: string;
  readonly queryPort: number;
  readonly rpcPort: number;
  readonly arrowFlightSqlPort: number;
}

export interface BackendHeartbeat {
  readonly ok: true;
  readonly startTime: number;
  readonly version: string;
  readonly bePort: number;
  readonly httpPort: number;
  readonly brpcPort: number;
  readonly arrowFlightSqlPort: number;
  /** From be.conf `be_node_role`. */
  readonly nodeRole: 'mix' | 'computation';
  readonly cpuCores: number;
  readonly memoryBytes: number;
  readonly totalCapacity: number;
  /** Identifies the storage the process runs on: a new value means the data on it is gone. */
  readonly storageId: string;
}

export interface BrokerHeartbeat {
  readonly ok: true;
  readonly startTime: number;
}

export interface Probe {
  /** Whether the FE process registered as `name` at host:port runs and is reachable. */
  frontend(host: string, editLogPort: number, name: string): FrontendHeartbeat | HeartbeatFailure;
  backend(host: string, heartbeatPort: number): BackendHeartbeat | HeartbeatFailure;
  broker(host: string, port: number): BrokerHeartbeat | HeartbeatFailure;
}

/** `host:port` split; the port part must be a number (an empty host is left to the statement to refuse). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function parseHostPort(text: string): HostPort | undefined {
  const i = text.lastIndexOf(':');
  if (i < 0) return undefined;
  const port = Number(text.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host: text.slice(0, i), port };
}
