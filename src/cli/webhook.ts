/** `doris-operator webhook`: the doris-admission-webhook process (two replicas, no leader election). */
import { Command, Option } from 'commander';
import { createLogger } from '../runtime/log.ts';
import { loadClient } from './kubeconfig.ts';
import { serverOptions } from './options.ts';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `10m`, `2160h`, `365d` as milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  if (m === null) throw new Error(`want a duration such as 30s, 10m, 2160h or 365d, got "${v}"`);
  return Number(m[1]) * units[m[2]!]!;
}

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`want a port number, got "${v}"`);
  return n;
};

/** An option with an environment variable; commander does not run argParser on defaults, so `parse` does. */
const env = (name: string, description: string, fallback?: string, parse?: (v: string) => unknown) => {
  const o = new Option(name, description).env(flagEnv(name));
  if (parse !== undefined) o.argParser(parse);
  return fallback === undefined ? o : o.default(parse ? parse(fallback) : fallback, fallback);
};
const flagEnv = (flag: string) =>
  `WEBHOOK_${flag
    .replace(/^--(webhook-)?/, '')
    .split(' ')[0]!
    .replace(/-/g, '_')
    .toUpperCase()}`;

export function webhookCommand(): Command {
  const command = new Command('webhook')
    .description(
      'run the doris-admission-webhook: defaulting and validation of Doris custom resources over HTTPS',
    )
    .addOption(
      new Option('--kubeconfig <path>', 'kubeconfig file; in-cluster config when omitted').env('KUBECONFIG'),
    )
    .addOption(env('--listen-address <addr>', 'host:port of the HTTPS admission server', ':9443'))
    .addOption(
      new Option(
        '--cert-mode <mode>',
        'self-signed: own CA in a Secret, rotated; cert-manager: mounted certificate',
      )
        .choices(['self-signed', 'cert-manager'])
        .env('WEBHOOK_CERT_MODE')
        .default('self-signed'),
    )
    .addOption(
      env(
        '--cert-dir <dir>',
        'cert-manager mode: directory with tls.crt and tls.key',
        '/tmp/k8s-webhook-server/serving-certs',
      ),
    )
    .addOption(
      env(
        '--cert-manager-certificate <ns/name>',
        'cert-manager mode: Certificate whose CA is injected into caBundle',
      ),
    )
    .addOption(
      env(
        '--secret-name <name>',
        'self-signed mode: Secret holding the CA and serving certificate',
        'doris-admission-webhook-certs',
      ),
    )
    .addOption(
      new Option('--secret-namespace <ns>', 'namespace of that Secret')
        .env('POD_NAMESPACE')
        .default('doris-system'),
    )
    .addOption(
      env('--service-name <name>', 'Service in front of the webhook pods', 'doris-admission-webhook'),
    )
    .addOption(
      new Option('--service-namespace <ns>', 'namespace of that Service')
        .env('POD_NAMESPACE')
        .default('doris-system'),
    )
    .addOption(env('--service-port <port>', 'port of that Service', '443', port))
    .addOption(
      env('--webhook-url <url>', 'call the webhook at this base URL instead of the Service (local runs)'),
    )
    .addOption(
      env(
        '--validating-webhook-configuration <name>',
        'name of the ValidatingWebhookConfiguration',
        'doris-operator-validating',
      ),
    )
    .addOption(
      env(
        '--mutating-webhook-configuration <name>',
        'name of the MutatingWebhookConfiguration',
        'doris-operator-mutating',
      ),
    )
    .addOption(
      new Option(
        '--no-manage-webhook-configurations',
        'only inject caBundle into configurations created by Helm or Kustomize',
      ),
    )
    .addOption(
      env(
        '--namespace-selector <selector>',
        'admit objects only in namespaces matching this label selector',
        '',
      ),
    )
    .addOption(env('--object-selector <selector>', 'admit only objects matching this label selector', ''))
    .addOption(
      env('--timeout-seconds <n>', 'API server timeout for each call (at most 5)', '5', (v) =>
        Math.min(5, port(v)),
      ),
    )
    .addOption(env('--ca-validity <duration>', 'self-signed mode: CA lifetime', '87600h', parseDuration))
    .addOption(
      env(
        '--cert-validity <duration>',
        'self-signed mode: serving certificate lifetime',
        '2160h',
        parseDuration,
      ),
    )
    .addOption(
      env(
        '--ca-overlap <duration>',
        'time between trusting a new CA and serving a certificate it signed',
        '10m',
        parseDuration,
      ),
    )
    .addOption(
      env('--cert-check-interval <duration>', 'how often the certificates are checked', '1m', parseDuration),
    )
    .addOption(
      env(
        '--cluster-domain <domain>',
        'DNS domain of the cluster, for derived member names',
        'cluster.local',
      ),
    )
    .addOption(new Option('--no-check-references', 'do not look up referenced Secrets and StorageClasses'))
    .addOption(
      env(
        '--shutdown-delay <duration>',
        'keep serving this long after SIGTERM, while endpoints drop the pod',
        '5s',
        parseDuration,
      ),
    )
    .action(async (o) => {
      const logger = createLogger(o.logLevel).child({ component: 'doris-admission-webhook' });
      const client = await loadClient(o.kubeconfig);
      // Loaded here, not at the top: the manager process (same binary) never loads the webhook.
      const { WebhookApp } = await import('../webhook/app.ts');
      const { parseSelector } = await import('../webhook/selector.ts');
      const app = new WebhookApp({
        client,
        logger,
        listenAddress: o.listenAddress,
        certificates:
          o.certMode === 'cert-manager'
            ? { mode: 'cert-manager', dir: o.certDir }
            : {
                mode: 'self-signed',
                namespace: o.secretNamespace,
                secretName: o.secretName,
                caValidityMs: o.caValidity,
                servingValidityMs: o.certValidity,
                caOverlapMs: o.caOverlap,
                checkIntervalMs: o.certCheckInterval,
              },
        configurations: {
          manage: o.manageWebhookConfigurations,
          validatingName: o.validatingWebhookConfiguration,
          mutatingName: o.mutatingWebhookConfiguration,
          ...(o.webhookUrl
            ? { url: o.webhookUrl }
            : { service: { namespace: o.serviceNamespace, name: o.serviceName, port: o.servicePort } }),
          injectCaFrom: o.certMode === 'cert-manager' ? o.certManagerCertificate : undefined,
          namespaceSelector: parseSelector(o.namespaceSelector),
          objectSelector: parseSelector(o.objectSelector),
          timeoutSeconds: o.timeoutSeconds,
        },
        metricsAddress: o.metricsBindAddress,
        probeAddress: o.healthProbeBindAddress,
        shutdownDelayMs: o.shutdownDelay,
        clusterDomain: o.clusterDomain,
        checkReferences: o.checkReferences,
      });
      await app.start();
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      logger.info({ signal }, 'stopping: finishing admissions in flight');
      await app.stop();
      client.close();
      process.exit(0);
    });
  for (const option of serverOptions()) command.addOption(option);
  return command;
}
