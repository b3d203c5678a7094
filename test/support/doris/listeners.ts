/**
 * The ports a simulated process holds on its pod IP. Plain TCP ports (heartbeat, thrift, brpc,
 * edit log, broker IPC) accept and hold connections without speaking; HTTP and MySQL ports are
 * given their servers. Closing releases every port and drops every open connection.
 */
import { createServer as createHttpServer, type Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { MysqlServer } from './mysql/server.ts';

export type PortSpec =
  | { readonly kind: 'tcp'; readonly port: number }
  | { readonly kind: 'http'; readonly port: number; readonly handler: RequestListener }
  | { readonly kind: 'mysql'; readonly port: number; readonly server: MysqlServer };

interface Open {
  close(): Promise<void>;
}

export class Listeners {
  private open: Open[] = [];

  get listening(): boolean {
    return this.open.length > 0;
  }

  /** Binds every port on `host`; on a failure, releases those already bound and rethrows. */
  async listen(host: string, ports: readonly PortSpec[]): Promise<void> {
    try {
      for (const spec of ports) this.open.push(await bind(host, spec));
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const open = this.open;
    this.open = [];
    await Promise.all(open.map((o) => o.close()));
  }
}

async function bind(host: string, spec: PortSpec): Promise<Open> {
  if (spec.kind === 'mysql') {
    await spec.server.listen(host, spec.port);
    return { close: () => spec.server.close() };
  }
  const sockets = new Set<Socket>();
  const server: Server | HttpServer =
    spec.kind === 'http'
      ? createHttpServer({ keepAliveTimeout: 1000 }, spec.handler)
      : createTcpServer((socket) => {
          socket.on('error', () => {});
          socket.resume();
        });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: spec.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
