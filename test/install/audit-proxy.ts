/**
 * A recording TLS proxy in front of the test API server. A process under test gets a kubeconfig
 * pointing here with its ServiceAccount token; the proxy forwards every request unchanged (watches
 * stream through) and records its method, path and response status. That record is the proof of
 * least privilege: it shows every API call a process made, whether any was refused (403), and
 * which of the granted rules were actually used, including calls whose failure the process only
 * logs at debug level or swallows (a reference check that turns into a warning).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { createCA, createServingCert } from '../../src/tls/certs.ts';
import { kubeconfigYaml } from '../support/control-plane.ts';

export interface Recorded {
  readonly method: string;
  /** Path with query string. */
  readonly url: string;
  readonly status: number;
  /** The Accept header: a metadata-only list or watch asks for `as=PartialObjectMetadata...`. */
  readonly accept?: string;
}

/** What RBAC sees in a request: verb, API group, resource (with subresource), namespace. */
export interface Access {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

export class AuditProxy {
  readonly records: Recorded[] = [];
  readonly url: string;
  readonly caPem: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server, url: string, caPem: string) {
    this.server = server;
    this.url = url;
    this.caPem = caPem;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  static async start(upstream: string, upstreamCaPem: string): Promise<AuditProxy> {
    const ca = await createCA({ commonName: 'doris-audit-proxy-ca' });
    const serving = await createServingCert(ca, { commonName: 'audit-proxy', ipAddresses: ['127.0.0.1'] });
    const target = new URL(upstream);
    let proxy: AuditProxy | undefined;
    const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) =>
      proxy?.forward(req, res, target, upstreamCaPem),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    proxy = new AuditProxy(server, `https://127.0.0.1:${port}`, ca.certPem);
    return proxy;
  }

  /** A kubeconfig that reaches the API server through this proxy with `token`. */
  kubeconfig(token: string): string {
    return kubeconfigYaml(this.url, this.caPem, token);
  }

  /** The RBAC view of every recorded resource request (discovery and other paths left out). */
  accesses(): (Access & Recorded)[] {
    return this.records.flatMap((r) => {
      const a = accessOf(r.method, r.url);
      return a === undefined ? [] : [{ ...r, ...a }];
    });
  }

  refused(): Recorded[] {
    return this.records.filter((r) => r.status === 401 || r.status === 403);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private forward(req: IncomingMessage, res: ServerResponse, target: URL, ca: string): void {
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        ca,
      },
      (upRes) => {
        this.records.push({
          method: req.method ?? '',
          url: req.url ?? '',
          status: upRes.statusCode ?? 0,
          ...(req.headers.accept ? { accept: req.headers.accept } : {}),
        });
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.once('error', () => res.destroy());
    res.once('close', () => up.destroy());
    req.pipe(up);
  }
}

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` paths into what RBAC authorizes. */
export function accessOf(method: string, url: string): Access | undefined {
  const u = new URL(url, 'https://x');
  const parts = u.pathname.split('/').filter(Boolean);
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length > 2) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length > 3) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, sub] = rest;
  if (resource === undefined) return undefined;
  const watch = u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1';
  const verb =
    method === 'GET'
      ? name === undefined
        ? watch
          ? 'watch'
          : 'list'
        : 'get'
      : method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : method === 'DELETE'
              ? name === undefined
                ? 'deletecollection'
                : 'delete'
              : method.toLowerCase();
  return { verb, group, resource: sub ? `${resource}/${sub}` : resource, namespace, name };
}
