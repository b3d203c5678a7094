/**
 * Group-commit WALs still pending on backends, from the FE's HTTP API
 * (`GET /api/get_wal_size?host_ports=h:9050,...`, httpv2/rest/CheckWalSizeAction.java, 2.1 and
 * 3.0): Doris' own drop of a decommissioned backend waits for none to be left, and so must a DROPP
 * by the operator, or acknowledged loads still in a WAL are lost.
 */
import type { DorisEndpoint } from './client.ts';

/** WALs by `host:heartbeatPort`; `unsupported` when the FE has no such API (no group commit). */
export type WalCounts = ReadonlyMap<string, number> | 'unsupported';

export async function pendingWals(
  ep: DorisEndpoint,
  hostPorts: readonly string[],
  timeoutMs: number,
): Promise<WalCounts> {
  const url = `http://${ep.host}:${ep.port ?? 8030}/api/get_wal_size?host_ports=${encodeURIComponent(hostPorts.join(','))}`;
  const res = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${ep.user}:${ep.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status === 404) return 'unsupported';
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /api/get_wal_size: HTTP ${res.status}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { code?: number; msg?: string; data?: unknown };
  if (body.code !== 0 || !Array.isArray(body.data))
    throw new Error(`GET /api/get_wal_size: ${body.msg ?? text.slice(0, 200)}`);
  const counts = new Map<string, number>();
  for (const entry of body.data) {
    const s = String(entry);
    const at = s.lastIndexOf(':');
    const n = Number(s.slice(at + 1));
    if (at < 0 || !Number.isInteger(n)) throw new Error(`GET /api/get_wal_size: unexpected entry ${s}`);
    counts.set(s.slice(0, at), n);
  }
  return counts;
}
