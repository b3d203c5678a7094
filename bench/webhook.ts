/**
 * Admission webhook benchmark: N DorisCluster creates through the API server (server-side dry
 * runs, so nothing accumulates in etcd), each admitted by the mutating and the validating webhook.
 * Reports the webhook's own time per call (request received to response written), the API
 * server's view of each call (its admission webhook histogram), and the end-to-end request latency
 * with and without the webhooks in the path, sequentially and with concurrent clients.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { dorisClusterKind } from '../src/api/v1alpha1/doris-cluster.ts';
import { builtin, collectionPath, objectPath } from '../src/kube/resources.ts';
import { ApiError, type RestClient } from '../src/kube/rest.ts';
import { silentLogger } from '../src/runtime/log.ts';
import { WebhookApp } from '../src/webhook/app.ts';

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface WebhookBench {
  readonly admissions: number;
  /** Milliseconds inside the webhook, per call. */
  readonly webhook: { readonly mutate: Percentiles; readonly validate: Percentiles };
  /** Share of the API server's webhook calls it recorded at or under 5 ms and 25 ms (its bucket bounds). */
  readonly apiserverView: Record<
    string,
    { readonly calls: number; readonly le5ms: number; readonly le25ms: number }
  >;
  /** Milliseconds per create request as the client sees it. */
  readonly endToEnd: {
    readonly withWebhooks: Percentiles;
    readonly withoutWebhooks: Percentiles;
    readonly addedP50: number;
    readonly concurrent: Percentiles & { readonly clients: number; readonly perSecond: number };
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

export function percentiles(samples: readonly number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(s[s.length - 1] ?? 0) };
}

const cluster = (name: string) => ({
  apiVersion: dorisClusterKind.apiVersion,
  kind: 'DorisCluster',
  metadata: { name },
  spec: {
    version: '2.1.8',
    authSecretRef: { name: 'doris-auth' },
    fe: {
      replicas: 3,
      resources: { limits: { cpu: 4, memory: '16Gi' } },
      config: { qe_max_connection: '2048' },
    },
    be: { replicas: 3, resources: { limits: { cpu: 8, memory: '32Gi' } }, config: { mem_limit: '80%' } },
  },
});

async function createNamespace(
  client: RestClient,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
  });
}

/** Sequential dry-run creates; milliseconds each. */
async function timedCreates(client: RestClient, ns: string, n: number, prefix: string): Promise<number[]> {
  const path = collectionPath(dorisClusterKind.resource, ns);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.request({ method: 'POST', path, query: { dryRun: 'All' }, body: cluster(`${prefix}-${i}`) });
    out.push(performance.now() - t0);
  }
  return out;
}

/** The API server's webhook latency histogram: calls at or under 5 ms and 25 ms, per webhook. */
function apiserverView(metrics: string, names: readonly string[]): WebhookBench['apiserverView'] {
  const view: Record<string, { calls: number; le5ms: number; le25ms: number }> = {};
  for (const name of names) {
    const bucket = (le: string) =>
      [
        ...metrics.matchAll(
          /^apiserver_admission_webhook_admission_duration_seconds_bucket\{([^}]*)\} (\S+)$/gm,
        ),
      ]
        .filter((m) => m[1]!.includes(`name="${name}"`) && m[1]!.includes(`le="${le}"`))
        .reduce((sum, m) => sum + Number(m[2]), 0);
    const calls = bucket('+Inf');
    view[name] = {
      calls,
      le5ms: round(bucket('0.005') / (calls || 1)),
      le25ms: round(bucket('0.025') / (calls || 1)),
    };
  }
  return view;
}

export async function benchWebhook(
  client: RestClient,
  kubeconfigPath: string,
  n: number,
  clients = 8,
): Promise<WebhookBench> {
  const crds = resolve(import.meta.dirname, '../config/crd/bases');
  const apply = spawnSync(
    'kubectl',
    [`--kubeconfig=${kubeconfigPath}`, 'apply', '--server-side', '--force-conflicts', '-f', crds],
    { encoding: 'utf8' },
  );
  if (apply.status !== 0) throw new Error(`installing the CRDs failed: ${apply.stderr}`);
  spawnSync('kubectl', [
    `--kubeconfig=${kubeconfigPath}`,
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    `crd/${dorisClusterKind.crd().metadata.name}`,
  ]);

  const id = Date.now().toString(36);
  const scope = { 'doris-webhook-bench': id };
  const hooked = `bench-webhook-${id}`;
  const plain = `bench-plain-${id}`;
  const certs = `bench-certs-${id}`;
  for (const [ns, labels] of [
    [hooked, scope],
    [plain, {}],
    [certs, {}],
  ] as const)
    await createNamespace(client, ns, labels);
  await client.request({
    method: 'POST',
    path: collectionPath(builtin.Secret, hooked),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'doris-auth' },
      type: 'kubernetes.io/basic-auth',
      stringData: { username: 'admin', password: 'bench-only' },
    },
  });
  const names = { validatingName: `bench-validating-${id}`, mutatingName: `bench-mutating-${id}` };
  const app = new WebhookApp({
    client,
    logger: silentLogger,
    listenAddress: '127.0.0.1:0',
    certificates: {
      mode: 'self-signed',
      namespace: certs,
      secretName: 'certs',
      caValidityMs: 365 * 86_400_000,
      servingValidityMs: 30 * 86_400_000,
      caOverlapMs: 600_000,
      checkIntervalMs: 60_000,
    },
    configurations: {
      manage: true,
      ...names,
      url: 'https://127.0.0.1:0',
      namespaceSelector: { matchLabels: scope },
    },
    // The auth Secret the clusters name is looked up (and cached while it exists), as in production.
    checkReferences: true,
  });
  const samples: Record<'mutate' | 'validate', number[]> = { mutate: [], validate: [] };
  const observe = app.metrics.latency.observe.bind(app.metrics.latency);
  app.metrics.latency.observe = ((labels: { verdict?: string }, value: number) => {
    const mode = labels.verdict === 'patched' || labels.verdict === 'unchanged' ? 'mutate' : 'validate';
    samples[mode].push(value * 1000);
    observe(labels as never, value);
  }) as typeof app.metrics.latency.observe;
  await app.start();
  try {
    // Wait until the API server calls the webhooks, then warm up (TLS sessions, JIT).
    const path = collectionPath(dorisClusterKind.resource, hooked);
    for (let i = 0; ; i++) {
      const bad = {
        ...cluster(`probe-${i}`),
        spec: { ...cluster('x').spec, be: { image: 'apache/doris:fe-2.1.8' } },
      };
      const err = await client
        .request({ method: 'POST', path, query: { dryRun: 'All' }, body: bad })
        .catch((e: unknown) => e);
      if (err instanceof ApiError && err.message.includes('is a FE image')) break;
      if (i > 300) throw new Error('the API server never called the webhook');
      await new Promise((r) => setTimeout(r, 100));
    }
    await timedCreates(client, hooked, 100, 'warm');
    await timedCreates(client, plain, 100, 'warm');
    samples.mutate.length = 0;
    samples.validate.length = 0;
    const before = String(await client.request({ method: 'GET', path: '/metrics' }));

    const withWebhooks = await timedCreates(client, hooked, n, 'seq');
    const webhook = { mutate: percentiles(samples.mutate), validate: percentiles(samples.validate) };
    const after = String(await client.request({ method: 'GET', path: '/metrics' }));
    const withoutWebhooks = await timedCreates(client, plain, n, 'plain');

    const started = performance.now();
    const perClient = Math.ceil(n / clients);
    const concurrent = (
      await Promise.all(
        Array.from({ length: clients }, (_, c) => timedCreates(client, hooked, perClient, `par-${c}`)),
      )
    ).flat();
    const seconds = (performance.now() - started) / 1000;

    const webhookNames = [
      'default.dorisclusters.doris.cloudnative.dev',
      'validate.dorisclusters.doris.cloudnative.dev',
    ];
    const viewBefore = apiserverView(before, webhookNames);
    const viewAfter = apiserverView(after, webhookNames);
    const view = Object.fromEntries(
      webhookNames.map((w) => {
        const a = viewAfter[w]!;
        const b = viewBefore[w]!;
        const calls = a.calls - b.calls;
        const le = (x: number, y: number) => round((x * a.calls - y * b.calls) / (calls || 1));
        return [w, { calls, le5ms: le(a.le5ms, b.le5ms), le25ms: le(a.le25ms, b.le25ms) }];
      }),
    );
    const w = percentiles(withWebhooks);
    const p = percentiles(withoutWebhooks);
    return {
      admissions: n,
      webhook,
      apiserverView: view,
      endToEnd: {
        withWebhooks: w,
        withoutWebhooks: p,
        addedP50: round(w.p50 - p.p50),
        concurrent: {
          ...percentiles(concurrent),
          clients,
          perSecond: Math.round(concurrent.length / seconds),
        },
      },
    };
  } finally {
    await app.stop();
    for (const [type, name] of [
      [builtin.ValidatingWebhookConfiguration, names.validatingName],
      [builtin.MutatingWebhookConfiguration, names.mutatingName],
    ] as const) {
      await client.request({ method: 'DELETE', path: objectPath(type, undefined, name) }).catch(() => {});
    }
    for (const ns of [hooked, plain, certs]) {
      await client
        .request({ method: 'DELETE', path: objectPath(builtin.Namespace, undefined, ns) })
        .catch(() => {});
    }
  }
}
