/**
 * cert-manager mode: the serving pair comes from a mounted Secret (`tls.crt`, `tls.key`) that
 * cert-manager renews, and cert-manager's CA injector keeps `caBundle` up to date, so the webhook
 * only reloads the files when they change. The kubelet swaps a Secret volume's files atomically
 * (through the `..data` symlink), which `fs.watch` reports; a periodic re-read covers file systems
 * where watching is unreliable.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { certInfo, type KeyPair } from '../../tls/certs.ts';

export interface MountedOptions {
  readonly dir: string;
  readonly logger: Logger;
  /** @default 30000 */
  readonly pollMs?: number;
  /** How long start() waits for the files to appear. @default 60000 */
  readonly waitMs?: number;
  readonly onCertificate: (pair: KeyPair) => void;
}

export class MountedCertificates {
  private readonly opts: MountedOptions;
  private current: KeyPair | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: MountedOptions) {
    this.opts = opts;
  }

  async start(): Promise<KeyPair> {
    const deadline = Date.now() + (this.opts.waitMs ?? 60_000);
    for (;;) {
      const pair = await this.read().catch(() => undefined);
      if (pair !== undefined) {
        this.current = pair;
        break;
      }
      if (Date.now() > deadline) throw new Error(`no tls.crt and tls.key in ${this.opts.dir}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    try {
      this.watcher = watch(this.opts.dir, () => void this.reload());
      this.watcher.on('error', () => undefined);
    } catch {
      // Polling alone then.
    }
    this.timer = setInterval(() => void this.reload(), this.opts.pollMs ?? 30_000);
    this.timer.unref();
    return this.current!;
  }

  stop(): void {
    this.watcher?.close();
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private async read(): Promise<KeyPair> {
    const [certPem, keyPem] = await Promise.all([
      readFile(join(this.opts.dir, 'tls.crt'), 'utf8'),
      readFile(join(this.opts.dir, 'tls.key'), 'utf8'),
    ]);
    // Half-way through a swap the files may not match: such a pair is skipped until they do.
    if (!new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem))) {
      throw new Error('tls.crt and tls.key do not match');
    }
    return { certPem, keyPem };
  }

  private async reload(): Promise<void> {
    const pair = await this.read().catch(() => undefined);
    if (
      pair === undefined ||
      (pair.certPem === this.current?.certPem && pair.keyPem === this.current?.keyPem)
    )
      return;
    this.current = pair;
    this.opts.logger.info(
      { dir: this.opts.dir, notAfter: certInfo(pair.certPem).notAfter },
      'serving certificate reloaded',
    );
    this.opts.onCertificate(pair);
  }
}
