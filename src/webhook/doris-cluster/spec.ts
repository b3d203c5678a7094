/**
 * The typed view of a DorisCluster the validators work on: the spec parsed with the same zod
 * schema the CRD is generated from (so every field has its type and default), and small accessors
 * shared by the checks.
 */
import type { z } from 'zod';
import { dorisClusterSpecSchema } from '../../api/v1alpha1/doris-cluster.ts';
import type { Component } from '../../api/v1alpha1/owned-config.ts';
import type { Problem } from '../problem.ts';
import { components } from './layout.ts';

export type Spec = z.output<typeof dorisClusterSpecSchema>;
export type ComponentSpec = NonNullable<Spec['fe'] | Spec['be'] | Spec['cn'] | Spec['broker']>;

/**
 * Parses a spec. The API server has already checked it against the CRD schema when the webhook is
 * called, so failures only happen when the installed CRD is older than the webhook (or when the
 * webhook is called directly); the issues are reported as problems, and the webhook's own rules,
 * which rely on the types, are not run.
 */
export function parseSpec(raw: unknown): { spec: Spec } | { problems: Problem[] } {
  const result = dorisClusterSpecSchema.safeParse(raw);
  if (result.success) return { spec: result.data };
  return {
    problems: result.error.issues.map((i) => ({
      path: ['spec', ...i.path.map(String)].join('.'),
      value: undefined,
      message: `${i.message} (the installed DorisCluster CRD should have refused this; it may be older than the webhook)`,
    })),
  };
}

/** The components present in a spec, with their specs. */
export function presentComponents(spec: Spec): [Component, ComponentSpec][] {
  return components.flatMap((c) => {
    const s = spec[c];
    return s === undefined ? [] : [[c, s as ComponentSpec] as [Component, ComponentSpec]];
  });
}

/** Upper-case component name for messages (FE, BE, CN, Broker). */
export const label = (c: Component): string => (c === 'broker' ? 'Broker' : c.toUpperCase());
