/**
 * All validation of a DorisCluster, collected (every problem is reported, not only the first):
 * versions and images, configuration, pod overrides, storage, derived names, and the warnings.
 * Pure: what it needs from other objects comes in as `facts`.
 */
import { Collector, type Findings } from '../problem.ts';
import type { Facts } from './facts.ts';
import { checkDerivedNames } from './names.ts';
import { parseSpec, presentComponents, type Spec } from './spec.ts';
import { checkConfig } from './validate-config.ts';
import { checkPods } from './validate-pods.ts';
import { checkStorage } from './validate-storage.ts';
import { checkVersions } from './validate-versions.ts';
import { warnRemovals, warnRisks } from './warnings.ts';

export interface DorisClusterInput {
  /** The object to admit (after the mutating webhook). */
  readonly object: unknown;
  /** The stored object, on update. */
  readonly oldObject?: unknown;
  readonly namespace: string;
  readonly facts?: Facts;
  /** @default 'cluster.local' */
  readonly clusterDomain?: string;
}

type Json = Record<string, unknown>;
const field = (o: unknown, k: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Json)[k] : undefined;

/** The parsed specs of a request; problems when the new spec does not parse. */
export function specsOf(input: DorisClusterInput): {
  spec?: Spec;
  old?: Spec;
  problems: Findings['problems'];
} {
  const parsed = parseSpec(field(input.object, 'spec'));
  if ('problems' in parsed) return { problems: parsed.problems };
  const oldParsed = input.oldObject === undefined ? undefined : parseSpec(field(input.oldObject, 'spec'));
  // A stored spec that no longer parses only loses the rules that compare with it.
  const old = oldParsed !== undefined && 'spec' in oldParsed ? oldParsed.spec : undefined;
  return { spec: parsed.spec, old, problems: [] };
}

export function validateDorisCluster(input: DorisClusterInput): Findings {
  const { spec, old, problems } = specsOf(input);
  if (spec === undefined) return { problems, warnings: [] };
  const out = new Collector();
  const facts = input.facts ?? {};
  checkVersions(spec, old, field(input.oldObject, 'status'), out);
  checkConfig(spec, out);
  checkPods(spec, out);
  checkStorage(spec, old, facts, out);
  checkReferences(spec, old, facts, input.namespace, out);
  const name = field(field(input.object, 'metadata'), 'name');
  checkDerivedNames(
    {
      name: typeof name === 'string' ? name : '',
      namespace: input.namespace,
      clusterDomain: input.clusterDomain ?? 'cluster.local',
      replicas: Object.fromEntries(presentComponents(spec).map(([c, s]) => [c, s.replicas])),
    },
    out,
  );
  warnRisks(spec, facts, out);
  warnRemovals(spec, old, out);
  return dedupe(out.findings());
}

/**
 * A ConfigMap a component names is copied into the cluster's conf: the user who names it (or
 * names a new one) must be allowed to read it, or the operator would read it on their behalf.
 */
function checkReferences(
  spec: Spec,
  old: Spec | undefined,
  facts: Facts,
  namespace: string,
  out: Collector,
): void {
  for (const [c, s] of presentComponents(spec)) {
    const name = s.configMapRef?.name;
    if (name === undefined || (old?.[c] as typeof s | undefined)?.configMapRef?.name === name) continue;
    if (facts.ownConfigMaps?.get(name)?.readable === false)
      out.problem(
        `spec.${c}.configMapRef.name`,
        name,
        `you may not get ConfigMap ${namespace}/${name}; the operator would copy it into this cluster's ` +
          'configuration on your behalf. Name a ConfigMap you can read',
      );
  }
}

/** The same problem found through several components (a shared spec.version) is reported once. */
function dedupe(f: Findings): Findings {
  const seen = new Set<string>();
  const problems = f.problems.filter((p) => {
    const k = `${p.path}\n${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { problems, warnings: [...new Set(f.warnings)] };
}
