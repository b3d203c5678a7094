/**
 * A long-running component of the test control plane: one child process with its log in a file.
 * Children are started through `setpriv --pdeathsig KILL`, so the kernel kills them if the test
 * runner dies without cleaning up; no control plane process can outlive the test command.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';

export interface ComponentSpec {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly logPath: string;
  readonly env?: Readonly<Record<string, string>>;
}

export class Component {
  readonly spec: ComponentSpec;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(spec: ComponentSpec) {
    this.spec = spec;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const log = openSync(this.spec.logPath, 'a');
    const withDeathSignal = existsSync('/usr/bin/setpriv');
    const [cmd, args] = withDeathSignal
      ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', this.spec.binary, ...this.spec.args]]
      : [this.spec.binary, [...this.spec.args]];
    const child = spawn(cmd, args, {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...this.spec.env },
    });
    closeSync(log);
    // Not holding the event loop open: the owner stops components explicitly (and the kernel's
    // parent-death signal covers a crash), so a test process can exit once its work is done.
    child.unref();
    this.child = child;
    this.stopping = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      if (!this.stopping) {
        process.stderr.write(
          `${this.spec.name} exited unexpectedly (${signal ?? code}); log: ${this.spec.logPath}\n`,
        );
      }
    });
  }

  /** SIGSTOP (`true`) or SIGCONT (`false`): the process freezes as a hung or descheduled one would. */
  freeze(frozen: boolean): void {
    if (this.running) this.child?.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    this.stopping = true;
    child.kill('SIGCONT'); // a frozen process would not see the SIGTERM
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Immediate SIGKILL, as a crash would be. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    this.stopping = true;
    child.kill('SIGKILL');
    await this.exited;
  }
}
