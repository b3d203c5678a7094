/** Options every long-running command shares: where metrics and probes are served, and the log level. */
import { Option } from 'commander';

export function serverOptions(): Option[] {
  return [
    new Option('--metrics-bind-address <addr>', 'host:port for /metrics; 0 disables')
      .env('METRICS_BIND_ADDRESS')
      .default(':8080'),
    new Option('--health-probe-bind-address <addr>', 'host:port for /healthz and /readyz; 0 disables')
      .env('HEALTH_PROBE_BIND_ADDRESS')
      .default(':8081'),
    new Option('--log-level <level>', 'log level')
      .choices(['debug', 'info', 'warn', 'error'])
      .env('LOG_LEVEL')
      .default('info'),
  ];
}
