/** Free TCP ports on loopback, for components started by tests. */
import { createServer } from 'node:net';

/**
 * A free port on `host`, for a component that binds it later (free when this returns, not
 * reserved). Chosen below the kernel's ephemeral range (32768 and up on Linux): ports handed out
 * from that range are also the local ports of outgoing connections, and one of the suite's
 * thousands of client sockets could take it before the component binds (EADDRINUSE).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canBind(host, port)) return port;
  }
  return bindAny(host);
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function bindAny(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`no port was allocated on ${host}`));
      });
    });
  });
}

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}
