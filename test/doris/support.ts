/** Helpers for the simulator's tests: standalone clusters with their control API, and SQL through mysql2. */
import type { TestContext } from 'node:test';
import mysql from 'mysql2/promise';
import { SimulatorClient } from '../support/doris/control/client.ts';
import { ControlServer } from '../support/doris/control/server.ts';
import type { Member } from '../support/doris/member.ts';
import { type Standalone, type StandaloneOptions, startStandalone } from '../support/doris/standalone.ts';

export interface TestCluster extends Standalone {
  readonly control: SimulatorClient;
  /** The cluster key (`standalone/fe`). */
  readonly key: string;
}

/** A standalone cluster and its control API, both stopped when the test ends. */
export async function standalone(t: TestContext, opts: StandaloneOptions = {}): Promise<TestCluster> {
  const s = await startStandalone(opts);
  const server = new ControlServer(s.sim);
  const url = await server.listen();
  t.after(async () => {
    await server.close();
    await s.stop();
  });
  return { ...s, control: new SimulatorClient(url), key: 'standalone/fe' };
}

export type Row = Record<string, string | null>;

export interface Sql {
  readonly conn: mysql.Connection;
  /** Rows of a statement, by column name. */
  rows(sql: string): Promise<Row[]>;
  /** Column names of a statement's result, in order. */
  columns(sql: string): Promise<string[]>;
  exec(sql: string): Promise<void>;
  /** The error a statement fails with (fails the test when it succeeds). */
  error(sql: string): Promise<mysql.QueryError>;
}

/** A mysql2 connection to an FE, closed when the test ends. */
export async function connect(
  t: TestContext,
  fe: Member | string,
  opts: { user?: string; password?: string; port?: number; database?: string } = {},
): Promise<Sql> {
  const conn = await mysql.createConnection({
    host: typeof fe === 'string' ? fe : fe.spec.ip,
    port: opts.port ?? (typeof fe === 'string' ? 9030 : fe.ports.query),
    user: opts.user ?? 'root',
    password: opts.password ?? '',
    ...(opts.database === undefined ? {} : { database: opts.database }),
    connectTimeout: 5000,
  });
  t.after(() => conn.destroy());
  return {
    conn,
    rows: async (sql) => (await conn.query(sql))[0] as Row[],
    columns: async (sql) => ((await conn.query(sql))[1] as mysql.FieldPacket[]).map((f) => f.name),
    exec: async (sql) => {
      await conn.query(sql);
    },
    error: async (sql) => {
      try {
        await conn.query(sql);
      } catch (err) {
        return err as mysql.QueryError;
      }
      throw new Error(`expected ${sql} to fail`);
    },
  };
}

/** The login error of a connection attempt (fails the test when the login succeeds). */
export async function loginError(host: string, user: string, password: string): Promise<mysql.QueryError> {
  try {
    const conn = await mysql.createConnection({ host, port: 9030, user, password, connectTimeout: 5000 });
    conn.destroy();
  } catch (err) {
    return err as mysql.QueryError;
  }
  throw new Error(`expected the login of ${user} to fail`);
}

export const DETAIL = 'errCode = 2, detailMessage = ';
