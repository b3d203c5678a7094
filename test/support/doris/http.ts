/**
 * The HTTP ports: FE 8030 (`/api/health`, `/api/bootstrap`, `/metrics`) and BE 8040 (`/api/health`,
 * `/metrics`), with the bodies of the reference. They need no authentication.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Member } from './member.ts';
import { backendMetrics, frontendMetrics } from './metrics.ts';

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
            storagePath: member.spec.conf.storage_root_path ?? '/opt/apache-doris/be/storage',
          }),
          'text/plain; version=0.0.4',
        );
      default:
        return send(res, 404, '{"status": "Not Found","msg": ""}');
    }
  };
}

/** The disk a BE reports: 100 GiB unless the simulator was told otherwise. */
export const totalCapacityOf = (_member: Member): number => 100 * 1024 ** 3;
