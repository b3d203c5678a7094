/**
 * The HTTP ports: FE 8030 (`/api/health`, `/api/bootstrap`, `/metrics`, `/api/get_wal_size`) and BE
 * 8040 (`/api/health`, `/metrics`), with the bodies of the reference. Only the WAL count needs
 * authentication.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Member } from './member.ts';
import { backendMetrics, frontendMetrics } from './metrics.ts';
import type { DorisCluster } from './state/cluster.ts';

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const pathOf = (req: IncomingMessage): URL => new URL(req.url ?? '/', 'http://localhost');

export function frontendHttp(member: Member): RequestListener {
  return (req, res) => {
    const url = pathOf(req);
    const ctx = member.feContext();
    if (ctx === undefined)
      return send(res, 503, JSON.stringify({ msg: 'not ready', code: 1, data: null, count: 0 }));
    const { cluster } = ctx;
    switch (url.pathname) {
      case '/api/health': {
        const total = cluster.backends.list.length;
        const online = cluster.backends.list.filter((b) => b.alive).length;
        return send(
          res,
          200,
          JSON.stringify({
            msg: 'success',
            code: 0,
            data: { online_backend_num: online, total_backend_num: total },
            count: 0,
          }),
        );
      }
      case '/api/bootstrap': {
        const id = url.searchParams.get('cluster_id');
        const token = url.searchParams.get('token');
        if (id === null && token === null)
          return send(res, 200, JSON.stringify({ msg: 'OK', code: 0, data: null, count: 0 }));
        if (id !== String(cluster.clusterId) || token !== cluster.token) {
          return send(
            res,
            200,
            JSON.stringify({ msg: 'invalid cluster id or token', code: 1, data: null, count: 0 }),
          );
        }
        const data = {
          queryPort: member.ports.query,
          rpcPort: member.ports.rpc,
          arrowFlightSqlPort: member.ports.arrowFlightSql,
          maxReplayedJournal: cluster.journalId,
        };
        return send(res, 200, JSON.stringify({ msg: 'OK', code: 0, data, count: 0 }));
      }
      case '/api/get_wal_size':
        return void walSize(req, url, cluster).then(({ status, body }) => send(res, status, body));
      case '/metrics': {
        const body = frontendMetrics({
          meter: member.meter,
          cluster,
          isMaster: member.frontendName === cluster.frontends.master,
          connections: member.connections,
        });
        return send(res, 200, body, 'text/plain; version=0.0.4');
      }
      default:
        return send(res, 404, JSON.stringify({ msg: 'Not Found', code: 404, data: null, count: 0 }));
    }
  };
}

const body = (code: number, msg: string, data: unknown = null): string =>
  JSON.stringify({ msg, code, data, count: 0 });

/**
 * `GET /api/get_wal_size?host_ports=h:9050,...` (httpv2/rest/CheckWalSizeAction.java): basic auth,
 * ADMIN or NODE, and for each backend `host:heartbeatPort:<WALs pending>`. The master asks each
 * backend; for a dead one it retries until check_wal_queue_timeout_threshold and then says 0.
 */
async function walSize(
  req: IncomingMessage,
  url: URL,
  cluster: DorisCluster,
): Promise<{ status: number; body: string }> {
  const auth = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const [user = '', password = ''] = Buffer.from(auth ?? '', 'base64')
    .toString()
    .split(/:(.*)/s);
  try {
    const account = cluster.auth.loginPlain(user, req.socket.remoteAddress ?? '%', password);
    cluster.auth.require(account, ['ADMIN', 'NODE']);
  } catch (err) {
    return { status: 401, body: body(401, (err as Error).message) };
  }
  const wanted = (url.searchParams.get('host_ports') ?? '').split(',').filter((x) => x !== '');
  const backends = [];
  for (const hp of wanted) {
    const [host = '', port = ''] = hp.split(/:(?=\d+$)/);
    const be = cluster.backends.find(host, Number(port));
    if (be === undefined) return { status: 200, body: body(1, `Backend does not exist[${host}:${port}]`) };
    backends.push(be);
  }
  const until = Date.now() + cluster.timing().walCheckTimeoutMs;
  while (backends.some((b) => !b.alive) && Date.now() < until) await sleep(100);
  const data = (wanted.length === 0 ? cluster.backends.list : backends).map(
    (b) => `${b.host}:${b.heartbeatPort}:${b.alive ? b.pendingWal : 0}`,
  );
  return { status: 200, body: body(0, 'success', data) };
}

export function backendHttp(member: Member): RequestListener {
  return (req, res) => {
    switch (pathOf(req).pathname) {
      case '/api/health':
        return send(res, 200, '{"status": "OK","msg": "To Be Added"}');
      case '/metrics':
        return send(
          res,
          200,
          backendMetrics({
            meter: member.meter,
            cores: member.spec.cpuCores,
            totalCapacity: totalCapacityOf(member),
            usedCapacity: member.disk.usedBytes,
            // Doris labels each data directory by its path (storage_root_path without the medium).
            storagePath:
              member.spec.conf.storage_root_path?.split(';')[0]?.split(',')[0]?.trim() ??
              '/opt/apache-doris/be/storage',
          }),
          'text/plain; version=0.0.4',
        );
      default:
        return send(res, 404, '{"status": "Not Found","msg": ""}');
    }
  };
}

/** The disk a BE reports: 100 GiB unless the simulator was told otherwise. */
export const totalCapacityOf = (member: Member): number => member.disk.totalBytes ?? 100 * 1024 ** 3;
