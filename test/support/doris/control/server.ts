/**
 * The control API, on loopback HTTP with JSON bodies: read clusters, members and the event log;
 * kill, restart and cut off members; set load; slow or stall decommission; fail the next backups;
 * change the timing.
 *
 *   GET  /clusters  /members  /timing  /log?since=N&cluster=K
 *   POST /members/kill {member}   /members/restart {member}   /members/network {member, reachable}
 *   POST /load {cluster?, member?, load}   /workload {cluster, workload: {qps, cpuMsPerQuery, latencyMs?} | null}
 *   POST /disk {member, usedBytes?, totalBytes?}   /decommission {cluster, backend, rate|null}
 *   POST /backups/fail {cluster, count}    /timing {...}
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Member } from '../member.ts';
import type { Simulator } from '../simulator.ts';
import type { Backend } from '../state/backends.ts';
import type { DorisCluster } from '../state/cluster.ts';
import type { ClusterSummary, MemberSummary } from './types.ts';

export function summarizeCluster(c: DorisCluster): ClusterSummary {
  return {
    key: c.key,
    clusterId: c.clusterId,
    ...(c.frontends.master === undefined ? {} : { master: c.frontends.master }),
    journalId: c.journalId,
    frontends: c.frontends.list.map((f) => ({
      name: f.name,
      host: f.host,
      role: f.role,
      isMaster: f.name === c.frontends.master,
      join: f.join,
      alive: f.alive,
    })),
    backends: c.backends.list.map((b) => ({
      id: b.id,
      host: b.host,
      alive: b.alive,
      decommissioned: b.decommissioned,
      tablets: c.catalog.replicasOn(b.id),
      nodeRole: b.nodeRole,
      ...(b.decommissionRate === undefined ? {} : { decommissionRate: b.decommissionRate }),
      pendingWal: b.pendingWal,
    })),
    brokers: c.brokers.list.map((b) => ({ name: b.name, host: b.host, port: b.port, alive: b.alive })),
    failNextBackups: c.failNextBackups,
  };
}

export function summarizeMember(sim: Simulator, m: Member): MemberSummary {
  const cluster = sim.clusterOf(m);
  return {
    key: m.spec.key,
    kind: m.spec.kind,
    ip: m.spec.ip,
    host: m.spec.host,
    state: m.state,
    unreachable: m.unreachable,
    listening: m.shouldListen(),
    ...(cluster === undefined ? {} : { cluster: cluster.key }),
    ...(m.frontendName === undefined ? {} : { frontendName: m.frontendName }),
    version: m.spec.version.full,
    load: m.meter.load,
    connectionsAccepted: m.connectionsAccepted,
  };
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `${what} is required`);
  return v;
};

export class ControlServer {
  private readonly sim: Simulator;
  private readonly server: Server;

  constructor(sim: Simulator) {
    this.sim = sim;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        this.send(res, status, { error: (err as Error).message });
      });
    });
  }

  /** Listens on 127.0.0.1 and returns the base URL. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen({ host: '127.0.0.1', port }, resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private send(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const sim = this.sim;
    const route = `${req.method} ${url.pathname}`;
    const b = req.method === 'POST' ? await body(req) : {};
    const member = (): Member => {
      try {
        return sim.member(str(b.member, 'member'));
      } catch (err) {
        throw new HttpError(404, (err as Error).message);
      }
    };
    const cluster = (): DorisCluster => {
      try {
        return sim.cluster(str(b.cluster, 'cluster'));
      } catch (err) {
        throw new HttpError(404, (err as Error).message);
      }
    };
    /** A backend by id, host, host:port, or the simulator member (`ns/pod`) running it. */
    const backendOf = (c: DorisCluster, which: string): Backend => {
      const m = sim.members.get(which);
      const be = c.backends.list.find(
        (x) =>
          String(x.id) === which ||
          x.host === which ||
          `${x.host}:${x.heartbeatPort}` === which ||
          x.host === m?.spec.host,
      );
      if (be === undefined) throw new HttpError(404, `no backend ${which} in ${c.key}`);
      return be;
    };
    switch (route) {
      case 'GET /health':
        return this.send(res, 200, { ok: true });
      case 'GET /clusters':
        return this.send(res, 200, [...sim.clusters.values()].map(summarizeCluster));
      case 'GET /members':
        return this.send(
          res,
          200,
          [...sim.members.values()].map((m) => summarizeMember(sim, m)),
        );
      case 'GET /timing':
        return this.send(res, 200, sim.timing);
      case 'GET /log': {
        const since = Number(url.searchParams.get('since') ?? 0);
        return this.send(res, 200, sim.log.list(since, url.searchParams.get('cluster') ?? undefined));
      }
      case 'POST /members/kill':
        return this.send(res, 200, summarizeMember(sim, sim.kill(member().spec.key)));
      case 'POST /members/damage-meta':
        return this.send(res, 200, summarizeMember(sim, sim.damageMeta(member().spec.key)));
      case 'POST /members/restart':
        return this.send(res, 200, summarizeMember(sim, sim.restart(member().spec.key)));
      case 'POST /members/network': {
        const m = member();
        if (typeof b.reachable !== 'boolean') throw new HttpError(400, 'reachable must be true or false');
        sim.setUnreachable(m.spec.key, !b.reachable);
        await m.sync();
        return this.send(res, 200, summarizeMember(sim, m));
      }
      case 'POST /disk': {
        const m = member();
        for (const k of ['usedBytes', 'totalBytes'] as const) {
          if (b[k] === undefined) continue;
          if (typeof b[k] !== 'number' || b[k] < 0)
            throw new HttpError(400, `${k} must be a number of bytes`);
          m.disk[k] = b[k];
        }
        return this.send(res, 200, { usedBytes: m.disk.usedBytes, totalBytes: m.disk.totalBytes });
      }
      case 'POST /load': {
        const target = {
          ...(typeof b.cluster === 'string' ? { cluster: b.cluster } : {}),
          ...(typeof b.member === 'string' ? { member: b.member } : {}),
        };
        const count = sim.setLoad(target, (b.load ?? {}) as object);
        if (count === 0) throw new HttpError(404, `no member matches ${JSON.stringify(target)}`);
        return this.send(res, 200, { members: count });
      }
      case 'POST /workload': {
        const w = b.workload as { qps?: unknown; cpuMsPerQuery?: unknown; latencyMs?: unknown } | null;
        if (w !== null && (typeof w?.qps !== 'number' || typeof w.cpuMsPerQuery !== 'number'))
          throw new HttpError(400, 'workload needs qps and cpuMsPerQuery (numbers), or null to clear it');
        const count = sim.setWorkload(
          String(b.cluster ?? ''),
          w === null
            ? undefined
            : {
                qps: w.qps as number,
                cpuMsPerQuery: w.cpuMsPerQuery as number,
                latencyMs: Number(w.latencyMs ?? 20),
              },
        );
        return this.send(res, 200, { members: count });
      }
      case 'POST /wal': {
        const c = cluster();
        const be = backendOf(c, String(b.backend ?? ''));
        if (typeof b.count !== 'number' || b.count < 0)
          throw new HttpError(400, 'count must be a number >= 0');
        be.pendingWal = b.count;
        c.record(`control: ${be.pendingWal} group-commit WALs pending on backend ${be.id}`, 'control');
        return this.send(res, 200, summarizeCluster(c));
      }
      case 'POST /decommission': {
        const c = cluster();
        const be = backendOf(c, String(b.backend ?? ''));
        if (b.rate === null || b.rate === undefined) delete be.decommissionRate;
        else if (typeof b.rate === 'number' && b.rate >= 0) be.decommissionRate = b.rate;
        else throw new HttpError(400, 'rate must be a number >= 0, or null for the default');
        c.record(
          `control: decommission rate of backend ${be.id} set to ${be.decommissionRate ?? 'default'}`,
          'control',
        );
        return this.send(res, 200, summarizeCluster(c));
      }
      case 'POST /backups/fail': {
        const c = cluster();
        if (typeof b.count !== 'number' || b.count < 0)
          throw new HttpError(400, 'count must be a number >= 0');
        c.failNextBackups = b.count;
        return this.send(res, 200, summarizeCluster(c));
      }
      case 'POST /members/crashloop': {
        if (typeof b.member !== 'string' || typeof b.on !== 'boolean')
          throw new HttpError(400, 'member (ns/pod) and on (true or false) are required');
        if (b.on) sim.crashLooping.add(b.member);
        else sim.crashLooping.delete(b.member);
        return this.send(res, 200, { crashLooping: [...sim.crashLooping] });
      }
      case 'POST /members/replay': {
        if (typeof b.member !== 'string' || typeof b.ms !== 'number')
          throw new HttpError(400, 'member (ns/pod) and ms (the metadata replay time) are required');
        if (b.ms > 0) sim.replayMs.set(b.member, b.ms);
        else sim.replayMs.delete(b.member);
        return this.send(res, 200, { replayMs: Object.fromEntries(sim.replayMs) });
      }
      case 'POST /statements/stall': {
        if (typeof b.pattern !== 'string' || typeof b.ms !== 'number')
          throw new HttpError(400, 'pattern (a regular expression) and ms are required');
        sim.stallReplies(
          b.pattern,
          b.ms,
          typeof b.count === 'number' ? b.count : 1,
          typeof b.cluster === 'string' ? b.cluster : undefined,
        );
        return this.send(res, 200, {});
      }
      case 'POST /timing':
        sim.timing = { ...sim.timing, ...(b as object) };
        return this.send(res, 200, sim.timing);
      default:
        throw new HttpError(404, `no route ${route}`);
    }
  }
}
