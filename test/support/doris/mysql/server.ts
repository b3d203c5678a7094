/**
 * The FE's MySQL protocol port, on mysql2's server side: the handshake with mysql_native_password
 * checked against the cluster's users, COM_QUERY (one or several statements), COM_INIT_DB and
 * COM_PING. Results and errors are written with the packets of packets.ts so that SQL states, NULLs
 * and multi-statement flags are right.
 */
import { createServer } from 'mysql2';
import { DorisError, notReady, unknownDatabase } from '../errors.ts';
import type { EventLog } from '../log.ts';
import { runSql } from '../sql/execute.ts';
import type { FeContext, Result, Session } from '../sql/session.ts';
import { SYSTEM_DATABASES } from '../state/catalog.ts';
import {
  columnCountPacket,
  columnPacket,
  eofPacket,
  errorPacket,
  okPacket,
  type RawPacket,
  rowPacket,
  SERVER_MORE_RESULTS_EXISTS,
  SERVER_STATUS_AUTOCOMMIT,
  sqlStateOf,
  TYPE_LONGLONG,
  TYPE_VAR_STRING,
} from './packets.ts';

/** LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB | PROTOCOL_41 | TRANSACTIONS |
 * SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS | PLUGIN_AUTH | CONNECT_ATTRS |
 * PLUGIN_AUTH_LENENC_CLIENT_DATA. No SSL, no compression, no DEPRECATE_EOF. */
const CAPABILITIES =
  0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x80000 | 0x100000 | 0x200000;

/** What the server needs from the FE process it belongs to. */
export interface MysqlFrontend {
  /** The FE's cluster and view while it is ready; undefined otherwise. */
  context(): FeContext | undefined;
  readonly log: EventLog;
  /** For the log: `ns/pod`. */
  readonly member: string;
  /** Called once per statement, for the metrics. */
  onStatement?(ok: boolean): void;
  /** A fault: how long to hold the reply of a statement that has already run (0: none). */
  replyDelayMs?(sql: string): number;
}

/** The parts of mysql2's server-side connection this module uses. */
interface ServerConnection {
  stream: import('node:net').Socket;
  sequenceId: number;
  on(event: string, listener: (...args: never[]) => void): void;
  serverHandshake(args: object): void;
  writePacket(packet: RawPacket): void;
  writeError(args: { message: string; code?: number }): void;
  writeOk(args?: object): void;
  handlePacket(packet: { sequenceId: number } | undefined): void;
}

interface AuthParams {
  user: string;
  database?: string;
  authPluginData1: Buffer;
  authPluginData2: Buffer;
  authToken: Buffer;
}

let nextConnectionId = 1;

export class MysqlServer {
  private readonly fe: MysqlFrontend;
  private readonly server = createServer((conn) => this.accept(conn as unknown as ServerConnection));
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(fe: MysqlFrontend) {
    this.fe = fe;
  }

  private acceptedCount = 0;

  get connections(): number {
    return this.sockets.size;
  }

  /** Connections accepted since the member was created (a client that reconnects each time shows here). */
  get accepted(): number {
    return this.acceptedCount;
  }

  listen(host: string, port: number): Promise<void> {
    const net = (this.server as unknown as { _server: import('node:net').Server })._server;
    return new Promise((resolve, reject) => {
      net.once('error', reject);
      net.listen({ host, port, exclusive: true }, () => {
        net.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting and drops every open connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(conn: ServerConnection): void {
    const socket = conn.stream;
    this.acceptedCount++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    conn.on('error', () => {});
    const connectionId = nextConnectionId++;
    const clientHost = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    let session: Session | undefined;
    // Each client command starts a new sequence at 0; mysql2's server side does not reset its own.
    const handle = conn.handlePacket.bind(conn);
    conn.handlePacket = (packet) => {
      if (session !== undefined && packet !== undefined && packet.sequenceId === 0) conn.sequenceId = 0;
      handle(packet);
    };
    conn.writeError = ({ message, code = 1105 }) =>
      conn.writePacket(errorPacket(code, sqlStateOf(code), message));

    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '5.7.99',
      connectionId,
      statusFlags: SERVER_STATUS_AUTOCOMMIT,
      characterSet: 33,
      capabilityFlags: CAPABILITIES,
      authCallback: (
        params: AuthParams,
        done: (err: null, failure?: { message: string; code: number }) => void,
      ) => {
        try {
          const ctx = this.fe.context();
          if (ctx === undefined) throw notReady();
          const scramble = Buffer.concat([params.authPluginData1, params.authPluginData2]);
          const user = ctx.cluster.auth.login(
            params.user,
            clientHost,
            scramble,
            params.authToken ?? Buffer.alloc(0),
          );
          const db = params.database || undefined;
          if (db !== undefined && !SYSTEM_DATABASES.includes(db) && !ctx.cluster.catalog.databases.has(db)) {
            throw unknownDatabase(db);
          }
          session = { connectionId, user, clientHost, db, variables: new Map() };
          done(null);
        } catch (err) {
          const e = err instanceof DorisError ? err : notReady();
          done(null, { message: e.message, code: e.code });
        }
      },
    });

    const query = (sql: string) => this.query(conn, session, sql);
    conn.on('query', query);
    // mysql2 hands `SET ...` text queries to the prepare event; real prepared statements are refused.
    conn.on('stmt_prepare', (sql: string) => {
      if (/^\s*(SET|PREPARE)\b/i.test(sql)) query(sql);
      else
        conn.writeError({
          code: 1105,
          message:
            'errCode = 2, detailMessage = prepared statements are not supported by the Doris simulator',
        });
    });
    conn.on('init_db', (db: string) => query(`USE \`${db}\``));
  }

  private query(conn: ServerConnection, session: Session | undefined, sql: string): void {
    const ctx = this.fe.context();
    if (session === undefined || ctx === undefined) {
      const e = notReady();
      conn.writePacket(errorPacket(e.code, e.sqlState, e.message));
      return;
    }
    const out = runSql(sql, {
      session,
      fe: ctx,
      log: this.fe.log,
      source: `mysql ${session.user.name}@${session.clientHost}`,
      member: this.fe.member,
    });
    const reply = () => {
      out.results.forEach((r, i) => {
        this.fe.onStatement?.(true);
        const more = i < out.results.length - 1 || out.error !== undefined;
        writeResult(conn, r, SERVER_STATUS_AUTOCOMMIT | (more ? SERVER_MORE_RESULTS_EXISTS : 0));
      });
      if (out.error !== undefined) {
        this.fe.onStatement?.(false);
        conn.writePacket(errorPacket(out.error.code, out.error.sqlState, out.error.message));
      } else if (out.results.length === 0) {
        conn.writePacket(okPacket(0, SERVER_STATUS_AUTOCOMMIT));
      }
    };
    // The statement has taken effect; only its answer is late (a client killed meanwhile never sees it).
    const delay = this.fe.replyDelayMs?.(sql) ?? 0;
    if (delay <= 0) {
      reply();
      return;
    }
    setTimeout(() => {
      try {
        reply();
      } catch {
        // The client went away while the reply was held.
      }
    }, delay);
  }
}

function writeResult(conn: ServerConnection, r: Result, status: number): void {
  if (r.kind === 'ok') {
    conn.writePacket(okPacket(r.affectedRows ?? 0, status));
    return;
  }
  conn.writePacket(columnCountPacket(r.columns.length));
  r.columns.forEach((name, i) => {
    const numeric = r.rows.length > 0 && r.rows.every((row) => typeof row[i] === 'number');
    conn.writePacket(columnPacket(name, numeric ? TYPE_LONGLONG : TYPE_VAR_STRING));
  });
  conn.writePacket(eofPacket(status & ~SERVER_MORE_RESULTS_EXISTS));
  for (const row of r.rows) conn.writePacket(rowPacket(row));
  conn.writePacket(eofPacket(status));
}
