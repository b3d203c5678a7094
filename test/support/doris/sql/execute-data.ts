/** Databases, tables, repositories, backup and restore. */
import { DorisError, ddlError, noDatabaseSelected } from '../errors.ts';
import type { Table } from '../state/catalog.ts';
import { SYSTEM_DATABASES } from '../state/catalog.ts';
import { BACKUP_COLUMNS, RESTORE_COLUMNS } from '../state/jobs.ts';
import { REPOSITORY_COLUMNS } from '../state/repositories.ts';
import { load, scan, toTableRows } from '../state/table-data.ts';
import { type Exec, type Handlers, OK, type Result, rows } from './session.ts';
import type { Statement } from './statements.ts';

/** Without FORCE, dropped tables stay in the recycle bin for catalog_trash_expire_second. */
const keepUntil = (x: Exec, force: boolean): number | undefined =>
  force ? undefined : Date.now() + x.cluster.masterConfig().int('catalog_trash_expire_second') * 1000;

const currentDb = (x: Exec, db: string | undefined): string => {
  const name = db ?? x.session.db;
  if (name === undefined) throw noDatabaseSelected();
  return name;
};

/** `replication_num` or `replication_allocation = "tag.location.default: 3"`. */
function replicationOf(props: Readonly<Record<string, string>>): number | undefined {
  const num = props.replication_num ?? /:\s*(\d+)/.exec(props.replication_allocation ?? '')?.[1];
  return num === undefined ? undefined : Number(num);
}

function tableOf(x: Exec, db: string, name: string): Table {
  const table = x.cluster.catalog.database(db).tables.get(name);
  if (table === undefined)
    throw new DorisError(1051, '42S02', `errCode = 2, detailMessage = Unknown table '${name}'`);
  return table;
}

/** `SELECT count(*) | * | columns FROM [db.]table [LIMIT n]`, run on the FE the client reached. */
export function selectFromTable(s: Extract<Statement, { kind: 'select' }>, x: Exec): Result {
  const ref = s.table;
  if (ref === undefined) throw ddlError('no table');
  const db = currentDb(x, ref.db);
  x.auth.require(x.session.user, ['SELECT'], db);
  const table = tableOf(x, db, ref.name);
  const all = scan(table, (id) => x.cluster.backends.byId(id)?.alive === true);
  const [first] = s.items;
  if (s.items.length === 1 && first?.expr.kind === 'call' && first.expr.name === 'count')
    return rows([first.label], [[all.length]]);
  const picks = s.items.flatMap((item) => {
    if (item.expr.kind === 'star') return table.columns.map((c, i) => ({ i, label: c }));
    if (item.expr.kind !== 'column') throw ddlError('only columns or count(*) can be selected from a table');
    const wanted = item.expr.name.toLowerCase();
    const i = table.columns.findIndex((c) => c.toLowerCase() === wanted);
    if (i < 0) throw ddlError(`Unknown column '${item.expr.name}' in 'table list'`);
    return [{ i, label: item.label }];
  });
  const out = all.map((row) => picks.map((p) => row[p.i] ?? null));
  return rows(
    picks.map((p) => p.label),
    s.limit === undefined ? out : out.slice(0, s.limit),
  );
}

export const dataHandlers: Handlers = {
  createDatabase: (s, x) => {
    x.auth.require(x.session.user, ['CREATE']);
    x.cluster.write(() => x.cluster.catalog.createDatabase(s.name, s.ifNotExists, x.cluster.allocateId()));
    return OK;
  },
  dropDatabase: (s, x) => {
    x.auth.require(x.session.user, ['DROP']);
    x.cluster.write(() => x.cluster.catalog.dropDatabase(s.name, s.ifExists, keepUntil(x, s.force)));
    return OK;
  },
  createTable: (s, x) => {
    const db = currentDb(x, s.db);
    x.auth.require(x.session.user, ['CREATE'], db);
    if (s.ifNotExists && x.cluster.catalog.database(db).tables.has(s.name)) return OK;
    const spec = {
      name: s.name,
      columns: s.columns,
      buckets: s.buckets,
      replicationNum: replicationOf(s.props) ?? 3,
      partitions: s.partitions.length > 0 ? s.partitions : [s.name],
    };
    x.cluster.write(() =>
      x.cluster.catalog.createTable(db, spec, x.cluster.eligibleBackends(), x.cluster.allocateId),
    );
    return OK;
  },
  dropTable: (s, x) => {
    const db = currentDb(x, s.db);
    x.auth.require(x.session.user, ['DROP'], db);
    x.cluster.write(() => x.cluster.catalog.dropTable(db, s.name, s.ifExists, keepUntil(x, s.force)));
    return OK;
  },
  insert: (s, x) => {
    const db = currentDb(x, s.db);
    x.auth.require(x.session.user, ['LOAD'], db);
    const table = tableOf(x, db, s.table);
    const n = x.cluster.write(() =>
      load(table, toTableRows(table, s.columns, s.rows), (id) => x.cluster.backends.byId(id)?.alive === true),
    );
    return { kind: 'ok', affectedRows: n };
  },
  showDatabases: (_, x) =>
    rows(
      ['Database'],
      [...new Set([...SYSTEM_DATABASES, ...x.cluster.catalog.databases.keys()])].sort().map((d) => [d]),
    ),
  showTables: (s, x) => {
    const db = currentDb(x, s.db);
    return rows(
      [`Tables_in_${db}`],
      [...x.cluster.catalog.database(db).tables.keys()].sort().map((t) => [t]),
    );
  },
  createRepository: (s, x) => {
    x.auth.require(x.session.user, ['ADMIN']);
    x.cluster.write(() =>
      x.cluster.repositories.create(
        {
          id: x.cluster.allocateId(),
          name: s.name,
          readOnly: s.readOnly,
          location: s.location,
          broker: s.broker,
          type: s.type,
        },
        x.now,
      ),
    );
    return OK;
  },
  dropRepository: (s, x) => {
    x.auth.require(x.session.user, ['ADMIN']);
    x.cluster.write(() => x.cluster.repositories.drop(s.name));
    return OK;
  },
  showRepositories: (_, x) => {
    x.auth.require(x.session.user, ['ADMIN']);
    return rows(REPOSITORY_COLUMNS, x.cluster.repositories.rows());
  },
  backup: (s, x) => {
    const dbName = currentDb(x, s.db);
    x.auth.require(x.session.user, ['LOAD'], dbName);
    const db = x.cluster.catalog.database(dbName);
    const repo = x.cluster.repositories.get(s.repo);
    if (repo.readOnly) throw ddlError(`Repository ${repo.name} is read only`);
    for (const t of [...s.tables, ...s.exclude]) {
      if (!db.tables.has(t)) throw ddlError(`Unknown table '${t}'`);
    }
    const tables =
      s.tables.length > 0 ? s.tables : [...db.tables.keys()].filter((t) => !s.exclude.includes(t));
    const job = x.cluster.write(() => {
      x.cluster.jobs.checkIdle(dbName);
      const failUpload = x.cluster.failNextBackups > 0;
      if (failUpload) x.cluster.failNextBackups--;
      return x.cluster.jobs.start({
        type: 'backup',
        id: x.cluster.allocateId(),
        label: s.label,
        db: dbName,
        repo,
        tables,
        createTime: x.now,
        timeout: Number(s.props.timeout ?? 86400),
        failUpload,
      });
    });
    x.cluster.record(`backup job ${job.id} ${s.label} of ${dbName} started`, 'master', 'job');
    return OK;
  },
  restore: (s, x) => {
    const dbName = currentDb(x, s.db);
    x.auth.require(x.session.user, ['LOAD'], dbName);
    x.cluster.catalog.database(dbName);
    const repo = x.cluster.repositories.get(s.repo);
    const timestamp = s.props.backup_timestamp;
    if (timestamp === undefined) throw ddlError('Missing backup_timestamp property');
    const replicationNum = replicationOf(s.props);
    const job = x.cluster.write(() =>
      x.cluster.jobs.start({
        type: 'restore',
        id: x.cluster.allocateId(),
        label: s.label,
        db: dbName,
        repo,
        tables: s.tables,
        createTime: x.now,
        timeout: Number(s.props.timeout ?? 86400),
        failUpload: false,
        timestamp,
        ...(replicationNum === undefined ? {} : { replicationNum }),
        reserveReplica: s.props.reserve_replica === 'true',
      }),
    );
    x.cluster.record(`restore job ${job.id} ${s.label} into ${dbName} started`, 'master', 'job');
    return OK;
  },
  cancelJob: (s, x) => {
    const db = currentDb(x, s.db);
    x.auth.require(x.session.user, ['LOAD'], db);
    const job = x.cluster.write(() => x.cluster.jobs.cancel(s.type, db, x.now));
    if (job !== undefined)
      x.cluster.record(`${s.type} job ${job.id} ${job.label} cancelled`, 'master', 'job');
    return OK;
  },
  showBackup: (s, x) => {
    const db = currentDb(x, s.db);
    x.auth.require(x.session.user, ['LOAD'], db);
    x.cluster.catalog.database(db);
    return rows(
      BACKUP_COLUMNS,
      x.cluster.jobs.backupRows(db).filter((r) => s.label === undefined || r[1] === s.label),
    );
  },
  showRestore: (s, x) => {
    const db = currentDb(x, s.db);
    x.auth.require(x.session.user, ['LOAD'], db);
    x.cluster.catalog.database(db);
    return rows(
      RESTORE_COLUMNS,
      x.cluster.jobs.restoreRows(db).filter((r) => s.label === undefined || r[1] === s.label),
    );
  },
  showSnapshot: (s, x) => {
    x.auth.require(x.session.user, ['ADMIN']);
    const r = x.cluster.repositories.snapshotRows(s.repo, s.label, s.timestamp);
    return rows(r.columns, r.rows);
  },
};
