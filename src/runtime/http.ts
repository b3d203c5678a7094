/** Small HTTP endpoints for metrics and probes. */
import { createServer, type Server } from 'node:http';

export type Route = () => Promise<{ status: number; body: string; contentType?: string }>;

/** Parses `host:port` or `:port` (all interfaces); `0` or empty disables the server. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  if (address === '' || address === '0') return undefined;
  const i = address.lastIndexOf(':');
  const host = i <= 0 ? '0.0.0.0' : address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(i < 0 ? address : address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid address "${address}": want host:port, :port, or 0 to disable`);
  }
  return { host, port };
}

export async function serve(
  address: string,
  routes: Readonly<Record<string, Route>>,
): Promise<Server | undefined> {
  const parsed = parseAddress(address);
  if (parsed === undefined) return undefined;
  const server = createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0] ?? '/'];
    if (route === undefined || req.method !== 'GET') {
      res.writeHead(404).end('not found\n');
      return;
    }
    route().then(
      (r) =>
        res.writeHead(r.status, { 'content-type': r.contentType ?? 'text/plain; charset=utf-8' }).end(r.body),
      (err: unknown) => res.writeHead(500).end(`${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(parsed.port, parsed.host, () => resolve());
  });
  return server;
}

export function close(server: Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The /metrics server and the /healthz, /readyz server every long-running command has. */
export function serveMetricsAndProbes(opts: {
  readonly metricsAddress?: string;
  readonly probeAddress?: string;
  readonly registry: { metrics(): Promise<string>; readonly contentType: string };
  readonly ready: () => boolean;
  readonly notReady: string;
}): Promise<(Server | undefined)[]> {
  return Promise.all([
    serve(opts.metricsAddress ?? '0', {
      '/metrics': async () => ({
        status: 200,
        body: await opts.registry.metrics(),
        contentType: opts.registry.contentType,
      }),
    }),
    serve(opts.probeAddress ?? '0', {
      '/healthz': async () => ({ status: 200, body: 'ok\n' }),
      '/readyz': async () =>
        opts.ready() ? { status: 200, body: 'ok\n' } : { status: 503, body: `${opts.notReady}\n` },
    }),
  ]);
}
