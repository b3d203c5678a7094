/** Reads the active scrape targets of a Prometheus (`GET /api/v1/targets?state=active`). */

export interface ScrapeTarget {
  readonly job: string;
  readonly namespace: string;
  readonly pod: string;
  readonly health: 'up' | 'down' | 'unknown';
}
export type ScrapeTargets = readonly ScrapeTarget[];

interface TargetsResponse {
  status: string;
  data?: {
    activeTargets?: { labels?: Record<string, string>; health?: string }[];
  };
}

export async function readTargets(baseUrl: string, timeoutMs = 5000): Promise<ScrapeTargets> {
  const res = await fetch(`${baseUrl}/api/v1/targets?state=active`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`Prometheus answered ${res.status} for its targets`);
  const body = (await res.json()) as TargetsResponse;
  if (body.status !== 'success') throw new Error(`Prometheus targets: status ${body.status}`);
  return (body.data?.activeTargets ?? []).map((t) => ({
    job: t.labels?.job ?? '',
    namespace: t.labels?.namespace ?? '',
    pod: t.labels?.pod ?? t.labels?.instance ?? '',
    health: t.health === 'up' || t.health === 'down' ? t.health : 'unknown',
  }));
}
