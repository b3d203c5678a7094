/**
 * Runs a DorisInitializer's init scripts in the background, so a long script holds no worker of
 * the controller. Progress goes to status after every statement, with the statement about to run
 * recorded before it is sent: a restarted operator resumes after the last statement Doris
 * confirmed, and a statement that was in flight when it stopped is run again only when running it
 * twice changes nothing (`rerunnable`); otherwise the script is reported InDoubt and waits for the
 * user's word (annotation `doris.cloudnative.dev/in-doubt-<script>: skip-<n>|rerun-<n>`, naming the
 * statement, so a word given once does not decide a later doubt). A script content
 * that completed is recorded in `status.applied` and never runs again.
 */
import type { Logger } from 'pino';
import type { DorisClient } from '../doris/client.ts';
import { DorisError } from '../doris/errors.ts';
import { rerunnable } from './statements.ts';
import type { Status, StatusWriter } from './status-writer.ts';

export interface Script {
  readonly name: string;
  readonly digest: string;
  readonly statements: readonly string[];
  readonly rerunOnChange: boolean;
  readonly timeoutMs: number;
}

export interface ScriptJob {
  readonly ref: { readonly namespace: string; readonly name: string };
  readonly scripts: readonly Script[];
  readonly backoffLimit: number;
  /** The user's word on a script in doubt, by script name: what to do with which statement (from 1). */
  readonly inDoubt: ReadonlyMap<string, InDoubtWord>;
  readonly connect: () => Promise<DorisClient>;
  readonly log: Logger;
  readonly event: (type: 'Normal' | 'Warning', reason: string, note: string) => void;
}

type ScriptStatus = NonNullable<Status['scripts']>[number];

export const inDoubtAnnotation = (script: string) => `doris.cloudnative.dev/in-doubt-${script}`;

export interface InDoubtWord {
  readonly action: 'skip' | 'rerun';
  readonly statement: number;
}

/** `skip-5` or `rerun-5`; anything else is no word. */
export function parseInDoubtWord(value: string | undefined): InDoubtWord | undefined {
  const m = /^(skip|rerun)-([1-9][0-9]*)$/.exec(value ?? '');
  return m === null ? undefined : { action: m[1] as 'skip' | 'rerun', statement: Number(m[2]) };
}

/**
 * Whether a run has work given the status: a script to run, or an entry that does not say yet what
 * the script's state is (a content changed after it ran is recorded as Changed). What the reconcile
 * asks before starting a run.
 */
export function scriptsPending(scripts: readonly Script[], status: Status): boolean {
  for (const s of scripts) {
    const state = stateOf(s, status);
    // The scripts after a failed one, or one in doubt, wait for it.
    if (state === 'Failed' || state === 'InDoubt') return false;
    const entry = status.scripts?.find((e) => e.name === s.name);
    if (state === 'Pending' || state === 'Running' || entry?.digest !== s.digest || entry.state !== state)
      return true;
  }
  return false;
}

/** Where a script stands: Applied and Changed from the record of completed contents, the rest from its entry. */
export function stateOf(s: Script, status: Status): ScriptStatus['state'] {
  const applied = status.applied ?? [];
  if (applied.some((a) => a.name === s.name && a.digest === s.digest)) return 'Applied';
  if (!s.rerunOnChange && applied.some((a) => a.name === s.name)) return 'Changed';
  const entry = status.scripts?.find((e) => e.name === s.name);
  if (entry === undefined || entry.digest !== s.digest) return 'Pending';
  // Recorded Changed, and now to run again (rerunOnChange turned on).
  if (entry.state === 'Changed') return 'Pending';
  return entry.state;
}

const backoffMs = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

export class ScriptRunner {
  private readonly writer: StatusWriter;
  private readonly running = new Map<string, { cancelled: boolean; done: Promise<void> }>();
  private readonly onFinish: (key: string) => void;

  constructor(writer: StatusWriter, onFinish: (key: string) => void) {
    this.writer = writer;
    this.onFinish = onFinish;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Starts a run for `key` unless one is going on. */
  start(key: string, job: ScriptJob): void {
    if (this.running.has(key)) return;
    const state = { cancelled: false, done: Promise.resolve() };
    state.done = this.run(job, () => state.cancelled)
      .catch((err: unknown) => job.log.error({ err }, 'init scripts stopped'))
      .finally(() => {
        this.running.delete(key);
        this.onFinish(key);
      });
    this.running.set(key, state);
  }

  /** Stops the run of `key` after its current statement (the initializer is gone). */
  cancel(key: string): void {
    const r = this.running.get(key);
    if (r !== undefined) r.cancelled = true;
  }

  /**
   * Stops after the statements in flight, waiting for them at most `graceMs`: a statement Doris
   * has not answered by then is left to the next leader, which finds it recorded as sent.
   */
  async stop(graceMs = 5000): Promise<void> {
    for (const r of this.running.values()) r.cancelled = true;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  private async run(job: ScriptJob, cancelled: () => boolean): Promise<void> {
    let client: DorisClient | undefined;
    const connection = async () => {
      client ??= await job.connect();
      return client;
    };
    try {
      for (const script of job.scripts) {
        if (cancelled()) return;
        const ok = await this.runScript(job, script, connection, cancelled, () => {
          void client?.close();
          client = undefined;
        });
        if (!ok) return;
      }
    } finally {
      await client?.close();
    }
  }

  /** Runs one script to its end; false when the scripts after it must wait (failed, in doubt, cancelled). */
  private async runScript(
    job: ScriptJob,
    script: Script,
    connection: () => Promise<DorisClient>,
    cancelled: () => boolean,
    dropConnection: () => void,
  ): Promise<boolean> {
    const setEntry = (entry: Partial<ScriptStatus>) =>
      this.writer.update(job.ref, (s) => {
        const others = (s.scripts ?? []).filter((e) => e.name !== script.name);
        const old = (s.scripts ?? []).find((e) => e.name === script.name && e.digest === script.digest);
        const base: ScriptStatus = old ?? {
          name: script.name,
          digest: script.digest,
          state: 'Pending',
          statements: script.statements.length,
          done: 0,
        };
        const next = { ...base, ...entry } as ScriptStatus;
        for (const k of Object.keys(next) as (keyof ScriptStatus)[])
          if (next[k] === undefined) delete next[k];
        return { ...s, scripts: order(job.scripts, [...others, next]) };
      });
    const status = (await this.writer.update(job.ref, (s) => s)) ?? {};
    const state = stateOf(script, status);
    if (state === 'Applied' || state === 'Changed') {
      await setEntry({ state, done: state === 'Applied' ? script.statements.length : 0, started: undefined });
      return true;
    }
    if (state === 'Failed') return false;
    const entry = status.scripts?.find((e) => e.name === script.name && e.digest === script.digest);
    let k = entry?.done ?? 0;
    let attempts = entry?.attempts ?? 0;
    const n = script.statements.length;

    if (entry?.started !== undefined) {
      const stmt = script.statements[entry.started] ?? '';
      const given = job.inDoubt.get(script.name);
      const word =
        given?.statement === entry.started + 1 ? given.action : rerunnable(stmt) ? 'rerun' : undefined;
      if (word === undefined) {
        const nth = entry.started + 1;
        const message =
          `statement ${nth} of ${n} was running when the operator stopped, and Doris may have applied it; ` +
          `running it again could apply it twice. Check, then annotate ${inDoubtAnnotation(script.name)}=skip-${nth} (it was applied) or =rerun-${nth}`;
        if (entry.state !== 'InDoubt')
          job.event('Warning', 'ScriptInDoubt', `script ${script.name}: ${message}`);
        await setEntry({ state: 'InDoubt', message });
        return false;
      }
      k = word === 'skip' ? entry.started + 1 : entry.started;
      await setEntry({ done: k, started: undefined, message: undefined });
    }

    while (k < n) {
      if (cancelled()) return false;
      const stmt = script.statements[k] ?? '';
      let sent = false;
      try {
        const client = await connection();
        // Recorded before it is sent: after a restart this says the statement may have run.
        await setEntry({ state: 'Running', done: k, started: k, attempts });
        sent = true;
        await client.run(stmt, script.timeoutMs);
        k++;
        attempts = 0;
        await setEntry({ done: k, started: undefined, attempts: undefined, message: undefined });
      } catch (err) {
        const answered = err instanceof DorisError;
        if (!answered) dropConnection();
        // Sent and no answer (connection lost, timeout): Doris may have run it.
        if (sent && !answered && !rerunnable(stmt)) {
          const message = `statement ${k + 1} of ${n} got no answer (${(err as Error).message}); Doris may have applied it. Check, then annotate ${inDoubtAnnotation(script.name)}=skip-${k + 1} (it was applied) or =rerun-${k + 1}`;
          job.event('Warning', 'ScriptInDoubt', `script ${script.name}: ${message}`);
          await setEntry({ state: 'InDoubt', message });
          return false;
        }
        attempts++;
        const detail = answered
          ? `Doris said: ${(err as DorisError).detail} (error ${(err as DorisError).errno})`
          : (err as Error).message;
        const message = `statement ${k + 1} of ${n} failed (attempt ${attempts}): ${detail}`;
        if (attempts > job.backoffLimit) {
          job.event('Warning', 'ScriptFailed', `script ${script.name}: ${message}`);
          await setEntry({ state: 'Failed', started: undefined, attempts, message });
          return false;
        }
        job.log.info(
          { script: script.name, statement: k + 1, attempts },
          'init script statement failed; retrying',
        );
        await setEntry({ state: 'Running', started: undefined, attempts, message });
        await sleep(backoffMs(attempts), cancelled);
      }
    }
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.writer.update(job.ref, (s) => ({
      ...s,
      applied: [
        ...(s.applied ?? []).filter((a) => a.name !== script.name || a.digest !== script.digest),
        { name: script.name, digest: script.digest, at },
      ].slice(-256),
    }));
    await setEntry({
      state: 'Applied',
      done: n,
      started: undefined,
      attempts: undefined,
      message: undefined,
      appliedAt: at,
    });
    job.event('Normal', 'ScriptApplied', `script ${script.name}: ${n} statements applied`);
    return true;
  }
}

function order(scripts: readonly Script[], entries: ScriptStatus[]): ScriptStatus[] {
  const rank = new Map(scripts.map((s, i) => [s.name, i]));
  return entries.sort((a, b) => (rank.get(a.name) ?? 1e9) - (rank.get(b.name) ?? 1e9));
}

async function sleep(ms: number, cancelled: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !cancelled())
    await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
}
