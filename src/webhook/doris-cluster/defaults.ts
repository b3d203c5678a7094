/**
 * Defaulting of a DorisCluster that depends on other fields, which the CRD's static defaults
 * cannot express, and normalisation of what users commonly write:
 *
 * - each component's image from `spec.imageRepository` and `spec.version`. An image the webhook
 *   derived keeps following them: when the version or repository changes and the image is still
 *   the one derived from the old values, it is derived again, so `kubectl apply` of a new version
 *   upgrades the cluster (client-side apply keeps fields it did not write, such as this image);
 * - the FE election number, pinned when the cluster is created (3, or 1 below 3 replicas), and on
 *   update taken from the stored object when the request drops it (server-side apply removes
 *   fields a manager no longer sets). Pinning it is what lets a 1-FE cluster grow to 3 FEs later:
 *   with the number left implicit the growth would change it, which the CRD refuses;
 * - `spec.version` written as `v2.1.8` or with spaces, and config values written as YAML numbers
 *   or booleans (`qe_max_connection: 1024`), which the schema would refuse as non-strings.
 *
 * Pure and idempotent: defaulting a defaulted object changes nothing. Works on a copy, and leaves
 * alone any field whose type is wrong (the schema refuses those with its own message).
 */

import { imageTagPrefix } from '../../api/v1alpha1/components.ts';
import { defaultElectionNumber } from '../../api/v1alpha1/doris-cluster-defaults.ts';
import type { Component } from '../../api/v1alpha1/owned-config.ts';
import { components } from './layout.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const DEFAULT_REPOSITORY = 'apache/doris';

function derivedImage(spec: Json, c: Component): string | undefined {
  const version = str(spec.version);
  if (version === undefined || version === '') return undefined;
  return `${str(spec.imageRepository) ?? DEFAULT_REPOSITORY}:${imageTagPrefix[c]}-${version}`;
}

function normalizeVersion(spec: Json): void {
  const v = str(spec.version);
  if (v === undefined) return;
  const normalized = v.trim().replace(/^[vV](?=\d)/, '');
  if (normalized !== v) spec.version = normalized;
}

function normalizeConfig(component: Json): void {
  const config = component.config;
  if (!isObject(config)) return;
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === 'number' || typeof v === 'boolean') config[k] = String(v);
  }
}

function defaultImage(spec: Json, old: Json | undefined, c: Component): void {
  const component = spec[c];
  if (!isObject(component)) return;
  const wanted = derivedImage(spec, c);
  if (wanted === undefined) return;
  if (component.image === undefined) {
    component.image = wanted;
    return;
  }
  const oldComponent = old?.[c];
  if (old === undefined || !isObject(oldComponent)) return;
  // Still the image derived from the old version and repository: it follows them.
  const wasDerived = oldComponent.image !== undefined && oldComponent.image === derivedImage(old, c);
  if (wasDerived && component.image === oldComponent.image) component.image = wanted;
}

function effectiveElection(fe: Json): number | undefined {
  if (typeof fe.electionNumber === 'number') return fe.electionNumber;
  const replicas = typeof fe.replicas === 'number' ? fe.replicas : 3;
  return Number.isInteger(replicas) ? defaultElectionNumber(replicas) : undefined;
}

function defaultElection(spec: Json, old: Json | undefined): void {
  const fe = spec.fe;
  if (!isObject(fe) || fe.electionNumber !== undefined) return;
  const oldFe = old?.fe;
  const number = isObject(oldFe) ? effectiveElection(oldFe) : effectiveElection(fe);
  if (number !== undefined) fe.electionNumber = number;
}

/** The defaulted copy of a DorisCluster; `old` is the stored object on update. */
export function defaultDorisCluster<T>(object: T, old?: unknown): T {
  const copy = structuredClone(object) as unknown;
  if (!isObject(copy) || !isObject(copy.spec)) return copy as T;
  const spec = copy.spec;
  const oldSpec = isObject(old) && isObject(old.spec) ? structuredClone(old.spec) : undefined;
  normalizeVersion(spec);
  if (oldSpec !== undefined) normalizeVersion(oldSpec);
  for (const c of components) {
    if (isObject(spec[c])) normalizeConfig(spec[c]);
    defaultImage(spec, oldSpec, c);
  }
  defaultElection(spec, oldSpec);
  return copy as T;
}
