/**
 * A typed client for the admin statements the operator runs against the master FE, over the
 * MySQL protocol (mysql2). Every connection has a connect and a query timeout; values are escaped
 * by the client (Doris has no server-side prepared statements for ALTER SYSTEM).
 */
import type { Connection } from 'mysql2/promise';
import { DorisError, DorisUnreachableError } from './errors.ts';
import {
  type Backend,
  type Broker,
  type Frontend,
  parseBackend,
  parseBroker,
  parseFrontend,
  type Row,
} from './rows.ts';

export interface DorisEndpoint {
  readonly host: string;
  /** @default 9030 */
  readonly port?: number;
  readonly user: string;
  readonly password: string;
}

export interface ClientOptions {
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  /** @default 30000 */
  readonly queryTimeoutMs?: number;
}

/** A statement parameter that must never appear in an error or a log. */
export class SecretValue {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
}

/** Marks a statement parameter (a password) as secret. */
export const secret = (value: string): SecretValue => new SecretValue(value);

/** Replaces every form of the secrets Doris might echo (as given, or escaped) with ***. */
function mask(text: string, secrets: readonly SecretValue[], conn: Connection): string {
  let out = text;
  for (const s of secrets) {
    if (s.value === '') continue;
    const escaped = conn.escape(s.value).slice(1, -1);
    for (const form of [escaped, s.value]) out = out.split(form).join('***');
  }
  return out;
}

export class DorisClient {
  private readonly conn: Connection;
  private readonly queryTimeoutMs: number;
  readonly address: string;
  /** The account logged in as. */
  readonly user: string;

  private constructor(conn: Connection, address: string, queryTimeoutMs: number, user: string) {
    this.conn = conn;
    this.address = address;
    this.queryTimeoutMs = queryTimeoutMs;
    this.user = user;
  }

  static async connect(ep: DorisEndpoint, opts: ClientOptions = {}): Promise<DorisClient> {
    const address = `${ep.host}:${ep.port ?? 9030}`;
    try {
      // Loaded on first use: an operator with no cluster to look at does not carry the driver.
      const { createConnection } = await import('mysql2/promise');
      const conn = await createConnection({
        host: ep.host,
        port: ep.port ?? 9030,
        user: ep.user,
        password: ep.password,
        connectTimeout: opts.connectTimeoutMs ?? 5000,
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
        // No prepared statements are used; the driver's default cache of 16,000 preallocates
        // half a MiB of heap per connection, which with one kept connection per cluster was most
        // of the operator's heap.
        maxPreparedStatements: 1,
      });
      conn.on('error', () => {
        // A dropped connection surfaces on the next query; without a listener it would crash the process.
      });
      return new DorisClient(conn, address, opts.queryTimeoutMs ?? 30_000, ep.user);
    } catch (err) {
      const e = err as { errno?: number; message?: string };
      if (typeof e.errno === 'number' && e.errno > 1000)
        throw new DorisError('connect', e.errno, e.message ?? '', { cause: err });
      throw new DorisUnreachableError(address, { cause: err });
    }
  }

  /**
   * Runs one statement; `?` placeholders are escaped by the client. Parameters wrapped in
   * `secret()` reach Doris and nothing else: errors show the statement with `'***'` in their place,
   * any echo of them in Doris' message is masked, and the driver's error (which holds the full
   * statement) is not kept as the cause.
   */
  async query(sql: string, values: readonly unknown[] = []): Promise<Row[]> {
    const plain = values.map((v) => (v instanceof SecretValue ? v.value : v));
    try {
      const [rows] = await this.conn.query({ sql, values: plain, timeout: this.queryTimeoutMs });
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (err) {
      const e = err as { errno?: number; message?: string; code?: string };
      const secrets = values.filter((v): v is SecretValue => v instanceof SecretValue);
      if (typeof e.errno === 'number' && e.errno > 1000) {
        const shown = this.conn.format(
          sql,
          values.map((v) => (v instanceof SecretValue ? '***' : v)),
        );
        throw new DorisError(shown, e.errno, mask(e.message ?? '', secrets, this.conn));
      }
      throw new DorisUnreachableError(this.address, {
        cause: new Error(mask(e.message ?? e.code ?? 'query failed', secrets, this.conn)),
      });
    }
  }

  /**
   * Runs a statement as written (a user's init SQL: no placeholders, so a `?` in it stays as it is)
   * with its own timeout.
   */
  async run(sql: string, timeoutMs: number): Promise<Row[]> {
    try {
      const [rows] = await this.conn.query({ sql, timeout: timeoutMs });
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (err) {
      const e = err as { errno?: number; message?: string; code?: string };
      if (typeof e.errno === 'number' && e.errno > 1000) throw new DorisError(sql, e.errno, e.message ?? '');
      throw new DorisUnreachableError(this.address, {
        cause: new Error(e.message ?? e.code ?? 'query failed'),
      });
    }
  }

  async showFrontends(): Promise<Frontend[]> {
    return (await this.query('SHOW FRONTENDS')).map(parseFrontend);
  }

  async showBackends(): Promise<Backend[]> {
    return (await this.query('SHOW BACKENDS')).map(parseBackend);
  }

  async showBrokers(): Promise<Broker[]> {
    return (await this.query('SHOW BROKER')).map(parseBroker);
  }

  addFrontend(role: 'FOLLOWER' | 'OBSERVER', hostPort: string): Promise<Row[]> {
    return this.query(`ALTER SYSTEM ADD ${role} ?`, [hostPort]);
  }

  dropFrontend(role: 'FOLLOWER' | 'OBSERVER', hostPort: string): Promise<Row[]> {
    return this.query(`ALTER SYSTEM DROP ${role} ?`, [hostPort]);
  }

  decommissionBackend(hostPort: string): Promise<Row[]> {
    return this.query('ALTER SYSTEM DECOMMISSION BACKEND ?', [hostPort]);
  }

  cancelDecommission(hostPort: string): Promise<Row[]> {
    return this.query('CANCEL DECOMMISSION BACKEND ?', [hostPort]);
  }

  /** Removes a backend at once, discarding its data: only for compute nodes or empty backends. */
  dropBackendNow(hostPort: string): Promise<Row[]> {
    return this.query('ALTER SYSTEM DROPP BACKEND ?', [hostPort]);
  }

  setBackendQueryable(hostPort: string, queryable: boolean): Promise<Row[]> {
    const v = queryable ? 'false' : 'true';
    return this.query(
      `ALTER SYSTEM MODIFY BACKEND ? SET ("disable_query" = "${v}", "disable_load" = "${v}")`,
      [hostPort],
    );
  }

  dropBroker(name: string, hostPort: string): Promise<Row[]> {
    return this.query('ALTER SYSTEM DROP BROKER ? ?', [name, hostPort]).catch(() =>
      this.query(`ALTER SYSTEM DROP BROKER \`${name.replace(/`/g, '')}\` ?`, [hostPort]),
    );
  }

  /** Sets a master FE config at runtime (`ADMIN SET FRONTEND CONFIG`). */
  setFrontendConfig(key: string, value: string): Promise<Row[]> {
    return this.query(`ADMIN SET FRONTEND CONFIG (?=?)`, [key, value]);
  }

  /** FE config keys matching a LIKE pattern on the connected FE, with their values. */
  async frontendConfigs(pattern: string): Promise<Map<string, string>> {
    const rows = await this.query('SHOW FRONTEND CONFIG LIKE ?', [pattern]);
    return new Map(rows.map((r) => [r.Key ?? '', r.Value ?? '']));
  }

  /**
   * An idle connection kept between uses does not hold the process open (its socket is unref'd);
   * `idle(false)` before using it again.
   */
  idle(on: boolean): void {
    const stream = (this.conn as unknown as { connection?: { stream?: { ref(): void; unref(): void } } })
      .connection?.stream;
    if (on) stream?.unref();
    else stream?.ref();
  }

  async close(): Promise<void> {
    try {
      await this.conn.end();
    } catch {
      this.conn.destroy();
    }
  }
}
