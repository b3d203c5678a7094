/**
 * Databases, tables, partitions and tablets, with where each replica lives. Enough of the catalog for
 * the admin plane: TabletNum per backend, the replica check that refuses a decommission which would
 * break replication, and the moves the tablet scheduler makes.
 */
import { DorisError, ddlError, unknownDatabase } from '../errors.ts';
import type { Literal } from '../sql/statements.ts';

export interface Tablet {
  readonly id: number;
  /** Backend ids holding a replica. */
  replicas: number[];
  /** The dead backend whose replica a repair clone stood in for: deleted as redundant when it returns. */
  repairedFor?: number;
  /** The rows loaded into this tablet (table-data.ts). */
  readonly rows: (readonly Literal[])[];
  /** Backends whose replica missed a load (VERSION_INCOMPLETE) until a clone repairs it. */
  behind?: number[];
}

export interface Partition {
  readonly id: number;
  readonly name: string;
  readonly tablets: Tablet[];
}

export interface Table {
  readonly id: number;
  readonly name: string;
  readonly columns: readonly string[];
  /** Raised in place for the internal tables (InternalSchemaInitializer.modifyTblReplicaCount). */
  replicationNum: number;
  readonly tagLocation: string;
  readonly buckets: number;
  readonly partitions: Partition[];
}

export interface Database {
  readonly id: number;
  readonly name: string;
  readonly tables: Map<string, Table>;
}

export interface TableSpec {
  readonly name: string;
  readonly columns?: readonly string[];
  readonly buckets: number;
  readonly replicationNum: number;
  /** Partition names; a table without PARTITION BY has one partition named like the table. */
  readonly partitions: readonly string[];
}

/** Databases every Doris shows and that hold no user tablets. */
export const SYSTEM_DATABASES = ['__internal_schema', 'information_schema', 'mysql'];

/** A table dropped without FORCE, kept whole until `erasesAt` (epoch ms). */
export interface Recycled {
  readonly db: string;
  readonly table: Table;
  readonly erasesAt: number;
}

export class Catalog {
  readonly databases = new Map<string, Database>();
  /**
   * The recycle bin (catalog/CatalogRecycleBin.java): tables dropped without FORCE keep their
   * tablets in the inverted index, so in TabletNum, for `catalog_trash_expire_second`; nothing
   * schedules them. Erased when they expire.
   */
  readonly recycleBin: Recycled[] = [];

  database(name: string): Database {
    const db = this.databases.get(name);
    if (db === undefined) throw unknownDatabase(name);
    return db;
  }

  createDatabase(name: string, ifNotExists: boolean, id: number): void {
    if (this.databases.has(name) || SYSTEM_DATABASES.includes(name)) {
      if (ifNotExists) return;
      throw new DorisError(
        1007,
        'HY000',
        `errCode = 2, detailMessage = Can't create database '${name}'; database exists`,
      );
    }
    this.databases.set(name, { id, name, tables: new Map() });
  }

  dropDatabase(name: string, ifExists: boolean, keepUntil?: number): void {
    const db = this.databases.get(name);
    if (db !== undefined && keepUntil !== undefined)
      for (const table of db.tables.values()) this.recycleBin.push({ db: name, table, erasesAt: keepUntil });
    if (!this.databases.delete(name) && !ifExists) {
      throw new DorisError(
        1008,
        'HY000',
        `errCode = 2, detailMessage = Can't drop database '${name}'; database doesn't exist`,
      );
    }
  }

  /**
   * CREATE TABLE: each tablet gets `replicationNum` replicas on distinct eligible backends, the
   * least loaded first. `eligible` are the ids of alive, not decommissioned, mix backends of the tag.
   */
  createTable(dbName: string, spec: TableSpec, eligible: readonly number[], nextId: () => number): Table {
    const db = this.database(dbName);
    if (db.tables.has(spec.name))
      throw new DorisError(1050, '42S01', `errCode = 2, detailMessage = Table '${spec.name}' already exists`);
    if (eligible.length < spec.replicationNum) {
      throw ddlError(
        'Failed to find enough backend, please check the replication num,replication tag and storage medium ' +
          'and avail capacity of backends or maybe all be on this node are in decommission.\n' +
          `Create failed replications:\nreplication tag: {"location" : "default"}, replication num: ${spec.replicationNum}, storage medium: HDD`,
      );
    }
    const load = new Map(eligible.map((id) => [id, this.replicasOn(id)]));
    const partitions = spec.partitions.map((name) => ({
      id: nextId(),
      name,
      tablets: Array.from({ length: spec.buckets }, () => {
        const chosen = [...eligible]
          .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b)
          .slice(0, spec.replicationNum);
        for (const id of chosen) load.set(id, (load.get(id) ?? 0) + 1);
        return { id: nextId(), replicas: chosen, rows: [] };
      }),
    }));
    const table: Table = {
      id: nextId(),
      name: spec.name,
      columns: spec.columns ?? [],
      replicationNum: spec.replicationNum,
      tagLocation: 'default',
      buckets: spec.buckets,
      partitions,
    };
    db.tables.set(spec.name, table);
    return table;
  }

  /** DROP TABLE; without FORCE (`keepUntil` set) the table goes to the recycle bin. */
  dropTable(dbName: string, name: string, ifExists: boolean, keepUntil?: number): void {
    const db = this.database(dbName);
    const table = db.tables.get(name);
    if (table !== undefined && keepUntil !== undefined)
      this.recycleBin.push({ db: dbName, table, erasesAt: keepUntil });
    if (!db.tables.delete(name) && !ifExists) {
      throw new DorisError(1051, '42S02', `errCode = 2, detailMessage = Unknown table '${name}'`);
    }
  }

  *tablets(): Generator<{ table: Table; tablet: Tablet }> {
    for (const db of this.databases.values()) {
      for (const table of db.tables.values()) {
        for (const p of table.partitions) for (const tablet of p.tablets) yield { table, tablet };
      }
    }
  }

  /** Tablets of tables in the recycle bin. */
  *recycledTablets(): Generator<{ table: Table; tablet: Tablet }> {
    for (const { table } of this.recycleBin)
      for (const p of table.partitions) for (const tablet of p.tablets) yield { table, tablet };
  }

  /** TabletNum: the replicas on a backend, recycle bin included (they stay in the inverted index). */
  replicasOn(backendId: number): number {
    return this.liveReplicasOn(backendId) + this.recycledReplicasOn(backendId);
  }

  liveReplicasOn(backendId: number): number {
    let n = 0;
    for (const { tablet } of this.tablets()) if (tablet.replicas.includes(backendId)) n++;
    return n;
  }

  recycledReplicasOn(backendId: number): number {
    let n = 0;
    for (const { tablet } of this.recycledTablets()) if (tablet.replicas.includes(backendId)) n++;
    return n;
  }

  /** Erases recycle-bin tables whose time is up; returns their names. */
  eraseExpired(now: number): string[] {
    const gone = this.recycleBin.filter((r) => r.erasesAt <= now);
    for (const r of gone) this.recycleBin.splice(this.recycleBin.indexOf(r), 1);
    return gone.map((r) => `${r.db}.${r.table.name}`);
  }

  /** Forgets every replica on a backend (DROPP, or storage that came back empty). */
  removeReplicasOn(backendId: number): number {
    let n = 0;
    for (const { tablet } of [...this.tablets(), ...this.recycledTablets()]) {
      const before = tablet.replicas.length;
      tablet.replicas = tablet.replicas.filter((id) => id !== backendId);
      n += before - tablet.replicas.length;
      // The last replica gone takes the tablet's rows with it.
      if (tablet.replicas.length === 0) tablet.rows.length = 0;
    }
    return n;
  }

  /**
   * The 2.1.3+ replica check of DECOMMISSION: for each partition whose tag loses backends, the
   * remaining schedulable backends of that tag must still hold its replication number.
   */
  checkDecommission(tags: ReadonlySet<string>, availableByTag: ReadonlyMap<string, number>): void {
    for (const db of this.databases.values()) {
      for (const table of db.tables.values()) {
        if (!tags.has(table.tagLocation)) continue;
        const available = availableByTag.get(table.tagLocation) ?? 0;
        if (table.replicationNum <= available) continue;
        const partition = table.partitions[0]?.name ?? table.name;
        throw ddlError(
          `After decommission, partition ${partition} of table ${db.name}.${table.name} 's replication ` +
            `allocation { tag.location.${table.tagLocation}: ${table.replicationNum} } > available backend num ` +
            `${available} on tag {"location" : "${table.tagLocation}"}, otherwise need to decrease the ` +
            "partition's replication num.",
        );
      }
    }
  }
}
