/**
 * The configuration files of a component: a whole conf file (it replaces the image's own, see
 * image-conf.ts) made of the image's keys for the release line, the operator's keys (ports, paths,
 * FQDN mode) and the user's `config`, in a stable order, plus `configFiles`. User keys the
 * operator owns never get here: the CRD refuses them (owned-config.ts).
 */
import { createHash } from 'node:crypto';
import type { ResolvedDorisClusterSpec } from '../api/v1alpha1/index.ts';
import { type Component, configFileName, ownedConfigKeys } from '../api/v1alpha1/index.ts';
import { parseQuantity } from '../kube/quantity.ts';
import { feHeapMiB, imageConf, releaseLineOf, withHeap } from './image-conf.ts';
import { paths } from './ports.ts';

/** The keys the operator writes for a component (owned keys with a value, plus derived ones). */
export function operatorConfig(spec: ResolvedDorisClusterSpec, c: Component): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ownedConfigKeys[c]) if (k.value !== undefined) out[k.key] = k.value;
  if (c === 'be') {
    out.storage_root_path = spec.be.storage.dataDirs
      .map((d) => `${paths.beDir(d.name)}${d.medium === 'SSD' ? ',medium:SSD' : ''}`)
      .join(';');
  }
  if (c === 'cn' && spec.cn !== undefined) {
    out.be_node_role = 'computation';
    const bytes = Math.floor(parseQuantity(spec.cn.storage.cache.size) ?? 0);
    out.file_cache_path = JSON.stringify([{ path: paths.cnCache, total_size: bytes }]);
  }
  return out;
}

/**
 * `key = value` lines of a whole conf file: the image's keys in the image's order (their values
 * replaced by the operator's or the user's where those set them), then the operator's other keys
 * (sorted), then the user's other keys (sorted). The user's value wins over the image's; the
 * operator's keys are never the user's (the schema refuses them).
 */
export function renderConf(
  operator: Record<string, string>,
  user: Readonly<Record<string, string>> = {},
  image: readonly (readonly [string, string])[] = [],
): string {
  const lines = ['# Written by doris-operator from the DorisCluster spec; edits here are overwritten.'];
  const written = new Set<string>();
  const put = (k: string, v: string) => {
    if (written.has(k)) return;
    written.add(k);
    lines.push(`${k} = ${v}`);
  };
  for (const [k, v] of image) put(k, operator[k] ?? user[k] ?? v);
  for (const [k, v] of Object.entries(operator).sort(([a], [b]) => a.localeCompare(b))) put(k, v);
  for (const [k, v] of Object.entries(user).sort(([a], [b]) => a.localeCompare(b))) put(k, v);
  return `${lines.join('\n')}\n`;
}

/** The image's keys a component's file starts from, with the FE heap sized to the container. */
export function imageKeys(spec: ResolvedDorisClusterSpec, c: Component): [string, string][] {
  const s = spec[c];
  if (s === undefined) return [];
  const keys = imageConf(c, releaseLineOf(s.image));
  if (c !== 'fe') return keys;
  const heap = feHeapMiB(s.resources);
  return keys.map(([k, v]) => [k, k.startsWith('JAVA_OPTS') ? withHeap(v, heap) : v]);
}

/**
 * The files of a component's ConfigMap: the main config file and the extra files. `own` is the
 * data of the ConfigMap `configMapRef` names: its main file's keys override the image's, and its
 * other files are written too (spec.configFiles wins over them).
 */
export function configFiles(
  spec: ResolvedDorisClusterSpec,
  c: Component,
  own?: Readonly<Record<string, string>>,
): Record<string, string> {
  const s = spec[c];
  if (s === undefined) return {};
  const file = configFileName[c];
  const { [file]: ownFile, ...ownOthers } = own ?? {};
  return {
    ...ownOthers,
    ...(s.configFiles ?? {}),
    [file]: renderConf(
      operatorConfig(spec, c),
      s.config ?? {},
      overlay(imageKeys(spec, c), confLines(ownFile ?? '')),
    ),
  };
}

/** `key = value` lines of a conf file in order (`#` comments and blank lines skipped, as Doris does). */
export function confLines(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) continue;
    out.push([trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim()]);
  }
  return out;
}

/** `base` with `over`'s values in place of its own, then `over`'s other keys in their order. */
function overlay(base: [string, string][], over: [string, string][]): [string, string][] {
  const values = new Map(over);
  const out = base.map(([k, v]): [string, string] => [k, values.get(k) ?? v]);
  const seen = new Set(base.map(([k]) => k));
  for (const [k] of over) {
    if (seen.has(k)) continue;
    seen.add(k);
    // A key written twice: the last one counts, as for java.util.Properties and the start scripts.
    out.push([k, values.get(k) ?? '']);
  }
  return out;
}

/** A short digest of the files: it goes on the pod template, so a change rolls the members. */
export function configHash(files: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const [k, v] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) h.update(`${k}\0${v}\0`);
  return h.digest('hex').slice(0, 16);
}
