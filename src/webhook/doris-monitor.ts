/**
 * DorisMonitor admission: every problem tied to its field. Beyond the schema: a retention size
 * larger than the claim, a mode changed after creation, fields the chosen mode ignores (warned),
 * and clusters or Secrets not there yet (warned: the monitor picks them up when they appear).
 */
import { dorisClusterKind, dorisMonitorKind, monitorSpecSchema } from '../api/v1alpha1/index.ts';
import { compareQuantities } from '../kube/quantity.ts';
import { builtin, objectPath } from '../kube/resources.ts';
import { isNotFound, type RestClient } from '../kube/rest.ts';
import { stableJson } from '../runtime/apply.ts';
import type { AdmissionInput, KindAdmission } from './kinds.ts';
import { at, Collector, type Findings } from './problem.ts';

type Json = Record<string, unknown>;

const defaults = monitorSpecSchema.parse({ clusterRefs: [{ name: 'any' }] });

export interface MonitorFacts {
  /** namespace/name of each referenced cluster that does not exist. */
  readonly missingClusters: readonly string[];
  /** Secrets named that do not exist. */
  readonly missingSecrets: readonly string[];
}

export function validateDorisMonitor(input: AdmissionInput, facts: MonitorFacts): Findings {
  const c = new Collector();
  const raw = (input.object as Json | undefined)?.spec as Json | undefined;
  const parsed = monitorSpecSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.reduce<string>((acc, k) => at(acc, typeof k === 'number' ? k : String(k)), 'spec');
      c.problem(path, undefined, i.message);
    }
    return c.findings();
  }
  const spec = parsed.data;
  const oldMode = ((input.oldObject as Json | undefined)?.spec as Json | undefined)?.mode ?? 'Managed';
  if (input.operation === 'UPDATE' && oldMode !== spec.mode)
    c.problem(
      'spec.mode',
      spec.mode,
      `cannot change from ${oldMode}: delete the monitor and create it again`,
    );
  const p = spec.prometheus;
  if (p.retentionSize !== undefined && compareQuantities(p.retentionSize, p.storage.size) > 0)
    c.problem(
      'spec.prometheus.retentionSize',
      p.retentionSize,
      `must not exceed spec.prometheus.storage.size (${p.storage.size}): Prometheus would fill its volume`,
    );
  const seen = new Set<string>();
  for (const [i, ref] of spec.clusterRefs.entries()) {
    const key = `${ref.namespace ?? input.namespace}/${ref.name}`;
    if (seen.has(key))
      c.problem(`${at('spec.clusterRefs', i)}.name`, ref.name, `cluster ${key} is listed twice`);
    seen.add(key);
    if (ref.namespace !== undefined && ref.namespace !== input.namespace)
      c.warn(
        `${at('spec.clusterRefs', i)}.namespace`,
        `cluster in namespace ${ref.namespace}: the operator must watch it; Prometheus gets a RoleBinding there to find its pods`,
      );
    if (facts.missingClusters.includes(key))
      c.warn(
        `${at('spec.clusterRefs', i)}.name`,
        `DorisCluster ${key} does not exist yet: it is monitored once it does`,
      );
  }
  // The API server fills in defaults before admission: a part is "set" when it differs from them.
  const set = (field: 'grafana' | 'loki' | 'prometheusOperator') =>
    stableJson(spec[field]) !== stableJson(defaults[field]);
  if (spec.mode === 'PrometheusOperator')
    for (const field of ['grafana', 'loki'] as const)
      if (set(field))
        c.warn(`spec.${field}`, 'ignored in mode PrometheusOperator: the operator deploys nothing');
  if (spec.mode === 'Managed' && set('prometheusOperator'))
    c.warn('spec.prometheusOperator', 'ignored in mode Managed');
  for (const s of facts.missingSecrets)
    c.warn(
      s.startsWith('grafana') ? 'spec.grafana.adminSecretRef.name' : 'spec.prometheus.remoteWrite',
      `Secret ${s.split(':')[1]} does not exist yet`,
    );
  if (!spec.loki.enabled && spec.mode === 'Managed')
    c.warn('spec.loki.enabled', 'no Loki and no log collector: member logs stay in the pods only');
  return c.findings();
}

async function exists(client: RestClient, path: string): Promise<boolean | undefined> {
  try {
    await client.request({ method: 'GET', path });
    return true;
  } catch (err) {
    return isNotFound(err) ? false : undefined;
  }
}

async function factsFor(client: RestClient | undefined, input: AdmissionInput): Promise<MonitorFacts> {
  const spec = monitorSpecSchema.safeParse(
    ((input.object as Json | undefined)?.spec as Json | undefined) ?? {},
  );
  if (client === undefined || !spec.success) return { missingClusters: [], missingSecrets: [] };
  const missingClusters: string[] = [];
  for (const ref of spec.data.clusterRefs) {
    const ns = ref.namespace ?? input.namespace;
    if ((await exists(client, objectPath(dorisClusterKind.resource, ns, ref.name))) === false)
      missingClusters.push(`${ns}/${ref.name}`);
  }
  const missingSecrets: string[] = [];
  const secrets = [
    ...(spec.data.grafana.adminSecretRef ? [`grafana:${spec.data.grafana.adminSecretRef.name}`] : []),
    ...(spec.data.prometheus.remoteWrite ?? []).flatMap((w) =>
      w.bearerTokenSecretRef ? [`remote-write:${w.bearerTokenSecretRef.name}`] : [],
    ),
  ];
  for (const s of secrets)
    if ((await exists(client, objectPath(builtin.Secret, input.namespace, s.split(':')[1] ?? ''))) === false)
      missingSecrets.push(s);
  return { missingClusters, missingSecrets };
}

export function dorisMonitorAdmission(client?: RestClient): KindAdmission {
  return {
    resource: dorisMonitorKind.resource,
    default: (object) => structuredClone(object),
    async validate(input) {
      return validateDorisMonitor(input, await factsFor(client, input));
    },
  };
}
