/**
 * Backup repositories and the snapshots stored in them. Snapshots live in an object store keyed by
 * the repository's location and shared by every cluster of the simulator, so a snapshot taken by
 * one cluster can be restored into another that creates a repository on the same location.
 */
import { ddlError } from '../errors.ts';
import { formatTime } from '../format.ts';

export interface StoredTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** The table's rows when the snapshot was taken. */
  readonly rows: readonly (readonly (string | number | null)[])[];
  readonly replicationNum: number;
  readonly buckets: number;
  readonly partitions: readonly string[];
}

export interface StoredSnapshot {
  readonly label: string;
  /** `yyyy-MM-dd-HH-mm-ss`, what RESTORE's `backup_timestamp` names. */
  readonly timestamp: string;
  readonly database: string;
  readonly tables: readonly StoredTable[];
}

/** Snapshots by repository location. */
export type ObjectStore = Map<string, StoredSnapshot[]>;

export interface Repository {
  readonly id: number;
  readonly name: string;
  readonly createTime: number;
  readonly readOnly: boolean;
  readonly location: string;
  readonly broker: string;
  readonly type: string;
}

export const REPOSITORY_COLUMNS = [
  'RepoId',
  'RepoName',
  'CreateTime',
  'IsReadOnly',
  'Location',
  'Broker',
  'Type',
  'ErrMsg',
];
export const SNAPSHOT_COLUMNS = ['Snapshot', 'Timestamp', 'Status'];
export const SNAPSHOT_DETAIL_COLUMNS = ['Snapshot', 'Timestamp', 'Database', 'Details', 'Status'];

export class Repositories {
  readonly list: Repository[] = [];
  private readonly store: ObjectStore;

  constructor(store: ObjectStore) {
    this.store = store;
  }

  get(name: string): Repository {
    const repo = this.list.find((r) => r.name === name);
    if (repo === undefined) throw ddlError(`Repository ${name} does not exist`);
    return repo;
  }

  create(repo: Omit<Repository, 'createTime'>, now: number): void {
    if (this.list.some((r) => r.name === repo.name)) {
      throw ddlError(`Failed to create repository: repo with same name already exist: ${repo.name}`);
    }
    this.list.push({ ...repo, createTime: now });
  }

  drop(name: string): void {
    const i = this.list.findIndex((r) => r.name === name);
    if (i < 0) throw ddlError('repository does not exist');
    this.list.splice(i, 1);
  }

  snapshots(repo: Repository): StoredSnapshot[] {
    return this.store.get(repo.location) ?? [];
  }

  save(repo: Repository, snapshot: StoredSnapshot): void {
    this.store.set(repo.location, [...this.snapshots(repo), snapshot]);
  }

  rows(): (string | null)[][] {
    return this.list.map((r) => [
      String(r.id),
      r.name,
      formatTime(r.createTime),
      String(r.readOnly),
      r.location,
      r.broker === '' ? '-' : r.broker,
      r.type,
      'NULL',
    ]);
  }

  /** SHOW SNAPSHOT ON repo [WHERE SNAPSHOT = 'label' [AND TIMESTAMP = 'ts']]. */
  snapshotRows(
    repoName: string,
    label?: string,
    timestamp?: string,
  ): { columns: string[]; rows: string[][] } {
    const repo = this.get(repoName);
    const matching = this.snapshots(repo).filter(
      (s) =>
        (label === undefined || s.label === label) && (timestamp === undefined || s.timestamp === timestamp),
    );
    if (label === undefined) {
      return { columns: SNAPSHOT_COLUMNS, rows: matching.map((s) => [s.label, s.timestamp, 'OK']) };
    }
    return {
      columns: SNAPSHOT_DETAIL_COLUMNS,
      rows: matching.map((s) => [
        s.label,
        s.timestamp,
        s.database,
        JSON.stringify({ database: s.database, tables: s.tables.map((t) => t.name) }),
        'OK',
      ]),
    };
  }
}
