/**
 * Runs a DorisInitializer's init scripts in the background, so a long script holds no worker of
 * the controller. Progress goes to status after every statement, with the statement about to run
 * recorded before it is sent: a restarted operator resumes after the last statement Doris
 * confirmed, and a statement that was in flight when it stopped is run again only when running it
 * twice changes nothing (`rerunnable`); otherwise the script is reported InDoubt and waits for the
 * user's word (annotation `doris.cloudnative.dev/resume-<script>: skip-<n>|rerun-<n>`, naming the
 * statement; each word is used once). The same word moves a script Failed after `backoffLimit`
 * attempts. A statement that was never sent (the FE did not answer the login) spends no attempt:
 * the run waits for the cluster. Each script has its own connection, on which the session
 * statements before the one to run (USE, SET) are replayed after a reconnect. A script content
 * that completed is recorded in `status.applied` and never runs again.
 */
import type { Logger } from 'pino';
import type { DorisClient } from '../doris/client.ts';
import { DorisError } from '../doris/errors.ts';
import { rerunnable, sessionStatement } from './statements.ts';
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
  /** The user's word on a script stopped at a statement, by script name. */
  readonly words: ReadonlyMap<string, ResumeWord>;
  readonly connect: () => Promise<DorisClient>;
  readonly log: Logger;
  readonly event: (type: 'Normal' | 'Warning', reason: string, note: string) => void;
}

type ScriptStatus = NonNullable<Status['scripts']>[number];

export const resumeAnnotation = (script: string) => `doris.cloudnative.dev/resume-${script}`;

export interface ResumeWord {
  readonly action: 'skip' | 'rerun';
  /** The statement it is about, from 1. */
  readonly statement: number;
  /** The annotation's value: a word is used once (status records it), a new one can say the same with a suffix. */
  readonly value: string;
}

/** `skip-5` or `rerun-5`, optionally with a suffix (`rerun-5-again`); anything else is no word. */
export function parseResumeWord(value: string | undefined): ResumeWord | undefined {
  const m = /^(skip|rerun)-([1-9][0-9]*)(-[A-Za-z0-9]+)?$/.exec(value ?? '');
  return m === null || value === undefined
    ? undefined
    : { action: m[1] as 'skip' | 'rerun', statement: Number(m[2]), value };
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
    for (const script of job.scripts) {
      if (cancelled()) return;
      if (!(await this.runScript(job, script, cancelled))) return;
    }
  }

  /** Runs one script to its end; false when the scripts after it must wait (failed, in doubt, cancelled). */
  private async runScript(job: ScriptJob, script: Script, cancelled: () => boolean): Promise<boolean> {
    const names = new Set(job.scripts.map((x) => x.name));
    const setEntry = (entry: Partial<ScriptStatus>) =>
      this.writer.update(job.ref, (s) => {
        // Entries of scripts no longer in the spec go; `applied` keeps their history.
        const others = (s.scripts ?? []).filter((e) => e.name !== script.name && names.has(e.name));
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
    const entry = status.scripts?.find((e) => e.name === script.name && e.digest === script.digest);
    let k = entry?.done ?? 0;
    let attempts = entry?.attempts ?? 0;
    const n = script.statements.length;

    // Stopped at a statement (in doubt, or failed for good): the user's word decides, once.
    if (state === 'InDoubt' || state === 'Failed' || entry?.started !== undefined) {
      const at = entry?.started ?? k;
      const stmt = script.statements[at] ?? '';
      const given = job.words.get(script.name);
      const fresh = given !== undefined && given.statement === at + 1 && given.value !== entry?.answered;
      const word = fresh
        ? given.action
        : state === 'Failed'
          ? undefined
          : rerunnable(stmt)
            ? 'rerun'
            : undefined;
      if (word === undefined) {
        if (state === 'Failed') return false;
        const message =
          `statement ${at + 1} of ${n} was running when the operator stopped, and Doris may have applied it; ` +
          `running it again could apply it twice. Check, then annotate ${resumeAnnotation(script.name)}=skip-${at + 1} (it was applied) or =rerun-${at + 1}`;
        if (entry?.state !== 'InDoubt')
          job.event('Warning', 'ScriptInDoubt', `script ${script.name}: ${message}`);
        await setEntry({ state: 'InDoubt', started: at, message });
        return false;
      }
      k = word === 'skip' ? at + 1 : at;
      attempts = 0;
      await setEntry({
        state: 'Running',
        done: k,
        started: undefined,
        attempts: undefined,
        message: undefined,
        ...(fresh ? { answered: given?.value } : {}),
      });
    }

    let client: DorisClient | undefined;
    const drop = () => {
      void client?.close();
      client = undefined;
    };
    try {
      while (k < n) {
        if (cancelled()) return false;
        const stmt = script.statements[k] ?? '';
        // A connection of its own, with the session the script's earlier statements set (USE, SET).
        if (client === undefined) {
          try {
            client = await job.connect();
            for (const earlier of script.statements.slice(0, k))
              if (sessionStatement(earlier)) await client.run(earlier, script.timeoutMs);
          } catch (err) {
            drop();
            // Nothing was sent: no attempt is spent; wait for the cluster to answer again.
            const message = `waiting for the cluster before statement ${k + 1} of ${n}: ${(err as Error).message}`;
            await setEntry({ state: 'Running', started: undefined, message });
            await sleep(10_000, cancelled);
            continue;
          }
        }
        // Recorded before it is sent: after a restart this says the statement may have run.
        await setEntry({ state: 'Running', done: k, started: k, attempts });
        let failure: unknown;
        try {
          await client.run(stmt, script.timeoutMs);
        } catch (err) {
          failure = err;
        }
        if (failure === undefined) {
          k++;
          attempts = 0;
          // Doris confirmed it: the record must say so (a failed write is retried, never "in doubt").
          await retried(() =>
            setEntry({ done: k, started: undefined, attempts: undefined, message: undefined }),
          );
          continue;
        }
        const answered = failure instanceof DorisError;
        if (!answered) {
          drop();
          // Sent and no answer (connection lost, timeout): Doris may have run it.
          if (!rerunnable(stmt)) {
            const message = `statement ${k + 1} of ${n} got no answer (${(failure as Error).message}); Doris may have applied it. Check, then annotate ${resumeAnnotation(script.name)}=skip-${k + 1} (it was applied) or =rerun-${k + 1}`;
            job.event('Warning', 'ScriptInDoubt', `script ${script.name}: ${message}`);
            await setEntry({ state: 'InDoubt', message });
            return false;
          }
        }
        attempts++;
        const detail = answered
          ? `Doris said: ${(failure as DorisError).detail} (error ${(failure as DorisError).errno})`
          : (failure as Error).message;
        const message = `statement ${k + 1} of ${n} failed (attempt ${attempts}): ${detail}`;
        if (attempts > job.backoffLimit) {
          job.event(
            'Warning',
            'ScriptFailed',
            `script ${script.name}: ${message}; annotate ${resumeAnnotation(script.name)}=rerun-${k + 1} to try again or =skip-${k + 1} to go on without it`,
          );
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
    } finally {
      drop();
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

/** A status write that must land: retried a few times before the run gives up. */
async function retried(write: () => Promise<unknown>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await write();
      return;
    } catch (err) {
      if (i >= 4) throw err;
      await new Promise((r) => setTimeout(r, 500 * 2 ** i));
    }
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
