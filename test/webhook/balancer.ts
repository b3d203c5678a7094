/**
 * A loopback TCP load balancer standing in for a Service: new connections go round-robin to the
 * backends whose readiness probe passed last time it was polled (as endpoints drop a pod whose
 * readiness fails), and established connections stay where they are (as with kube-proxy's
 * connection tracking). TLS passes through untouched.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  readonly port: number;
  /** http://host:port/readyz of the backend. */
  readonly readyUrl: string;
}

export class Balancer {
  readonly port: number;
  private readonly server: Server;
  private readonly ready: boolean[];
  private readonly timer: NodeJS.Timeout;
  private readonly sockets = new Set<Socket>();
  private next = 0;
  /** Connections sent to each backend. */
  readonly connections: number[];

  private constructor(server: Server, port: number, backends: readonly Backend[]) {
    this.server = server;
    this.port = port;
    this.ready = backends.map(() => false);
    this.connections = backends.map(() => 0);
    this.timer = setInterval(() => {
      backends.forEach((b, i) => {
        fetch(b.readyUrl, { signal: AbortSignal.timeout(500) }).then(
          (r) => {
            this.ready[i] = r.ok;
          },
          () => {
            this.ready[i] = false;
          },
        );
      });
    }, 100);
  }

  static async start(backends: readonly Backend[]): Promise<Balancer> {
    let balancer: Balancer | undefined;
    const server = createServer((client) => balancer?.route(client, backends));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    balancer = new Balancer(server, (server.address() as { port: number }).port, backends);
    return balancer;
  }

  private route(client: Socket, backends: readonly Backend[]): void {
    const candidates = backends.map((_, i) => (this.next + i) % backends.length).filter((i) => this.ready[i]);
    const chosen = candidates[0];
    if (chosen === undefined) {
      client.destroy();
      return;
    }
    this.next = (chosen + 1) % backends.length;
    this.connections[chosen]!++;
    const upstream = connect(backends[chosen]!.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    // A half-close is passed on as one, so a server's "Connection: close" ends the client side too.
    client.pipe(upstream).pipe(client);
  }

  get readiness(): readonly boolean[] {
    return this.ready;
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
