/** What clients send around their work: SELECT of variables and functions, SET, USE, SHOW VARIABLES. */
import { DorisError, ddlError, unknownDatabase } from '../errors.ts';
import { passwordHash } from '../state/auth.ts';
import { SYSTEM_DATABASES } from '../state/catalog.ts';
import { likeToRegExp } from '../state/configs.ts';
import { backendRows, frontendRows } from '../state/rows.ts';
import { selectFromTable } from './execute-data.ts';
import { defaultVariables, type Exec, type Handlers, OK, rows, type Value } from './session.ts';
import type { Expr } from './statements.ts';

function variable(name: string, x: Exec): Value {
  const key = name.toLowerCase();
  const set = x.session.variables.get(key);
  if (set !== undefined) return set;
  const value = defaultVariables(x.fe.version)[key];
  if (value === undefined) {
    throw new DorisError(1193, 'HY000', `errCode = 2, detailMessage = Unknown system variable '${name}'`);
  }
  return value;
}

function evaluate(expr: Expr, x: Exec): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'variable':
      return variable(expr.name, x);
    case 'call': {
      const args = expr.args.map((a) => evaluate(a, x));
      switch (expr.name) {
        case 'version':
          return '5.7.99';
        case 'database':
        case 'schema':
          return x.session.db ?? null;
        case 'user':
        case 'session_user':
          return `${x.session.user.name}@${x.session.clientHost}`;
        case 'current_user':
          return `'${x.session.user.name}'@'${x.session.user.host}'`;
        case 'connection_id':
          return x.session.connectionId;
        case 'password':
          return passwordHash(String(args[0] ?? ''));
        case 'now':
        case 'current_timestamp':
          return new Date(x.now).toISOString().replace('T', ' ').slice(0, 19);
        case 'last_insert_id':
          return 0;
        default:
          throw ddlError(`Can not found function '${expr.name}'`);
      }
    }
    case 'column':
      throw ddlError(`Unknown column '${expr.name}' in 'table list'`);
    case 'star':
      throw ddlError('SELECT * must have a FROM clause');
  }
}

export const sessionHandlers: Handlers = {
  select: (s, x) => {
    if (s.table !== undefined) return selectFromTable(s, x);
    if (s.from !== undefined) {
      x.auth.require(x.session.user, ['ADMIN', 'NODE']);
      const r =
        s.from === 'frontends'
          ? frontendRows(x.cluster, x.fe.viewer)
          : backendRows(x.cluster, x.fe.viewer.profile);
      const picks = s.items.flatMap((item) => {
        if (item.expr.kind === 'star') return r.columns.map((_, i) => ({ i, label: r.columns[i] ?? '' }));
        if (item.expr.kind !== 'column') throw ddlError('only columns can be selected from a table function');
        const wanted = item.expr.name.toLowerCase();
        const i = r.columns.findIndex((c) => c.toLowerCase() === wanted);
        if (i < 0) throw ddlError(`Unknown column '${item.expr.name}' in 'table list'`);
        return [{ i, label: item.label }];
      });
      const all = r.rows.map((row) => picks.map((p) => row[p.i] ?? null));
      return rows(
        picks.map((p) => p.label),
        s.limit === undefined ? all : all.slice(0, s.limit),
      );
    }
    const values = s.items.map((item) => evaluate(item.expr, x));
    return rows(
      s.items.map((i) => i.label),
      s.limit === 0 ? [] : [values],
    );
  },
  setVariables: (s, x) => {
    for (const { name, value } of s.assignments) x.session.variables.set(name, value);
    return OK;
  },
  use: (s, x) => {
    if (!SYSTEM_DATABASES.includes(s.db) && !x.cluster.catalog.databases.has(s.db))
      throw unknownDatabase(s.db);
    x.session.db = s.db;
    return OK;
  },
  showVariables: (s, x) => {
    const re = s.pattern === undefined ? undefined : likeToRegExp(s.pattern);
    const defaults = defaultVariables(x.fe.version);
    const names = Object.keys(defaults)
      .filter((n) => re === undefined || re.test(n))
      .sort();
    return rows(
      ['Variable_name', 'Value', 'Default_Value', 'Changed'],
      names.map((n) => {
        const value = String(x.session.variables.get(n) ?? defaults[n]);
        const def = String(defaults[n]);
        return [n, value, def, value === def ? '0' : '1'];
      }),
    );
  },
};
