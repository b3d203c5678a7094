/**
 * What a statement runs with: the session (who is logged in, the current database, session
 * variables), the FE it reached, and the shape of results.
 */
import { forwardFailed } from '../errors.ts';
import type { Auth, User } from '../state/auth.ts';
import type { DorisCluster } from '../state/cluster.ts';
import type { Viewer } from '../state/rows.ts';
import type { DorisVersion } from '../version.ts';
import type { Statement, StatementKind } from './statements.ts';

export interface Session {
  readonly connectionId: number;
  readonly user: User;
  readonly clientHost: string;
  db?: string;
  readonly variables: Map<string, string>;
}

/** The FE a session is connected to. */
export interface FeContext {
  readonly cluster: DorisCluster;
  readonly viewer: Viewer;
  readonly version: DorisVersion;
}

/** The master's context for a statement a follower forwards (qe/MasterOpExecutor.java `forward`). */
export function forwarded(fe: FeContext): FeContext {
  const { cluster, viewer } = fe;
  if (cluster.frontends.master === viewer.name) return fe;
  const master = cluster.master();
  if (master === undefined || !cluster.probe.frontend(master.host, master.editLogPort, master.name).ok)
    throw forwardFailed();
  return {
    ...fe,
    viewer: {
      ...viewer,
      name: master.name,
      connected: viewer.name,
      queryPort: master.queryPort,
      rpcPort: master.rpcPort,
      arrowFlightSqlPort: master.arrowFlightSqlPort,
    },
  };
}

export type Value = string | number | null;

export type Result =
  | {
      readonly kind: 'rows';
      readonly columns: readonly string[];
      readonly rows: readonly (readonly Value[])[];
    }
  | { readonly kind: 'ok'; readonly affectedRows?: number };

export interface Exec {
  readonly session: Session;
  readonly fe: FeContext;
  readonly cluster: DorisCluster;
  readonly auth: Auth;
  readonly now: number;
  /** Who sent the statement, for membership entries of the log. */
  readonly source: string;
}

export type Handlers = { [K in StatementKind]?: (s: Extract<Statement, { kind: K }>, x: Exec) => Result };

export const OK: Result = { kind: 'ok' };

export const rows = (columns: readonly string[], values: readonly (readonly Value[])[]): Result => ({
  kind: 'rows',
  columns,
  rows: values,
});

/** Session variables a MySQL client or connector may read on connect, with Doris's defaults. */
export function defaultVariables(version: DorisVersion): Record<string, string | number> {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    version_comment: `Doris version ${version.full}`,
    version: '5.7.99',
    autocommit: 1,
    auto_increment_increment: 1,
    character_set_client: 'utf8mb4',
    character_set_connection: 'utf8mb4',
    character_set_results: 'utf8mb4',
    character_set_server: 'utf8mb4',
    collation_connection: 'utf8mb4_0900_bin',
    collation_database: 'utf8mb4_0900_bin',
    collation_server: 'utf8mb4_0900_bin',
    init_connect: '',
    interactive_timeout: 3600,
    language: '/palo/share/english/',
    license: 'Apache License, Version 2.0',
    lower_case_table_names: 0,
    max_allowed_packet: 16777216,
    net_buffer_length: 16384,
    net_write_timeout: 600,
    performance_schema: 0,
    query_cache_size: 1048576,
    query_cache_type: 0,
    query_timeout: 900,
    sql_mode: 'ONLY_FULL_GROUP_BY',
    sql_select_limit: '9223372036854775807',
    system_time_zone: tz,
    time_zone: tz,
    transaction_isolation: 'REPEATABLE-READ',
    tx_isolation: 'REPEATABLE-READ',
    tx_read_only: 0,
    transaction_read_only: 0,
    wait_timeout: 28800,
  };
}
