/**
 * Prometheus 3 and promtool for tests, built with only the Kubernetes discovery from Prometheus' Go
 * module (hack/prometheus.sh, cached). test/monitor/support.ts runs it as a DorisMonitor's
 * Prometheus; rules.test.ts runs promtool.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');
let binDir: string | undefined;

export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  binDir ??= execFileSync('bash', [join(repoRoot, 'hack/prometheus.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  return join(binDir, name);
}
