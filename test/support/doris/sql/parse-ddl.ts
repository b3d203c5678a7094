/** Parsing of ALTER SYSTEM, CREATE (database, table, user, repository), BACKUP and RESTORE. */

import type { Cursor } from './cursor.ts';
import type { Token } from './lexer.ts';
import type { Statement } from './statements.ts';

export function parseAlterSystem(c: Cursor): Statement {
  if (c.acceptWord('ADD')) {
    if (c.acceptWord('FOLLOWER')) return { kind: 'addFrontend', role: 'FOLLOWER', hostPort: c.string() };
    if (c.acceptWord('OBSERVER')) return { kind: 'addFrontend', role: 'OBSERVER', hostPort: c.string() };
    if (c.acceptWord('BACKEND')) {
      const hostPorts = c.strings();
      return { kind: 'addBackend', hostPorts, props: c.acceptWord('PROPERTIES') ? c.properties() : {} };
    }
    if (c.acceptWord('BROKER')) return { kind: 'addBroker', name: c.nameOrString(), hostPorts: c.strings() };
    return c.fail();
  }
  if (c.acceptWord('DROP')) {
    if (c.acceptWord('FOLLOWER')) return { kind: 'dropFrontend', role: 'FOLLOWER', hostPort: c.string() };
    if (c.acceptWord('OBSERVER')) return { kind: 'dropFrontend', role: 'OBSERVER', hostPort: c.string() };
    if (c.acceptWord('BACKEND')) return { kind: 'dropBackend', force: false, targets: c.strings() };
    if (c.acceptWord('ALL', 'BROKER')) return { kind: 'dropAllBroker', name: c.nameOrString() };
    if (c.acceptWord('BROKER')) return { kind: 'dropBroker', name: c.nameOrString(), hostPorts: c.strings() };
    return c.fail();
  }
  if (c.acceptWord('DROPP', 'BACKEND')) return { kind: 'dropBackend', force: true, targets: c.strings() };
  if (c.acceptWord('DECOMMISSION', 'BACKEND')) return { kind: 'decommissionBackend', targets: c.strings() };
  if (c.acceptWord('MODIFY', 'BACKEND')) {
    const targets = c.strings();
    c.expectWord('SET');
    return { kind: 'modifyBackend', targets, props: c.properties() };
  }
  return c.fail();
}

export function parseCreate(c: Cursor): Statement {
  if (c.acceptWord('DATABASE') || c.acceptWord('SCHEMA')) {
    const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
    const name = c.name();
    if (c.acceptWord('PROPERTIES')) c.properties();
    return { kind: 'createDatabase', name, ifNotExists };
  }
  if (c.acceptWord('TABLE')) return parseCreateTable(c);
  if (c.acceptWord('WORKLOAD', 'GROUP')) {
    const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
    const name = c.nameOrString();
    if (c.acceptWord('PROPERTIES')) c.properties();
    return { kind: 'createWorkloadGroup', name, ifNotExists };
  }
  if (c.acceptWord('ROLE')) {
    const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
    const name = c.name();
    if (c.acceptWord('COMMENT')) c.string();
    return { kind: 'createRole', name, ifNotExists };
  }
  if (c.acceptWord('USER')) {
    const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
    const user = c.user();
    let plain: string | undefined;
    let hash: string | undefined;
    if (c.acceptWord('IDENTIFIED', 'BY')) {
      if (c.acceptWord('PASSWORD')) hash = c.string();
      else plain = c.string();
    }
    const role = c.acceptWord('DEFAULT', 'ROLE') ? c.string() : undefined;
    if (c.acceptWord('COMMENT')) c.string();
    return {
      kind: 'createUser',
      user,
      ifNotExists,
      ...(plain === undefined ? {} : { plain }),
      ...(hash === undefined ? {} : { hash }),
      ...(role === undefined ? {} : { role }),
    };
  }
  const readOnly = c.acceptWord('READ', 'ONLY');
  if (c.acceptWord('REPOSITORY')) {
    const name = c.name();
    c.expectWord('WITH');
    const type = c.name().toUpperCase();
    const broker = type === 'BROKER' && !c.isWord('ON') ? c.name() : '';
    c.expectWord('ON', 'LOCATION');
    const location = c.string();
    const props = c.acceptWord('PROPERTIES') ? c.properties() : {};
    return { kind: 'createRepository', name, readOnly, type, broker, location, props };
  }
  return c.fail();
}

/**
 * CREATE TABLE: the column names (types and key clauses are skipped), the partitions, the bucket
 * count and the replication properties.
 */
function parseCreateTable(c: Cursor): Statement {
  const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
  const q = c.qualifiedName();
  const columns = c.peek()?.value === '(' ? columnNames(c.group()) : [];
  let buckets = 10;
  let partitions: string[] = [];
  let props = {};
  while (!c.atEnd()) {
    if (c.acceptWord('PARTITION', 'BY')) {
      c.next();
      c.group();
      const inner = c.group();
      partitions = inner
        .filter(
          (t, i) => t.type === 'word' && t.value.toUpperCase() === 'PARTITION' && inner[i + 1] !== undefined,
        )
        .map((t) => inner[inner.indexOf(t) + 1]?.value ?? '');
    } else if (c.acceptWord('BUCKETS')) {
      const t = c.next();
      if (t.type === 'number') buckets = Number(t.value);
    } else if (c.acceptWord('PROPERTIES')) {
      props = c.properties();
    } else if (c.peek()?.value === '(') {
      c.group();
    } else {
      c.next();
    }
  }
  return { kind: 'createTable', ...q, ifNotExists, columns, buckets, partitions, props };
}

/** The first name of each top-level item of a column list, index definitions left out. */
function columnNames(tokens: readonly Token[]): string[] {
  const names: string[] = [];
  let depth = 0;
  let first = true;
  for (const t of tokens) {
    if (t.type === 'symbol' && t.value === '(') depth++;
    else if (t.type === 'symbol' && t.value === ')') depth--;
    else if (depth === 0 && t.type === 'symbol' && t.value === ',') first = true;
    else if (first) {
      first = false;
      if ((t.type === 'word' || t.type === 'quoted') && !/^INDEX$/i.test(t.value)) names.push(t.value);
    }
  }
  return names;
}

export function parseBackupRestore(c: Cursor): Statement {
  const isBackup = c.acceptWord('BACKUP');
  if (!isBackup) c.expectWord('RESTORE');
  c.expectWord('SNAPSHOT');
  const q = c.qualifiedName();
  c.expectWord(isBackup ? 'TO' : 'FROM');
  const repo = c.name();
  const tables: string[] = [];
  const exclude: string[] = [];
  const on = c.acceptWord('ON');
  if (on || c.acceptWord('EXCLUDE')) {
    const into = on ? tables : exclude;
    c.expectSymbol('(');
    do {
      into.push(c.name());
      if (c.acceptWord('PARTITION')) c.group();
      if (c.acceptWord('AS')) c.name();
    } while (c.acceptSymbol(','));
    c.expectSymbol(')');
  }
  const props = c.acceptWord('PROPERTIES') ? c.properties() : {};
  const base = { ...(q.db === undefined ? {} : { db: q.db }), label: q.name, repo, tables, props };
  return isBackup ? { kind: 'backup', ...base, exclude } : { kind: 'restore', ...base };
}
