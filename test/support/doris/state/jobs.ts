/**
 * Backup and restore jobs and their state progressions. A database runs one job at a time; each job
 * advances one state per `jobTicksPerState` ticks. A backup that is set to fail (control API) is
 * cancelled while uploading; a restore fails when its snapshot is missing or when it asks for more
 * replicas than there are available backends.
 */
import { ddlError } from '../errors.ts';
import { formatTime, formatSnapshotTimestamp as snapshotTimestamp } from '../format.ts';
import type { Repository, StoredSnapshot, StoredTable } from './repositories.ts';

const BACKUP_STATES = [
  'PENDING',
  'SNAPSHOTING',
  'UPLOAD_SNAPSHOT',
  'UPLOADING',
  'SAVE_META',
  'UPLOAD_INFO',
  'FINISHED',
];
const RESTORE_STATES = [
  'PENDING',
  'SNAPSHOTING',
  'DOWNLOAD',
  'DOWNLOADING',
  'COMMIT',
  'COMMITTING',
  'FINISHED',
];

export const BACKUP_COLUMNS = [
  'JobId',
  'SnapshotName',
  'DbName',
  'State',
  'BackupObjs',
  'CreateTime',
  'SnapshotFinishedTime',
  'UploadFinishedTime',
  'FinishedTime',
  'UnfinishedTasks',
  'Progress',
  'TaskErrMsg',
  'Status',
  'Timeout',
];
export const RESTORE_COLUMNS = [
  'JobId',
  'Label',
  'Timestamp',
  'DbName',
  'State',
  'AllowLoad',
  'ReplicationNum',
  'ReplicaAllocation',
  'ReserveReplica',
  'ReserveDynamicPartitionEnable',
  'RestoreObjs',
  'CreateTime',
  'MetaPreparedTime',
  'SnapshotFinishedTime',
  'DownloadFinishedTime',
  'FinishedTime',
  'UnfinishedTasks',
  'Progress',
  'TaskErrMsg',
  'Status',
  'Timeout',
];

export interface Job {
  readonly type: 'backup' | 'restore';
  readonly id: number;
  readonly label: string;
  readonly db: string;
  readonly repo: Repository;
  readonly tables: readonly string[];
  readonly createTime: number;
  readonly timeout: number;
  state: string;
  ticksInState: number;
  /** When each state was entered. */
  readonly entered: Record<string, number>;
  status: string;
  /** Backup: cancelled while uploading (control API "fail the next N backups"). */
  readonly failUpload: boolean;
  /** Restore only. */
  readonly timestamp?: string;
  readonly replicationNum?: number;
  readonly reserveReplica?: boolean;
}

/** What a job needs from its cluster while it advances. */
export interface JobContext {
  readonly now: number;
  readonly ticksPerState: number;
  /** Tables of a database as they are now, for a backup's snapshot. */
  tables(db: string, names: readonly string[]): StoredTable[];
  snapshots(repo: Repository): StoredSnapshot[];
  save(repo: Repository, snapshot: StoredSnapshot): void;
  availableBackends(): number;
  restoreTables(db: string, tables: readonly StoredTable[], replicationNum: number | undefined): void;
  record(text: string): void;
}

const terminal = (j: Job): boolean => j.state === 'FINISHED' || j.state === 'CANCELLED';

export class Jobs {
  readonly list: Job[] = [];

  /** The one-job-per-database rule. */
  checkIdle(db: string): void {
    if (this.list.some((j) => j.db === db && !terminal(j))) {
      throw ddlError('Can only run one backup or restore job of a database at same time');
    }
  }

  start(job: Omit<Job, 'state' | 'ticksInState' | 'entered' | 'status'>): Job {
    this.checkIdle(job.db);
    const full: Job = {
      ...job,
      state: 'PENDING',
      ticksInState: 0,
      entered: { PENDING: job.createTime },
      status: '[OK]',
    };
    this.list.push(full);
    return full;
  }

  cancel(type: Job['type'], db: string, now: number): Job | undefined {
    const job = this.list.find((j) => j.type === type && j.db === db && !terminal(j));
    if (job !== undefined) this.finish(job, 'CANCELLED', '[CANCELLED, msg: user cancelled]', now);
    return job;
  }

  tick(ctx: JobContext): void {
    for (const job of this.list) {
      if (terminal(job)) continue;
      job.ticksInState++;
      if (job.ticksInState < ctx.ticksPerState) continue;
      this.advance(job, ctx);
    }
  }

  private advance(job: Job, ctx: JobContext): void {
    const states = job.type === 'backup' ? BACKUP_STATES : RESTORE_STATES;
    if (job.type === 'backup' && job.state === 'UPLOADING' && job.failUpload) {
      this.finish(
        job,
        'CANCELLED',
        '[COMMON_ERROR, msg: failed to upload snapshot files: simulated failure]',
        ctx.now,
      );
      return;
    }
    if (job.type === 'restore' && job.state === 'PENDING') {
      const error = this.checkRestore(job, ctx);
      if (error !== undefined) {
        this.finish(job, 'CANCELLED', `[COMMON_ERROR, msg: ${error}]`, ctx.now);
        return;
      }
    }
    const next = states[states.indexOf(job.state) + 1] ?? 'FINISHED';
    if (next === 'FINISHED') {
      if (job.type === 'backup') {
        ctx.save(job.repo, {
          label: job.label,
          timestamp: snapshotTimestamp(job.createTime),
          database: job.db,
          tables: ctx.tables(job.db, job.tables),
        });
      } else {
        const snap = this.snapshotOf(job, ctx);
        const tables = (snap?.tables ?? []).filter(
          (t) => job.tables.length === 0 || job.tables.includes(t.name),
        );
        ctx.restoreTables(job.db, tables, job.replicationNum);
      }
      this.finish(job, 'FINISHED', '[OK]', ctx.now);
      return;
    }
    job.state = next;
    job.ticksInState = 0;
    job.entered[next] = ctx.now;
  }

  private checkRestore(job: Job, ctx: JobContext): string | undefined {
    const snap = this.snapshotOf(job, ctx);
    if (snap === undefined) {
      return `snapshot ${job.label} with timestamp ${job.timestamp} does not exist in repository ${job.repo.name}`;
    }
    const wanted = job.replicationNum ?? Math.max(...snap.tables.map((t) => t.replicationNum), 1);
    const available = ctx.availableBackends();
    if (wanted > available) {
      return (
        'replication num should be less than the number of available backends. ' +
        `replication num is ${wanted}, available backend num is ${available}`
      );
    }
    return undefined;
  }

  private snapshotOf(job: Job, ctx: JobContext): StoredSnapshot | undefined {
    return ctx.snapshots(job.repo).find((s) => s.label === job.label && s.timestamp === job.timestamp);
  }

  private finish(job: Job, state: 'FINISHED' | 'CANCELLED', status: string, now: number): void {
    job.state = state;
    job.status = status;
    job.entered[state] = now;
  }

  backupRows(db: string): (string | null)[][] {
    return this.list
      .filter((j) => j.type === 'backup' && j.db === db)
      .map((j) => [
        String(j.id),
        j.label,
        j.db,
        j.state,
        `[${j.tables.map((t) => `${j.db}.${t}`).join(', ')}]`,
        formatTime(j.createTime),
        formatTime(j.entered.UPLOAD_SNAPSHOT),
        formatTime(j.entered.SAVE_META),
        formatTime(j.entered.FINISHED ?? j.entered.CANCELLED),
        '[]',
        '',
        '[]',
        j.status,
        String(j.timeout),
      ]);
  }

  restoreRows(db: string): (string | null)[][] {
    return this.list
      .filter((j) => j.type === 'restore' && j.db === db)
      .map((j) => {
        const replicas = j.replicationNum ?? 3;
        return [
          String(j.id),
          j.label,
          j.timestamp ?? '',
          j.db,
          j.state,
          'false',
          String(replicas),
          `tag.location.default: ${replicas}`,
          String(j.reserveReplica ?? false),
          'false',
          `[${j.tables.map((t) => `${j.db}.${t}`).join(', ')}]`,
          formatTime(j.createTime),
          formatTime(j.entered.SNAPSHOTING),
          formatTime(j.entered.DOWNLOAD),
          formatTime(j.entered.COMMIT),
          formatTime(j.entered.FINISHED ?? j.entered.CANCELLED),
          '[]',
          '',
          '[]',
          j.status,
          String(j.timeout),
        ];
      });
  }
}
