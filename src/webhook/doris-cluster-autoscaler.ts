/**
 * DorisClusterAutoscaler admission: every problem tied to its field. Beyond the schema it checks
 * what the CRD cannot: the cron expressions and time zones of the schedules, a cluster that has no
 * compute nodes to scale, and a second autoscaler for one cluster (two would fight over
 * spec.cn.replicas).
 */
import {
  autoscalerSpecSchema,
  type DorisCluster,
  dorisClusterAutoscalerKind,
  dorisClusterKind,
  targetOf,
} from '../api/v1alpha1/index.ts';
import { cronProblem } from '../autoscaler/schedules.ts';
import { collectionPath, objectPath } from '../kube/resources.ts';
import { isNotFound, type RestClient } from '../kube/rest.ts';
import type { KubeObject } from '../runtime/object.ts';
import type { AdmissionInput, KindAdmission } from './kinds.ts';
import { at, Collector, type Findings } from './problem.ts';

type Json = Record<string, unknown>;

/** What the webhook looks up: the cluster named (undefined when absent) and the namespace's autoscalers. */
export interface AutoscalerFacts {
  readonly cluster?: DorisCluster | 'unknown';
  readonly others: readonly KubeObject[];
}

export function validateDorisClusterAutoscaler(input: AdmissionInput, facts: AutoscalerFacts): Findings {
  const c = new Collector();
  const raw = (input.object as Json | undefined)?.spec as Json | undefined;
  // Targets first: the schema alone would only say a CEL rule failed.
  for (const [i, m] of (Array.isArray(raw?.metrics) ? raw.metrics : []).entries()) {
    const type = (m as Json | undefined)?.type as keyof typeof targetOf | undefined;
    const wanted = type === undefined ? undefined : targetOf[type];
    if (wanted === undefined) continue;
    const given = ['averageUtilization', 'averageValue', 'value'].filter((k) => (m as Json)[k] !== undefined);
    if (given.length !== 1 || given[0] !== wanted)
      c.problem(
        `${at('spec.metrics', i)}.${wanted}`,
        given.join(', ') || undefined,
        `metric ${type} needs exactly one target, ${wanted}${wanted === 'averageUtilization' ? ' (percent, 1 to 100)' : wanted === 'value' ? ' (milliseconds)' : ' (per compute node)'}`,
      );
  }
  const parsed = autoscalerSpecSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.reduce<string>((acc, k) => at(acc, typeof k === 'number' ? k : String(k)), 'spec');
      if (!c.problems.some((p) => path.startsWith(p.path))) c.problem(path, undefined, i.message);
    }
    return c.findings();
  }
  const spec = parsed.data;
  if (spec.minReplicas > spec.maxReplicas)
    c.problem('spec.minReplicas', spec.minReplicas, `must not exceed maxReplicas (${spec.maxReplicas})`);
  for (const [i, s] of spec.schedules.entries()) {
    const path = at('spec.schedules', i);
    for (const field of ['start', 'end'] as const) {
      const problem = cronProblem(s[field], s.timeZone);
      if (problem !== undefined)
        c.problem(
          problem.startsWith('unknown time zone') ? `${path}.timeZone` : `${path}.${field}`,
          undefined,
          problem,
        );
    }
    if (s.minReplicas !== undefined && s.minReplicas > spec.maxReplicas)
      c.warn(`${path}.minReplicas`, `above maxReplicas: the window holds ${spec.maxReplicas} compute nodes`);
  }
  if (spec.storage?.be !== undefined && spec.storage.be.usedPercent >= 90)
    c.warn(
      'spec.storage.be.usedPercent',
      'at 90 % and above Doris refuses loads on a directory (storage_flood_stage_usage_percent, default 90): growth would come too late',
    );
  if (spec.metricsSource.type === 'Direct' && spec.metricsSource.prometheus !== undefined)
    c.warn('spec.metricsSource.prometheus', 'ignored: metricsSource.type is Direct');
  if (facts.cluster !== 'unknown') {
    if (facts.cluster === undefined)
      c.warn(
        'spec.clusterRef.name',
        `DorisCluster ${spec.clusterRef.name} does not exist yet: nothing is scaled until it does`,
      );
    else if (facts.cluster.spec?.cn === undefined)
      c.problem(
        'spec.clusterRef.name',
        spec.clusterRef.name,
        `DorisCluster ${spec.clusterRef.name} has no compute nodes (spec.cn): only compute nodes are autoscaled`,
      );
  }
  const name = (input.object as KubeObject).metadata?.name;
  const first = facts.others.find(
    (o) =>
      o.metadata.name !== name &&
      o.metadata.deletionTimestamp === undefined &&
      o.spec?.clusterRef?.name === spec.clusterRef.name,
  );
  if (first !== undefined)
    c.problem(
      'spec.clusterRef.name',
      spec.clusterRef.name,
      `DorisClusterAutoscaler ${first.metadata.name} already scales cluster ${spec.clusterRef.name}: one autoscaler per cluster`,
    );
  return c.findings();
}

async function factsFor(client: RestClient | undefined, input: AdmissionInput): Promise<AutoscalerFacts> {
  if (client === undefined) return { cluster: 'unknown', others: [] };
  const name = ((input.object as Json | undefined)?.spec as Json | undefined)?.clusterRef as Json | undefined;
  let cluster: DorisCluster | 'unknown' | undefined = 'unknown';
  if (typeof name?.name === 'string') {
    try {
      cluster = await client.request<DorisCluster>({
        method: 'GET',
        path: objectPath(dorisClusterKind.resource, input.namespace, name.name),
      });
    } catch (err) {
      cluster = isNotFound(err) ? undefined : 'unknown';
    }
  }
  let others: KubeObject[] = [];
  try {
    others = (
      await client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: collectionPath(dorisClusterAutoscalerKind.resource, input.namespace),
      })
    ).items;
  } catch {
    // Not allowed or unreachable: the one-per-cluster rule is then the controller's to report.
  }
  return { cluster, others };
}

export function dorisClusterAutoscalerAdmission(client?: RestClient): KindAdmission {
  return {
    resource: dorisClusterAutoscalerKind.resource,
    default: (object) => structuredClone(object),
    async validate(input) {
      return validateDorisClusterAutoscaler(input, await factsFor(client, input));
    },
  };
}
