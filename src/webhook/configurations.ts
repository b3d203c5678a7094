/**
 * The ValidatingWebhookConfiguration and MutatingWebhookConfiguration of this webhook, built from
 * the registered kinds, and kept in place: applied (server-side, under their own field manager)
 * when the webhook manages them, or only given the CA bundle when something else (Helm,
 * Kustomize) created them.
 *
 * Every webhook uses failurePolicy Fail (an unchecked DorisCluster is worse than a refused write:
 * the webhook runs two replicas so it is there), sideEffects None (dry-run requests are admitted
 * too), a timeout of at most 5 s, and only CREATE and UPDATE of the main resource, not of status,
 * so the controller's status writes never wait for it. Selectors scope one install to its tenants.
 */
import { builtin, objectPath } from '../kube/resources.ts';
import { contentTypes, isNotFound, type RestClient } from '../kube/rest.ts';
import { type KindAdmission, type Mode, routeOf, webhookNameOf } from './kinds.ts';
import type { LabelSelector } from './selector.ts';

export const FIELD_MANAGER = 'doris-admission-webhook';

export interface ConfigurationOptions {
  readonly validatingName: string;
  readonly mutatingName: string;
  /** In a cluster: the webhook's Service. */
  readonly service?: { readonly namespace: string; readonly name: string; readonly port: number };
  /** Outside one (local runs, tests): the base URL the API server calls, e.g. https://127.0.0.1:9443. */
  readonly url?: string;
  /** PEM CA bundle; omitted in cert-manager mode, where the CA injector writes it. */
  readonly caBundle?: string;
  /** cert-manager Certificate (`namespace/name`) whose CA the injector writes into caBundle. */
  readonly injectCaFrom?: string;
  readonly namespaceSelector?: LabelSelector;
  readonly objectSelector?: LabelSelector;
  /** @default 5 */
  readonly timeoutSeconds?: number;
}

type Json = Record<string, unknown>;

function webhook(mode: Mode, kind: KindAdmission, o: ConfigurationOptions): Json {
  const r = kind.resource;
  const path = routeOf(mode, r);
  const clientConfig: Json =
    o.url !== undefined
      ? { url: `${o.url.replace(/\/$/, '')}${path}` }
      : { service: { namespace: o.service!.namespace, name: o.service!.name, port: o.service!.port, path } };
  if (o.caBundle !== undefined) clientConfig.caBundle = Buffer.from(o.caBundle).toString('base64');
  return {
    name: webhookNameOf(mode, r),
    clientConfig,
    rules: [
      {
        apiGroups: [r.group],
        apiVersions: [r.version],
        operations: ['CREATE', 'UPDATE'],
        resources: [r.plural],
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
      },
    ],
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    timeoutSeconds: Math.min(5, o.timeoutSeconds ?? 5),
    namespaceSelector: o.namespaceSelector ?? {},
    objectSelector: o.objectSelector ?? {},
    ...(mode === 'mutate' ? { reinvocationPolicy: 'IfNeeded' } : {}),
  };
}

export function buildConfigurations(
  kinds: readonly KindAdmission[],
  o: ConfigurationOptions,
): { validating: Json; mutating: Json } {
  if (o.url === undefined && o.service === undefined)
    throw new Error('a webhook configuration needs a service or a url');
  const metadata = (name: string) => ({
    name,
    labels: {
      'app.kubernetes.io/name': 'doris-operator',
      'app.kubernetes.io/component': 'admission-webhook',
    },
    ...(o.injectCaFrom ? { annotations: { 'cert-manager.io/inject-ca-from': o.injectCaFrom } } : {}),
  });
  return {
    validating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: metadata(o.validatingName),
      webhooks: kinds.map((k) => webhook('validate', k, o)),
    },
    mutating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: metadata(o.mutatingName),
      webhooks: kinds.map((k) => webhook('mutate', k, o)),
    },
  };
}

/** Server-side applies both configurations (idempotent: replicas applying the same content agree). */
export async function applyConfigurations(
  client: RestClient,
  kinds: readonly KindAdmission[],
  o: ConfigurationOptions,
): Promise<void> {
  const { validating, mutating } = buildConfigurations(kinds, o);
  for (const [type, body] of [
    [builtin.ValidatingWebhookConfiguration, validating],
    [builtin.MutatingWebhookConfiguration, mutating],
  ] as const) {
    await client.request({
      method: 'PATCH',
      path: objectPath(type, undefined, (body.metadata as { name: string }).name),
      query: { fieldManager: FIELD_MANAGER, force: true },
      contentType: contentTypes.apply,
      body,
    });
  }
}

/**
 * Writes `caBundle` into every webhook of both configurations created by someone else, leaving
 * the rest as it is; configurations that do not exist yet are skipped (their creator sets it).
 */
export async function injectCaBundle(
  client: RestClient,
  o: ConfigurationOptions,
  pem: string,
): Promise<void> {
  const encoded = Buffer.from(pem).toString('base64');
  for (const [type, name] of [
    [builtin.ValidatingWebhookConfiguration, o.validatingName],
    [builtin.MutatingWebhookConfiguration, o.mutatingName],
  ] as const) {
    let live: { webhooks?: { clientConfig?: { caBundle?: string } }[] };
    try {
      live = await client.request({ method: 'GET', path: objectPath(type, undefined, name) });
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    const ops = (live.webhooks ?? []).flatMap((w, i) =>
      w.clientConfig?.caBundle === encoded
        ? []
        : [{ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: encoded }],
    );
    if (ops.length === 0) continue;
    await client.request({
      method: 'PATCH',
      path: objectPath(type, undefined, name),
      contentType: contentTypes.json,
      body: ops,
    });
  }
}
