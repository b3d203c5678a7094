/**
 * The DorisCluster spec with every default applied, for controllers: the schema's own defaults
 * (applied by parsing with the same zod schema the CRD is generated from, so both say the same),
 * plus the two the schema cannot state: images derived from the version, and the election number
 * derived from the FE replicas.
 */
import type { z } from 'zod';
import { imageTagPrefix } from './components.ts';
import { type DorisClusterSpec, dorisClusterSpecSchema } from './doris-cluster.ts';
import type { Component } from './owned-config.ts';

type Parsed = z.output<typeof dorisClusterSpecSchema>;
type WithImage<T> = T & { image: string };

/** A spec with every default applied: controllers never see undefined for a defaulted field. */
export type ResolvedDorisClusterSpec = Omit<Parsed, 'fe' | 'be' | 'cn' | 'broker'> & {
  fe: WithImage<Parsed['fe']> & { electionNumber: number };
  be: WithImage<Parsed['be']>;
  cn?: WithImage<NonNullable<Parsed['cn']>>;
  broker?: WithImage<NonNullable<Parsed['broker']>>;
};

/** An invalid spec reached the operator (stored before a schema change, or sent without the CRD). */
export class InvalidSpecError extends Error {
  readonly problems: readonly { path: string; message: string }[];
  constructor(problems: readonly { path: string; message: string }[]) {
    super(`invalid DorisCluster spec: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidSpecError';
    this.problems = problems;
  }
}

/** FE followers when electionNumber is omitted: 3, but never more than replicas (and odd). */
export function defaultElectionNumber(feReplicas: number): number {
  return feReplicas >= 3 ? 3 : 1;
}

/** The image a component runs: its own, else `<imageRepository>:<fe|be|broker>-<version>`. */
export function defaultImage(
  component: Component,
  imageRepository: string,
  version: string | undefined,
): string {
  if (version === undefined) {
    throw new InvalidSpecError([
      { path: `spec.${component}.image`, message: 'no image and no spec.version' },
    ]);
  }
  return `${imageRepository}:${imageTagPrefix[component]}-${version}`;
}

export function withDefaults(spec: DorisClusterSpec): ResolvedDorisClusterSpec {
  const result = dorisClusterSpecSchema.safeParse(spec);
  if (!result.success) {
    throw new InvalidSpecError(
      result.error.issues.map((i) => ({
        path: ['spec', ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    );
  }
  const { fe, be, cn, broker, ...cluster } = result.data;
  const image = (c: Component, own: string | undefined) =>
    own ?? defaultImage(c, cluster.imageRepository, cluster.version);
  return {
    ...cluster,
    fe: {
      ...fe,
      image: image('fe', fe.image),
      electionNumber: fe.electionNumber ?? defaultElectionNumber(fe.replicas),
    },
    be: { ...be, image: image('be', be.image) },
    ...(cn ? { cn: { ...cn, image: image('cn', cn.image) } } : {}),
    ...(broker ? { broker: { ...broker, image: image('broker', broker.image) } } : {}),
  };
}
