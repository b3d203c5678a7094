/**
 * The ordered record of everything that happened: each statement executed (with who sent it and how
 * it ended), each membership change, each process start and stop, each pod the watcher saw go.
 * Tests read it through the control API to assert order, e.g. that a backend's decommission finished
 * before its pod was deleted.
 */

export type LogKind = 'statement' | 'membership' | 'process' | 'pod' | 'job';

export interface LogEntry {
  /** Increases by one per entry, across all clusters. */
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly kind: LogKind;
  /** The cluster key, when the entry belongs to one. */
  readonly cluster?: string;
  /** Who caused it: `mysql root@127.0.0.1`, `entrypoint ns/be-0`, `master`, `control`, `watcher`. */
  readonly source: string;
  /** The member (pod `namespace/name`, or host) the entry is about or was received by. */
  readonly member?: string;
  /** The statement text, or a short description such as `backend 10002 dropped`. */
  readonly text: string;
  /** For statements: the error message when it failed (set once the statement has run). */
  error?: string;
}

export type LogInput = Omit<LogEntry, 'seq' | 'at'>;

export class EventLog {
  private readonly entries: LogEntry[] = [];
  private next = 1;
  /** Older entries are dropped past this many, so a long-running simulator stays small. */
  private readonly limit: number;

  constructor(limit = 100_000) {
    this.limit = limit;
  }

  append(input: LogInput): LogEntry {
    const entry: LogEntry = { seq: this.next++, at: Date.now(), ...input };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return entry;
  }

  /** Entries after `since` (a seq), optionally of one cluster. */
  list(since = 0, cluster?: string): LogEntry[] {
    return this.entries.filter((e) => e.seq > since && (cluster === undefined || e.cluster === cluster));
  }

  get lastSeq(): number {
    return this.next - 1;
  }
}
