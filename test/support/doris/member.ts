/**
 * One simulated Doris process: what a Running pod of the official images would run. It holds the
 * ports of its role on the pod IP while it should (an FE only once it is ready: joined and a master
 * known; a dropped FE closes them), carries its load meter, and can be killed, restarted or cut off
 * from the network by the control API.
 */

import { backendHttp, frontendHttp } from './http.ts';
import type { HostView } from './kube/host.ts';
import { Listeners, type PortSpec } from './listeners.ts';
import { Meter } from './load.ts';
import type { EventLog } from './log.ts';
import { MysqlServer } from './mysql/server.ts';
import type { FeContext } from './sql/session.ts';
import type { DorisCluster } from './state/cluster.ts';
import type { DorisVersion } from './version.ts';

export type MemberKind = 'fe' | 'be' | 'broker';
/** `starting`: the entrypoint runs; `running`: the process is up; `killed`: stopped by the control API or a crash. */
export type MemberState = 'starting' | 'running' | 'killed' | 'stopped';

export interface MemberSpec {
  /** `namespace/pod`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind: MemberKind;
  /** The pod IP the ports are bound on. */
  readonly ip: string;
  /** What the node registers as: its FQDN with `enable_fqdn_mode`, otherwise its IP. */
  readonly host: string;
  /** The StatefulSet ordinal (hostname suffix). */
  readonly ordinal: number;
  readonly version: DorisVersion;
  /** fe.conf / be.conf / apache_hdfs_broker.conf from the mounted ConfigMap. */
  readonly conf: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /** From the Secret mounted at /etc/basic_auth. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** The PVC uid holding doris-meta or storage; the pod uid when there is none. */
  readonly storageId: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The pod's annotations, as the entrypoints read them from /etc/podinfo/annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly cpuCores: number;
  readonly memoryBytes: number;
  /** The node's kernel and the container's limits, as the start scripts read them (kube/host.ts). */
  readonly hostView?: HostView;
  /**
   * The kubelet's startup probe budget (initial delay + period x failure threshold): a container
   * whose ports are not open by then is killed and started again.
   */
  readonly startupBudgetMs?: number;
  /** An init container failed: the main container never starts. */
  readonly initError?: string;
}

export interface Ports {
  readonly http: number;
  readonly query: number;
  readonly rpc: number;
  readonly editLog: number;
  readonly arrowFlightSql: number;
  readonly be: number;
  readonly heartbeat: number;
  readonly brpc: number;
  readonly brokerIpc: number;
}

export function portsOf(spec: Pick<MemberSpec, 'kind' | 'conf' | 'env'>): Ports {
  const n = (key: string, def: number) => Number(spec.conf[key] ?? def);
  return {
    http: spec.kind === 'fe' ? n('http_port', 8030) : n('webserver_port', 8040),
    query: n('query_port', Number(spec.env.FE_QUERY_PORT ?? 9030)),
    rpc: n('rpc_port', 9020),
    editLog: n('edit_log_port', 9010),
    arrowFlightSql: n('arrow_flight_sql_port', -1),
    be: n('be_port', 9060),
    heartbeat: n('heartbeat_service_port', 9050),
    brpc: n('brpc_port', 8060),
    brokerIpc: n('broker_ipc_port', 8000),
  };
}

export class Member {
  readonly spec: MemberSpec;
  readonly ports: Ports;
  readonly meter = new Meter();
  /** BE: the data disk as the control API set it (the kubelet grows the filesystem with its claim). */
  disk: { usedBytes?: number; totalBytes?: number } = {};
  state: MemberState = 'starting';
  unreachable = false;
  startTime = 0;
  /** FE: the cluster it belongs to and its frontend name, once started. */
  cluster: DorisCluster | undefined;
  frontendName: string | undefined;
  /** FE: became ready since its process started (ports stay open when the master goes away). */
  private ready = false;
  private readonly listeners = new Listeners();
  private readonly mysql: MysqlServer | undefined;
  private io: Promise<void> = Promise.resolve();
  /** A port change is queued on `io` and has not run yet. */
  private pending = false;
  private bindError: string | undefined;
  private readonly log: EventLog;

  constructor(spec: MemberSpec, log: EventLog, replyDelayMs?: (sql: string) => number) {
    this.spec = spec;
    this.log = log;
    this.ports = portsOf(spec);
    if (spec.kind === 'fe') {
      this.mysql = new MysqlServer({
        context: () => this.feContext(),
        log,
        member: spec.key,
        onStatement: (ok) => this.meter.countStatement(ok),
        ...(replyDelayMs ? { replyDelayMs } : {}),
      });
    }
  }

  /** Running and reachable: what a heartbeat sees. */
  get up(): boolean {
    return this.state === 'running' && !this.unreachable;
  }

  get connections(): number {
    return this.mysql?.connections ?? 0;
  }

  get connectionsAccepted(): number {
    return this.mysql?.accepted ?? 0;
  }

  /** The process started (after its entrypoint's registration). */
  started(now: number): void {
    this.state = 'running';
    this.startTime = now;
    this.ready = false;
    this.record(`process started (${this.spec.kind}, ${this.spec.host})`);
  }

  /** Killed by the control API, or its pod is going away. */
  killed(reason: string, final = false): void {
    if (this.state === 'stopped') return;
    this.state = final ? 'stopped' : 'killed';
    this.ready = false;
    this.record(`process stopped: ${reason}`);
    this.sync();
  }

  feContext(): FeContext | undefined {
    const cluster = this.cluster;
    if (!this.shouldListen() || cluster === undefined || this.frontendName === undefined) return undefined;
    return {
      cluster,
      version: this.spec.version,
      viewer: {
        name: this.frontendName,
        httpPort: this.ports.http,
        queryPort: this.ports.query,
        rpcPort: this.ports.rpc,
        arrowFlightSqlPort: this.ports.arrowFlightSql,
        profile: this.spec.version.profile,
      },
    };
  }

  /** Whether the ports should be open now. */
  shouldListen(): boolean {
    if (!this.up) return false;
    if (this.spec.kind !== 'fe') return true;
    const fe =
      this.frontendName === undefined ? undefined : this.cluster?.frontends.byName(this.frontendName);
    if (fe === undefined || !fe.join) return false;
    if (this.cluster?.frontends.master !== undefined) this.ready = true;
    return this.ready;
  }

  /** Opens or closes the ports to match `shouldListen()`; calls are serialised. */
  sync(): Promise<void> {
    const want = this.shouldListen();
    if (want === this.listeners.listening && !this.pending) return this.io;
    this.pending = true;
    this.io = this.io.then(async () => {
      this.pending = false;
      const now = this.shouldListen();
      if (now && !this.listeners.listening) {
        try {
          await this.listeners.listen(this.spec.ip, this.portSpecs());
          this.bindError = undefined;
        } catch (err) {
          // Retried on every tick (the address may be released soon); logged once per cause.
          const message = (err as Error).message;
          if (message !== this.bindError) this.record(`cannot bind ${this.spec.ip}: ${message}`);
          this.bindError = message;
        }
      } else if (!now && this.listeners.listening) {
        await this.listeners.close();
      }
    });
    return this.io;
  }

  private portSpecs(): PortSpec[] {
    const p = this.ports;
    switch (this.spec.kind) {
      case 'fe':
        return [
          { kind: 'http', port: p.http, handler: frontendHttp(this) },
          { kind: 'mysql', port: p.query, server: this.mysql as MysqlServer },
          { kind: 'tcp', port: p.rpc },
          { kind: 'tcp', port: p.editLog },
        ];
      case 'be':
        return [
          { kind: 'tcp', port: p.heartbeat },
          { kind: 'http', port: p.http, handler: backendHttp(this) },
          { kind: 'tcp', port: p.be },
          { kind: 'tcp', port: p.brpc },
        ];
      case 'broker':
        return [{ kind: 'tcp', port: p.brokerIpc }];
    }
  }

  private record(text: string): void {
    this.log.append({
      kind: 'process',
      source: 'simulator',
      member: this.spec.key,
      text,
      ...(this.cluster === undefined ? {} : { cluster: this.cluster.key }),
    });
  }
}
