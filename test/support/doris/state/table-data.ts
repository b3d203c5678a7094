/**
 * Rows of simulator tables, kept where Doris keeps them: in tablets, so they live and die with the
 * tablets' replicas. A row goes to the tablet its first column hashes to (DISTRIBUTED BY HASH on
 * the key). A load needs a quorum of alive replicas on every tablet it writes and leaves the
 * replicas it could not reach behind; a query needs one alive replica that is not behind on every
 * tablet. Rows whose tablet lost every replica are gone for good.
 *
 * Doris sources (branch-2.1): the quorum check of a load, `planner/OlapTableSink.java`
 * `createLocation` ("tablet <id> alive replica num <n> < quorum replica num <q>, alive backends:
 * [..]"); the replica a scan picks, `planner/OlapScanNode.java` `addScanRangeLocations` ("Failed to
 * get scan range, no queryable replica found in tablet: <id>"); a replica missing versions is
 * VERSION_INCOMPLETE and repaired by a clone from a healthy one (`catalog/Tablet.java`).
 */
import { DorisError, ddlError } from '../errors.ts';
import type { Literal } from '../sql/statements.ts';
import type { Table, Tablet } from './catalog.ts';

export type Row = readonly Literal[];

/** Which backends hold an alive replica now. */
export type IsAlive = (backendId: number) => boolean;

const quorum = (replicationNum: number): number => Math.floor(replicationNum / 2) + 1;

function hash(value: Literal): number {
  const text = JSON.stringify(value);
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

/** The tablet a row lands in: its partition and bucket from the row's first column. */
function tabletOf(table: Table, row: Row): Tablet {
  const h = hash(row[0] ?? null);
  const partition = table.partitions[h % table.partitions.length];
  const tablet = partition?.tablets[Math.floor(h / table.partitions.length) % partition.tablets.length];
  if (tablet === undefined) throw ddlError(`table ${table.name} has no tablet`);
  return tablet;
}

/** Orders values to the table's columns, NULL for the ones an INSERT leaves out. */
export function toTableRows(
  table: Table,
  columns: readonly string[] | undefined,
  values: readonly Row[],
): Row[] {
  const names = columns ?? table.columns;
  const index = names.map((n) => {
    const i = table.columns.findIndex((c) => c.toLowerCase() === n.toLowerCase());
    if (i < 0) throw ddlError(`Unknown column '${n}' in '${table.name}'`);
    return i;
  });
  return values.map((v) => {
    if (v.length !== names.length) throw ddlError(`Column count doesn't match value count`);
    const row: Literal[] = table.columns.map(() => null);
    index.forEach((i, k) => {
      row[i] = v[k] ?? null;
    });
    return row;
  });
}

/** INSERT: all or nothing; every tablet written needs a quorum of alive replicas. */
export function load(table: Table, rows: readonly Row[], alive: IsAlive): number {
  const byTablet = new Map<Tablet, Row[]>();
  for (const row of rows) {
    const t = tabletOf(table, row);
    byTablet.set(t, [...(byTablet.get(t) ?? []), row]);
  }
  const need = quorum(table.replicationNum);
  for (const tablet of byTablet.keys()) {
    const up = tablet.replicas.filter((id) => alive(id) && !(tablet.behind ?? []).includes(id));
    if (up.length < need) {
      throw new DorisError(
        1105,
        'HY000',
        `errCode = 2, detailMessage = tablet ${tablet.id} alive replica num ${up.length} < quorum replica ` +
          `num ${need}, alive backends: [${up.join(',')}]`,
      );
    }
  }
  for (const [tablet, added] of byTablet) {
    tablet.rows.push(...added);
    const missed = tablet.replicas.filter((id) => !alive(id));
    if (missed.length > 0) tablet.behind = [...new Set([...(tablet.behind ?? []), ...missed])];
  }
  return rows.length;
}

/** A scan: every tablet needs an alive replica with all versions. */
export function scan(table: Table, alive: IsAlive): Row[] {
  const out: Row[] = [];
  for (const p of table.partitions) {
    for (const tablet of p.tablets) {
      if (!tablet.replicas.some((id) => alive(id) && !(tablet.behind ?? []).includes(id))) {
        throw ddlError(`Failed to get scan range, no queryable replica found in tablet: ${tablet.id}`);
      }
      out.push(...tablet.rows);
    }
  }
  return out;
}

/** Every row of a table, wherever its replicas are (a snapshot's copy). */
export function allRows(table: Table): Row[] {
  return table.partitions.flatMap((p) => p.tablets.flatMap((t) => t.rows));
}

/**
 * A replica that missed a load catches up once its backend is alive and a healthy replica is
 * there to clone from; a tablet left with no replica has lost its rows.
 */
export function repairVersions(tablet: Tablet, alive: IsAlive): void {
  if (tablet.replicas.length === 0) tablet.rows.length = 0;
  if (tablet.behind === undefined) return;
  const healthy = tablet.replicas.some((id) => alive(id) && !tablet.behind?.includes(id));
  tablet.behind = tablet.behind.filter((id) => tablet.replicas.includes(id) && !(healthy && alive(id)));
  if (tablet.behind.length === 0) delete tablet.behind;
}
