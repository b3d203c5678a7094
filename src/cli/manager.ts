/** `doris-operator manager`: the doris-controller-manager process. */
import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import { createLogger } from '../runtime/log.ts';
import type { Manager } from '../runtime/manager.ts';
import { detectClusterDomain } from './cluster-domain.ts';
import { loadClient } from './kubeconfig.ts';
import { serverOptions } from './options.ts';

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`want a positive number of seconds, got "${v}"`);
  return n * 1000;
};
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`want a positive integer, got "${v}"`);
  return n;
};

export function managerCommand(): Command {
  const command = new Command('manager')
    .description('run the doris-controller-manager: reconcile Doris custom resources')
    .addOption(
      new Option('--kubeconfig <path>', 'kubeconfig file; in-cluster config when omitted').env('KUBECONFIG'),
    )
    .addOption(
      new Option('--namespaces <list>', 'comma-separated namespaces to watch; all when empty')
        .env('WATCH_NAMESPACES')
        .default(''),
    )
    .addOption(
      new Option(
        '--label-selector <selector>',
        'reconcile only custom resources matching this label selector (sharding)',
      )
        .env('DORIS_OPERATOR_LABEL_SELECTOR')
        .default(''),
    )
    .addOption(new Option('--no-leader-elect', 'run without leader election (only with a single replica)'))
    .addOption(
      new Option('--no-failover', 'never replace failed members, whatever spec.<component>.failover says'),
    )
    .addOption(
      new Option('--leader-election-namespace <ns>', 'namespace of the leader lease')
        .env('POD_NAMESPACE')
        .default('doris-system'),
    )
    .addOption(
      new Option('--leader-election-id <name>', 'name of the leader lease')
        .env('LEADER_ELECTION_ID')
        .default('doris-operator-leader'),
    )
    .addOption(
      new Option('--lease-duration <seconds>', 'leader lease duration')
        .argParser(seconds)
        .default(15_000, '15'),
    )
    .addOption(
      new Option('--renew-deadline <seconds>', 'leader renew deadline')
        .argParser(seconds)
        .default(10_000, '10'),
    )
    .addOption(
      new Option('--retry-period <seconds>', 'leader election retry period')
        .argParser(seconds)
        .default(2_000, '2'),
    )
    .addOption(
      new Option(
        '--cluster-domain <domain>',
        "DNS domain of the cluster, in the names members register under; from the pod's resolver when omitted",
      ).env('DORIS_CLUSTER_DOMAIN'),
    )
    .addOption(
      new Option(
        '--concurrency <n>',
        'clusters reconciled at once per controller (a pass mostly waits on the API server and Doris, so workers are cheap; an FE that does not answer holds one)',
      )
        .argParser(positiveInt)
        .env('CONCURRENCY')
        .default(16),
    )
    .action(async (o) => {
      const logger = createLogger(o.logLevel);
      const client = await loadClient(o.kubeconfig);
      // Loaded here, not at the top: the webhook process (same binary) never loads the controllers.
      const { Manager } = await import('../runtime/manager.ts');
      const { controllers } = await import('../controllers.ts');
      const identity = process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
      const manager = new Manager({
        client,
        logger,
        identity,
        namespaces: String(o.namespaces)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        labelSelector: o.labelSelector || undefined,
        leaderElection: o.leaderElect
          ? {
              namespace: o.leaderElectionNamespace,
              name: o.leaderElectionId,
              leaseDurationMs: o.leaseDuration,
              renewDeadlineMs: o.renewDeadline,
              retryPeriodMs: o.retryPeriod,
            }
          : undefined,
        metricsAddress: o.metricsBindAddress,
        probeAddress: o.healthProbeBindAddress,
        concurrency: o.concurrency,
        clusterDomain: o.clusterDomain || detectClusterDomain(),
        failover: o.failover,
      });
      for (const setup of controllers) setup(manager);
      await runUntilSignal(manager, logger);
    });
  for (const option of serverOptions()) command.addOption(option);
  return command;
}

/** Runs until SIGTERM/SIGINT (graceful stop, exit 0) or lost leadership (exit 1, to be restarted). */
export async function runUntilSignal(
  manager: Manager,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  await manager.start();
  logger.info('manager started');
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    void manager.lost.then(() => resolve('leadership lost'));
  });
  logger.info({ reason }, 'stopping');
  await manager.stop();
  process.exit(reason === 'leadership lost' ? 1 : 0);
}
