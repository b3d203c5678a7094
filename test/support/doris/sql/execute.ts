/**
 * Runs SQL text on the FE a session reached: splits it into statements, parses and executes each
 * one in order, stops at the first error, and writes every statement with its outcome to the log.
 */
import { DorisError, ddlError } from '../errors.ts';
import type { EventLog } from '../log.ts';
import { authHandlers } from './execute-auth.ts';
import { dataHandlers } from './execute-data.ts';
import { sessionHandlers } from './execute-session.ts';
import { systemHandlers } from './execute-system.ts';
import { splitStatements } from './lexer.ts';
import { parseStatement } from './parser.ts';
import { type Exec, type FeContext, forwarded, type Handlers, type Result, type Session } from './session.ts';
import type { Statement, StatementKind } from './statements.ts';

const handlers: Handlers = { ...systemHandlers, ...dataHandlers, ...authHandlers, ...sessionHandlers };

export interface RunOutcome {
  readonly results: Result[];
  /** Set when a statement failed; the statements after it did not run. */
  readonly error?: DorisError;
}

export interface RunOptions {
  readonly session: Session;
  readonly fe: FeContext;
  readonly log: EventLog;
  /** Who sent it, for the log: `mysql root@127.0.0.1`, `entrypoint ns/fe-1`. */
  readonly source: string;
  /** The member that received it, for the log. */
  readonly member?: string;
}

export function runSql(sql: string, opts: RunOptions): RunOutcome {
  const results: Result[] = [];
  for (const stmt of splitStatements(sql)) {
    // Logged before it runs, so the membership changes it causes follow it in the log.
    const entry = opts.log.append(logEntry(opts, stmt.text));
    try {
      results.push(executeStatement(parseStatement(stmt), opts));
    } catch (err) {
      const error = err instanceof DorisError ? err : ddlError(String((err as Error)?.message ?? err));
      entry.error = error.message;
      return { results, error };
    }
  }
  return { results };
}

function logEntry(opts: RunOptions, text: string) {
  return {
    kind: 'statement' as const,
    cluster: opts.fe.cluster.key,
    source: opts.source,
    text,
    ...(opts.member === undefined ? {} : { member: opts.member }),
  };
}

/**
 * What a follower forwards to the master: every change (their RedirectStatus is FORWARD_*), and
 * SHOW FRONTENDS / SHOW BACKENDS, which forward while the session's `forwardToMaster` is true, its
 * default (ShowFrontendsStmt/ShowBackendsStmt.getRedirectStatus, qe/SessionVariable.java 2.1 L1005,
 * 3.0 L958): a follower answers with the master's view, or fails when there is no master.
 */
const FORWARDED: ReadonlySet<StatementKind> = new Set<StatementKind>([
  'showFrontends',
  'showBackends',
  'addFrontend',
  'dropFrontend',
  'addBackend',
  'dropBackend',
  'decommissionBackend',
  'cancelDecommission',
  'modifyBackend',
  'addBroker',
  'dropBroker',
  'dropAllBroker',
  'createDatabase',
  'dropDatabase',
  'createTable',
  'dropTable',
  'insert',
  'setPassword',
  'createUser',
  'dropUser',
  'grantPrivileges',
  'grantRoles',
  'revokeRoles',
  'revokePrivileges',
  'createRole',
  'createWorkloadGroup',
  'setProperty',
  'dropRole',
  'alterUserPassword',
  'createRepository',
  'dropRepository',
  'backup',
  'restore',
  'cancelJob',
]);

export function executeStatement(
  stmt: Statement,
  opts: Pick<RunOptions, 'session' | 'fe' | 'source'>,
): Result {
  const fe = FORWARDED.has(stmt.kind) ? forwarded(opts.fe) : opts.fe;
  const x: Exec = {
    session: opts.session,
    fe,
    cluster: fe.cluster,
    auth: opts.fe.cluster.auth,
    now: Date.now(),
    source: opts.source,
  };
  const handler = handlers[stmt.kind] as ((s: Statement, x: Exec) => Result) | undefined;
  if (handler === undefined) throw ddlError(`Unsupported statement: ${stmt.kind}`);
  return handler(stmt, x);
}
