/**
 * The HTTPS endpoint the API server calls: one POST route per kind and mode (see kinds.ts). The
 * serving certificate can be replaced while running (`setCertificate`, through
 * `server.setSecureContext`): new TLS handshakes use it, connections already open finish with the
 * old one, and nothing restarts. Stopping is graceful, for rolling updates and evictions without a
 * failed admission: readiness turns false first, the server keeps answering for `shutdownDelayMs`
 * while the Service's endpoints drop this replica, then it refuses new connections, answers the
 * requests in flight with `Connection: close`, and closes.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Logger } from 'pino';
import { parseAddress } from '../runtime/http.ts';
import type { KeyPair } from '../tls/certs.ts';
import type { AdmissionHandler } from './handler.ts';
import { type KindAdmission, type Mode, routeOf } from './kinds.ts';
import { BadReviewError, reviewOf } from './review.ts';

/** AdmissionReviews carry the object and the old object, each up to etcd's 1.5 MiB limit (and more for JSON). */
const MAX_BODY = 8 * 2 ** 20;

export interface WebhookServerOptions {
  readonly handler: AdmissionHandler;
  readonly kinds: readonly KindAdmission[];
  /** `host:port`; port 0 picks a free one. */
  readonly address: string;
  readonly certificate: KeyPair;
  readonly logger: Logger;
  /** How long to keep answering after stop() is called, for endpoints to drop this replica. @default 0 */
  readonly shutdownDelayMs?: number;
}

export class WebhookServer {
  private readonly opts: WebhookServerOptions;
  private readonly routes = new Map<string, { kind: KindAdmission; mode: Mode }>();
  private server: Server | undefined;
  private stopping = false;
  private inFlight = 0;

  constructor(opts: WebhookServerOptions) {
    this.opts = opts;
    for (const kind of opts.kinds) {
      for (const mode of ['mutate', 'validate'] as const)
        this.routes.set(routeOf(mode, kind.resource), { kind, mode });
    }
  }

  /** Listens and returns the port. */
  async start(): Promise<number> {
    const parsed = parseAddress(this.opts.address) ?? { host: '0.0.0.0', port: 0 };
    const { certPem, keyPem } = this.opts.certificate;
    const server = createServer({ cert: certPem, key: keyPem, minVersion: 'TLSv1.2' }, (req, res) =>
      this.serve(req, res),
    );
    server.keepAliveTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    // Handshake failures (an old CA at the client, a port scan) are the client's problem, not a crash.
    server.on('tlsClientError', (err) =>
      this.opts.logger.debug({ err: err.message }, 'TLS handshake failed'),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(parsed.port, parsed.host, () => resolve());
    });
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  /** Serves new connections with `pair`; open connections keep the certificate they started with. */
  setCertificate(pair: KeyPair): void {
    this.server?.setSecureContext({ cert: pair.certPem, key: pair.keyPem, minVersion: 'TLSv1.2' });
  }

  /** Ready while listening and not stopping (the readiness probe). */
  get ready(): boolean {
    return this.server !== undefined && !this.stopping;
  }

  async stop(): Promise<void> {
    if (this.server === undefined || this.stopping) return;
    this.stopping = true;
    const delay = this.opts.shutdownDelayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const server = this.server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Requests in flight finish; a connection that lingers past that is closed.
    const deadline = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    server.closeAllConnections();
    await closed;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const route = this.routes.get((req.url ?? '/').split('?')[0] ?? '/');
    if (this.stopping) res.setHeader('connection', 'close');
    if (req.method !== 'POST' || route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    this.inFlight++;
    res.once('close', () => this.inFlight--);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('request too large\n');
        req.destroy();
      } else chunks.push(c);
    });
    req.once('end', () => {
      if (res.headersSent) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('the body is not JSON\n');
        return;
      }
      this.opts.handler.handle(route.kind, route.mode, body, started).then(
        (response) => {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reviewOf(response)));
        },
        (err: unknown) => {
          const bad = err instanceof BadReviewError;
          if (!bad) this.opts.logger.error({ err: String(err) }, 'admission handler failed');
          res
            .writeHead(bad ? 400 : 500, { 'content-type': 'text/plain' })
            .end(`${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
    });
  }
}
