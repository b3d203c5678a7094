/**
 * Parses one statement into a `Statement`: the admin statements an operator, the official
 * entrypoints, an initializer and a backup controller send, and what MySQL clients send on connect.
 * Anything else is a syntax error that says the simulator does not support it.
 */
import { ddlError } from '../errors.ts';
import { type GrantTarget, PRIVILEGES, type Privilege, tablePattern } from '../state/auth.ts';
import { Cursor } from './cursor.ts';
import type { StatementText } from './lexer.ts';
import { parseAlterSystem, parseBackupRestore, parseCreate } from './parse-ddl.ts';
import type { Expr, Literal, SelectItem, Statement } from './statements.ts';

export function parseStatement(stmt: StatementText): Statement {
  const c = new Cursor(stmt.tokens, stmt.text);
  const s = parseWith(c);
  c.end();
  return s;
}

function parseWith(c: Cursor): Statement {
  if (c.acceptWord('SHOW')) return parseShow(c);
  if (c.acceptWord('SELECT')) return parseSelect(c);
  if (c.acceptWord('ALTER', 'SYSTEM')) return parseAlterSystem(c);
  if (c.acceptWord('ALTER', 'USER')) {
    c.acceptWord('IF', 'EXISTS');
    const user = c.user();
    c.expectWord('IDENTIFIED', 'BY');
    return c.acceptWord('PASSWORD')
      ? { kind: 'alterUserPassword', user, hash: c.string() }
      : { kind: 'alterUserPassword', user, plain: c.string() };
  }
  if (c.acceptWord('CANCEL')) {
    if (
      c.acceptWord('DECOMMISSION', 'BACKEND') ||
      c.acceptWord('ALTER', 'SYSTEM', 'DECOMMISSION', 'BACKEND')
    ) {
      return { kind: 'cancelDecommission', targets: c.strings() };
    }
    const type = c.acceptWord('BACKUP') ? 'backup' : c.acceptWord('RESTORE') ? 'restore' : c.fail();
    return { kind: 'cancelJob', type, ...(c.acceptWord('FROM') ? { db: c.name() } : {}) };
  }
  if (c.acceptWord('ADMIN', 'SET')) {
    const all = c.acceptWord('ALL', 'FRONTENDS');
    if (!all) c.expectWord('FRONTEND');
    c.expectWord('CONFIG');
    return { kind: 'setConfig', all, props: c.properties() };
  }
  if (c.acceptWord('CREATE')) return parseCreate(c);
  if (c.acceptWord('DROP')) return parseDrop(c);
  if (c.isWord('BACKUP') || c.isWord('RESTORE')) return parseBackupRestore(c);
  if (c.acceptWord('USE')) {
    const first = c.name();
    return { kind: 'use', db: c.acceptSymbol('.') ? c.name() : first };
  }
  if (c.acceptWord('SET')) return parseSet(c);
  if (c.acceptWord('GRANT')) return parseGrant(c, 'TO');
  if (c.acceptWord('REVOKE')) return parseGrant(c, 'FROM');
  if (c.acceptWord('INSERT', 'INTO')) return parseInsert(c);
  return c.fail();
}

/** `INSERT INTO [db.]t [(c1, c2)] VALUES (v1, v2), (...)`: literal values only. */
function parseInsert(c: Cursor): Statement {
  const q = c.qualifiedName();
  let columns: string[] | undefined;
  if (c.acceptSymbol('(')) {
    columns = [];
    do columns.push(c.name());
    while (c.acceptSymbol(','));
    c.expectSymbol(')');
  }
  c.expectWord('VALUES');
  const rows: Literal[][] = [];
  do {
    c.expectSymbol('(');
    const row: Literal[] = [];
    do {
      const e = parseExpr(c);
      if (e.kind !== 'literal') c.fail();
      row.push(e.value);
    } while (c.acceptSymbol(','));
    c.expectSymbol(')');
    rows.push(row);
  } while (c.acceptSymbol(','));
  return {
    kind: 'insert',
    ...(q.db === undefined ? {} : { db: q.db }),
    table: q.name,
    ...(columns === undefined ? {} : { columns }),
    rows,
  };
}

function parseShow(c: Cursor): Statement {
  if (c.acceptWord('FRONTENDS'))
    return c.acceptWord('DISKS') ? { kind: 'showFrontendDisks' } : { kind: 'showFrontends' };
  if (c.acceptWord('BACKENDS')) return { kind: 'showBackends' };
  if (c.acceptWord('BROKER')) return { kind: 'showBrokers' };
  if (c.acceptWord('PROC')) {
    const path = c.string().replace(/\/+$/, '');
    if (path === '/frontends') return { kind: 'showFrontends' };
    if (path === '/backends') return { kind: 'showBackends' };
    if (path === '/brokers') return { kind: 'showBrokers' };
    return c.fail();
  }
  if (c.acceptWord('FRONTEND', 'CONFIG'))
    return { kind: 'showConfig', ...(c.acceptWord('LIKE') ? { pattern: c.string() } : {}) };
  if (c.acceptWord('DATABASES') || c.acceptWord('SCHEMAS')) return { kind: 'showDatabases' };
  if (c.acceptWord('PROPERTY'))
    return { kind: 'showProperty', ...(c.acceptWord('FOR') ? { user: c.nameOrString() } : {}) };
  if (c.acceptWord('TABLES'))
    return { kind: 'showTables', ...(c.acceptWord('FROM') || c.acceptWord('IN') ? { db: c.name() } : {}) };
  if (
    c.acceptWord('GLOBAL', 'VARIABLES') ||
    c.acceptWord('SESSION', 'VARIABLES') ||
    c.acceptWord('VARIABLES')
  ) {
    return { kind: 'showVariables', ...(c.acceptWord('LIKE') ? { pattern: c.string() } : {}) };
  }
  if (c.acceptWord('ALL', 'GRANTS')) return { kind: 'showGrants', all: true };
  if (c.acceptWord('GRANTS'))
    return { kind: 'showGrants', all: false, ...(c.acceptWord('FOR') ? { user: c.user() } : {}) };
  if (c.acceptWord('REPOSITORIES')) return { kind: 'showRepositories' };
  if (c.isWord('BACKUP') || c.isWord('RESTORE')) {
    const kind = c.acceptWord('BACKUP') ? 'showBackup' : 'showRestore';
    c.acceptWord('RESTORE');
    const db = c.acceptWord('FROM') || c.acceptWord('IN') ? c.name() : undefined;
    let label: string | undefined;
    if (c.acceptWord('WHERE')) {
      const column = c.name().toLowerCase();
      if (column !== 'snapshotname' && column !== 'label') c.fail();
      if (!c.acceptSymbol('=')) c.expectWord('LIKE');
      label = c.string();
    }
    return { kind, ...(db === undefined ? {} : { db }), ...(label === undefined ? {} : { label }) };
  }
  if (c.acceptWord('SNAPSHOT', 'ON')) {
    const repo = c.name();
    if (!c.acceptWord('WHERE')) return { kind: 'showSnapshot', repo };
    let label: string | undefined;
    let timestamp: string | undefined;
    do {
      const column = c.name().toUpperCase();
      c.expectSymbol('=');
      const value = c.string();
      if (column === 'SNAPSHOT') label = value;
      else if (column === 'TIMESTAMP') timestamp = value;
      else c.fail();
    } while (c.acceptWord('AND'));
    return {
      kind: 'showSnapshot',
      repo,
      ...(label === undefined ? {} : { label }),
      ...(timestamp === undefined ? {} : { timestamp }),
    };
  }
  return c.fail();
}

function parseSelect(c: Cursor): Statement {
  const items: SelectItem[] = [];
  do {
    const from = c.position;
    const expr = parseExpr(c);
    const label = c.source(from);
    if (c.acceptWord('AS')) items.push({ expr, label: c.nameOrString() });
    else items.push({ expr, label });
  } while (c.acceptSymbol(','));
  let from: 'frontends' | 'backends' | undefined;
  let table: { db?: string; name: string } | undefined;
  if (c.acceptWord('FROM')) {
    const q = c.qualifiedName();
    const fn = q.name.toLowerCase();
    if (q.db === undefined && (fn === 'frontends' || fn === 'backends') && c.acceptSymbol('(')) {
      c.expectSymbol(')');
      from = fn;
    } else table = q;
  }
  const limit = c.acceptWord('LIMIT') ? Number(c.next().value) : undefined;
  return {
    kind: 'select',
    items,
    ...(from === undefined ? {} : { from }),
    ...(table === undefined ? {} : { table }),
    ...(limit === undefined ? {} : { limit }),
  };
}

function parseExpr(c: Cursor): Expr {
  const t = c.next();
  if (t.type === 'symbol' && t.value === '*') return { kind: 'star' };
  if (t.type === 'variable')
    return { kind: 'variable', name: t.value.replace(/^@@((session|global|local)\.)?/i, '') };
  if (t.type === 'number') return { kind: 'literal', value: Number(t.value) };
  if (t.type === 'string') return { kind: 'literal', value: t.value };
  if (t.type === 'symbol' && t.value === '-') {
    const n = c.next();
    if (n.type !== 'number') c.fail();
    return { kind: 'literal', value: -Number(n.value) };
  }
  if (t.type === 'word' && t.value.toUpperCase() === 'NULL') return { kind: 'literal', value: null };
  if ((t.type === 'word' || t.type === 'quoted') && c.acceptSymbol('(')) {
    const args: Expr[] = [];
    if (!c.acceptSymbol(')')) {
      do args.push(parseExpr(c));
      while (c.acceptSymbol(','));
      c.expectSymbol(')');
    }
    return { kind: 'call', name: t.value.toLowerCase(), args };
  }
  if (t.type === 'word' || t.type === 'quoted') return { kind: 'column', name: t.value };
  return c.fail();
}

function parseSet(c: Cursor): Statement {
  if (c.acceptWord('PROPERTY')) {
    // SET PROPERTY [FOR 'user'] 'key' = 'value' | NULL, ... (a user name only, no host)
    const user = c.acceptWord('FOR') ? c.nameOrString() : undefined;
    const props: { key: string; value: string | null }[] = [];
    do {
      const key = c.string();
      c.expectSymbol('=');
      props.push({ key, value: c.acceptWord('NULL') ? null : c.string() });
    } while (c.acceptSymbol(','));
    return { kind: 'setProperty', ...(user === undefined ? {} : { user }), props };
  }
  if (c.acceptWord('PASSWORD')) {
    const user = c.acceptWord('FOR') ? c.user() : undefined;
    c.expectSymbol('=');
    const base = user === undefined ? {} : { user };
    if (c.acceptWord('PASSWORD')) {
      c.expectSymbol('(');
      const plain = c.string();
      c.expectSymbol(')');
      return { kind: 'setPassword', ...base, plain };
    }
    return { kind: 'setPassword', ...base, hash: c.string() };
  }
  const assignments: { name: string; value: string }[] = [];
  do {
    if (c.acceptWord('NAMES')) {
      const value = c.nameOrString();
      if (c.acceptWord('COLLATE')) c.nameOrString();
      assignments.push({ name: 'names', value });
      continue;
    }
    c.acceptWord('GLOBAL') || c.acceptWord('SESSION') || c.acceptWord('LOCAL');
    const t = c.next();
    let name = t.value.replace(/^@@((session|global|local)\.)?/i, '').replace(/^@/, '');
    if (t.type !== 'variable' && t.type !== 'word') c.fail();
    while (c.acceptSymbol('.')) name = c.name();
    if (!c.acceptSymbol('=')) c.expectWord('TO');
    const v = c.next();
    assignments.push({ name: name.toLowerCase(), value: v.value });
  } while (c.acceptSymbol(','));
  return { kind: 'setVariables', assignments };
}

/**
 * GRANT and REVOKE (CUP grant_stmt / revoke_stmt, branch-2.1): privileges ON a table pattern, a
 * RESOURCE or a WORKLOAD GROUP, TO/FROM a user or ROLE 'r'; or 'r1','r2' TO/FROM a user.
 */
function parseGrant(c: Cursor, to: 'TO' | 'FROM'): Statement {
  const grant = to === 'TO';
  if (c.peek()?.type === 'string') {
    const roles = c.strings();
    c.expectWord(to);
    return { kind: grant ? 'grantRoles' : 'revokeRoles', roles, user: c.user() };
  }
  const privs: Privilege[] = [];
  do privs.push(...privilegeNamed(c));
  while (c.acceptSymbol(','));
  c.expectWord('ON');
  let target: GrantTarget;
  if (c.acceptWord('RESOURCE')) target = { kind: 'resource', name: c.nameOrString() };
  else if (c.acceptWord('WORKLOAD', 'GROUP')) target = { kind: 'workloadGroup', name: c.nameOrString() };
  else {
    const parts: string[] = [];
    do parts.push(c.acceptSymbol('*') ? '*' : c.name());
    while (c.acceptSymbol('.'));
    if (parts.length > 3) c.fail();
    target = { kind: 'table', ...tablePattern(parts) };
  }
  c.expectWord(to);
  const who = c.acceptWord('ROLE') ? { role: c.string() } : { user: c.user() };
  return { kind: grant ? 'grantPrivileges' : 'revokePrivileges', privs, target, to: who };
}

/** Words the grammar keeps to itself: written without _PRIV they are a syntax error, not a privilege. */
const reservedWords = ['SELECT', 'INSERT', 'ALTER', 'CREATE', 'DROP', 'LOAD', 'GRANT', 'ADMIN'];

/** AccessPrivilege.fromName (case-insensitive), with ALL, READ_ONLY and READ_WRITE expanded as 2.1 does. */
function privilegeNamed(c: Cursor): Privilege[] {
  const t = c.peek();
  if (t?.type === 'word' && reservedWords.includes(t.value.toUpperCase())) c.fail();
  const name = c.name();
  const upper = name.toUpperCase();
  if (upper === 'ALL' || upper === 'READ_WRITE')
    return ['SELECT', 'LOAD', 'ALTER', 'CREATE', 'DROP', 'SHOW_VIEW'];
  if (upper === 'READ_ONLY') return ['SELECT'];
  const priv = PRIVILEGES.find((p) => `${p}_PRIV` === upper);
  if (priv === undefined) throw ddlError(`Unknown privilege type ${name}`);
  return [priv];
}

function parseDrop(c: Cursor): Statement {
  if (c.acceptWord('DATABASE') || c.acceptWord('SCHEMA')) {
    const ifExists = c.acceptWord('IF', 'EXISTS');
    const name = c.name();
    const force = c.acceptWord('FORCE');
    return { kind: 'dropDatabase', name, ifExists, force };
  }
  if (c.acceptWord('TABLE')) {
    const ifExists = c.acceptWord('IF', 'EXISTS');
    const q = c.qualifiedName();
    const force = c.acceptWord('FORCE');
    return { kind: 'dropTable', ...q, ifExists, force };
  }
  if (c.acceptWord('USER')) {
    const ifExists = c.acceptWord('IF', 'EXISTS');
    return { kind: 'dropUser', user: c.user(), ifExists };
  }
  if (c.acceptWord('REPOSITORY')) return { kind: 'dropRepository', name: c.name() };
  if (c.acceptWord('ROLE')) {
    const ifExists = c.acceptWord('IF', 'EXISTS');
    return { kind: 'dropRole', name: c.name(), ifExists };
  }
  return c.fail();
}
