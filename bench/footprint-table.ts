/**
 * The footprint figures as the README's table, beside the official Go operator's (measured once
 * on the same control plane and simulator, 2-core machine, medians of 3 runs; it cannot be built
 * here) and the targets.
 */
import type { Heap, Idle, ManyClusters, OneCluster } from './footprint.ts';

export const officialFigures = {
  allChildrenMs: 89,
  statefulSetsMs: 89,
  membersAliveMs: 2581,
  idleRssMiB: 50,
  oneClusterRssMiB: 54,
  convergenceCpuS: 0.05,
  restCpuS: 0.02,
  hundred: {
    membersAliveS: 41.1,
    rssMiB: 75,
    restPerMinute: '1,200 API writes (its status loop)',
    restCpuS: 3.7,
  },
};

const heapText = (h: Heap) => `heap ${h.usedMiB} / ${h.totalMiB}`;

const perMinute = (n: number, seconds: number) => Math.round((n * 60) / seconds);

function restText(r: Idle['rest']): string {
  const writesTo = Object.entries(r.requests?.writesTo ?? {})
    .map(([k, v]) => `${perMinute(v, r.seconds)} ${k}`)
    .join(', ');
  const api = r.requests
    ? `${perMinute(r.requests.reads, r.seconds)} API reads, ${perMinute(r.requests.writes, r.seconds)} writes${writesTo ? ` (${writesTo})` : ''}`
    : 'API not audited';
  return `${api}; ${perMinute(r.dorisStatements, r.seconds)} Doris statements on ${perMinute(r.dorisConnections, r.seconds)} new connections; CPU ${Math.round((r.cpuS * 60 * 100) / r.seconds) / 100} s`;
}

export function footprintTable(f: { idle: Idle; one: OneCluster; many: ManyClusters }): string {
  const o = officialFigures;
  const rows: [string, string, string, string][] = [
    [
      'all child objects created after apply',
      `${f.one.allChildrenMs} ms`,
      `${o.allChildrenMs} ms`,
      '≤ 300 ms',
    ],
    ['both StatefulSets created', `${f.one.statefulSetsMs} ms`, `${o.statefulSetsMs} ms`, ''],
    ['all members alive in Doris', `${f.one.membersAliveMs} ms`, `${o.membersAliveMs} ms`, ''],
    [
      'RSS before any cluster (anonymous; V8 heap used / committed)',
      `${f.idle.rssMiB} MiB (${f.idle.anonMiB} anon; ${heapText(f.idle.heap)})`,
      `${o.idleRssMiB} MiB`,
      '≤ 80 MiB',
    ],
    [
      'RSS after one cluster converged',
      `${f.one.rssMiB} MiB (${f.one.anonMiB} anon; ${heapText(f.one.heap)})`,
      `${o.oneClusterRssMiB} MiB`,
      '≤ 90 MiB',
    ],
    ['CPU during convergence', `${f.one.convergenceCpuS} s`, `${o.convergenceCpuS} s`, ''],
    [
      'at rest, one cluster, per minute',
      restText(f.one.rest),
      `0 API requests, 0 statements; CPU ${o.restCpuS} s`,
      'CPU ≤ 0.05 s',
    ],
    [
      'status after a BE died / came back',
      `${f.one.statusFollowsDoris.beDiedMs} / ${f.one.statusFollowsDoris.beBackMs} ms`,
      '',
      '≤ 2 s',
    ],
  ];
  const m = f.many;
  const lines = [
    '| measure | ours | official | target |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `| N (1 FE / 1 BE each, ${m.cutOff} FEs never answering) | members alive (ours / official) | healthy clusters Ready | RSS ours / official | at rest, per minute (ours / official) |`,
    '|---:|---|---|---|---|',
    `| ${m.clusters} | ${m.membersAliveS} s / ${o.hundred.membersAliveS} s | ${m.readyS} s (target < 120 s) | ${m.rssMiB} MiB (${m.anonMiB} anon; ${heapText(m.heap)}) / ${o.hundred.rssMiB} MiB (target ≤ 120) | ${restText(m.rest)} / ${o.hundred.restPerMinute}, CPU ${o.hundred.restCpuS} s (target ≤ 1 s) |`,
  ];
  return lines.join('\n');
}
